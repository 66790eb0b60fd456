/// A person's own rating of how much an item of value matters, 1 to 5, as of a date: a
/// calibrating judgement made by one of several people.
///
/// A person may rate an item again: their latest rating dated on or before a date is the one
/// that counts then. `first` links a person's later ratings of the item to their first one
/// (by its sequence number), so that their ratings stay one person's after their name is
/// erased (`storyledger erase person`).
///
/// The rater's name is personal: it lives in the erasable part of the record.
public struct ItemRated: Hashable, Sendable {
  /// The story's key.
  public var story: String
  /// The item's key within the story.
  public var item: String
  /// Who rated it (personal text; empty once erased).
  public var by: String
  /// The rating, 1 to 5.
  public var weight: Int
  /// The date the rating is about.
  public var on: Day
  /// The sequence number of the same person's first rating of the item, when this one
  /// revises it; `nil` for a person's first rating.
  public var first: UInt64?
  /// Creates the event.
  public init(story: String, item: String, by: String, weight: Int, on: Day, first: UInt64? = nil) {
    self.story = story
    self.item = item
    self.by = by
    self.weight = weight
    self.on = on
    self.first = first
  }
}

/// The value a group agreed for an item, 1 to 5, as of a date: the calibrating judgement
/// the group settles on after comparing its members' ratings (``ItemRated``).
///
/// The agreed value and the weight given on `item add`/`item revise` are one line through
/// time: the latest of them dated on or before a date is the item's agreed value then (so a
/// ledger written before ratings existed reads its weights as agreed values).
public struct ItemAgreed: Hashable, Sendable {
  /// The story's key.
  public var story: String
  /// The item's key within the story.
  public var item: String
  /// The agreed value, 1 to 5.
  public var weight: Int
  /// The date of the agreement.
  public var on: Day
  /// How the group reached it, in a few words (may be empty; any language).
  public var note: String
  /// Creates the event.
  public init(story: String, item: String, weight: Int, on: Day, note: String = "") {
    self.story = story
    self.item = item
    self.weight = weight
    self.on = on
    self.note = note
  }
}

/// `item.rated` and `item.agreed`: their byte layouts.
///
/// `item.rated` is written from schema version 2, as the dialogue's events are: the rater's
/// name in the record's personal part. Its version-1 layout, with the name in the public
/// part, is the one ``EventCodec/encodePublic(_:into:)`` writes for the snapshot.
extension EventCodec {
  static func writeItemRated<Sink: ByteSink>(_ event: ItemRated, into writer: inout Sink) {
    writer.appendString(event.story)
    writer.appendString(event.item)
    writer.appendString(event.by)
    writer.appendVarint(UInt64(max(0, event.weight)))
    writer.appendDay(event.on)
    writer.appendVarint(event.first ?? 0)
  }

  static func readItemRated(_ reader: inout ByteReader) throws(DecodingFailure) -> ItemRated {
    let story = try reader.string()
    let item = try reader.string()
    let by = try reader.string()
    let weight = try reader.varint()
    guard weight <= 5 else { throw DecodingFailure(description: "rating \(weight) is not 1 to 5") }
    let on = try reader.day()
    let first = try reader.varint()
    guard reader.isAtEnd else {
      throw DecodingFailure(description: "unexpected bytes after the rating")
    }
    return ItemRated(
      story: story, item: item, by: by, weight: Int(weight), on: on,
      first: first == 0 ? nil : first)
  }

  static func writeItemAgreed<Sink: ByteSink>(_ event: ItemAgreed, into writer: inout Sink) {
    writer.appendString(event.story)
    writer.appendString(event.item)
    writer.appendVarint(UInt64(max(0, event.weight)))
    writer.appendDay(event.on)
    writer.appendString(event.note)
  }

  static func readItemAgreed(_ reader: inout ByteReader) throws(DecodingFailure) -> ItemAgreed {
    let story = try reader.string()
    let item = try reader.string()
    let weight = try reader.varint()
    guard weight <= 5 else {
      throw DecodingFailure(description: "agreed value \(weight) is not 1 to 5")
    }
    let on = try reader.day()
    let note = try reader.string()
    guard reader.isAtEnd else {
      throw DecodingFailure(description: "unexpected bytes after the agreed value")
    }
    return ItemAgreed(story: story, item: item, weight: Int(weight), on: on, note: note)
  }
}
