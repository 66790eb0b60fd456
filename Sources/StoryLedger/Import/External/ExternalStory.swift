import Foundation

/// A story read from another tool's export (NarraFirma, SenseMaker), before it enters the
/// ledger: its text, what the file says about it, and the participant's answers.
///
/// Parsers produce it (``NarraFirmaExport``, ``SenseMakerExport``); an
/// ``ExternalImportMapping`` turns it into a ``MappedStory`` ready to record. Every text is
/// kept exactly as the file holds it, in every language and script (only the repairs each
/// parser documents are made).
///
/// ```swift
/// let stories = try NarraFirmaExport.parse(bytes, fileName: "export_story_collection_Spring.csv")
/// for story in stories {
///   print(story.key, story.title ?? "(untitled)", story.answers.count)
/// }
/// ```
public struct ExternalStory: Hashable, Sendable {
  /// A stable key, derived from the file's content so that reading the same file twice gives
  /// the same keys; it satisfies ``Key/validate(_:field:)``.
  ///
  /// NarraFirma: `nf-` and the first 12 hex digits of the SHA-256 of the title, the text and
  /// the collection date (see ``ExternalStory/contentKey(prefix:title:text:date:)``).
  /// SenseMaker: `sm-` and the response `id` (or a content hash when the file has none).
  /// Two stories of one file with the same content get `-2`, `-3`… after the second one.
  public var key: String
  /// The row the story starts on, numbered as a spreadsheet numbers it (header rows count,
  /// the first header row is row 1).
  public var sourceRow: Int
  /// The title, or `nil` when the export has none (SenseMaker never has one).
  public var title: String?
  /// The story's text: the narrative as the participant told it.
  public var text: String
  /// The date it was collected, when the export gives one.
  public var date: Day?
  /// The language the export names for the response (a name or a code, as the tool wrote it).
  public var language: String?
  /// The question that elicited the story: its text when the tool's form gives it, else the
  /// name the export uses.
  public var elicitingQuestion: String?
  /// Who told it, when the export says (neither tool's export names people; a mapping may).
  public var tellers: [String]
  /// The answers given with the story, in the order of the file's columns; a question left
  /// unanswered has no answer.
  public var answers: [ExternalAnswer]

  /// Creates a story.
  public init(
    key: String, sourceRow: Int, title: String?, text: String, date: Day? = nil,
    language: String? = nil, elicitingQuestion: String? = nil, tellers: [String] = [],
    answers: [ExternalAnswer] = []
  ) {
    self.key = key
    self.sourceRow = sourceRow
    self.title = title
    self.text = text
    self.date = date
    self.language = language
    self.elicitingQuestion = elicitingQuestion
    self.tellers = tellers
    self.answers = answers
  }

  /// The answer to the question with id `questionID`, if the story has one.
  public func answer(_ questionID: String) -> ExternalAnswer? {
    answers.first { $0.question.id == questionID }
  }

  /// A key made from content: `prefix`, `-`, then the first 12 hex digits of the SHA-256 of
  /// the title, the text and the date (`YYYY-MM-DD` or nothing), each followed by a 0x1F
  /// byte, in UTF-8.
  ///
  /// ```swift
  /// ExternalStory.contentKey(prefix: "nf", title: "The lost project", text: "…", date: nil)
  /// // "nf-" followed by 12 hex digits
  /// ```
  public static func contentKey(prefix: String, title: String?, text: String, date: Day?)
    -> String
  {
    var bytes: [UInt8] = []
    for part in [title ?? "", text, date?.description ?? ""] {
      bytes += Array(part.utf8)
      bytes.append(0x1F)
    }
    return prefix + "-" + String(SHA256.hash(bytes).hex.prefix(12))
  }

  /// Gives the second and later of stories with the same key `-2`, `-3`… after it, in file
  /// order (stable across reads of the same file); returns a note per story renamed.
  static func disambiguateKeys(_ stories: inout [ExternalStory]) -> [String] {
    var seen: [String: Int] = [:]
    var notes: [String] = []
    for index in stories.indices {
      let key = stories[index].key
      let count = (seen[key] ?? 0) + 1
      seen[key] = count
      if count > 1 {
        stories[index].key = "\(key)-\(count)"
        notes.append(
          "row \(stories[index].sourceRow) has the same content as an earlier story (key \(key)); it is kept with key \(stories[index].key)"
        )
      }
    }
    return notes
  }
}

/// A question of an export's form, as answers refer to it.
public struct ExternalQuestion: Hashable, Sendable {
  /// What the question is about, which decides whether its answers are personal by default.
  public enum Subject: String, Hashable, Sendable, Codable, CaseIterable {
    /// The story (NarraFirma "story" questions, SenseMaker signifiers).
    case story
    /// The participant who told it (NarraFirma "participant" questions, SenseMaker's
    /// `responder_id`): answers identify or describe a person.
    case participant
    /// A facilitator's annotation of the story (NarraFirma "annotation" questions).
    case annotation
  }

  /// The question's id in the tool: NarraFirma's short name (the column header), SenseMaker's
  /// signifier id (a GUID) or meta column name.
  public var id: String
  /// The name to show: NarraFirma's short name, SenseMaker's signifier title (with the anchor
  /// label for a triad's, dyad's or stone's parts, as in `Trust — Left anchor`).
  public var name: String
  /// The question as asked, when the form gives it (NarraFirma's long name).
  public var prompt: String?
  /// What the question is about.
  public var subject: Subject
  /// Whether answers are personal text (identify or describe a person; erasable with the
  /// story): true for participant questions, false otherwise, unless a mapping says so.
  public var isPersonal: Bool
  /// The kind of value the question takes, as the form or the parser's heuristics decide.
  public var kind: ExternalAnswerKind
  /// The choices offered, for a choice question whose form lists them.
  public var options: [String]
  /// The scale of a number question, when known.
  public var scale: ExternalAnswerScale?

  /// Creates a question.
  public init(
    id: String, name: String, prompt: String? = nil, subject: Subject, isPersonal: Bool,
    kind: ExternalAnswerKind, options: [String] = [], scale: ExternalAnswerScale? = nil
  ) {
    self.id = id
    self.name = name
    self.prompt = prompt
    self.subject = subject
    self.isPersonal = isPersonal
    self.kind = kind
    self.options = options
    self.scale = scale
  }
}

/// The kinds of value an answer can hold (the cases of ``ExternalAnswerValue``).
public enum ExternalAnswerKind: String, Hashable, Sendable, Codable, CaseIterable {
  /// Free text.
  case text
  /// One choice among options.
  case choice
  /// Any number of choices among options.
  case choices
  /// A number, on a scale when known.
  case number
  /// Yes or no.
  case boolean
}

/// The range of a number question and the labels of its ends, when the form gives them.
public struct ExternalAnswerScale: Hashable, Sendable, Codable {
  /// The lowest value.
  public var lower: Decimal
  /// The highest value.
  public var upper: Decimal
  /// What the lowest value means (NarraFirma's left label), when known.
  public var lowerLabel: String?
  /// What the highest value means, when known.
  public var upperLabel: String?

  /// Creates a scale.
  public init(lower: Decimal, upper: Decimal, lowerLabel: String? = nil, upperLabel: String? = nil)
  {
    self.lower = lower
    self.upper = upper
    self.lowerLabel = lowerLabel
    self.upperLabel = upperLabel
  }

  /// NarraFirma's sliders: 0 to 100.
  public static let narraFirmaSlider = ExternalAnswerScale(lower: 0, upper: 100)
  /// SenseMaker's triads, dyads and stones: proportions from 0 to 1.
  public static let unitInterval = ExternalAnswerScale(lower: 0, upper: 1)
}

/// A typed answer value.
public enum ExternalAnswerValue: Hashable, Sendable {
  /// Free text.
  case text(String)
  /// One choice, as its display text.
  case choice(String)
  /// Several choices, as their display texts, in the form's order (empty: none chosen).
  case choices([String])
  /// A number (exact decimal, as written), on `scale` when known.
  case number(Decimal, scale: ExternalAnswerScale?)
  /// Yes or no.
  case boolean(Bool)

  /// The kind of value.
  public var kind: ExternalAnswerKind {
    switch self {
    case .text: .text
    case .choice: .choice
    case .choices: .choices
    case .number: .number
    case .boolean: .boolean
    }
  }

  /// The value as text: choices joined by `;`, numbers as written in decimal, `true`/`false`.
  public var text: String {
    switch self {
    case .text(let text), .choice(let text): text
    case .choices(let choices): choices.joined(separator: ";")
    case .number(let number, _): "\(number)"
    case .boolean(let flag): flag ? "true" : "false"
    }
  }
}

/// One answer of a story: the question, its value and where in the file it came from.
public struct ExternalAnswer: Hashable, Sendable {
  /// The question answered (its id, display name, subject and whether it is personal).
  public var question: ExternalQuestion
  /// The value, or `nil` when the participant wrote only in the write-in box.
  public var value: ExternalAnswerValue?
  /// The text of NarraFirma's write-in box for the question (`WRITEIN_` column), if any.
  public var writeIn: String?
  /// The column headers the answer was read from (several for NarraFirma checkboxes, a
  /// triad's or a multi-select list's columns).
  public var columns: [String]

  /// Creates an answer.
  public init(
    question: ExternalQuestion, value: ExternalAnswerValue?, writeIn: String? = nil,
    columns: [String]
  ) {
    self.question = question
    self.value = value
    self.writeIn = writeIn
    self.columns = columns
  }

  /// Whether the answer is personal text (from its question).
  public var isPersonal: Bool { question.isPersonal }
}

/// Everything a parser read from an export: the stories, every question of the form (answered
/// or not, for validating a mapping and writing a template) and notes on what it repaired,
/// skipped or could not interpret (never silently).
public struct ExternalExport: Hashable, Sendable {
  /// The stories, in file order.
  public var stories: [ExternalStory]
  /// The questions, in column order.
  public var questions: [ExternalQuestion]
  /// Things the reader should know: repairs made, rows skipped, columns kept as text because
  /// their kind is unknown.
  public var notes: [String]

  /// Creates an export.
  public init(stories: [ExternalStory], questions: [ExternalQuestion], notes: [String] = []) {
    self.stories = stories
    self.questions = questions
    self.notes = notes
  }
}

/// Parsing of the numbers and yes/no values exports write.
enum ExternalValues {
  /// A decimal number as text (`.` or `,` as the decimal separator, optional sign, no
  /// grouping, optional exponent), or `nil`.
  static func number(_ text: String) -> Decimal? {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    var scalars = Array(trimmed.unicodeScalars)
    guard !scalars.isEmpty else { return nil }
    if !scalars.contains(".") {
      // NarraFirma accepts a decimal comma; only one, between digits.
      scalars = scalars.map { $0 == "," ? "." : $0 }
    }
    var index = 0
    func digits() -> Int {
      let start = index
      while index < scalars.count, ("0"..."9").contains(scalars[index]) { index += 1 }
      return index - start
    }
    if index < scalars.count, scalars[index] == "-" || scalars[index] == "+" { index += 1 }
    var count = digits()
    if index < scalars.count, scalars[index] == "." {
      index += 1
      count += digits()
    }
    guard count > 0 else { return nil }
    if index < scalars.count, scalars[index] == "e" || scalars[index] == "E" {
      index += 1
      if index < scalars.count, scalars[index] == "-" || scalars[index] == "+" { index += 1 }
      guard digits() > 0 else { return nil }
    }
    guard index == scalars.count else { return nil }
    var normalised = String.UnicodeScalarView()
    normalised.append(contentsOf: scalars)
    return Decimal(string: String(normalised), locale: Locale(identifier: "en_US_POSIX"))
  }

  /// `true`/`yes` or `false`/`no`, in any case, or `nil`.
  static func boolean(_ text: String) -> Bool? {
    switch text.trimmingCharacters(in: .whitespaces).lowercased() {
    case "true", "yes": true
    case "false", "no": false
    default: nil
    }
  }
}
