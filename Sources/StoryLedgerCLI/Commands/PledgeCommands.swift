import Foundation
import StoryLedger

/// What the steps of a pledge's life after it is made share.
enum PledgeStep {
  /// `--on DATE`: the date of the step.
  static let on = Option.day("--on", "DATE", "the date (default today)")
}

/// `storyledger pledge make|join|fulfil|withdraw`.
enum PledgeMakeCommand: Command {
  static let spec = CommandSpec(
    name: "pledge make", abstract: "make a pledge at a node; prints its key",
    arguments: "NODE --text T [--due DATE] [--if-joined N] [--on DATE] [--by WHO]",
    discussion: """
      A dated promise to make an improvement. With --due it lapses if not fulfilled by the
      end of that day; with --if-joined N it is active only once N others have joined.
      Prints the pledge's key (p and five characters), accepted by unambiguous prefix.
      """,
    examples: [
      "storyledger pledge make nhs/north-east/trust-07 --text \"I will walk one clinic a week.\" --due 2026-06-30 --by \"Asha Patel\"",
      "storyledger pledge make nhs/north-east --text \"We will open a walking route\" --if-joined 5",
    ],
    options: [text, due, ifJoined, on, key, Dialogue.by] + Recording.recordingOptions)

  static let text = Option("--text", "T", "what is pledged")
  static let due = Option.day("--due", "DATE", "when it is due")
  static let ifJoined = Option("--if-joined", "N", "active only once N others join (N ≥ 1)") {
    text -> Int in
    guard let number = Int(text), number >= 1, number <= 1_000_000 else {
      throw ValueError(
        field: "--if-joined", value: text,
        reason: "is not a whole number of at least 1 (others who must join)")
    }
    return number
  }
  static let on = Option.day("--on", "DATE", "the date it is made (default today)")
  static let key = Option("--key", "KEY", "the pledge's key (default: generated)")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let node = try arguments.node()
    let text = try Dialogue.text(arguments, Self.text, what: "what is pledged")
    let due = try arguments.value(Self.due)
    let condition = try arguments.value(ifJoined)
    let on = try arguments.value(Self.on)
    try Recording.record(arguments, in: context, what: "the pledge") {
      ledger, options in
      try ledger.makePledge(
        at: node, text: text, on: on, due: due, condition: condition ?? 0,
        by: arguments.value(Dialogue.by), key: arguments.value(key), options: options)
    }
  }
}

enum PledgeJoinCommand: Command {
  static let spec = CommandSpec(
    name: "pledge join", abstract: "join a pledge",
    arguments: "PLEDGE [--by WHO] [--on DATE]",
    discussion: "One joins a pledge once, and not one's own.",
    examples: ["storyledger pledge join p7k2m --by \"Sam Reed\""],
    options: [PledgeStep.on, Dialogue.by] + Recording.recordingOptions)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let on = try arguments.value(PledgeStep.on)
    try Recording.record(arguments, in: context, what: "the joining") {
      ledger, options in
      try ledger.joinPledge(
        PledgeRef(arguments.positionals[0]), on: on, by: arguments.value(Dialogue.by),
        options: options)
    }
  }
}

enum PledgeFulfilCommand: Command {
  static let spec = CommandSpec(
    name: "pledge fulfil", abstract: "record that a story fulfilled a pledge",
    arguments: "PLEDGE --story K [--on DATE] [--by WHO]",
    discussion:
      "Links the pledge to the story that shows it done. A withdrawn pledge cannot be fulfilled.",
    examples: ["storyledger pledge fulfil p7k2m --story k3f9 --on 2026-05-30"],
    options: [story, PledgeStep.on, Dialogue.by] + Recording.recordingOptions)

  static let story = Option("--story", "K", "the story that fulfils it")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let story = try Dialogue.text(arguments, Self.story, what: "the story that fulfils it")
    let on = try arguments.value(PledgeStep.on)
    try Recording.record(arguments, in: context, what: "the fulfilment") {
      ledger, options in
      try ledger.fulfilPledge(
        PledgeRef(arguments.positionals[0]), story: StoryRef(story), on: on,
        by: arguments.value(Dialogue.by), options: options)
    }
  }
}

enum PledgeWithdrawCommand: Command {
  static let spec = CommandSpec(
    name: "pledge withdraw", abstract: "withdraw a pledge",
    arguments: "PLEDGE [--reason TEXT] [--on DATE] [--by WHO]",
    discussion: "A fulfilled pledge stays fulfilled; it cannot be withdrawn.",
    examples: ["storyledger pledge withdraw p7k2m --reason \"Moved to another trust.\""],
    options: [reason, PledgeStep.on, Dialogue.by] + Recording.recordingOptions)

  static let reason = Option("--reason", "TEXT", "why")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let on = try arguments.value(PledgeStep.on)
    try Recording.record(arguments, in: context, what: "the withdrawal") {
      ledger, options in
      try ledger.withdrawPledge(
        PledgeRef(arguments.positionals[0]),
        reason: arguments.value(reason) ?? "", on: on,
        by: arguments.value(Dialogue.by), options: options)
    }
  }
}

/// `storyledger pledges [NODE]`: pledges and where they stand.
enum PledgesCommand: Command {
  static let spec = CommandSpec(
    name: "pledges", abstract: "the pledges of a subtree and where they stand",
    arguments: "[NODE] [--as-of DATE] [--json]",
    discussion:
      "Each pledge with its maker, text, due date, joiners and state (conditional, active, fulfilled, lapsed, withdrawn) at --as-of (default: everything recorded).",
    examples: [
      "storyledger pledges nhs/north-east", "storyledger pledges --as-of 2026-06-30 --json",
    ],
    options: [asOf, Flag.json])

  static let asOf = Option.day("--as-of", "DATE", "states as of the end of DATE")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let node = try arguments.optionalNode()
    let asOf = try arguments.value(Self.asOf)
    let ledger = try context.openLedger()
    let pledges = try ledger.pledges(under: node, asOf: asOf)
    try JSONOutput.show(
      pledges, arguments, in: context,
      empty: "no pledges yet; make one with `storyledger pledge make NODE --text T`",
      render: render)
  }

  /// The pledges as a table.
  static func render(_ pledges: [PledgeView]) -> String {
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
    return table.render()
  }
}
