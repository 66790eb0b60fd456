/// Someone verified a story, and said how: Most Significant Change's verification step
/// (visiting the place, speaking with the people in it, checking a record).
///
/// The verifier's name is personal: it lives in the erasable part of the record (schema
/// version 2 from the start, as the dialogue's events), and `erase person` erases it.
public struct StoryVerified: Hashable, Sendable {
  /// The story's key.
  public var story: String
  /// Who verified it (personal text; empty once erased).
  public var by: String
  /// How it was verified, in any language.
  public var how: String
  /// The date of the verification.
  public var on: Day
  /// Creates the event.
  public init(story: String, by: String, how: String, on: Day) {
    self.story = story
    self.by = by
    self.how = how
    self.on = on
  }
}

/// `story.verified`: its byte layout (version 1, with the name in the public part, is the
/// snapshot's; records are written as version 2, the name in the personal part).
extension EventCodec {
  static func writeStoryVerified<Sink: ByteSink>(_ event: StoryVerified, into writer: inout Sink) {
    writer.appendString(event.story)
    writer.appendString(event.by)
    writer.appendString(event.how)
    writer.appendDay(event.on)
  }

  static func readStoryVerified(_ reader: inout ByteReader) throws(DecodingFailure)
    -> StoryVerified
  {
    let story = try reader.string()
    let by = try reader.string()
    let how = try reader.string()
    let on = try reader.day()
    guard reader.isAtEnd else {
      throw DecodingFailure(description: "unexpected bytes after the verification")
    }
    return StoryVerified(story: story, by: by, how: how, on: on)
  }
}
