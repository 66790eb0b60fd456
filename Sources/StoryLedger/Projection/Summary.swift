/// The figures of one box: how many items sit in it and the sum of their monetised values.
public struct BoxFigures: Hashable, Sendable, Codable {
  /// The number of items.
  public var items: Int = 0
  /// The sum of their monetised proxy values (missing counts as zero).
  public var monetised: Money = .zero

  /// Creates figures.
  public init(items: Int = 0, monetised: Money = .zero) {
    self.items = items
    self.monetised = monetised
  }
}

/// The two boxes of one dimension: its visible and its invisible value.
public struct DimensionFigures: Hashable, Sendable, Codable {
  /// Known value, with evidence.
  public var visible = BoxFigures()
  /// Knowable value, not yet evidenced.
  public var invisible = BoxFigures()

  /// Creates figures.
  public init(visible: BoxFigures = BoxFigures(), invisible: BoxFigures = BoxFigures()) {
    self.visible = visible
    self.invisible = invisible
  }

  /// The box of `visibility`.
  public subscript(visibility: Visibility) -> BoxFigures {
    get { visibility == .visible ? visible : invisible }
    set {
      if visibility == .visible { visible = newValue } else { invisible = newValue }
    }
  }
}

/// The six boxes of the Revaluation method: three dimensions, each visible and invisible.
///
/// ```swift
/// var boxes = SixBoxes()
/// boxes[.calculating].visible.items += 1
/// boxes.total.items  // 1
/// ```
public struct SixBoxes: Hashable, Sendable, Codable {
  /// Capacity of networks of people and ideas.
  public var capacitating = DimensionFigures()
  /// Judgements of merit, cost and benefit.
  public var calibrating = DimensionFigures()
  /// Numbers, amounts and money.
  public var calculating = DimensionFigures()

  /// Creates empty boxes.
  public init() {}

  /// The figures of `dimension`.
  public subscript(dimension: Dimension) -> DimensionFigures {
    get {
      switch dimension {
      case .capacitating: capacitating
      case .calibrating: calibrating
      case .calculating: calculating
      }
    }
    set {
      switch dimension {
      case .capacitating: capacitating = newValue
      case .calibrating: calibrating = newValue
      case .calculating: calculating = newValue
      }
    }
  }

  /// All six boxes added together.
  public var total: BoxFigures {
    var total = BoxFigures()
    for dimension in Dimension.allCases {
      for visibility in Visibility.allCases {
        total.items += self[dimension][visibility].items
        total.monetised += self[dimension][visibility].monetised
      }
    }
    return total
  }

  mutating func add(_ other: SixBoxes) {
    for dimension in Dimension.allCases {
      for visibility in Visibility.allCases {
        self[dimension][visibility].items += other[dimension][visibility].items
        self[dimension][visibility].monetised += other[dimension][visibility].monetised
      }
    }
  }
}

/// The six boxes of a node's subtree as of a date, and of each of its children.
///
/// ```swift
/// let summary = try ledger.summary(of: try NodePath(parsing: "nhs"), asOf: try Day(parsing: "2026-06-30"))
/// for child in summary.children { print(child.node, child.boxes.total.items) }
/// ```
public struct Summary: Hashable, Sendable, Codable {
  /// One node's figures.
  public struct Entry: Hashable, Sendable, Codable {
    /// The node.
    public var node: NodePath
    /// Its display name.
    public var name: String
    /// Its level name.
    public var level: String
    /// Stories told in its subtree on or before the date.
    public var stories: Int
    /// Items that exist at the date, by box.
    public var boxes: SixBoxes
    /// The pledges made in the subtree, by where they stand at the date.
    public var pledges = PledgeCounts()
    /// The spread of the subtree's item ratings at the date; `nil` when the ledger has no
    /// ratings (filled by ``Ledger/summary(of:asOf:stories:)``).
    public var ratings: RatingCounts?
  }

  /// The date the figures are as of, or `nil` for everything recorded.
  public var asOf: Day?
  /// The ledger's currency code, if any.
  public var currency: String?
  /// The node's own subtree.
  public var total: Entry
  /// Each child's subtree, in path order.
  public var children: [Entry]
  /// The domain of change whose stories alone were counted, if any.
  public var domain: String? = nil
  /// The campaign whose stories alone were counted, if any.
  public var campaign: String? = nil
}

extension LedgerState {
  /// The six boxes of `path`'s subtree and of each child's, as of the end of `day`
  /// (everything recorded when `nil`), counting only the stories `filter` keeps (a domain
  /// of change's, a campaign's; pledges, which belong to nodes, are then not counted).
  ///
  /// - Throws: ``LedgerError`` when there is no such node, or the filter names a domain or
  ///   campaign the ledger does not have.
  public func summary(
    of path: NodePath, asOf day: Day? = nil, stories filter: StoryGroupFilter = StoryGroupFilter()
  ) throws(LedgerError) -> Summary {
    let (filter, mask) = try storyMask(filter)
    return try summary(of: path, asOf: day, stories: filter, mask: mask)
  }

  /// The summary of the stories `mask` keeps (every story when `nil`), the resolved
  /// `filter` that made it named in the result.
  func summary(of path: NodePath, asOf day: Day?, stories filter: StoryGroupFilter, mask: [Bool]?)
    throws(LedgerError) -> Summary
  {
    let target = try node(at: path)
    let depth = nodes[Int(target)].depth
    let children = nodes[Int(target)].children.sorted { nodes[Int($0)].path < nodes[Int($1)].path }
    // Each node's place: -2 outside the subtree, -1 the target itself, else its child's slot.
    var slotOfNode = [Int32](repeating: -2, count: nodes.count)
    for (slot, child) in children.enumerated() { slotOfNode[Int(child)] = Int32(slot) }
    for index in nodes.indices {
      guard ancestor(of: Int32(index), atDepth: depth) == target else { continue }
      let child = ancestor(of: Int32(index), atDepth: depth + 1)
      slotOfNode[index] = child >= 0 ? slotOfNode[Int(child)] : -1
    }
    if day == nil, mask == nil {
      return withPledges(
        try currentSummary(target: target, children: children, slotOfNode: slotOfNode),
        asOf: day)
    }
    let cutoff = day ?? Day.latest
    var total = SixBoxes()
    var totalStories = 0
    var childBoxes = [SixBoxes](repeating: SixBoxes(), count: children.count)
    var childStories = [Int](repeating: 0, count: children.count)
    // Each story's place, or -3 when it is not counted (outside the subtree, or withdrawn).
    // Items count by their revisions' dates, as in the time series, even when the story
    // was told later; the story itself counts once it is told.
    var slotOfStory = [Int32](repeating: -3, count: stories.count)
    stories.forEachElement { index, story in
      guard !isWithdrawn(Int32(index)), mask?[index] ?? true else { return }
      let slot = slotOfNode[Int(story.node)]
      guard slot > -2 else { return }
      slotOfStory[index] = slot
      guard story.toldOn <= cutoff else { return }
      totalStories += 1
      if slot >= 0 { childStories[Int(slot)] += 1 }
    }
    var overflowed = false
    items.forEachElement { index, item in
      let slot = slotOfStory[Int(item.story)]
      guard slot > -3 else { return }
      let revisionIndex =
        day == nil ? item.last : revision(of: Int32(index), asOf: cutoff)
      guard revisionIndex >= 0 else { return }
      let record = revisions[revisionIndex]
      let visibility: Visibility = record.isVisible ? .visible : .invisible
      let dimension = item.dimension
      let money = Money(cents: record.effectiveMonetised)
      total[dimension][visibility].items += 1
      overflowed =
        !LedgerState.add(money, to: &total[dimension][visibility].monetised) || overflowed
      if slot >= 0 {
        childBoxes[Int(slot)][dimension][visibility].items += 1
        overflowed =
          !LedgerState.add(money, to: &childBoxes[Int(slot)][dimension][visibility].monetised)
          || overflowed
      }
    }
    if overflowed { throw LedgerState.tooLargeToTotal(path) }
    func entry(_ index: Int32, _ stories: Int, _ boxes: SixBoxes) -> Summary.Entry {
      let record = nodes[Int(index)]
      return Summary.Entry(
        node: record.path, name: record.name,
        level: configuration.level(ofDepth: record.depth) ?? "", stories: stories, boxes: boxes)
    }
    let summary = Summary(
      asOf: day, currency: configuration.currency, total: entry(target, totalStories, total),
      children: children.enumerated().map { entry($1, childStories[$0], childBoxes[$0]) },
      domain: filter.domain, campaign: filter.campaign)
    // Pledges belong to nodes, not to a domain's or a campaign's stories.
    return filter.isEmpty ? withPledges(summary, asOf: day) : summary
  }

  /// The summary with the pledge counts of each entry's subtree.
  func withPledges(_ summary: Summary, asOf day: Day?) -> Summary {
    guard !dialogue.isEmpty else { return summary }
    var result = summary
    let pledges = (try? self.pledges(under: summary.total.node, asOf: day)) ?? []
    func counts(_ node: NodePath) -> PledgeCounts {
      var counts = PledgeCounts()
      for pledge in pledges where node.contains(pledge.node) { counts.add(pledge.status) }
      return counts
    }
    result.total.pledges = counts(result.total.node)
    for index in result.children.indices {
      result.children[index].pledges = counts(result.children[index].node)
    }
    return result
  }
}

extension LedgerState {
  /// The summary of everything recorded, from the per-node totals the fold keeps current.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` when a total of cents does not
  ///   fit in 64 bits (never a wrapped figure).
  func currentSummary(target: Int32, children: [Int32], slotOfNode: [Int32]) throws(LedgerError)
    -> Summary
  {
    var total = NodeTotals()
    var childTotals = [NodeTotals](repeating: NodeTotals(), count: children.count)
    var fits = true
    for (index, slot) in slotOfNode.enumerated() where slot > -2 {
      let totals = nodeTotals[index]
      total.stories += totals.stories
      total.items &+= totals.items
      fits = total.addCents(totals.cents) && fits
      if slot >= 0 {
        childTotals[Int(slot)].stories += totals.stories
        childTotals[Int(slot)].items &+= totals.items
        fits = childTotals[Int(slot)].addCents(totals.cents) && fits
      }
    }
    guard fits else { throw LedgerState.tooLargeToTotal(nodes[Int(target)].path) }
    func boxes(_ totals: NodeTotals) -> SixBoxes {
      var boxes = SixBoxes()
      for dimension in Dimension.allCases {
        for visibility in Visibility.allCases {
          let lane = NodeTotals.lane(UInt8(dimension.index), isVisible: visibility == .visible)
          boxes[dimension][visibility] = BoxFigures(
            items: Int(totals.items[lane]), monetised: Money(cents: totals.cents[lane]))
        }
      }
      return boxes
    }
    func entry(_ index: Int32, _ totals: NodeTotals) -> Summary.Entry {
      let record = nodes[Int(index)]
      return Summary.Entry(
        node: record.path, name: record.name,
        level: configuration.level(ofDepth: record.depth) ?? "", stories: Int(totals.stories),
        boxes: boxes(totals))
    }
    return Summary(
      asOf: nil, currency: configuration.currency, total: entry(target, total),
      children: children.enumerated().map { entry($1, childTotals[$0]) })
  }

  /// The paths of the nodes at the top of the hierarchy, in path order.
  public var topLevelNodes: [NodePath] {
    nodes.filter { $0.parent < 0 }.map(\.path).sorted()
  }
}

extension LedgerState {
  /// Adds `money` to `sum` unless the total would not fit in 64 bits of cents; returns
  /// whether it fit.
  static func add(_ money: Money, to sum: inout Money) -> Bool {
    let (result, overflow) = sum.cents.addingReportingOverflow(money.cents)
    guard !overflow else { return false }
    sum = Money(cents: result)
    return true
  }

  /// The error for totals beyond 64 bits of cents, as the time series reports them.
  static func tooLargeToTotal(_ path: NodePath) -> LedgerError {
    LedgerError(
      .invalid,
      "the monetised values under \(path) are too large to total exactly (a total must stay within ±\(Money(cents: Int64.max)))"
    )
  }
}

extension LedgerState.NodeTotals {
  /// Adds `cents` lane by lane unless a lane would overflow 64 bits; returns whether every
  /// lane fit. (Item counts stay far below 2^63.)
  mutating func addCents(_ other: SIMD8<Int64>) -> Bool {
    var fits = true
    for lane in 0..<8 {
      let (sum, overflow) = cents[lane].addingReportingOverflow(other[lane])
      if overflow { fits = false } else { cents[lane] = sum }
    }
    return fits
  }
}
