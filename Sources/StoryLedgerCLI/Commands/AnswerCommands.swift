import Foundation
import StoryLedger

/// `storyledger story answer STORY --question Q (--text T | --choice C | ...)`.
enum StoryAnswerCommand: Command {
  static let spec = CommandSpec(
    name: "story answer", abstract: "record a questionnaire answer about a story",
    arguments:
      "STORY --question Q (--text T | --choice C | --choices C1;C2 | --number N [--scale MIN..MAX] | --yes | --no) [--personal] [--on DATE]",
    discussion: """
      Records the story's answer to one question as of --on (default today): free text, one
      choice, several choices (separated by ;), an exact decimal number (optionally on a scale
      it must lie within) or yes/no. A later answer to the same question supersedes the
      earlier ones from its date on; `story show` shows the current answers and every answer
      in the history. --personal marks an answer that identifies or describes a person: it is
      personal text, erased with the story's narratives by `story withdraw --erase`.
      """,
    examples: [
      "storyledger story answer k3f9 --question \"How do you feel about it?\" --choice hopeful",
      "storyledger story answer k3f9 --question \"Amount of trust\" --number 72 --scale 0..100",
      "storyledger story answer k3f9 --question Needed --choices \"trust;time\"",
      "storyledger story answer k3f9 --question \"Your ward\" --text \"Ward 7\" --personal",
    ],
    options: [
      question, text, choice, choices, number, scale, yes, no, personal, on,
      Recording.expectVersion,
    ] + Recording.recordingOptions)

  static let question = Option("--question", "Q", "the question (required)")
  static let text = Option("--text", "T", "a free-text answer")
  static let choice = Option("--choice", "C", "one choice")
  static let choices = Option("--choices", "C1;C2", "several choices, separated by ;")
  static let number = Option("--number", "N", "an exact decimal number")
  static let scale = Option(
    "--scale", "MIN..MAX", "the scale of --number; the number must lie within it")
  static let yes = Flag("--yes", "a yes answer")
  static let no = Flag("--no", "a no answer")
  static let personal = Flag(
    "--personal", "the answer identifies or describes a person (erasable)")
  static let on = Option.day("--on", "DATE", "the date the answer is about (default today)")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let story = arguments.positionals[0]
    guard let question = try arguments.value(question) else {
      throw UsageError("missing --question", usage: spec.usage)
    }
    let answer = Answer(
      question: question, value: try value(arguments), isPersonal: arguments.has(personal))
    do { try answer.validate() } catch {
      throw UsageError(error.description, usage: spec.usage)
    }
    let day = try arguments.value(on)
    try Recording.record(arguments, in: context, story: story, what: "the answer") {
      ledger, options in
      try ledger.answer(
        story: StoryRef(story), on: day, answers: [answer], options: options)
    }
  }

  /// The one value the options give.
  static func value(_ arguments: ParsedArguments) throws -> AnswerValue {
    var values: [AnswerValue] = []
    if let text = try arguments.value(text) { values.append(.text(text)) }
    if let choice = try arguments.value(choice) { values.append(.choice(choice)) }
    if let choices = try arguments.value(choices) {
      values.append(
        .choices(
          choices.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
          }))
    }
    if let number = try arguments.value(number) {
      var scale: AnswerScale?
      if let text = try arguments.value(Self.scale) {
        let bounds = text.components(separatedBy: "..")
        guard bounds.count == 2 else {
          throw UsageError(
            ValueError(
              field: "--scale", value: text, reason: "is not MIN..MAX (for example 0..100)"
            )
            .description, usage: spec.usage)
        }
        scale = AnswerScale(minimum: bounds[0], maximum: bounds[1])
      }
      values.append(.number(number, scale: scale))
    } else if arguments.isGiven(scale) {
      throw UsageError("--scale is the scale of --number: give both", usage: spec.usage)
    }
    if arguments.has(yes) { values.append(.boolean(true)) }
    if arguments.has(no) { values.append(.boolean(false)) }
    guard values.count == 1, let value = values.first else {
      throw UsageError(
        "give exactly one of --text, --choice, --choices, --number, --yes, --no",
        usage: spec.usage)
    }
    return value
  }

  /// The `--answer QUESTION=VALUE` filters of `items` and `log`, as given.
  static func filters(_ arguments: ParsedArguments) throws -> [AnswerFilter] {
    try arguments.values(filter).map { text throws -> AnswerFilter in
      do { return try AnswerFilter(parsing: text) } catch {
        throw UsageError(String(describing: error), usage: arguments.usage)
      }
    }
  }

  /// `filters` with each question as the answers in `ledger` spell it
  /// (``LedgerState/answeredQuestion(_:)``).
  static func resolved(_ filters: [AnswerFilter], in ledger: Ledger, usage: String) throws
    -> [AnswerFilter]
  {
    try filters.map { filter throws -> AnswerFilter in
      var filter = filter
      do { filter.question = try ledger.state.answeredQuestion(filter.question) } catch {
        throw UsageError("--answer: \(error)", usage: usage)
      }
      return filter
    }
  }

  /// The `--answer` option of `items` and `log`.
  static let filter = Option(
    "--answer", "QUESTION=VALUE",
    "only stories whose current public answer to QUESTION is VALUE (or includes it, for several choices; yes/no for a boolean); personal answers never match",
    repeatable: true)
}
