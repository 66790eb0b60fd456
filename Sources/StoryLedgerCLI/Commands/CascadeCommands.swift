import Foundation
import StoryLedger

/// Options shared by the cascade commands.
enum CascadeOptions {
  static let period = Option.range(
    "--period", "P",
    "figures at the end of P, movement during it: 2026, 2026-Q1, 2026-03, 2026-W05, a day, or FROM..TO"
  )
  static let asOf = Option.day(
    "--as-of", "DATE", "figures as of the end of DATE (movement: everything before)")
  static let options: [any OptionDeclaration] = [period, asOf, Flag.json]

  /// The range the options give: `--period`, or everything up to `--as-of`, or `nil`.
  static func range(_ arguments: ParsedArguments, usage: String) throws -> DateRange? {
    let asOf = try arguments.value(Self.asOf)
    let period = try arguments.value(Self.period)
    if asOf != nil && period != nil {
      throw UsageError("give --period or --as-of, not both", usage: usage)
    }
    if let period { return period }
    if let asOf { return DateRange(start: .earliest, end: asOf) }
    return nil
  }
}

/// `storyledger cascade up NODE`: the subtree rolled up level by level.
enum CascadeUpCommand: Command {
  static let spec = CommandSpec(
    name: "cascade up",
    abstract: "NODE's subtree rolled up level by level, with the value made visible",
    arguments: "NODE [--period P | --as-of DATE] [--depth N] [--json]",
    discussion: """
      For each level from NODE's own down to the deepest (or --depth levels below), the six
      boxes of every node at that level (each its whole subtree) and the level's total: the
      value told at that level or below. "made visible" counts the revisions in the period
      that turned an invisible item visible; "pledges a/f/l" counts pledges active, fulfilled
      and lapsed at the period's end. Figures are at the end of the period (or
      --as-of), everything recorded by default.
      """,
    examples: [
      "storyledger cascade up nhs/north-east --period 2026-Q1",
      "storyledger cascade up nhs --depth 1 --as-of 2026-06-30 --json",
    ],
    options: [depth] + CascadeOptions.options)

  static let depth = Option.integer(
    "--depth", "N", "show N levels below NODE (default 2)", in: 0...64)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let path = try arguments.node()
    let range = try CascadeOptions.range(arguments, usage: spec.usage)
    let depth = try arguments.value(Self.depth) ?? 2
    let ledger = try context.openLedger()
    var cascade = try ledger.cascadeUp(of: path, range: range)
    cascade.levels = Array(cascade.levels.prefix(depth + 1))
    if arguments.has(Flag.json) {
      try JSONOutput.write(cascade, to: context)
      return
    }
    let money = cascade.currency.map { " (\($0))" } ?? ""
    var lines: [String] = []
    let when =
      range.map { $0.start == .earliest ? "as of \($0.end)" : "period \($0)" }
      ?? "everything recorded"
    lines.append("cascade up from \(path) · \(when)")
    // Visible items month by month: for NODE per dimension, and for every node listed.
    let months = Trend.months(in: ledger, range: range)
    let listed = cascade.levels.flatMap { $0.nodes.prefix(40).map(\.node) }
    let movements = try ledger.movement(of: listed, through: months)
    var trendOf: [NodePath: [Int]] = [:]
    for movement in movements { trendOf[movement.node] = movement.visibleItems }
    if let own = movements.first, own.node == cascade.levels.first?.nodes.first?.node {
      lines.append("")
      lines += Trend(own).render().split(separator: "\n").map(String.init)
    }
    for level in cascade.levels {
      lines.append("")
      lines.append(
        "\(level.level) (\(level.nodes.count) \(level.nodes.count == 1 ? "node" : "nodes")) · value told at \(level.level) level or below"
      )
      var table = TextTable(columns: [
        .init("node"), .init("stories", right: true), .init("capacitating v/i", right: true),
        .init("calibrating v/i", right: true), .init("calculating v/i", right: true),
        .init("monetised v/i\(money)", right: true), .init("made visible", right: true),
        .init("pledges a/f/l", right: true), .init("visible by month"),
      ])
      func row(_ figures: CascadeFigures, label: String, trend: [Int]?) -> [String] {
        var cells = [label, String(figures.stories)] + figures.boxes.visibleSlashInvisible
        cells.append(String(figures.totalMadeVisible))
        cells.append(
          "\(figures.pledges.active)/\(figures.pledges.fulfilled)/\(figures.pledges.lapsed)")
        cells.append(trend.map(SVGChart.sparkline) ?? "")
        return cells
      }
      let shown = level.nodes.prefix(40)
      for node in shown {
        table.add(row(node, label: node.node.description, trend: trendOf[node.node]))
      }
      if level.nodes.count > 1 {
        // The level's total is every node's, listed or not; its trend only when all are listed.
        let total =
          shown.count == level.nodes.count
          ? shown.reduce(into: [Int](repeating: 0, count: months.count)) { sum, node in
            for (index, value) in (trendOf[node.node] ?? []).enumerated() { sum[index] += value }
          } : nil
        table.add(row(level.total, label: "all \(level.level)", trend: total))
      }
      lines.append(table.render())
      if level.nodes.count > shown.count {
        lines.append("… and \(level.nodes.count - shown.count) more (--json lists every node)")
      }
    }
    context.console.write(lines.joined(separator: "\n") + "\n")
  }
}

/// `storyledger cascade down NODE`: what reaches NODE from its ancestors.
enum CascadeDownCommand: Command {
  static let spec = CommandSpec(
    name: "cascade down", abstract: "what reaches NODE from its ancestors",
    arguments: "NODE [--period P | --as-of DATE] [--json]",
    discussion: """
      Each ancestor of NODE from the top down, with the six boxes of its subtree, so a team
      sees the value of the organisation, region and nation it belongs to, and where its own
      figures sit among them.
      """,
    examples: [
      "storyledger cascade down nhs/north-east/trust-07/team-03",
      "storyledger cascade down nhs/north-east/trust-07 --as-of 2026-03-31 --json",
    ],
    options: CascadeOptions.options)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let path = try arguments.node()
    let range = try CascadeOptions.range(arguments, usage: spec.usage)
    let ledger = try context.openLedger()
    let cascade = try ledger.cascadeDown(of: path, asOf: range?.end)
    if arguments.has(Flag.json) {
      try JSONOutput.write(cascade, to: context)
      return
    }
    var lines = [
      "cascade down to \(cascade.node) · "
        + (cascade.asOf.map { "as of \($0)" } ?? "everything recorded")
    ]
    if cascade.ancestors.isEmpty {
      lines.append("")
      lines.append("\(cascade.node) is at the top of the hierarchy: nothing comes down to it")
    }
    for summary in cascade.ancestors {
      lines.append("")
      lines.append(SummaryCommand.render(summary, childLimit: 5).trimmingCharacters(in: .newlines))
    }
    if !cascade.inbox.isEmpty {
      lines.append("")
      lines.append("what came down (feedback, selections, settled accounts), newest first:")
      lines.append(InboxCommand.render(cascade.inbox))
    }
    context.console.write(lines.joined(separator: "\n") + "\n")
  }
}
