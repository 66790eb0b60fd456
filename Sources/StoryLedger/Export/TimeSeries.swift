/// What to export as a time series: the period, level and optional date bounds of <doc:TimeSeries>.
///
/// ```swift
/// let query = try TimeSeriesQuery(period: .month, level: "organisation")
/// try ledger.timeSeries(query) { row in print(row.node, row.madeVisible) }
/// ```
public struct TimeSeriesQuery: Hashable, Sendable {
  /// The length of each period.
  public var period: Period
  /// The level whose nodes are the rows' nodes.
  public var level: String
  /// The first day to cover (its period is the first), or the earliest revision date.
  public var from: Day?
  /// The last day to cover (its period is the last), or the latest revision date.
  public var to: Day?
  /// Only the stories of a domain of change or a campaign (every story when empty).
  public var stories = StoryGroupFilter()

  /// Creates a query; `from` must not be after `to`.
  public init(period: Period, level: String, from: Day? = nil, to: Day? = nil) throws(ValueError) {
    if let from, let to, from > to {
      throw ValueError(
        field: "from", value: from.description,
        reason: "is after the end of the range, \(to); give a range that runs forward")
    }
    self.period = period
    self.level = level
    self.from = from
    self.to = to
  }
}

extension TimeSeriesQuery {
  /// The query's level in `configuration`: its depth (1 for the top) and name.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` naming the ledger's levels when
  ///   it has no such level.
  func level(in configuration: LedgerConfiguration) throws(LedgerError) -> (
    depth: Int, name: String
  ) {
    do {
      let depth = try configuration.depth(parsingLevel: level)
      return (depth, configuration.levels[depth - 1])
    } catch { throw LedgerError.invalid(error) }
  }

  /// The periods the rows cover, in order: from the one holding `from` (else `earliest`) to
  /// the one holding `to` (else `latest`).
  func periods(earliest: Day, latest: Day) -> [DateRange] {
    var result: [DateRange] = []
    var start = period.start(of: from ?? earliest)
    let last = to ?? latest
    while start <= last {
      let next = period.next(after: start)
      result.append(DateRange(start: start, end: next.adding(days: -1)))
      start = next
    }
    return result
  }
}

/// One row of the time series: a period, a node at the query's level, a dimension.
///
/// Each column is defined in <doc:TimeSeries>.
public struct TimeSeriesRow: SeriesRow, Hashable {
  /// The first day of the period.
  public var periodStart: Day
  /// The last day of the period (inclusive).
  public var periodEnd: Day
  /// The node (its whole subtree is counted).
  public var node: NodePath
  /// The node's level name.
  public var level: String
  /// The dimension.
  public var dimension: Dimension
  /// Distinct stories with at least one item revision of the dimension dated in the period.
  public var stories: Int
  /// Items of the dimension whose first revision is dated in the period.
  public var itemsRecorded: Int
  /// Revisions dated in the period that are visible where the item's previous one was not.
  public var madeVisible: Int
  /// Items existing at the end of the period that are visible then.
  public var visibleItems: Int
  /// Items existing at the end of the period that are invisible then.
  public var invisibleItems: Int
  /// The monetised values of the visible items at the end of the period.
  public var monetisedVisible: Money
  /// The monetised values of the invisible items at the end of the period.
  public var monetisedInvisible: Money

  /// The CSV column names, in order (<doc:TimeSeries>).
  public static let columns = [
    "period_start", "period_end", "node", "level", "dimension", "stories", "items_recorded",
    "made_visible", "visible_items", "invisible_items", "monetised_visible", "monetised_invisible",
  ]
}

extension LedgerState {
  /// Produces the time series of `query`, row by row in the order of <doc:TimeSeries>: by period, then
  /// node path (byte order), then dimension.
  ///
  /// The ledger is scanned once. Each revision adds its flows (stories, items recorded,
  /// made visible) to its period and its change of stock (visible and invisible items and
  /// money) to a difference array that a running sum turns into the stock at each period's
  /// end.
  public func timeSeries(
    _ query: TimeSeriesQuery, _ body: (TimeSeriesRow) throws -> Void
  ) throws {
    let (depth, levelName) = try query.level(in: configuration)
    guard let dates = revisionDateRange() else { return }
    // The periods run from the one holding the first day to the one holding the last, so
    // a --from after the latest revision still gives its period when that holds both.
    guard
      let periods = PeriodTable(
        query.period, from: query.from ?? dates.lowerBound, to: query.to ?? dates.upperBound,
        spanning: dates)
    else { return }

    // The nodes at the level that have at least one item in their subtree, in byte order.
    var columnOfNode = [Int32](repeating: -1, count: nodes.count)
    var levelNodes: [Int32] = []
    var storyColumn = [Int32](repeating: -1, count: stories.count)
    let mask = try storyMask(query.stories).mask
    for storyIndex in 0..<stories.count
    where stories[storyIndex].firstItem >= 0 && !isWithdrawn(Int32(storyIndex))
      && mask?[storyIndex] ?? true
    {
      let node = ancestor(of: stories[storyIndex].node, atDepth: depth)
      guard node >= 0 else { continue }
      if columnOfNode[Int(node)] < 0 {
        columnOfNode[Int(node)] = 0
        levelNodes.append(node)
      }
      storyColumn[storyIndex] = node
    }
    levelNodes.sort { nodes[Int($0)].path < nodes[Int($1)].path }
    for (column, node) in levelNodes.enumerated() { columnOfNode[Int(node)] = Int32(column) }
    let columnCount = levelNodes.count
    guard columnCount > 0 else { return }

    var cells = try SeriesCells(periods: periods, columnCount: columnCount, state: self)
    for storyIndex in 0..<stories.count {
      let node = storyColumn[storyIndex]
      guard node >= 0 else { continue }
      cells.add(
        story: Int32(storyIndex), column: Int(columnOfNode[Int(node)]), stamp: Int32(storyIndex),
        in: self)
    }
    cells.accumulate()

    for period in 0..<periods.count {
      for column in 0..<columnCount {
        let path = nodes[Int(levelNodes[column])].path
        for dimension in 0..<3 {
          try body(
            cells.row(
              period: period, column: column, dimension: dimension, node: path,
              level: levelName))
        }
      }
    }
  }
}
