import Foundation
import StoryLedger

/// `storyledger proxy set NAME --value M --per UNIT --source T [--from DATE]`.
enum ProxySetCommand: Command {
  static let spec = CommandSpec(
    name: "proxy set", abstract: "set what one unit of something is worth, and where from",
    arguments: "NAME --value M --per UNIT --source T [--from DATE]",
    discussion: """
      Calculating value means summing, or converting using proxy data and multipliers. A
      proxy is a named unit value with its source and the day it applies from ("bed-day,
      400.00 per bed-day, source: NHS reference costs 2024, from 2024-04-01"). Items priced by
      it (`item add ... --quantity Q --proxy NAME [--multiplier X]`) have the monetised value
      quantity × the proxy's value on the item's date × multiplier, and say so in `story
      show` and the report.

      Setting a proxy again from a later day gives it a new value from then on (a value for
      the same day replaces it); the items priced by it follow from that day until the
      proxy's next value: each is revised, in the same append, where its figure changes (the
      revisions are item.revised events, and count as revisions in the exports). NAME is
      matched ignoring case; the unit stays the proxy's. --from defaults to today. Prints the
      name; --json adds the items revised.

      Exit codes: 0 set, 64 usage, 65 invalid input or a damaged ledger, 66 no ledger, 74 I/O
      error, 75 the ledger is busy.
      """,
    examples: [
      "storyledger proxy set bed-day --value 400.00 --per bed-day --source \"NHS reference costs 2024\" --from 2024-04-01",
      "storyledger proxy set bed-day --value 420.00 --per bed-day --source \"NHS reference costs 2025\" --from 2025-04-01",
      "storyledger proxy set \"consulta de atención primaria\" --value 35.50 --per consulta --source \"Tarifas del servicio de salud 2026\"",
    ],
    options: [value, per, source, from] + Recording.writeOptions)

  static let value = Option(
    "--value", "M", "what one unit is worth in the ledger currency, at most 2 decimals (required)"
  ) { try Money(parsing: $0, field: "--value") }
  static let per = Option("--per", "UNIT", "the unit it is a value of (required)")
  static let source = Option(
    "--source", "T", "where the figure comes from, in words (required)")
  static let from = Option.day("--from", "DATE", "the first day it applies (default today)")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let name = arguments.positionals[0]
    guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw UsageError("NAME cannot be empty", usage: arguments.usage)
    }
    guard let value = try arguments.value(value) else {
      throw UsageError("missing --value (what one unit is worth)", usage: arguments.usage)
    }
    guard let unit = try arguments.value(per) else {
      throw UsageError("missing --per (the unit, for example bed-day)", usage: arguments.usage)
    }
    guard let source = try arguments.value(source) else {
      throw UsageError(
        "missing --source (where the figure comes from, in words)", usage: arguments.usage)
    }
    let from = try arguments.value(from)
    let options = try Recording.options(arguments)
    let ledger = try context.openLedger()
    let change = try ledger.setProxy(
      name, value: value, per: unit, source: source, from: from, options: options)
    if arguments.has(Flag.json) {
      var object = JSONObjectWriter(bytes: [])
      object.string("key", change.name)
      object.strings("revised", change.revised.map(\.description))
      object.raw("repeat", change.append.isRepeat ? "true" : "false")
      if let first = change.append.events.first?.sequence { object.number("sequence", first) }
      context.console.write(bytes: object.finish() + [0x0A])
    } else {
      context.console.write(change.name + "\n")
    }
    if change.append.isRepeat {
      context.console.message(
        "storyledger: note: the proxy's value was set before with this --idempotency-key; nothing was added"
      )
    } else if !change.revised.isEmpty {
      context.console.message(
        "storyledger: revised the figures of \(change.revised.count) item\(change.revised.count == 1 ? "" : "s") priced by \(change.name)"
      )
    }
  }
}

/// `storyledger proxies`.
enum ProxiesCommand: Command {
  static let spec = CommandSpec(
    name: "proxies", abstract: "list the proxies, with their dated values and sources",
    arguments: "[--json]",
    discussion: """
      One line per value of each proxy, in the order the proxies were first set and their
      values apply: the name, the value per unit, the day it applies from, and its source.
      --json gives an array of {name, unit, values: [{value, from, source}]}.
      """,
    examples: ["storyledger proxies", "storyledger proxies --json"],
    options: [Flag.json])

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let proxies = try context.openLedger().proxies
    if arguments.has(Flag.json) {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
      context.console.write(bytes: Array(try encoder.encode(proxies)) + [0x0A])
      return
    }
    guard !proxies.isEmpty else {
      context.console.write(
        "no proxies yet: set one with `storyledger proxy set NAME --value M --per UNIT --source T`\n"
      )
      return
    }
    var table = TextTable(columns: [
      .init("proxy"), .init("value", right: true), .init("per"), .init("from"), .init("source"),
    ])
    for proxy in proxies {
      for value in proxy.values {
        table.add([
          Console.oneLine(proxy.name), value.value.description, Console.oneLine(proxy.unit),
          value.from.description, Console.oneLine(value.source),
        ])
      }
    }
    context.console.write(table.render() + "\n")
  }
}
