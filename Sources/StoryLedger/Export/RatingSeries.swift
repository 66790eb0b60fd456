/// One row of the ratings time series (`export ratings`): a period, a node at the query's
/// level (its whole subtree counted) and a dimension.
///
/// Each column is defined in <doc:TimeSeries>. For period P = [start, end], node N and
/// dimension D, over the items of dimension D of N's active stories:
///
/// - `ratings_recorded`: ratings (`item rate`) dated in P.
/// - `items_rated`: items with at least one rating that counts at the end of P (each
///   person's latest rating of the item dated on or before `end`).
/// - `ratings`: the ratings that count at the end of P.
/// - `median`, `minimum`, `maximum`: of those ratings; empty when there are none.
/// - `items_compared`: items with ratings that count and an agreed value at the end of P
///   (the latest of `item agree` and the weight of `item add`/`item revise` dated on or
///   before `end`).
/// - `median_distance`: the median, over those items, of |agreed value − the item's
///   ratings' median|; empty when there are none.
public struct RatingSeriesRow: SeriesRow, Hashable {
  /// The first day of the period.
  public var periodStart: Day
  /// The last day of the period (inclusive).
  public var periodEnd: Day
  /// The node.
  public var node: NodePath
  /// Its level name.
  public var level: String
  /// The dimension of the items counted.
  public var dimension: Dimension
  /// Ratings dated in the period.
  public var ratingsRecorded = 0
  /// The spread at the end of the period.
  public var counts = RatingCounts()

  /// The CSV column names, in order (<doc:TimeSeries>).
  public static let columns = [
    "period_start", "period_end", "node", "level", "dimension", "ratings_recorded",
    "items_rated", "ratings", "median", "minimum", "maximum", "items_compared",
    "median_distance",
  ]

  /// Appends the row as a CSV line or a JSON object line (counts and medians as numbers; an
  /// empty median, range or distance as `null`).
  public func append(as format: ExportFormat, to bytes: inout [UInt8]) {
    let counts: [Int] = [ratingsRecorded, self.counts.itemsRated, self.counts.ratings]
    let spread: [String?] = [
      self.counts.median.map(ItemCalibration.text), self.counts.minimum.map(String.init),
      self.counts.maximum.map(String.init),
    ]
    let distance = self.counts.medianDistance.map(ItemCalibration.text)
    switch format {
    case .csv:
      TextEncoding.appendCSVDimensionRow(
        periodStart, periodEnd, node: node, level: level, dimension: dimension, counts: counts,
        to: &bytes)
      for text in spread {
        bytes.append(UInt8(ascii: ","))
        bytes.append(contentsOf: (text ?? "").utf8)
      }
      bytes.append(UInt8(ascii: ","))
      TextEncoding.appendInteger(self.counts.itemsCompared, to: &bytes)
      bytes.append(UInt8(ascii: ","))
      bytes.append(contentsOf: (distance ?? "").utf8)
      bytes.append(0x0A)
    case .jsonl:
      var object = JSONObjectWriter(bytes: bytes)
      object.string("period_start", periodStart.description)
      object.string("period_end", periodEnd.description)
      object.string("node", node.description)
      object.string("level", level)
      object.string("dimension", dimension.rawValue)
      for (name, count) in zip(Self.columns[5...7], counts) { object.number(name, count) }
      for (name, text) in zip(Self.columns[8...10], spread) { object.raw(name, text ?? "null") }
      object.number("items_compared", self.counts.itemsCompared)
      object.raw("median_distance", distance ?? "null")
      bytes = object.finish()
      bytes.append(0x0A)
    }
  }
}

extension Ledger {
  /// The ratings time series of `query` (its period, level and bounds), row by row: one row
  /// per period, node at the level and dimension, sorted by period, node path (byte order)
  /// and dimension order, zero filled; see ``RatingSeriesRow`` for the definitions.
  ///
  /// Periods run from the one holding the earliest rating or agreed value (`item agree`) of
  /// an item of an active story (or `from`) to the one holding the latest (or `to`); nodes
  /// are those at the level with such an item in their subtree. Stories at nodes shallower
  /// than the level are left out. A domain or campaign in `query.stories` keeps the stories
  /// counted and the nodes, not the periods, which stay the whole ledger's.
  ///
  /// ```swift
  /// try ledger.ratingSeries(try TimeSeriesQuery(period: .quarter, level: "region")) { row in
  ///   print(row.periodStart, row.node, row.dimension, row.counts.median ?? 0)
  /// }
  /// ```
  public func ratingSeries(_ query: TimeSeriesQuery, _ emit: (RatingSeriesRow) throws -> Void)
    throws
  {
    func body(_ row: RatingSeriesRow) throws { if isReadable(row.node) { try emit(row) } }
    let state = self.state
    let (depth, levelName) = try query.level(in: state.configuration)
    let index = state.ratingIndex()
    let mask = try state.storyMask(query.stories).mask
    // The items counted, each with its node at the level. The periods are the whole
    // ledger's, whatever `query.stories` keeps, so that filtered series line up.
    var nodeOfItem: [Int32: Int32] = [:]
    var days: [Day] = []
    for item in index.items {
      let node = state.ancestor(of: state.stories[state.items[item].story].node, atDepth: depth)
      guard node >= 0 else { continue }
      days += (index.ratings[item] ?? []).map(\.day)
      days += (index.agreements[item] ?? []).map(\.day)
      if mask?[Int(state.items[item].story)] ?? true { nodeOfItem[item] = node }
    }
    guard let earliest = days.min(), let latest = days.max() else { return }
    let weights = try weightMarks(of: Array(nodeOfItem.keys), in: state)
    let nodes = Set(nodeOfItem.values).sorted {
      state.nodes[Int($0)].path < state.nodes[Int($1)].path
    }
    let itemsByNode = Dictionary(grouping: nodeOfItem.keys.sorted(), by: { nodeOfItem[$0] ?? -1 })
    for range in query.periods(earliest: earliest, latest: latest) {
      let (start, end) = (range.start, range.end)
      for node in nodes {
        for dimension in Dimension.allCases {
          var row = RatingSeriesRow(
            periodStart: start, periodEnd: end, node: state.nodes[Int(node)].path,
            level: levelName, dimension: dimension)
          var calibrations: [ItemCalibration] = []
          for item in itemsByNode[node] ?? [] where state.items[item].dimension == dimension {
            row.ratingsRecorded +=
              (index.ratings[item] ?? []).filter { range.contains($0.day) }
              .count
            if let calibration = state.calibration(
              of: item, asOf: end, index: index, weights: weights[item] ?? [], showNames: false)
            {
              calibrations.append(calibration)
            }
          }
          row.counts = RatingCounts(calibrations)
          try body(row)
        }
      }
    }
  }
}
