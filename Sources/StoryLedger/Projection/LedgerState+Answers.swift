/// The questionnaire answers of stories (`story.answered`), kept compactly: one plain record
/// per answer, its texts in the state's arena, linked per story in (date, sequence) order.
///
/// A ledger without answers pays nothing for them: both columns stay empty and no fold path
/// that stories, tellings and items take reads them.
extension LedgerState {
  /// One answer as folded: its story, date and typed value (texts in the arena).
  struct AnswerRecord: Sendable, BitwiseCopyable {
    var story: Int32
    var day: Day
    /// The story's next answer in (date, sequence) order, or -1.
    var next: Int32
    /// 0 text, 1 choice, 2 choices, 3 number, 4 boolean.
    var kind: UInt8
    var isPersonal: Bool
    var padding0: UInt16 = 0
    var question: TextReference
    /// The value's terms (see ``AnswerValue/terms``) joined by U+001F.
    var value: TextReference
    /// A number's scale, `min` U+001F `max`; empty when none.
    var scale: TextReference
    var sequence: UInt64
  }

  /// The first answer of the story at `index` (-1: none).
  func firstAnswer(of story: Int32) -> Int32 {
    Int(story) < answerHeads.count ? answerHeads[Int(story)] : -1
  }

  /// Records the answers of `event` about the story at `index`.
  mutating func recordAnswers(story: Int32, _ event: StoryAnswered, sequence: UInt64) {
    while answerHeads.count <= Int(story) { answerHeads.append(-1) }
    for answer in event.answers {
      var kind: UInt8
      var scale = TextReference.empty
      switch answer.value {
      case .text: kind = 0
      case .choice: kind = 1
      case .choices: kind = 2
      case .number(_, let range):
        kind = 3
        if let range { scale = text.appendText(range.minimum + "\u{1F}" + range.maximum) }
      case .boolean: kind = 4
      }
      let record = AnswerRecord(
        story: story, day: event.on, next: -1, kind: kind, isPersonal: answer.isPersonal,
        question: text.appendText(answer.question),
        value: text.appendText(answer.value.terms.joined(separator: String(Self.separator))),
        scale: scale, sequence: sequence)
      insertAnswer(record)
    }
    stories[story].version += 1
  }

  private mutating func insertAnswer(_ record: AnswerRecord) {
    let index = Int32(answers.count)
    answers.append(record)
    if answers.linkInDateOrder(index, chainHead: answerHeads[Int(record.story)]) {
      answerHeads[Int(record.story)] = index
    }
  }

  /// Erases the personal answers of the story at `index` from the state's text.
  mutating func erasePersonalAnswers(of story: Int32) {
    var cursor = firstAnswer(of: story)
    while cursor >= 0 {
      var record = answers[cursor]
      if record.isPersonal {
        text.zero(record.question)
        text.zero(record.value)
        text.zero(record.scale)
        record.question = .empty
        record.value = .empty
        record.scale = .empty
        answers[cursor] = record
      }
      cursor = record.next
    }
  }

  /// The sequence numbers of the story's `story.answered` events that carry personal
  /// answers, each once.
  func personalAnswerSequences(of story: Int32) -> [UInt64] {
    var sequences: [UInt64] = []
    var cursor = firstAnswer(of: story)
    while cursor >= 0 {
      let record = answers[cursor]
      if record.isPersonal, !sequences.contains(record.sequence) {
        sequences.append(record.sequence)
      }
      cursor = record.next
    }
    return sequences
  }

  /// The sequence numbers of the story's `story.answered` events, each once.
  func answerSequences(of story: Int32) -> [UInt64] {
    var sequences: [UInt64] = []
    var cursor = firstAnswer(of: story)
    while cursor >= 0 {
      if !sequences.contains(answers[cursor].sequence) {
        sequences.append(answers[cursor].sequence)
      }
      cursor = answers[cursor].next
    }
    return sequences
  }

  /// The answer at `index` as a public value.
  func answer(at index: Int32) -> (answer: Answer, on: Day, sequence: UInt64) {
    let record = answers[index]
    let terms = text.string(record.value)
    let value: AnswerValue
    switch record.kind {
    case 0: value = .text(terms)
    case 1: value = .choice(terms)
    case 2:
      value = .choices(
        terms.split(separator: Self.separator, omittingEmptySubsequences: false).map(String.init))
    case 3:
      let bounds = text.string(record.scale).split(
        separator: Self.separator, omittingEmptySubsequences: false)
      value = .number(
        terms,
        scale: bounds.count == 2
          ? AnswerScale(minimum: String(bounds[0]), maximum: String(bounds[1])) : nil)
    default: value = .boolean(terms == "yes")
    }
    return (
      Answer(question: text.string(record.question), value: value, isPersonal: record.isPersonal),
      record.day, record.sequence
    )
  }

  /// The story's current answers: for each question, its latest answer (by date, then the
  /// order recorded), in the order the questions were first answered. Erased answers are
  /// left out.
  func currentAnswers(of story: Int32) -> [Int32] {
    var order: [TextReference] = []
    var latest: [String: Int32] = [:]
    var cursor = firstAnswer(of: story)
    while cursor >= 0 {
      let record = answers[cursor]
      if record.question.length > 0 {
        let question = text.string(record.question)
        if latest[question] == nil { order.append(record.question) }
        latest[question] = cursor
      }
      cursor = record.next
    }
    return order.compactMap { latest[text.string($0)] }
  }

  /// The terms of the story's current answer to `question` (see ``AnswerValue/terms``);
  /// `nil` when it has none. With `publicOnly`, a personal answer counts as none.
  func currentTerms(of story: Int32, question: String, publicOnly: Bool = false) -> [String]? {
    var found: Int32 = -1
    var cursor = firstAnswer(of: story)
    while cursor >= 0 {
      let record = answers[cursor]
      if record.question.length > 0, text.string(record.question) == question { found = cursor }
      cursor = record.next
    }
    guard found >= 0 else { return nil }
    let record = answers[found]
    if publicOnly, record.isPersonal { return nil }
    let terms = text.string(record.value)
    return record.kind == 2
      ? terms.split(separator: Self.separator, omittingEmptySubsequences: false).map(String.init)
      : [terms]
  }

  /// Whether the story's current answer to `filter.question` is `filter.value`, or includes
  /// it for several choices. Only public answers match: a personal answer counts as none,
  /// so that a filter never reveals what someone answered personally.
  func matches(_ story: Int32, _ filter: AnswerFilter) -> Bool {
    currentTerms(of: story, question: filter.question, publicOnly: true)?.contains(filter.value)
      == true
  }

  /// Whether the story `key`'s current public answers match every filter (`false` for a
  /// story not in the ledger; a personal answer never matches).
  public func story(_ key: String, matches filters: [AnswerFilter]) -> Bool {
    guard let index = storyIndex(forKey: key) else { return false }
    return filters.allSatisfy { matches(index, $0) }
  }

  /// The number of answers recorded (each answer of each `story.answered` event).
  public var answerCount: Int { answers.count }

  /// The questions stories have answers to, in byte order.
  public var answeredQuestions: [String] {
    var questions = Set<String>()
    for index in 0..<Int32(answers.count) where answers[index].question.length > 0 {
      questions.insert(text.string(answers[index].question))
    }
    return questions.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
  }

  /// `question` as the stories' answers spell it: `question` itself when a story has an
  /// answer to it, else the one question with answers that it equals ignoring case.
  ///
  /// - Throws: ``ValueError`` (field `question`) when no story has an answer to it, or
  ///   several questions equal it ignoring case; it names the questions that have answers.
  public func answeredQuestion(_ question: String) throws(ValueError) -> String {
    let questions = answeredQuestions
    if questions.contains(question) { return question }
    let folded = questions.filter {
      $0.compare(question, options: [.caseInsensitive]) == .orderedSame
    }
    if folded.count == 1, let only = folded.first { return only }
    throw ValueError(
      field: "question", value: question,
      reason: folded.isEmpty
        ? (questions.isEmpty
          ? "has no answers: no story in this ledger has an answer to any question"
          : "is not a question any story has an answer to")
        : "matches several questions ignoring case; give one exactly",
      validValues: folded.isEmpty ? questions : folded)
  }
}

/// A filter on stories by a current answer: `--answer QUESTION=VALUE`.
public struct AnswerFilter: Hashable, Sendable {
  /// The question.
  public var question: String
  /// The value the story's current answer must be, or include (for several choices); `yes`
  /// or `no` for a boolean.
  public var value: String
  /// Creates a filter.
  public init(question: String, value: String) {
    self.question = question
    self.value = value
  }

  /// Parses `QUESTION=VALUE` (split at the last `=`, so that a question may hold one).
  public init(parsing text: String) throws(ValueError) {
    guard let split = text.lastIndex(of: "="), split != text.startIndex else {
      throw ValueError(
        field: "answer", value: text, reason: "is not QUESTION=VALUE (for example Mood=hopeful)")
    }
    self.question = String(text[..<split])
    self.value = String(text[text.index(after: split)...])
  }
}
