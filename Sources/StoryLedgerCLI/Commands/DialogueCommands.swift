import Foundation
import StoryLedger

/// What the dialogue commands share.
enum Dialogue {
  static let period = OptionSpec.value(
    "--period", "P", "the period: 2026, 2026-Q1, 2026-03, 2026-W05, a day, or FROM..TO")
  static let by = OptionSpec.value("--by", "WHO", "who takes this step (default: --actor or $USER)")

  static func node(_ arguments: ParsedArguments, _ index: Int = 0, field: String = "NODE") throws
    -> NodePath
  {
    try NodePath(parsing: arguments.positionals[index], field: field)
  }

  static func period(_ arguments: ParsedArguments) throws -> DateRange {
    guard
      let period = try arguments.value(
        "--period", { try DateRange(parsing: $0, field: "--period") })
    else {
      throw UsageError(
        "missing --period (\(DateRange.acceptedForms.joined(separator: ", ")))",
        usage: arguments.usage)
    }
    return period
  }

  /// Runs one step of an account's life (propose, object, respond, settle, reopen): reads
  /// NODE, `--period`, `--by` and the write options, records the step `record` makes, and
  /// reports it as `what`.
  static func accountStep(
    _ arguments: ParsedArguments, in context: Context, what: String,
    _ record: (
      _ ledger: Ledger, _ node: NodePath, _ period: DateRange, _ by: String?,
      _ options: Ledger.AppendOptions
    ) throws -> Ledger.Recorded<AccountRef>
  ) throws {
    let node = try node(arguments)
    let period = try period(arguments)
    let options = try Recording.options(arguments)
    let ledger = try context.openLedger()
    let recorded = try record(ledger, node, period, arguments.value("--by"), options)
    Recording.report(
      recorded, printing: recorded.ref.description, what: what, arguments: arguments,
      context: context)
  }

  static func text(_ arguments: ParsedArguments, _ name: String, what: String) throws -> String {
    guard let text = arguments.value(name), !text.trimmingCharacters(in: .whitespaces).isEmpty
    else {
      throw UsageError("missing \(name) (\(what))", usage: arguments.usage)
    }
    return text
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

/// `storyledger account propose|object|respond|settle|reopen`.
enum AccountProposeCommand: Command {
  static let spec = CommandSpec(
    name: "account propose", abstract: "propose a settled account of NODE's subtree for a period",
    arguments: "NODE --period P [--text T | --file F] [--by WHO]", positionals: ["NODE"],
    minimumPositionals: 1,
    discussion: """
      Freezes the six-box figures of NODE's subtree at the end of the period (with the value
      made visible during it), the children's settled accounts for the same period, and the
      stories selected at NODE (see `select`), with a narrative from --text, --file or
      standard input. An account that is not settled may be proposed again (a new version).
      """,
    examples: [
      "storyledger account propose nhs/north-east/trust-07 --period 2026-Q1 --text \"Walking became how we work.\""
    ],
    options: [
      Dialogue.period, .value("--text", "T", "the account's narrative"),
      .value("--file", "F", "read the narrative from a UTF-8 file"), Dialogue.by,
    ] + Recording.recordingOptions)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let narrative = try Recording.narrative(arguments, in: context)
    try Dialogue.accountStep(arguments, in: context, what: "the proposal") {
      ledger, node, period, by, options in
      try ledger.proposeAccount(
        of: node, period: period, narrative: narrative, by: by, options: options)
    }
  }
}

enum AccountObjectCommand: Command {
  static let spec = CommandSpec(
    name: "account object", abstract: "object to a proposed account, with a reason",
    arguments: "NODE --period P --reason TEXT [--by WHO]", positionals: ["NODE"],
    minimumPositionals: 1,
    discussion:
      "The reason says why, in any language. A settled account is reopened before anyone objects.",
    examples: [
      "storyledger account object nhs/north-east --period 2026-Q1 --reason \"The walking figures leave out the night teams.\" --by \"Sam Reed\""
    ],
    options: [Dialogue.period, .value("--reason", "TEXT", "why, in any language"), Dialogue.by]
      + Recording.recordingOptions)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let reason = try Dialogue.text(arguments, "--reason", what: "why, in any language")
    try Dialogue.accountStep(arguments, in: context, what: "the objection") {
      ledger, node, period, by, options in
      try ledger.objectToAccount(
        of: node, period: period, reason: reason, by: by, options: options)
    }
  }
}

enum AccountRespondCommand: Command {
  static let spec = CommandSpec(
    name: "account respond", abstract: "answer an objection to an account",
    arguments: "NODE --period P --objection N --text T [--by WHO]", positionals: ["NODE"],
    minimumPositionals: 1,
    discussion:
      "Answers objection N (1 for the first; `accounts NODE` numbers them); an answered objection no longer blocks settling.",
    examples: [
      "storyledger account respond nhs/north-east --period 2026-Q1 --objection 1 --text \"Night teams are in the March figures.\""
    ],
    options: [
      Dialogue.period, .value("--objection", "N", "the objection's number"),
      .value("--text", "T", "the answer"), Dialogue.by,
    ] + Recording.recordingOptions)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    guard let number = try arguments.integer("--objection", in: 1...100_000) else {
      throw UsageError("missing --objection N", usage: spec.usage)
    }
    let text = try Dialogue.text(arguments, "--text", what: "the answer")
    try Dialogue.accountStep(arguments, in: context, what: "the response") {
      ledger, node, period, by, options in
      try ledger.respondToObjection(
        number, of: node, period: period, response: text, by: by, options: options)
    }
  }
}

enum AccountSettleCommand: Command {
  static let spec = CommandSpec(
    name: "account settle", abstract: "settle an account by agreement",
    arguments: "NODE --period P [--over-objections NOTE] [--by WHO]", positionals: ["NODE"],
    minimumPositionals: 1,
    discussion: """
      Refused while objections are open, unless --over-objections gives the note recorded for
      settling over them. A settled account is an input to its parent's next proposal and
      comes down to the node's descendants' inboxes.
      """,
    examples: [
      "storyledger account settle nhs/north-east --period 2026-Q1",
      "storyledger account settle nhs/north-east --period 2026-Q1 --over-objections \"Agreed at the May board; night figures follow in Q2.\"",
    ],
    options: [
      Dialogue.period,
      .value("--over-objections", "NOTE", "settle although objections are open, with this note"),
      Dialogue.by,
    ] + Recording.recordingOptions)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let note = arguments.value("--over-objections")
    try Dialogue.accountStep(arguments, in: context, what: "the settlement") {
      ledger, node, period, by, options in
      try ledger.settleAccount(
        of: node, period: period, overObjections: note, by: by, options: options)
    }
  }
}

enum AccountReopenCommand: Command {
  static let spec = CommandSpec(
    name: "account reopen", abstract: "reopen a settled account, with a reason",
    arguments: "NODE --period P --reason TEXT [--by WHO]", positionals: ["NODE"],
    minimumPositionals: 1,
    discussion: "A reopened account can be objected to, proposed again and settled again.",
    examples: [
      "storyledger account reopen nhs/north-east --period 2026-Q1 --reason \"Late stories from two wards.\""
    ],
    options: [Dialogue.period, .value("--reason", "TEXT", "why"), Dialogue.by]
      + Recording.recordingOptions)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let reason = try Dialogue.text(arguments, "--reason", what: "why it is reopened")
    try Dialogue.accountStep(arguments, in: context, what: "the reopening") {
      ledger, node, period, by, options in
      try ledger.reopenAccount(of: node, period: period, reason: reason, by: by, options: options)
    }
  }
}

/// `storyledger accounts NODE`: the node's accounts with their states through time.
enum AccountsCommand: Command {
  static let spec = CommandSpec(
    name: "accounts",
    abstract: "NODE's accounts, their states through time, and whether they are stale",
    arguments: "NODE [--json]", positionals: ["NODE"], minimumPositionals: 1,
    discussion: """
      Each account of NODE by period: its state (proposed, objected, settled, reopened), its
      frozen figures, and STALE with the differences when the ledger now says otherwise (a
      late story, a revision); then its objections and its history. Story titles show only
      where their share scope reaches NODE (the subtree of the story's ancestor at its share level).
      """,
    examples: ["storyledger accounts nhs/north-east", "storyledger accounts nhs --json"],
    options: [.json])

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let node = try Dialogue.node(arguments)
    let ledger = try context.openLedger()
    let accounts = try ledger.state.accounts(of: node)
    if arguments.has("--json") {
      try JSONOutput.write(accounts, to: context)
      return
    }
    guard !accounts.isEmpty else {
      context.console.message(
        "\(node) has no accounts yet; propose one with `storyledger account propose`")
      return
    }
    context.console.write(
      accounts.map { Dialogue.render($0, currency: ledger.configuration.currency) }.joined(
        separator: "\n\n") + "\n")
  }
}

/// `storyledger select NODE --period P --story K --reason R ...`.
enum SelectCommand: Command {
  static let spec = CommandSpec(
    name: "select",
    abstract: "choose the most significant stories at NODE for a period, or list the candidates",
    arguments:
      "NODE --period P [--story K --reason TEXT]... [--by WHO]... [--session KEY] [--json]",
    positionals: ["NODE"], minimumPositionals: 1,
    discussion: """
      As in the Most Significant Change technique: the candidates are NODE's own stories told
      (or retold) in the period and the stories NODE's children selected for the same period,
      where NODE may read them (within their share scope). Give each chosen story with --story and its reason,
      in any language, with the --reason after it; the candidates not chosen are recorded.
      Selections travel up as candidates for the parent. A panel selects with one --by per
      member. Without --story, lists the candidates and the selections made so far.
      """,
    examples: [
      "storyledger select nhs/north-east/trust-07 --period 2026-Q1",
      "storyledger select nhs/north-east/trust-07 --period 2026-Q1 --story k3f9 --reason \"It shows how walking together builds trust.\"",
      "storyledger select nhs/north-east --period 2026-Q1 --story k3f9 --reason \"Trust grew.\" --by \"Ana Lima\" --by \"Dilnoza Karimova\" --session s4k2m9p",
    ],
    options: [
      Dialogue.period,
      .value("--story", "K", "a story chosen (repeat for several)", repeatable: true),
      .value("--reason", "TEXT", "why the story before it was chosen", repeatable: true),
      .value(
        "--by", "WHO",
        "who selected (default: --actor or $USER); repeat for a panel of several people",
        repeatable: true),
    ] + Recording.recordingOptions)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let node = try Dialogue.node(arguments)
    let period = try Dialogue.period(arguments)
    let stories = arguments.all("--story")
    let reasons = arguments.all("--reason")
    guard stories.count == reasons.count else {
      throw UsageError(
        "give one --reason for each --story (\(stories.count) stories, \(reasons.count) reasons)",
        usage: spec.usage)
    }
    let options = try Recording.options(arguments)
    let ledger = try context.openLedger()
    if stories.isEmpty {
      let state = ledger.state
      let candidates = try state.candidateViews(at: node, period: period)
      let selections = try state.selections(at: node, period: period)
      if arguments.has("--json") {
        struct Listing: Encodable {
          var candidates: [String]
          var selected: [SelectionView]
        }
        try JSONOutput.write(
          Listing(candidates: candidates.map(\.story), selected: selections), to: context)
        return
      }
      var lines = ["candidates at \(node) for \(period):"]
      for candidate in candidates {
        lines.append("  \(candidate.story)  \(candidate.title ?? "(title not shared here)")")
      }
      if candidates.isEmpty { lines.append("  (none)") }
      lines.append("selected:")
      for selection in selections {
        lines.append(
          "  \(selection.story)  \(selection.title ?? "")  — \(selection.reason) (by \(selection.by)"
            + (selection.session.map { ", session \($0)" } ?? "") + ")")
      }
      if selections.isEmpty { lines.append("  (none yet)") }
      context.console.write(lines.joined(separator: "\n") + "\n")
      return
    }
    let choices = zip(stories, reasons).map { StoriesSelected.Choice(story: $0, reason: $1) }
    let recorded = try ledger.selectStories(
      at: node, period: period, choices: choices, panel: arguments.all("--by"), options: options)
    Recording.report(
      recorded, printing: recorded.ref.map(\.key).joined(separator: ","), what: "the selection",
      arguments: arguments,
      context: context)
  }
}

/// `storyledger feedback FROM --to NODE --text T`.
enum FeedbackCommand: Command {
  static let spec = CommandSpec(
    name: "feedback", abstract: "send feedback down from NODE to a child or a whole subtree",
    arguments: "NODE --to DESCENDANT [--subtree] --text T [--story K] [--account P] [--by WHO]",
    positionals: ["NODE"], minimumPositionals: 1,
    discussion: """
      Sends feedback from NODE to one of its descendants (with --subtree, to every node of
      that descendant's subtree), optionally about a story or one of NODE's accounts (by its
      period). It appears in `inbox` and `cascade down` of the nodes it reaches.
      """,
    examples: [
      "storyledger feedback nhs/north-east --to nhs/north-east/trust-07 --text \"Thank you: the walking story is in our Q1 account.\" --story k3f9",
      "storyledger feedback nhs --to nhs/north-east --subtree --text \"Q1 is settled.\" --account 2026-Q1",
    ],
    options: [
      .value("--to", "DESCENDANT", "the node it is sent to"),
      .flag("--subtree", "send it to the descendant's whole subtree"),
      .value("--text", "T", "the feedback"), .value("--story", "K", "a story it is about"),
      .value("--account", "P", "the period of NODE's account it is about"), Dialogue.by,
    ] + Recording.recordingOptions)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let from = try Dialogue.node(arguments)
    guard let toText = arguments.value("--to") else {
      throw UsageError("missing --to DESCENDANT", usage: spec.usage)
    }
    let to = try NodePath(parsing: toText, field: "--to")
    let text = try Dialogue.text(arguments, "--text", what: "the feedback")
    let account = try arguments.value("--account") {
      try DateRange(parsing: $0, field: "--account")
    }
    let options = try Recording.options(arguments)
    let ledger = try context.openLedger()
    let recorded = try ledger.sendFeedback(
      from: from, to: to, toSubtree: arguments.has("--subtree"), text: text,
      story: arguments.value("--story").map { StoryRef($0) }, account: account,
      by: arguments.value("--by"),
      options: options)
    Recording.report(
      recorded, printing: recorded.ref.description, what: "the feedback", arguments: arguments,
      context: context
    )
  }
}

/// `storyledger inbox NODE`: what came down.
enum InboxCommand: Command {
  static let spec = CommandSpec(
    name: "inbox", abstract: "everything that came down to NODE, newest first",
    arguments: "NODE [--json]", positionals: ["NODE"], minimumPositionals: 1,
    discussion: """
      Feedback sent to NODE (or to an ancestor's whole subtree), the stories NODE's ancestors
      selected, and their settled accounts, newest first. Story titles show only where their
      share scope reaches NODE (the subtree of the story's ancestor at its share level).
      """,
    examples: [
      "storyledger inbox nhs/north-east/trust-07/ward-3", "storyledger inbox nhs/north-east --json",
    ],
    options: [.json])

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let node = try Dialogue.node(arguments)
    let ledger = try context.openLedger()
    let entries = try ledger.state.inbox(of: node)
    if arguments.has("--json") {
      try JSONOutput.write(entries, to: context)
      return
    }
    guard !entries.isEmpty else {
      context.console.message("nothing has come down to \(node) yet")
      return
    }
    context.console.write(Self.render(entries) + "\n")
  }

  static func render(_ entries: [InboxEntry]) -> String {
    entries.map { entry in
      var line = "\(entry.recordedAt)  \(entry.kind) from \(entry.from) by \(entry.by)"
      if let period = entry.period { line += " · \(period)" }
      if let story = entry.story {
        line +=
          " · story \(story)"
          + (entry.title.map { " \"\($0)\"" } ?? " (title not shared here)")
      }
      return line + "\n    " + entry.text
    }.joined(separator: "\n")
  }
}

/// `storyledger pledge make|join|fulfil|withdraw`.
enum PledgeMakeCommand: Command {
  static let spec = CommandSpec(
    name: "pledge make", abstract: "make a pledge at a node; prints its key",
    arguments: "NODE --text T [--due DATE] [--if-joined N] [--on DATE] [--by WHO]",
    positionals: ["NODE"], minimumPositionals: 1,
    discussion: """
      A dated promise to make an improvement. With --due it lapses if not fulfilled by the
      end of that day; with --if-joined N it is active only once N others have joined.
      Prints the pledge's key (p and five characters), accepted by unambiguous prefix.
      """,
    examples: [
      "storyledger pledge make nhs/north-east/trust-07 --text \"I will walk one clinic a week.\" --due 2026-06-30 --by \"Asha Patel\"",
      "storyledger pledge make nhs/north-east --text \"We will open a walking route\" --if-joined 5",
    ],
    options: [
      .value("--text", "T", "what is pledged"), .value("--due", "DATE", "when it is due"),
      .value("--if-joined", "N", "active only once N others join (N ≥ 1)"),
      .value("--on", "DATE", "the date it is made (default today)"),
      .value("--key", "KEY", "the pledge's key (default: generated)"), Dialogue.by,
    ] + Recording.recordingOptions)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let node = try Dialogue.node(arguments)
    let text = try Dialogue.text(arguments, "--text", what: "what is pledged")
    let due = try arguments.day("--due")
    let condition = try arguments.value("--if-joined") { text -> Int in
      guard let number = Int(text), number >= 1, number <= 1_000_000 else {
        throw ValueError(
          field: "--if-joined", value: text,
          reason: "is not a whole number of at least 1 (others who must join)")
      }
      return number
    }
    let on = try arguments.day("--on")
    let options = try Recording.options(arguments)
    let ledger = try context.openLedger()
    let recorded = try ledger.makePledge(
      at: node, text: text, on: on, due: due, condition: condition ?? 0,
      by: arguments.value("--by"),
      key: arguments.value("--key"), options: options)
    Recording.report(
      recorded, printing: recorded.ref.description, what: "the pledge", arguments: arguments,
      context: context)
  }
}

enum PledgeJoinCommand: Command {
  static let spec = CommandSpec(
    name: "pledge join", abstract: "join a pledge",
    arguments: "PLEDGE [--by WHO] [--on DATE]", positionals: ["PLEDGE"], minimumPositionals: 1,
    discussion: "One joins a pledge once, and not one's own.",
    examples: ["storyledger pledge join p7k2m --by \"Sam Reed\""],
    options: [.value("--on", "DATE", "the date (default today)"), Dialogue.by]
      + Recording.recordingOptions)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let on = try arguments.day("--on")
    let options = try Recording.options(arguments)
    let ledger = try context.openLedger()
    let recorded = try ledger.joinPledge(
      PledgeRef(arguments.positionals[0]), on: on, by: arguments.value("--by"), options: options)
    Recording.report(
      recorded, printing: recorded.ref.description, what: "the joining", arguments: arguments,
      context: context)
  }
}

enum PledgeFulfilCommand: Command {
  static let spec = CommandSpec(
    name: "pledge fulfil", abstract: "record that a story fulfilled a pledge",
    arguments: "PLEDGE --story K [--on DATE] [--by WHO]", positionals: ["PLEDGE"],
    minimumPositionals: 1,
    discussion:
      "Links the pledge to the story that shows it done. A withdrawn pledge cannot be fulfilled.",
    examples: ["storyledger pledge fulfil p7k2m --story k3f9 --on 2026-05-30"],
    options: [
      .value("--story", "K", "the story that fulfils it"),
      .value("--on", "DATE", "the date (default today)"),
      Dialogue.by,
    ] + Recording.recordingOptions)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let story = try Dialogue.text(arguments, "--story", what: "the story that fulfils it")
    let on = try arguments.day("--on")
    let options = try Recording.options(arguments)
    let ledger = try context.openLedger()
    let recorded = try ledger.fulfilPledge(
      PledgeRef(arguments.positionals[0]), story: StoryRef(story), on: on,
      by: arguments.value("--by"), options: options)
    Recording.report(
      recorded, printing: recorded.ref.description, what: "the fulfilment", arguments: arguments,
      context: context)
  }
}

enum PledgeWithdrawCommand: Command {
  static let spec = CommandSpec(
    name: "pledge withdraw", abstract: "withdraw a pledge",
    arguments: "PLEDGE [--reason TEXT] [--on DATE] [--by WHO]", positionals: ["PLEDGE"],
    minimumPositionals: 1,
    discussion: "A fulfilled pledge stays fulfilled; it cannot be withdrawn.",
    examples: ["storyledger pledge withdraw p7k2m --reason \"Moved to another trust.\""],
    options: [
      .value("--reason", "TEXT", "why"), .value("--on", "DATE", "the date (default today)"),
      Dialogue.by,
    ] + Recording.recordingOptions)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let on = try arguments.day("--on")
    let options = try Recording.options(arguments)
    let ledger = try context.openLedger()
    let recorded = try ledger.withdrawPledge(
      PledgeRef(arguments.positionals[0]), reason: arguments.value("--reason") ?? "", on: on,
      by: arguments.value("--by"), options: options)
    Recording.report(
      recorded, printing: recorded.ref.description, what: "the withdrawal", arguments: arguments,
      context: context)
  }
}

/// `storyledger pledges [NODE]`: pledges and where they stand.
enum PledgesCommand: Command {
  static let spec = CommandSpec(
    name: "pledges", abstract: "the pledges of a subtree and where they stand",
    arguments: "[NODE] [--as-of DATE] [--json]", positionals: ["NODE"],
    discussion:
      "Each pledge with its maker, text, due date, joiners and state (conditional, active, fulfilled, lapsed, withdrawn) at --as-of (default: everything recorded).",
    examples: [
      "storyledger pledges nhs/north-east", "storyledger pledges --as-of 2026-06-30 --json",
    ],
    options: [.value("--as-of", "DATE", "states as of the end of DATE"), .json])

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let node = try arguments.positionals.first.map { try NodePath(parsing: $0, field: "NODE") }
    let asOf = try arguments.day("--as-of")
    let ledger = try context.openLedger()
    let pledges = try ledger.state.pledges(under: node, asOf: asOf)
    if arguments.has("--json") {
      try JSONOutput.write(pledges, to: context)
      return
    }
    guard !pledges.isEmpty else {
      context.console.message(
        "no pledges yet; make one with `storyledger pledge make NODE --text T`")
      return
    }
    var table = TextTable(columns: [
      .init("pledge"), .init("node"), .init("status"), .init("by"), .init("made"), .init("due"),
      .init("joined", right: true), .init("text"),
    ])
    for pledge in pledges {
      table.add([
        pledge.key, pledge.node.description, pledge.status.rawValue, pledge.by,
        pledge.on.description,
        pledge.due?.description ?? "",
        pledge.condition > 0
          ? "\(pledge.joined.count)/\(pledge.condition)" : String(pledge.joined.count),
        pledge.text,
      ])
    }
    context.console.write(table.render() + "\n")
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
    options: [
      .value("--period", "P", "day, week, month, quarter or year"),
      .value("--level", "L", "the level whose nodes are the rows"),
      .value("--from", "DATE", "first day to cover"), .value("--to", "DATE", "last day to cover"),
      .value("--format", "FORMAT", "csv (default) or jsonl"),
      .value("--output", "FILE", "write to FILE instead of stdout"),
    ])

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    guard let period = try arguments.value("--period", { try Period(parsing: $0) }) else {
      throw UsageError(
        "missing --period (one of \(Period.allCases.map(\.rawValue).joined(separator: ", ")))",
        usage: spec.usage)
    }
    guard let level = arguments.value("--level") else {
      throw UsageError("missing --level (a level name of the ledger)", usage: spec.usage)
    }
    let format =
      try arguments.value("--format") { text -> ExportFormat in
        guard let format = ExportFormat(rawValue: text.lowercased()) else {
          throw ValueError(
            field: "--format", value: text, reason: "is not a format",
            validValues: ExportFormat.allCases.map(\.rawValue))
        }
        return format
      } ?? .csv
    let query: TimeSeriesQuery
    do {
      query = try TimeSeriesQuery(
        period: period, level: level, from: try arguments.day("--from"),
        to: try arguments.day("--to"))
    } catch let error as ValueError {
      throw UsageError(error.description, usage: spec.usage)
    }
    let ledger = try context.openLedger()
    do { _ = try ledger.configuration.depth(parsingLevel: level, field: "--level") } catch {
      throw UsageError(error.description, usage: spec.usage)
    }
    let output = try arguments.value("--output").map {
      try AtomicOutputFile(url: context.url(for: $0))
    }
    var buffer: [UInt8] = format == .csv ? PledgeSeriesRow.csvHeader : []
    var rows = 0
    try ledger.state.pledgeSeries(query) { row in
      row.append(as: format, to: &buffer)
      rows += 1
    }
    if let output {
      try output.write(buffer)
      try output.commit()
      context.console.message("wrote \(rows) rows to \(output.url.path)")
    } else {
      context.console.write(bytes: buffer)
    }
  }
}
