import Foundation

extension ExternalImportMapping {
  /// An editable mapping for an export, as JSON (what `import --mapping-template` writes).
  ///
  /// The template is a valid mapping that, used as it is, imports what no mapping imports
  /// (every answer, no items), with the participant questions listed under `personal`. The
  /// facilitator's material is in keys that start with `_`, which a mapping ignores:
  /// - `_about`: what the template is for and how to edit it;
  /// - `_questions`: every question of the file with its name, id, kind, subject, whether it
  ///   is personal, its options and scale, and how many stories answered it;
  /// - `_examples`: rules pre-filled from the file's own questions (`node`, `share`, `tags`,
  ///   `tellers`, `items`, `defaultDate`): move one to the key of the same name to use it.
  ///
  /// Examples are not live, because an item of value recorded by mistake stays in a
  /// tamper-evident ledger (it can be revised, not removed).
  ///
  /// - Parameters:
  ///   - export: What a parser read.
  ///   - format: The format's name (`narrafirma`, `sensemaker`), for `_about`.
  ///   - fileName: The export's name, for `_about`.
  /// - Returns: Pretty-printed UTF-8 JSON with sorted keys, ending with a line break.
  public static func template(for export: ExternalExport, format: String, fileName: String)
    -> [UInt8]
  {
    let questions = export.questions
    var answered: [String: Int] = [:]
    for story in export.stories {
      for answer in story.answers { answered[answer.question.id, default: 0] += 1 }
    }
    let undated = export.stories.filter { $0.date == nil }.count
    var about = [
      "A mapping for \(fileName), a \(format) export of \(export.stories.count) stories and \(questions.count) questions.",
      "Every key is optional; keys that start with _ are comments. Questions are named by name or id (see _questions).",
      "To use an example, move it from _examples to the key of the same name and edit it; items rules turn answers into items of value.",
    ]
    if undated > 0 {
      about.append(
        "\(undated) stories have no date: give defaultDate (YYYY-MM-DD), or the import stops at the first."
      )
    }
    var object: [String: Any] = [
      "_about": about,
      "_questions": questions.map { question -> [String: Any] in
        var entry: [String: Any] = [
          "name": question.name, "id": question.id, "kind": question.kind.rawValue,
          "subject": question.subject.rawValue, "personal": question.isPersonal,
          "answered": answered[question.id] ?? 0,
        ]
        if let prompt = question.prompt { entry["prompt"] = prompt }
        if !question.options.isEmpty { entry["options"] = question.options }
        if let scale = question.scale { entry["scale"] = "\(scale.lower)..\(scale.upper)" }
        return entry
      },
      "personal": questions.filter(\.isPersonal).map(\.name),
      "tags": [Any](), "items": [Any](), "skip": [Any](), "rename": [String: Any](),
    ]
    var examples: [String: Any] = [:]
    let choice = questions.first { [.choice, .choices].contains($0.kind) && !$0.options.isEmpty }
    let single = questions.first { $0.kind == .choice && !$0.options.isEmpty }
    let number = questions.first { $0.kind == .number }
    if let single {
      var values: [String: String] = [:]
      for (index, option) in single.options.prefix(3).enumerated() {
        values[option] = segment(option) ?? "place-\(index + 1)"
      }
      examples["node"] = ["question": single.name, "values": values, "default": "unassigned"]
    }
    if let choice { examples["tags"] = [["question": choice.name]] }
    if let participant = questions.first(where: { $0.subject == .participant && $0.kind == .text })
    {
      examples["tellers"] = [participant.name]
    }
    var items: [[String: Any]] = []
    if let choice, let option = choice.options.first {
      items.append([
        "question": choice.name, choice.kind == .choices ? "includes" : "equals": option,
        "dimension": "calibrating", "visibility": "invisible",
        "description": "\(choice.name): \(option)",
      ])
    }
    if let number {
      let scale = number.scale ?? .narraFirmaSlider
      let middle = (scale.lower + scale.upper) / 2
      items.append([
        "question": number.name, "atLeast": Double(truncating: NSDecimalNumber(decimal: middle)),
        "dimension": "calibrating", "visibility": "invisible", "weight": 3,
      ])
    }
    if !items.isEmpty { examples["items"] = items }
    examples["defaultDate"] = "YYYY-MM-DD"
    object["_examples"] = examples
    let data =
      (try? JSONSerialization.data(
        withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
      ?? Data("{}".utf8)
    return Array(data) + [0x0A]
  }

  /// A node path segment made from an answer (letters and digits kept, lowercased; other
  /// runs become `-`), or `nil` when none is left or it is not a valid segment.
  static func segment(_ text: String) -> String? {
    var result = ""
    for character in text.lowercased() {
      if character.isLetter || character.isNumber {
        result.append(character)
      } else if !result.isEmpty, result.last != "-" {
        result.append("-")
      }
    }
    while result.last == "-" { result.removeLast() }
    guard !result.isEmpty, NodePath.problem(withSegment: result) == nil else { return nil }
    return result
  }
}
