import StoryLedger

/// `storyledger init`: creates a ledger.
enum InitCommand: Command {
  static let spec = CommandSpec(
    name: "init", abstract: "create a ledger (./.storyledger by default)",
    arguments: "[--levels a,b,c] [--currency CODE] [--timezone TZ]",
    discussion: """
      Creates the ledger directory given by --ledger (or $STORYLEDGER_DIR, or ./.storyledger).
      Levels name the depths of the hierarchy, top first (default national,regional,local,personal).
      The currency is the ISO 4217 code monetised values are in; the time zone (an IANA name,
      default UTC) decides which day "today" is and how periods fall.
      """,
    examples: [
      "storyledger init                                   # ./.storyledger, default levels",
      "storyledger --ledger nhs.ledger init --levels national,region,organisation,team --currency GBP",
    ],
    options: [levels, currency, timezone, Flag.json])

  static let levels = Option("--levels", "a,b,c", "level names, top first")
  static let currency = Option(
    "--currency", "CODE", "ISO 4217 currency of monetised values, e.g. GBP")
  static let timezone = Option(
    "--timezone", "TZ", "IANA time zone for calendar computations (default UTC)")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let levels =
      try arguments.value(Self.levels).map {
        $0.split(separator: ",", omittingEmptySubsequences: false).map {
          String($0).trimmingCharacters(in: .whitespaces)
        }
      } ?? LedgerConfiguration.defaultLevels
    let currency = try arguments.value(Self.currency)
    let timezone = try arguments.value(Self.timezone) ?? "UTC"
    let configuration: LedgerConfiguration
    do {
      configuration = try LedgerConfiguration(
        levels: levels, currency: currency, timeZoneIdentifier: timezone)
    } catch {
      throw UsageError(error.description, usage: spec.usage)
    }
    let directory = context.namedLedgerDirectory() ?? context.url(for: ".storyledger")
    _ = try Ledger.create(at: directory, configuration: configuration)
    if arguments.has(Flag.json) {
      var object = JSONObjectWriter(bytes: [])
      object.string("ledger", directory.path)
      object.strings("levels", configuration.levels)
      if let currency = configuration.currency { object.string("currency", currency) }
      object.string("timezone", configuration.timeZoneIdentifier)
      context.console.write(bytes: object.finish() + [0x0A])
    } else {
      context.console.message(
        "created a ledger at \(directory.path) with levels \(configuration.levels.joined(separator: ", "))"
          + (configuration.currency.map { ", currency \($0)" } ?? ""))
    }
  }
}
