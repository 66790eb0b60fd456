import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger

/// Stories before items, questionnaire answers and the batch import of stories (issue 17).
@Suite("Answers and stories before items")
struct AnswerTests {
  static func makeLedger() throws -> Ledger {
    try Ledger.create(
      in: InMemoryLog(),
      configuration: try LedgerConfiguration(levels: ["region", "team"], currency: "GBP"))
  }

  static func write(_ text: String, in directory: TemporaryDirectory, name: String = "s.csv")
    throws -> URL
  {
    let url = directory.url.appending(path: name)
    try Data(text.utf8).write(to: url)
    return url
  }

  // MARK: Stories-only import

  @Test func aStoriesOnlyFileImportsStoriesAndTellingsAndASecondImportAddsNothing() throws {
    let directory = try TemporaryDirectory()
    let ledger = try Self.makeLedger()
    let file = try Self.write(
      """
      story,node,told_on,title,narrative,teller,tags,share
      S1,north/t1,2026-01-05,Walk,We walked,Asha;Bo,walking,team
      S2,north/t2,2026-02-10,Café,"Nous avons parlé, longtemps",,,
      S2,north/t2,2026-03-01,,Retold in März,,,
      S3,south/t3,2026-02-11,,,,,

      """, in: directory)
    let dry = try ledger.importCSV(contentsOf: file, isDryRun: true)
    #expect(dry.plan.stories == 3 && dry.plan.tellings == 3 && dry.plan.items == 0)
    #expect(ledger.state.storyCount == 0, "a dry run writes nothing")
    let summary = try ledger.importCSV(contentsOf: file)
    #expect(summary.plan.stories == 3)
    #expect(summary.plan.nodes == 5)
    #expect(summary.plan.tellings == 3)
    #expect(summary.plan.items == 0 && summary.plan.revisions == 0)
    let state = ledger.state
    #expect(state.storyCount == 3 && state.itemCount == 0 && state.tellingCount == 3)
    let history = try ledger.storyHistory("S2")
    #expect(history.entries.map(\.kind) == [.told, .telling, .telling])
    #expect(history.items.isEmpty)
    #expect(try ledger.storyHistory("S1").tellers == ["Asha", "Bo"])
    #expect(try ledger.storyHistory("S1").share == "team")
    // Counted in the tree, with no item figures.
    let tree = try state.tree(of: nil)
    #expect(tree.first { $0.node.description == "north" }?.stories == 2)
    #expect(tree.first { $0.node.description == "north" }?.items == 0)
    let again = try ledger.importCSV(contentsOf: file)
    #expect(again.plan.events == 0)
    #expect(ledger.state.lastSequence == state.lastSequence)
  }

  @Test func aStoriesOnlyFileIsCheckedAllOrNothing() throws {
    let directory = try TemporaryDirectory()
    let ledger = try Self.makeLedger()
    func failure(_ text: String) throws -> ImportError {
      let file = try Self.write(text, in: directory)
      do {
        try ledger.importCSV(contentsOf: file)
      } catch let error as ImportError {
        return error
      }
      Issue.record("the import should have failed")
      return ImportError(file: "", reason: "")
    }
    let dateError = try failure(
      "story,node,told_on,narrative\nS1,north/t1,2026-01-05,ok\nS2,north/t1,05/01/2026,bad\n")
    #expect(dateError.row == 3 && dateError.column == "told_on")
    let itemColumn = try failure("story,node,told_on,description\nS1,north/t1,2026-01-05,x\n")
    #expect(itemColumn.column == "description" && itemColumn.reason.contains("stories-only"))
    let missing = try failure("story,told_on\nS1,2026-01-05\n")
    #expect(missing.column == "node")
    let nodeless = try failure("story,node,told_on\nS1,,2026-01-05\n")
    #expect(nodeless.column == "node")
    #expect(ledger.state.storyCount == 0 && ledger.state.nodeCount == 0, "nothing imported")
    // A file with item keeps the rules of the import format.
    let noVisibility = try failure(
      "story,node,told_on,item,dimension\nS1,n/t,2026-01-05,i,calculating\n")
    #expect(noVisibility.column == "visibility")
  }

  // MARK: Answers

  @Test func answersAreRecordedSupersededShownAndFiltered() throws {
    let ledger = try Self.makeLedger()
    let node = try path("north/t1")
    try ledger.addNode(node, creatingParents: true)
    for key in ["S1", "S2", "S3"] {
      try ledger.tellStory(
        Ledger.NewStory(
          node: node, title: key, narrative: "told", on: try day("2026-01-02"), key: key))
    }
    try ledger.addItem(
      to: "S1", key: "i1", dimension: .calibrating, on: try day("2026-01-03"),
      facts: ItemFacts(visibility: .invisible))
    try ledger.addItem(
      to: "S2", key: "i1", dimension: .calibrating, on: try day("2026-01-03"),
      facts: ItemFacts(visibility: .invisible))
    try ledger.answer(
      story: "S1", on: try day("2026-01-02"),
      answers: [
        Answer(question: "Mood", value: .choice("hopeful")),
        Answer(
          question: "Trust", value: .number("70", scale: AnswerScale(minimum: "0", maximum: "100"))),
        Answer(question: "Ward", value: .text("Ward 7"), isPersonal: true),
      ])
    try ledger.answer(
      story: "S1", on: try day("2026-03-01"),
      answers: [Answer(question: "Mood", value: .choice("tired"))])
    // A late answer dated before the current one does not supersede it.
    try ledger.answer(
      story: "S1", on: try day("2026-02-01"),
      answers: [Answer(question: "Mood", value: .choice("angry"))])
    try ledger.answer(
      story: "S2", on: try day("2026-01-02"),
      answers: [Answer(question: "Mood", value: .choices(["hopeful", "tired"]))])
    try ledger.answer(
      story: "S3", on: try day("2026-01-02"),
      answers: [Answer(question: "Again", value: .boolean(true))])

    let history = try ledger.storyHistory("S1")
    #expect(history.answers.map(\.question) == ["Mood", "Trust", "Ward"])
    #expect(history.answers.map(\.value) == ["tired", "70", "Ward 7"])
    #expect(history.answers[1].scale == "0..100")
    #expect(history.answers[2].personal)
    #expect(
      history.entries.filter { $0.kind == .answered }.map(\.text) == [
        "Mood: hopeful; Trust: 70 (on 0..100); Ward: Ward 7", "Mood: angry", "Mood: tired",
      ])
    let json = String(decoding: try JSONEncoder().encode(history), as: UTF8.self)
    #expect(json.contains("\"answers\":[") && json.contains("\"entries\""))

    func stories(_ filters: [AnswerFilter]) throws -> [String] {
      var query = ItemQuery(scope: .everything)
      query.answers = filters
      return try ledger.items(query).items.map(\.story)
    }
    #expect(try stories([AnswerFilter(question: "Mood", value: "tired")]) == ["S1", "S2"])
    #expect(try stories([AnswerFilter(question: "Mood", value: "hopeful")]) == ["S2"])
    #expect(try stories([AnswerFilter(question: "Mood", value: "angry")]) == [])
    #expect(
      try stories([try AnswerFilter(parsing: "Trust=70"), try AnswerFilter(parsing: "Mood=tired")])
        == ["S1"])
    #expect(ledger.state.story("S3", matches: [AnswerFilter(question: "Again", value: "yes")]))
  }

  @Test func invalidAnswersAreRefused() throws {
    let ledger = try Self.makeLedger()
    let node = try path("north")
    try ledger.addNode(node)
    try ledger.tellStory(Ledger.NewStory(node: node, title: "T", narrative: "n", key: "S1"))
    let invalid: [[Answer]] = [
      [],
      [Answer(question: " ", value: .text("x"))],
      [Answer(question: "Q", value: .choices([]))],
      [Answer(question: "Q", value: .number("1,5", scale: nil))],
      [
        Answer(
          question: "Q", value: .number("101", scale: AnswerScale(minimum: "0", maximum: "100")))
      ],
      [Answer(question: "Q", value: .number("5", scale: AnswerScale(minimum: "9", maximum: "1")))],
    ]
    for answers in invalid {
      #expect(throws: LedgerError.self, "\(answers)") {
        try ledger.answer(story: "S1", answers: answers)
      }
    }
    #expect(throws: LedgerError.self) {
      try ledger.answer(story: "nope", answers: [Answer(question: "Q", value: .boolean(true))])
    }
    try ledger.withdrawStory("S1")
    #expect(throws: LedgerError.self) {
      try ledger.answer(story: "S1", answers: [Answer(question: "Q", value: .boolean(true))])
    }
  }

  @Test func personalAnswersAreErasedWithTheStory() throws {
    let ledger = try Self.makeLedger()
    let node = try path("north")
    try ledger.addNode(node)
    try ledger.tellStory(Ledger.NewStory(node: node, title: "T", narrative: "n", key: "S1"))
    try ledger.answer(
      story: "S1",
      answers: [
        Answer(question: "Mood", value: .choice("hopeful")),
        Answer(question: "Name", value: .text("Quillon"), isPersonal: true),
      ])
    try ledger.withdrawStory("S1", erase: true)
    let history = try ledger.storyHistory("S1")
    #expect(history.answers.map(\.question) == ["Mood"])
    #expect(history.entries.first { $0.kind == .answered }?.text.contains("Quillon") == false)
    var logText = ""
    try ledger.forEachEvent { event in
      var bytes: [UInt8] = []
      event.appendJSON(to: &bytes)
      logText += String(decoding: bytes, as: UTF8.self)
    }
    #expect(!logText.contains("Quillon") && logText.contains("hopeful"))
    #expect(try ledger.verify().problem == nil)
  }

  // MARK: Batch import

  @Test func theBatchImportAddsStoriesTellingsAndAnswersOnce() throws {
    let ledger = try Self.makeLedger()
    let stories = [
      StoryRecordBatch.Story(
        key: "nf-1", node: try path("north/t1"), title: "Walk", tellers: ["Asha"], tags: ["a"],
        share: "TEAM", toldOn: try day("2026-01-05"), narrative: "We walked",
        answers: [
          Answer(question: "Mood", value: .choice("hopeful")),
          Answer(question: "Age", value: .number("34", scale: nil), isPersonal: true),
        ]),
      StoryRecordBatch.Story(
        key: "nf-2", node: try path("north/t2"), toldOn: try day("2026-01-06"),
        narrative: "Deutsch: wir gingen"),
    ]
    let dry = try ledger.importStories(stories, isDryRun: true)
    #expect(dry.storiesAdded == 2 && dry.nodesAdded == 3 && dry.answersAdded == 2)
    #expect(ledger.state.storyCount == 0)
    let first = try ledger.importStories(stories)
    #expect(first == dry)
    #expect(try ledger.storyHistory("nf-1").share == "team")
    #expect(try ledger.storyHistory("nf-1").answers.map(\.value) == ["hopeful", "34"])
    let head = ledger.state.lastSequence
    let second = try ledger.importStories(stories)
    #expect(second.storiesUnchanged == 2 && second.storiesAdded == 0 && second.answersAdded == 0)
    #expect(ledger.state.lastSequence == head, "the same stories twice add nothing")
    // A changed answer is new; a story at another node is an error naming it.
    var changed = stories
    changed[0].answers[0].value = .choice("tired")
    #expect(try ledger.importStories(changed).answersAdded == 1)
    // Importing the original again after a later answer superseded it adds nothing: the
    // story has that answer, as of that date, already.
    try ledger.answer(
      story: "nf-1", on: try day("2026-03-01"),
      answers: [Answer(question: "Mood", value: .choice("calm"))])
    let later = ledger.state.lastSequence
    #expect(try ledger.importStories(stories).answersAdded == 0)
    #expect(try ledger.importStories(changed).answersAdded == 0)
    #expect(ledger.state.lastSequence == later)
    var moved = stories
    moved[1].node = try path("north/t1")
    #expect {
      try ledger.importStories(moved)
    } throws: { error in
      guard let problem = error as? StoryRecordBatch.Problem else { return false }
      return problem.index == 1 && problem.key == "nf-2" && problem.field == "node"
    }
    #expect(throws: StoryRecordBatch.Problem.self) {
      try ledger.importStories([stories[1], stories[1]])
    }
  }

  // MARK: Time series by answer

  /// A small ledger whose `--by` figures are computed by hand below.
  @Test func theSeriesByAnswerHasTheFiguresComputedByHand() throws {
    let ledger = try Self.makeLedger()
    try ledger.importStories([
      StoryRecordBatch.Story(
        key: "A", node: try path("north/t1"), toldOn: try day("2026-01-05"), narrative: "a",
        answers: [Answer(question: "Mood", value: .choices(["hopeful", "tired"]))]),
      StoryRecordBatch.Story(
        key: "B", node: try path("north/t2"), toldOn: try day("2026-01-20"), narrative: "b",
        answers: [Answer(question: "Mood", value: .choice("hopeful"))]),
      StoryRecordBatch.Story(
        key: "C", node: try path("south/t3"), toldOn: try day("2026-02-03"), narrative: "c"),
    ])
    try ledger.addItem(
      to: "A", key: "i", dimension: .calculating, on: try day("2026-01-06"),
      facts: ItemFacts(visibility: .invisible, monetised: Money(cents: 1000)))
    try ledger.reviseItem(
      ItemRef(story: "A", key: "i"), on: try day("2026-02-10"),
      facts: ItemFacts(visibility: .visible))
    try ledger.retellStory("B", narrative: "b again", on: try day("2026-02-15"))
    var rows: [String] = []
    try ledger.answerSeries(try TimeSeriesQuery(period: .month, level: "region"), by: "Mood") {
      row in
      var bytes: [UInt8] = []
      row.append(as: .csv, to: &bytes)
      rows.append(String(decoding: bytes.dropLast(), as: UTF8.self))
    }
    // 2 months × 2 regions × 3 answers ("", hopeful, tired) × 3 dimensions.
    #expect(rows.count == 36)
    func row(_ prefix: String) -> String? { rows.first { $0.hasPrefix(prefix) } }
    // January, north: A (hopeful and tired) told and recorded its item; B (hopeful) told.
    #expect(
      row("2026-01-01,2026-01-31,north,region,hopeful,calculating,")
        == "2026-01-01,2026-01-31,north,region,hopeful,calculating,2,1,1,0,0,1,0.00,10.00")
    #expect(
      row("2026-01-01,2026-01-31,north,region,tired,calculating,")
        == "2026-01-01,2026-01-31,north,region,tired,calculating,1,1,1,0,0,1,0.00,10.00")
    #expect(
      row("2026-01-01,2026-01-31,north,region,,capacitating,")
        == "2026-01-01,2026-01-31,north,region,,capacitating,0,0,0,0,0,0,0.00,0.00")
    // February: A's item made visible; B retold; C (no answer) told in the south.
    #expect(
      row("2026-02-01,2026-02-28,north,region,hopeful,calculating,")
        == "2026-02-01,2026-02-28,north,region,hopeful,calculating,1,1,0,1,1,0,10.00,0.00")
    #expect(
      row("2026-02-01,2026-02-28,north,region,hopeful,capacitating,")
        == "2026-02-01,2026-02-28,north,region,hopeful,capacitating,1,0,0,0,0,0,0.00,0.00")
    #expect(
      row("2026-02-01,2026-02-28,north,region,tired,calculating,")
        == "2026-02-01,2026-02-28,north,region,tired,calculating,0,1,0,1,1,0,10.00,0.00")
    #expect(
      row("2026-02-01,2026-02-28,south,region,,calibrating,")
        == "2026-02-01,2026-02-28,south,region,,calibrating,1,0,0,0,0,0,0.00,0.00")
    let order = rows.map { $0.split(separator: ",", omittingEmptySubsequences: false)[4] }
    #expect(
      Array(order.prefix(9)) == [
        "", "", "", "hopeful", "hopeful", "hopeful", "tired", "tired", "tired",
      ])
    var json: [UInt8] = []
    try ledger.answerSeries(try TimeSeriesQuery(period: .month, level: "region"), by: "Mood") {
      row in
      if json.isEmpty { row.append(as: .jsonl, to: &json) }
    }
    let object = try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any]
    #expect(Set(object?.keys.map { $0 } ?? []) == Set(AnswerSeriesRow.columns))
  }

  // MARK: Snapshot and schema evolution

  @Test func answersSurviveASnapshotRoundTrip() throws {
    let directory = try TemporaryDirectory()
    let url = directory.url.appending(path: "ledger")
    let ledger = try Ledger.create(at: url, configuration: try LedgerConfiguration())
    try ledger.importStories([
      StoryRecordBatch.Story(
        key: "S1", node: try path("nhs/north"), toldOn: try day("2026-01-05"), narrative: "n",
        answers: [
          Answer(question: "Mood", value: .choices(["hopeful", "тревога"])),
          Answer(
            question: "Age", value: .number("34", scale: AnswerScale(minimum: "0", maximum: "120")),
            isPersonal: true),
        ])
    ])
    try ledger.answer(
      story: "S1", on: try day("2026-02-01"),
      answers: [Answer(question: "Again", value: .boolean(false))])
    try ledger.writeSnapshot()
    let expected = try ledger.storyHistory("S1").answers
    let reopened = try Ledger.open(at: url)
    #expect(reopened.takeNotices().isEmpty, "the snapshot is used")
    #expect(reopened.state.answerCount == 3)
    #expect(try reopened.storyHistory("S1").answers == expected)
    #expect(Ledger.snapshotProblem(in: url) == nil, "the section digests prove the answers")
    var replayed = LedgerState()
    try reopened.forEachEvent { try replayed.apply($0) }
    #expect(replayed.answerCount == 3)
    #expect(replayed.currentAnswers(of: 0).count == 3)
  }

  /// A snapshot of the format before answers (5) is not misread: the ledger replays its log,
  /// which reads as before; a `story.answered` of a newer schema is refused by name.
  @Test func olderSnapshotsAndLogsStillRead() throws {
    let directory = try TemporaryDirectory()
    let url = directory.url.appending(path: "ledger")
    let ledger = try Ledger.create(at: url, configuration: try LedgerConfiguration())
    let node = try path("nhs")
    try ledger.addNode(node)
    try ledger.tellStory(Ledger.NewStory(node: node, title: "T", narrative: "n", key: "S1"))
    try ledger.writeSnapshot()
    let snapshot = url.appending(path: Snapshot.fileName)
    var bytes = try Data(contentsOf: snapshot)
    bytes[8] = 5
    try bytes.write(to: snapshot)
    let reopened = try Ledger.open(at: url)
    #expect(reopened.takeNotices().isEmpty, "another format is replayed quietly")
    #expect(reopened.state.storyCount == 1 && reopened.state.answerCount == 0)
    #expect(try reopened.storyHistory("S1").answers.isEmpty)
    #expect(throws: DecodingFailure.self) {
      try [UInt8](repeating: 0, count: 4).withUnsafeBytes {
        _ = try EventCodec.decode(
          type: EventType.storyAnswered.rawValue, schemaVersion: 2, publicBytes: $0,
          personalBytes: nil)
      }
    }
  }
}
