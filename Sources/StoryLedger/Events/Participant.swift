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
  /// reopened, selected, sent feedback, pledged, joined, fulfilled or withdrew a pledge);
  /// `nil` for other events. Empty once erased.
  public var participant: String? {
    switch self {
    case .accountProposed(let event): event.by
    case .accountObjected(let step), .accountResponded(let step), .accountSettled(let step),
      .accountReopened(let step):
      step.by
    case .storiesSelected(let event): event.by
    case .feedbackSent(let event): event.by
    case .pledgeMade(let event): event.by
    case .pledgeJoined(let step), .pledgeFulfilled(let step), .pledgeWithdrawn(let step): step.by
    case .itemRated(let event): event.by
    case .storyVerified(let event): event.by
    case .ledgerCreated, .nodeAdded, .nodeRenamed, .nodeMoved, .nodeRetired, .storyTold,
      .tellingRecorded, .storyUpdated, .storyWithdrawn, .storyAnswered, .itemRecorded,
      .itemRevised, .itemAgreed,
      .participantErased:
      nil
    }
  }

  /// The event with its participant's name replaced by `name` (unchanged for an event that
  /// names none).
  func withParticipant(_ name: String) -> EventPayload {
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
      event.by = name
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
    case .itemRated(var event):
      event.by = name
      return .itemRated(event)
    case .storyVerified(var event):
      event.by = name
      return .storyVerified(event)
    case .ledgerCreated, .nodeAdded, .nodeRenamed, .nodeMoved, .nodeRetired, .storyTold,
      .tellingRecorded, .storyUpdated, .storyWithdrawn, .storyAnswered, .itemRecorded,
      .itemRevised, .itemAgreed,
      .participantErased:
      return self
    }
  }
}
