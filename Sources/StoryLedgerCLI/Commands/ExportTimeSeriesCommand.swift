import StoryLedger

/// `storyledger export timeseries`: the time series of the DocC article "Time series".
enum ExportTimeSeriesCommand: Command {
  static let spec = CommandSpec(
    name: "export timeseries", abstract: "the six-box time series per period, node and dimension",
    arguments:
      "--period P --level L [--by QUESTION] [--from DATE] [--to DATE] [--format csv|jsonl] [--output FILE]",
    discussion: """
      One row per (period, node at level L, dimension), sorted by period, node path and
      dimension, zero-filled, with the columns
        \(TimeSeriesRow.columns.joined(separator: ","))
      Periods: \(Period.allCases.map(\.rawValue).joined(separator: ", ")) (weeks are ISO weeks, Monday first).
      Figures use the date each fact is about, so late entries land in their period; stories at
      nodes shallower than L are left out. The DocC article "Time series" defines every column.
      With --output the file is written whole or not at all; otherwise rows go to stdout.
      With --by QUESTION, one row per (period, node, answer to QUESTION, dimension), with the
      columns
        \(AnswerSeriesRow.columns.joined(separator: ","))
      where a story counts under its current answer (under each choice of several; under the
      empty answer when it has none) and stories_told counts the stories with the answer told
      or retold in the period; without --by the output is exactly the columns above.
      """,
    examples: [
      "storyledger export timeseries --period month --level organisation --output series.csv",
      "storyledger export timeseries --period quarter --level region --from 2025-01-01 --format jsonl",
      "storyledger export timeseries --period month --level region --by \"How do you feel about it?\"",
    ],
    options: [
      .value("--period", "P", "day, week, month, quarter or year"),
      .value("--level", "L", "the level whose nodes are the rows"),
      .value("--by", "QUESTION", "also one row per answer to QUESTION (see above)"),
      .value("--from", "DATE", "first day to cover (its period is the first)"),
      .value("--to", "DATE", "last day to cover (its period is the last)"),
      .value("--format", "FORMAT", "csv (default) or jsonl"),
      .value("--output", "FILE", "write to FILE instead of stdout"),
    ])

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    guard let period = try arguments.value("--period", { try Period(parsing: $0) }) else {
      throw UsageError(
        "missing --period (one of \(Period.allCases.map(\.rawValue).joined(separator: ", ")))",
        usage: spec.usage)
    }
    guard let level = arguments.value("--level") else {
      throw UsageError("missing --level (a level name of the ledger)", usage: spec.usage)
    }
    let format =
      try arguments.value("--format") { text -> ExportFormat in
        guard let format = ExportFormat(rawValue: text.lowercased()) else {
          throw ValueError(
            field: "--format", value: text, reason: "is not a format",
            validValues: ExportFormat.allCases.map(\.rawValue))
        }
        return format
      } ?? .csv
    let from = try arguments.day("--from")
    let to = try arguments.day("--to")
    let query: TimeSeriesQuery
    do { query = try TimeSeriesQuery(period: period, level: level, from: from, to: to) } catch {
      throw UsageError(error.description, usage: spec.usage)
    }
    let ledger = try context.openLedger()
    do {
      _ = try ledger.configuration.depth(parsingLevel: level, field: "--level")
    } catch {
      throw UsageError(error.description, usage: spec.usage)
    }
    let output = try arguments.value("--output").map {
      try AtomicOutputFile(url: context.url(for: $0))
    }
    let question = arguments.value("--by")
    if let question, question.isEmpty {
      throw UsageError("--by needs a question", usage: spec.usage)
    }
    var buffer: [UInt8] = []
    if format == .csv {
      buffer = question == nil ? TimeSeriesRow.csvHeader : AnswerSeriesRow.csvHeader
    }
    buffer.reserveCapacity(1 << 20)
    var rows = 0
    func flush() throws {
      if let output { try output.write(buffer) } else { context.console.write(bytes: buffer) }
      buffer.removeAll(keepingCapacity: true)
    }
    func wrote() throws {
      rows += 1
      if buffer.count >= 1 << 20 {
        try flush()
        context.console.progress("exporting: \(rows) rows")
      }
    }
    if let question {
      try ledger.answerSeries(query, by: question) { row in
        row.append(as: format, to: &buffer)
        try wrote()
      }
    } else {
      try ledger.timeSeries(query) { row in
        row.append(as: format, to: &buffer)
        try wrote()
      }
    }
    try flush()
    if let output {
      try output.commit()
      context.console.message("wrote \(rows) rows to \(output.url.path)")
    }
  }
}
