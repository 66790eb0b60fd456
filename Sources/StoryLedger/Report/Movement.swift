/// The figures of a subtree over one period: its six boxes at the period's end and the
/// movement during it.
///
/// The definitions are those of the time-series export (<doc:TimeSeries>) and of ``Summary``: an
/// item counts at a date when its story has been told by then and it has a revision dated
/// on or before it.
public struct PeriodFigures: Hashable, Sendable, Codable {
  /// The period's first day.
  public var start: Day
  /// The period's last day (inclusive): the boxes are as of its end.
  public var end: Day
  /// The six boxes at the end of the period.
  public var boxes: SixBoxes
  /// Per dimension (in order), the revisions in the period that made an item visible.
  public var madeVisible: [Int]
  /// Per dimension (in order), the items first recorded in the period.
  public var itemsRecorded: [Int]

  /// Creates figures.
  public init(
    start: Day, end: Day, boxes: SixBoxes = SixBoxes(), madeVisible: [Int] = [0, 0, 0],
    itemsRecorded: [Int] = [0, 0, 0]
  ) {
    self.start = start
    self.end = end
    self.boxes = boxes
    self.madeVisible = madeVisible
    self.itemsRecorded = itemsRecorded
  }
}

/// One node's subtree through a sequence of periods: how its value moved.
///
/// ```swift
/// let periods = LedgerState.periods(covering: try DateRange(parsing: "2026"), by: .month)
/// let movement = try state.movement(of: [try NodePath(parsing: "nhs")], through: periods)
/// movement[0].visibleItems(of: .calculating)  // twelve month-end counts
/// ```
public struct NodeMovement: Hashable, Sendable, Codable {
  /// The node (its whole subtree is counted).
  public var node: NodePath
  /// Its display name.
  public var name: String
  /// Its level name.
  public var level: String
  /// The figures of each period, in order.
  public var periods: [PeriodFigures]

  /// The visible items of `dimension` at the end of each period.
  public func visibleItems(of dimension: Dimension) -> [Int] {
    periods.map { $0.boxes[dimension].visible.items }
  }

  /// The invisible items of `dimension` at the end of each period.
  public func invisibleItems(of dimension: Dimension) -> [Int] {
    periods.map { $0.boxes[dimension].invisible.items }
  }

  /// The visible items of all dimensions at the end of each period.
  public var visibleItems: [Int] {
    periods.map { period in Dimension.allCases.reduce(0) { $0 + period.boxes[$1].visible.items } }
  }
}

extension LedgerState {
  /// The consecutive periods of kind `period` that cover `range`: from the one holding its
  /// first day to the one holding its last.
  ///
  /// ```swift
  /// LedgerState.periods(covering: try DateRange(parsing: "2026-Q1"), by: .month).count  // 3
  /// ```
  public static func periods(covering range: DateRange, by period: Period) -> [DateRange] {
    var result: [DateRange] = []
    var start = period.start(of: range.start)
    while start <= range.end {
      let next = period.next(after: start)
      result.append(DateRange(start: start, end: next.adding(days: -1)))
      start = next
    }
    return result
  }

  /// The last `count` periods of kind `period` up to the one holding `end`, the last cut
  /// to end on `end`: for example the twelve months to a date.
  ///
  /// ```swift
  /// let months = LedgerState.periods(12, by: .month, endingOn: try Day(parsing: "2026-06-15"))
  /// months.first?.start.description  // "2025-07-01"
  /// months.last?.end.description     // "2026-06-15"
  /// ```
  public static func periods(_ count: Int, by period: Period, endingOn end: Day) -> [DateRange] {
    guard count > 0 else { return [] }
    var starts = [period.start(of: end)]
    while starts.count < count, let first = starts.first, first > Day.earliest {
      starts.insert(period.start(of: first.adding(days: -1)), at: 0)
    }
    return starts.enumerated().map { index, start in
      DateRange(
        start: start, end: index + 1 < starts.count ? starts[index + 1].adding(days: -1) : end)
    }
  }

  /// How the value of each node's subtree moved through `periods`: the six boxes at each
  /// period's end, and the items recorded and made visible during each.
  ///
  /// The periods must be in date order and must not overlap; movement between two periods
  /// that leave a gap counts in neither. The nodes may nest (a node and its children). One
  /// scan of the stories under the nodes answers every node and period.
  ///
  /// - Throws: ``LedgerError`` when a node does not exist.
  public func movement(of paths: [NodePath], through periods: [DateRange]) throws(LedgerError)
    -> [NodeMovement]
  {
    let targets = try paths.map { path throws(LedgerError) in try node(at: path) }
    let periodCount = periods.count
    let slotCount = targets.count
    // Each node's slots: the requested nodes whose subtree holds it.
    var slotsOfNode = [[Int32]](repeating: [], count: nodes.count)
    for (slot, target) in targets.enumerated() {
      var pending = [target]
      while let next = pending.popLast() {
        slotsOfNode[Int(next)].append(Int32(slot))
        pending.append(contentsOf: nodes[Int(next)].children)
      }
    }
    let cellCount = slotCount * periodCount * 3
    var visible = [Int](repeating: 0, count: cellCount)
    var invisible = [Int](repeating: 0, count: cellCount)
    var visibleMoney = [Int64](repeating: 0, count: cellCount)
    var invisibleMoney = [Int64](repeating: 0, count: cellCount)
    var madeVisible = [Int](repeating: 0, count: cellCount)
    var recorded = [Int](repeating: 0, count: cellCount)
    let ends = periods.map(\.end)
    /// The first period ending on or after `day` (`periodCount` when none does).
    func periodIndex(of day: Day) -> Int {
      var low = 0
      var high = periodCount
      while low < high {
        let middle = (low + high) / 2
        if ends[middle] < day { low = middle + 1 } else { high = middle }
      }
      return low
    }
    if periodCount > 0, slotCount > 0 {
      stories.forEachElement { storyIndex, story in
        let slots = slotsOfNode[Int(story.node)]
        guard !slots.isEmpty, !isWithdrawn(Int32(storyIndex)) else { return }
        var item = story.firstItem
        while item >= 0 {
          let record = items[item]
          item = record.nextInStory
          let dimension = Int(record.dimensionIndex)
          var cursor = record.first
          var isFirst = true
          var previousVisible = false
          var previousMoney: Int64 = 0
          while cursor >= 0 {
            let revision = revisions[cursor]
            cursor = revision.next
            // An item counts from its revisions' own dates, as in a summary and the time
            // series.
            let day = revision.day
            let period = periodIndex(of: day)
            guard period < periodCount else { break }
            let isInPeriod = periods[period].start <= day
            let isMadeVisible = !isFirst && revision.isVisible && !previousVisible
            for slot in slots {
              let cell = (Int(slot) * periodCount + period) * 3 + dimension
              if isInPeriod {
                if isFirst { recorded[cell] += 1 }
                if isMadeVisible { madeVisible[cell] += 1 }
              }
              if !isFirst {
                if previousVisible {
                  visible[cell] -= 1
                  visibleMoney[cell] &-= previousMoney
                } else {
                  invisible[cell] -= 1
                  invisibleMoney[cell] &-= previousMoney
                }
              }
              if revision.isVisible {
                visible[cell] += 1
                visibleMoney[cell] &+= revision.effectiveMonetised
              } else {
                invisible[cell] += 1
                invisibleMoney[cell] &+= revision.effectiveMonetised
              }
            }
            isFirst = false
            previousVisible = revision.isVisible
            previousMoney = revision.effectiveMonetised
          }
        }
      }
    }
    var result: [NodeMovement] = []
    for (slot, target) in targets.enumerated() {
      var figures: [PeriodFigures] = []
      var boxes = SixBoxes()
      for (period, range) in periods.enumerated() {
        var entry = PeriodFigures(start: range.start, end: range.end)
        for dimension in Dimension.allCases {
          let cell = (slot * periodCount + period) * 3 + dimension.index
          // Running sums turn the changes of stock into the stock at each period's end.
          boxes[dimension].visible.items += visible[cell]
          boxes[dimension].invisible.items += invisible[cell]
          boxes[dimension].visible.monetised = Money(
            cents: boxes[dimension].visible.monetised.cents &+ visibleMoney[cell])
          boxes[dimension].invisible.monetised = Money(
            cents: boxes[dimension].invisible.monetised.cents &+ invisibleMoney[cell])
          entry.madeVisible[dimension.index] = madeVisible[cell]
          entry.itemsRecorded[dimension.index] = recorded[cell]
        }
        entry.boxes = boxes
        figures.append(entry)
      }
      let record = nodes[Int(target)]
      result.append(
        NodeMovement(
          node: record.path, name: record.name,
          level: configuration.level(ofDepth: record.depth) ?? "", periods: figures))
    }
    return result
  }
}
