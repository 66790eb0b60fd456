import Foundation

extension ExternalImportMapping {
  /// A rule that turns an answer into an item of value of the story (the mapping's `items`).
  ///
  /// In the method, people translate stories into items of value after telling them; a rule
  /// says which answers already say what the value is:
  ///
  /// ```json
  /// "items": [
  ///   { "question": "Needed", "equals": "trust", "item": "trust",
  ///     "dimension": "calibrating", "visibility": "invisible",
  ///     "description": "trust was what they needed" },
  ///   { "question": "Feel about", "includes": "supported", "dimension": "capacitating" },
  ///   { "question": "Amount of trust", "atLeast": 70, "dimension": "calibrating", "weight": 4 }
  /// ]
  /// ```
  ///
  /// A rule matches a story whose answer to `question` meets every condition given:
  /// - `equals`: the answer's text is this (a choice, a text, a number as written, or `yes`/`no`
  ///   for a boolean; an answer of several choices matches when it is exactly this one choice);
  /// - `includes`: the answer is this choice or, for several choices, includes it;
  /// - `atLeast`, `atMost`: the answer is a number within these bounds (a bound on a question
  ///   that is not a number is an error of the mapping).
  ///
  /// A rule with no condition matches any answer to the question. Each matching rule records
  /// one item, as of the story's date: its key is `item`, or one made from the rule
  /// (``generatedKey``) so that importing the same file again adds nothing; when two matching
  /// rules give a story the same key, the first one wins. `dimension` is required;
  /// `visibility` is `invisible` unless given; `description` is the question and the answer
  /// (`Needed: trust`) unless given; `weight` (1 to 5) and `evidence` are optional.
  public struct ItemRule: Codable, Hashable, Sendable {
    /// The question read (its name or id).
    public var question: String
    /// The answer text that matches.
    public var equals: String?
    /// A choice the answer must be or include.
    public var includes: String?
    /// The least number that matches.
    public var atLeast: Decimal?
    /// The greatest number that matches.
    public var atMost: Decimal?
    /// The item's key within the story; `nil`: ``generatedKey``.
    public var item: String?
    /// The item's dimension.
    public var dimension: Dimension
    /// Visible or invisible; `nil`: invisible.
    public var visibility: Visibility?
    /// What the item is; `nil`: the question and the answer.
    public var description: String?
    /// A calibrating judgement of how much it matters, 1 to 5.
    public var weight: Int?
    /// Evidence of the value.
    public var evidence: String?

    /// Creates a rule.
    public init(
      question: String, equals: String? = nil, includes: String? = nil, atLeast: Decimal? = nil,
      atMost: Decimal? = nil, item: String? = nil, dimension: Dimension,
      visibility: Visibility? = nil, description: String? = nil, weight: Int? = nil,
      evidence: String? = nil
    ) {
      self.question = question
      self.equals = equals
      self.includes = includes
      self.atLeast = atLeast
      self.atMost = atMost
      self.item = item
      self.dimension = dimension
      self.visibility = visibility
      self.description = description
      self.weight = weight
      self.evidence = evidence
    }

    /// The keys an item rule may have.
    public static let keys = [
      "question", "equals", "includes", "atLeast", "atMost", "item", "dimension", "visibility",
      "description", "weight", "evidence",
    ]

    /// The key of the item a rule without `item` records: `a-` and the first 10 hex digits of
    /// the SHA-256 of the question, the conditions and the dimension, each followed by a
    /// 0x1F byte, in UTF-8 (numbers as written in decimal). The same rule always gives the
    /// same key.
    public var generatedKey: String {
      var bytes: [UInt8] = []
      let parts = [
        question, equals ?? "", includes ?? "", atLeast.map { "\($0)" } ?? "",
        atMost.map { "\($0)" } ?? "", dimension.rawValue,
      ]
      for part in parts {
        bytes += Array(part.utf8)
        bytes.append(0x1F)
      }
      return "a-" + String(SHA256.hash(bytes).hex.prefix(10))
    }

    /// Whether `value` meets every condition of the rule.
    public func matches(_ value: ExternalAnswerValue) -> Bool {
      if let equals {
        switch value {
        case .choices(let choices): if choices != [equals] { return false }
        case .boolean(let flag):
          let word = equals.lowercased()
          if flag ? !["yes", "true"].contains(word) : !["no", "false"].contains(word) {
            return false
          }
        case .number(let number, _):
          if ExternalValues.number(equals) != number { return false }
        case .text(let text), .choice(let text): if text != equals { return false }
        }
      }
      if let includes {
        switch value {
        case .choices(let choices): if !choices.contains(includes) { return false }
        case .choice(let choice): if choice != includes { return false }
        default: return false
        }
      }
      if atLeast != nil || atMost != nil {
        guard case .number(let number, _) = value else { return false }
        if let atLeast, number < atLeast { return false }
        if let atMost, number > atMost { return false }
      }
      return true
    }
  }

  /// Checks the item rules against the questions (`ids`: each rule's question id), throwing
  /// an error naming the mapping file for a rule that cannot work.
  static func checkItemRules(
    _ rules: [ItemRule], ids: [String], questions: [ExternalQuestion], mappingFileName: String
  ) throws(ImportError) {
    for (index, (rule, id)) in zip(rules, ids).enumerated() {
      let place = "items[\(index)]"
      if let weight = rule.weight, !(1...5).contains(weight) {
        throw ImportError(
          file: mappingFileName, column: "\(place).weight", value: "\(weight)",
          reason: "is not an integer from 1 to 5")
      }
      if let key = rule.item {
        do throws(ValueError) { try Key.validate(key, field: "\(place).item") } catch {
          throw ImportError(
            file: mappingFileName, column: "\(place).item", value: key, reason: error.reason)
        }
      }
      guard let question = questions.first(where: { $0.id == id }) else { continue }
      if rule.atLeast != nil || rule.atMost != nil, question.kind != .number {
        throw ImportError(
          file: mappingFileName, column: "\(place).\(rule.atLeast != nil ? "atLeast" : "atMost")",
          reason:
            "compares numbers, but \(question.name) is a \(question.kind.rawValue) question; use equals or includes"
        )
      }
      if rule.includes != nil, ![.choice, .choices].contains(question.kind) {
        throw ImportError(
          file: mappingFileName, column: "\(place).includes",
          reason:
            "looks into choices, but \(question.name) is a \(question.kind.rawValue) question; use equals"
        )
      }
    }
  }

  /// The items the rules give a story, in rule order (`ids`: each rule's question id).
  static func items(
    of story: ExternalStory, rules: [ItemRule], ids: [String]
  ) -> [StoryRecordBatch.Item] {
    var result: [StoryRecordBatch.Item] = []
    for (rule, id) in zip(rules, ids) {
      guard let answer = story.answer(id), let value = answer.value, rule.matches(value) else {
        continue
      }
      let key = rule.item ?? rule.generatedKey
      if result.contains(where: { $0.key == key }) { continue }
      let description = rule.description ?? "\(answer.question.name): \(value.text)"
      result.append(
        StoryRecordBatch.Item(
          key: key, dimension: rule.dimension,
          facts: ItemFacts(
            visibility: rule.visibility ?? .invisible, description: description,
            weight: rule.weight, evidence: rule.evidence)))
    }
    return result
  }
}
