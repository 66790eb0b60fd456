import StoryLedger

/// What the export commands share: the options that choose the rows (`--period`,
/// `--level`, `--from`, `--to`), the format and the output, read into one ``ExportRequest``,
/// and an ``ExportWriter`` that writes the rows.
enum Export {
  static let period = Option.period("--period", "P", "day, week, month, quarter or year")
  static let level = Option("--level", "L", "the level whose nodes are the rows")
  static let format = Option("--format", "FORMAT", "csv (default) or jsonl") {
    text -> ExportFormat in
    guard let format = ExportFormat(rawValue: text.lowercased()) else {
      throw ValueError(
        field: "--format", value: text, reason: "is not a format",
        validValues: ExportFormat.allCases.map(\.rawValue))
    }
    return format
  }
  static let output = Option("--output", "FILE", "write to FILE instead of stdout")
  static let from = Option.day("--from", "DATE", "first day to cover (its period is the first)")
  static let to = Option.day("--to", "DATE", "last day to cover (its period is the last)")

  /// An export's options: `--period`, `--level`, its `own`, `--from`, `--to`, `--format`
  /// and `--output`.
  static func options(_ own: [any OptionDeclaration] = []) -> [any OptionDeclaration] {
    [period, level] + own + [from, to, format, output]
  }

  /// Writes the export of `Row`s that `series` makes from the request's query: the shared
  /// options read, the rows written in the format asked for, to standard output or the file.
  static func write<Row: SeriesRow>(
    _ arguments: ParsedArguments, grouped: Bool = false, in context: Context, _ row: Row.Type,
    _ series: (Ledger, TimeSeriesQuery, (Row) throws -> Void) throws -> Void
  ) throws {
    let request = try self.request(arguments, grouped: grouped, in: context)
    let writer = ExportWriter(request, of: Row.self, console: context.console)
    try series(request.ledger, request.query) { try writer.write($0) }
    try writer.finish()
  }

  /// Reads the options every export takes, opens the ledger and checks the level in it;
  /// with `grouped`, also `--domain` and `--campaign` (``StoryGroupOptions``).
  static func request(
    _ arguments: ParsedArguments, grouped: Bool = false, in context: Context
  ) throws -> ExportRequest {
    guard let period = try arguments.value(period) else {
      throw UsageError(
        "missing --period (one of \(Period.allCases.map(\.rawValue).joined(separator: ", ")))",
        usage: arguments.usage)
    }
    guard let level = try arguments.value(level) else {
      throw UsageError("missing --level (a level name of the ledger)", usage: arguments.usage)
    }
    let format = try arguments.value(format) ?? .csv
    let first = try arguments.value(Export.from)
    let last = try arguments.value(Export.to)
    var query: TimeSeriesQuery
    do { query = try TimeSeriesQuery(period: period, level: level, from: first, to: last) } catch {
      throw UsageError(error.description, usage: arguments.usage)
    }
    let ledger = try context.openLedger()
    do { _ = try ledger.configuration.depth(parsingLevel: level, field: "--level") } catch {
      throw UsageError(error.description, usage: arguments.usage)
    }
    if grouped { query.stories = try StoryGroupOptions.filter(arguments, in: ledger) }
    let output = try arguments.value(output).map {
      try AtomicOutputFile(url: context.url(for: $0))
    }
    return ExportRequest(query: query, format: format, ledger: ledger, output: output)
  }
}

/// What an export command was asked for, with the ledger it reads.
struct ExportRequest {
  var query: TimeSeriesQuery
  var format: ExportFormat
  var ledger: Ledger
  /// The file given by `--output`; `nil` for standard output.
  var output: AtomicOutputFile?
}

/// Writes an export's rows in its format, a megabyte at a time, to `--output` (whole or
/// not at all) or to standard output.
final class ExportWriter {
  private let request: ExportRequest
  private let console: Console
  private var buffer: [UInt8] = []
  private var rows = 0

  /// A writer of rows of type `Row`, starting with its header in CSV.
  init<Row: SeriesRow>(_ request: ExportRequest, of: Row.Type, console: Console) {
    self.request = request
    self.console = console
    if request.format == .csv { buffer = Row.csvHeader }
    buffer.reserveCapacity(1 << 20)
  }

  func write(_ row: some SeriesRow) throws {
    row.append(as: request.format, to: &buffer)
    rows += 1
    if buffer.count >= 1 << 20 {
      try flush()
      console.progress("exporting: \(rows) rows")
    }
  }

  /// Writes what is left and, with `--output`, puts the file in place.
  func finish() throws {
    try flush()
    if let output = request.output {
      try output.commit()
      console.message("wrote \(rows) rows to \(output.url.path)")
    }
  }

  private func flush() throws {
    if let output = request.output {
      try output.write(buffer)
    } else {
      console.write(bytes: buffer)
    }
    buffer.removeAll(keepingCapacity: true)
  }
}

/// `storyledger export timeseries`: the time series of the DocC article "Time series".
enum ExportTimeSeriesCommand: Command {
  static let spec = CommandSpec(
    name: "export timeseries", abstract: "the six-box time series per period, node and dimension",
    arguments:
      "--period P --level L [--by QUESTION] [--domain D] [--campaign C] [--from DATE] [--to DATE] [--format csv|jsonl] [--output FILE]",
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
      --domain and --campaign count only the stories under that domain of change or in that
      campaign (the periods still run over the whole ledger's dates), with the same columns.
      """,
    examples: [
      "storyledger export timeseries --period month --level organisation --output series.csv",
      "storyledger export timeseries --period quarter --level region --from 2025-01-01 --format jsonl",
      "storyledger export timeseries --period month --level region --by \"How do you feel about it?\"",
      "storyledger export timeseries --period quarter --level region --campaign \"Change Day 2026\"",
    ],
    options: Export.options([by] + StoryGroupOptions.all))

  static let by = Option("--by", "QUESTION", "also one row per answer to QUESTION (see above)")
  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let request = try Export.request(arguments, grouped: true, in: context)
    let question = try arguments.value(by)
    if let question, question.isEmpty {
      throw UsageError("--by needs a question", usage: spec.usage)
    }
    if var question {
      do { question = try request.ledger.state.answeredQuestion(question) } catch {
        throw UsageError("--by: \(error)", usage: spec.usage)
      }
      let writer = ExportWriter(request, of: AnswerSeriesRow.self, console: context.console)
      try request.ledger.answerSeries(request.query, by: question) { try writer.write($0) }
      try writer.finish()
    } else {
      let writer = ExportWriter(request, of: TimeSeriesRow.self, console: context.console)
      try request.ledger.timeSeries(request.query) { try writer.write($0) }
      try writer.finish()
    }
  }
}

/// `storyledger export pledges`: the pledge time series.
enum ExportPledgesCommand: Command {
  static let spec = CommandSpec(
    name: "export pledges", abstract: "the pledge time series per period and node",
    arguments:
      "--period P --level L [--from DATE] [--to DATE] [--format csv|jsonl] [--output FILE]",
    discussion: """
      One row per (period, node at level L), sorted by period then node path, zero-filled,
      with the columns
        \(PledgeSeriesRow.columns.joined(separator: ","))
      made, joined, fulfilled and withdrawn count what happened on dates in the period; lapsed
      counts pledges whose first day past due is in the period, unfulfilled by their due date;
      active_at_end and conditional_at_end count where pledges stand at the period's end. The
      README and the docs define every column.
      """,
    examples: [
      "storyledger export pledges --period quarter --level region",
      "storyledger export pledges --period month --level organisation --format jsonl --output pledges.jsonl",
    ],
    options: Export.options())

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    try Export.write(arguments, in: context, PledgeSeriesRow.self) {
      try $0.pledgeSeries($1, $2)
    }
  }
}
