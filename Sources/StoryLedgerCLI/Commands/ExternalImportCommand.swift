import Foundation
import StoryLedger

/// `storyledger import --format narrafirma|sensemaker …`: another tool's export, read by the
/// library's parsers and recorded with ``Ledger/importExternal(_:mapping:node:fileName:mappingFileName:isDryRun:options:)``.
enum ExternalImportCommand {
  /// The formats `--format` takes (`csv` is the import file of the DocC article).
  static let formats = ["csv", "narrafirma", "sensemaker"]

  /// The options of `import` that only the other tools' formats take.
  static let options: [any OptionDeclaration] = [
    format, node, mapping, definition, storyForm, mappingTemplate, output,
  ]

  static let format = Option(
    "--format", "F", "the file's format: csv (default), narrafirma or sensemaker")
  static let node = Option(
    "--node", "NODE", "narrafirma, sensemaker: the node the stories are told at (or below)")
  static let mapping = Option(
    "--mapping", "MAP.json", "narrafirma, sensemaker: the mapping (nodes, tellers, items…)")
  static let definition = Option(
    "--definition", "FRAMEWORK.json", "sensemaker: the framework definition (required)")
  static let storyForm = Option(
    "--story-form", "FORM.csv", "narrafirma: the story-form export of the same collection")
  static let mappingTemplate = Flag(
    "--mapping-template", "write an editable mapping for the file instead of importing")
  static let output = Option(
    "--output", "FILE", "with --mapping-template: write to FILE instead of stdout")

  static func run(
    format: String, _ arguments: ParsedArguments, in context: Context, usage: String
  ) throws {
    let path = arguments.positionals[0]
    let console = context.console
    if format == "narrafirma", arguments.isGiven(definition) {
      throw UsageError("--definition is for --format sensemaker", usage: usage)
    }
    if format == "sensemaker", arguments.isGiven(storyForm) {
      throw UsageError("--story-form is for --format narrafirma", usage: usage)
    }
    if format == "sensemaker", !arguments.isGiven(definition) {
      throw UsageError(
        "--format sensemaker needs --definition FRAMEWORK.json (the framework definition that names the columns)",
        usage: usage)
    }
    let isTemplate = arguments.has(mappingTemplate)
    if !isTemplate, arguments.isGiven(output) {
      throw UsageError("--output is for --mapping-template", usage: usage)
    }
    var node: NodePath?
    if let text = try arguments.value(Self.node) {
      do { node = try NodePath(parsing: text, field: "--node") } catch {
        throw UsageError(String(describing: error), usage: usage)
      }
    } else if !isTemplate {
      throw UsageError(
        "--format \(format) needs --node NODE: the node the stories are told at", usage: usage)
    }

    console.progress("reading \(path)")
    let bytes = try read(path, in: context)
    let export: ExternalExport
    if format == "narrafirma" {
      let form = try arguments.value(storyForm).map { try read($0, in: context) }
      export = try NarraFirmaExport.read(
        bytes, fileName: path, storyForm: form,
        formFileName: arguments.value(storyForm) ?? "story form")
    } else {
      let definitionPath = try arguments.value(definition) ?? ""
      export = try SenseMakerExport.read(
        csv: bytes, definition: try read(definitionPath, in: context), fileName: path,
        definitionFileName: definitionPath)
    }
    if isTemplate {
      let template = ExternalImportMapping.template(for: export, format: format, fileName: path)
      console.clearProgress()
      if let output = try arguments.value(output) {
        let file = try AtomicOutputFile(url: context.url(for: output))
        try file.write(template)
        try file.commit()
        console.message("wrote a mapping for \(path) to \(output)")
      } else {
        console.write(bytes: template)
      }
      return
    }
    let mappingPath = try arguments.value(Self.mapping)
    let mapping = try mappingPath.map {
      try ExternalImportMapping.decode(read($0, in: context), fileName: $0)
    }
    guard let node else {
      throw UsageError("--format \(format) needs --node NODE", usage: usage)
    }
    let ledger = try context.openLedger()
    console.progress("checking \(export.stories.count) stories of \(path)")
    let isDryRun = arguments.has(ImportCommand.dryRun)
    let summary = try ledger.importExternal(
      export, mapping: mapping, node: node, fileName: path,
      mappingFileName: mappingPath ?? "mapping", isDryRun: isDryRun,
      options: Ledger.AppendOptions(
        idempotencyKey: arguments.value(ImportCommand.idempotencyKey),
        lockTimeout: arguments.lockTimeout))
    console.clearProgress()
    context.showNotices(of: ledger)
    if arguments.has(Flag.json) {
      var object = JSONObjectWriter(bytes: [])
      object.string("format", format)
      object.raw("dry_run", isDryRun ? "true" : "false")
      object.raw("repeat", summary.isRepeat ? "true" : "false")
      for (key, value) in [
        ("rows", export.stories.count), ("stories_added", summary.storiesAdded),
        ("stories_unchanged", summary.storiesUnchanged),
        ("withdrawn_left_alone", summary.withdrawnLeftAlone),
        ("tellings", summary.tellingsAdded), ("answers", summary.answersAdded),
        ("items", summary.itemsAdded), ("nodes", summary.nodesAdded),
      ] {
        object.number(key, value)
      }
      object.strings("notes", export.notes)
      console.write(bytes: object.finish() + [0x0A])
      return
    }
    // People read the first notes; the rest are counted (`--json` carries them all).
    let shown = 10
    for note in export.notes.prefix(shown) { console.message("note: \(note)") }
    if export.notes.count > shown {
      console.message(
        "note: and \(export.notes.count - shown) more notes like these (--json lists them all)")
    }
    let what =
      "\(summary.storiesAdded) stories, \(summary.tellingsAdded) tellings, \(summary.answersAdded) answers, \(summary.itemsAdded) items, \(summary.nodesAdded) nodes"
    let unchanged =
      summary.storiesUnchanged + summary.withdrawnLeftAlone > 0
      ? " (\(summary.storiesUnchanged + summary.withdrawnLeftAlone) stories already in the ledger)"
      : ""
    if isDryRun {
      console.write("valid: importing \(path) would add \(what)\(unchanged)\n")
    } else if summary.isRepeat {
      console.write(
        ImportCommand.repeated(path, key: try arguments.value(ImportCommand.idempotencyKey)))
    } else if summary.storiesAdded + summary.tellingsAdded + summary.answersAdded
      + summary.itemsAdded == 0
    {
      console.write("nothing new in \(path): every story is already in the ledger\n")
    } else {
      console.write("imported \(path): \(what)\(unchanged)\n")
    }
  }

  /// The bytes of a file named on the command line: exit 66 when it does not exist.
  static func read(_ path: String, in context: Context) throws -> [UInt8] {
    let url = context.url(for: path)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
      throw LedgerError(.notFound, "\(path) does not exist", path: path)
    }
    guard !isDirectory.boolValue else {
      throw LedgerError(.invalid, "\(path) is a directory, not a file", path: path)
    }
    do {
      return Array(try Data(contentsOf: url))
    } catch {
      throw LedgerError(.io, "cannot read \(path): \(error.localizedDescription)", path: path)
    }
  }
}
