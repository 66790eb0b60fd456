import Foundation
import StoryLedger

/// One step of an account's life: `storyledger account propose|object|respond|settle|reopen`.
///
/// Each step declares its own options and reads them in ``read(_:in:)``; the shared ``run``
/// reads NODE, `--period`, `--by` and the write options, records the step and reports it.
protocol AccountStep: Command {
  /// What the step reads from its own options before the ledger is opened.
  associatedtype Input
  /// The step in the messages, for example `the proposal`.
  static var what: String { get }
  /// Reads and checks the step's own options.
  static func read(_ arguments: ParsedArguments, in context: Context) throws -> Input
  /// Records the step.
  static func record(
    _ input: Input, in ledger: Ledger, node: NodePath, period: DateRange, by: String?,
    options: Ledger.AppendOptions
  ) throws -> Ledger.Recorded<AccountRef>
}

extension AccountStep {
  /// The spec of `account STEP`: NODE, `--period`, the step's own options, `--by` and the
  /// write options.
  static func accountSpec(
    _ step: String, abstract: String, arguments: String, discussion: String,
    examples: [String], options: [any OptionDeclaration]
  ) -> CommandSpec {
    CommandSpec(
      name: "account \(step)", abstract: abstract,
      arguments: "NODE --period P \(arguments) [--by WHO]", discussion: discussion,
      examples: examples,
      options: [Dialogue.period] + options + [Dialogue.by] + Recording.recordingOptions)
  }

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let input = try read(arguments, in: context)
    let node = try arguments.node()
    let period = try Dialogue.period(arguments)
    try Recording.record(arguments, in: context, what: what) { ledger, options in
      try record(
        input, in: ledger, node: node, period: period, by: arguments.value(Dialogue.by),
        options: options)
    }
  }
}

enum AccountProposeCommand: AccountStep {
  static let spec = accountSpec(
    "propose", abstract: "propose a settled account of NODE's subtree for a period",
    arguments: "[--text T | --file F]",
    discussion: """
      Freezes the six-box figures of NODE's subtree at the end of the period (with the value
      made visible during it), the children's settled accounts for the same period, and the
      stories selected at NODE (see `select`), with a narrative from --text, --file or
      standard input. An account that is not settled may be proposed again (a new version).
      """,
    examples: [
      "storyledger account propose nhs/north-east/trust-07 --period 2026-Q1 --text \"Walking became how we work.\""
    ],
    options: [text, Recording.narrativeFile])

  static let text = Option("--text", "T", "the account's narrative")
  static let what = "the proposal"

  static func read(_ arguments: ParsedArguments, in context: Context) throws -> String {
    try Recording.narrative(arguments, text: text, in: context)
  }

  static func record(
    _ narrative: String, in ledger: Ledger, node: NodePath, period: DateRange, by: String?,
    options: Ledger.AppendOptions
  ) throws -> Ledger.Recorded<AccountRef> {
    try ledger.proposeAccount(
      of: node, period: period, narrative: narrative, by: by, options: options)
  }
}

enum AccountObjectCommand: AccountStep {
  static let spec = accountSpec(
    "object", abstract: "object to a proposed account, with a reason",
    arguments: "--reason TEXT",
    discussion:
      "The reason says why, in any language. A settled account is reopened before anyone objects.",
    examples: [
      "storyledger account object nhs/north-east --period 2026-Q1 --reason \"The walking figures leave out the night teams.\" --by \"Sam Reed\""
    ],
    options: [reason])

  static let reason = Option("--reason", "TEXT", "why, in any language")
  static let what = "the objection"

  static func read(_ arguments: ParsedArguments, in context: Context) throws -> String {
    try Dialogue.text(arguments, reason, what: "why, in any language")
  }

  static func record(
    _ reason: String, in ledger: Ledger, node: NodePath, period: DateRange, by: String?,
    options: Ledger.AppendOptions
  ) throws -> Ledger.Recorded<AccountRef> {
    try ledger.objectToAccount(of: node, period: period, reason: reason, by: by, options: options)
  }
}

enum AccountRespondCommand: AccountStep {
  static let spec = accountSpec(
    "respond", abstract: "answer an objection to an account",
    arguments: "--objection N --text T",
    discussion:
      "Answers objection N (1 for the first; `accounts NODE` numbers them); an answered objection no longer blocks settling.",
    examples: [
      "storyledger account respond nhs/north-east --period 2026-Q1 --objection 1 --text \"Night teams are in the March figures.\""
    ],
    options: [objection, text])

  static let objection = Option.integer(
    "--objection", "N", "the objection's number", in: 1...100_000)
  static let text = Option("--text", "T", "the answer")
  static let what = "the response"

  static func read(_ arguments: ParsedArguments, in context: Context) throws -> (Int, String) {
    guard let number = try arguments.value(objection) else {
      throw UsageError("missing --objection N", usage: spec.usage)
    }
    return (number, try Dialogue.text(arguments, text, what: "the answer"))
  }

  static func record(
    _ input: (Int, String), in ledger: Ledger, node: NodePath, period: DateRange, by: String?,
    options: Ledger.AppendOptions
  ) throws -> Ledger.Recorded<AccountRef> {
    try ledger.respondToObjection(
      input.0, of: node, period: period, response: input.1, by: by, options: options)
  }
}

enum AccountSettleCommand: AccountStep {
  static let spec = accountSpec(
    "settle", abstract: "settle an account by agreement",
    arguments: "[--over-objections NOTE]",
    discussion: """
      Refused while objections are open, unless --over-objections gives the note recorded for
      settling over them. A settled account is an input to its parent's next proposal and
      comes down to the node's descendants' inboxes.
      """,
    examples: [
      "storyledger account settle nhs/north-east --period 2026-Q1",
      "storyledger account settle nhs/north-east --period 2026-Q1 --over-objections \"Agreed at the May board; night figures follow in Q2.\"",
    ],
    options: [overObjections])

  static let overObjections = Option(
    "--over-objections", "NOTE", "settle although objections are open, with this note")
  static let what = "the settlement"

  static func read(_ arguments: ParsedArguments, in context: Context) throws -> String? {
    let note = try arguments.value(overObjections)
    if let note, note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
      throw UsageError(
        "--over-objections is empty; give the note recorded for settling over the open objections (why they are set aside)",
        usage: spec.usage)
    }
    return note
  }

  static func record(
    _ note: String?, in ledger: Ledger, node: NodePath, period: DateRange, by: String?,
    options: Ledger.AppendOptions
  ) throws -> Ledger.Recorded<AccountRef> {
    try ledger.settleAccount(
      of: node, period: period, overObjections: note, by: by, options: options)
  }
}

enum AccountReopenCommand: AccountStep {
  static let spec = accountSpec(
    "reopen", abstract: "reopen a settled account, with a reason",
    arguments: "--reason TEXT",
    discussion: "A reopened account can be objected to, proposed again and settled again.",
    examples: [
      "storyledger account reopen nhs/north-east --period 2026-Q1 --reason \"Late stories from two wards.\""
    ],
    options: [reason])

  static let reason = Option("--reason", "TEXT", "why")
  static let what = "the reopening"

  static func read(_ arguments: ParsedArguments, in context: Context) throws -> String {
    try Dialogue.text(arguments, reason, what: "why it is reopened")
  }

  static func record(
    _ reason: String, in ledger: Ledger, node: NodePath, period: DateRange, by: String?,
    options: Ledger.AppendOptions
  ) throws -> Ledger.Recorded<AccountRef> {
    try ledger.reopenAccount(of: node, period: period, reason: reason, by: by, options: options)
  }
}

/// `storyledger accounts NODE`: the node's accounts with their states through time.
enum AccountsCommand: Command {
  static let spec = CommandSpec(
    name: "accounts",
    abstract: "NODE's accounts, their states through time, and whether they are stale",
    arguments: "NODE [--json]",
    discussion: """
      Each account of NODE by period: its state (proposed, objected, settled, reopened), its
      frozen figures, and STALE with the differences when the ledger now says otherwise (a
      late story, a revision); then its objections and its history. Story titles show only
      where their share scope reaches NODE (the subtree of the story's ancestor at its share level).
      """,
    examples: ["storyledger accounts nhs/north-east", "storyledger accounts nhs --json"],
    options: [Flag.json])

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let node = try arguments.node()
    let ledger = try context.openLedger()
    let accounts = try ledger.accounts(of: node)
    try JSONOutput.show(
      accounts, arguments, in: context,
      empty: "\(node) has no accounts yet; propose one with `storyledger account propose`"
    ) {
      $0.map { render($0, currency: ledger.configuration.currency) }.joined(separator: "\n\n")
    }
  }

  /// Prints an account as people read it.
  static func render(_ account: AccountView, currency: String?) -> String {
    var lines = [
      "\(account.node) · \(account.period) · \(account.status.rawValue) · version \(account.version)"
        + (account.isStale ? " · STALE" : ""),
      "  proposed by \(account.proposedBy): \(account.narrative)",
    ]
    let figures = account.figures
    var boxes: [String] = []
    for dimension in Dimension.allCases {
      boxes.append(
        "\(dimension.rawValue) \(figures.boxes[dimension].visible.items)/\(figures.boxes[dimension].invisible.items)"
      )
    }
    lines.append(
      "  frozen: \(figures.stories) stories; visible/invisible items: \(boxes.joined(separator: ", ")); made visible \(figures.madeVisible.reduce(0, +)); monetised \(figures.boxes.total.monetised)\(currency.map { " " + $0 } ?? "")"
    )
    if account.isStale {
      lines.append("  the ledger now says: " + account.differences.joined(separator: "; "))
    }
    for child in account.children {
      lines.append(
        "  takes in \(child.node) (settled, version \(child.version), \(child.figures.stories) stories)"
      )
    }
    for story in account.selected {
      lines.append(
        "  selected \(story.story) \(story.title.map { "\"\($0)\"" } ?? "(title not shared here)"): \(story.reason)"
      )
    }
    for objection in account.objections {
      lines.append(
        "  objection \(objection.number) by \(objection.by): \(objection.reason)"
          + (objection.response.map { " — answered by \(objection.respondedBy ?? ""): \($0)" }
            ?? " (open)"))
    }
    lines.append("  history:")
    for entry in account.history {
      lines.append(
        "    \(entry.recordedAt)  \(entry.step) by \(entry.by)"
          + (entry.text.isEmpty ? "" : ": \(entry.text)"))
    }
    return lines.joined(separator: "\n")
  }
}
