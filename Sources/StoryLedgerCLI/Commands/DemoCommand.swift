import Foundation
import StoryLedger
import StoryLedgerDemo

/// `storyledger demo`: a realistic demo ledger and its cascade, or a demo corpus as CSV.
enum DemoCommand: Command {
  static let spec = CommandSpec(
    name: "demo", abstract: "build a realistic demo ledger and show its cascade",
    arguments:
      "[--rows N] [--seed S] [--into DIR] | --rows N --csv FILE [--format narrafirma] [--seed S]",
    discussion: """
      Builds a ledger of a national health system (regions, organisations, teams; two years of
      stories told and retold in several languages, items in all six boxes moving from invisible
      to visible) in DIR with --into, else in the ledger named by --ledger or STORYLEDGER_DIR,
      else in a new temporary directory (a directory that holds a ledger already is refused
      with exit 73), and prints its cascade:
      the six boxes of the whole system, then level by level down the branch with most value.
      The ledger is kept so that you can explore it with the other commands.

      With --csv, writes the demo corpus as a CSV file in the import format instead (for trials
      and benchmarks). The same --rows and --seed always give the same file. With --format
      narrafirma, the file is a NarraFirma-shaped story-collection export of --rows stories
      instead (several languages, a checkbox, a choice naming the region, a scale, a yes/no and
      a participant question), for `import --format narrafirma`.
      """,
    examples: [
      "storyledger demo",
      "storyledger demo --rows 20000 --into nhs.ledger && storyledger --ledger nhs.ledger summary nhs",
      "storyledger demo --rows 1000000 --csv corpus.csv   # about 180 MB, for benchmarks",
      "storyledger demo --rows 100000 --csv stories.csv --format narrafirma",
    ],
    options: [rows, seed, into, csv, format])

  static let rows = Option.integer(
    "--rows", "N", "item rows in the corpus (default 5000)", in: 1...50_000_000)
  static let seed = Option("--seed", "S", "seed of the generator (default 1)") {
    text -> UInt64 in
    guard let seed = UInt64(text) else {
      throw ValueError(field: "--seed", value: text, reason: "is not a whole number ≥ 0")
    }
    return seed
  }
  static let into = Option(
    "--into", "DIR", "create the demo ledger in DIR (as --ledger DIR does; no ledger there yet)")
  static let csv = Option(
    "--csv", "FILE", "write the corpus to FILE as CSV instead of building a ledger")
  static let format = Option(
    "--format", "F", "with --csv: csv (the import file, default) or narrafirma")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let rows = try arguments.value(Self.rows) ?? 5000
    let seed = try arguments.value(Self.seed) ?? 1
    let console = context.console
    let corpus = DemoCorpus(rows: rows, seed: seed)
    if let csv = try arguments.value(csv) {
      if arguments.isGiven(into) {
        throw UsageError(
          "--csv writes a file and --into builds a ledger: give one of them", usage: spec.usage)
      }
      let url = context.url(for: csv)
      switch try arguments.value(format) ?? "csv" {
      case "csv": break
      case "narrafirma":
        try NarraFirmaDemoCorpus(stories: rows, seed: seed).write(to: url) { done, total in
          console.progress("writing \(csv)", done: UInt64(done), of: UInt64(total))
        }
        console.clearProgress()
        console.message("wrote \(rows) stories to \(url.path) (a NarraFirma-shaped export)")
        return
      case let other:
        throw UsageError(
          "--format \(other) is not a corpus format; valid: csv, narrafirma", usage: spec.usage)
      }
      try corpus.write(to: url) { done, total in
        console.progress("writing \(csv)", done: UInt64(done), of: UInt64(total))
      }
      console.clearProgress()
      console.message("wrote \(rows) rows to \(url.path)")
      return
    }
    if arguments.isGiven(format) {
      throw UsageError("--format is for --csv", usage: spec.usage)
    }
    // Where the demo ledger goes: --into, else the ledger named by --ledger or
    // STORYLEDGER_DIR (as every command honours them), else a new temporary directory.
    let into = try arguments.value(Self.into).map(context.url(for:))
    let named = context.namedLedgerDirectory()
    if let into, let named, into.standardizedFileURL.path != named.standardizedFileURL.path {
      throw UsageError(
        "--into \(into.path) and the ledger \(named.path) (--ledger or STORYLEDGER_DIR) name two places: give one",
        usage: spec.usage)
    }
    let ledgerURL: URL
    if let chosen = into ?? named {
      ledgerURL = chosen
    } else {
      let workspace = FileManager.default.temporaryDirectory.appending(
        path: "storyledger-demo-\(UUID().uuidString.prefix(8).lowercased())")
      do {
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: false)
      } catch {
        throw LedgerError(
          .cannotCreate, "cannot create \(workspace.path): \(error.localizedDescription)")
      }
      ledgerURL = workspace.appending(path: "ledger")
    }
    // Refuses a directory that holds a ledger already (exit 73), before any work.
    let ledger = try Ledger.create(
      at: ledgerURL, configuration: DemoCorpus.configuration, actor: "demo")
    let csv = FileManager.default.temporaryDirectory.appending(
      path: ".storyledger-demo-\(UUID().uuidString.prefix(8)).csv")
    defer { try? FileManager.default.removeItem(at: csv) }
    try corpus.write(to: csv) { done, total in
      console.progress("generating stories", done: UInt64(done), of: UInt64(total))
    }
    let imported = try ledger.importCSV(
      contentsOf: csv, fileName: "demo corpus", options: Ledger.AppendOptions(actor: "demo")
    ) { done, total in
      console.progress("recording stories", done: done, of: total)
    }
    console.progress("recording a round of the dialogue")
    let period = DateRange(
      start: Day(year: 2026, month: 1, day: 1) ?? .earliest,
      end: Day(year: 2026, month: 3, day: 31) ?? .latest)
    let round = try DemoDialogue.record(on: ledger, period: period)
    console.clearProgress()
    let counts = imported.plan
    console.write(
      """
      A demo ledger of a national health system: \(counts.stories) stories told and retold at \
      \(ledger.nodeCount) places, \(counts.items) items of value revised \(counts.revisions) times \
      (\(counts.events) events, SHA-256 chained).

      The cascade, from the top, down the branch with the most value:


      """)
    try printCascade(of: ledger, console: console)
    if let top = ledger.topLevelNodes.first, let bottom = round.settled.first {
      console.write(
        """

        The dialogue for \(period): \(round.selections) stories selected as most significant, \
        accounts settled at \(round.settled.count) places up to \(top), \(round.feedback) \
        feedback sent down, \(round.pledges) pledges, \(round.sessions) sessions, \(round.ratings) ratings by several \
        people of \(round.agreed) item\(round.agreed == 1 ? "" : "s") with the values their groups agreed, \
        \(round.verified) selected stor\(round.verified == 1 ? "y" : "ies") verified, \(round.checkableEvidence) \
        item\(round.checkableEvidence == 1 ? "" : "s") with evidence that can be checked, \
        \(round.grouped) stories told under \(DemoDialogue.domains.count) domains of change (the \
        bottom team selecting in each) and \(round.inCampaign) in the campaign \(DemoDialogue.campaign.0), \
        and \(round.participants) tellers described by role and group (\(round.consented) with consent \
        recorded), so that `export voices` shows whose stories are told and heard at each level; \
        \(round.priced) items priced by the proxy \(DemoDialogue.proxy.name) (quantity × its value × a \
        multiplier), \(round.repriced) of them revised when it took a new value.


        """)
      for account in try ledger.accounts(of: top) {
        console.write(
          AccountsCommand.render(account, currency: ledger.configuration.currency) + "\n")
      }
      let inbox = try ledger.inbox(of: bottom)
      console.write("\nWhat came down to \(bottom):\n" + InboxCommand.render(inbox) + "\n")
    }
    console.message(
      """

      The demo ledger is at \(ledgerURL.path). Explore it:
        storyledger --ledger \(ledgerURL.path) summary \(ledger.topLevelNodes.first?.description ?? "NODE")
        storyledger --ledger \(ledgerURL.path) export timeseries --period quarter --level region
        storyledger --ledger \(ledgerURL.path) accounts \(ledger.topLevelNodes.first?.description ?? "NODE")
        storyledger --ledger \(ledgerURL.path) pledges
        storyledger --ledger \(ledgerURL.path) sessions
        storyledger --ledger \(ledgerURL.path) session show meet-1
        storyledger --ledger \(ledgerURL.path) story show \(round.furthest ?? "STORY")
        storyledger --ledger \(ledgerURL.path) export ratings --period month --level region
        storyledger --ledger \(ledgerURL.path) domains
        storyledger --ledger \(ledgerURL.path) participants
        storyledger --ledger \(ledgerURL.path) proxies
        storyledger --ledger \(ledgerURL.path) export voices --period quarter --level organisation
        storyledger --ledger \(ledgerURL.path) summary \(ledger.topLevelNodes.first?.description ?? "NODE") --campaign "\(DemoDialogue.campaign.0)"
        storyledger --ledger \(ledgerURL.path) verify
      """)
  }

  /// Prints the summary of the top node, then of its child with most items, and so on down.
  static func printCascade(of ledger: Ledger, console: Console) throws {
    var next = ledger.topLevelNodes.first
    while let path = next {
      let summary = try ledger.summary(of: path)
      console.write(SummaryCommand.render(summary, childLimit: 8) + "\n")
      next = summary.children.max { $0.boxes.total.items < $1.boxes.total.items }.flatMap {
        $0.boxes.total.items > 0 ? $0.node : nil
      }
    }
  }
}
