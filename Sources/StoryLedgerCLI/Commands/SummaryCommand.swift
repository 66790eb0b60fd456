import Foundation
import StoryLedger

/// `storyledger summary NODE`: the six boxes of a subtree, with each child's.
enum SummaryCommand: Command {
  static let spec = CommandSpec(
    name: "summary", abstract: "the six boxes of NODE's subtree at a date, with each child's",
    arguments: "NODE [--as-of DATE] [--domain D] [--campaign C] [--trend | --no-trend] [--json]",
    discussion: """
      Counts the items of value in NODE's whole subtree by box (capacitating, calibrating,
      calculating; each visible and invisible) with their monetised totals, as of the end of
      DATE (default: everything recorded), then the same for each child node.

      The trend (visible items at each month end over twelve months, as sparklines; `trend`
      in --json) needs a pass over every item of the subtree, so it is shown by default only
      on ledgers of up to \(trendItemLimit) items, where that pass is quick; --trend always
      shows it and --no-trend never does. Without the trend a summary of everything recorded
      reads running totals and stays within milliseconds however large the ledger.

      --domain and --campaign count only the stories under that domain of change or in that
      campaign (see `domain add`, `campaign add`): their items, ratings and stories, in NODE's
      subtree and each child's; the trend is then not shown.
      """,
    examples: [
      "storyledger summary nhs",
      "storyledger summary nhs/london --as-of 2026-03-31 --json",
      "storyledger summary nhs --campaign \"Change Day 2026\"",
    ],
    options: [asOf] + StoryGroupOptions.all + [trend, noTrend, Flag.json])

  static let asOf = Option.day(
    "--as-of", "DATE", "figures as of the end of this day (YYYY-MM-DD)")
  static let trend = Flag("--trend", "show the twelve-month trend however large the ledger")
  static let noTrend = Flag("--no-trend", "do not show the trend")

  /// The largest ledger (in items) whose summary shows the trend without --trend.
  static let trendItemLimit = 200_000

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let path = try arguments.node()
    let day = try arguments.value(asOf)
    let ledger = try context.openLedger()
    let filter = try StoryGroupOptions.filter(arguments, in: ledger)
    let summary = try ledger.summary(of: path, asOf: day, stories: filter)
    if arguments.has(Self.trend) && arguments.has(noTrend) {
      throw UsageError("give --trend or --no-trend, not both", usage: spec.usage)
    }
    if arguments.has(Self.trend) && !filter.isEmpty {
      throw UsageError(
        "the trend counts every story: give --trend without --domain and --campaign",
        usage: spec.usage)
    }
    let showsTrend =
      filter.isEmpty
      && (arguments.has(Self.trend)
        || (!arguments.has(noTrend) && ledger.itemCount <= trendItemLimit))
    let trend =
      try showsTrend
      ? Trend(
        ledger.movement(
          of: [summary.total.node], through: Trend.months(in: ledger, endingOn: day)
        ).first) : nil
    if arguments.has(Flag.json) {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
      encoder.keyEncodingStrategy = .convertToSnakeCase
      let data = try encoder.encode(Output(summary: summary, trend: trend))
      context.console.write(bytes: Array(data) + [0x0A])
    } else {
      context.console.write(render(summary) + (trend?.render() ?? ""))
    }
  }

  /// The summary's JSON: its fields, and `trend` when it was computed.
  struct Output: Encodable {
    var summary: Summary
    var trend: Trend?

    enum Key: String, CodingKey { case trend }

    func encode(to encoder: any Encoder) throws {
      try summary.encode(to: encoder)
      var container = encoder.container(keyedBy: Key.self)
      try container.encodeIfPresent(trend, forKey: .trend)
    }
  }

  /// The summary as aligned text; with `childLimit`, only that many children with the most
  /// items are listed.
  static func render(_ summary: Summary, childLimit: Int? = nil) -> String {
    let money = summary.currency.map { " (\($0))" } ?? ""
    let total = summary.total
    var lines = [
      "\(total.node) · \(total.name) · \(total.level) · \(total.stories) stories · "
        + (summary.domain.map { "domain \(Console.oneLine($0)) · " } ?? "")
        + (summary.campaign.map { "campaign \(Console.oneLine($0)) · " } ?? "")
        + (summary.asOf.map { "as of \($0)" } ?? "everything recorded"),
      "",
    ]
    var table = TextTable(columns: [
      .init("dimension"), .init("visible", right: true), .init("invisible", right: true),
      .init("monetised visible\(money)", right: true),
      .init("monetised invisible\(money)", right: true),
    ])
    for dimension in Dimension.allCases {
      let figures = total.boxes[dimension]
      table.add([
        dimension.rawValue, String(figures.visible.items), String(figures.invisible.items),
        figures.visible.monetised.description, figures.invisible.monetised.description,
      ])
    }
    let sum = Dimension.allCases.reduce(into: DimensionFigures()) { result, dimension in
      for visibility in Visibility.allCases {
        result[visibility].items += total.boxes[dimension][visibility].items
        result[visibility].monetised += total.boxes[dimension][visibility].monetised
      }
    }
    table.add([
      "all", String(sum.visible.items), String(sum.invisible.items),
      sum.visible.monetised.description,
      sum.invisible.monetised.description,
    ])
    lines.append(table.render())
    let pledges = total.pledges
    if pledges.made > 0 {
      lines.append(
        "pledges: \(pledges.made) made · \(pledges.active) active · \(pledges.conditional) waiting for others · \(pledges.fulfilled) fulfilled · \(pledges.lapsed) lapsed · \(pledges.withdrawn) withdrawn"
      )
    }
    if let ratings = total.ratings {
      lines.append("ratings: \(RatingText.counts(ratings))")
    }
    if !summary.children.isEmpty {
      lines.append("")
      var children = TextTable(
        columns: [
          .init("child"), .init("level"), .init("stories", right: true),
          .init("capacitating v/i", right: true), .init("calibrating v/i", right: true),
          .init("calculating v/i", right: true), .init("monetised v/i\(money)", right: true),
        ] + (total.ratings == nil ? [] : [.init("ratings median (n)", right: true)]))
      var shown = summary.children
      if let childLimit, shown.count > childLimit {
        shown = Array(
          shown.sorted { $0.boxes.total.items > $1.boxes.total.items }.prefix(childLimit))
      }
      for child in shown {
        var ratings: [String] = []
        if total.ratings != nil {
          let counts = child.ratings ?? RatingCounts()
          ratings = [
            counts.median.map { "\(ItemCalibration.text($0)) (\(counts.ratings))" } ?? "—"
          ]
        }
        children.add(
          [child.node.description, child.level, String(child.stories)]
            + child.boxes.visibleSlashInvisible + ratings)
      }
      lines.append(children.render())
      if shown.count < summary.children.count {
        lines.append(
          "… and \(summary.children.count - shown.count) more children (the \(shown.count) with most items shown)"
        )
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }
}

/// Aligned text columns for people.
struct TextTable {
  struct Column {
    var title: String
    var isRightAligned: Bool
    init(_ title: String, right: Bool = false) {
      self.title = title
      self.isRightAligned = right
    }
  }
  var columns: [Column]
  var rows: [[String]] = []

  /// Adds a row; a line break in a cell is shown as ␤ so that a row stays one line.
  mutating func add(_ row: [String]) { rows.append(row.map(Console.oneLine)) }

  func render() -> String {
    var widths = columns.map { $0.title.count }
    for row in rows {
      for (index, cell) in row.enumerated() where index < widths.count {
        widths[index] = max(widths[index], cell.count)
      }
    }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { index, cell in
        let pad = String(repeating: " ", count: max(0, widths[index] - cell.count))
        return columns[index].isRightAligned ? pad + cell : cell + pad
      }.joined(separator: "  ").replacingOccurrences(
        of: "\\s+$", with: "", options: .regularExpression)
    }
    return ([line(columns.map(\.title))] + rows.map(line)).joined(separator: "\n")
  }
}

/// A subtree's items at each month end over the last twelve months (or a range), per
/// dimension, shown as sparklines in `summary` and `cascade up`.
struct Trend: Encodable {
  /// The last day of each month (the last cut to the date of the figures).
  var periodEnds: [Day]
  /// Per dimension, the visible items at each period end.
  var visible: [String: [Int]]
  /// Per dimension, the invisible items at each period end.
  var invisible: [String: [Int]]

  init(_ movement: NodeMovement?) {
    periodEnds = movement?.periods.map(\.end) ?? []
    var visible: [String: [Int]] = [:]
    var invisible: [String: [Int]] = [:]
    for dimension in Dimension.allCases {
      visible[dimension.rawValue] = movement?.visibleItems(of: dimension) ?? []
      invisible[dimension.rawValue] = movement?.invisibleItems(of: dimension) ?? []
    }
    self.visible = visible
    self.invisible = invisible
  }

  /// The twelve months to `day` (to the end of the month of the latest revision when `nil`).
  static func months(in ledger: Ledger, endingOn day: Day?) -> [DateRange] {
    LedgerState.periods(12, by: .month, endingOn: day ?? ledger.reportRange(by: .month).end)
  }

  /// The months of `range` when it has a start, else the twelve months to its end.
  static func months(in ledger: Ledger, range: DateRange?) -> [DateRange] {
    guard let range, range.start > Day.earliest else {
      return months(in: ledger, endingOn: range?.end)
    }
    return LedgerState.periods(covering: range, by: .month).map {
      DateRange(start: max($0.start, range.start), end: min($0.end, range.end))
    }
  }

  /// One line per dimension: the sparkline of its visible items and the first and last count.
  func render() -> String {
    guard let first = periodEnds.first, let last = periodEnds.last else { return "" }
    let from = String(first.description.prefix(7))
    let to = String(last.description.prefix(7))
    var lines = ["", "visible items at each month end, \(from) to \(to):"]
    for dimension in Dimension.allCases {
      let values = visible[dimension.rawValue] ?? []
      lines.append(
        "  " + dimension.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)
          + SVGChart.sparkline(values) + "  \(values.first ?? 0) → \(values.last ?? 0)")
    }
    return lines.joined(separator: "\n") + "\n"
  }
}

extension SixBoxes {
  /// Table cells: `visible/invisible` items of each dimension, then `visible/invisible`
  /// monetised over all three.
  var visibleSlashInvisible: [String] {
    var cells: [String] = []
    var visible = Money.zero
    var invisible = Money.zero
    for dimension in Dimension.allCases {
      cells.append("\(self[dimension].visible.items)/\(self[dimension].invisible.items)")
      visible += self[dimension].visible.monetised
      invisible += self[dimension].invisible.monetised
    }
    return cells + ["\(visible)/\(invisible)"]
  }
}
