import Foundation

/// Reads NarraFirma's story-collection CSV export (`export_story_collection_<name>.csv`,
/// written by `exportStoryCollection()` in NarraFirma's `csvImportExport.ts`).
///
/// The file as NarraFirma writes it:
/// - a UTF-8 byte-order mark (skipped), then cells separated by the project's delimiter:
///   comma (the default), semicolon or tab, detected from the first row;
/// - row 1: `Story title, Story text, Collection date, Language, Eliciting question`, then one
///   column per story question, then per participant question, then per annotation question
///   (headers are the questions' short names; a checkbox question repeats its header once per
///   option, and a question with a write-in box is followed by a `WRITEIN_<short name>`
///   column); the header ends at its first empty cell;
/// - row 2: `;` in the first cell and, under each checkbox column, the option it stands for;
/// - one row per story: a chosen option's text in its column, a scale's number (0–100),
///   `true`/`false`, or text.
///
/// Older versions (before the collection date and language were exported) are read too: the
/// fixed columns may be only `Story title, Story text, Eliciting question`, and their row 2
/// starts with empty cells instead of `;` (it is recognised by an empty title and text).
///
/// Quirks repaired: NarraFirma quotes a cell only when it holds the delimiter or a line
/// break, so a quote in an unquoted cell is literal; and when a cell holds both, the current
/// version escapes it twice (`a,b⏎c` is written `"""a,b⏎c"""`). In a file of the current
/// shape (a `;` row 2 or a `Collection date` column), a cell that starts with three quotes and
/// reads as a twice-escaped text holding the delimiter and a line break is unescaped once
/// more. Older versions escaped once, so their cells are left as read.
///
/// The export has no story id: each story's key is made from its title, text and date
/// (``ExternalStory/contentKey(prefix:title:text:date:)`` with prefix `nf`), so reading the
/// same file twice gives the same keys.
///
/// Questions are classified by the companion story-form export
/// (`export_story_form_<name>.csv`), when given: its rows say whether each question is about
/// the story, the participant or an annotation, its type and its options. Without it:
/// - every question is taken as about the story, and no answer is personal;
/// - a repeated header is a checkbox question (``ExternalAnswerValue/choices(_:)``);
/// - a column whose answers are all numbers is a number question (no scale);
/// - a column whose answers are all `true`/`false`/`yes`/`no` is a boolean question;
/// - a column with at most 30 distinct one-line answers, one of which is given more than
///   once, is a choice question; any other column is text.
///
/// ```swift
/// let export = try NarraFirmaExport.read(
///   storiesCSV, fileName: "export_story_collection_Spring.csv", storyForm: formCSV)
/// print(export.stories.count, export.notes)
/// ```
public enum NarraFirmaExport {
  /// The fixed columns, in the order the current version writes them.
  public static let fixedColumns = [
    "Story title", "Story text", "Collection date", "Language", "Eliciting question",
  ]

  /// Reads the stories of a story-collection export.
  ///
  /// - Parameters:
  ///   - bytes: The export's bytes.
  ///   - fileName: The name errors use.
  ///   - storyForm: The story-form export of the same collection, if available.
  /// - Throws: ``ImportError`` with the row and column for a file that is not a NarraFirma
  ///   export, a row with more or fewer cells than the header, a column the story form does not
  ///   have, a scale answer that is not a number, a boolean answer that is not yes or no, or a
  ///   collection date that is not `YYYY-MM-DD`.
  public static func parse(_ bytes: [UInt8], fileName: String, storyForm: [UInt8]? = nil)
    throws(ImportError) -> [ExternalStory]
  {
    try read(bytes, fileName: fileName, storyForm: storyForm).stories
  }

  /// Reads a story-collection export: its stories, every question and notes on what was
  /// repaired or skipped.
  ///
  /// The story form's errors name the form's file as `formFileName`.
  ///
  /// - Throws: ``ImportError``, as ``parse(_:fileName:storyForm:)``.
  public static func read(
    _ bytes: [UInt8], fileName: String, storyForm: [UInt8]? = nil,
    formFileName: String = "story form"
  ) throws(ImportError) -> ExternalExport {
    let form = try storyForm.map { (formBytes) throws(ImportError) in
      try NarraFirmaStoryForm(bytes: formBytes, fileName: formFileName)
    }
    var reader = try Reader(bytes: bytes, fileName: fileName, form: form)
    return try reader.read()
  }
}

extension NarraFirmaExport {
  /// A question's columns in the file.
  fileprivate struct Group {
    var question: ExternalQuestion
    /// The columns holding its value (several for a checkbox question).
    var columns: [Int]
    /// The option each column stands for (checkbox questions).
    var columnOptions: [String?]
    /// The `WRITEIN_` column.
    var writeInColumn: Int?
    /// The kind as the form gives it (`nil`: decided from the data).
    var formKind: ExternalAnswerKind?
  }

  /// One read of one file.
  fileprivate struct Reader {
    let fileName: String
    let form: NarraFirmaStoryForm?
    let rows: [DelimitedText.Row]
    let delimiter: UInt8
    var notes: [String] = []

    init(bytes: [UInt8], fileName: String, form: NarraFirmaStoryForm?) throws(ImportError) {
      guard
        let delimiter = DelimitedText.sniffDelimiter(
          bytes, expecting: [["Story title", "Story text"]])
      else {
        throw ImportError(
          file: fileName, row: 1,
          reason:
            "is not a NarraFirma story-collection export: its first row must start with the columns Story title, Story text, separated by a comma, semicolon or tab"
        )
      }
      self.fileName = fileName
      self.form = form
      self.delimiter = delimiter
      self.rows = try DelimitedText(bytes: bytes, delimiter: delimiter, fileName: fileName).rows
    }

    mutating func read() throws(ImportError) -> ExternalExport {
      guard let headerRow = rows.first else {
        throw ImportError(file: fileName, reason: "is empty")
      }
      let cells = headerRow.fields.map { $0.trimmingCharacters(in: .whitespaces) }
      let header = Array(cells.prefix { !$0.isEmpty })
      var dataRows = Array(rows.dropFirst())
      var optionRow: DelimitedText.Row?
      var isCurrentShape = header.contains("Collection date")
      if let second = dataRows.first {
        let first = second[0].trimmingCharacters(in: .whitespaces)
        if first.hasPrefix(";") {
          optionRow = second
          isCurrentShape = true
        } else if first.isEmpty && second[1].trimmingCharacters(in: .whitespaces).isEmpty {
          optionRow = second
        }
        if optionRow != nil { dataRows.removeFirst() }
      }

      // The fixed columns lead the header.
      var fixed: [String: Int] = [:]
      var firstQuestion = 0
      while firstQuestion < header.count,
        NarraFirmaExport.fixedColumns.contains(header[firstQuestion]),
        fixed[header[firstQuestion]] == nil
      {
        fixed[header[firstQuestion]] = firstQuestion
        firstQuestion += 1
      }
      let groups = try makeGroups(
        header: header, from: firstQuestion, optionRow: optionRow, dataRows: dataRows)

      var stories: [ExternalStory] = []
      for row in dataRows {
        try checkWidth(row, header: header, headerWidth: headerRow.fields.count)
        func cell(_ column: Int) -> String {
          let value = row[column]
          return isCurrentShape && row.startedWithThreeQuotes[safe: column] == true
            ? NarraFirmaExport.repairDoubleEscape(value, delimiter: delimiter) : value
        }
        let title = fixed["Story title"].map(cell) ?? ""
        let text = fixed["Story text"].map(cell) ?? ""
        if title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
          && text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        {
          notes.append("row \(row.number) has no story title and no story text; it is skipped")
          continue
        }
        if title.hasPrefix(";") {
          notes.append(
            "row \(row.number): the title starts with \";\", which NarraFirma's own import reads as a comment; the story is kept"
          )
        }
        var date: Day?
        if let column = fixed["Collection date"] {
          let value = cell(column).trimmingCharacters(in: .whitespaces)
          if !value.isEmpty {
            do throws(ValueError) {
              date = try Day(parsing: String(value.prefix(10)), field: "Collection date")
            } catch {
              throw ImportError(
                file: fileName, row: row.number, line: row.line, column: "Collection date",
                value: value, reason: "is not a date written YYYY-MM-DD")
            }
          }
        }
        let language = fixed["Language"].map(cell)?.trimmingCharacters(in: .whitespaces)
        var eliciting = fixed["Eliciting question"].map(cell)?
          .trimmingCharacters(in: .whitespaces)
        if let name = eliciting, let text = form?.elicitingTexts[name] { eliciting = text }
        var answers: [ExternalAnswer] = []
        for group in groups {
          if let answer = try answer(group, in: row, header: header, cell: cell) {
            answers.append(answer)
          }
        }
        let storyTitle = title.isEmpty ? nil : title
        stories.append(
          ExternalStory(
            key: ExternalStory.contentKey(prefix: "nf", title: storyTitle, text: text, date: date),
            sourceRow: row.number, title: storyTitle, text: text, date: date,
            language: language?.isEmpty == false ? language : nil,
            elicitingQuestion: eliciting?.isEmpty == false ? eliciting : nil, answers: answers))
      }
      notes += ExternalStory.disambiguateKeys(&stories)
      return ExternalExport(stories: stories, questions: groups.map(\.question), notes: notes)
    }

    /// Refuses a row with fewer cells than the header, or with non-empty cells past it.
    func checkWidth(_ row: DelimitedText.Row, header: [String], headerWidth: Int)
      throws(ImportError)
    {
      let count = row.fields.count
      if count < headerWidth {
        let missing = count < header.count ? header[count] : nil
        throw ImportError(
          file: fileName, row: row.number, line: row.line, column: missing,
          reason:
            "has \(count) cells but the header has \(headerWidth) columns (separated by \(DelimitedText.name(of: delimiter))); a line break in an unquoted story text (as NarraFirma wrote before 2016) splits a row: quote that text"
        )
      }
      if let extra = row.fields.indices.first(where: {
        $0 >= max(headerWidth, header.count) && !row.fields[$0].isEmpty
      }) {
        throw ImportError(
          file: fileName, row: row.number, line: row.line, value: row.fields[extra],
          reason:
            "is in cell \(extra + 1), past the header's \(header.count) columns; quote cells that contain the delimiter (\(DelimitedText.name(of: delimiter)))"
        )
      }
    }

    /// Splits the question columns into questions, with the form when there is one.
    mutating func makeGroups(
      header: [String], from start: Int, optionRow: DelimitedText.Row?,
      dataRows: [DelimitedText.Row]
    ) throws(ImportError) -> [Group] {
      var groups: [Group] = []
      var usedFormQuestions = Set<Int>()
      var usedIDs = Set<String>()
      var column = start
      while column < header.count {
        let name = header[column]
        if name.hasPrefix("WRITEIN_") {
          let target = String(name.dropFirst("WRITEIN_".count))
          if let index = groups.lastIndex(where: {
            $0.question.name == target && $0.writeInColumn == nil
          }) {
            groups[index].writeInColumn = column
            column += 1
            continue
          }
          if form != nil {
            throw ImportError(
              file: fileName, row: 1, column: name,
              reason: "is a write-in column, but no column before it is the question \(target)")
          }
        }
        var run = 1
        while column + run < header.count, header[column + run] == name { run += 1 }
        var formQuestion: NarraFirmaStoryForm.Question?
        if let form {
          guard
            let index = form.questions.indices.first(where: {
              !usedFormQuestions.contains($0) && form.questions[$0].shortName == name
            })
          else {
            let known = form.questions.map(\.shortName)
            throw ImportError(
              file: fileName, row: 1, column: name,
              reason:
                "is not a question of the story form (or the form has fewer questions of that name); export the story form of the same collection again",
              validValues: known.count <= 40 ? known : [])
          }
          usedFormQuestions.insert(index)
          formQuestion = form.questions[index]
          if formQuestion?.kind != .choices {
            run = 1
          } else if let count = formQuestion?.answers.count, count > 0 {
            run = min(run, count)
          }
        }
        let columns = Array(column..<(column + run))
        let options: [String?] = columns.enumerated().map { offset, index in
          let fromRow = optionRow.map { $0[index].trimmingCharacters(in: .whitespaces) } ?? ""
          if !fromRow.isEmpty && !fromRow.hasPrefix(";") { return fromRow }
          if let answers = formQuestion?.answers, offset < answers.count { return answers[offset] }
          return nil
        }
        let formKind: ExternalAnswerKind? =
          formQuestion.map { $0.kind ?? .text } ?? (run > 1 ? .choices : nil)
        if let formQuestion, formQuestion.kind == nil {
          notes.append(
            "column \(name): the story form's type \"\(formQuestion.type)\" is not one StoryLedger knows; its answers are kept as text"
          )
        }
        var subject = formQuestion?.subject ?? .story
        var id = name
        var displayName = name
        if formQuestion != nil {
          let prefix = subject == .story ? "S_" : subject == .participant ? "P_" : "A_"
          id = prefix + name
        } else if let prefixed = NarraFirmaExport.internalPrefix(of: name) {
          // A header written with NarraFirma's internal prefix (`A_` for annotations, as
          // some exports and hand-made files have): its subject, under its short name.
          subject = prefixed.subject
          displayName = prefixed.shortName
        }
        var suffix = 2
        let baseID = id
        while usedIDs.contains(id) {
          id = "\(baseID) #\(suffix)"
          suffix += 1
        }
        usedIDs.insert(id)
        let kind =
          formKind ?? NarraFirmaExport.guessKind(of: dataRows.map { $0[column] })
        var knownOptions = formQuestion?.answers ?? []
        if kind == .choices { knownOptions = options.map { $0 ?? "" } }
        let question = ExternalQuestion(
          id: id, name: displayName, prompt: formQuestion?.prompt, subject: subject,
          isPersonal: subject == .participant, kind: kind,
          options: kind == .choice || kind == .choices ? knownOptions : [],
          scale: formQuestion?.scale)
        groups.append(
          Group(
            question: question, columns: columns, columnOptions: options, writeInColumn: nil,
            formKind: formKind))
        column += run
      }
      if let form {
        let unused = form.questions.indices.filter { !usedFormQuestions.contains($0) }
        if !unused.isEmpty {
          let names = unused.map { form.questions[$0].shortName }.joined(separator: ", ")
          notes.append("the story form's questions \(names) have no column in the file")
        }
      }
      return groups
    }

    /// The answer of `row` to a question, or `nil` when it is unanswered.
    func answer(
      _ group: Group, in row: DelimitedText.Row, header: [String], cell: (Int) -> String
    ) throws(ImportError) -> ExternalAnswer? {
      let question = group.question
      let columnNames = (group.columns + (group.writeInColumn.map { [$0] } ?? [])).map {
        header[$0]
      }
      var writeIn: String?
      if let column = group.writeInColumn {
        let text = cell(column)
        if !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { writeIn = text }
      }
      var value: ExternalAnswerValue?
      if question.kind == .choices {
        let chosen = group.columns.enumerated().compactMap { offset, column -> String? in
          let text = cell(column).trimmingCharacters(in: .whitespaces)
          guard !text.isEmpty else { return nil }
          return group.columnOptions[offset] ?? text
        }
        if !chosen.isEmpty { value = .choices(chosen) }
      } else if let column = group.columns.first {
        let raw = cell(column)
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if !trimmed.isEmpty {
          value = try typedValue(
            raw, trimmed: trimmed, question: question, row: row, column: column)
        }
      }
      guard value != nil || writeIn != nil else { return nil }
      return ExternalAnswer(
        question: question, value: value, writeIn: writeIn, columns: columnNames)
    }

    func typedValue(
      _ raw: String, trimmed: String, question: ExternalQuestion, row: DelimitedText.Row,
      column: Int
    ) throws(ImportError) -> ExternalAnswerValue {
      switch question.kind {
      case .number:
        guard let number = ExternalValues.number(trimmed) else {
          throw ImportError(
            file: fileName, row: row.number, line: row.line, column: question.name, value: raw,
            reason:
              "is not a number; \(question.name) is a scale question, answered with a number from 0 to 100"
          )
        }
        return .number(number, scale: question.scale)
      case .boolean:
        guard let flag = ExternalValues.boolean(trimmed) else {
          throw ImportError(
            file: fileName, row: row.number, line: row.line, column: question.name, value: raw,
            reason: "is not yes or no; \(question.name) is a boolean question",
            validValues: ["true", "false", "yes", "no"])
        }
        return .boolean(flag)
      case .choice:
        return .choice(trimmed)
      case .choices:
        return .choices([trimmed])
      case .text:
        return .text(raw)
      }
    }
  }

  /// The subject and short name of a header written with NarraFirma's internal prefix
  /// (`S_` story, `P_` participant, `A_` annotation), or `nil` for a plain short name.
  static func internalPrefix(of header: String) -> (
    subject: ExternalQuestion.Subject, shortName: String
  )? {
    for (prefix, subject) in [
      ("S_", ExternalQuestion.Subject.story), ("P_", .participant), ("A_", .annotation),
    ]
    where header.hasPrefix(prefix) && header.count > prefix.count {
      return (subject, String(header.dropFirst(prefix.count)))
    }
    return nil
  }

  /// The kind of a single-column question without a form, from its answers (see
  /// ``NarraFirmaExport``).
  static func guessKind(of cells: [String]) -> ExternalAnswerKind {
    let answers = cells.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
      .filter { !$0.isEmpty }
    guard !answers.isEmpty else { return .text }
    if answers.allSatisfy({ ExternalValues.number($0) != nil }) { return .number }
    if answers.allSatisfy({ ExternalValues.boolean($0) != nil }) { return .boolean }
    let distinct = Set(answers)
    if distinct.count <= 30, distinct.count < answers.count,
      !answers.contains(where: { $0.contains("\n") || $0.contains("\r") })
    {
      return .choice
    }
    return .text
  }

  /// Undoes NarraFirma's second escaping of a cell that held both the delimiter and a line
  /// break (read once as `"` + text with quotes doubled + `"`), or returns `value` unchanged
  /// when it does not read as such.
  static func repairDoubleEscape(_ value: String, delimiter: UInt8) -> String {
    guard value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") else { return value }
    let inner = value.dropFirst().dropLast()
    // Every quote inside must be one of a doubled pair.
    var run = 0
    for character in inner {
      if character == "\"" {
        run += 1
      } else {
        if run % 2 != 0 { return value }
        run = 0
      }
    }
    guard run % 2 == 0 else { return value }
    let original = inner.replacingOccurrences(of: "\"\"", with: "\"")
    let delimiterText = String(Character(Unicode.Scalar(delimiter)))
    guard original.contains(delimiterText), original.unicodeScalars.contains("\n") else {
      return value
    }
    return original
  }
}

extension Array where Element == Bool {
  /// The element at `index`, or `nil` past the end.
  fileprivate subscript(safe index: Int) -> Bool? {
    index >= 0 && index < count ? self[index] : nil
  }
}
