import Foundation

/// The scale a number answer was given on: its least and greatest values, as exact decimal
/// text.
public struct AnswerScale: Hashable, Sendable {
  /// The least value of the scale (a decimal, as given).
  public var minimum: String
  /// The greatest value of the scale (a decimal, as given).
  public var maximum: String
  /// Creates a scale.
  public init(minimum: String, maximum: String) {
    self.minimum = minimum
    self.maximum = maximum
  }

  /// The scale written `MIN..MAX`, as `--scale` takes it.
  public var description: String { "\(minimum)..\(maximum)" }
}

/// The typed value of a questionnaire answer.
public enum AnswerValue: Hashable, Sendable {
  /// Free text.
  case text(String)
  /// One choice of a list.
  case choice(String)
  /// Several choices of a list (at least one).
  case choices([String])
  /// A number, as exact decimal text, optionally on a scale it lies within.
  case number(String, scale: AnswerScale?)
  /// Yes or no.
  case boolean(Bool)

  /// The kind of value: `text`, `choice`, `choices`, `number` or `boolean`.
  public var kind: String {
    switch self {
    case .text: "text"
    case .choice: "choice"
    case .choices: "choices"
    case .number: "number"
    case .boolean: "boolean"
    }
  }

  /// The values a filter or a time-series group matches: the choices of a `choices` value,
  /// `yes` or `no` for a boolean, else the value's one text.
  public var terms: [String] {
    switch self {
    case .text(let text), .choice(let text): [text]
    case .choices(let choices): choices
    case .number(let number, _): [number]
    case .boolean(let value): [value ? "yes" : "no"]
    }
  }

  /// The value in words: choices joined by `; `, a number with its scale, `yes` or `no`.
  public var description: String {
    switch self {
    case .number(let number, let scale):
      scale.map { "\(number) (on \($0.description))" } ?? number
    case .text, .choice, .choices, .boolean:
      terms.joined(separator: "; ")
    }
  }
}

/// One answer to one question of a questionnaire.
public struct Answer: Hashable, Sendable {
  /// The question, as asked (any language and script).
  public var question: String
  /// The answer's typed value.
  public var value: AnswerValue
  /// Whether the answer identifies or describes a person: it is then personal text, kept
  /// in the record's erasable part and erased with the story's narratives.
  public var isPersonal: Bool
  /// Creates an answer.
  public init(question: String, value: AnswerValue, isPersonal: Bool = false) {
    self.question = question
    self.value = value
    self.isPersonal = isPersonal
  }

  /// Checks the answer: a question and a value that are not empty, a number that is a
  /// decimal within its scale, no control characters in short texts.
  public func validate() throws(ValueError) {
    guard !question.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw ValueError(field: "question", value: question, reason: "is empty; name the question")
    }
    if let problem = NameText.problem(in: question) {
      throw ValueError(field: "question", value: question, reason: problem)
    }
    switch value {
    case .text:
      break
    case .choice(let choice):
      try Answer.validateChoice(choice)
    case .choices(let choices):
      guard !choices.isEmpty else {
        throw ValueError(field: "choices", value: "", reason: "is empty; give at least one choice")
      }
      for choice in choices { try Answer.validateChoice(choice) }
    case .number(let number, let scale):
      try DecimalText.validate(number, field: "number")
      guard let scale else { return }
      try DecimalText.validate(scale.minimum, field: "scale")
      try DecimalText.validate(scale.maximum, field: "scale")
      guard let low = Answer.decimal(scale.minimum), let high = Answer.decimal(scale.maximum),
        let value = Answer.decimal(number), low <= high
      else {
        throw ValueError(
          field: "scale", value: scale.description, reason: "does not run from least to greatest")
      }
      guard value >= low, value <= high else {
        throw ValueError(
          field: "number", value: number, reason: "is not within the scale \(scale.description)")
      }
    case .boolean:
      break
    }
  }

  private static func validateChoice(_ choice: String) throws(ValueError) {
    guard !choice.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw ValueError(field: "choice", value: choice, reason: "is empty; name the choice")
    }
    if let problem = NameText.problem(in: choice) {
      throw ValueError(field: "choice", value: choice, reason: problem)
    }
  }

  /// The exact decimal value of checked decimal text.
  static func decimal(_ text: String) -> Decimal? {
    Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
  }
}

/// Questionnaire answers about a story, as of a date: each later answer to the same question
/// supersedes the earlier ones.
///
/// Personal answers (``Answer/isPersonal``) live in the erasable part of the record; the
/// others in its hashed part.
public struct StoryAnswered: Hashable, Sendable {
  /// The story's key.
  public var story: String
  /// The date the answers are about.
  public var on: Day
  /// The answers, in the order given.
  public var answers: [Answer]
  /// Creates the event.
  public init(story: String, on: Day, answers: [Answer]) {
    self.story = story
    self.on = on
    self.answers = answers
  }
}

/// `story.answered`: the story's key, the date and the public answers in the hashed part;
/// the personal answers in the personal part (absent when there are none).
///
/// An answer is its question, a kind byte (0 text, 1 choice, 2 choices, 3 number, 4
/// number on a scale, 5 no, 6 yes) and the kind's texts.
enum AnswerCodec {
  static func writePublic<Sink: ByteSink>(_ event: StoryAnswered, into sink: inout Sink) {
    sink.appendString(event.story)
    sink.appendDay(event.on)
    write(event.answers.filter { !$0.isPersonal }, into: &sink)
  }

  /// Writes the personal answers; `false` (writing nothing) when there are none.
  static func writePersonal<Sink: ByteSink>(_ event: StoryAnswered, into sink: inout Sink)
    -> Bool
  {
    let personal = event.answers.filter(\.isPersonal)
    guard !personal.isEmpty else { return false }
    write(personal, into: &sink)
    return true
  }

  private static func write<Sink: ByteSink>(_ answers: [Answer], into sink: inout Sink) {
    sink.appendVarint(UInt64(answers.count))
    for answer in answers {
      sink.appendString(answer.question)
      switch answer.value {
      case .text(let text):
        sink.append(0)
        sink.appendString(text)
      case .choice(let choice):
        sink.append(1)
        sink.appendString(choice)
      case .choices(let choices):
        sink.append(2)
        sink.appendStrings(choices)
      case .number(let number, nil):
        sink.append(3)
        sink.appendString(number)
      case .number(let number, let scale?):
        sink.append(4)
        sink.appendString(number)
        sink.appendString(scale.minimum)
        sink.appendString(scale.maximum)
      case .boolean(let value):
        sink.append(value ? 6 : 5)
      }
    }
  }

  /// Reads the public part, then the personal answers (`personal` is `nil` when there were
  /// none or they were erased).
  static func read(
    _ reader: inout ByteReader, personal: UnsafeRawBufferPointer?, materializingText: Bool
  ) throws(DecodingFailure) -> StoryAnswered {
    let story = try reader.string()
    let on = try reader.day()
    var answers = try readAnswers(&reader, isPersonal: false)
    guard reader.isAtEnd else {
      throw DecodingFailure(description: "unexpected bytes after the answers")
    }
    if let personal {
      var personalReader = ByteReader(personal, materializesText: materializingText)
      answers += try readAnswers(&personalReader, isPersonal: true)
      guard personalReader.isAtEnd else {
        throw DecodingFailure(description: "unexpected bytes after the personal answers")
      }
    }
    return StoryAnswered(story: story, on: on, answers: answers)
  }

  private static func readAnswers(_ reader: inout ByteReader, isPersonal: Bool)
    throws(DecodingFailure) -> [Answer]
  {
    let count = try reader.length()
    var answers: [Answer] = []
    answers.reserveCapacity(min(count, 64))
    for _ in 0..<count {
      let question = try reader.string()
      let value: AnswerValue
      switch try reader.byte() {
      case 0: value = .text(try reader.string())
      case 1: value = .choice(try reader.string())
      case 2: value = .choices(try reader.strings())
      case 3: value = .number(try reader.string(), scale: nil)
      case 4:
        let number = try reader.string()
        let scale = AnswerScale(minimum: try reader.string(), maximum: try reader.string())
        value = .number(number, scale: scale)
      case 5: value = .boolean(false)
      case 6: value = .boolean(true)
      case let kind: throw DecodingFailure(description: "unknown answer kind \(kind)")
      }
      answers.append(Answer(question: question, value: value, isPersonal: isPersonal))
    }
    return answers
  }
}
