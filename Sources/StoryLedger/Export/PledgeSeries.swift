/// One row of the pledge time series: a period and a node at the query's level (its whole
/// subtree counted).
///
/// Definitions, for period P = [start, end] and node N:
///
/// - `made`: pledges made at a node of N's subtree with a date in P.
/// - `joined`: joinings of those pledges dated in P.
/// - `fulfilled`: pledges fulfilled by a story on a date in P.
/// - `withdrawn`: pledges withdrawn on a date in P.
/// - `lapsed`: pledges whose first day past due (the day after the due date) falls in P and
///   that were neither fulfilled nor withdrawn on or before the due date.
/// - `active_at_end`: pledges made on or before `end` that at the end of `end` are not
///   withdrawn, fulfilled or past due, and whose condition ("if N others join") is met.
/// - `conditional_at_end`: the same, but still waiting for others to join.
///
/// Rows run from the period holding the earliest pledge date (made, joined, fulfilled,
/// withdrawn, lapsed) in the ledger (or `--from`) to the one holding the latest (or `--to`),
/// for every node at the level with at least one pledge in its subtree, zero filled, sorted
/// by period then node path (byte order). Pledges at nodes shallower than the level are left
/// out.
public struct PledgeSeriesRow: SeriesRow, Hashable {
  /// The first day of the period.
  public var periodStart: Day
  /// The last day of the period (inclusive).
  public var periodEnd: Day
  /// The node.
  public var node: NodePath
  /// Its level name.
  public var level: String
  /// Pledges made in the period.
  public var made = 0
  /// Joinings in the period.
  public var joined = 0
  /// Pledges fulfilled in the period.
  public var fulfilled = 0
  /// Pledges withdrawn in the period.
  public var withdrawn = 0
  /// Pledges that lapsed in the period (their due date in it, unfulfilled by then).
  public var lapsed = 0
  /// Pledges active at the end of the period.
  public var activeAtEnd = 0
  /// Pledges still waiting for others to join at the end of the period.
  public var conditionalAtEnd = 0

  /// The CSV column names, in order.
  public static let columns = [
    "period_start", "period_end", "node", "level", "made", "joined", "fulfilled", "withdrawn",
    "lapsed", "active_at_end", "conditional_at_end",
  ]

  /// Appends the row as a CSV line or a JSON object line.
  public func append(as format: ExportFormat, to bytes: inout [UInt8]) {
    CountRow.append(
      start: periodStart, end: periodEnd, texts: [node.description, level],
      counts: [made, joined, fulfilled, withdrawn, lapsed, activeAtEnd, conditionalAtEnd],
      columns: Self.columns, as: format, to: &bytes)
  }
}

extension LedgerState {
  /// The pledge time series of `query` (its period, level and bounds), row by row in order;
  /// see ``PledgeSeriesRow`` for the definitions.
  ///
  /// ```swift
  /// try ledger.state.pledgeSeries(try TimeSeriesQuery(period: .quarter, level: "region")) { row in
  ///   print(row.periodStart, row.node, row.made, row.activeAtEnd)
  /// }
  /// ```
  public func pledgeSeries(_ query: TimeSeriesQuery, _ body: (PledgeSeriesRow) throws -> Void)
    throws
  {
    let (depth, levelName) = try query.level(in: configuration)
    let model = dialogueModel()
    let pledges = model.pledgeOrder.compactMap { model.pledges[$0] }.filter {
      $0.made.node.depth >= depth
    }
    var days: [Day] = []
    for pledge in pledges {
      days.append(pledge.made.on)
      days += pledge.joins.map(\.on)
      if let fulfilled = pledge.fulfilled { days.append(fulfilled.on) }
      if let withdrawn = pledge.withdrawn { days.append(withdrawn) }
      if let due = pledge.made.due, Self.lapses(pledge, due: due) {
        days.append(due.adding(days: 1))
      }
    }
    guard let earliest = days.min(), let latest = days.max() else { return }
    let nodes = Set(pledges.map { $0.made.node.prefix(depth: depth) }).sorted()
    for range in query.periods(earliest: earliest, latest: latest) {
      let (start, end) = (range.start, range.end)
      for node in nodes {
        var row = PledgeSeriesRow(periodStart: start, periodEnd: end, node: node, level: levelName)
        for pledge in pledges where node.contains(pledge.made.node) {
          if range.contains(pledge.made.on) { row.made += 1 }
          row.joined += pledge.joins.filter { range.contains($0.on) }.count
          if let fulfilled = pledge.fulfilled, range.contains(fulfilled.on) { row.fulfilled += 1 }
          if let withdrawn = pledge.withdrawn, range.contains(withdrawn) { row.withdrawn += 1 }
          if let due = pledge.made.due, range.contains(due.adding(days: 1)),
            pledge.fulfilled.map({ $0.on > due }) ?? true,
            pledge.withdrawn.map({ $0 > due }) ?? true
          {
            row.lapsed += 1
          }
          guard pledge.made.on <= end else { continue }
          switch Self.status(of: pledge, asOf: end) {
          case .active: row.activeAtEnd += 1
          case .conditional: row.conditionalAtEnd += 1
          default: break
          }
        }
        try body(row)
      }
    }
  }

  /// Whether a pledge due on `due` lapses: it was neither fulfilled nor withdrawn by then.
  static func lapses(_ pledge: DialogueModel.Pledge, due: Day) -> Bool {
    (pledge.fulfilled.map { $0.on > due } ?? true) && (pledge.withdrawn.map { $0 > due } ?? true)
  }
}
