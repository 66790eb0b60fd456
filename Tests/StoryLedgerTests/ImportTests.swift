import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger

/// A ledger state with a counter for sequence numbers, to apply plans to.
private struct TestLedger {
  static let levels = ["national", "region", "organisation", "team"]

  var state = LedgerState()
  var sequence: UInt64 = 0
  /// Every event applied, by sequence number: the state keeps long texts in the log.
  var events: [UInt64: EventPayload] = [:]

  init() throws {
    try apply(.ledgerCreated(LedgerConfiguration(levels: TestLedger.levels, currency: "GBP")))
  }

  mutating func apply(_ payload: EventPayload) throws {
    sequence += 1
    try state.apply(payload, sequence: sequence)
    events[sequence] = payload
  }

  mutating func apply(_ plan: ImportPlan) throws {
    for event in plan.events { try apply(event) }
  }

  func plan(_ csv: String, fileName: String = "items.csv") throws(ImportError) -> ImportPlan {
    try ImportPlanner.plan(csv: Array(csv.utf8), fileName: fileName, against: state)
  }

  /// Plans `csv` and applies the plan.
  @discardableResult
  mutating func importing(_ csv: String) throws -> ImportPlan {
    let plan = try plan(csv)
    try apply(plan)
    return plan
  }

  /// The error planning `csv` throws, or `nil`.
  func error(_ csv: String) -> ImportError? {
    do {
      _ = try plan(csv)
      return nil
    } catch {
      return error
    }
  }

  /// What the tests read of a story: its node, date, share, items and tellings in date order.
  struct StoryView {
    var node: Int32
    var toldOn: Day
    var share: String
    var items: [Int32]
    var tellings: [(on: Day, narrative: String)]
  }

  func story(_ key: String) -> StoryView? {
    guard let index = state.storyIndex(forKey: key) else { return nil }
    let record = state.stories[index]
    var tellings: [(on: Day, narrative: String)] = []
    var cursor = record.firstTelling
    while cursor >= 0 {
      let telling = state.tellings[cursor]
      if case .tellingRecorded(let event) = events[telling.sequence] {
        tellings.append((telling.day, event.narrative))
      }
      cursor = telling.next
    }
    return StoryView(
      node: record.node, toldOn: record.toldOn, share: state.storyFields(index).share,
      items: state.itemsOfStory(index), tellings: tellings)
  }

  /// The item's revisions in date order: (date, visibility in effect, facts).
  func revisions(_ story: String, _ item: String) -> [(Day, Bool, ItemFacts)] {
    guard let storyIndex = state.storyIndex(forKey: story),
      let itemIndex = state.itemIndex(story: storyIndex, key: item)
    else { return [] }
    var result: [(Day, Bool, ItemFacts)] = []
    var cursor = state.items[itemIndex].first
    while cursor >= 0 {
      let revision = state.revisions[cursor]
      let facts: ItemFacts
      switch events[revision.sequence] {
      case .itemRecorded(let event): facts = event.facts
      case .itemRevised(let event): facts = event.facts
      default: facts = ItemFacts()
      }
      result.append((revision.day, revision.isVisible, facts))
      cursor = revision.next
    }
    return result
  }
}

/// The day `text` names, for fixtures known to be valid: no `try` at every use.
private func fixedDay(_ text: String) -> Day { (try? Day(parsing: text)) ?? Day(daysSinceEpoch: 0) }

private let header =
  "story,node,told_on,item,dimension,visibility,title,narrative,teller,tags,description,quantity,unit,monetised,weight,evidence,share"

@Suite("CSV import planning")
struct ImportPlannerTests {
  // MARK: Good input

  @Test("plans nodes, stories, tellings and items in the documented order")
  func eventOrder() throws {
    let ledger = try TestLedger()
    let csv = """
      \(header)
      S1,england/north,2026-01-10,i1,calculating,invisible,Falls,We cut falls,Ann;Bo,safety; wards,fewer falls,12,falls,1250.5,4,audit,region
      S2,england/south,2026-01-12,j1,capacitating,visible,Choir,,,,,,,,,,
      S1,,2026-01-05,i2,Calibrating,VISIBLE,,,,,,,,,,,
      S1,england/north,2026-02-01,i1,,visible,Falls,We cut falls more,,,,,,,,,

      """
    let plan = try ledger.plan(csv)
    let north = try path("england/north")
    #expect(
      plan.events == [
        .nodeAdded(NodeAdded(path: try path("england"), name: "england")),
        .nodeAdded(NodeAdded(path: north, name: "north")),
        .nodeAdded(NodeAdded(path: try path("england/south"), name: "south")),
        .storyTold(
          StoryTold(
            key: "S1", node: north, on: fixedDay("2026-01-05"), title: "Falls",
            tellers: ["Ann", "Bo"],
            tags: ["safety", "wards"], share: "region")),
        .tellingRecorded(
          TellingRecorded(story: "S1", on: fixedDay("2026-01-10"), narrative: "We cut falls")),
        .tellingRecorded(
          TellingRecorded(story: "S1", on: fixedDay("2026-02-01"), narrative: "We cut falls more")),
        .itemRecorded(
          ItemRecorded(
            story: "S1", item: "i1", on: fixedDay("2026-01-10"), dimension: .calculating,
            facts: ItemFacts(
              visibility: .invisible, description: "fewer falls", quantity: "12", unit: "falls",
              monetised: Money(cents: 125_050), weight: 4, evidence: "audit"))),
        .itemRevised(
          ItemRevised(
            story: "S1", item: "i1", on: fixedDay("2026-02-01"),
            facts: ItemFacts(visibility: .visible))),
        .itemRecorded(
          ItemRecorded(
            story: "S1", item: "i2", on: fixedDay("2026-01-05"), dimension: .calibrating,
            facts: ItemFacts(visibility: .visible))),
        .storyTold(
          StoryTold(
            key: "S2", node: try path("england/south"), on: fixedDay("2026-01-12"), title: "Choir",
            tellers: [],
            tags: [], share: "national")),
        .itemRecorded(
          ItemRecorded(
            story: "S2", item: "j1", on: fixedDay("2026-01-12"), dimension: .capacitating,
            facts: ItemFacts(visibility: .visible))),
      ])
    #expect(plan.rowCount == 4)
    #expect(plan.nodesAdded == 3)
    #expect(plan.storiesAdded == 2)
    #expect(plan.tellingsAdded == 2)
    #expect(plan.itemsAdded == 3)
    #expect(plan.revisionsAdded == 1)
  }

  @Test("the plan applies cleanly to the state it was planned against")
  func appliesToState() throws {
    var ledger = try TestLedger()
    try ledger.importing(
      """
      story,node,told_on,item,dimension,visibility,monetised
      S1,england/north/trust-1/team-a,2026-01-10,i1,calculating,invisible,100
      S1,,2026-03-10,i1,,visible,

      """)
    #expect(ledger.state.nodeCount == 4)
    #expect(ledger.state.storyCount == 1)
    #expect(ledger.state.itemCount == 1)
    #expect(ledger.state.revisionCount == 2)
    let team = try #require(ledger.state.nodeIndex[try path("england/north/trust-1/team-a")])
    #expect(ledger.story("S1")?.node == team)
    #expect(ledger.state.nodes[Int(team)].name == "team-a")
  }

  @Test(
    "columns may come in any order",
    arguments: [
      ["story", "node", "told_on", "item", "dimension", "visibility", "narrative", "weight"],
      ["weight", "visibility", "narrative", "item", "told_on", "dimension", "node", "story"],
      ["item", "story", "weight", "node", "narrative", "visibility", "told_on", "dimension"],
    ])
  func columnOrder(columns: [String]) throws {
    let ledger = try TestLedger()
    let values: [String: [String]] = [
      "story": ["S1", "S1"], "node": ["england", ""], "told_on": ["2026-01-01", "2026-02-01"],
      "item": ["i1", "i1"], "dimension": ["calibrating", ""],
      "visibility": ["invisible", "visible"],
      "narrative": ["\"Once, \"\"then\"\"\"", ""], "weight": ["3", "5"],
    ]
    let rows = (0..<2).map { row in columns.map { values[$0]?[row] ?? "" }.joined(separator: ",") }
    let csv = ([columns.joined(separator: ",")] + rows).joined(separator: "\n")
    let plan = try ledger.plan(csv)
    #expect(
      plan.events == [
        .nodeAdded(NodeAdded(path: try path("england"), name: "england")),
        .storyTold(
          StoryTold(
            key: "S1", node: try path("england"), on: fixedDay("2026-01-01"), title: "",
            tellers: [],
            tags: [],
            share: "national")),
        .tellingRecorded(
          TellingRecorded(story: "S1", on: fixedDay("2026-01-01"), narrative: "Once, \"then\"")),
        .itemRecorded(
          ItemRecorded(
            story: "S1", item: "i1", on: fixedDay("2026-01-01"), dimension: .calibrating,
            facts: ItemFacts(visibility: .invisible, weight: 3))),
        .itemRevised(
          ItemRevised(
            story: "S1", item: "i1", on: fixedDay("2026-02-01"),
            facts: ItemFacts(visibility: .visible, weight: 5))),
      ])
  }

  @Test("quoted line breaks and quotes, CRLF and a byte-order mark give the same plan")
  func encodings() throws {
    let ledger = try TestLedger()
    let lines = [
      "story,node,told_on,item,dimension,visibility,narrative,description",
      "S1,england,2026-01-01,i1,capacitating,visible,\"First line\nsecond \"\"quoted\"\" line\",\"a, b\"",
    ]
    let plain = try ledger.plan(lines.joined(separator: "\n") + "\n")
    let crlf = lines.joined(separator: "\r\n") + "\r\n"
    let windows = try ImportPlanner.plan(
      csv: [0xEF, 0xBB, 0xBF] + Array(crlf.utf8), fileName: "items.csv", against: ledger.state)
    #expect(
      plain.events.contains(
        .tellingRecorded(
          TellingRecorded(
            story: "S1", on: fixedDay("2026-01-01"), narrative: "First line\nsecond \"quoted\" line"
          ))))
    // The line break inside the quoted narrative is data, kept as it is (LF here).
    #expect(windows == plain)
    guard case .itemRecorded(let item) = windows.events.last else {
      Issue.record("expected an item last")
      return
    }
    #expect(item.facts.description == "a, b")
  }

  @Test("an item's late-dated rows reorder its revisions by told_on")
  func lateDatedRows() throws {
    var ledger = try TestLedger()
    let plan = try ledger.importing(
      """
      story,node,told_on,item,dimension,visibility,monetised
      S1,england,2026-03-01,i1,calculating,visible,300
      S1,england,2026-05-01,i1,,,500
      S1,england,2026-01-15,i1,calculating,invisible,100

      """)
    let events = plan.events.filter { $0.type == .itemRecorded || $0.type == .itemRevised }
    #expect(
      events == [
        .itemRecorded(
          ItemRecorded(
            story: "S1", item: "i1", on: fixedDay("2026-01-15"), dimension: .calculating,
            facts: ItemFacts(visibility: .invisible, monetised: Money(cents: 10_000)))),
        .itemRevised(
          ItemRevised(
            story: "S1", item: "i1", on: fixedDay("2026-03-01"),
            facts: ItemFacts(visibility: .visible, monetised: Money(cents: 30_000)))),
        .itemRevised(
          ItemRevised(
            story: "S1", item: "i1", on: fixedDay("2026-05-01"),
            facts: ItemFacts(monetised: Money(cents: 50_000)))),
      ])
    #expect(ledger.story("S1")?.toldOn == fixedDay("2026-01-15"))
    let revisions = ledger.revisions("S1", "i1")
    #expect(
      revisions.map(\.0) == [
        fixedDay("2026-01-15"), fixedDay("2026-03-01"), fixedDay("2026-05-01"),
      ])
    #expect(revisions.map(\.1) == [false, true, true])
  }

  @Test("equal dates keep file order, and a row with no new facts records a dated mention")
  func sameDateAndEmptyRows() throws {
    let ledger = try TestLedger()
    let plan = try ledger.plan(
      """
      story,node,told_on,item,dimension,visibility,weight
      S1,england,2026-01-01,i1,calibrating,invisible,1
      S1,,2026-02-01,i1,,,2
      S1,,2026-02-01,i1,,,3
      S1,,2026-03-01,i1,calibrating,,

      """)
    let revised = plan.events.compactMap { event -> ItemRevised? in
      if case .itemRevised(let revision) = event { return revision }
      return nil
    }
    #expect(revised.map(\.facts.weight) == [2, 3, nil])
    #expect(plan.revisionsAdded == 3)
    // The row that gives only the item's own dimension changes nothing: a mention, dated.
    #expect(revised.last?.facts.isEmpty == true)
    #expect(revised.last?.on == fixedDay("2026-03-01"))
  }

  @Test("the same story, date and narrative is one telling, in the file and in the ledger")
  func tellingDedupe() throws {
    var ledger = try TestLedger()
    let csv = """
      story,node,told_on,item,dimension,visibility,narrative
      S1,england,2026-01-01,i1,calibrating,invisible,We met
      S1,england,2026-01-01,i2,calibrating,invisible,We met
      S1,england,2026-01-02,i3,calibrating,invisible,We met
      S1,england,2026-01-01,i4,calibrating,invisible,We met again
      S1,england,2026-01-01,i5,calibrating,invisible,

      """
    let first = try ledger.importing(csv)
    #expect(first.tellingsAdded == 3)
    #expect(
      ledger.story("S1")?.tellings.map(\.narrative) == ["We met", "We met again", "We met"])
    let again = try ledger.plan(csv)
    #expect(again.tellingsAdded == 0)
    #expect(again.storiesAdded == 0)
    #expect(again.itemsAdded == 0)
    #expect(!again.events.contains { $0.type == .tellingRecorded })
  }

  @Test("a story with many tellings still counts each once")
  func manyTellings() throws {
    var ledger = try TestLedger()
    var rows = ["story,node,told_on,item,dimension,visibility,narrative"]
    for round in 0..<3 {
      for index in 0..<40 {
        rows.append(
          "S1,england,2026-01-\(10 + index % 20),i\(round)x\(index),calibrating,visible,Telling \(index)"
        )
      }
    }
    let csv = rows.joined(separator: "\n")
    let plan = try ledger.importing(csv)
    #expect(plan.tellingsAdded == 40)
    let tellings = try #require(ledger.story("S1")?.tellings)
    #expect(tellings.map(\.on) == tellings.map(\.on).sorted())
    // Importing more rows of the same tellings adds none, even past the set threshold.
    let more =
      rows[0] + "\n"
      + rows.dropFirst().map { $0.replacingOccurrences(of: ",i", with: ",k") }.joined(
        separator: "\n")
    #expect(try ledger.plan(more).tellingsAdded == 0)
  }

  @Test("importing into a ledger that already has the story adds items and revisions only")
  func existingStory() throws {
    var ledger = try TestLedger()
    try ledger.importing(
      """
      story,node,told_on,item,dimension,visibility,title,teller,share,monetised
      S1,england/north,2026-01-10,i1,calculating,invisible,Falls,Ann,organisation,100

      """)
    let plan = try ledger.importing(
      """
      story,node,told_on,item,dimension,visibility,title,teller,share,monetised,narrative
      S1,england/north,2026-04-01,i1,calculating,visible,Falls,Ann,ORGANISATION,,Made visible
      S1,,2026-04-01,i2,capacitating,invisible,,,,,
      S1,,2026-02-01,i1,,,,,,150,
      S1,,2026-05-01,i1,,,,,,,
      S2,england/south,2026-04-01,j1,calibrating,visible,,,,,

      """)
    #expect(plan.nodesAdded == 1)
    #expect(plan.storiesAdded == 1)
    #expect(plan.itemsAdded == 2)
    #expect(plan.revisionsAdded == 3)  // the 2026-05-01 row is a mention
    #expect(plan.tellingsAdded == 1)
    #expect(
      !plan.events.contains(where: {
        if case .storyTold(let s) = $0 { s.key == "S1" } else { false }
      }))
    let story = try #require(ledger.story("S1"))
    #expect(story.items.count == 2)
    #expect(story.share == "organisation")
    #expect(story.tellings.map(\.narrative) == ["Made visible"])
    let revisions = ledger.revisions("S1", "i1")
    #expect(
      revisions.map(\.0) == [
        fixedDay("2026-01-10"), fixedDay("2026-02-01"), fixedDay("2026-04-01"),
        fixedDay("2026-05-01"),
      ])
    #expect(revisions.map(\.1) == [false, false, true, true])
    #expect(
      revisions.map(\.2.monetised) == [Money(cents: 10_000), Money(cents: 15_000), nil, nil])
    #expect(ledger.state.storyCount == 2)
  }

  @Test(
    "a story already in the ledger keeps its node, title, tellers, tags and share",
    arguments: [
      ("node", "england/south", "a story never changes node"),
      ("title", "Other", "has in the ledger"),
      ("teller", "Cy", "has in the ledger"),
      ("tags", "x", "which has no tags"),
      ("share", "team", "has in the ledger"),
    ])
  func existingStoryConflicts(column: String, value: String, reason: String) throws {
    var ledger = try TestLedger()
    try ledger.importing(
      """
      story,node,told_on,item,dimension,visibility,title,teller
      S1,england/north,2026-01-10,i1,calculating,invisible,Falls,Ann

      """)
    var values = [
      "story": "S1", "node": "", "told_on": "2026-02-01", "item": "i9", "dimension": "calibrating",
    ]
    values["visibility"] = "visible"
    values[column] = value
    let columns = [
      "story", "node", "told_on", "item", "dimension", "visibility", "title", "teller", "tags",
      "share",
    ]
    let csv =
      columns.joined(separator: ",") + "\n"
      + columns.map { values[$0] ?? "" }.joined(separator: ",")
    let error = try #require(ledger.error(csv))
    #expect(error.row == 2)
    #expect(error.column == column)
    #expect(error.value == value)
    #expect(error.reason.contains(reason), "\(error)")
  }

  @Test("an item already in the ledger keeps its dimension and is only revised")
  func existingItem() throws {
    var ledger = try TestLedger()
    try ledger.importing(
      """
      story,node,told_on,item,dimension,visibility
      S1,england,2026-01-10,i1,calculating,invisible

      """)
    let error = try #require(
      ledger.error(
        """
        story,node,told_on,item,dimension,visibility
        S1,,2026-02-01,i1,calibrating,visible

        """))
    #expect(error.row == 2)
    #expect(error.column == "dimension")
    #expect(error.reason.contains("has in the ledger"))
    // Without visibility or dimension, a row for a ledger item revises what it gives.
    let plan = try ledger.plan(
      """
      story,node,told_on,item,dimension,visibility,weight
      S1,,2026-02-01,i1,,,2

      """)
    #expect(
      plan.events == [
        .itemRevised(
          ItemRevised(
            story: "S1", item: "i1", on: fixedDay("2026-02-01"), facts: ItemFacts(weight: 2)))
      ])
  }

  @Test("story-level fields come from the first row that gives them")
  func storyFields() throws {
    let ledger = try TestLedger()
    let plan = try ledger.plan(
      """
      story,node,told_on,item,dimension,visibility,title,teller,tags,share
      S1,,2026-01-03,i1,calculating,invisible,,,,
      S1,england,2026-01-02,i2,calculating,invisible,Title,Ann; Bo,,Team
      S1,england,2026-01-04,i3,calculating,invisible,Title,Ann;Bo,x;;y,team
      S1,,2026-01-05,i4,calculating,invisible,,Ann ;Bo,x; y,

      """)
    guard case .storyTold(let story) = plan.events.first(where: { $0.type == .storyTold }) else {
      Issue.record("no story")
      return
    }
    #expect(story.node == (try path("england")))
    #expect(story.title == "Title")
    #expect(story.tellers == ["Ann", "Bo"])
    #expect(story.tags == ["x", "y"])
    #expect(story.share == "team")
    #expect(story.on == fixedDay("2026-01-02"))
  }

  @Test("a title spelt in another Unicode normal form is the same title; the first is kept")
  func canonicallyEquivalentTitles() throws {
    let ledger = try TestLedger()
    let precomposed = "Caf\u{E9} du matin"
    let decomposed = "Cafe\u{301} du matin"
    #expect(Array(precomposed.utf8) != Array(decomposed.utf8))
    let plan = try ledger.plan(
      """
      story,node,told_on,item,dimension,visibility,title
      S1,england,2026-01-02,i1,calculating,invisible,\(decomposed)
      S1,,2026-01-03,i1,,,\(precomposed)

      """)
    guard case .storyTold(let story) = plan.events.first(where: { $0.type == .storyTold }) else {
      Issue.record("no story")
      return
    }
    #expect(Array(story.title.utf8) == Array(decomposed.utf8))
    #expect(throws: ImportError.self) {
      try ledger.plan(
        """
        story,node,told_on,item,dimension,visibility,title
        S1,england,2026-01-02,i1,calculating,invisible,\(decomposed)
        S1,,2026-01-03,i1,,,Cafe du matin

        """)
    }
  }

  @Test("existing nodes are not added again; new ones come with their missing ancestors")
  func nodes() throws {
    var ledger = try TestLedger()
    try ledger.apply(.nodeAdded(NodeAdded(path: try path("england"), name: "England")))
    let plan = try ledger.importing(
      """
      story,node,told_on,item,dimension,visibility
      S1,england/north/t1,2026-01-01,i1,calculating,visible
      S2,england/north,2026-01-01,i1,calculating,visible
      S3,england,2026-01-01,i1,calculating,visible
      S4,wales/cardiff,2026-01-01,i1,calculating,visible

      """)
    #expect(
      plan.events.prefix(4) == [
        .nodeAdded(NodeAdded(path: try path("england/north"), name: "north")),
        .nodeAdded(NodeAdded(path: try path("england/north/t1"), name: "t1")),
        .nodeAdded(NodeAdded(path: try path("wales"), name: "wales")),
        .nodeAdded(NodeAdded(path: try path("wales/cardiff"), name: "cardiff")),
      ])
    #expect(plan.nodesAdded == 4)
    #expect(ledger.state.nodeCount == 5)
  }

  @Test("reads a file and reports progress up to the file's size")
  func fileWithProgress() throws {
    let ledger = try TestLedger()
    var text = "story,node,told_on,item,dimension,visibility\n"
    for index in 0..<5000 {
      text += "S\(index % 50),england,2026-01-01,i\(index),calculating,visible\n"
    }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "import-\(UUID().uuidString).csv")
    try Data(text.utf8).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    var reports: [(UInt64, UInt64)] = []
    let plan = try ImportPlanner.plan(contentsOf: url, against: ledger.state) {
      reports.append(($0, $1))
    }
    #expect(plan.rowCount == 5000)
    #expect(plan.storiesAdded == 50)
    #expect(plan.itemsAdded == 5000)
    #expect(reports.last.map { $0.0 == $0.1 && $0.1 == UInt64(text.utf8.count) } == true)
  }

  // MARK: Bad input

  /// A file the planner must refuse, with where and why.
  struct BadInput: CustomTestStringConvertible, Sendable {
    var name: String
    var csv: String
    var row: Int?
    var column: String?
    var reason: String
    var validValues: [String] = []
    var testDescription: String { name }
  }

  static let base = "story,node,told_on,item,dimension,visibility,monetised,weight,quantity,share"
  static let good = "S1,england,2026-01-01,i1,calculating,visible,,,,"

  static let badInputs: [BadInput] = [
    BadInput(
      name: "empty file", csv: "", row: nil, column: nil, reason: "is empty"),
    BadInput(
      name: "header only", csv: base + "\n", row: nil, column: nil, reason: "no rows to import"),
    BadInput(
      name: "missing column",
      csv: "story,node,told_on,item,dimension\nS1,england,2026-01-01,i1,calculating",
      row: 1, column: "visibility", reason: "required column is missing"),
    BadInput(
      name: "unknown column", csv: base + ",colour\n" + good + ",red", row: 1, column: "colour",
      reason: "unknown column", validValues: ImportColumn.allCases.map(\.name)),
    BadInput(
      name: "column in another case",
      csv: base.replacingOccurrences(of: "told_on", with: "Told_On")
        + "\n" + good, row: 1, column: "Told_On",
      reason: "unknown column; did you mean told_on? Column names are written exactly so",
      validValues: ImportColumn.allCases.map(\.name)),
    BadInput(
      name: "column with spaces",
      csv: base.replacingOccurrences(of: ",node,", with: ", node ,")
        + "\n" + good, row: 1, column: " node ", reason: "unknown column; did you mean node?",
      validValues: ImportColumn.allCases.map(\.name)),
    BadInput(
      name: "tab-separated", csv: base.replacingOccurrences(of: ",", with: "\t") + "\n",
      row: 1, column: nil,
      reason:
        "the header is one field: its columns are separated by tabs, but the import file separates them by commas"
    ),
    BadInput(
      name: "semicolon-separated", csv: base.replacingOccurrences(of: ",", with: ";") + "\n",
      row: 1, column: nil, reason: "its columns are separated by semicolons"),
    BadInput(
      name: "duplicate column", csv: base + ",story\n" + good + ",S1", row: 1, column: "story",
      reason: "named twice in the header (fields 1 and 11)"),
    BadInput(
      name: "too many fields", csv: [base, good, good + ",extra"].joined(separator: "\n"), row: 3,
      column: nil, reason: "has 11 fields but the header names 10 columns"),
    BadInput(
      name: "too few fields",
      csv: [base, good, "S1,england,2026-01-01,i2"].joined(separator: "\n"),
      row: 3, column: "dimension", reason: "has 4 fields"),
    BadInput(
      name: "unterminated quote",
      csv: [base, good, "S1,\"england,2026-01-01,i2"].joined(separator: "\n"),
      row: 3, column: "node", reason: "never closed"),
    BadInput(
      name: "bad date",
      csv: [base, "S1,england,2026-02-30,i1,calculating,visible,,,,"].joined(separator: "\n"),
      row: 2, column: "told_on", reason: "is not a date in the form YYYY-MM-DD"),
    BadInput(
      name: "unknown dimension",
      csv: [base, "S1,england,2026-01-01,i1,financial,visible,,,,"].joined(separator: "\n"),
      row: 2, column: "dimension", reason: "is not a dimension",
      validValues: ["capacitating", "calibrating", "calculating"]),
    BadInput(
      name: "unknown visibility",
      csv: [base, "S1,england,2026-01-01,i1,calculating,seen,,,,"].joined(separator: "\n"),
      row: 2, column: "visibility", reason: "is not a visibility",
      validValues: ["visible", "invisible"]),
    BadInput(
      name: "monetised with 3 decimals",
      csv: [base, "S1,england,2026-01-01,i1,calculating,visible,12.345,,,"].joined(separator: "\n"),
      row: 2, column: "monetised", reason: "has 3 decimal places; at most 2 are allowed"),
    BadInput(
      name: "weight 0",
      csv: [base, "S1,england,2026-01-01,i1,calculating,visible,,0,,"].joined(separator: "\n"),
      row: 2, column: "weight", reason: "is not an integer from 1 to 5"),
    BadInput(
      name: "weight 6",
      csv: [base, good, "S1,england,2026-01-01,i1,calculating,visible,,6,,"].joined(
        separator: "\n"),
      row: 3, column: "weight", reason: "is not an integer from 1 to 5"),
    BadInput(
      name: "bad quantity",
      csv: [base, "S1,england,2026-01-01,i1,calculating,visible,,,\"3,5\","].joined(
        separator: "\n"),
      row: 2, column: "quantity", reason: "is not a decimal number"),
    BadInput(
      name: "unknown share level",
      csv: [base, "S1,england,2026-01-01,i1,calculating,visible,,,,planet"].joined(separator: "\n"),
      row: 2, column: "share", reason: "is not a level of this ledger",
      validValues: TestLedger.levels),
    BadInput(
      name: "story changes node",
      csv: [base, good, "S1,england/north,2026-01-02,i2,calculating,visible,,,,"].joined(
        separator: "\n"),
      row: 3, column: "node", reason: "a story never changes node through import"),
    BadInput(
      name: "story changes share",
      csv: [
        base, "S1,england,2026-01-01,i1,calculating,visible,,,,region",
        "S1,,2026-01-02,i2,calculating,visible,,,,team",
      ]
      .joined(separator: "\n"),
      row: 3, column: "share", reason: "took from row 2"),
    BadInput(
      name: "item changes dimension",
      csv: [base, good, "\n", "S1,england,2026-01-02,i1,capacitating,visible,,,,"].joined(
        separator: "\n"),
      row: 5, column: "dimension", reason: "differs from the dimension calculating"),
    BadInput(
      name: "first row without dimension",
      csv: [base, "S1,england,2026-01-01,i1,,visible,,,,"].joined(separator: "\n"),
      row: 2, column: "dimension", reason: "must give the dimension",
      validValues: ["capacitating", "calibrating", "calculating"]),
    BadInput(
      name: "first row without visibility",
      csv: [base, "S1,england,2026-01-01,i1,calculating,,,,,"].joined(separator: "\n"),
      row: 2, column: "visibility", reason: "must give the visibility",
      validValues: ["visible", "invisible"]),
    BadInput(
      name: "earliest-dated row without dimension",
      csv: [
        base, "S1,england,2026-03-01,i1,calculating,visible,,,,",
        "S1,england,2026-01-01,i1,,visible,,,,",
      ]
      .joined(separator: "\n"),
      row: 3, column: "dimension", reason: "earliest told_on",
      validValues: ["capacitating", "calibrating", "calculating"]),
    BadInput(
      name: "node deeper than the levels",
      csv: [base, "S1,a/b/c/d/e,2026-01-01,i1,calculating,visible,,,,"].joined(separator: "\n"),
      row: 2, column: "node", reason: "is 5 levels deep but the ledger has 4 levels"),
    BadInput(
      name: "node with an empty segment",
      csv: [base, "S1,england//north,2026-01-01,i1,calculating,visible,,,,"].joined(
        separator: "\n"),
      row: 2, column: "node", reason: "invalid segment 2"),
    BadInput(
      name: "node with a space",
      csv: [base, "S1,north east,2026-01-01,i1,calculating,visible,,,,"].joined(separator: "\n"),
      row: 2, column: "node", reason: "is not allowed"),
    BadInput(
      name: "story key with a space",
      csv: [base, "S 1,england,2026-01-01,i1,calculating,visible,,,,"].joined(separator: "\n"),
      row: 2, column: "story", reason: "is not a valid key"),
    BadInput(
      name: "empty item key",
      csv: [base, "S1,england,2026-01-01,,calculating,visible,,,,"].joined(separator: "\n"),
      row: 2, column: "item", reason: "is empty; a key is required"),
    BadInput(
      name: "new story without a node",
      csv: [base, good, "S2,,2026-01-01,i1,calculating,visible,,,,"].joined(separator: "\n"),
      row: 3, column: "node", reason: "no row of story \"S2\" gives its node"),
  ]

  @Test("refuses bad input, naming row, column and reason", arguments: badInputs)
  func badInput(input: BadInput) throws {
    let ledger = try TestLedger()
    let error = try #require(ledger.error(input.csv))
    #expect(error.file == "items.csv")
    #expect(error.row == input.row, "\(error)")
    #expect(error.column == input.column, "\(error)")
    #expect(error.reason.contains(input.reason), "\(error)")
    #expect(error.validValues == input.validValues, "\(error)")
    #expect(error.readFailure == nil)
    if let row = input.row {
      #expect(error.description.hasPrefix("items.csv row \(row) (line "), "\(error)")
    }
  }

  @Test("invalid UTF-8 in a row names the row and column")
  func invalidUTF8() throws {
    let ledger = try TestLedger()
    let bytes =
      Array(
        "story,node,told_on,item,dimension,visibility,description\nS1,england,2026-01-01,i1,calculating,visible,caf"
          .utf8)
      + [0xE9] + [0x0A]
    do {
      _ = try ImportPlanner.plan(csv: bytes, fileName: "items.csv", against: ledger.state)
      Issue.record("expected an error")
    } catch {
      #expect(error.row == 2)
      #expect(error.column == "description")
      #expect(error.reason.contains("is not valid UTF-8"))
    }
  }

  @Test("the message reads as file, row, line, column, value and reason")
  func message() throws {
    let ledger = try TestLedger()
    let csv = """
      story,node,told_on,item,dimension,visibility,weight,narrative
      S1,england,2026-01-01,i1,calculating,visible,5,"two
      lines"
      S1,england,2026-01-01,i2,calculating,visible,6,

      """
    let error = try #require(ledger.error(csv))
    #expect(
      error.description
        == "items.csv row 3 (line 4), column weight: \"6\" is not an integer from 1 to 5")
    let dimension = try #require(
      ledger.error(
        "story,node,told_on,item,dimension,visibility\nS1,england,2026-01-01,i1,money,visible"))
    #expect(
      dimension.description
        == "items.csv row 2 (line 2), column dimension: \"money\" is not a dimension; valid values: capacitating, calibrating, calculating"
    )
    #expect(ImportError(file: "f.csv", reason: "is empty").description == "f.csv: is empty")
  }
}
