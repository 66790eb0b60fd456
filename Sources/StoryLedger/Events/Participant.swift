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
  /// facilitated or took part in a session); several names (a selection's panel, a
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
    case .ledgerCreated, .nodeAdded, .nodeRenamed, .nodeMoved, .nodeRetired, .storyTold,
      .tellingRecorded, .storyUpdated, .storyWithdrawn, .storyAnswered, .itemRecorded,
      .itemRevised, .itemAgreed, .participantErased, .sessionLinked, .storyGrouped,
      .domainAdded, .campaignAdded:
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
      .storyVerified, .storyGrouped, .domainAdded, .campaignAdded:
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
    case .ledgerCreated, .nodeAdded, .nodeRenamed, .nodeMoved, .nodeRetired, .storyTold,
      .tellingRecorded, .storyUpdated, .storyWithdrawn, .storyAnswered, .itemRecorded,
      .itemRevised, .itemAgreed, .participantErased, .sessionLinked, .storyGrouped,
      .domainAdded, .campaignAdded:
      return self
    }
  }
}
