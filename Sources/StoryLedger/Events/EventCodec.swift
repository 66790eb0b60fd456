/// The compact binary encoding of event payloads.
///
/// Each payload splits into a public part and, for events that carry personal text
/// (teller names, narratives), a personal part. The log hashes the personal part
/// separately so that it can be erased while the chain still verifies.
enum EventCodec {
  /// The encoded parts of a payload.
  struct Parts {
    var publicBytes: [UInt8]
    /// `nil` when the event type carries no personal text.
    var personalBytes: [UInt8]?
  }

  static func encode(_ payload: EventPayload) -> Parts {
    var publicBytes = ByteWriter(capacity: 96)
    encodeRecordPublic(payload, into: &publicBytes)
    var personal = ByteWriter(capacity: 32)
    let hasPersonal = encodePersonal(payload, into: &personal)
    return Parts(publicBytes: publicBytes.bytes, personalBytes: hasPersonal ? personal.bytes : nil)
  }

  /// Whether events of `type`, as this build writes them, carry a personal part (teller
  /// names, narratives, the dialogue's participants).
  static func hasPersonalPart(_ type: EventType) -> Bool {
    type == .storyTold || type == .tellingRecorded
      || (type.rawValue >= 30 && type.currentSchemaVersion >= 2)
  }

  /// Appends the public part of `payload` as a record of the current schema version holds
  /// it: for the dialogue's events, without the participant's name, which goes in the
  /// personal part (``encodePersonal(_:into:)``). ``encodePublic(_:into:)`` keeps the name
  /// (the layout of schema version 1, which the snapshot uses too).
  @inline(__always)
  static func encodeRecordPublic<Sink: ByteSink>(_ payload: EventPayload, into writer: inout Sink) {
    if payload.isDialogue {
      encodePublic(payload.withParticipant(""), into: &writer)
    } else {
      encodePublic(payload, into: &writer)
    }
  }

  /// Appends the public part of `payload` to `sink`.
  static func encodePublic<Sink: ByteSink>(_ payload: EventPayload, into writer: inout Sink) {
    switch payload {
    case .ledgerCreated(let configuration):
      writer.appendStrings(configuration.levels)
      writer.appendOptionalString(configuration.currency)
      writer.appendString(configuration.timeZoneIdentifier)
    case .nodeAdded(let event):
      writer.appendString(event.path.description)
      writer.appendString(event.name)
    case .nodeRenamed(let event):
      writer.appendString(event.path.description)
      writer.appendString(event.name)
    case .nodeMoved(let event):
      writer.appendString(event.path.description)
      writer.appendOptionalString(event.parent?.description)
    case .nodeRetired(let event):
      writer.appendString(event.path.description)
      writer.appendString(event.reason)
    case .storyUpdated(let event):
      writer.appendString(event.story)
      writer.appendOptionalString(event.title)
      writer.append(event.tags == nil ? 0 : 1)
      if let tags = event.tags { writer.appendStrings(tags) }
      writer.appendOptionalString(event.share)
    case .storyWithdrawn(let event):
      writer.appendString(event.story)
      writer.appendString(event.reason)
      writer.append(event.erase ? 1 : 0)
    case .storyTold(let event):
      writer.appendString(event.key)
      writer.appendString(event.node.description)
      writer.appendDay(event.on)
      writer.appendString(event.title)
      writer.appendStrings(event.tags)
      writer.appendString(event.share)
    case .tellingRecorded(let event):
      writer.appendString(event.story)
      writer.appendDay(event.on)
    case .itemRecorded(let event):
      writer.appendString(event.story)
      writer.appendString(event.item)
      writer.appendDay(event.on)
      writer.append(UInt8(event.dimension.index))
      appendFacts(event.facts, to: &writer)
    case .itemRevised(let event):
      writer.appendString(event.story)
      writer.appendString(event.item)
      writer.appendDay(event.on)
      appendFacts(event.facts, to: &writer)
    default:
      encodeDialogue(payload, into: &writer)
    }
  }

  /// Appends the personal part of `payload` to `sink`; returns `false` (appending nothing)
  /// when its type has none (see ``hasPersonalPart(_:)``).
  @discardableResult
  static func encodePersonal<Sink: ByteSink>(_ payload: EventPayload, into writer: inout Sink)
    -> Bool
  {
    switch payload {
    case .storyTold(let event):
      writer.appendStrings(event.tellers)
      return true
    case .tellingRecorded(let event):
      writer.appendString(event.narrative)
      return true
    default:
      guard payload.isDialogue, let participant = payload.participant else { return false }
      writer.appendString(participant)
      return true
    }
  }

  /// Appends item facts: a mask of the facts given, then each of them in mask order.
  static func appendFacts<Sink: ByteSink>(_ facts: ItemFacts, to writer: inout Sink) {
    var mask: UInt8 = 0
    if facts.visibility != nil { mask |= 1 }
    if facts.description != nil { mask |= 2 }
    if facts.quantity != nil { mask |= 4 }
    if facts.unit != nil { mask |= 8 }
    if facts.monetised != nil { mask |= 16 }
    if facts.weight != nil { mask |= 32 }
    if facts.evidence != nil { mask |= 64 }
    writer.append(mask)
    if let visibility = facts.visibility { writer.append(visibility == .visible ? 1 : 0) }
    if let description = facts.description { writer.appendString(description) }
    if let quantity = facts.quantity { writer.appendString(quantity) }
    if let unit = facts.unit { writer.appendString(unit) }
    if let monetised = facts.monetised { writer.appendSigned(monetised.cents) }
    if let weight = facts.weight { writer.append(UInt8(clamping: weight)) }
    if let evidence = facts.evidence { writer.appendString(evidence) }
  }

  private static func readFacts(_ reader: inout ByteReader) throws(DecodingFailure) -> ItemFacts {
    let mask = try reader.byte()
    guard mask & 0x80 == 0 else { throw DecodingFailure(description: "unknown item facts") }
    var facts = ItemFacts()
    if mask & 1 != 0 { facts.visibility = try reader.byte() == 1 ? .visible : .invisible }
    if mask & 2 != 0 { facts.description = try reader.string() }
    if mask & 4 != 0 { facts.quantity = try reader.string() }
    if mask & 8 != 0 { facts.unit = try reader.string() }
    if mask & 16 != 0 { facts.monetised = Money(cents: try reader.signed()) }
    if mask & 32 != 0 { facts.weight = Int(try reader.byte()) }
    if mask & 64 != 0 { facts.evidence = try reader.string() }
    return facts
  }

  /// Decodes a payload. `personal` is `nil` when the personal part was erased: its fields
  /// then read as empty.
  ///
  /// With `materializingText` `false` every check is made (bounds, UTF-8, dates,
  /// dimensions, the ledger configuration) but the text fields of all payloads other than
  /// `ledger.created` come back empty: for `verify`, which needs to know that each payload
  /// decodes, not what it says, and would otherwise allocate most of its strings.
  static func decode(
    type rawType: UInt16, schemaVersion: UInt16, publicBytes: UnsafeRawBufferPointer,
    personalBytes: UnsafeRawBufferPointer?, materializingText: Bool = true
  ) throws(DecodingFailure) -> EventPayload {
    guard let type = EventType(rawValue: rawType) else {
      throw DecodingFailure(
        description: "event type \(rawType) is unknown to this version of StoryLedger; upgrade it")
    }
    guard schemaVersion >= 1, schemaVersion <= type.currentSchemaVersion else {
      throw DecodingFailure(
        description:
          "\(type.name) schema version \(schemaVersion) is newer than this version of StoryLedger reads; upgrade it"
      )
    }
    // The configuration is validated from its text, so it is always read in full.
    var reader = ByteReader(
      publicBytes, materializesText: materializingText || type == .ledgerCreated)
    switch type {
    case .ledgerCreated:
      let levels = try reader.strings()
      let currency = try reader.optionalString()
      let zone = try reader.string()
      do {
        return .ledgerCreated(
          try LedgerConfiguration(levels: levels, currency: currency, timeZoneIdentifier: zone))
      } catch {
        throw DecodingFailure(description: "invalid ledger configuration: \(error)")
      }
    case .nodeAdded:
      let path = try readPath(&reader)
      let name = try reader.string()
      return .nodeAdded(NodeAdded(path: path, name: name))
    case .nodeRenamed:
      let path = try readPath(&reader)
      let name = try reader.string()
      return .nodeRenamed(NodeRenamed(path: path, name: name))
    case .nodeMoved:
      let path = try readPath(&reader)
      let parent = try reader.optionalString().map {
        NodePath(
          validSegments: $0.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        )
      }
      return .nodeMoved(NodeMoved(path: path, parent: parent))
    case .nodeRetired:
      let path = try readPath(&reader)
      let reason = try reader.string()
      return .nodeRetired(NodeRetired(path: path, reason: reason))
    case .storyUpdated:
      let story = try reader.string()
      let title = try reader.optionalString()
      let tags = try reader.byte() == 1 ? try reader.strings() : nil
      let share = try reader.optionalString()
      return .storyUpdated(StoryUpdated(story: story, title: title, tags: tags, share: share))
    case .storyWithdrawn:
      let story = try reader.string()
      let reason = try reader.string()
      let erase = try reader.byte() == 1
      return .storyWithdrawn(StoryWithdrawn(story: story, reason: reason, erase: erase))
    case .storyTold:
      let key = try reader.string()
      let node = try readPath(&reader)
      let on = try reader.day()
      let title = try reader.string()
      let tags = try reader.strings()
      let share = try reader.string()
      var tellers: [String] = []
      if let personalBytes {
        var personal = ByteReader(personalBytes, materializesText: materializingText)
        tellers = try personal.strings()
      }
      return .storyTold(
        StoryTold(
          key: key, node: node, on: on, title: title, tellers: tellers, tags: tags, share: share))
    case .tellingRecorded:
      let story = try reader.string()
      let on = try reader.day()
      var narrative = ""
      if let personalBytes {
        var personal = ByteReader(personalBytes, materializesText: materializingText)
        narrative = try personal.string()
      }
      return .tellingRecorded(TellingRecorded(story: story, on: on, narrative: narrative))
    case .itemRecorded:
      let story = try reader.string()
      let item = try reader.string()
      let on = try reader.day()
      let dimension: Dimension
      // `Dimension.allCases` would build an array per event.
      switch try reader.byte() {
      case 0: dimension = .capacitating
      case 1: dimension = .calibrating
      case 2: dimension = .calculating
      case let index: throw DecodingFailure(description: "unknown dimension \(index)")
      }
      let facts = try readFacts(&reader)
      return .itemRecorded(
        ItemRecorded(story: story, item: item, on: on, dimension: dimension, facts: facts))
    case .itemRevised:
      let story = try reader.string()
      let item = try reader.string()
      let on = try reader.day()
      let facts = try readFacts(&reader)
      return .itemRevised(ItemRevised(story: story, item: item, on: on, facts: facts))
    default:
      let payload = try decodeDialogue(type, &reader)
      // From schema version 2 the participant's name is in the personal part (`nil` once
      // erased: the name reads as empty); version 1 kept it in the public part.
      guard schemaVersion >= 2, payload.participant != nil else { return payload }
      var name = ""
      if let personalBytes {
        var personal = ByteReader(personalBytes, materializesText: materializingText)
        name = try personal.string()
        guard personal.isAtEnd else {
          throw DecodingFailure(description: "unexpected bytes after the participant")
        }
      }
      return payload.withParticipant(name)
    }
  }

  /// Reads a path: its text split at each `/` byte, a segment `String` made from each piece.
  ///
  /// Paths in the log were validated when written, so they are not validated again. `/` is
  /// an ASCII byte, never part of a longer UTF-8 sequence, and a valid segment never starts
  /// with a combining mark, so this splits exactly where splitting the text would.
  private static func readPath(_ reader: inout ByteReader) throws(DecodingFailure) -> NodePath {
    let bytes = try reader.bytes(count: try reader.length())
    var separators = 0
    for byte in bytes where byte == 0x2F { separators += 1 }
    var segments: [String] = []
    segments.reserveCapacity(separators + 1)
    var start = 0
    for index in 0..<bytes.count where bytes[index] == 0x2F {
      segments.append(try reader.text(UnsafeRawBufferPointer(rebasing: bytes[start..<index])))
      start = index + 1
    }
    segments.append(try reader.text(UnsafeRawBufferPointer(rebasing: bytes[start...])))
    return NodePath(validSegments: segments)
  }
}
