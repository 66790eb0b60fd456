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
    switch type {
    case .storyTold, .tellingRecorded: true
    // Only when some answer is personal; a record without one has no personal part.
    case .storyAnswered: true
    case .accountProposed, .accountObjected, .accountResponded, .accountSettled,
      .accountReopened, .storiesSelected, .feedbackSent, .pledgeMade, .pledgeJoined,
      .pledgeFulfilled, .pledgeWithdrawn, .itemRated, .storyVerified:
      type.currentSchemaVersion >= 2
    case .sessionStarted, .participantAdded: true
    case .ledgerCreated, .nodeAdded, .nodeRenamed, .nodeMoved, .nodeRetired, .storyUpdated,
      .storyWithdrawn, .itemRecorded, .itemRevised, .participantErased, .sessionLinked,
      .itemAgreed, .storyGrouped, .domainAdded, .campaignAdded, .proxySet:
      false
    }
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
    case .storyAnswered(let event):
      AnswerCodec.writePublic(event, into: &writer)
    case .storyTold(let event):
      StoryToldCodec.write(
        key: event.key, node: event.node, on: event.on, title: event.title, tags: event.tags,
        share: event.share, into: &writer)
    case .tellingRecorded(let event):
      TellingCodec.write(story: event.story, on: event.on, into: &writer)
    case .itemRecorded(let event):
      ItemEventCodec.write(
        story: event.story, item: event.item, on: event.on, dimension: event.dimension,
        facts: event.facts, into: &writer)
    case .itemRevised(let event):
      ItemEventCodec.write(
        story: event.story, item: event.item, on: event.on, dimension: nil, facts: event.facts,
        into: &writer)
    case .accountProposed(let event): writeAccountProposed(event, into: &writer)
    case .accountObjected(let step), .accountResponded(let step), .accountSettled(let step),
      .accountReopened(let step):
      writeAccountStep(step, into: &writer)
    case .storiesSelected(let event): writeStoriesSelected(event, into: &writer)
    case .feedbackSent(let event): writeFeedbackSent(event, into: &writer)
    case .pledgeMade(let event): writePledgeMade(event, into: &writer)
    case .pledgeJoined(let step), .pledgeFulfilled(let step), .pledgeWithdrawn(let step):
      writePledgeStep(step, into: &writer)
    case .participantErased(let event): writeParticipantErased(event, into: &writer)
    case .sessionStarted(let event): writeSessionStarted(event, into: &writer)
    case .sessionLinked(let event): writeSessionLinked(event, into: &writer)
    case .itemRated(let event): writeItemRated(event, into: &writer)
    case .itemAgreed(let event): writeItemAgreed(event, into: &writer)
    case .storyVerified(let event): writeStoryVerified(event, into: &writer)
    case .storyGrouped(let event): writeStoryGrouped(event, into: &writer)
    case .domainAdded(let event), .campaignAdded(let event):
      writeGroupingAdded(event, into: &writer)
    // Everything it says is personal.
    case .participantAdded: break
    case .proxySet(let event): writeProxySet(event, into: &writer)
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
      StoryToldCodec.writePersonal(tellers: event.tellers, into: &writer)
      return true
    case .tellingRecorded(let event):
      TellingCodec.writePersonal(narrative: event.narrative, into: &writer)
      return true
    case .storyAnswered(let event):
      return AnswerCodec.writePersonal(event, into: &writer)
    case .participantAdded(let event):
      writeParticipantAddedPersonal(event, into: &writer)
      return true
    case .accountProposed, .accountObjected, .accountResponded, .accountSettled,
      .accountReopened, .storiesSelected, .feedbackSent, .pledgeMade, .pledgeJoined,
      .pledgeFulfilled, .pledgeWithdrawn, .sessionStarted, .itemRated, .storyVerified:
      guard hasPersonalPart(payload.type), let names = payload.participants else {
        return false
      }
      if EventPayload.namesAreList(payload.type, schemaVersion: payload.type.currentSchemaVersion) {
        writer.appendStrings(names)
      } else {
        writer.appendString(names.joined(separator: ", "))
      }
      return true
    case .ledgerCreated, .nodeAdded, .nodeRenamed, .nodeMoved, .nodeRetired, .storyUpdated,
      .storyWithdrawn, .itemRecorded, .itemRevised, .participantErased, .sessionLinked,
      .itemAgreed, .storyGrouped, .domainAdded, .campaignAdded, .proxySet:
      return false
    }
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
    // The dialogue's events, whose participant may be in the personal part.
    let dialogue: EventPayload
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
    case .storyAnswered:
      return .storyAnswered(
        try AnswerCodec.read(
          &reader, personal: personalBytes, materializingText: materializingText))
    case .storyTold:
      let fields = try StoryToldCodec.read(&reader)
      var tellers: [String] = []
      if let list = try StoryToldCodec.readPersonal(personalBytes) {
        tellers = ByteReader(list.base, materializesText: materializingText).strings(
          checked: list)
      }
      return .storyTold(
        StoryTold(
          key: reader.string(checked: fields.key), node: path(checked: fields.node, reader),
          on: fields.on, title: reader.string(checked: fields.title), tellers: tellers,
          tags: reader.strings(checked: fields.tags), share: reader.string(checked: fields.share)))
    case .tellingRecorded:
      let (story, on) = try TellingCodec.read(&reader)
      let narrative = try TellingCodec.readPersonal(personalBytes)
      let personal = ByteReader(narrative, materializesText: materializingText)
      return .tellingRecorded(
        TellingRecorded(
          story: reader.string(checked: story), on: on,
          narrative: personal.string(checked: narrative)))
    case .itemRecorded:
      let fields = try ItemEventCodec.read(&reader, recorded: true)
      return .itemRecorded(
        ItemRecorded(
          story: reader.string(checked: fields.story), item: reader.string(checked: fields.item),
          on: fields.on, dimension: ItemEventCodec.dimension(at: fields.dimensionIndex ?? 0),
          facts: fields.facts))
    case .itemRevised:
      let fields = try ItemEventCodec.read(&reader, recorded: false)
      return .itemRevised(
        ItemRevised(
          story: reader.string(checked: fields.story), item: reader.string(checked: fields.item),
          on: fields.on, facts: fields.facts))
    case .accountProposed: dialogue = .accountProposed(try readAccountProposed(&reader))
    case .accountObjected: dialogue = .accountObjected(try readAccountStep(&reader))
    case .accountResponded: dialogue = .accountResponded(try readAccountStep(&reader))
    case .accountSettled: dialogue = .accountSettled(try readAccountStep(&reader))
    case .accountReopened: dialogue = .accountReopened(try readAccountStep(&reader))
    case .storiesSelected: dialogue = .storiesSelected(try readStoriesSelected(&reader))
    case .feedbackSent: dialogue = .feedbackSent(try readFeedbackSent(&reader))
    case .pledgeMade: dialogue = .pledgeMade(try readPledgeMade(&reader))
    case .pledgeJoined: dialogue = .pledgeJoined(try readPledgeStep(&reader))
    case .pledgeFulfilled: dialogue = .pledgeFulfilled(try readPledgeStep(&reader))
    case .pledgeWithdrawn: dialogue = .pledgeWithdrawn(try readPledgeStep(&reader))
    case .participantErased: dialogue = .participantErased(try readParticipantErased(&reader))
    case .sessionStarted: dialogue = .sessionStarted(try readSessionStarted(&reader))
    case .sessionLinked: dialogue = .sessionLinked(try readSessionLinked(&reader))
    case .itemRated: dialogue = .itemRated(try readItemRated(&reader))
    case .itemAgreed: dialogue = .itemAgreed(try readItemAgreed(&reader))
    case .storyVerified: dialogue = .storyVerified(try readStoryVerified(&reader))
    case .storyGrouped: return .storyGrouped(try readStoryGrouped(&reader))
    case .domainAdded: return .domainAdded(try readGroupingAdded(&reader))
    case .campaignAdded: return .campaignAdded(try readGroupingAdded(&reader))
    case .proxySet: return .proxySet(try readProxySet(&reader))
    case .participantAdded:
      return .participantAdded(
        try readParticipantAdded(
          &reader, personal: personalBytes, materializingText: materializingText))
    }
    guard reader.isAtEnd || type != .sessionStarted && type != .sessionLinked else {
      throw DecodingFailure(description: "unexpected bytes after the \(type.name) event")
    }
    return try withParticipant(dialogue, schemaVersion, personalBytes, materializingText)
  }

  /// A dialogue event with its participant's name: from schema version 2 the name is in
  /// the personal part (`nil` once erased: the name reads as empty); version 1 kept it in
  /// the public part. A panel's names (`stories.selected` version 3) and a session's are a
  /// list there.
  private static func withParticipant(
    _ payload: EventPayload, _ schemaVersion: UInt16, _ personalBytes: UnsafeRawBufferPointer?,
    _ materializingText: Bool
  ) throws(DecodingFailure) -> EventPayload {
    let isList = EventPayload.namesAreList(payload.type, schemaVersion: schemaVersion)
    guard schemaVersion >= 2 || isList, payload.participants != nil else { return payload }
    var names: [String] = []
    if let personalBytes {
      var personal = ByteReader(personalBytes, materializesText: materializingText)
      if isList {
        names = try personal.strings()
      } else {
        let name = try personal.string()
        names = name.isEmpty ? [] : [name]
      }
      guard personal.isAtEnd else {
        throw DecodingFailure(description: "unexpected bytes after the participant")
      }
    }
    return payload.withParticipants(names)
  }

  /// The path whose text is `bytes`, already checked as UTF-8: split at each `/` byte, a
  /// segment `String` made from each piece.
  ///
  /// Paths in the log were validated when written, so they are not validated again. `/` is
  /// an ASCII byte, never part of a longer UTF-8 sequence, and a valid segment never starts
  /// with a combining mark, so this splits exactly where splitting the text would.
  static func path(checked bytes: UnsafeRawBufferPointer, _ reader: ByteReader) -> NodePath {
    var separators = 0
    for byte in bytes where byte == 0x2F { separators += 1 }
    var segments: [String] = []
    segments.reserveCapacity(separators + 1)
    var start = 0
    for index in 0..<bytes.count where bytes[index] == 0x2F {
      segments.append(
        reader.string(checked: UnsafeRawBufferPointer(rebasing: bytes[start..<index])))
      start = index + 1
    }
    segments.append(reader.string(checked: UnsafeRawBufferPointer(rebasing: bytes[start...])))
    return NodePath(validSegments: segments)
  }

  /// Reads a path (see ``path(checked:_:)``).
  private static func readPath(_ reader: inout ByteReader) throws(DecodingFailure) -> NodePath {
    path(checked: try reader.textBytes(), reader)
  }
}
