import StoryLedger

/// `storyledger import FILE.csv`: the import file of the DocC article "The import file".
enum ImportCommand: Command {
  static let spec = CommandSpec(
    name: "import", abstract: "import value items from a CSV file, all or nothing",
    arguments: "FILE.csv [--dry-run] [--idempotency-key K] [--json]", positionals: ["FILE.csv"],
    minimumPositionals: 1,
    discussion: """
      One row is one mention of a value item in a telling of a story. Required columns:
        \(ImportPlanner.requiredColumns.joined(separator: ","))
      optional columns:
        \(ImportPlanner.optionalColumns.joined(separator: ","))
      in any order. Nodes and their ancestors are created as needed. The whole file is checked
      before anything is written: any problem is reported with its row, line, column and value,
      and nothing is imported (exit 65). --dry-run only checks. With --idempotency-key, running
      the same import again adds nothing.
      """,
    examples: [
      "storyledger import stories.csv --dry-run   # check only",
      "storyledger import stories.csv",
      "storyledger demo --rows 1000 --csv sample.csv && storyledger import sample.csv",
    ],
    options: [
      .flag("--dry-run", "check the file and count what it would add; write nothing"),
      .value("--idempotency-key", "K", "a key that makes a repeated import add nothing"),
      .json,
    ])

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let path = arguments.positionals[0]
    let ledger = try context.openLedger()
    let console = context.console
    let summary: ImportSummary
    do {
      summary = try ledger.importCSV(
        contentsOf: context.url(for: path), fileName: path, isDryRun: arguments.has("--dry-run"),
        options: Ledger.AppendOptions(
          idempotencyKey: arguments.value("--idempotency-key"), lockTimeout: arguments.lockTimeout)
      ) { done, total in
        console.progress("checking \(path)", done: done, of: total)
        if done == total { console.progress("writing \(path) to the ledger") }
      }
    } catch let error as ImportError {
      if let failure = error.readFailure { throw failure }
      throw error
    }
    console.clearProgress()
    context.showNotices(of: ledger)
    let counts = summary.plan
    if arguments.has("--json") {
      var object = JSONObjectWriter(bytes: [])
      object.raw("dry_run", summary.isDryRun ? "true" : "false")
      object.raw("repeat", summary.isRepeat ? "true" : "false")
      for (key, value) in [
        ("rows", counts.rows), ("events", counts.events), ("nodes", counts.nodes),
        ("stories", counts.stories), ("tellings", counts.tellings), ("items", counts.items),
        ("revisions", counts.revisions),
      ] {
        object.number(key, value)
      }
      if let sequences = summary.sequences {
        object.number("first_sequence", sequences.lowerBound)
        object.number("last_sequence", sequences.upperBound)
      }
      console.write(bytes: object.finish() + [0x0A])
      return
    }
    let what =
      "\(counts.rows) rows: \(counts.nodes) nodes, \(counts.stories) stories, \(counts.tellings) tellings, \(counts.items) items, \(counts.revisions) revisions"
    if summary.isDryRun {
      console.write("valid: importing \(path) would add \(what)\n")
    } else if let sequences = summary.sequences {
      console.write(
        "imported \(path): \(what) (events \(sequences.lowerBound)–\(sequences.upperBound))\n")
    } else if summary.isRepeat {
      console.write(
        "already imported with idempotency key \(arguments.value("--idempotency-key") ?? ""): nothing added\n"
      )
    } else {
      console.write("nothing new in \(path): every row is already in the ledger\n")
    }
  }
}
