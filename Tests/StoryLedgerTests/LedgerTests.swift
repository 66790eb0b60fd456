import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger

/// A small hierarchy with one story and two items, as events.
private func sampleEvents() throws -> [EventPayload] {
  [
    .nodeAdded(NodeAdded(path: try path("nhs"), name: "NHS")),
    .nodeAdded(NodeAdded(path: try path("nhs/london"), name: "London")),
    .nodeAdded(NodeAdded(path: try path("nhs/london/trust-1"), name: "Trust 1")),
    .nodeAdded(NodeAdded(path: try path("nhs/north"), name: "North")),
    .storyTold(
      StoryTold(
        key: "S1", node: try path("nhs/london/trust-1"), on: try day("2026-01-10"),
        title: "Hello my name is",
        tellers: ["Ana"], tags: ["names"], share: "national")),
    .tellingRecorded(
      TellingRecorded(story: "S1", on: try day("2026-01-10"), narrative: "We said our names.")),
    .itemRecorded(
      ItemRecorded(
        story: "S1", item: "trust", on: try day("2026-01-10"), dimension: .capacitating,
        facts: ItemFacts(visibility: .invisible, description: "patients trust us"))),
    .itemRecorded(
      ItemRecorded(
        story: "S1", item: "minutes", on: try day("2026-01-10"), dimension: .calculating,
        facts: ItemFacts(visibility: .visible, monetised: try Money(parsing: "120.50")))),
  ]
}

@Suite("Ledger")
struct LedgerTests {
  let configuration: LedgerConfiguration

  init() throws {
    configuration = try LedgerConfiguration(
      levels: ["national", "region", "organisation"], currency: "GBP")
  }

  @Test func appendsAndSummarisesInMemory() throws {
    let ledger = try Ledger.create(in: InMemoryLog(), configuration: configuration)
    try ledger.append(try sampleEvents())
    try ledger.append([
      .itemRevised(
        ItemRevised(
          story: "S1", item: "trust", on: try day("2026-03-01"),
          facts: ItemFacts(visibility: .visible, monetised: try Money(parsing: "10"))))
    ])
    let before = try ledger.summary(of: try path("nhs"), asOf: try day("2026-02-01"))
    #expect(before.total.stories == 1)
    #expect(before.total.boxes[.capacitating].invisible.items == 1)
    #expect(before.total.boxes[.capacitating].visible.items == 0)
    #expect(before.total.boxes[.calculating].visible.monetised == Money(cents: 12_050))
    let after = try ledger.summary(of: try path("nhs"))
    #expect(after.total.boxes[.capacitating].visible.items == 1)
    #expect(after.total.boxes[.capacitating].visible.monetised == Money(cents: 1000))
    #expect(after.total.boxes.total.items == 2)
    #expect(after.children.map(\.node.description) == ["nhs/london", "nhs/north"])
    #expect(after.children[0].boxes.total.items == 2)
    #expect(after.children[1].boxes.total.items == 0)
    let early = try ledger.summary(of: try path("nhs"), asOf: try day("2025-12-31"))
    #expect(early.total.stories == 0)
    #expect(early.total.boxes.total.items == 0)
  }

  @Test func refusesInvalidBatchesWhole() throws {
    let ledger = try Ledger.create(in: InMemoryLog(), configuration: configuration)
    try ledger.append(try sampleEvents())
    let head = ledger.head
    let cases: [[EventPayload]] = [
      [.nodeAdded(NodeAdded(path: try path("nhs/london"), name: "again"))],
      [.nodeAdded(NodeAdded(path: try path("nhs/x/y"), name: "orphan"))],
      [.nodeAdded(NodeAdded(path: try path("nhs/london/trust-1/team"), name: "too deep"))],
      [
        .nodeAdded(NodeAdded(path: try path("nhs/east"), name: "fine")),
        .tellingRecorded(TellingRecorded(story: "nope", on: try day("2026-01-01"), narrative: "x")),
      ],
      [
        .storyTold(
          StoryTold(
            key: "S2", node: try path("nhs"), on: try day("2026-01-01"), title: "t", tellers: [],
            tags: [], share: "planet"))
      ],
      [
        .itemRecorded(
          ItemRecorded(
            story: "S1", item: "trust", on: try day("2026-01-01"), dimension: .calibrating,
            facts: ItemFacts(visibility: .visible)))
      ],
      [
        .itemRevised(
          ItemRevised(
            story: "S1", item: "ghost", on: try day("2026-01-01"), facts: ItemFacts(weight: 3)))
      ],
      [
        .itemRevised(
          ItemRevised(
            story: "S1", item: "trust", on: try day("2026-01-01"), facts: ItemFacts(weight: 6)))
      ],
    ]
    for batch in cases {
      #expect(throws: LedgerError.self) { try ledger.append(batch) }
      #expect(ledger.head == head, "a refused batch must write nothing")
    }
    #expect(try ledger.verify().isIntact)
  }

  @Test func anEventLargerThanARecordMayBeIsRefusedWhole() throws {
    let directory = try TemporaryDirectory()
    let ledger = try Ledger.create(
      at: directory.url.appending(path: "ledger"), configuration: configuration)
    try ledger.append(try sampleEvents())
    let head = ledger.head
    let huge = String(repeating: "a", count: (64 << 20) + 1)
    let error = #expect(throws: LedgerError.self) {
      try ledger.append([
        .tellingRecorded(TellingRecorded(story: "S1", on: try day("2026-02-01"), narrative: huge))
      ])
    }
    #expect(error?.message.contains("larger than a record may be") == true)
    #expect(ledger.head == head)
    #expect(try ledger.verify().isIntact)
    #expect(try Ledger.open(at: directory.url.appending(path: "ledger")).head == head)
  }

  @Test func idempotencyKeyMakesARetryANoOp() throws {
    let ledger = try Ledger.create(in: InMemoryLog(), configuration: configuration)
    let first = try ledger.append(try sampleEvents(), options: .init(idempotencyKey: "import-1"))
    #expect(!first.isRepeat)
    let again = try ledger.append(try sampleEvents(), options: .init(idempotencyKey: "import-1"))
    #expect(again.isRepeat)
    #expect(again.events.isEmpty)
    #expect(again.originalSequence == first.events.first?.sequence)
    #expect(ledger.head.sequence == 1 + UInt64(try sampleEvents().count))
  }

  /// A retry of a write that generated its key answers with the original's key; a key
  /// another kind of write used is refused, and nothing is written.
  @Test func aRetryAnswersTheOriginalAndAKeyOfAnotherWriteIsRefused() throws {
    let ledger = try Ledger.create(in: InMemoryLog(), configuration: configuration)
    try ledger.addNode(try path("nhs/north"), creatingParents: true)
    let story = try ledger.tellStory(
      Ledger.NewStory(
        node: try path("nhs/north"), title: "Walks", narrative: "We walk.",
        on: try day("2026-02-01")),
      options: .init(idempotencyKey: "tell-1"))
    let first = try ledger.addItem(
      to: story.ref, dimension: .calibrating, facts: ItemFacts(visibility: .invisible),
      options: .init(idempotencyKey: "item-1"))
    let retry = try ledger.addItem(
      to: story.ref, dimension: .calibrating, facts: ItemFacts(visibility: .invisible),
      options: .init(idempotencyKey: "item-1"))
    #expect(retry.append.isRepeat)
    #expect(retry.ref == first.ref)
    #expect(!first.ref.key.isEmpty)
    let head = ledger.head
    let misused = #expect(throws: LedgerError.self) {
      try ledger.addItem(
        to: story.ref, dimension: .calculating, facts: ItemFacts(visibility: .visible),
        options: .init(idempotencyKey: "tell-1"))
    }
    #expect(misused?.code == .invalid)
    #expect(
      misused?.message.contains(
        "the idempotency key tell-1 was used by another write (story.told, event") == true)
    #expect(ledger.head == head)
    // A retry of the tell itself, with its story there now, is still the original's repeat.
    let again = try ledger.tellStory(
      Ledger.NewStory(
        node: try path("nhs/north"), title: "Walks", narrative: "We walk.",
        on: try day("2026-02-01")),
      options: .init(idempotencyKey: "tell-1"))
    #expect(again.append.isRepeat && again.ref == story.ref)
  }

  @Test func expectedVersionDetectsAConcurrentChange() throws {
    let ledger = try Ledger.create(in: InMemoryLog(), configuration: configuration)
    try ledger.append(try sampleEvents())
    let version = try ledger.state.storyVersion(forKey: "S1")
    let retelling = EventPayload.tellingRecorded(
      TellingRecorded(story: "S1", on: try day("2026-02-01"), narrative: "Retold."))
    try ledger.append(
      [retelling], options: .init(expectedVersion: .init(story: "S1", version: version)))
    let error = #expect(throws: LedgerError.self) {
      try ledger.append(
        [retelling], options: .init(expectedVersion: .init(story: "S1", version: version)))
    }
    #expect(error?.code == .conflict)
  }

  @Test func anImportChecksTheExpectedVersionToo() throws {
    let directory = try TemporaryDirectory()
    let ledger = try Ledger.create(
      at: directory.url.appending(path: "ledger"), configuration: configuration)
    try ledger.append(try sampleEvents())
    let csv = directory.url.appending(path: "more.csv")
    try Data(
      "story,node,told_on,item,dimension,visibility\nS1,nhs/london/trust-1,2026-02-01,new,calibrating,visible\n"
        .utf8
    ).write(to: csv)
    let head = ledger.head
    let error = #expect(throws: LedgerError.self) {
      try ledger.importCSV(
        contentsOf: csv, options: .init(expectedVersion: .init(story: "S1", version: 1)))
    }
    #expect(error?.code == .conflict)
    #expect(ledger.head == head)
    let current = try ledger.state.storyVersion(forKey: "S1")
    let imported = try ledger.importCSV(
      contentsOf: csv, options: .init(expectedVersion: .init(story: "S1", version: current)))
    #expect(imported.plan.items == 1)
  }

  @Test func secondInstanceSeesNewEventsAndAppendsAfterThem() throws {
    let directory = try TemporaryDirectory()
    let location = directory.url.appending(path: "ledger")
    let writer = try Ledger.create(at: location, configuration: configuration)
    let reader = try Ledger.open(at: location)
    try writer.append(try sampleEvents())
    #expect(reader.state.storyCount == 0)
    try reader.refresh()
    #expect(reader.state.storyCount == 1)
    // An append through the stale instance catches up first, so validation sees S1.
    let other = try Ledger.open(at: location)
    try writer.append([
      .tellingRecorded(TellingRecorded(story: "S1", on: try day("2026-04-01"), narrative: "Again."))
    ])
    try other.append([
      .tellingRecorded(
        TellingRecorded(story: "S1", on: try day("2026-05-01"), narrative: "Once more."))
    ])
    let reopened = try Ledger.open(at: location)
    #expect(reopened.head.sequence == writer.head.sequence + 1)
    #expect(try reopened.verify().isIntact)
    var narratives: [String] = []
    try reopened.forEachEvent { event in
      if case .tellingRecorded(let telling) = event.payload { narratives.append(telling.narrative) }
    }
    #expect(narratives == ["We said our names.", "Again.", "Once more."])
    #expect(try reopened.state.storyVersion(forKey: "S1") == 6)
  }

  @Test func createRefusesAnExistingDirectoryAndAMissingParent() throws {
    let directory = try TemporaryDirectory()
    let exists = #expect(throws: LedgerError.self) {
      _ = try Ledger.create(at: directory.url, configuration: configuration)
    }
    #expect(exists?.code == .cannotCreate)
    let orphan = #expect(throws: LedgerError.self) {
      _ = try Ledger.create(
        at: directory.url.appending(path: "no/such/ledger"), configuration: configuration)
    }
    #expect(orphan?.code == .cannotCreate)
    let missing = #expect(throws: LedgerError.self) {
      _ = try Ledger.open(at: directory.url.appending(path: "nothing"))
    }
    #expect(missing?.code == .notFound)
  }

  @Test func eventsRoundTripThroughJSONLines() throws {
    let ledger = try Ledger.create(in: InMemoryLog(), configuration: configuration)
    try ledger.append(try sampleEvents(), options: .init(actor: "ana", idempotencyKey: "k\"1"))
    var lines: [String] = []
    try ledger.forEachEvent { lines.append($0.jsonLine) }
    #expect(lines.count == 9)
    for line in lines {
      let object = try #require(
        try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      #expect(object["type"] is String)
      #expect(object["payload"] is [String: Any])
    }
    let told = try #require(
      try JSONSerialization.jsonObject(with: Data(lines[5].utf8)) as? [String: Any])
    #expect(told["type"] as? String == "story.told")
    #expect(told["actor"] as? String == "ana")
    let first = try #require(
      try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
    #expect(first["idempotency_key"] as? String == "k\"1")
  }
}
