import Foundation

/// The dialogue folded from its events, with node paths as the hierarchy stands.
struct DialogueModel {
  struct Proposal {
    var event: AccountProposed
    var sequence: UInt64
  }

  struct Account {
    var key: AccountKey
    var proposals: [Proposal] = []
    var status = AccountStatus.proposed
    var objections: [Objection] = []
    var history: [AccountHistoryEntry] = []
    var settledSequences: [UInt64] = []
    var lastSettled: (sequence: UInt64, milliseconds: Int64, by: String)?
  }

  struct Selection {
    var node: NodePath
    var period: DateRange
    var choice: StoriesSelected.Choice
    var by: String
    var panel: [String]
    var sequence: UInt64
    var milliseconds: Int64
    var domain: String?
    var campaign: String?
  }

  struct Pledge {
    var made: PledgeMade
    var joins: [(by: String, on: Day)] = []
    var fulfilled: (story: String, on: Day)?
    var withdrawn: Day?
  }

  var accounts: [AccountKey: Account] = [:]
  var accountOrder: [AccountKey] = []
  var selections: [Selection] = []
  var notChosen: [AccountKey: Set<String>] = [:]
  var feedback: [(event: FeedbackSent, sequence: UInt64, milliseconds: Int64)] = []
  var pledges: [String: Pledge] = [:]
  var pledgeOrder: [String] = []
}

extension LedgerState {
  /// Rewrites the node paths the dialogue records hold when a node moves: every path in the
  /// moved subtree takes its new place. Dialogue events thus belong to the node they were
  /// recorded at, whatever path it has now, and a node later created at the old path
  /// inherits none of them. Moves are rare and the dialogue small; the fold stays linear.
  mutating func relocateDialogue(from old: NodePath, to new: NodePath) {
    func moved(_ path: NodePath) -> NodePath {
      guard old.contains(path) else { return path }
      return NodePath(validSegments: new.segments + path.segments.dropFirst(old.depth))
    }
    func moved(_ step: AccountStep) -> AccountStep {
      var step = step
      step.node = moved(step.node)
      return step
    }
    for index in dialogue.indices {
      switch dialogue[index].payload {
      case .accountProposed(var event):
        event.node = moved(event.node)
        for child in event.children.indices {
          event.children[child].node = moved(event.children[child].node)
        }
        dialogue[index].payload = .accountProposed(event)
      case .accountObjected(let step): dialogue[index].payload = .accountObjected(moved(step))
      case .accountResponded(let step): dialogue[index].payload = .accountResponded(moved(step))
      case .accountSettled(let step): dialogue[index].payload = .accountSettled(moved(step))
      case .accountReopened(let step): dialogue[index].payload = .accountReopened(moved(step))
      case .storiesSelected(var event):
        event.node = moved(event.node)
        dialogue[index].payload = .storiesSelected(event)
      case .feedbackSent(var event):
        event.from = moved(event.from)
        event.to = moved(event.to)
        dialogue[index].payload = .feedbackSent(event)
      case .pledgeMade(var event):
        event.node = moved(event.node)
        dialogue[index].payload = .pledgeMade(event)
      case .sessionStarted(var event):
        event.node = moved(event.node)
        dialogue[index].payload = .sessionStarted(event)
      case .pledgeJoined, .pledgeFulfilled, .pledgeWithdrawn, .participantErased, .sessionLinked,
        .ledgerCreated,
        .nodeAdded,
        .nodeRenamed, .nodeMoved, .nodeRetired, .storyTold, .storyUpdated, .storyWithdrawn,
        .storyAnswered, .tellingRecorded, .itemRecorded, .itemRevised, .itemRated, .itemAgreed,
        .storyVerified, .storyGrouped, .domainAdded, .campaignAdded, .participantAdded, .proxySet:
        break
      }
    }
  }

  /// The node a dialogue event recorded at `sequence` belongs to, at its path now (`nil`
  /// when `sequence` is no dialogue event).
  public func currentNode(ofDialogueEventAt sequence: UInt64) -> NodePath? {
    var low = 0
    var high = dialogue.count
    while low < high {
      let middle = (low + high) / 2
      if dialogue[middle].sequence < sequence { low = middle + 1 } else { high = middle }
    }
    guard low < dialogue.count, dialogue[low].sequence == sequence else { return nil }
    return dialogue[low].payload.nodePath
  }

  /// The dialogue folded from its events.
  func dialogueModel() -> DialogueModel {
    var model = DialogueModel()
    for record in dialogue {
      let stamp = Date(ledgerMilliseconds: record.milliseconds)
      // A participant whose name was erased shows as such.
      let payload =
        record.payload.participant == ""
        ? record.payload.withParticipant("(erased)") : record.payload
      switch payload {
      case .accountProposed(let event):
        let key = AccountKey(node: event.node, period: event.period)
        if model.accounts[key] == nil {
          model.accounts[key] = DialogueModel.Account(key: key)
          model.accountOrder.append(key)
        }
        model.accounts[key]?.proposals.append(
          DialogueModel.Proposal(event: event, sequence: record.sequence))
        model.accounts[key]?.status = .proposed
        model.accounts[key]?.objections = []
        let version = model.accounts[key]?.proposals.count ?? 1
        model.accounts[key]?.history.append(
          AccountHistoryEntry(
            recordedAt: stamp, step: .proposed, by: event.by, text: event.narrative,
            version: version))
      case .accountObjected(let step), .accountResponded(let step), .accountSettled(let step),
        .accountReopened(let step):
        let key = AccountKey(node: step.node, period: step.period)
        guard var account = model.accounts[key] else { continue }
        let version = account.proposals.count
        var name = AccountHistoryEntry.Step.proposed
        switch payload.type {
        case .accountObjected:
          account.objections.append(
            Objection(
              number: account.objections.count + 1, by: step.by, reason: step.text,
              recordedAt: stamp, response: nil, respondedBy: nil))
          account.status = .objected
          name = .objected
        case .accountResponded:
          if step.objection >= 1, step.objection <= account.objections.count {
            account.objections[step.objection - 1].response = step.text
            account.objections[step.objection - 1].respondedBy = step.by
          }
          if account.status == .objected, !account.objections.contains(where: \.isOpen) {
            account.status = .proposed
          }
          name = .responded(objection: step.objection)
        case .accountSettled:
          name =
            account.objections.contains(where: \.isOpen) ? .settledOverObjections : .settled
          account.status = .settled
          account.lastSettled = (record.sequence, record.milliseconds, step.by)
        default:
          account.status = .reopened
          name = .reopened
        }
        account.history.append(
          AccountHistoryEntry(
            recordedAt: stamp, step: name, by: step.by, text: step.text, version: version))
        model.accounts[key] = account
      case .storiesSelected(let event):
        for choice in event.chosen {
          model.selections.append(
            DialogueModel.Selection(
              node: event.node, period: event.period, choice: choice, by: event.by,
              panel: event.panel, sequence: record.sequence, milliseconds: record.milliseconds,
              domain: event.domain, campaign: event.campaign))
        }
        model.notChosen[AccountKey(node: event.node, period: event.period)] = Set(event.notChosen)
      case .feedbackSent(let event):
        model.feedback.append((event, record.sequence, record.milliseconds))
      case .pledgeMade(let event):
        model.pledges[event.key] = DialogueModel.Pledge(made: event)
        model.pledgeOrder.append(event.key)
      case .pledgeJoined(let step):
        model.pledges[step.pledge]?.joins.append((step.by, step.on))
      case .pledgeFulfilled(let step):
        model.pledges[step.pledge]?.fulfilled = (step.text, step.on)
      case .pledgeWithdrawn(let step):
        model.pledges[step.pledge]?.withdrawn = step.on
      default:
        break
      }
    }
    return model
  }
}
