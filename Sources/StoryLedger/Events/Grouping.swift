/// A domain of change or a campaign was defined: its name and what it covers.
///
/// A *domain of change* is a broad heading that Most Significant Change asks stories under
/// ("changes in people's lives", "changes in how teams work"); selection is made per domain.
/// A *campaign* (a Change Day, a stakeholder panel's round) cuts across the hierarchy: its
/// stories are told at any node. Both are ledger-wide names; a story belongs to at most one
/// domain and to any number of campaigns (``StoryGrouped``).
public struct GroupingAdded: Hashable, Sendable {
  /// The name, in any language or script (one line, no control character), unique among the
  /// ledger's domains (or campaigns).
  public var name: String
  /// What it covers, in any language (may be empty).
  public var description: String
  /// Creates the event.
  public init(name: String, description: String = "") {
    self.name = name
    self.description = description
  }
}

/// A story was placed under a domain of change and in campaigns: the story's domain and
/// campaigns become these (replacing what an earlier `story.grouped` said).
public struct StoryGrouped: Hashable, Sendable {
  /// The story's key.
  public var story: String
  /// Its domain of change (`nil`: none).
  public var domain: String?
  /// Its campaigns, in the order given (empty: none).
  public var campaigns: [String]
  /// Creates the event.
  public init(story: String, domain: String?, campaigns: [String]) {
    self.story = story
    self.domain = domain
    self.campaigns = campaigns
  }
}

/// `domain.added`, `campaign.added` and `story.grouped`: their byte layouts (version 1).
extension EventCodec {
  static func writeGroupingAdded<Sink: ByteSink>(_ event: GroupingAdded, into writer: inout Sink) {
    writer.appendString(event.name)
    writer.appendString(event.description)
  }

  static func readGroupingAdded(_ reader: inout ByteReader) throws(DecodingFailure)
    -> GroupingAdded
  {
    let name = try reader.string()
    let description = try reader.string()
    guard reader.isAtEnd else {
      throw DecodingFailure(description: "unexpected bytes after the domain or campaign")
    }
    return GroupingAdded(name: name, description: description)
  }

  static func writeStoryGrouped<Sink: ByteSink>(_ event: StoryGrouped, into writer: inout Sink) {
    writer.appendString(event.story)
    writer.appendOptionalString(event.domain)
    writer.appendStrings(event.campaigns)
  }

  static func readStoryGrouped(_ reader: inout ByteReader) throws(DecodingFailure)
    -> StoryGrouped
  {
    let story = try reader.string()
    let domain = try reader.optionalString()
    let campaigns = try reader.strings()
    guard reader.isAtEnd else {
      throw DecodingFailure(description: "unexpected bytes after the story's grouping")
    }
    return StoryGrouped(story: story, domain: domain, campaigns: campaigns)
  }
}
