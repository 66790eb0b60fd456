/// A participant's name was erased from the dialogue events that named them
/// (`storyledger erase participant`): the events are listed, the name is not.
///
/// The list is what `verify` checks each erased dialogue record against, as it checks an
/// erased story record against its story's withdrawal.
public struct ParticipantErased: Hashable, Sendable {
  /// The sequence numbers of the events whose participant's name is erased.
  public var sequences: [UInt64]
  /// Why, in a few words (kept in the log: no personal details).
  public var reason: String

  /// Creates the event.
  public init(sequences: [UInt64], reason: String = "") {
    self.sequences = sequences
    self.reason = reason
  }
}

extension EventPayload {
  /// The participant a dialogue event names (who proposed, objected, responded, settled,
  /// reopened, selected, sent feedback, pledged, joined, fulfilled or withdrew a pledge,
  /// facilitated or took part in a session, rated an item, verified a story, or who is
  /// described by `participant.added`); several names (a selection's panel, a
  /// session's people) are joined by `, `. `nil` for other events; empty once erased.
  public var participant: String? {
    participants.map { $0.joined(separator: ", ") }
  }

  /// Every name a dialogue event records: one for most, a panel's names for a selection,
  /// the facilitator and the others for a session; `nil` for events that name none. Empty
  /// once erased.
  public var participants: [String]? {
    func one(_ name: String) -> [String] { name.isEmpty ? [] : [name] }
    switch self {
    case .accountProposed(let event): return one(event.by)
    case .accountObjected(let step), .accountResponded(let step), .accountSettled(let step),
      .accountReopened(let step):
      return one(step.by)
    case .storiesSelected(let event): return event.panel
    case .feedbackSent(let event): return one(event.by)
    case .pledgeMade(let event): return one(event.by)
    case .pledgeJoined(let step), .pledgeFulfilled(let step), .pledgeWithdrawn(let step):
      return one(step.by)
    case .sessionStarted(let event): return event.names
    case .itemRated(let event): return one(event.by)
    case .storyVerified(let event): return one(event.by)
    case .participantAdded(let event): return one(event.name)
    case .ledgerCreated, .nodeAdded, .nodeRenamed, .nodeMoved, .nodeRetired, .storyTold,
      .tellingRecorded, .storyUpdated, .storyWithdrawn, .storyAnswered, .itemRecorded,
      .itemRevised, .itemAgreed, .participantErased, .sessionLinked, .storyGrouped,
      .domainAdded, .campaignAdded, .proxySet:
      return nil
    }
  }

  /// Whether the event's names are written as a list (a selection's panel from schema
  /// version 3, a session's people) rather than as one name.
  static func namesAreList(_ type: EventType, schemaVersion: UInt16) -> Bool {
    switch type {
    case .storiesSelected: schemaVersion >= 3
    case .sessionStarted: true
    case .ledgerCreated, .nodeAdded, .nodeRenamed, .nodeMoved, .nodeRetired, .storyTold,
      .tellingRecorded, .storyUpdated, .storyWithdrawn, .storyAnswered, .itemRecorded,
      .itemRevised, .accountProposed, .accountObjected, .accountResponded, .accountSettled,
      .accountReopened, .feedbackSent, .pledgeMade, .pledgeJoined, .pledgeFulfilled,
      .pledgeWithdrawn, .participantErased, .sessionLinked, .itemRated, .itemAgreed,
      .storyVerified, .storyGrouped, .domainAdded, .campaignAdded, .participantAdded, .proxySet:
      false
    }
  }

  /// The event with its participant's name replaced by `name` (every name, for a panel or
  /// a session; unchanged for an event that names none).
  func withParticipant(_ name: String) -> EventPayload {
    withParticipants(name.isEmpty ? [] : [name])
  }

  /// The event with its names replaced by `names` (joined by `, ` for an event that holds
  /// one name; the first is a session's facilitator); unchanged for an event that names
  /// none.
  func withParticipants(_ names: [String]) -> EventPayload {
    let name = names.joined(separator: ", ")
    switch self {
    case .accountProposed(var event):
      event.by = name
      return .accountProposed(event)
    case .accountObjected(var step):
      step.by = name
      return .accountObjected(step)
    case .accountResponded(var step):
      step.by = name
      return .accountResponded(step)
    case .accountSettled(var step):
      step.by = name
      return .accountSettled(step)
    case .accountReopened(var step):
      step.by = name
      return .accountReopened(step)
    case .storiesSelected(var event):
      event.panel = names
      return .storiesSelected(event)
    case .feedbackSent(var event):
      event.by = name
      return .feedbackSent(event)
    case .pledgeMade(var event):
      event.by = name
      return .pledgeMade(event)
    case .pledgeJoined(var step):
      step.by = name
      return .pledgeJoined(step)
    case .pledgeFulfilled(var step):
      step.by = name
      return .pledgeFulfilled(step)
    case .pledgeWithdrawn(var step):
      step.by = name
      return .pledgeWithdrawn(step)
    case .sessionStarted(var event):
      event.facilitator = names.first ?? ""
      event.with = Array(names.dropFirst())
      return .sessionStarted(event)
    case .itemRated(var event):
      event.by = name
      return .itemRated(event)
    case .storyVerified(var event):
      event.by = name
      return .storyVerified(event)
    case .participantAdded(var event):
      // Erasing the name erases the whole description: attributes and consent are the
      // participant's too.
      guard !names.isEmpty else { return .participantAdded(ParticipantAdded(name: "")) }
      event.name = name
      return .participantAdded(event)
    case .ledgerCreated, .nodeAdded, .nodeRenamed, .nodeMoved, .nodeRetired, .storyTold,
      .tellingRecorded, .storyUpdated, .storyWithdrawn, .storyAnswered, .itemRecorded,
      .itemRevised, .itemAgreed, .participantErased, .sessionLinked, .storyGrouped,
      .domainAdded, .campaignAdded, .proxySet:
      return self
    }
  }
}

/// A participant was described: the groups they belong to, and the day their consent to be
/// described was recorded (`storyledger participant add`).
///
/// Meta-monitoring asks whose voice is heard: which groups tell stories and whose stories
/// get selected at each level. A participant's *attributes* (role, group, age band, …) say
/// which groups they belong to; a teller whose name is a participant's is counted in their
/// groups by ``Ledger/voiceSeries(_:_:)``, once consent is recorded.
///
/// The whole event is personal: its name, attributes and consent are kept in the record's
/// erasable part, so `storyledger erase person NAME` erases them with the participant's name.
/// A later event for the same name replaces the earlier description.
public struct ParticipantAdded: Hashable, Sendable {
  /// One attribute: a key (`role`) and its value (`nurse`), each in any language or script.
  public struct Attribute: Hashable, Sendable, Codable {
    /// The attribute's name.
    public var key: String
    /// Its value.
    public var value: String
    /// Creates an attribute.
    public init(key: String, value: String) {
      self.key = key
      self.value = value
    }
  }

  /// The participant's name, as tellers, raters and panels name them. Empty once erased.
  public var name: String
  /// The attributes, sorted by key (byte order), each key once.
  public var attributes: [Attribute]
  /// The day their consent to be described was recorded (`nil`: not recorded).
  public var consent: Day?

  /// Creates the event.
  public init(name: String, attributes: [Attribute] = [], consent: Day? = nil) {
    self.name = name
    self.attributes = attributes
    self.consent = consent
  }

  /// The value of the attribute `key`, if the participant has it.
  public func value(of key: String) -> String? {
    attributes.first { $0.key == key }?.value
  }
}

/// `participant.added`: its byte layout (version 1). The public part is empty; the personal
/// part holds the name, the attributes (keys and values alternating) and the consent day.
extension EventCodec {
  static func writeParticipantAddedPersonal<Sink: ByteSink>(
    _ event: ParticipantAdded, into writer: inout Sink
  ) {
    writer.appendString(event.name)
    writer.appendStrings(event.attributes.flatMap { [$0.key, $0.value] })
    writer.append(event.consent == nil ? 0 : 1)
    if let consent = event.consent { writer.appendDay(consent) }
  }

  static func readParticipantAdded(
    _ reader: inout ByteReader, personal: UnsafeRawBufferPointer?, materializingText: Bool
  ) throws(DecodingFailure) -> ParticipantAdded {
    guard reader.isAtEnd else {
      throw DecodingFailure(description: "unexpected public bytes in a participant.added event")
    }
    // Erased: nothing is left of the participant.
    guard let personal else { return ParticipantAdded(name: "") }
    var part = ByteReader(personal, materializesText: materializingText)
    let name = try part.string()
    let texts = try part.strings()
    guard texts.count % 2 == 0 else {
      throw DecodingFailure(description: "a participant's attribute has a key but no value")
    }
    let attributes = stride(from: 0, to: texts.count, by: 2).map {
      ParticipantAdded.Attribute(key: texts[$0], value: texts[$0 + 1])
    }
    let consent: Day? =
      switch try part.byte() {
      case 0: nil
      case 1: try part.day()
      default: throw DecodingFailure(description: "a participant's consent flag is not 0 or 1")
      }
    guard part.isAtEnd else {
      throw DecodingFailure(description: "unexpected bytes after the participant")
    }
    return ParticipantAdded(name: name, attributes: attributes, consent: consent)
  }
}
