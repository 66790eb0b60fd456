import Foundation

/// Reads a SenseMaker data export (the platform's id-based CSV: columns named by signifier
/// ids) with the framework definition JSON that names those ids.
///
/// Columns of the export (ids are the definition's GUIDs):
/// - `id` (the response's id), `language`, `server_upload_time` (milliseconds since 1970,
///   UTC: it gives the story's date) and `responder_id` (kept as a personal answer about the
///   participant); `project_id`, `version`, `definition_version` and `meta_…` columns describe
///   the upload and are not answers;
/// - a free text: `<id>`; the definition's `fragment_signifier_id` (else its first free text
///   marked `fragment`) is the story's text, the others are text answers;
/// - a single-select list (`max_responses` 1): `<id>`, holding the chosen item's id (the answer
///   is the item's title);
/// - a multi-select list: `<id>_<item id>` per item, `1` when chosen;
/// - a triad: `<id>_percentX`, `<id>_percentY`, `<id>_<anchor id>` for its three anchors and
///   `<id>_NA`; a dyad: `<id>_percentX`, `<id>_<anchor id>` for its two anchors and `<id>_NA`;
///   each anchor becomes a number answer from 0 to 1 named `Title — Anchor`; when the anchor
///   columns are missing, the anchors are computed from the position (triad: top = y,
///   right = x − y/2, left = 1 − x − y/2; dyad: left = 1 − x, right = x); `_NA` = `1` gives a
///   `Title — Not applicable` answer `true`;
/// - stones: `<id>_<stone id>_percentX` and `_percentY` per stone, number answers from 0 to 1
///   named `Title — Stone — Axis`, the scale labelled with the axis's end labels.
///
/// A signifier of a type StoryLedger does not know (`imageselect`, `photo`, `audio`,
/// `uniqueid`, `map`…) is kept: each of its columns is a text answer, and a note lists it.
/// A column that names no signifier of the definition (nor a meta column) is an error.
/// No answer is personal except `responder_id`; a mapping can say others are.
///
/// The story's key is `sm-` and its `id` (`sm-` and 12 hex digits of a hash of the text and
/// upload time when the id is missing or not a valid key). SenseMaker stories have no title.
///
/// ```swift
/// let stories = try SenseMakerExport.parse(csv: data, definition: json, fileName: "data.csv")
/// ```
public enum SenseMakerExport {
  /// The columns of an export that describe the upload rather than answer a signifier.
  public static let metadataColumns = [
    "id", "project_id", "version", "language", "server_upload_time", "definition_version",
    "responder_id",
  ]

  /// Reads the stories of a data export.
  ///
  /// - Parameters:
  ///   - csv: The data export's bytes.
  ///   - definition: The framework definition JSON's bytes.
  ///   - fileName: The name of the CSV file, which errors use.
  /// - Throws: ``ImportError`` with the row and column for a row with more or fewer cells than
  ///   the header, a column that names no signifier of the definition, a number that is not
  ///   one, a list cell naming no item, or a definition that is not one.
  public static func parse(csv: [UInt8], definition: [UInt8], fileName: String)
    throws(ImportError) -> [ExternalStory]
  {
    try read(csv: csv, definition: definition, fileName: fileName).stories
  }

  /// Reads a data export: its stories, every question and notes (signifiers of unknown
  /// types kept as text).
  ///
  /// - Throws: ``ImportError``, as ``parse(csv:definition:fileName:)``; errors in the
  ///   definition name `definitionFileName`.
  public static func read(
    csv: [UInt8], definition: [UInt8], fileName: String,
    definitionFileName: String = "framework definition"
  ) throws(ImportError) -> ExternalExport {
    let framework = try SenseMakerDefinition(bytes: definition, fileName: definitionFileName)
    let rows = try DelimitedText(bytes: csv, delimiter: UInt8(ascii: ","), fileName: fileName)
      .rows
    guard let headerRow = rows.first else { throw ImportError(file: fileName, reason: "is empty") }
    let layout = try Layout(
      header: headerRow.fields, framework: framework, fileName: fileName,
      definitionFileName: definitionFileName)
    var stories: [ExternalStory] = []
    for row in rows.dropFirst() {
      stories.append(try layout.story(row))
    }
    var notes = layout.notes
    notes += ExternalStory.disambiguateKeys(&stories)
    let empty = stories.filter { $0.text.isEmpty }.map { "\($0.sourceRow)" }
    if !empty.isEmpty {
      notes.append("rows \(empty.joined(separator: ", ")) have no story text")
    }
    return ExternalExport(stories: stories, questions: layout.questions, notes: notes)
  }
}

extension SenseMakerExport {
  /// How a signifier's columns become answers.
  fileprivate struct Unit {
    var signifier: SenseMakerDefinition.Signifier
    /// What follows `<id>_` in each of its columns (`""` for `<id>` itself) → column index.
    var columns: [String: Int]
    var firstColumn: Int
    var kind: Kind
    /// The questions its answers answer, by question id.
    var questions: [String: ExternalQuestion] = [:]
    var questionOrder: [String] = []

    enum Kind {
      case text, singleSelect, multiSelect, triad, dyad, stones, unknown
    }

    mutating func add(_ question: ExternalQuestion) {
      if questions[question.id] == nil { questionOrder.append(question.id) }
      questions[question.id] = question
    }
  }

  /// The meaning of every column of one export.
  fileprivate struct Layout {
    let fileName: String
    let header: [String]
    var units: [Unit] = []
    var storyColumn: Int?
    var meta: [String: Int] = [:]
    var notes: [String] = []
    let responder = ExternalQuestion(
      id: "responder_id", name: "Responder", subject: .participant, isPersonal: true, kind: .text)

    var questions: [ExternalQuestion] {
      var result = units.flatMap { unit in unit.questionOrder.compactMap { unit.questions[$0] } }
      if meta["responder_id"] != nil { result.append(responder) }
      return result
    }

    init(
      header: [String], framework: SenseMakerDefinition, fileName: String,
      definitionFileName: String
    ) throws(ImportError) {
      self.fileName = fileName
      self.header = header
      let byID = Dictionary(
        framework.signifiers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
      let storyID =
        framework.fragmentSignifierID
        ?? framework.signifiers.first { $0.type == "freetext" && $0.isFragment }?.id
      var unitIndex: [String: Int] = [:]
      for (column, name) in header.enumerated() {
        if let storyID, name == storyID {
          storyColumn = column
          continue
        }
        guard let (signifier, rest) = Layout.match(name, in: byID) else {
          if SenseMakerExport.metadataColumns.contains(name) || name.hasPrefix("meta_") {
            meta[name] = column
            continue
          }
          if name.isEmpty { continue }
          throw ImportError(
            file: fileName, row: 1, column: name,
            reason:
              "names no signifier of the framework definition (\(definitionFileName)); give the definition of the framework this file was exported from"
          )
        }
        if let index = unitIndex[signifier.id] {
          units[index].columns[rest] = column
        } else {
          unitIndex[signifier.id] = units.count
          units.append(
            Unit(
              signifier: signifier, columns: [rest: column], firstColumn: column,
              kind: Layout.kind(of: signifier)))
        }
      }
      if storyColumn == nil {
        notes.append(
          storyID.map { "no column holds the story text (the fragment signifier \($0))" }
            ?? "the definition names no fragment signifier: the stories have no text")
      }
      for index in units.indices {
        var unit = units[index]
        try describe(&unit, definitionFileName: definitionFileName)
        units[index] = unit
      }
    }

    /// The signifier a column belongs to and what follows `<id>_` in its name.
    static func match(_ name: String, in signifiers: [String: SenseMakerDefinition.Signifier])
      -> (SenseMakerDefinition.Signifier, String)?
    {
      if let signifier = signifiers[name] { return (signifier, "") }
      var end = name.endIndex
      while let underscore = name[..<end].lastIndex(of: "_") {
        if let signifier = signifiers[String(name[..<underscore])] {
          return (signifier, String(name[name.index(after: underscore)...]))
        }
        end = underscore
      }
      return nil
    }

    static func kind(of signifier: SenseMakerDefinition.Signifier) -> Unit.Kind {
      switch signifier.type {
      case "freetext": .text
      case "list": signifier.maxResponses == 1 ? .singleSelect : .multiSelect
      case "triad": .triad
      case "dyad": .dyad
      case "stones": .stones
      default: .unknown
      }
    }

    /// Checks a unit's column names against its signifier and makes its questions.
    mutating func describe(_ unit: inout Unit, definitionFileName: String) throws(ImportError) {
      let signifier = unit.signifier
      let title = signifier.title
      func refuse(_ rest: String, _ what: String, _ valid: [String]) -> ImportError {
        ImportError(
          file: fileName, row: 1, column: rest.isEmpty ? signifier.id : "\(signifier.id)_\(rest)",
          reason:
            "is not a column of the \(signifier.type) signifier \"\(title)\": \(what) (\(definitionFileName))",
          validValues: valid.map { rest in rest.isEmpty ? signifier.id : "\(signifier.id)_\(rest)" }
        )
      }
      func number(_ id: String, _ name: String, scale: ExternalAnswerScale = .unitInterval)
        -> ExternalQuestion
      {
        ExternalQuestion(
          id: id, name: name, subject: .story, isPersonal: false, kind: .number, scale: scale)
      }
      let notApplicable = ExternalQuestion(
        id: "\(signifier.id)_NA", name: "\(title) — Not applicable", subject: .story,
        isPersonal: false, kind: .boolean)
      switch unit.kind {
      case .text:
        guard unit.columns.keys.allSatisfy(\.isEmpty) else {
          throw refuse(unit.columns.keys.first { !$0.isEmpty } ?? "", "a free text has one", [""])
        }
        unit.add(
          ExternalQuestion(
            id: signifier.id, name: title, subject: .story, isPersonal: false, kind: .text))
      case .singleSelect:
        guard unit.columns.keys.allSatisfy(\.isEmpty) else {
          throw refuse(
            unit.columns.keys.first { !$0.isEmpty } ?? "", "a single-select list has one", [""])
        }
        unit.add(
          ExternalQuestion(
            id: signifier.id, name: title, subject: .story, isPersonal: false, kind: .choice,
            options: signifier.items.map(\.text)))
      case .multiSelect:
        let valid = signifier.items.map(\.id)
        if let bad = unit.columns.keys.first(where: { !valid.contains($0) }) {
          throw refuse(bad, "the definition has no such item", valid)
        }
        unit.add(
          ExternalQuestion(
            id: signifier.id, name: title, subject: .story, isPersonal: false, kind: .choices,
            options: signifier.items.map(\.text)))
      case .triad, .dyad:
        let isTriad = unit.kind == .triad
        let positions = isTriad ? ["percentX", "percentY"] : ["percentX"]
        let valid = positions + signifier.labels.map(\.id) + ["NA"]
        if let bad = unit.columns.keys.first(where: { !valid.contains($0) }) {
          throw refuse(bad, "the definition has no such anchor", valid)
        }
        for label in signifier.labels {
          unit.add(number("\(signifier.id)_\(label.id)", "\(title) — \(label.text)"))
        }
        if signifier.allowsNA || unit.columns["NA"] != nil { unit.add(notApplicable) }
      case .stones:
        var valid: [String] = []
        for stone in signifier.stones {
          for (suffix, axis) in [("percentX", signifier.axes?.x), ("percentY", signifier.axes?.y)] {
            let id = "\(stone.id)_\(suffix)"
            valid.append(id)
            let axisName = axis?.name ?? (suffix == "percentX" ? "X" : "Y")
            var scale = ExternalAnswerScale.unitInterval
            scale.lowerLabel = axis?.startLabel
            scale.upperLabel = axis?.endLabel
            unit.add(
              number(
                "\(signifier.id)_\(id)", "\(title) — \(stone.text) — \(axisName)", scale: scale))
          }
        }
        if let bad = unit.columns.keys.first(where: { !valid.contains($0) }) {
          throw refuse(bad, "the definition has no such stone", valid)
        }
      case .unknown:
        for rest in unit.columns.keys.sorted(by: { unit.columns[$0] ?? 0 < unit.columns[$1] ?? 0 })
        {
          let id = rest.isEmpty ? signifier.id : "\(signifier.id)_\(rest)"
          unit.add(
            ExternalQuestion(
              id: id, name: rest.isEmpty ? title : "\(title) — \(rest)", subject: .story,
              isPersonal: false, kind: .text))
        }
        let type = signifier.type.isEmpty ? "(none)" : signifier.type
        notes.append(
          "the signifier \"\(title)\" (\(signifier.id)) has the type \(type), which StoryLedger does not interpret; its columns are kept as text answers"
        )
      }
    }

    /// The story of one data row.
    func story(_ row: DelimitedText.Row) throws(ImportError) -> ExternalStory {
      if row.fields.count != header.count {
        let missing = row.fields.count < header.count ? header[row.fields.count] : nil
        throw ImportError(
          file: fileName, row: row.number, line: row.line, column: missing,
          reason:
            "has \(row.fields.count) cells but the header has \(header.count) columns; quote cells that contain commas"
        )
      }
      let text = storyColumn.map { row[$0] } ?? ""
      var date: Day?
      if let column = meta["server_upload_time"] {
        let value = row[column].trimmingCharacters(in: .whitespaces)
        if !value.isEmpty {
          guard let milliseconds = ExternalValues.number(value),
            let seconds = Double(exactly: NSDecimalNumber(decimal: milliseconds / 1000).doubleValue)
          else {
            throw ImportError(
              file: fileName, row: row.number, line: row.line, column: "server_upload_time",
              value: value, reason: "is not a time in milliseconds since 1970")
          }
          date = Day.day(
            of: Date(timeIntervalSince1970: seconds), in: TimeZone(identifier: "UTC") ?? .current)
        }
      }
      let language = meta["language"].map { row[$0].trimmingCharacters(in: .whitespaces) }
      var answers: [ExternalAnswer] = []
      for unit in units {
        answers += try self.answers(unit, row)
      }
      if let column = meta["responder_id"], !row[column].isEmpty {
        answers.append(
          ExternalAnswer(question: responder, value: .text(row[column]), columns: ["responder_id"]))
      }
      let id = meta["id"].map { row[$0].trimmingCharacters(in: .whitespaces) } ?? ""
      var key = "sm-" + id
      if id.isEmpty || NodePath.problem(withSegment: key) != nil {
        // No usable id: a hash of the id, the upload time and the text.
        let uploaded = meta["server_upload_time"].map { row[$0] } ?? ""
        key = ExternalStory.contentKey(
          prefix: "sm", title: id + "\u{1F}" + uploaded, text: text, date: nil)
      }
      return ExternalStory(
        key: key, sourceRow: row.number, title: nil, text: text, date: date,
        language: language?.isEmpty == false ? language : nil, answers: answers)
    }

    func numberCell(_ column: Int, _ row: DelimitedText.Row) throws(ImportError) -> Decimal? {
      let value = row[column].trimmingCharacters(in: .whitespaces)
      guard !value.isEmpty else { return nil }
      guard let number = ExternalValues.number(value) else {
        throw ImportError(
          file: fileName, row: row.number, line: row.line, column: header[column], value: value,
          reason: "is not a number; this column holds a proportion from 0 to 1")
      }
      return number
    }

    /// The answers of one row to one signifier.
    func answers(_ unit: Unit, _ row: DelimitedText.Row) throws(ImportError) -> [ExternalAnswer] {
      let signifier = unit.signifier
      func question(_ id: String) -> ExternalQuestion {
        unit.questions[id]
          ?? ExternalQuestion(id: id, name: id, subject: .story, isPersonal: false, kind: .text)
      }
      func names(_ rests: [String]) -> [String] {
        rests.map { $0.isEmpty ? signifier.id : "\(signifier.id)_\($0)" }
      }
      switch unit.kind {
      case .text, .unknown:
        return unit.columns.sorted { $0.value < $1.value }.compactMap { rest, column in
          let value = row[column]
          guard !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
          let id = rest.isEmpty ? signifier.id : "\(signifier.id)_\(rest)"
          return ExternalAnswer(
            question: question(id), value: .text(value), columns: [header[column]])
        }
      case .singleSelect:
        guard let column = unit.columns[""] else { return [] }
        let value = row[column].trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { return [] }
        guard let item = signifier.items.first(where: { $0.id == value }) else {
          throw ImportError(
            file: fileName, row: row.number, line: row.line, column: header[column], value: value,
            reason: "is not an item of the list \"\(signifier.title)\"",
            validValues: signifier.items.count <= 20 ? signifier.items.map(\.id) : [])
        }
        return [
          ExternalAnswer(
            question: question(signifier.id), value: .choice(item.text), columns: [header[column]])
        ]
      case .multiSelect:
        var chosen: [String] = []
        var columns: [String] = []
        for item in signifier.items {
          guard let column = unit.columns[item.id] else { continue }
          let value = row[column].trimmingCharacters(in: .whitespaces)
          switch value.lowercased() {
          case "", "0", "false": continue
          case "1", "true":
            chosen.append(item.text)
            columns.append(header[column])
          default:
            throw ImportError(
              file: fileName, row: row.number, line: row.line, column: header[column],
              value: value, reason: "is not 1 (chosen) or empty (not chosen)")
          }
        }
        guard !chosen.isEmpty else { return [] }
        return [
          ExternalAnswer(
            question: question(signifier.id), value: .choices(chosen), columns: columns)
        ]
      case .triad, .dyad:
        if let column = unit.columns["NA"],
          ["1", "true"].contains(row[column].trimmingCharacters(in: .whitespaces).lowercased())
        {
          return [
            ExternalAnswer(
              question: question("\(signifier.id)_NA"), value: .boolean(true),
              columns: [header[column]])
          ]
        }
        let x =
          try unit.columns["percentX"].map { (column) throws(ImportError) in
            try numberCell(column, row)
          } ?? nil
        let y =
          try unit.columns["percentY"].map { (column) throws(ImportError) in
            try numberCell(column, row)
          } ?? nil
        var result: [ExternalAnswer] = []
        for (index, label) in signifier.labels.enumerated() {
          let id = "\(signifier.id)_\(label.id)"
          var value: Decimal?
          var from: [String] = []
          if let column = unit.columns[label.id], let given = try numberCell(column, row) {
            value = given
            from = [header[column]]
          } else if let x, unit.kind == .dyad {
            value = index == 0 ? 1 - x : x
            from = names(["percentX"])
          } else if let x, let y, unit.kind == .triad {
            let derived: [Decimal] = [y, 1 - x - y / 2, x - y / 2]
            value = index < 3 ? max(0, derived[index]) : nil
            from = names(["percentX", "percentY"])
          }
          if let value {
            result.append(
              ExternalAnswer(
                question: question(id), value: .number(value, scale: .unitInterval),
                columns: from))
          }
        }
        return result
      case .stones:
        var result: [ExternalAnswer] = []
        for stone in signifier.stones {
          for suffix in ["percentX", "percentY"] {
            let rest = "\(stone.id)_\(suffix)"
            guard let column = unit.columns[rest], let value = try numberCell(column, row) else {
              continue
            }
            let asked = question("\(signifier.id)_\(rest)")
            result.append(
              ExternalAnswer(
                question: asked, value: .number(value, scale: asked.scale),
                columns: [header[column]]))
          }
        }
        return result
      }
    }
  }
}
