import Foundation

/// NarraFirma's story-form export (`export_story_form_<collection>.csv`, written by
/// `exportQuestionnaire()`): the schema of a story-collection export.
///
/// Its header names the columns `Data column name, Type, About, Short name, Long name,
/// Options, Answers` (older versions: `Order, Long name, Short name, Type, About, Answers`, or
/// without `Options`); columns are found by name. Every cell right of `Answers` is one more
/// answer. A row per question gives its short name (the story export's column header), its
/// type, what it is `About` (`story`, `participant`, `annotation`; `eliciting` for the
/// eliciting questions, `form` for the form's texts, which are ignored), its prompt, its
/// options (`maxNumAnswers=…|writeInTextBoxLabel=…`) and its answers (option texts, written
/// `text`, `importName|text` or `importName|text|imageURL`; for a scale, its two end labels).
struct NarraFirmaStoryForm {
  /// A question of the form.
  struct Question {
    /// The short name: the story export's column header.
    var shortName: String
    /// The type as written (`Single choice`, `Scale`…).
    var type: String
    /// What it is about.
    var subject: ExternalQuestion.Subject
    /// The question as asked.
    var prompt: String
    /// The options' display texts (for a scale: its end labels).
    var answers: [String]
    /// Whether it has a write-in box (a `WRITEIN_` column).
    var hasWriteIn: Bool
    /// The row in the form file.
    var row: Int

    /// The kind of answer its type takes, or `nil` for a type StoryLedger does not know (kept
    /// as text).
    var kind: ExternalAnswerKind? {
      let lowered = type.lowercased()
      switch lowered {
      case "single choice", "radiobuttons", "select": return .choice
      case "scale", "slider": return .number
      case "boolean", "checkbox": return .boolean
      case "text", "textarea": return .text
      default: return lowered.hasPrefix("multi") || lowered == "checkboxes" ? .choices : nil
      }
    }

    /// The scale of a `Scale` question: NarraFirma's 0 to 100, labelled with the answers.
    var scale: ExternalAnswerScale? {
      guard kind == .number else { return nil }
      var scale = ExternalAnswerScale.narraFirmaSlider
      scale.lowerLabel = answers.first
      scale.upperLabel = answers.count > 1 ? answers[1] : nil
      return scale
    }
  }

  /// The questions, in the form's order (story, participant, then annotation questions).
  var questions: [Question]
  /// The eliciting questions' texts by their names (short name and data column name).
  var elicitingTexts: [String: String]

  /// Reads a story-form export.
  ///
  /// - Throws: ``ImportError`` when the header lacks `Type`, `About` or a name column, or a
  ///   row's `About` is none of the known values.
  init(bytes: [UInt8], fileName: String) throws(ImportError) {
    let expected = [["Data column name", "Type"], ["Order", "Long name"]]
    guard let delimiter = DelimitedText.sniffDelimiter(bytes, expecting: expected) else {
      throw ImportError(
        file: fileName, row: 1,
        reason:
          "is not a NarraFirma story-form export: its first row must start with Data column name, Type (or Order, Long name), separated by a comma, semicolon or tab"
      )
    }
    let rows = try DelimitedText(bytes: bytes, delimiter: delimiter, fileName: fileName).rows
    guard let header = rows.first else {
      throw ImportError(file: fileName, reason: "is empty")
    }
    let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
    func column(_ name: String) -> Int? { names.firstIndex(of: name) }
    guard let typeColumn = column("Type"), let aboutColumn = column("About"),
      let shortColumn = column("Short name") ?? column("Data column name")
    else {
      throw ImportError(
        file: fileName, row: header.number,
        reason: "has no Type, About or Short name column; it is not a NarraFirma story form",
        validValues: ["Data column name", "Type", "About", "Short name", "Long name", "Answers"])
    }
    let dataColumn = column("Data column name")
    let promptColumn = column("Long name")
    let optionsColumn = column("Options")
    let answersColumn = column("Answers") ?? names.count

    var questions: [Question] = []
    var eliciting: [String: String] = [:]
    for row in rows.dropFirst() {
      let about = row[aboutColumn].trimmingCharacters(in: .whitespaces).lowercased()
      let answers = row.fields.indices.filter { $0 >= answersColumn }
        .map { row.fields[$0].trimmingCharacters(in: .whitespaces) }
        .filter { !$0.isEmpty }
      switch about {
      case "form", "":
        continue
      case "eliciting":
        for answer in answers {
          let parts = answer.split(separator: "|", omittingEmptySubsequences: false).map(
            String.init)
          guard parts.count >= 2, let text = parts.last else { continue }
          for name in parts.dropLast() where !name.isEmpty { eliciting[name] = text }
        }
      case "story", "participant", "annotation":
        let subject = ExternalQuestion.Subject(rawValue: about) ?? .story
        var shortName = row[shortColumn].trimmingCharacters(in: .whitespaces)
        if shortName.isEmpty, let dataColumn {
          shortName = row[dataColumn].trimmingCharacters(in: .whitespaces)
        }
        let options = optionsColumn.map { row[$0] } ?? ""
        questions.append(
          Question(
            shortName: shortName, type: row[typeColumn].trimmingCharacters(in: .whitespaces),
            subject: subject, prompt: promptColumn.map { row[$0] } ?? "",
            answers: answers.map(NarraFirmaStoryForm.displayText),
            hasWriteIn: options.contains("writeInTextBoxLabel="), row: row.number))
      default:
        throw ImportError(
          file: fileName, row: row.number, column: names[aboutColumn], value: row[aboutColumn],
          reason: "is not a kind of question NarraFirma's story form has",
          validValues: ["story", "participant", "annotation", "eliciting", "form"])
      }
    }
    self.questions = questions
    self.elicitingTexts = eliciting
  }

  /// The display text of an answer written `text`, `importName|text` or
  /// `importName|text|imageURL`.
  static func displayText(_ answer: String) -> String {
    let parts = answer.split(separator: "|", omittingEmptySubsequences: false)
    return parts.count >= 2 ? String(parts[1]) : answer
  }
}
