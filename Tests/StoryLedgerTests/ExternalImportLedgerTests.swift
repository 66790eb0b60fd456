import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger

/// Other tools' exports into the ledger (issue 17): the conversion of answers, the items
/// rules, `Ledger.importExternal`, and the privacy of personal answers.
@Suite struct ExternalImportLedgerTests {
  static func makeLedger() throws -> Ledger {
    try Ledger.create(
      in: InMemoryLog(),
      configuration: try LedgerConfiguration(levels: ["region", "team"], currency: "GBP"))
  }

  static func question(
    _ name: String, _ kind: ExternalAnswerKind, personal: Bool = false
  ) -> ExternalQuestion {
    ExternalQuestion(
      id: "S_" + name, name: name, subject: personal ? .participant : .story,
      isPersonal: personal, kind: kind)
  }

  static let needed = question("Needed", .choice)
  static let feel = question("Feel about", .choices)
  static let trust = question("Amount of trust", .number)
  static let age = question("Age group", .choice, personal: true)

  static func export() throws -> ExternalExport {
    let scale = ExternalAnswerScale.narraFirmaSlider
    func story(_ key: String, row: Int, needed: String, feel: [String], trust: Decimal)
      throws -> ExternalStory
    {
      ExternalStory(
        key: key, sourceRow: row, title: key, text: "Told \(key)", date: try day("2026-01-05"),
        language: "Deutsch", elicitingQuestion: "What surprised you?",
        answers: [
          ExternalAnswer(
            question: ExternalImportLedgerTests.needed, value: .choice(needed), columns: ["Needed"]),
          ExternalAnswer(
            question: ExternalImportLedgerTests.feel, value: .choices(feel), columns: ["Feel about"]
          ),
          ExternalAnswer(
            question: ExternalImportLedgerTests.trust, value: .number(trust, scale: scale),
            columns: ["Amount of trust"]),
          ExternalAnswer(
            question: ExternalImportLedgerTests.age, value: .choice("35-50"), columns: ["Age group"]
          ),
        ])
    }
    return ExternalExport(
      stories: [
        try story("nf-a", row: 3, needed: "trust", feel: ["hopeful"], trust: 72.5),
        try story("nf-b", row: 4, needed: "time", feel: [], trust: 30),
      ], questions: [needed, feel, trust, age])
  }

  @Test func answersConvertExactlyWithWriteInsOfTheirOwn() throws {
    let mapped = MappedStory(
      key: "nf-a", sourceRow: 3, node: try path("north"), title: "A", tellers: [], tags: [],
      share: nil, toldOn: try day("2026-01-05"), narrative: "n", language: "日本語",
      answers: [
        ExternalAnswer(
          question: Self.trust,
          value: .number(Decimal(string: "0.5442477876106195") ?? 0, scale: .unitInterval),
          columns: ["t"]),
        ExternalAnswer(
          question: Self.needed, value: .choice("Other"), writeIn: "a whole ward",
          columns: ["n"]),
        ExternalAnswer(question: Self.feel, value: .choices([]), columns: ["f"]),
        ExternalAnswer(question: Self.age, value: .choice("35-50"), columns: ["a"]),
      ])
    let story = StoryRecordBatch.Story(mapped)
    #expect(
      story.answers == [
        Answer(question: "Language", value: .choice("日本語")),
        Answer(
          question: "Amount of trust",
          value: .number("0.5442477876106195", scale: AnswerScale(minimum: "0", maximum: "1"))),
        Answer(question: "Needed", value: .choice("Other")),
        Answer(question: "Needed (write-in)", value: .text("a whole ward")),
        Answer(question: "Age group", value: .choice("35-50"), isPersonal: true),
      ])
  }

  @Test func itemRulesMatchByEqualsIncludesAndBounds() throws {
    let rule = ExternalImportMapping.ItemRule(
      question: "Amount of trust", atLeast: 70, atMost: 80, dimension: .calibrating)
    #expect(rule.matches(.number(70, scale: nil)))
    #expect(rule.matches(.number(80, scale: nil)))
    #expect(!rule.matches(.number(69, scale: nil)))
    #expect(!rule.matches(.choice("70")))
    let includes = ExternalImportMapping.ItemRule(
      question: "Feel about", includes: "hopeful", dimension: .capacitating)
    #expect(includes.matches(.choices(["tired", "hopeful"])))
    #expect(!includes.matches(.choices(["tired"])))
    let equals = ExternalImportMapping.ItemRule(
      question: "Told", equals: "yes", dimension: .capacitating)
    #expect(equals.matches(.boolean(true)) && !equals.matches(.boolean(false)))
    // The generated key is the same for the same rule, and differs for another.
    #expect(rule.generatedKey == rule.generatedKey)
    #expect(rule.generatedKey.hasPrefix("a-") && rule.generatedKey.count == 12)
    #expect(rule.generatedKey != includes.generatedKey)
  }

  @Test func importExternalRecordsStoriesAnswersAndItemsOnceOnly() throws {
    let ledger = try Self.makeLedger()
    let mapping = try ExternalImportMapping.decode(
      Array(
        """
        { "_note": "comments are ignored",
          "items": [ { "question": "Needed", "equals": "trust", "item": "trust",
                       "dimension": "calibrating", "description": "trust" },
                     { "question": "Amount of trust", "atLeast": 70, "dimension": "calibrating",
                       "visibility": "visible", "weight": 4 } ] }
        """.utf8), fileName: "map.json")
    let export = try Self.export()
    let summary = try ledger.importExternal(
      export, mapping: mapping, node: try path("north/t1"), fileName: "s.csv")
    #expect(summary.storiesAdded == 2 && summary.tellingsAdded == 2 && summary.itemsAdded == 2)
    // Language, eliciting question, needed, trust, age; feel only where something is ticked.
    #expect(summary.answersAdded == 5 + 6)
    let history = try ledger.storyHistory("nf-a")
    #expect(
      history.items.map(\.item).sorted()
        == [mapping.items?[1].generatedKey ?? "", "trust"].sorted())
    #expect(try ledger.storyHistory("nf-b").items.isEmpty)
    let again = try ledger.importExternal(
      export, mapping: mapping, node: try path("north/t1"), fileName: "s.csv")
    #expect(again.storiesAdded == 0 && again.itemsAdded == 0 && again.answersAdded == 0)
    #expect(again.storiesUnchanged == 2)
  }

  @Test func aStoryTheLedgerRefusesIsNamedByItsRow() throws {
    let ledger = try Self.makeLedger()
    let mapping = ExternalImportMapping(share: .init(default: "galaxy"))
    let error = #expect(throws: ImportError.self) {
      try ledger.importExternal(
        try Self.export(), mapping: mapping, node: try path("north"), fileName: "s.csv")
    }
    #expect(error?.row == 3)
    #expect(error?.column == "share")
    #expect(ledger.state.storyCount == 0)
    // A bound on a question that is not a number is the mapping's error.
    let wrong = ExternalImportMapping(items: [
      .init(question: "Needed", atLeast: 3, dimension: .calibrating)
    ])
    let mappingError = #expect(throws: ImportError.self) {
      try ledger.importExternal(
        try Self.export(), mapping: wrong, node: try path("north"), fileName: "s.csv",
        mappingFileName: "m.json")
    }
    #expect(mappingError?.file == "m.json")
    #expect(mappingError?.column == "items[0].atLeast")
  }

  // MARK: Privacy of personal answers

  @Test func personalAnswersAreWithheldOutsideTheShareScope() throws {
    let ledger = try Self.makeLedger()
    try ledger.importStories([
      StoryRecordBatch.Story(
        key: "s1", node: try path("north/t1"), title: "Secret", share: "team",
        toldOn: try day("2026-01-05"), narrative: "n",
        answers: [
          Answer(question: "Mood", value: .choice("hopeful")),
          Answer(question: "Ward", value: .text("Ward 7"), isPersonal: true),
        ])
    ])
    var answered: RecordedEvent?
    try ledger.forEachEvent { if $0.type == .storyAnswered { answered = $0 } }
    let event = try #require(answered)
    guard
      case .storyAnswered(let inside) = try ledger.state.scoped(event, for: .node(path("north/t1")))
        .payload,
      case .storyAnswered(let outside) = try ledger.state.scoped(event, for: .node(path("north")))
        .payload
    else {
      Issue.record("scoping changed the event type")
      return
    }
    #expect(inside.answers[1].value == .text("Ward 7"))
    #expect(outside.answers[0].value == .choice("hopeful"))
    #expect(outside.answers[1].value == .text(RecordedEvent.withheldMark))
    #expect(outside.answers[1].isPersonal)
  }

  @Test func answerFiltersMatchPublicAnswersOnly() throws {
    let ledger = try Self.makeLedger()
    try ledger.importStories([
      StoryRecordBatch.Story(
        key: "s1", node: try path("north/t1"), toldOn: try day("2026-01-05"),
        answers: [
          Answer(question: "Mood", value: .choice("hopeful")),
          Answer(question: "Ward", value: .text("Ward 7"), isPersonal: true),
        ])
    ])
    let state = ledger.state
    #expect(state.story("s1", matches: [AnswerFilter(question: "Mood", value: "hopeful")]))
    #expect(!state.story("s1", matches: [AnswerFilter(question: "Ward", value: "Ward 7")]))
  }

  @Test func anImportedItemKeyTheStoryHasAddsNothing() throws {
    let ledger = try Self.makeLedger()
    let item = StoryRecordBatch.Item(
      key: "trust", dimension: .calibrating, facts: ItemFacts(visibility: .invisible))
    let story = StoryRecordBatch.Story(
      key: "s1", node: try path("north/t1"), toldOn: try day("2026-01-05"), items: [item])
    #expect(try ledger.importStories([story]).itemsAdded == 1)
    var changed = story
    changed.items[0].facts.description = "changed"
    #expect(try ledger.importStories([changed]).itemsAdded == 0)
    var twice = story
    twice.key = "s2"
    twice.items = [item, item]
    #expect(throws: StoryRecordBatch.Problem.self) { try ledger.importStories([twice]) }
  }
}
