/// One node of the hierarchy as ``LedgerState/tree(of:maximumDepth:)`` shows it.
public struct TreeEntry: Hashable, Sendable, Codable {
  /// Where the node is.
  public var node: NodePath
  /// Its display name.
  public var name: String
  /// Its level name.
  public var level: String
  /// Its depth (1 at the top).
  public var depth: Int
  /// Whether it (or an ancestor) is retired.
  public var isRetired: Bool
  /// Active (not withdrawn) stories told in its subtree.
  public var stories: Int
  /// Items of those stories.
  public var items: Int
}

/// The figures of one node's subtree in a cascade: its six boxes at the end of the range
/// and the value made visible during it.
public struct CascadeFigures: Hashable, Sendable, Codable {
  /// Where the node is.
  public var node: NodePath
  /// Its display name.
  public var name: String
  /// Active stories told in the subtree by the end of the range.
  public var stories: Int
  /// The six boxes at the end of the range.
  public var boxes: SixBoxes
  /// Per dimension (in order), the revisions in the range that made an item visible.
  public var madeVisible: [Int]
  /// The pledges made in the subtree by the end of the range, by where they stand then.
  public var pledges = PledgeCounts()

  /// All made-visible movements, across dimensions.
  public var totalMadeVisible: Int { madeVisible.reduce(0, +) }
}

/// A subtree rolled up level by level: for each level from the node's own down to the
/// deepest, the nodes at that level with their subtree's figures, and the level's total
/// (the value told at that level or below).
public struct CascadeUp: Hashable, Sendable, Codable {
  /// One level of the cascade.
  public struct Level: Hashable, Sendable, Codable {
    /// The level's name.
    public var level: String
    /// Its depth.
    public var depth: Int
    /// The figures of the stories told at this level or below, in the subtree.
    public var total: CascadeFigures
    /// Each node at this level in the subtree, in path order.
    public var nodes: [CascadeFigures]
  }

  /// The range: figures at its end, movement during it.
  public var range: DateRange?
  /// The ledger's currency code, if any.
  public var currency: String?
  /// The levels, the node's own first.
  public var levels: [Level]
}

/// What reaches a node from above: each ancestor's figures, from the top down.
public struct CascadeDown: Hashable, Sendable, Codable {
  /// The node.
  public var node: NodePath
  /// The figures are as of the end of this day (`nil`: everything recorded).
  public var asOf: Day?
  /// The ledger's currency code, if any.
  public var currency: String?
  /// Each ancestor's summary (its subtree and its children), from the top down.
  public var ancestors: [Summary]
  /// What came down to the node from the dialogue, newest first (see
  /// ``Ledger/inbox(of:)``).
  public var inbox: [InboxEntry] = []
}

extension LedgerState {
  /// The hierarchy under `path` (the whole of it when `nil`), depth first in path order,
  /// with each node's level and the stories and items of its subtree.
  ///
  /// ```swift
  /// for entry in try ledger.state.tree(of: nil) {
  ///   print(String(repeating: "  ", count: entry.depth - 1) + entry.node.name, entry.items)
  /// }
  /// ```
  public func tree(of path: NodePath?, maximumDepth: Int? = nil) throws(LedgerError) -> [TreeEntry]
  {
    let roots: [Int32]
    if let path {
      roots = [try node(at: path)]
    } else {
      roots = nodes.indices.filter { nodes[$0].parent < 0 }.map { Int32($0) }
    }
    var result: [TreeEntry] = []
    func visit(_ index: Int32) -> (stories: Int, items: Int) {
      let record = nodes[Int(index)]
      let position = result.count
      let totals = nodeTotals[index]
      var stories = Int(totals.stories)
      var items = Int(totals.items.wrappedSum())
      result.append(
        TreeEntry(
          node: record.path, name: record.name,
          level: configuration.level(ofDepth: record.depth) ?? "", depth: record.depth,
          isRetired: isClosed(index), stories: 0, items: 0))
      let children = record.children.sorted { nodes[Int($0)].path < nodes[Int($1)].path }
      for child in children {
        let counts = visit(child)
        stories += counts.stories
        items += counts.items
      }
      result[position].stories = stories
      result[position].items = items
      return (stories, items)
    }
    for root in roots.sorted(by: { nodes[Int($0)].path < nodes[Int($1)].path }) { _ = visit(root) }
    if let maximumDepth {
      let base = path?.depth ?? 1
      result.removeAll { $0.depth - base > maximumDepth }
    }
    return result
  }

  /// The subtree of `path` rolled up level by level, with figures at the end of `range`
  /// (everything recorded when `nil`) and made-visible movement during it.
  ///
  /// ```swift
  /// let cascade = try ledger.state.cascadeUp(
  ///   of: try NodePath(parsing: "nhs/london"), range: try DateRange(parsing: "2026-Q1"))
  /// for level in cascade.levels { print(level.level, level.total.boxes.total.items) }
  /// ```
  public func cascadeUp(of path: NodePath, range: DateRange? = nil) throws(LedgerError)
    -> CascadeUp
  {
    let target = try node(at: path)
    let baseDepth = nodes[Int(target)].depth
    let cutoff = range?.end ?? Day.latest
    let from = range?.start ?? Day.earliest
    // Own figures of each node in the subtree.
    var inSubtree = [Bool](repeating: false, count: nodes.count)
    var subtree: [Int32] = []
    var pending = [target]
    while let next = pending.popLast() {
      inSubtree[Int(next)] = true
      subtree.append(next)
      pending.append(contentsOf: nodes[Int(next)].children)
    }
    var own = [Own](repeating: Own(), count: nodes.count)
    // Sums of cents are checked: a total beyond 64 bits is an error, never a wrapped figure.
    var fits = true
    if !dialogue.isEmpty {
      for pledge in try pledges(under: path, asOf: range?.end) {
        if let index = nodeIndex[pledge.node] { own[Int(index)].pledges.add(pledge.status) }
      }
    }
    stories.forEachElement { index, story in
      guard inSubtree[Int(story.node)], !isWithdrawn(Int32(index)) else { return }
      // Items count by their revisions' dates (as in a summary and the time series); the
      // story counts once it is told.
      if story.toldOn <= cutoff { own[Int(story.node)].stories += 1 }
      var item = story.firstItem
      while item >= 0 {
        let record = items[item]
        item = record.nextInStory
        var cursor = record.first
        var current: RevisionRecord?
        var previousVisible = false
        var isFirst = true
        while cursor >= 0 {
          let revision = revisions[cursor]
          guard revision.day <= cutoff else { break }
          if !isFirst, revision.day >= from, revision.isVisible, !previousVisible {
            own[Int(story.node)].madeVisible[Int(record.dimensionIndex)] += 1
          }
          previousVisible = revision.isVisible
          isFirst = false
          current = revision
          cursor = revision.next
        }
        if let current {
          let lane = NodeTotals.lane(record.dimensionIndex, isVisible: current.isVisible)
          own[Int(story.node)].items[lane] += 1
          let (sum, overflow) = own[Int(story.node)].cents[lane].addingReportingOverflow(
            current.effectiveMonetised)
          if overflow { fits = false } else { own[Int(story.node)].cents[lane] = sum }
        }
      }
    }
    // Roll each node's figures up into its subtree's, deepest first.
    var rolled = own
    for index in subtree.sorted(by: { nodes[Int($0)].depth > nodes[Int($1)].depth })
    where index != target {
      let parent = Int(nodes[Int(index)].parent)
      fits = rolled[parent].add(rolled[Int(index)]) && fits
    }
    let deepest = subtree.map { nodes[Int($0)].depth }.max() ?? baseDepth
    var levels: [CascadeUp.Level] = []
    for depth in baseDepth...deepest {
      let atLevel = subtree.filter { nodes[Int($0)].depth == depth }.sorted {
        nodes[Int($0)].path < nodes[Int($1)].path
      }
      var total = Own()
      for index in atLevel { fits = total.add(rolled[Int(index)]) && fits }
      guard fits else { throw LedgerState.tooLargeToTotal(path) }
      levels.append(
        CascadeUp.Level(
          level: configuration.level(ofDepth: depth) ?? "", depth: depth,
          total: total.figures(
            node: path, name: "all \(configuration.level(ofDepth: depth) ?? "")"),
          nodes: atLevel.map {
            rolled[Int($0)].figures(node: nodes[Int($0)].path, name: nodes[Int($0)].name)
          }))
    }
    return CascadeUp(range: range, currency: configuration.currency, levels: levels)
  }

  /// What reaches `path` from above: each ancestor's summary as of the end of `day`, from
  /// the top down.
  public func cascadeDown(of path: NodePath, asOf day: Day? = nil, viewer: Viewer? = nil)
    throws(LedgerError) -> CascadeDown
  {
    let target = try node(at: path)
    var ancestors: [Int32] = []
    var cursor = nodes[Int(target)].parent
    while cursor >= 0 {
      ancestors.append(cursor)
      cursor = nodes[Int(cursor)].parent
    }
    var summaries: [Summary] = []
    for ancestor in ancestors.reversed() {
      summaries.append(try summary(of: nodes[Int(ancestor)].path, asOf: day))
    }
    return CascadeDown(
      node: nodes[Int(target)].path, asOf: day, currency: configuration.currency,
      ancestors: summaries, inbox: try inbox(of: path, viewer: viewer))
  }

  /// Running figures of one node while a cascade is computed.
  struct Own {
    var stories = 0
    var items = SIMD8<Int64>()
    var cents = SIMD8<Int64>()
    var madeVisible = [0, 0, 0]
    var pledges = PledgeCounts()

    /// Adds `other`; returns `false` (leaving an overflowing lane as it was) when a sum of
    /// cents does not fit in 64 bits.
    mutating func add(_ other: Own) -> Bool {
      pledges.add(other.pledges)
      stories += other.stories
      items &+= other.items
      var fits = true
      for lane in 0..<8 {
        let (sum, overflow) = cents[lane].addingReportingOverflow(other.cents[lane])
        if overflow { fits = false } else { cents[lane] = sum }
      }
      for index in 0..<3 { madeVisible[index] += other.madeVisible[index] }
      return fits
    }

    func figures(node: NodePath, name: String) -> CascadeFigures {
      var boxes = SixBoxes()
      for dimension in Dimension.allCases {
        for visibility in Visibility.allCases {
          let lane = NodeTotals.lane(UInt8(dimension.index), isVisible: visibility == .visible)
          boxes[dimension][visibility] = BoxFigures(
            items: Int(items[lane]), monetised: Money(cents: cents[lane]))
        }
      }
      return CascadeFigures(
        node: node, name: name, stories: stories, boxes: boxes, madeVisible: madeVisible,
        pledges: pledges)
    }
  }
}
