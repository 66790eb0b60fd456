import Foundation
import StoryLedger

/// What the recording commands share: options for safe writes, reading a narrative, and
/// printing what was recorded.
enum Recording {
  /// `--idempotency-key` and `--actor`, for every recording command.
  static let writeOptions: [OptionSpec] = [
    .value(
      "--idempotency-key", "K", "a key for this change: repeating the command with it adds nothing"),
    .value("--actor", "NAME", "who is recording (default: $USER)"),
    .json,
  ]

  /// `--expect-version`, for commands about a story.
  static let expectVersion = OptionSpec.value(
    "--expect-version", "N",
    "fail with a conflict unless the story is at version N (see `story show`)")

  /// The append options the command line gives; `story` is the story the command is about.
  static func options(_ arguments: ParsedArguments, story: String? = nil) throws
    -> Ledger.AppendOptions
  {
    var options = Ledger.AppendOptions(lockTimeout: arguments.lockTimeout)
    if let actor = arguments.value("--actor") {
      guard !actor.trimmingCharacters(in: .whitespaces).isEmpty else {
        throw UsageError("--actor cannot be empty", usage: arguments.usage)
      }
      options.actor = actor
    }
    if let key = arguments.value("--idempotency-key") {
      guard !key.isEmpty, key.utf8.count <= 200 else {
        throw UsageError("--idempotency-key must be 1 to 200 bytes", usage: arguments.usage)
      }
      options.idempotencyKey = key
    }
    if let version = try arguments.integer("--expect-version", in: 1...Int(Int32.max)),
      let story
    {
      options.expectedVersion = Ledger.ExpectedVersion(story: story, version: version)
    }
    return options
  }

  /// Reads a narrative from `--text`, `--file`, or standard input.
  static func narrative(_ arguments: ParsedArguments, in context: Context) throws -> String {
    let text = arguments.value("--text")
    let file = arguments.value("--file")
    if text != nil && file != nil {
      throw UsageError("give the narrative with --text or --file, not both", usage: arguments.usage)
    }
    if let text { return text }
    let bytes: [UInt8]
    let source: String
    if let file {
      let url = context.url(for: file)
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
        throw LedgerError(.notFound, "narrative file \(file) does not exist", path: url.path)
      }
      guard !isDirectory.boolValue else {
        throw LedgerError(.notFound, "narrative file \(file) is a directory", path: url.path)
      }
      guard let data = FileManager.default.contents(atPath: url.path) else {
        throw LedgerError(.io, "cannot read narrative file \(file)", path: url.path)
      }
      bytes = Array(data)
      source = "narrative file \(file)"
    } else {
      bytes = context.console.readInput()
      source = "the narrative on standard input"
    }
    if let offset = UTF8Validation.firstInvalidOffset(in: bytes) {
      throw LedgerError(
        .invalid,
        "\(source) is not UTF-8 text (the byte at offset \(offset) starts no valid UTF-8 character)"
      )
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// A date option, defaulting to nothing (the library uses today in the ledger's zone).
  static func day(_ arguments: ParsedArguments, _ name: String = "--on") throws -> Day? {
    try arguments.day(name)
  }

  /// Prints what a recording command did: `key` alone (or JSON) on standard output, and a
  /// note on standard error when it repeated an idempotency key.
  static func report(
    _ recorded: Ledger.Recorded<some Sendable & Hashable>, printing key: String, what: String,
    arguments: ParsedArguments,
    context: Context
  ) {
    if arguments.has("--json") {
      var object = JSONObjectWriter(bytes: [])
      object.string("key", key)
      if recorded.version > 0 { object.number("version", recorded.version) }
      object.raw("repeat", recorded.append.isRepeat ? "true" : "false")
      if let first = recorded.append.events.first?.sequence { object.number("sequence", first) }
      context.console.write(bytes: object.finish() + [0x0A])
    } else {
      context.console.write(key + "\n")
    }
    if recorded.append.isRepeat {
      let when = recorded.append.originalSequence.map { " (event \($0))" } ?? ""
      context.console.message(
        arguments.value("--idempotency-key") != nil
          ? "storyledger: note: \(what) was recorded before with this --idempotency-key\(when); nothing was added"
          : "storyledger: note: \(what) was recorded before\(when); nothing new was added")
    }
  }

  /// Parses `STORY/ITEM` (the story part may be a prefix).
  static func itemReference(_ text: String, usage: String) throws -> ItemRef {
    guard let reference = ItemRef(parsing: text) else {
      throw UsageError("\"\(text)\" is not STORY/ITEM (for example k3f9xq/i1)", usage: usage)
    }
    return reference
  }

  /// The item facts the options give (`--visibility`, `--description`, …); `--evidence-file`
  /// is read (relative to the working directory) for its SHA-256 digest.
  static func facts(_ arguments: ParsedArguments, in context: Context) throws -> ItemFacts {
    var facts = ItemFacts()
    facts.visibility = try arguments.value("--visibility") { try Visibility(parsing: $0) }
    facts.description = arguments.value("--description")
    facts.quantity = try arguments.value("--quantity") { text -> String in
      try DecimalText.validate(text, field: "--quantity")
      return text
    }
    facts.unit = arguments.value("--unit")
    facts.monetised = try arguments.value("--monetised") {
      try Money(parsing: $0, field: "--monetised")
    }
    facts.weight = try arguments.integer("--weight", in: 1...5)
    facts.evidence = arguments.value("--evidence")
    (facts.evidenceLink, facts.evidenceDigest) = try evidenceLinkAndDigest(arguments, in: context)
    return facts
  }

  /// `--evidence-link URL` and the digest of `--evidence-file PATH` or `--evidence-sha256 HEX`,
  /// checked.
  static func evidenceLinkAndDigest(_ arguments: ParsedArguments, in context: Context) throws
    -> (link: String?, digest: String?)
  {
    let link = try arguments.value("--evidence-link") { text -> String in
      try EvidenceLink.validate(text)
      return text
    }
    let file = arguments.value("--evidence-file")
    let given = arguments.value("--evidence-sha256")
    if file != nil && given != nil {
      throw UsageError(
        "give --evidence-file or --evidence-sha256, not both", usage: arguments.usage)
    }
    if let given {
      let digest = given.lowercased()
      do { try EvidenceLink.validateDigest(digest) } catch {
        throw UsageError(
          error.description.replacingOccurrences(of: "evidence digest", with: "--evidence-sha256"),
          usage: arguments.usage)
      }
      return (link, digest)
    }
    return (link, try file.map { try EvidenceLink.digest(ofFileAt: context.url(for: $0)) })
  }

  /// The options that make evidence checkable.
  static let evidenceOptions: [OptionSpec] = [
    .value("--evidence-link", "URL", "where the evidence can be checked (https://…, doi:…)"),
    .value(
      "--evidence-file", "PATH",
      "an evidence file kept outside the ledger: its SHA-256 digest is recorded"),
    .value("--evidence-sha256", "HEX", "the SHA-256 digest of an evidence file, if known"),
  ]

  /// The options that set item facts.
  static let factOptions: [OptionSpec] =
    [
      .value("--visibility", "V", "visible or invisible"),
      .value("--description", "T", "what the item of value is"),
      .value("--quantity", "Q", "a decimal quantity (with --unit)"),
      .value("--unit", "U", "the quantity's unit"),
      .value("--monetised", "M", "a proxy value in the ledger currency, at most 2 decimals"),
      .value("--weight", "W", "how much it matters, 1 to 5"),
      .value("--evidence", "E", "evidence of the value"),
    ] + evidenceOptions
}
