/// The periods of a time series and a table from day to period, over a span of days.
struct PeriodTable {
  /// The first day of each period, in order.
  let starts: [Day]
  /// The last day of the last period.
  let rangeEnd: Day
  private let spanBase: Int32
  /// The period index of each day of the span: -1 before the first period, `count` after
  /// the last.
  private let periodOfDay: [Int32]

  /// The periods of kind `period` from the one holding `firstDay` to the one holding
  /// `lastDay`, indexed for every day from `spanStart` to `spanEnd`; `nil` when there is none.
  init?(_ period: Period, from firstDay: Day, to lastDay: Day, spanning days: ClosedRange<Day>) {
    var starts: [Day] = []
    var start = period.start(of: firstDay)
    while start <= lastDay {
      starts.append(start)
      start = period.next(after: start)
    }
    guard let rangeStart = starts.first else { return nil }
    let rangeEnd = start.adding(days: -1)
    let spanStart = min(rangeStart, days.lowerBound)
    let spanEnd = max(rangeEnd, days.upperBound)
    var table = [Int32](
      repeating: 0, count: Int(spanEnd.daysSinceEpoch - spanStart.daysSinceEpoch) + 1)
    var index: Int32 = -1
    var nextStart = rangeStart
    for offset in table.indices {
      let day = spanStart.adding(days: offset)
      if day > rangeEnd {
        index = Int32(starts.count)
      } else if day >= nextStart {
        index += 1
        nextStart = period.next(after: nextStart)
      }
      table[offset] = index
    }
    self.starts = starts
    self.rangeEnd = rangeEnd
    self.spanBase = spanStart.daysSinceEpoch
    self.periodOfDay = table
  }

  /// The number of periods.
  var count: Int { starts.count }

  /// The period holding `day` (a day of the span): -1 before the first, `count` after the last.
  @inline(__always)
  func index(of day: Day) -> Int { Int(periodOfDay[Int(day.daysSinceEpoch - spanBase)]) }

  /// The last day of period `index`.
  func end(of index: Int) -> Day {
    (index + 1 < count ? starts[index + 1] : rangeEnd.adding(days: 1)).adding(days: -1)
  }
}

/// The time series' figures (<doc:TimeSeries>) for a grid of (period, column, dimension)
/// cells, filled story by story: the export by node and the export by answer share it.
struct SeriesCells {
  let periods: PeriodTable
  let columnCount: Int
  private var storiesCount: [Int32]
  private var recorded: [Int32]
  private var madeVisible: [Int32]
  private var visibleDelta: [Int32]
  private var invisibleDelta: [Int32]
  private var visibleMoney: [Int64]
  private var invisibleMoney: [Int64]
  /// The stamp of the last story counted in each (period, dimension).
  private var storyStamp: [Int32]

  /// Empty cells; `state`'s monetised values must total exactly in 64 bits.
  ///
  /// - Throws: ``LedgerError`` when they do not: every cell is a sum of at most twice the
  ///   magnitudes of all effective values, so when that fits, no sum below overflows.
  init(periods: PeriodTable, columnCount: Int, state: LedgerState) throws(LedgerError) {
    var magnitude: UInt64 = 0
    var fits = true
    state.revisions.forEachElement { _, revision in
      let (sum, overflow) = magnitude.addingReportingOverflow(
        2 * revision.effectiveMonetised.magnitude)
      if overflow || sum > UInt64(Int64.max) { fits = false }
      magnitude = sum
    }
    guard fits else {
      throw LedgerError(.invalid, "the monetised values are too large to total exactly")
    }
    self.periods = periods
    self.columnCount = columnCount
    let cellCount = periods.count * columnCount * 3
    storiesCount = [Int32](repeating: 0, count: cellCount)
    recorded = storiesCount
    madeVisible = storiesCount
    visibleDelta = storiesCount
    invisibleDelta = storiesCount
    visibleMoney = [Int64](repeating: 0, count: cellCount)
    invisibleMoney = visibleMoney
    storyStamp = [Int32](repeating: -1, count: periods.count * 3)
  }

  /// Adds the items of the story at `story` to `column`; `stamp` tells this (story, column)
  /// apart from every other one added (a story counts once per period and dimension).
  mutating func add(story: Int32, column: Int, stamp: Int32, in state: LedgerState) {
    let periodCount = periods.count
    var item = state.stories[story].firstItem
    while item >= 0 {
      let record = state.items[item]
      item = record.nextInStory
      let dimension = record.dimension.index
      var cursor = record.first
      var isFirst = true
      var previousVisible = false
      var previousMoney: Int64 = 0
      while cursor >= 0 {
        let revision = state.revisions[cursor]
        cursor = revision.next
        let period = periods.index(of: revision.day)
        if period >= 0 && period < periodCount {
          let cell = (period * columnCount + column) * 3 + dimension
          if isFirst { recorded[cell] += 1 }
          if !isFirst && revision.isVisible && !previousVisible { madeVisible[cell] += 1 }
          let slot = period * 3 + dimension
          if storyStamp[slot] != stamp {
            storyStamp[slot] = stamp
            storiesCount[cell] += 1
          }
        }
        if period < periodCount {
          // Changes of stock, dated in their period (or the first one when earlier).
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

  /// Turns the changes of stock into the stock at each period's end (running sums); call
  /// once, after every story is added.
  mutating func accumulate() {
    let stride = columnCount * 3
    guard periods.count > 1 else { return }
    for cell in stride..<(periods.count * stride) {
      visibleDelta[cell] += visibleDelta[cell - stride]
      invisibleDelta[cell] += invisibleDelta[cell - stride]
      visibleMoney[cell] += visibleMoney[cell - stride]
      invisibleMoney[cell] += invisibleMoney[cell - stride]
    }
  }

  /// The row of `period`, `column` and `dimension` (an index in ``Dimension/allCases``).
  func row(period: Int, column: Int, dimension: Int, node: NodePath, level: String)
    -> TimeSeriesRow
  {
    let cell = (period * columnCount + column) * 3 + dimension
    return TimeSeriesRow(
      periodStart: periods.starts[period], periodEnd: periods.end(of: period), node: node,
      level: level, dimension: Dimension.allCases[dimension], stories: Int(storiesCount[cell]),
      itemsRecorded: Int(recorded[cell]), madeVisible: Int(madeVisible[cell]),
      visibleItems: Int(visibleDelta[cell]), invisibleItems: Int(invisibleDelta[cell]),
      monetisedVisible: Money(cents: visibleMoney[cell]),
      monetisedInvisible: Money(cents: invisibleMoney[cell]))
  }
}
