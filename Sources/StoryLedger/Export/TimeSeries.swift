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

/// One row of the time series: a period, a node at the query's level, a dimension.
///
/// Each column is defined in <doc:TimeSeries>.
public struct TimeSeriesRow: Hashable, Sendable {
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
    let depth: Int
    do { depth = try configuration.depth(parsingLevel: query.level) } catch {
      throw LedgerError.invalid(error)
    }
    let levelName = configuration.levels[depth - 1]
    guard let dates = revisionDateRange() else { return }
    let firstDay = query.from ?? dates.lowerBound
    let lastDay = query.to ?? dates.upperBound
    let period = query.period

    // The periods, and a table from day to period index over the span of interest.
    var starts: [Day] = []
    var start = period.start(of: firstDay)
    while start <= lastDay {
      starts.append(start)
      start = period.next(after: start)
    }
    // The periods run from the one holding the first day to the one holding the last, so
    // a --from after the latest revision still gives its period when that holds both.
    guard let rangeStart = starts.first else { return }
    let periodCount = starts.count
    let rangeEnd = start.adding(days: -1)
    let spanStart = min(rangeStart, dates.lowerBound)
    let spanEnd = max(rangeEnd, dates.upperBound)
    var periodOfDay = [Int32](
      repeating: 0, count: Int(spanEnd.daysSinceEpoch - spanStart.daysSinceEpoch) + 1)
    do {
      var index: Int32 = -1
      var nextStart = rangeStart
      for offset in periodOfDay.indices {
        let day = spanStart.adding(days: offset)
        if day > rangeEnd {
          index = Int32(periodCount)
        } else if day >= nextStart {
          index += 1
          nextStart = period.next(after: nextStart)
        }
        periodOfDay[offset] = index
      }
    }

    // The nodes at the level that have at least one item in their subtree, in byte order.
    var columnOfNode = [Int32](repeating: -1, count: nodes.count)
    var levelNodes: [Int32] = []
    var storyColumn = [Int32](repeating: -1, count: stories.count)
    for storyIndex in 0..<stories.count
    where stories[storyIndex].firstItem >= 0 && !isWithdrawn(Int32(storyIndex)) {
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

    let cellCount = periodCount * columnCount * 3
    var storiesCount = [Int32](repeating: 0, count: cellCount)
    var recorded = [Int32](repeating: 0, count: cellCount)
    var madeVisible = [Int32](repeating: 0, count: cellCount)
    var visibleDelta = [Int32](repeating: 0, count: cellCount)
    var invisibleDelta = [Int32](repeating: 0, count: cellCount)
    var visibleMoney = [Int64](repeating: 0, count: cellCount)
    var invisibleMoney = [Int64](repeating: 0, count: cellCount)
    var storyStamp = [Int32](repeating: -1, count: periodCount * 3)
    let spanBase = spanStart.daysSinceEpoch

    // Every cell is a sum of at most twice the magnitudes of all effective values; if that
    // fits in 64 bits, no sum below can overflow.
    var magnitude: UInt64 = 0
    var fits = true
    revisions.forEachElement { _, revision in
      let (sum, overflow) = magnitude.addingReportingOverflow(
        2 * revision.effectiveMonetised.magnitude)
      if overflow || sum > UInt64(Int64.max) { fits = false }
      magnitude = sum
    }
    guard fits else {
      throw LedgerError(.invalid, "the monetised values are too large to total exactly")
    }

    for storyIndex in 0..<stories.count {
      let node = storyColumn[storyIndex]
      guard node >= 0 else { continue }
      let column = Int(columnOfNode[Int(node)])
      var item = stories[storyIndex].firstItem
      while item >= 0 {
        let record = items[item]
        item = record.nextInStory
        let dimension = record.dimension.index
        var cursor = record.first
        var isFirst = true
        var previousVisible = false
        var previousMoney: Int64 = 0
        while cursor >= 0 {
          let revision = revisions[cursor]
          cursor = revision.next
          let period = Int(periodOfDay[Int(revision.day.daysSinceEpoch - spanBase)])
          if period >= 0 && period < periodCount {
            let cell = (period * columnCount + column) * 3 + dimension
            if isFirst { recorded[cell] += 1 }
            if !isFirst && revision.isVisible && !previousVisible { madeVisible[cell] += 1 }
            let stamp = period * 3 + dimension
            if storyStamp[stamp] != Int32(storyIndex) {
              storyStamp[stamp] = Int32(storyIndex)
              storiesCount[cell] += 1
            }
          }
          if period < periodCount {
            let cell = (max(period, 0) * columnCount + column) * 3 + dimension
            if !isFirst {
              if previousVisible {
                visibleDelta[cell] -= 1
                visibleMoney[cell] -= previousMoney
              } else {
                invisibleDelta[cell] -= 1
                invisibleMoney[cell] -= previousMoney
              }
            }
            if revision.isVisible {
              visibleDelta[cell] += 1
              visibleMoney[cell] += revision.effectiveMonetised
            } else {
              invisibleDelta[cell] += 1
              invisibleMoney[cell] += revision.effectiveMonetised
            }
          }
          isFirst = false
          previousVisible = revision.isVisible
          previousMoney = revision.effectiveMonetised
        }
      }
    }

    // Running sums turn the changes of stock into the stock at each period's end.
    let stride = columnCount * 3
    if periodCount > 1 {
      for cell in stride..<cellCount {
        visibleDelta[cell] += visibleDelta[cell - stride]
        invisibleDelta[cell] += invisibleDelta[cell - stride]
        visibleMoney[cell] += visibleMoney[cell - stride]
        invisibleMoney[cell] += invisibleMoney[cell - stride]
      }
    }

    let dimensions = Dimension.allCases
    for period in 0..<periodCount {
      let periodStart = starts[period]
      let periodEnd = (period + 1 < periodCount ? starts[period + 1] : rangeEnd.adding(days: 1))
        .adding(days: -1)
      for column in 0..<columnCount {
        let path = nodes[Int(levelNodes[column])].path
        for dimension in 0..<3 {
          let cell = (period * columnCount + column) * 3 + dimension
          try body(
            TimeSeriesRow(
              periodStart: periodStart, periodEnd: periodEnd, node: path, level: levelName,
              dimension: dimensions[dimension], stories: Int(storiesCount[cell]),
              itemsRecorded: Int(recorded[cell]), madeVisible: Int(madeVisible[cell]),
              visibleItems: Int(visibleDelta[cell]), invisibleItems: Int(invisibleDelta[cell]),
              monetisedVisible: Money(cents: visibleMoney[cell]),
              monetisedInvisible: Money(cents: invisibleMoney[cell])))
        }
      }
    }
  }
}
