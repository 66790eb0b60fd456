import Foundation
import StoryLedger

/// `storyledger story verified STORY --by NAME --how T`: who verified a story, and how.
enum StoryVerifiedCommand: Command {
  static let spec = CommandSpec(
    name: "story verified", abstract: "record who verified a story, and how",
    arguments: "STORY --by NAME --how T [--on DATE]",
    discussion: """
      Most Significant Change verifies the stories it selects: someone visits, speaks with
      the people in the story or checks a record, and says what they found. This records who
      verified the story, how (in any language) and when (default today). `story show` and
      the report show it. The verifier's name is personal: `erase person NAME` erases it, and
      it is withheld outside the story's share scope. A story may be verified more than once.
      """,
    examples: [
      "storyledger story verified k3f9 --by \"Dr Ioan Price\" --how \"Visited the ward and read the attendance register.\"",
      "storyledger story verified k3f9 --by 李小龍 --how \"与护士长面谈，核对了记录。\" --on 2026-04-02",
    ],
    options: [by, how, on, Recording.expectVersion] + Recording.writeOptions)

  static let by = Option("--by", "NAME", "who verified the story (required; any language)")
  static let how = Option("--how", "T", "how it was verified (required; any language)")
  static let on = Option.day("--on", "DATE", "the date of the verification (default today)")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let story = arguments.positionals[0]
    guard let name = try arguments.value(by) else {
      throw UsageError("missing --by (who verified the story)", usage: spec.usage)
    }
    guard let text = try arguments.value(how) else {
      throw UsageError("missing --how (how the story was verified)", usage: spec.usage)
    }
    let day = try arguments.value(on)
    try Recording.record(arguments, in: context, story: story, what: "the verification") {
      ledger, options in
      try ledger.verifyStory(StoryRef(story), by: name, how: text, on: day, options: options)
    }
  }
}
