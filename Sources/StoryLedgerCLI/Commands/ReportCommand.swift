import Foundation
import StoryLedger

/// `storyledger report NODE --output FILE`: a self-contained HTML page that makes value
/// visible.
enum ReportCommand: Command {
  static let spec = CommandSpec(
    name: "report", abstract: "a self-contained HTML page with charts that makes value visible",
    arguments: "NODE --output FILE [--period P | --from DATE --to DATE] [--by PERIOD]",
    discussion: """
      Writes one HTML page about NODE's whole subtree that a facilitator can email, open in
      any browser or print: the six boxes at the end of the range and how they moved, the
      visible and invisible items of each dimension period by period with the value made
      visible, each child node with its own six boxes and trend, and the dialogue (accounts
      and their states, stale ones marked; the stories selected as most significant with
      their reasons; feedback; pledges). Story titles and narratives appear only where their
      share scope reaches NODE (the subtree of the story's ancestor at its share level).

      The range is --period P (2026, 2026-Q1, 2026-03, 2026-W05, a day, or FROM..TO, as in
      `cascade up`), or --from/--to, or by default whole periods from the earliest item
      revision to the latest. --by sets the length of each period in the charts (day, week,
      month, quarter or year); by default it is chosen from the range: days up to a month,
      weeks up to half a year, months up to three years, then quarters, then years.

      The page needs no network, fonts or script (its Content-Security-Policy forbids them);
      every chart has a table of the same numbers beside it and a text alternative, colours
      are safe for colour-blind readers and it has a print stylesheet. The file is written
      whole or not at all; --output - writes the page to stdout.
      """,
    examples: [
      "storyledger report nhs --output nhs-report.html",
      "storyledger report nhs/london --period 2026-Q1 --by week --output london-q1.html",
      "storyledger report nhs --from 2025-04-01 --to 2026-03-31 --by quarter --output year.html",
    ],
    options: [output, period, from, to, by])

  static let output = Option("--output", "FILE", "write the page to FILE (- for stdout)")
  static let period = Option.range(
    "--period", "P", "the range: 2026, 2026-Q1, 2026-03, 2026-W05, a day, or FROM..TO")
  static let from = Option.day(
    "--from", "DATE", "the first day of the range (with or without --to)")
  static let to = Option.day("--to", "DATE", "the last day of the range (with or without --from)")
  static let by = Option.period(
    "--by", "PERIOD", "chart periods: day, week, month, quarter or year")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let path = try arguments.node()
    guard let output = try arguments.value(output) else {
      throw UsageError(
        "missing --output FILE (the HTML page to write; - for stdout)", usage: spec.usage)
    }
    let period = try arguments.value(Self.period)
    let from = try arguments.value(Self.from)
    let to = try arguments.value(Self.to)
    let granularity = try arguments.value(by)
    if period != nil, from != nil || to != nil {
      throw UsageError("give --period or --from/--to, not both", usage: spec.usage)
    }
    if let from, let to, from > to {
      throw UsageError(
        "--from \(from) is after --to \(to); give a range that runs forward", usage: spec.usage)
    }
    let ledger = try context.openLedger()
    var range = period
    if from != nil || to != nil {
      let whole = ledger.reportRange(by: granularity)
      let start = from ?? min(whole.start, to ?? whole.start)
      let end = to ?? max(whole.end, start)
      range = DateRange(start: start, end: end)
    }
    let report = try ledger.report(of: path, range: range, by: granularity)
    let bytes = Array(report.html().utf8)
    if output == "-" {
      context.console.write(bytes: bytes)
      return
    }
    let file = try AtomicOutputFile(url: context.url(for: output))
    try file.write(bytes)
    try file.commit()
    context.console.message(
      "wrote the report of \(report.node) (\(report.range.start) to \(report.range.end), by \(report.granularity.rawValue)) to \(file.url.path)"
    )
  }
}
