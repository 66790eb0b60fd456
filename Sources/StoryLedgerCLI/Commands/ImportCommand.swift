import StoryLedger

/// `storyledger import FILE.csv`: the import file of the DocC article "The import file"; with
/// `--format narrafirma|sensemaker`, another tool's export (``ExternalImportCommand``).
enum ImportCommand: Command {
  static let spec = CommandSpec(
    name: "import", abstract: "import value items or another tool's stories, all or nothing",
    arguments: """
      FILE.csv [--dry-run] [--idempotency-key K] [--json]
       storyledger import --format narrafirma STORIES.csv --node NODE [--story-form FORM.csv] [--mapping MAP.json] [--dry-run] [--json]
       storyledger import --format sensemaker DATA.csv --definition FRAMEWORK.json --node NODE [--mapping MAP.json] [--dry-run] [--json]
       storyledger import --format narrafirma|sensemaker FILE [--definition …] --mapping-template [--output MAP.json]
      """,
    discussion: """
      One row is one mention of a value item in a telling of a story. Required columns:
        \(ImportPlanner.requiredColumns.joined(separator: ","))
      optional columns:
        \(ImportPlanner.optionalColumns.joined(separator: ","))
      in any order. Nodes and their ancestors are created as needed. The whole file is checked
      before anything is written: any problem is reported with its row, line, column and value,
      and nothing is imported (exit 65). --dry-run only checks. With --idempotency-key, running
      the same import again adds nothing.

      With --format narrafirma (a NarraFirma story-collection export) or --format sensemaker
      (a SenseMaker data export with its framework definition), stories come in with their
      tellings and questionnaire answers at NODE, and items of value only where a mapping's
      items rules say so. Importing the same file twice adds nothing. Errors name the file, row,
      column and reason, and nothing is imported (exit 65). --mapping-template writes an
      editable mapping listing every question of the file (see the article "Importing from
      other tools").
      """,
    examples: [
      "storyledger import stories.csv --dry-run   # check only",
      "storyledger import stories.csv",
      "storyledger demo --rows 1000 --csv sample.csv && storyledger import sample.csv",
      "storyledger import --format narrafirma export_story_collection_Spring.csv --node nhs/north",
      "storyledger import --format narrafirma stories.csv --mapping-template --output map.json",
      "storyledger import --format sensemaker data.csv --definition framework.json --node nhs --mapping map.json --dry-run",
    ],
    options: [dryRun, idempotencyKey, Flag.json] + ExternalImportCommand.options)

  static let dryRun = Flag("--dry-run", "check the file and count what it would add; write nothing")
  static let idempotencyKey = Option(
    "--idempotency-key", "K", "a key that makes a repeated import add nothing")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let format = try arguments.value(ExternalImportCommand.format) ?? "csv"
    guard ExternalImportCommand.formats.contains(format) else {
      throw UsageError(
        "--format \(format) is not a format; valid: \(ExternalImportCommand.formats.joined(separator: ", "))",
        usage: spec.usage)
    }
    if format != "csv" {
      return try ExternalImportCommand.run(
        format: format, arguments, in: context, usage: spec.usage)
    }
    let external = ExternalImportCommand.options.filter {
      $0.spec.name != ExternalImportCommand.format.name && arguments.isGiven($0)
    }
    if let option = external.first {
      throw UsageError(
        "\(option.spec.name) is for --format narrafirma or sensemaker, not the CSV import file",
        usage: spec.usage)
    }
    let path = arguments.positionals[0]
    let ledger = try context.openLedger()
    let console = context.console
    let summary: ImportSummary
    do {
      summary = try ledger.importCSV(
        contentsOf: context.url(for: path), fileName: path, isDryRun: arguments.has(dryRun),
        options: Ledger.AppendOptions(
          idempotencyKey: arguments.value(idempotencyKey), lockTimeout: arguments.lockTimeout)
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
    if arguments.has(Flag.json) {
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
      console.write(Self.repeated(path, key: try arguments.value(idempotencyKey)))
    } else {
      console.write("nothing new in \(path): every row is already in the ledger\n")
    }
  }

  /// What an import says when its idempotency key was used before: nothing of `path` was
  /// added, and `path` may not be the file imported with the key then.
  static func repeated(_ path: String, key: String?) -> String {
    "nothing added: the idempotency key \(key ?? "") was used by an earlier import, so importing \(path) with it is taken as a repeat of that import; to import a different file, give it a new key\n"
  }
}
