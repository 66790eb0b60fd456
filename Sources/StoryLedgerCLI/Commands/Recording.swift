import Foundation
import StoryLedger

/// What the recording commands share: options for safe writes, reading a narrative, and
/// printing what was recorded.
enum Recording {
  /// `--idempotency-key K`: repeating the command with the same key adds nothing.
  static let idempotencyKey = Option(
    "--idempotency-key", "K", "a key for this change: repeating the command with it adds nothing")
  /// `--actor NAME`: who is recording.
  static let actor = Option("--actor", "NAME", "who is recording (default: $USER)")

  /// `--idempotency-key`, `--actor` and `--json`, for every recording command.
  static let writeOptions: [any OptionDeclaration] = [idempotencyKey, actor, Flag.json]

  /// `--session KEY`: the session the command records in (see `session start`).
  static let session = Option(
    "--session", "KEY",
    "record it in this session (see `session start`): the session's node must be this command's node or above it"
  )

  /// The write options and `--session`: for every command that records what came out of a
  /// session (stories, items, answers, selections, feedback, account and pledge steps).
  static let recordingOptions: [any OptionDeclaration] = writeOptions + [session]

  /// `--expect-version`, for commands about a story.
  static let expectVersion = Option.integer(
    "--expect-version", "N",
    "fail with a conflict unless the story is at version N (see `story show`)",
    in: 1...Int(Int32.max))

  /// `--text T`: a narrative given on the command line.
  static let narrativeText = Option("--text", "T", "the narrative")
  /// `--file F`: a narrative read from a file.
  static let narrativeFile = Option("--file", "F", "read the narrative from a UTF-8 file")

  /// The append options the command line gives; `story` is the story the command is about.
  static func options(_ arguments: ParsedArguments, story: String? = nil) throws
    -> Ledger.AppendOptions
  {
    var options = Ledger.AppendOptions(lockTimeout: arguments.lockTimeout)
    if let actor = try arguments.value(Recording.actor) {
      guard !actor.trimmingCharacters(in: .whitespaces).isEmpty else {
        throw UsageError("--actor cannot be empty", usage: arguments.usage)
      }
      options.actor = actor
    }
    if let key = try arguments.value(Recording.idempotencyKey) {
      guard !key.isEmpty, key.utf8.count <= 200 else {
        throw UsageError("--idempotency-key must be 1 to 200 bytes", usage: arguments.usage)
      }
      options.idempotencyKey = key
    }
    if arguments.declares(session), let key = try arguments.value(session) {
      guard !key.trimmingCharacters(in: .whitespaces).isEmpty else {
        throw UsageError("--session cannot be empty: give a session's key", usage: arguments.usage)
      }
      options.session = key
    }
    if let story, let version = try arguments.value(expectVersion) {
      options.expectedVersion = Ledger.ExpectedVersion(story: story, version: version)
    }
    return options
  }

  /// Reads a narrative from `text` (``narrativeText`` unless the command words its help
  /// otherwise), ``narrativeFile``, or standard input.
  static func narrative(
    _ arguments: ParsedArguments, text textOption: Option<String> = narrativeText,
    in context: Context
  ) throws -> String {
    let text = try arguments.value(textOption)
    let file = try arguments.value(narrativeFile)
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

  /// Records what `record` appends, with the append options the command line gives (`story`
  /// is the story the command is about), and reports it as `what`, printing `key` (by
  /// default the reference of what was recorded).
  @discardableResult
  static func record<Ref: Sendable & Hashable & CustomStringConvertible>(
    _ arguments: ParsedArguments, in context: Context, story: String? = nil, what: String,
    printing key: String? = nil,
    _ record: (_ ledger: Ledger, _ options: Ledger.AppendOptions) throws -> Ledger.Recorded<Ref>
  ) throws -> Ledger.Recorded<Ref> {
    try self.record(
      arguments, in: context, options: try options(arguments, story: story), what: what,
      printing: key, record)
  }

  /// Records what `record` appends with `options`, read by ``options(_:story:)`` before
  /// something else the command reads, and reports it as `what`.
  @discardableResult
  static func record<Ref: Sendable & Hashable & CustomStringConvertible>(
    _ arguments: ParsedArguments, in context: Context, options: Ledger.AppendOptions,
    what: String, printing key: String? = nil,
    _ record: (_ ledger: Ledger, _ options: Ledger.AppendOptions) throws -> Ledger.Recorded<Ref>
  ) throws -> Ledger.Recorded<Ref> {
    let ledger = try context.openLedger()
    let recorded = try record(ledger, options)
    report(
      recorded, printing: key ?? recorded.ref.description, what: what, arguments: arguments,
      context: context)
    return recorded
  }

  /// Prints what a recording command did: `key` alone (or JSON) on standard output, and a
  /// note on standard error when it repeated an idempotency key.
  static func report(
    _ recorded: Ledger.Recorded<some Sendable & Hashable>, printing key: String, what: String,
    arguments: ParsedArguments,
    context: Context
  ) {
    if arguments.has(Flag.json) {
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
        arguments.isGiven(idempotencyKey)
          ? "storyledger: note: \(what) was recorded before with this --idempotency-key\(when); nothing was added"
          : "storyledger: note: \(what) was recorded before\(when); nothing new was added")
    }
  }

  /// Refuses a `--share` that names no level of the ledger.
  static func checkShare(_ share: String?, in ledger: Ledger, usage: String) throws {
    guard let share, ledger.configuration.depth(ofLevel: share) == nil else { return }
    throw UsageError(
      ValueError(
        field: "--share", value: share, reason: "is not a level of this ledger",
        validValues: ledger.configuration.levels
      ).description, usage: usage)
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
    facts.visibility = try arguments.value(Facts.visibility)
    facts.description = try arguments.value(Facts.description)
    facts.quantity = try arguments.value(Facts.quantity)
    facts.unit = try arguments.value(Facts.unit)
    facts.monetised = try arguments.value(Facts.monetised)
    facts.proxy = try arguments.value(Facts.proxy)
    facts.multiplier = try arguments.value(Facts.multiplier)
    if facts.monetised != nil, facts.proxy != nil {
      throw UsageError(
        "give --monetised or --proxy, not both: with --proxy the monetised value is computed",
        usage: arguments.usage)
    }
    facts.weight = try arguments.value(Facts.weight)
    facts.evidence = try arguments.value(Facts.evidence)
    (facts.evidenceLink, facts.evidenceDigest) = try evidenceLinkAndDigest(arguments, in: context)
    return facts
  }

  /// `--evidence-link URL` and the digest of `--evidence-file PATH` or `--evidence-sha256 HEX`,
  /// checked.
  static func evidenceLinkAndDigest(_ arguments: ParsedArguments, in context: Context) throws
    -> (link: String?, digest: String?)
  {
    let link = try arguments.value(Evidence.link)
    let file = try arguments.value(Evidence.file)
    let given = try arguments.value(Evidence.digest)
    if file != nil && given != nil {
      throw UsageError(
        "give --evidence-file or --evidence-sha256, not both", usage: arguments.usage)
    }
    if let given { return (link, given) }
    return (link, try file.map { try EvidenceLink.digest(ofFileAt: context.url(for: $0)) })
  }

  /// The options that make evidence checkable.
  enum Evidence {
    static let link = Option(
      "--evidence-link", "URL", "where the evidence can be checked (https://…, doi:…)"
    ) { text -> String in
      try EvidenceLink.validate(text)
      return text
    }
    static let file = Option(
      "--evidence-file", "PATH",
      "an evidence file kept outside the ledger: its SHA-256 digest is recorded")
    static let digest = Option(
      "--evidence-sha256", "HEX", "the SHA-256 digest of an evidence file, if known"
    ) { text -> String in
      let digest = text.lowercased()
      guard (try? EvidenceLink.validateDigest(digest)) != nil else {
        throw ValueError(
          field: "--evidence-sha256", value: text,
          reason: "is not a SHA-256 digest: 64 hexadecimal digits, 0-9 and a-f")
      }
      return digest
    }

    static let all: [any OptionDeclaration] = [link, file, digest]
  }

  /// The options that set item facts.
  enum Facts {
    static let visibility = Option("--visibility", "V", "visible or invisible") {
      try Visibility(parsing: $0)
    }
    static let description = Option("--description", "T", "what the item of value is")
    static let quantity = Option("--quantity", "Q", "a decimal quantity (with --unit)") {
      text -> String in
      try DecimalText.validate(text, field: "--quantity")
      return text
    }
    static let unit = Option("--unit", "U", "the quantity's unit")
    static let monetised = Option(
      "--monetised", "M", "a proxy value in the ledger currency, at most 2 decimals"
    ) { try Money(parsing: $0, field: "--monetised") }
    static let weight = Option.integer("--weight", "W", "how much it matters, 1 to 5", in: 1...5)
    static let evidence = Option("--evidence", "E", "evidence of the value")
    static let proxy = Option(
      "--proxy", "NAME",
      "compute the monetised value as quantity × this proxy's value on the date (see `proxy set`)")
    static let multiplier = Option(
      "--multiplier", "X", "multiply the proxy's value too (a decimal above zero; default 1)"
    ) { text -> String in
      try ProxyArithmetic.validateMultiplier(text)
      return text
    }

    static let all: [any OptionDeclaration] =
      [
        visibility, description, quantity, unit, monetised, proxy, multiplier, weight, evidence,
      ] + Evidence.all
  }
}
