import Foundation
import StoryLedger

/// `storyledger select NODE --period P --story K --reason R ...`.
enum SelectCommand: Command {
  static let spec = CommandSpec(
    name: "select",
    abstract: "choose the most significant stories at NODE for a period, or list the candidates",
    arguments:
      "NODE --period P [--story K --reason TEXT]... [--by WHO]... [--domain D] [--campaign C] [--session KEY] [--json]",
    discussion: """
      As in the Most Significant Change technique: the candidates are NODE's own stories told
      (or retold) in the period and the stories NODE's children selected for the same period,
      where NODE may read them (within their share scope). Give each chosen story with --story and its reason,
      in any language, with the --reason after it; the candidates not chosen are recorded.
      Selections travel up as candidates for the parent. A panel selects with one --by per
      member. Without --story, lists the candidates and the selections made so far, each with
      who selected it and the session it was selected in. With --domain (or --campaign) the
      selection is made in that domain of change (or for that campaign): the candidates are
      its stories only, and the selection records it.
      """,
    examples: [
      "storyledger select nhs/north-east/trust-07 --period 2026-Q1",
      "storyledger select nhs/north-east/trust-07 --period 2026-Q1 --story k3f9 --reason \"It shows how walking together builds trust.\"",
      "storyledger select nhs/north-east --period 2026-Q1 --story k3f9 --reason \"Trust grew.\" --by \"Ana Lima\" --by \"Dilnoza Karimova\" --session s4k2m9p",
      "storyledger select nhs --period 2026 --domain \"Changes in people's lives\" --story k3f9 --reason \"It changed how families are heard.\"",
    ],
    options: [Dialogue.period, story, reason, panel] + StoryGroupOptions.all
      + Recording.recordingOptions)

  /// `--by WHO`, repeatable: one person, or each member of a panel.
  static let panel = Option(
    "--by", "WHO", "who selected (default: --actor or $USER); repeat for a panel of several people",
    repeatable: true)

  static let story = Option("--story", "K", "a story chosen (repeat for several)", repeatable: true)
  static let reason = Option(
    "--reason", "TEXT", "why the story before it was chosen", repeatable: true)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let node = try arguments.node()
    let period = try Dialogue.period(arguments)
    let stories = try arguments.values(story)
    let reasons = try arguments.values(reason)
    guard stories.count == reasons.count else {
      throw UsageError(
        "give one --reason for each --story (\(stories.count) stories, \(reasons.count) reasons)",
        usage: spec.usage)
    }
    let options = try Recording.options(arguments)
    let ledger = try context.openLedger()
    let filter = try StoryGroupOptions.filter(arguments, in: ledger)
    if stories.isEmpty {
      let candidates = try ledger.candidates(at: node, period: period, stories: filter)
      let selections = try ledger.selections(at: node, period: period)
      if arguments.has(Flag.json) {
        struct Listing: Encodable {
          var candidates: [String]
          var selected: [SelectionView]
        }
        try JSONOutput.write(
          Listing(candidates: candidates.map(\.story), selected: selections), to: context)
        return
      }
      let within = [
        filter.domain.map { " in domain \($0)" }, filter.campaign.map { " in campaign \($0)" },
      ].compactMap { $0 }.joined()
      var lines = ["candidates at \(node) for \(period)\(within):"]
      for candidate in candidates {
        lines.append("  \(candidate.story)  \(candidate.title ?? "(title not shared here)")")
      }
      if candidates.isEmpty { lines.append("  (none)") }
      lines.append("selected:")
      for selection in selections {
        lines.append(
          "  \(selection.story)  \(selection.title ?? "")  — \(selection.reason) (by \(selection.by)"
            + (selection.session.map { ", session \($0)" } ?? "")
            + (selection.domain.map { ", domain \($0)" } ?? "")
            + (selection.campaign.map { ", campaign \($0)" } ?? "") + ")")
      }
      if selections.isEmpty { lines.append("  (none yet)") }
      context.console.write(lines.joined(separator: "\n") + "\n")
      return
    }
    let choices = zip(stories, reasons).map { StoriesSelected.Choice(story: $0, reason: $1) }
    let recorded = try ledger.selectStories(
      at: node, period: period, choices: choices, panel: try arguments.values(panel),
      stories: filter, options: options)
    Recording.report(
      recorded, printing: recorded.ref.map(\.key).joined(separator: ","), what: "the selection",
      arguments: arguments,
      context: context)
  }
}
