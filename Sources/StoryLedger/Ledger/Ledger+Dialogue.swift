import Foundation

/// The cascading dialogue: settled accounts, significant stories, feedback, pledges.
///
/// Each method validates against the ledger brought up to date under the write lock and
/// appends one event. `by` names the person taking the step (default: the options' actor).
///
/// ```swift
/// let q1 = try DateRange(parsing: "2026-Q1")
/// let north = try NodePath(parsing: "nhs/north")
/// try ledger.selectStories(at: north, period: q1, choices: [
///   .init(story: "k3f9xq", reason: "It shows how walking together builds trust.")])
/// try ledger.proposeAccount(of: north, period: q1, narrative: "Walking became the way we work.")
/// try ledger.settleAccount(of: north, period: q1)
/// ```
extension Ledger {
  private func person(_ by: String?, _ options: AppendOptions) -> String {
    let actor = actor(of: options)
    let name = (by ?? actor).trimmingCharacters(in: .whitespaces)
    return name.isEmpty ? actor : name
  }

  private func appendDialogue<Ref>(
    _ options: AppendOptions, ref: Ref, writing: EventType,
    _ make: (LedgerState) throws -> EventPayload
  ) throws -> Recorded<Ref> {
    let result = try appendPlanned(options: options, writing: writing) { state in
      let events = [try make(state)]
      try state.validate(events)
      return events
    }
    return Recorded(ref: ref, version: 0, append: result)
  }

  // MARK: Accounts

  /// Proposes an account of `node` for `period`: freezes the subtree's figures, the
  /// children's settled accounts for the period and the stories selected at the node, with
  /// a narrative. A proposed (not settled) account may be proposed again: the new version
  /// replaces it and its objections.
  @discardableResult
  public func proposeAccount(
    of node: NodePath, period: DateRange, narrative: String, by: String? = nil,
    options: AppendOptions = AppendOptions()
  ) throws -> Recorded<AccountRef> {
    let who = person(by, options)
    return try appendDialogue(
      options, ref: AccountKey(node: node, period: period), writing: .accountProposed
    ) { state in
      let figures = try state.accountFigures(of: node, period: period)
      let model = state.dialogueModel()
      let index = try state.node(at: node)
      var children: [ChildAccount] = []
      for child in state.nodes[Int(index)].children.map({ state.nodes[Int($0)].path }).sorted() {
        guard let account = model.accounts[AccountKey(node: child, period: period)],
          account.status == .settled, let proposal = account.proposals.last
        else { continue }
        children.append(
          ChildAccount(
            node: child, version: account.proposals.count, figures: proposal.event.figures))
      }
      let selected = model.selections.filter { $0.node == node && $0.period == period }.map(
        \.choice.story)
      return .accountProposed(
        AccountProposed(
          node: node, period: period, by: who,
          narrative: narrative.trimmingCharacters(in: .whitespacesAndNewlines), figures: figures,
          children: children, selected: selected))
    }
  }

  /// Objects to a proposed account, with a reason (in any language; see ``Prose``).
  @discardableResult
  public func objectToAccount(
    of node: NodePath, period: DateRange, reason: String, by: String? = nil,
    options: AppendOptions = AppendOptions()
  ) throws -> Recorded<AccountRef> {
    try accountStep(node, period, text: reason, by: by, options) { .accountObjected($0) }
  }

  /// Answers objection `objection` (1 for the first) of an account.
  @discardableResult
  public func respondToObjection(
    _ objection: Int, of node: NodePath, period: DateRange, response: String, by: String? = nil,
    options: AppendOptions = AppendOptions()
  ) throws -> Recorded<AccountRef> {
    try accountStep(node, period, text: response, objection: objection, by: by, options) {
      .accountResponded($0)
    }
  }

  /// Settles an account by agreement. While objections are open it is refused, unless
  /// `overObjections` gives the note recorded for settling over them.
  @discardableResult
  public func settleAccount(
    of node: NodePath, period: DateRange, overObjections note: String? = nil, by: String? = nil,
    options: AppendOptions = AppendOptions()
  ) throws -> Recorded<AccountRef> {
    try accountStep(node, period, text: note ?? "", by: by, options) { .accountSettled($0) }
  }

  /// Reopens a settled account, with a reason.
  @discardableResult
  public func reopenAccount(
    of node: NodePath, period: DateRange, reason: String, by: String? = nil,
    options: AppendOptions = AppendOptions()
  ) throws -> Recorded<AccountRef> {
    try accountStep(node, period, text: reason, by: by, options) { .accountReopened($0) }
  }

  /// Appends one step of an account's negotiation, as the event `make` wraps it in.
  private func accountStep(
    _ node: NodePath, _ period: DateRange, text: String, objection: Int = 0, by: String?,
    _ options: AppendOptions, _ make: (AccountStep) -> EventPayload
  ) throws -> Recorded<AccountRef> {
    let step = AccountStep(
      node: node, period: period, by: person(by, options), text: text, objection: objection)
    let event = make(step)
    return try appendDialogue(
      options, ref: AccountKey(node: node, period: period), writing: event.type
    ) { _ in event }
  }

  // MARK: Significant stories

  /// Selects stories as most significant at `node` for `period`, each with a reason in full
  /// sentences; the candidates not chosen are recorded. Stories are keys or prefixes. `by`
  /// names who selected; `panel` names a panel of several people instead (in the order
  /// given; names repeated, ignoring case, count once). With a domain of change or a
  /// campaign in `stories`, the selection is made in it: the candidates are its stories, and
  /// the event records it (``StoriesSelected/domain``, ``StoriesSelected/campaign``).
  @discardableResult
  public func selectStories(
    at node: NodePath, period: DateRange, choices: [StoriesSelected.Choice], by: String? = nil,
    panel: [String] = [], stories filter: StoryGroupFilter = StoryGroupFilter(),
    options: AppendOptions = AppendOptions()
  ) throws -> Recorded<[StoryRef]> {
    var names: [String] = []
    for name in panel.map({ $0.trimmingCharacters(in: .whitespaces) }) {
      guard !name.isEmpty else {
        throw LedgerError(.invalid, "a panel member's name cannot be empty", remedy: .namePerson)
      }
      if !names.contains(where: { LedgerState.samePerson($0, name) }) { names.append(name) }
    }
    if names.isEmpty { names = [person(by, options)] }
    try LedgerState.validateNames(names, field: "by")
    let resolved = try choices.map { choice in
      StoriesSelected.Choice(story: try resolveStory(choice.story), reason: choice.reason)
    }
    return try appendDialogue(
      options, ref: resolved.map { StoryRef($0.story) }, writing: .storiesSelected
    ) { state in
      let filter = try state.groupings.resolved(filter)
      let candidates = try state.candidates(at: node, period: period, stories: filter)
      let chosen = Set(resolved.map(\.story))
      let before = Set(
        state.dialogueModel().selections.filter { $0.node == node && $0.period == period }.map(
          \.choice.story))
      return .storiesSelected(
        StoriesSelected(
          node: node, period: period, panel: names, chosen: resolved,
          notChosen: candidates.filter { !chosen.contains($0) && !before.contains($0) },
          domain: filter.domain, campaign: filter.campaign))
    }
  }

  // MARK: Feedback

  /// Sends feedback from `from` down to `to` (a descendant), or to its whole subtree,
  /// optionally about a story or one of the sender's accounts.
  @discardableResult
  public func sendFeedback(
    from: NodePath, to: NodePath, toSubtree: Bool = false, text: String, story: StoryRef? = nil,
    account: DateRange? = nil, by: String? = nil, options: AppendOptions = AppendOptions()
  ) throws -> Recorded<NodeRef> {
    let who = person(by, options)
    let storyKey = try story.map { try resolveStory($0.key) }
    return try appendDialogue(options, ref: NodeRef(to), writing: .feedbackSent) { _ in
      .feedbackSent(
        FeedbackSent(
          from: from, to: to, toSubtree: toSubtree, by: who,
          text: text.trimmingCharacters(in: .whitespacesAndNewlines), story: storyKey,
          account: account))
    }
  }

  // MARK: Pledges

  /// Makes a pledge at `node`; returns its key. With `condition` N it is active only once N
  /// others have joined.
  @discardableResult
  public func makePledge(
    at node: NodePath, text: String, on: Day? = nil, due: Day? = nil, condition: Int = 0,
    by: String? = nil, key: String? = nil, options: AppendOptions = AppendOptions()
  ) throws -> Recorded<PledgeRef> {
    let who = person(by, options)
    let day = on ?? today
    var pledgeKey = key ?? ""
    var recorded = try appendDialogue(options, ref: PledgeRef(key ?? ""), writing: .pledgeMade) {
      state in
      if key == nil { pledgeKey = state.newPledgeKey() }
      return .pledgeMade(
        PledgeMade(
          key: pledgeKey, node: node, by: who,
          text: text.trimmingCharacters(in: .whitespacesAndNewlines), on: day, due: due,
          condition: condition))
    }
    if recorded.append.isRepeat, let sequence = recorded.append.originalSequence,
      case .pledgeMade(let made) = try originalEvent(at: sequence)
    {
      pledgeKey = made.key
    }
    recorded.ref = PledgeRef(pledgeKey)
    return recorded
  }

  /// Joins a pledge (a key or prefix).
  @discardableResult
  public func joinPledge(
    _ pledge: PledgeRef, on: Day? = nil, by: String? = nil,
    options: AppendOptions = AppendOptions()
  ) throws -> Recorded<PledgeRef> {
    let day = on ?? today
    let who = person(by, options)
    return try pledgeStep(pledge, options) { key in
      .pledgeJoined(PledgeStep(pledge: key, by: who, on: day))
    }
  }

  /// Records that a story fulfilled a pledge.
  @discardableResult
  public func fulfilPledge(
    _ pledge: PledgeRef, story: StoryRef, on: Day? = nil, by: String? = nil,
    options: AppendOptions = AppendOptions()
  ) throws -> Recorded<PledgeRef> {
    let storyKey = try resolveStory(story.key)
    let day = on ?? today
    let who = person(by, options)
    return try pledgeStep(pledge, options) { key in
      .pledgeFulfilled(PledgeStep(pledge: key, by: who, on: day, text: storyKey))
    }
  }

  /// Withdraws a pledge.
  @discardableResult
  public func withdrawPledge(
    _ pledge: PledgeRef, reason: String = "", on: Day? = nil, by: String? = nil,
    options: AppendOptions = AppendOptions()
  ) throws -> Recorded<PledgeRef> {
    let day = on ?? today
    let who = person(by, options)
    return try pledgeStep(pledge, options) { key in
      .pledgeWithdrawn(PledgeStep(pledge: key, by: who, on: day, text: reason))
    }
  }

  /// Appends the step `make` builds for the resolved pledge key.
  private func pledgeStep(
    _ pledge: PledgeRef, _ options: AppendOptions, _ make: (String) -> EventPayload
  ) throws -> Recorded<PledgeRef> {
    let key = try state.resolvePledge(pledge.key)
    let event = make(key)
    return try appendDialogue(options, ref: PledgeRef(key), writing: event.type) { _ in event }
  }
}
