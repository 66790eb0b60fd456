import Foundation

/// Importing another tool's export in one call: read it with ``NarraFirmaExport``
/// or ``SenseMakerExport``, then ``Ledger/importExternal(_:mapping:node:fileName:mappingFileName:isDryRun:options:)``.
///
/// ```swift
/// let export = try NarraFirmaExport.read(bytes, fileName: "export_story_collection_Spring.csv")
/// let summary = try ledger.importExternal(export, node: try NodePath(parsing: "nhs/north"))
/// print(summary.storiesAdded, summary.answersAdded, summary.itemsAdded)
/// ```
extension Ledger {
  /// Imports the stories of an export (NarraFirma, SenseMaker) as one durable, all-or-nothing
  /// append: the mapping is applied (``ExternalImportMapping/apply(to:baseNode:fileName:mappingFileName:)-(ExternalExport,_,_,_)``;
  /// without one, every story is told at `node`, keeps every answer and has no items), each
  /// story becomes a ``StoryRecordBatch/Story`` (see ``StoryRecordBatch/Story/init(_:)``) and
  /// ``importStories(_:isDryRun:options:)`` records them. Importing the same export twice
  /// adds nothing: story keys come from the content, item keys from the mapping's rules.
  ///
  /// - Parameters:
  ///   - export: What a parser read.
  ///   - mapping: How stories become ledger stories; `nil`: none.
  ///   - node: The node every story is told at, or below (the mapping's `node` rule).
  ///   - fileName: The export's name, which errors use.
  ///   - mappingFileName: The mapping's name, which errors use.
  ///   - isDryRun: Check and count only, appending nothing.
  ///   - options: The actor and an idempotency key for the whole import.
  /// - Throws: ``ImportError`` naming the file, the row the story came from (its
  ///   ``ExternalStory/sourceRow``), the column or field and the reason, for a mapping that
  ///   does not fit the file or a story the ledger refuses; nothing is imported.
  ///   ``LedgerError`` when the ledger cannot be written.
  @discardableResult
  public func importExternal(
    _ export: ExternalExport, mapping: ExternalImportMapping? = nil, node: NodePath,
    fileName: String = "stories", mappingFileName: String = "mapping", isDryRun: Bool = false,
    options: AppendOptions = AppendOptions()
  ) throws -> StoryRecordBatch.Summary {
    let mapped = try (mapping ?? ExternalImportMapping()).apply(
      to: export, baseNode: node, fileName: fileName, mappingFileName: mappingFileName)
    do {
      return try importStories(
        mapped.map(StoryRecordBatch.Story.init), isDryRun: isDryRun, options: options)
    } catch let problem as StoryRecordBatch.Problem {
      let row = mapped.indices.contains(problem.index) ? mapped[problem.index].sourceRow : nil
      throw ImportError(
        file: fileName, row: row, column: problem.field,
        reason: "story \(problem.key): \(problem.reason)")
    }
  }
}

extension StoryRecordBatch.Story {
  /// The story to record for a mapped story.
  ///
  /// Answers become ``Answer`` values of the question's display name, personal as the
  /// mapping left them: a number as its exact decimal text (`72`, `0.5442477876106195`) with
  /// its scale's bounds as text; a checkbox question with nothing ticked, or an empty text, is
  /// no answer. A write-in (NarraFirma's `WRITEIN_` box) is an answer of its own, a text named
  /// `QUESTION (write-in)`, so that the choice stays countable and the words are kept whole.
  /// The language and the eliciting question the export names become the choice answers
  /// `Language` and `Eliciting question` (unless a question has that name), so that they can
  /// be filtered on and counted by `export timeseries --by`. Two questions with the same
  /// display name are told apart by the second's id.
  public init(_ mapped: MappedStory) {
    var answers: [Answer] = []
    var names = Set(mapped.answers.map(\.question.name))
    for (name, given) in [
      ("Language", mapped.language), ("Eliciting question", mapped.elicitingQuestion),
    ] {
      guard let text = given?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty,
        !names.contains(name)
      else { continue }
      answers.append(Answer(question: name, value: .choice(text)))
    }
    names = []
    for external in mapped.answers {
      var name = external.question.name
      if !names.insert(name).inserted {
        name = external.question.id
        names.insert(name)
      }
      if let value = external.value.flatMap(Self.answerValue) {
        answers.append(Answer(question: name, value: value, isPersonal: external.isPersonal))
      }
      if let writeIn = external.writeIn?.trimmingCharacters(in: .whitespacesAndNewlines),
        !writeIn.isEmpty
      {
        answers.append(
          Answer(
            question: "\(name) (write-in)", value: .text(writeIn),
            isPersonal: external.isPersonal))
      }
    }
    self.init(
      key: mapped.key, node: mapped.node, title: mapped.title, tellers: mapped.tellers,
      tags: mapped.tags, share: mapped.share, toldOn: mapped.toldOn, narrative: mapped.narrative,
      answers: answers, items: mapped.items)
  }

  /// The ledger's value for an external answer's value; `nil` for an empty one.
  static func answerValue(_ value: ExternalAnswerValue) -> AnswerValue? {
    func isBlank(_ text: String) -> Bool {
      text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }
    switch value {
    case .text(let text): return isBlank(text) ? nil : .text(text)
    case .choice(let choice): return isBlank(choice) ? nil : .choice(choice)
    case .choices(let choices):
      let chosen = choices.filter { !isBlank($0) }
      return chosen.isEmpty ? nil : .choices(chosen)
    case .number(let number, let scale):
      return .number(
        "\(number)",
        scale: scale.map { AnswerScale(minimum: "\($0.lower)", maximum: "\($0.upper)") })
    case .boolean(let flag): return .boolean(flag)
    }
  }
}
