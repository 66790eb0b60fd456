import Foundation
import StoryLedger

/// `storyledger feedback FROM --to NODE --text T`.
enum FeedbackCommand: Command {
  static let spec = CommandSpec(
    name: "feedback", abstract: "send feedback down from NODE to a child or a whole subtree",
    arguments: "NODE --to DESCENDANT [--subtree] --text T [--story K] [--account P] [--by WHO]",
    discussion: """
      Sends feedback from NODE to one of its descendants (with --subtree, to every node of
      that descendant's subtree), optionally about a story or one of NODE's accounts (by its
      period). It appears in `inbox` and `cascade down` of the nodes it reaches.
      """,
    examples: [
      "storyledger feedback nhs/north-east --to nhs/north-east/trust-07 --text \"Thank you: the walking story is in our Q1 account.\" --story k3f9",
      "storyledger feedback nhs --to nhs/north-east --subtree --text \"Q1 is settled.\" --account 2026-Q1",
    ],
    options: [to, subtree, text, story, account, Dialogue.by] + Recording.recordingOptions)

  static let to = Option("--to", "DESCENDANT", "the node it is sent to")
  static let subtree = Flag("--subtree", "send it to the descendant's whole subtree")
  static let text = Option("--text", "T", "the feedback")
  static let story = Option("--story", "K", "a story it is about")
  static let account = Option.range("--account", "P", "the period of NODE's account it is about")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let from = try arguments.node()
    guard let toText = try arguments.value(Self.to) else {
      throw UsageError("missing --to DESCENDANT", usage: spec.usage)
    }
    let to = try NodePath(parsing: toText, field: "--to")
    let text = try Dialogue.text(arguments, Self.text, what: "the feedback")
    let account = try arguments.value(Self.account)
    try Recording.record(arguments, in: context, what: "the feedback") {
      ledger, options in
      try ledger.sendFeedback(
        from: from, to: to, toSubtree: arguments.has(subtree), text: text,
        story: arguments.value(story).map { StoryRef($0) }, account: account,
        by: arguments.value(Dialogue.by),
        options: options)
    }
  }
}

/// `storyledger inbox NODE`: what came down.
enum InboxCommand: Command {
  static let spec = CommandSpec(
    name: "inbox", abstract: "everything that came down to NODE, newest first",
    arguments: "NODE [--json]",
    discussion: """
      Feedback sent to NODE (or to an ancestor's whole subtree), the stories NODE's ancestors
      selected, and their settled accounts, newest first. Story titles show only where their
      share scope reaches NODE (the subtree of the story's ancestor at its share level).
      """,
    examples: [
      "storyledger inbox nhs/north-east/trust-07/ward-3", "storyledger inbox nhs/north-east --json",
    ],
    options: [Flag.json])

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let node = try arguments.node()
    let ledger = try context.openLedger(reading: .inbox)
    let entries = try ledger.inbox(of: node)
    try JSONOutput.show(
      entries, arguments, in: context, empty: "nothing has come down to \(node) yet",
      render: render)
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
