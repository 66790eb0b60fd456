import Foundation

extension LedgerState {
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

  // MARK: Views

  /// The accounts of `path` (every period), each with its state, objections, history and
  /// staleness, each title only where the story's share scope reaches the node.
  public func accounts(of path: NodePath, viewer: Viewer? = nil) throws(LedgerError)
    -> [AccountView]
  {
    let target = try node(at: path)
    let reader = try readerIndex(viewer, default: target)
    let model = dialogueModel()
    var views: [AccountView] = []
    for key in model.accountOrder where key.node == nodes[Int(target)].path {
      guard let account = model.accounts[key] else { continue }
      views.append(try view(of: account, model: model, viewer: reader))
    }
    return views.sorted { ($0.period.start, $0.period.end) < ($1.period.start, $1.period.end) }
  }

  /// The account of `path` for `period`, if one was proposed.
  public func account(of path: NodePath, period: DateRange, viewer: Viewer? = nil)
    throws(LedgerError) -> AccountView?
  {
    try accounts(of: path, viewer: viewer).first { $0.period == period }
  }

  func view(of account: DialogueModel.Account, model: DialogueModel, viewer: Int32?)
    throws(LedgerError) -> AccountView
  {
    guard let proposal = account.proposals.last?.event else {
      throw LedgerError(.corrupt, "account \(account.key) has no proposal")
    }
    let current = try accountFigures(of: account.key.node, period: account.key.period)
    let differences = Self.differences(proposal.figures, current)
    let sessions = sessionOfEvents()
    let selected = model.selections.filter {
      $0.node == account.key.node && $0.period == account.key.period
        && proposal.selected.contains($0.choice.story)
    }.map { view(of: $0, by: viewer, sessions: sessions) }
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

  /// `selection` as `viewer` reads it (its title only within the story's share scope).
  func view(of selection: DialogueModel.Selection, by viewer: Int32?, sessions: [UInt64: String])
    -> SelectionView
  {
    SelectionView(
      node: selection.node, period: selection.period, story: selection.choice.story,
      title: scopedTitle(selection.choice.story, by: viewer), reason: selection.choice.reason,
      by: selection.by, recordedAt: Date(ledgerMilliseconds: selection.milliseconds),
      panel: selection.panel, session: sessions[selection.sequence], domain: selection.domain,
      campaign: selection.campaign)
  }

  /// The stories selected at `path` (for `period`, or every period), each title only where
  /// the story's share scope reaches the node.
  public func selections(at path: NodePath, period: DateRange? = nil, viewer: Viewer? = nil)
    throws(LedgerError) -> [SelectionView]
  {
    let target = try node(at: path)
    let viewer = try readerIndex(viewer, default: target)
    let sessions = sessionOfEvents()
    return dialogueModel().selections.filter {
      $0.node == nodes[Int(target)].path && (period == nil || $0.period == period)
    }.map { view(of: $0, by: viewer, sessions: sessions) }
  }
}
