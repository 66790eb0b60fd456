import Foundation

/// How stories read from another tool's export become ledger stories: where each is told,
/// by whom, with which tags, share scope, title and date, and which answers are kept and how.
///
/// It is read from a JSON file (`storyledger import --format … --mapping MAP.json`); every
/// key is optional, and an unknown key is an error (a misspelt key would otherwise be ignored):
///
/// ```json
/// {
///   "node": { "question": "Team", "values": { "Night shift": "ward-3/nights" },
///             "default": "unassigned" },
///   "tellers": ["Name"],
///   "tags": [ { "question": "Feel about" },
///             { "question": "Needed", "values": { "trust": "trust", "respect": "respect" } } ],
///   "share": { "question": "May we share", "values": { "yes": "national", "no": "local" },
///              "default": "local" },
///   "title": "Headline",
///   "defaultDate": "2024-05-01",
///   "personal": ["Age group"],
///   "notPersonal": ["Position"],
///   "skip": ["Theme"],
///   "rename": { "Got what needed": "Needs met" },
///   "items": [ { "question": "Needed", "equals": "trust", "item": "trust",
///                "dimension": "calibrating", "visibility": "invisible" },
///              { "question": "Amount of trust", "atLeast": 70,
///                "dimension": "calibrating", "weight": 4 } ]
/// }
/// ```
///
/// A key that starts with `_` is a comment and is ignored (the template
/// ``template(for:format:fileName:)`` writes one lists the file's questions in one).
///
/// Questions are named by their display name or their id (``ExternalQuestion``); a name that
/// fits no question of the file, or fits two with different ids, is an error that lists the
/// valid names. A ``Rule`` reads one question's answer and maps it through `values` (answer
/// text → result); a rule without `values` takes the answer's text as it is; `default` applies
/// when the story did not answer (and is the whole rule when `question` is absent).
public struct ExternalImportMapping: Codable, Hashable, Sendable {
  /// One question's answer turned into a value.
  public struct Rule: Codable, Hashable, Sendable {
    /// The question read (its name or id); `nil`: the rule is its `default`.
    public var question: String?
    /// Answer text → result; an answer not in it is an error (for `node` and `share`) or is
    /// left out (for `tags`). Without it, the answer's text is the result.
    public var values: [String: String]?
    /// The result when the story has no answer to the question.
    public var `default`: String?

    /// Creates a rule.
    public init(question: String? = nil, values: [String: String]? = nil, default: String? = nil) {
      self.question = question
      self.values = values
      self.default = `default`
    }
  }

  /// The node each story is told at, as a path relative to the base node (`--node`): the
  /// answer's mapped value (one segment, or several separated by `/`). Without it, or when a
  /// story has no answer and no default, the base node.
  public var node: Rule?
  /// Questions whose answers name the tellers (several in one answer separated by `;`).
  public var tellers: [String]?
  /// Rules whose results are tags: each choice of an answer, a text, a number as written, or
  /// the question's name for a `true` boolean.
  public var tags: [Rule]?
  /// The share scope (a level name); without it, the ledger's default.
  public var share: Rule?
  /// The question whose answer is the title of a story the export gives none (SenseMaker
  /// never does); without one, the title is the first line of the text, cut to 60 characters.
  public var title: String?
  /// The date of a story the export gives no date.
  public var defaultDate: Day?
  /// Questions whose answers are personal text (identify or describe a person; erasable).
  public var personal: [String]?
  /// Questions whose answers are not personal, although the export says they are.
  public var notPersonal: [String]?
  /// Questions whose answers are not imported.
  public var skip: [String]?
  /// New display names for questions (old name or id → new name).
  public var rename: [String: String]?
  /// Rules that turn answers into items of value (see ``ItemRule``); without them a story
  /// comes in with no items.
  public var items: [ItemRule]?

  /// Creates a mapping; every part is optional.
  public init(
    node: Rule? = nil, tellers: [String]? = nil, tags: [Rule]? = nil, share: Rule? = nil,
    title: String? = nil, defaultDate: Day? = nil, personal: [String]? = nil,
    notPersonal: [String]? = nil, skip: [String]? = nil, rename: [String: String]? = nil,
    items: [ItemRule]? = nil
  ) {
    self.node = node
    self.tellers = tellers
    self.tags = tags
    self.share = share
    self.title = title
    self.defaultDate = defaultDate
    self.personal = personal
    self.notPersonal = notPersonal
    self.skip = skip
    self.rename = rename
    self.items = items
  }

  /// The keys a mapping file may have.
  public static let keys = [
    "node", "tellers", "tags", "share", "title", "defaultDate", "personal", "notPersonal",
    "skip", "rename", "items",
  ]

  /// Reads a mapping file.
  ///
  /// - Throws: ``ImportError`` naming `fileName` for JSON that is not a mapping: not an object,
  ///   an unknown key (with the valid keys), a missing required key (an item rule's
  ///   `question` or `dimension`), or a value of the wrong shape.
  public static func decode(_ bytes: [UInt8], fileName: String) throws(ImportError)
    -> ExternalImportMapping
  {
    let object: Any
    do { object = try JSONSerialization.jsonObject(with: Data(bytes), options: []) } catch {
      throw ImportError(
        file: fileName,
        reason:
          "is not valid JSON (\(ImportError.jsonProblem(error))); a mapping is a JSON object { \"node\": … }"
      )
    }
    guard let dictionary = object as? [String: Any] else {
      throw ImportError(
        file: fileName, reason: "is not a JSON object; a mapping is { \"node\": … }")
    }
    let rules = ["question", "values", "default"]
    for key in dictionary.keys.sorted() where !key.hasPrefix("_") {
      guard keys.contains(key) else {
        throw ImportError(
          file: fileName, column: key, reason: "is not a key of a mapping", validValues: keys)
      }
      var ruleObjects: [Any] = []
      if key == "node" || key == "share" { ruleObjects = [dictionary[key] as Any] }
      if key == "tags" { ruleObjects = dictionary[key] as? [Any] ?? [] }
      for case let rule as [String: Any] in ruleObjects {
        if let bad = rule.keys.sorted().first(where: { !rules.contains($0) }) {
          throw ImportError(
            file: fileName, column: "\(key).\(bad)", reason: "is not a key of a rule",
            validValues: rules)
        }
      }
      if key == "items" {
        for case (let index, let rule as [String: Any]) in (dictionary[key] as? [Any] ?? [])
          .enumerated()
        {
          if let bad = rule.keys.sorted().first(where: {
            !ItemRule.keys.contains($0) && !$0.hasPrefix("_")
          }) {
            throw ImportError(
              file: fileName, column: "items[\(index)].\(bad)",
              reason: "is not a key of an item rule", validValues: ItemRule.keys)
          }
        }
      }
    }
    if let date = dictionary["defaultDate"] as? String {
      do throws(ValueError) {
        _ = try Day(parsing: date, field: "defaultDate")
      } catch {
        throw ImportError(file: fileName, column: "defaultDate", value: date, reason: error.reason)
      }
    }
    do {
      return try JSONDecoder().decode(ExternalImportMapping.self, from: Data(bytes))
    } catch let DecodingError.typeMismatch(type, context) {
      let found = value(at: context.codingPath, in: dictionary)
      throw ImportError(
        file: fileName, column: path(context.codingPath), value: shown(found),
        reason: found.map { "is \(kind(of: $0)), not \(kind(type))" } ?? "is not \(kind(type))")
    } catch let DecodingError.valueNotFound(type, context) {
      throw ImportError(
        file: fileName, column: path(context.codingPath), reason: "is null; give \(kind(type))")
    } catch let DecodingError.keyNotFound(key, context) {
      throw ImportError(
        file: fileName, column: path(context.codingPath + [key]),
        reason: "is missing; it is required")
    } catch let DecodingError.dataCorrupted(context) {
      let found = value(at: context.codingPath, in: dictionary)
      let valid: [String] =
        switch context.codingPath.last?.stringValue {
        case "dimension": Dimension.allCases.map(\.rawValue)
        case "visibility": Visibility.allCases.map(\.rawValue)
        default: []
        }
      throw ImportError(
        file: fileName, column: path(context.codingPath), value: shown(found),
        reason: valid.isEmpty
          ? "is not valid: \(context.underlyingError.map { "\($0)" } ?? context.debugDescription)"
          : "is not a \(context.codingPath.last?.stringValue ?? "value")",
        validValues: valid)
    } catch {
      throw ImportError(file: fileName, reason: "is not a valid mapping: \(error)")
    }
  }

  /// A coding path as the messages write it: `items[0].dimension`.
  private static func path(_ codingPath: [any CodingKey]) -> String {
    var text = ""
    for key in codingPath {
      if let index = key.intValue {
        text += "[\(index)]"
      } else {
        text += (text.isEmpty ? "" : ".") + key.stringValue
      }
    }
    return text
  }

  /// The value at `codingPath` in the parsed file, if there is one.
  private static func value(at codingPath: [any CodingKey], in root: Any) -> Any? {
    var current: Any? = root
    for key in codingPath {
      if let index = key.intValue {
        guard let list = current as? [Any], list.indices.contains(index) else { return nil }
        current = list[index]
      } else {
        current = (current as? [String: Any])?[key.stringValue]
      }
    }
    return current
  }

  /// A value of the file as a message shows it: text as it is, anything else as JSON.
  private static func shown(_ value: Any?) -> String? {
    guard let value else { return nil }
    if let text = value as? String { return text }
    if let data = try? JSONSerialization.data(
      withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys])
    {
      return String(decoding: data, as: UTF8.self)
    }
    return "\(value)"
  }

  /// What a value of `type` is, in words.
  private static func kind(_ type: Any.Type) -> String {
    switch type {
    case is String.Type, is Dimension.Type, is Visibility.Type, is Day.Type: "text"
    case is Int.Type: "a whole number"
    case is Decimal.Type, is Double.Type: "a number"
    case is Bool.Type: "true or false"
    case is Rule.Type, is ItemRule.Type: "an object"
    default:
      String(describing: type).hasPrefix("Array")
        ? "a list"
        : String(describing: type).hasPrefix("Dictionary") ? "an object" : "\(type)"
    }
  }

  /// What a value of the parsed file is, in words.
  private static func kind(of value: Any) -> String {
    switch value {
    case is String: "text"
    case is [Any]: "a list"
    case is [String: Any]: "an object"
    case let number as NSNumber:
      String(cString: number.objCType) == "c" ? "true or false" : "a number"
    default: "null"
    }
  }
}

/// A story ready to record: an ``ExternalStory`` with the ``ExternalImportMapping`` applied.
public struct MappedStory: Hashable, Sendable {
  /// The story's key (the external story's).
  public var key: String
  /// The row of the export the story came from.
  public var sourceRow: Int
  /// The node it is told at.
  public var node: NodePath
  /// The title.
  public var title: String
  /// Who told it (personal text).
  public var tellers: [String]
  /// Tags, in rule order, without repeats.
  public var tags: [String]
  /// The share scope, a level name; `nil`: the ledger's default.
  public var share: String?
  /// The date of the telling: the story's date, or the mapping's default date.
  public var toldOn: Day
  /// The narrative of the telling (personal text).
  public var narrative: String
  /// The language the export names, if any.
  public var language: String?
  /// The question that elicited the story, if known.
  public var elicitingQuestion: String?
  /// The answers kept, with renames and personal overrides applied.
  public var answers: [ExternalAnswer]
  /// The items of value the mapping's ``ExternalImportMapping/items`` rules give the story.
  public var items: [StoryRecordBatch.Item]

  /// Creates a mapped story.
  public init(
    key: String, sourceRow: Int, node: NodePath, title: String, tellers: [String],
    tags: [String], share: String?, toldOn: Day, narrative: String, language: String? = nil,
    elicitingQuestion: String? = nil, answers: [ExternalAnswer],
    items: [StoryRecordBatch.Item] = []
  ) {
    self.key = key
    self.sourceRow = sourceRow
    self.node = node
    self.title = title
    self.tellers = tellers
    self.tags = tags
    self.share = share
    self.toldOn = toldOn
    self.narrative = narrative
    self.language = language
    self.elicitingQuestion = elicitingQuestion
    self.answers = answers
    self.items = items
  }
}

extension ExternalImportMapping {
  /// Applies the mapping to the stories of an export, checking it against every question of
  /// the export (answered or not).
  ///
  /// - Throws: ``ImportError``, as ``apply(to:baseNode:fileName:mappingFileName:)``.
  public func apply(
    to export: ExternalExport, baseNode: NodePath, fileName: String = "stories",
    mappingFileName: String = "mapping"
  ) throws(ImportError) -> [MappedStory] {
    try apply(
      stories: export.stories, questions: export.questions, baseNode: baseNode,
      fileName: fileName, mappingFileName: mappingFileName)
  }

  /// Applies the mapping to stories, checking it against the questions their answers name.
  ///
  /// - Parameters:
  ///   - stories: The stories a parser read.
  ///   - baseNode: The node given on the command line; mapped nodes are relative to it.
  ///   - fileName: The export's name, for errors about a story.
  ///   - mappingFileName: The mapping's name, for errors about the mapping.
  /// - Throws: ``ImportError``: naming the mapping file for a question no story's answers name
  ///   (with the valid names) or a `values` result that is not a valid path; naming the
  ///   export's row and column for an answer a `values` map lacks, a node answer that is not a
  ///   valid path segment, or a story without a date when the mapping has no `defaultDate`.
  public func apply(
    to stories: [ExternalStory], baseNode: NodePath, fileName: String = "stories",
    mappingFileName: String = "mapping"
  ) throws(ImportError) -> [MappedStory] {
    var questions: [ExternalQuestion] = []
    var seen = Set<String>()
    for story in stories {
      for answer in story.answers where seen.insert(answer.question.id).inserted {
        questions.append(answer.question)
      }
    }
    return try apply(
      stories: stories, questions: questions, baseNode: baseNode, fileName: fileName,
      mappingFileName: mappingFileName)
  }

  private func apply(
    stories: [ExternalStory], questions: [ExternalQuestion], baseNode: NodePath,
    fileName: String, mappingFileName: String
  ) throws(ImportError) -> [MappedStory] {
    let resolver = Resolver(questions: questions, mappingFileName: mappingFileName)
    let nodeID = try resolver.id(node?.question, at: "node.question")
    let shareID = try resolver.id(share?.question, at: "share.question")
    let titleID = try resolver.id(title, at: "title")
    var tellerIDs: [String] = []
    for (index, name) in (tellers ?? []).enumerated() {
      if let id = try resolver.id(name, at: "tellers[\(index)]") { tellerIDs.append(id) }
    }
    var tagIDs: [String?] = []
    for (index, rule) in (tags ?? []).enumerated() {
      tagIDs.append(try resolver.id(rule.question, at: "tags[\(index)].question"))
    }
    let personalIDs = try resolver.ids(personal, at: "personal")
    let notPersonalIDs = try resolver.ids(notPersonal, at: "notPersonal")
    let skipIDs = try resolver.ids(skip, at: "skip")
    var itemIDs: [String] = []
    for (index, rule) in (items ?? []).enumerated() {
      itemIDs.append(try resolver.id(rule.question, at: "items[\(index)].question") ?? "")
    }
    try ExternalImportMapping.checkItemRules(
      items ?? [], ids: itemIDs, questions: questions, mappingFileName: mappingFileName)
    var renames: [String: String] = [:]
    for (name, newName) in (rename ?? [:]).sorted(by: { $0.key < $1.key }) {
      if let id = try resolver.id(name, at: "rename") { renames[id] = newName }
    }
    var nodePaths: [String: [String]] = [:]
    for (answer, path) in (node?.values ?? [:]).sorted(by: { $0.key < $1.key }) {
      nodePaths[answer] = try Resolver.segments(path, at: "node.values", file: mappingFileName)
    }
    let defaultNode = try node?.default.map { (path) throws(ImportError) in
      try Resolver.segments(path, at: "node.default", file: mappingFileName)
    }

    var result: [MappedStory] = []
    for story in stories {
      func answer(_ id: String?) -> ExternalAnswer? {
        id.flatMap { id in story.answers.first { $0.question.id == id } }
      }
      func unmapped(_ answer: ExternalAnswer, _ text: String, _ rule: String, _ valid: [String])
        -> ImportError
      {
        ImportError(
          file: fileName, row: story.sourceRow,
          column: answer.columns.first ?? answer.question.name,
          value: text, reason: "has no entry in the mapping's \(rule).values",
          validValues: valid.sorted())
      }
      // The node.
      var segments = baseNode.segments
      if let given = answer(nodeID), let text = given.value?.text, !text.isEmpty {
        if let values = node?.values {
          guard let path = nodePaths[text] else {
            throw unmapped(given, text, "node", Array(values.keys))
          }
          segments += path
        } else if let problem = NodePath.problem(withSegment: text) {
          throw ImportError(
            file: fileName, row: story.sourceRow, column: given.columns.first, value: text,
            reason: "cannot name a node: \(problem); map it with node.values in the mapping")
        } else {
          segments.append(text)
        }
      } else if let defaultNode {
        segments += defaultNode
      }
      // The share scope.
      var shareLevel = share?.default
      if let given = answer(shareID), let text = given.value?.text, !text.isEmpty {
        if let values = share?.values {
          guard let level = values[text] else {
            throw unmapped(given, text, "share", Array(values.keys))
          }
          shareLevel = level
        } else {
          shareLevel = text
        }
      }
      // Tellers and tags.
      var tellerNames: [String] = []
      for id in tellerIDs {
        guard let text = answer(id)?.value?.text else { continue }
        for name in text.split(separator: ";") {
          let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
          if !trimmed.isEmpty && !tellerNames.contains(trimmed) { tellerNames.append(trimmed) }
        }
      }
      var tagNames: [String] = []
      for (rule, id) in zip(tags ?? [], tagIDs) {
        var found: [String] = []
        if let given = answer(id) {
          found = ExternalImportMapping.tagTexts(given)
          if let values = rule.values { found = found.compactMap { values[$0] } }
        } else if let fallback = rule.default {
          found = [fallback]
        }
        for tag in found where !tag.isEmpty && !tagNames.contains(tag) { tagNames.append(tag) }
      }
      // The date and the title.
      guard let day = story.date ?? defaultDate else {
        throw ImportError(
          file: fileName, row: story.sourceRow,
          reason: "has no date; give defaultDate (YYYY-MM-DD) in the mapping")
      }
      var storyTitle = story.title ?? ""
      if storyTitle.isEmpty, let text = answer(titleID)?.value?.text { storyTitle = text }
      if storyTitle.isEmpty { storyTitle = ExternalImportMapping.firstLine(of: story.text) }
      if storyTitle.isEmpty { storyTitle = story.key }
      // The answers.
      var kept: [ExternalAnswer] = []
      for var given in story.answers where !skipIDs.contains(given.question.id) {
        let id = given.question.id
        if personalIDs.contains(id) { given.question.isPersonal = true }
        if notPersonalIDs.contains(id) { given.question.isPersonal = false }
        if let newName = renames[id] { given.question.name = newName }
        kept.append(given)
      }
      result.append(
        MappedStory(
          key: story.key, sourceRow: story.sourceRow, node: NodePath(validSegments: segments),
          title: storyTitle,
          tellers: story.tellers
            + tellerNames.filter {
              !story.tellers.contains($0)
            }, tags: tagNames, share: shareLevel, toldOn: day, narrative: story.text,
          language: story.language, elicitingQuestion: story.elicitingQuestion, answers: kept,
          items: ExternalImportMapping.items(of: story, rules: items ?? [], ids: itemIDs)))
    }
    return result
  }

  /// The texts an answer gives as tags.
  static func tagTexts(_ answer: ExternalAnswer) -> [String] {
    switch answer.value {
    case .choices(let choices): choices
    case .boolean(let flag): flag ? [answer.question.name] : []
    case .some(let value): [value.text]
    case nil: []
    }
  }

  /// The first non-empty line of `text`, cut at a word to at most 60 characters.
  static func firstLine(of text: String) -> String {
    let line =
      text.split(whereSeparator: \.isNewline).map {
        $0.trimmingCharacters(in: .whitespaces)
      }.first { !$0.isEmpty } ?? ""
    guard line.count > 60 else { return line }
    let cut = line.prefix(60)
    if let space = cut.lastIndex(of: " "), cut.distance(from: cut.startIndex, to: space) > 20 {
      return String(cut[..<space]) + "…"
    }
    return String(cut) + "…"
  }

  /// Finds the questions a mapping names.
  struct Resolver {
    let questions: [ExternalQuestion]
    let mappingFileName: String

    /// The id of the question named `name` (by id, else by display name), or `nil` for `nil`.
    func id(_ name: String?, at place: String) throws(ImportError) -> String? {
      guard let name else { return nil }
      if questions.contains(where: { $0.id == name }) { return name }
      let matches = questions.filter { $0.name == name }
      if matches.count == 1 { return matches[0].id }
      if matches.isEmpty {
        var valid: [String] = []
        for question in questions where !valid.contains(question.name) {
          valid.append(question.name)
        }
        throw ImportError(
          file: mappingFileName, column: place, value: name,
          reason: "is not a question of the file", validValues: valid)
      }
      throw ImportError(
        file: mappingFileName, column: place, value: name,
        reason: "names \(matches.count) questions; name one by its id",
        validValues: matches.map(\.id))
    }

    func ids(_ names: [String]?, at place: String) throws(ImportError) -> Set<String> {
      var result = Set<String>()
      for (index, name) in (names ?? []).enumerated() {
        if let id = try id(name, at: "\(place)[\(index)]") { result.insert(id) }
      }
      return result
    }

    /// The segments of a relative path in the mapping.
    static func segments(_ path: String, at place: String, file: String) throws(ImportError)
      -> [String]
    {
      do throws(ValueError) {
        return try NodePath(parsing: path, field: place).segments
      } catch {
        throw ImportError(file: file, column: place, value: path, reason: error.reason)
      }
    }
  }
}
