import Foundation

/// An account's identity: a node and a period.
public struct AccountKey: Hashable, Sendable, Codable, CustomStringConvertible {
  /// The node.
  public var node: NodePath
  /// The period.
  public var period: DateRange
  /// Creates a key.
  public init(node: NodePath, period: DateRange) {
    self.node = node
    self.period = period
  }
  /// For example `nhs/north@2026-01-01..2026-03-31`.
  public var description: String { "\(node)@\(period)" }
}

/// Where an account stands.
public enum AccountStatus: String, Hashable, Sendable, Codable {
  /// Proposed, with no open objection.
  case proposed
  /// Proposed, with at least one objection not yet answered.
  case objected
  /// Settled.
  case settled
  /// Reopened after it was settled: it may be proposed again, objected to and settled.
  case reopened
}

/// An objection to an account, and its answer.
public struct Objection: Hashable, Sendable, Codable {
  /// Its number within the account, from 1.
  public var number: Int
  /// Who objected.
  public var by: String
  /// Why.
  public var reason: String
  /// When, ISO 8601 in UTC.
  public var recordedAt: String
  /// The answer, once given.
  public var response: String?
  /// Who answered.
  public var respondedBy: String?
  /// Whether it still awaits an answer.
  public var isOpen: Bool { response == nil }
}

/// One step of an account's life, for its history.
public struct AccountHistoryEntry: Hashable, Sendable, Codable {
  /// When, ISO 8601 in UTC.
  public var recordedAt: String
  /// `proposed`, `objected`, `responded`, `settled`, `settled over objections`, `reopened`.
  public var step: String
  /// Who took it.
  public var by: String
  /// The narrative, reason, answer or note.
  public var text: String
  /// The account's version then.
  public var version: Int
}

/// A story that may be selected at a node, with its title as that node may read it.
public struct CandidateView: Hashable, Sendable, Codable {
  /// The story's key.
  public var story: String
  /// Its title, or `nil` when its share scope does not reach the node.
  public var title: String?
}

/// A story selected as most significant, as a view at some node shows it.
public struct SelectionView: Hashable, Sendable, Codable {
  /// The node that selected it.
  public var node: NodePath
  /// The period.
  public var period: DateRange
  /// The story's key.
  public var story: String
  /// Its title, or `nil` when its share scope keeps it from the viewing node's level.
  public var title: String?
  /// Why it was chosen.
  public var reason: String
  /// Who selected it.
  public var by: String
  /// When, ISO 8601 in UTC.
  public var recordedAt: String
}

/// An account as a view at some node shows it: its current version, state, objections,
/// history, and whether the ledger still agrees with its frozen figures.
public struct AccountView: Hashable, Sendable, Codable {
  /// The node.
  public var node: NodePath
  /// The period.
  public var period: DateRange
  /// Where it stands.
  public var status: AccountStatus
  /// The number of times it was proposed.
  public var version: Int
  /// Who proposed the current version.
  public var proposedBy: String
  /// The current version's narrative.
  public var narrative: String
  /// The figures the current version froze.
  public var figures: AccountFigures
  /// What the ledger says now for the same node and period.
  public var current: AccountFigures
  /// Whether `figures` differ from `current` (late stories, revisions): the account is stale.
  public var isStale: Bool
  /// The differences, in words (`calculating visible items: 12 → 14`).
  public var differences: [String]
  /// The children's settled accounts it took in.
  public var children: [ChildAccount]
  /// The stories it carries as selected (titles as the viewing node may read them).
  public var selected: [SelectionView]
  /// Its objections, in order.
  public var objections: [Objection]
  /// Its history, oldest first.
  public var history: [AccountHistoryEntry]
}

/// A pledge as it stands at a date.
public struct PledgeView: Hashable, Sendable, Codable {
  /// Where a pledge stands.
  public enum Status: String, Hashable, Sendable, Codable, CaseIterable {
    /// Waiting for enough others to join.
    case conditional
    /// Made (and its condition met), not yet fulfilled, not past due.
    case active
    /// Fulfilled by a story.
    case fulfilled
    /// Past its due date and not fulfilled by then.
    case lapsed
    /// Withdrawn.
    case withdrawn
  }
  /// Its key.
  public var key: String
  /// Its node.
  public var node: NodePath
  /// Who made it.
  public var by: String
  /// What is pledged.
  public var text: String
  /// When it was made.
  public var on: Day
  /// When it is due.
  public var due: Day?
  /// How many others must join before it is active.
  public var condition: Int
  /// Who joined, in order.
  public var joined: [String]
  /// The story that fulfilled it, and when.
  public var fulfilledBy: String?
  /// When it was fulfilled.
  public var fulfilledOn: Day?
  /// When it was withdrawn.
  public var withdrawnOn: Day?
  /// Where it stands at the date of the view.
  public var status: Status
}

/// Something that came down to a node: feedback, an ancestor's selection, an ancestor's
/// settled account.
public struct InboxEntry: Hashable, Sendable, Codable {
  /// `feedback`, `selection` or `account`.
  public var kind: String
  /// The node it came from.
  public var from: NodePath
  /// When, ISO 8601 in UTC.
  public var recordedAt: String
  /// Who sent, selected or settled it.
  public var by: String
  /// The feedback, the selection's reason, or the account's narrative.
  public var text: String
  /// The story it concerns, if any.
  public var story: String?
  /// The story's title, when the receiving node's level may read it.
  public var title: String?
  /// The period of the account or selection it concerns, if any.
  public var period: DateRange?
  /// The event's sequence number.
  public var sequence: UInt64
}

/// Pledge counts of a subtree at a date.
public struct PledgeCounts: Hashable, Sendable, Codable {
  /// Pledges made by the date.
  public var made = 0
  /// Of those, active at the date.
  public var active = 0
  /// Conditional (waiting for others) at the date.
  public var conditional = 0
  /// Fulfilled by the date.
  public var fulfilled = 0
  /// Lapsed at the date.
  public var lapsed = 0
  /// Withdrawn by the date.
  public var withdrawn = 0
  /// Creates counts.
  public init() {}

  /// Counts one more pledge that stands at `status`.
  mutating func add(_ status: PledgeView.Status) {
    made += 1
    switch status {
    case .active: active += 1
    case .conditional: conditional += 1
    case .fulfilled: fulfilled += 1
    case .lapsed: lapsed += 1
    case .withdrawn: withdrawn += 1
    }
  }

  /// Adds another subtree's counts.
  mutating func add(_ other: PledgeCounts) {
    made += other.made
    active += other.active
    conditional += other.conditional
    fulfilled += other.fulfilled
    lapsed += other.lapsed
    withdrawn += other.withdrawn
  }
}

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
    var sequence: UInt64
    var milliseconds: Int64
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
      case .pledgeJoined, .pledgeFulfilled, .pledgeWithdrawn, .participantErased, .ledgerCreated,
        .nodeAdded, .nodeRenamed, .nodeMoved, .nodeRetired, .storyTold, .storyUpdated,
        .storyWithdrawn, .storyAnswered, .tellingRecorded, .itemRecorded, .itemRevised:
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
      let stamp = RecordedEvent.timestamp(record.milliseconds)
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
            recordedAt: stamp, step: "proposed", by: event.by, text: event.narrative,
            version: version))
      case .accountObjected(let step), .accountResponded(let step), .accountSettled(let step),
        .accountReopened(let step):
        let key = AccountKey(node: step.node, period: step.period)
        guard var account = model.accounts[key] else { continue }
        let version = account.proposals.count
        var name = ""
        switch payload.type {
        case .accountObjected:
          account.objections.append(
            Objection(
              number: account.objections.count + 1, by: step.by, reason: step.text,
              recordedAt: stamp, response: nil, respondedBy: nil))
          account.status = .objected
          name = "objected"
        case .accountResponded:
          if step.objection >= 1, step.objection <= account.objections.count {
            account.objections[step.objection - 1].response = step.text
            account.objections[step.objection - 1].respondedBy = step.by
          }
          if account.status == .objected, !account.objections.contains(where: \.isOpen) {
            account.status = .proposed
          }
          name = "responded to objection \(step.objection)"
        case .accountSettled:
          name =
            account.objections.contains(where: \.isOpen) ? "settled over objections" : "settled"
          account.status = .settled
          account.lastSettled = (record.sequence, record.milliseconds, step.by)
        default:
          account.status = .reopened
          name = "reopened"
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
              sequence: record.sequence, milliseconds: record.milliseconds))
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

  // MARK: Share scopes

  /// Whether the title, tellers and narratives of the story at `index` may be read by a
  /// viewer at node `viewer`: a story told at node S and shared up to level L is read only
  /// within the subtree of S's ancestor at level L (that ancestor and everyone under it; S
  /// itself when L is below S's level). Place decides, not level: another team, region or
  /// trust at the same depth does not read it.
  func canRead(_ index: Int32, by viewer: Int32) -> Bool {
    let story = stories[index]
    let anchorDepth = min(Int(story.share) + 1, nodes[Int(story.node)].depth)
    let anchor = ancestor(of: story.node, atDepth: anchorDepth)
    return anchor >= 0 && ancestor(of: viewer, atDepth: anchorDepth) == anchor
  }

  /// Whether the story `key` may be read by a viewer at `viewer` (see
  /// ``canRead(story:at:)``); `false` for no story or no such node.
  public func canRead(story key: String, at viewer: NodePath) -> Bool {
    guard let index = storyIndex(forKey: key), let node = nodeIndex[viewer] else { return false }
    return canRead(index, by: node)
  }

  /// The title of story `key` as a viewer at node `viewer` may see it.
  func scopedTitle(_ key: String, by viewer: Int32) -> String? {
    guard let index = storyIndex(forKey: key), canRead(index, by: viewer) else { return nil }
    return text.string(stories[index].title)
  }

  /// `event` as a viewer at `viewer` may read it: a story's title, tellers, narrative and
  /// personal answers are withheld (`(withheld)`) when its share scope does not reach the
  /// viewer; every other field, and every event not about a story's text, is unchanged.
  ///
  /// - Throws: ``LedgerError`` when there is no node at `viewer`.
  public func scoped(_ event: RecordedEvent, for viewer: NodePath) throws(LedgerError)
    -> RecordedEvent
  {
    let node = try node(at: viewer)
    guard let key = event.payload.storyKey, let index = storyIndex(forKey: key),
      !canRead(index, by: node)
    else { return event }
    return event.withStoryTextWithheld()
  }

  /// The candidates at `path` for `period` (as ``candidates(at:period:)``), each with its
  /// title as the node may read it (`nil` when its share scope does not reach the node).
  public func candidateViews(at path: NodePath, period: DateRange) throws(LedgerError)
    -> [CandidateView]
  {
    let viewer = try node(at: path)
    return try candidates(at: path, period: period).map {
      CandidateView(story: $0, title: scopedTitle($0, by: viewer))
    }
  }

  // MARK: Figures

  /// The figures an account of `node` for `period` freezes, as the ledger says now.
  public func accountFigures(of node: NodePath, period: DateRange) throws(LedgerError)
    -> AccountFigures
  {
    let cascade = try cascadeUp(of: node, range: period)
    guard let total = cascade.levels.first?.total else {
      return AccountFigures(stories: 0, boxes: SixBoxes(), madeVisible: [0, 0, 0])
    }
    return AccountFigures(
      stories: total.stories, boxes: total.boxes, madeVisible: total.madeVisible)
  }

  // MARK: Candidates

  /// The stories that may be selected at `node` for `period`: its own stories told (or
  /// retold) in the period and the stories its children selected for the same period, each
  /// only when the node's level may read it; in key order.
  public func candidates(at path: NodePath, period: DateRange) throws(LedgerError) -> [String] {
    let target = try node(at: path)
    var result = Set<String>()
    stories.forEachElement { index, story in
      guard story.node == target, !isWithdrawn(Int32(index)), canRead(Int32(index), by: target)
      else { return }
      var inPeriod = period.contains(story.toldOn)
      var cursor = story.firstTelling
      while !inPeriod, cursor >= 0 {
        inPeriod = period.contains(tellings[cursor].day)
        cursor = tellings[cursor].next
      }
      if inPeriod { result.insert(text.string(story.key)) }
    }
    let childPaths = Set(nodes[Int(target)].children.map { nodes[Int($0)].path })
    for selection in dialogueModel().selections
    where childPaths.contains(selection.node) && selection.period == period {
      if let index = storyIndex(forKey: selection.choice.story), !isWithdrawn(index),
        canRead(index, by: target)
      {
        result.insert(selection.choice.story)
      }
    }
    return result.sorted()
  }

  // MARK: Views

  /// The accounts of `path` (every period), each with its state, objections, history and
  /// staleness, each title only where the story's share scope reaches the node.
  public func accounts(of path: NodePath) throws(LedgerError) -> [AccountView] {
    let target = try node(at: path)
    let model = dialogueModel()
    var views: [AccountView] = []
    for key in model.accountOrder where key.node == nodes[Int(target)].path {
      guard let account = model.accounts[key] else { continue }
      views.append(try view(of: account, model: model, viewer: target))
    }
    return views.sorted { ($0.period.start, $0.period.end) < ($1.period.start, $1.period.end) }
  }

  /// The account of `path` for `period`, if one was proposed.
  public func account(of path: NodePath, period: DateRange) throws(LedgerError) -> AccountView? {
    try accounts(of: path).first { $0.period == period }
  }

  func view(of account: DialogueModel.Account, model: DialogueModel, viewer: Int32)
    throws(LedgerError) -> AccountView
  {
    guard let proposal = account.proposals.last?.event else {
      throw LedgerError(.corrupt, "account \(account.key) has no proposal")
    }
    let current = try accountFigures(of: account.key.node, period: account.key.period)
    let differences = Self.differences(proposal.figures, current)
    let selected = model.selections.filter {
      $0.node == account.key.node && $0.period == account.key.period
        && proposal.selected.contains($0.choice.story)
    }.map { selection in
      SelectionView(
        node: selection.node, period: selection.period, story: selection.choice.story,
        title: scopedTitle(selection.choice.story, by: viewer), reason: selection.choice.reason,
        by: selection.by, recordedAt: RecordedEvent.timestamp(selection.milliseconds))
    }
    return AccountView(
      node: account.key.node, period: account.key.period, status: account.status,
      version: account.proposals.count, proposedBy: proposal.by, narrative: proposal.narrative,
      figures: proposal.figures, current: current, isStale: !differences.isEmpty,
      differences: differences, children: proposal.children, selected: selected,
      objections: account.objections, history: account.history)
  }

  /// The differences between frozen and current figures, in words.
  static func differences(_ frozen: AccountFigures, _ current: AccountFigures) -> [String] {
    var result: [String] = []
    if frozen.stories != current.stories {
      result.append("stories: \(frozen.stories) → \(current.stories)")
    }
    for dimension in Dimension.allCases {
      for visibility in Visibility.allCases {
        let before = frozen.boxes[dimension][visibility]
        let after = current.boxes[dimension][visibility]
        if before.items != after.items {
          result.append(
            "\(dimension.rawValue) \(visibility.rawValue) items: \(before.items) → \(after.items)")
        }
        if before.monetised != after.monetised {
          result.append(
            "\(dimension.rawValue) \(visibility.rawValue) monetised: \(before.monetised) → \(after.monetised)"
          )
        }
      }
      let index = dimension.index
      let wasVisible = index < frozen.madeVisible.count ? frozen.madeVisible[index] : 0
      let isVisible = index < current.madeVisible.count ? current.madeVisible[index] : 0
      if wasVisible != isVisible {
        result.append("\(dimension.rawValue) made visible: \(wasVisible) → \(isVisible)")
      }
    }
    return result
  }

  /// The stories selected at `path` (for `period`, or every period), each title only where
  /// the story's share scope reaches the node.
  public func selections(at path: NodePath, period: DateRange? = nil) throws(LedgerError)
    -> [SelectionView]
  {
    let viewer = try node(at: path)
    return dialogueModel().selections.filter {
      $0.node == nodes[Int(viewer)].path && (period == nil || $0.period == period)
    }.map { selection in
      SelectionView(
        node: selection.node, period: selection.period, story: selection.choice.story,
        title: scopedTitle(selection.choice.story, by: viewer), reason: selection.choice.reason,
        by: selection.by, recordedAt: RecordedEvent.timestamp(selection.milliseconds))
    }
  }

  /// Everything that came down to `path`, newest first: feedback to it (or to an ancestor's
  /// whole subtree), its ancestors' selections and settled accounts.
  public func inbox(of path: NodePath) throws(LedgerError) -> [InboxEntry] {
    let target = try node(at: path)
    let here = nodes[Int(target)].path
    let viewer = target
    let model = dialogueModel()
    var entries: [InboxEntry] = []
    for (event, sequence, milliseconds) in model.feedback
    where event.to == here || (event.toSubtree && event.to.contains(here)) {
      entries.append(
        InboxEntry(
          kind: "feedback", from: event.from, recordedAt: RecordedEvent.timestamp(milliseconds),
          by: event.by, text: event.text, story: event.story,
          title: event.story.flatMap { scopedTitle($0, by: viewer) }, period: event.account,
          sequence: sequence))
    }
    for selection in model.selections where selection.node != here && selection.node.contains(here)
    {
      entries.append(
        InboxEntry(
          kind: "selection", from: selection.node,
          recordedAt: RecordedEvent.timestamp(selection.milliseconds), by: selection.by,
          text: selection.choice.reason, story: selection.choice.story,
          title: scopedTitle(selection.choice.story, by: viewer), period: selection.period,
          sequence: selection.sequence))
    }
    for key in model.accountOrder where key.node != here && key.node.contains(here) {
      guard let account = model.accounts[key], account.status == .settled,
        let settled = account.lastSettled, let proposal = account.proposals.last?.event
      else { continue }
      entries.append(
        InboxEntry(
          kind: "account", from: key.node,
          recordedAt: RecordedEvent.timestamp(settled.milliseconds),
          by: settled.by, text: proposal.narrative, story: nil, title: nil, period: key.period,
          sequence: settled.sequence))
    }
    return entries.sorted { $0.sequence > $1.sequence }
  }

  /// The pledges made in the subtree of `path` (every pledge when `nil`), as they stand at the
  /// end of `day` (today's data when `nil`), in the order made.
  public func pledges(under path: NodePath?, asOf day: Day? = nil) throws(LedgerError)
    -> [PledgeView]
  {
    if let path { _ = try node(at: path) }
    let model = dialogueModel()
    let cutoff = day ?? .latest
    return model.pledgeOrder.compactMap { key -> PledgeView? in
      guard let pledge = model.pledges[key], path?.contains(pledge.made.node) ?? true,
        pledge.made.on <= cutoff
      else { return nil }
      return Self.view(of: pledge, asOf: cutoff)
    }
  }

  static func view(of pledge: DialogueModel.Pledge, asOf day: Day) -> PledgeView {
    let joins = pledge.joins.filter { $0.on <= day }
    return PledgeView(
      key: pledge.made.key, node: pledge.made.node, by: pledge.made.by, text: pledge.made.text,
      on: pledge.made.on, due: pledge.made.due, condition: pledge.made.condition,
      joined: joins.map(\.by),
      fulfilledBy: pledge.fulfilled.flatMap { $0.on <= day ? $0.story : nil },
      fulfilledOn: pledge.fulfilled.flatMap { $0.on <= day ? $0.on : nil },
      withdrawnOn: pledge.withdrawn.flatMap { $0 <= day ? $0 : nil },
      status: status(of: pledge, asOf: day))
  }

  /// Where a pledge stands at the end of `day`: withdrawn, fulfilled, lapsed (past due),
  /// conditional (too few have joined), or active.
  static func status(of pledge: DialogueModel.Pledge, asOf day: Day) -> PledgeView.Status {
    if let withdrawn = pledge.withdrawn, withdrawn <= day { return .withdrawn }
    if let fulfilled = pledge.fulfilled, fulfilled.on <= day { return .fulfilled }
    if let due = pledge.made.due, due < day { return .lapsed }
    let joined = pledge.joins.filter { $0.on <= day }.count
    return joined < pledge.made.condition ? .conditional : .active
  }

  /// The pledge counts of the subtree of `path` at the end of `day`.
  public func pledgeCounts(under path: NodePath, asOf day: Day? = nil) throws(LedgerError)
    -> PledgeCounts
  {
    var counts = PledgeCounts()
    for pledge in try pledges(under: path, asOf: day) { counts.add(pledge.status) }
    return counts
  }

  /// The full key of the pledge `text` names: its key, or the one key that starts with it.
  public func resolvePledge(_ text: String) throws(LedgerError) -> String {
    let model = dialogueModel()
    if model.pledges[text] != nil { return text }
    let matches = model.pledgeOrder.filter { !text.isEmpty && $0.hasPrefix(text) }
    switch matches.count {
    case 1: return matches[0]
    case 0: throw LedgerError(.invalid, "no pledge \(text); `storyledger pledges NODE` lists them")
    default:
      throw LedgerError(
        .invalid,
        "pledge \"\(text)\" is ambiguous: it starts \(matches.prefix(10).joined(separator: ", "))")
    }
  }

  /// A new pledge key: `p` and five characters, not yet used.
  func newPledgeKey() -> String {
    var generator = SystemRandomNumberGenerator()
    let model = dialogueModel()
    while true {
      let key = "p" + String((0..<5).map { _ in Self.keyAlphabet[Int(generator.next() % 32)] })
      if model.pledges[key] == nil { return key }
    }
  }
}
