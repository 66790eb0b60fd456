import Foundation

/// Who reads a view: the ledger's keeper, who reads every text, or someone at a node, who
/// reads a story's title, tellers and narratives only within its share scope.
///
/// Figures always aggregate; share scopes withhold only a story's personal text.
public enum Viewer: Hashable, Sendable {
  /// The ledger's keeper: every text, as recorded (the audit view).
  case keeper
  /// Someone at the node: texts of stories whose share scope does not reach it are withheld.
  case node(NodePath)
}

/// The ledger as one viewer reads it: every view it gives applies the viewer's share scopes.
///
/// Get one from ``Ledger/view(as:)``. A service that knows who is asking reads through it,
/// so no view can forget a share scope:
///
/// ```swift
/// let team = ledger.view(as: .node("nhs/north/trust-07/team-03"))
/// let inbox = try team.inbox(of: "nhs/north/trust-07/team-03")
/// let history = try team.storyHistory("k3f9")  // title withheld if not shared this far
/// ```
public struct LedgerReader: Sendable {
  /// The ledger read.
  public let ledger: Ledger
  /// Who reads it.
  public let viewer: Viewer

  /// The six boxes of `node`'s subtree and its children's (figures are never withheld).
  public func summary(
    of node: NodePath, asOf day: Day? = nil, stories filter: StoryGroupFilter = StoryGroupFilter()
  ) throws -> Summary {
    try ledger.summary(of: node, asOf: day, stories: filter)
  }

  /// A story with its whole history; its title, tellers and narratives are withheld when
  /// the viewer is outside its share scope (``StoryHistory/isShared`` is then `false`).
  public func storyHistory(_ story: StoryRef) throws -> StoryHistory {
    try ledger.storyHistory(story, viewer: viewer)
  }

  /// A session and every event recorded in it, each as the viewer may read it.
  public func sessionRecord(_ key: String) throws -> Ledger.SessionRecord {
    if case .node(let path) = viewer { try ledger.state.requireNode(at: path) }
    return try ledger.sessionRecord(key, as: viewer)
  }

  /// The items of a subtree or a story (``ItemQuery/scope``), filtered.
  public func items(_ query: ItemQuery) throws -> ItemList {
    try ledger.items(query, viewer: viewer)
  }

  /// Calls `body` with every event from sequence number `first` on, each as the viewer may
  /// read it (see ``LedgerState/scoped(_:for:)``).
  public func forEachEvent(from first: UInt64 = 1, _ body: (RecordedEvent) throws -> Void)
    throws
  {
    let state = ledger.state
    if case .node(let path) = viewer { try state.requireNode(at: path) }
    try ledger.forEachEvent(from: first) { event in try body(try state.scoped(event, for: viewer)) }
  }

  /// The stories that may be selected at `node` for `period` (only a domain's or a
  /// campaign's with `filter`), titles as the viewer reads them.
  public func candidates(
    at node: NodePath, period: DateRange, stories filter: StoryGroupFilter = StoryGroupFilter()
  ) throws -> [CandidateView] {
    try ledger.requireReadable(node)
    return try ledger.state.candidateViews(
      at: node, period: period, stories: filter, viewer: viewer)
  }

  /// The stories selected at `node` (for `period`, or every period).
  public func selections(at node: NodePath, period: DateRange? = nil) throws -> [SelectionView] {
    try ledger.requireReadable(node)
    return try ledger.state.selections(at: node, period: period, viewer: viewer)
  }

  /// The accounts of `node`, every period.
  public func accounts(of node: NodePath) throws -> [AccountView] {
    try ledger.requireReadable(node)
    return try ledger.state.accounts(of: node, viewer: viewer)
  }

  /// The account of `node` for `period`, if one was proposed.
  public func account(of node: NodePath, period: DateRange) throws -> AccountView? {
    try ledger.requireReadable(node)
    return try ledger.state.account(of: node, period: period, viewer: viewer)
  }

  /// Everything that came down to `node`, newest first.
  public func inbox(of node: NodePath) throws -> [InboxEntry] {
    try ledger.requireReadable(node)
    return try ledger.state.inbox(of: node, viewer: viewer)
  }

  /// `node`'s subtree rolled up level by level (figures only).
  public func cascadeUp(of node: NodePath, range: DateRange? = nil) throws -> CascadeUp {
    try ledger.requireReadable(node)
    return try ledger.state.cascadeUp(of: node, range: range)
  }

  /// What reaches `node` from its ancestors, with what came down to it.
  public func cascadeDown(of node: NodePath, asOf day: Day? = nil) throws -> CascadeDown {
    try ledger.requireReadable(node)
    return try ledger.state.cascadeDown(of: node, asOf: day, viewer: viewer)
  }

  /// The pledges made in the subtree of `node` (every pledge when `nil`; with a
  /// ``Ledger/readScope``, the scope's) at the end of `day`.
  public func pledges(under node: NodePath?, asOf day: Day? = nil) throws -> [PledgeView] {
    try ledger.pledges(under: node, asOf: day)
  }

  /// The report of `node`, with narratives only where the viewer may read them.
  public func report(of node: NodePath, range: DateRange? = nil, by period: Period? = nil)
    throws -> ReportData
  {
    try ledger.requireReadable(node)
    return try ledger.report(of: node, range: range, by: period, viewer: viewer)
  }
}

/// Queries on the ledger itself, each read as the place it is about (a node's accounts as
/// that node reads them, a story as its own node, the log as the keeper); ``view(as:)``
/// reads them as another viewer. ``state`` stays available for advanced use.
///
/// ```swift
/// let accounts = try ledger.accounts(of: "nhs/north")
/// let inbox = try ledger.inbox(of: "nhs/north/trust-07")
/// ```
extension Ledger {
  /// The ledger as `viewer` reads it.
  public func view(as viewer: Viewer) -> LedgerReader { LedgerReader(ledger: self, viewer: viewer) }

  /// Whether a node is at `path` now.
  public func hasNode(at path: NodePath) -> Bool { state.hasNodeAt(path) }

  /// The paths of the nodes at the top of the hierarchy, in path order.
  public var topLevelNodes: [NodePath] { state.topLevelNodes }

  /// The number of nodes in the hierarchy.
  public var nodeCount: Int { state.nodeCount }

  /// The number of items of value.
  public var itemCount: Int { state.itemCount }

  /// Whole periods of `period` (chosen from the span when `nil`) from the one holding the
  /// earliest item revision to the one holding the latest (today when there are none).
  public func reportRange(by period: Period? = nil) -> DateRange {
    state.reportRange(by: period)
  }

  /// Whether `node` is within ``readScope`` (every node is when it is `nil`).
  public func isReadable(_ node: NodePath) -> Bool {
    readScope.map { $0.contains(node) } ?? true
  }

  /// Checks that `node` is within ``readScope``.
  ///
  /// - Throws: ``LedgerError/Code/notAllowed`` naming the node and the subtree.
  public func requireReadable(_ node: NodePath) throws(LedgerError) {
    guard let scope = readScope, !scope.contains(node) else { return }
    throw LedgerError(
      .notAllowed, "\(node) is outside \(scope), the only subtree these reads may reach")
  }

  /// Checks that a node is at `path`.
  ///
  /// - Throws: ``LedgerError`` saying so (with the new path of a node moved from there).
  public func requireNode(at path: NodePath) throws { try state.requireNode(at: path) }

  /// The hierarchy under `path` (every top-level node when `nil`), with levels and counts.
  /// With a ``readScope``, the tree of the scope's node when `path` is `nil`.
  public func tree(of path: NodePath? = nil, maximumDepth: Int? = nil) throws -> [TreeEntry] {
    if let path { try requireReadable(path) }
    return try state.tree(of: path ?? readScope, maximumDepth: maximumDepth)
  }

  /// `node`'s subtree rolled up level by level, as of the end of `range` (everything when `nil`).
  public func cascadeUp(of node: NodePath, range: DateRange? = nil) throws -> CascadeUp {
    try view(as: .node(node)).cascadeUp(of: node, range: range)
  }

  /// What reaches `node` from its ancestors, as `node` reads it.
  public func cascadeDown(of node: NodePath, asOf day: Day? = nil) throws -> CascadeDown {
    try view(as: .node(node)).cascadeDown(of: node, asOf: day)
  }

  /// The accounts of `node`, every period, as `node` reads them.
  public func accounts(of node: NodePath) throws -> [AccountView] {
    try view(as: .node(node)).accounts(of: node)
  }

  /// The account of `node` for `period`, if one was proposed.
  public func account(of node: NodePath, period: DateRange) throws -> AccountView? {
    try view(as: .node(node)).account(of: node, period: period)
  }

  /// The stories selected at `node`, as `node` reads them.
  public func selections(at node: NodePath, period: DateRange? = nil) throws -> [SelectionView] {
    try view(as: .node(node)).selections(at: node, period: period)
  }

  /// The stories that may be selected at `node` for `period` (only a domain's or a
  /// campaign's with `filter`), as `node` reads them.
  public func candidates(
    at node: NodePath, period: DateRange, stories filter: StoryGroupFilter = StoryGroupFilter()
  ) throws -> [CandidateView] {
    try view(as: .node(node)).candidates(at: node, period: period, stories: filter)
  }

  /// Everything that came down to `node`, newest first, as `node` reads it.
  public func inbox(of node: NodePath) throws -> [InboxEntry] {
    try view(as: .node(node)).inbox(of: node)
  }

  /// The pledges made in the subtree of `node` (every pledge when `nil`; with a
  /// ``readScope``, the scope's) at the end of `day`.
  public func pledges(under node: NodePath?, asOf day: Day? = nil) throws -> [PledgeView] {
    if let node { try requireReadable(node) }
    return try state.pledges(under: node ?? readScope, asOf: day)
  }

  /// The pledge counts of the subtree of `node` at the end of `day`.
  public func pledgeCounts(under node: NodePath, asOf day: Day? = nil) throws -> PledgeCounts {
    try requireReadable(node)
    return try state.pledgeCounts(under: node, asOf: day)
  }

  /// The pledge series of `query`, row by row (the rows of nodes within ``readScope``).
  public func pledgeSeries(_ query: TimeSeriesQuery, _ body: (PledgeSeriesRow) throws -> Void)
    throws
  {
    try state.pledgeSeries(query) { row in if isReadable(row.node) { try body(row) } }
  }

  /// How each of `nodes` moved through `periods` (visible and invisible items, made visible).
  public func movement(of nodes: [NodePath], through periods: [DateRange]) throws
    -> [NodeMovement]
  {
    for node in nodes { try requireReadable(node) }
    return try state.movement(of: nodes, through: periods)
  }

  /// Whether story `story` may be read by a viewer at `node`.
  public func canRead(story: StoryRef, at node: NodePath) -> Bool {
    let state = self.state
    guard let key = try? state.resolveStory(story.key) else { return false }
    return state.canRead(story: key, at: node)
  }
}
