import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger

/// Records a small organisation's life through the library: stories, items, evidence, a
/// reorganisation, an update, a retirement and a withdrawal.
private func recordALife(
  in ledger: Ledger, from start: Int = 0, count: Int = 12, north: String = "nhs/north/trust-1"
) throws {
  for number in start..<(start + count) {
    let node = number % 3 == 0 ? "\(north)/ward-\(number % 4)" : "nhs/south/trust-2"
    try ledger.addNode(
      try path(node), creatingParents: true, options: .init(idempotencyKey: "node-\(node)"))
    let story = try ledger.tellStory(
      Ledger.NewStory(
        node: try path(node), title: "Story \(number)", narrative: "Narrative \(number)",
        on: try day("2026-01-01").adding(days: number * 5), tellers: ["Teller \(number)"],
        tags: ["t\(number % 2)"], key: "S\(number)"))
    let item = try ledger.addItem(
      to: story.ref, dimension: Dimension.allCases[number % 3],
      on: try day("2026-01-01").adding(days: number * 5),
      facts: ItemFacts(
        visibility: .invisible, description: "item \(number)",
        monetised: Money(cents: Int64(number * 1000))))
    if number % 2 == 0 {
      try ledger.attachEvidence(
        to: item.ref, evidence: "seen",
        on: try day("2026-01-01").adding(days: number * 5 + 20))
    }
    if number % 5 == 0 {
      try ledger.retellStory(
        story.ref, narrative: "Retold \(number)", on: try day("2026-02-01").adding(days: number))
    }
  }
}

@Suite("Facilitation")
struct FacilitationTests {
  let configuration: LedgerConfiguration

  init() throws {
    configuration = try LedgerConfiguration(
      levels: ["national", "region", "organisation", "team"], currency: "GBP")
  }

  /// Everything a view shows, for comparing two states.
  private func views(of ledger: Ledger) throws -> [String] {
    let state = ledger.state
    var lines = try state.tree(of: nil).map { "\($0)" }
    for top in state.topLevelNodes {
      lines.append("\(try state.summary(of: top))")
      lines.append("\(try state.summary(of: top, asOf: try day("2026-02-15")))")
      lines.append("\(try state.cascadeUp(of: top, range: try DateRange(parsing: "2026-Q1")))")
    }
    for number in 0..<16 {
      if let history = try? ledger.storyHistory("S\(number)") { lines.append("\(history)") }
    }
    var rows: [String] = []
    try state.timeSeries(try TimeSeriesQuery(period: .month, level: "organisation")) {
      rows.append("\($0)")
    }
    return lines + rows
  }

  @Test func snapshotAndTailEqualAFullReplayWithEveryNewEvent() throws {
    let directory = try TemporaryDirectory()
    let url = directory.url.appending(path: "ledger")
    let ledger = try Ledger.create(at: url, configuration: configuration)
    try recordALife(in: ledger, count: 8)
    try ledger.moveNode(try path("nhs/north/trust-1"), under: try path("nhs/south"))
    try ledger.renameNode(try path("nhs/south"), to: "The South")
    try ledger.updateStory("S1", title: "Story one", tags: ["x", "y"], share: "national")
    try ledger.withdrawStory("S2", reason: "asked")
    try ledger.writeSnapshot()
    // The tail after the snapshot has every kind of event too.
    try recordALife(in: ledger, from: 8, count: 6, north: "nhs/north/trust-3")
    try ledger.withdrawStory("S9", erase: true)
    try ledger.addNode(try path("nhs/east"))
    try ledger.retireNode(try path("nhs/east"))
    try ledger.moveNode(try path("nhs/south/trust-1"), under: try path("nhs/north"))
    let expected = try views(of: ledger)
    let reopened = try Ledger.open(at: url)
    #expect(try views(of: reopened) == expected)
    try reopened.rebuild()
    #expect(try views(of: reopened) == expected)
  }

  @Test func movesFollowTheHierarchyAndRefuseImpossibleOnes() throws {
    let ledger = try Ledger.create(in: InMemoryLog(), configuration: configuration)
    try recordALife(in: ledger)
    let north = try ledger.summary(of: try path("nhs/north")).total.boxes.total.items
    #expect(north == 4)
    let moved = try ledger.moveNode(try path("nhs/north/trust-1"), under: try path("nhs/south"))
    #expect(moved.ref.path == "nhs/south/trust-1")
    #expect(try ledger.summary(of: try path("nhs/north")).total.boxes.total.items == 0)
    #expect(try ledger.summary(of: try path("nhs/south")).total.boxes.total.items == 12)
    #expect(ledger.state.node(ofStory: "S0") == (try path("nhs/south/trust-1/ward-0")))
    #expect(throws: LedgerError.self) {
      try ledger.summary(of: try path("nhs/north/trust-1/ward-0"))
    }
    do {
      _ = try ledger.summary(of: try path("nhs/north/trust-1/ward-0"))
    } catch let error as LedgerError {
      #expect(error.message.contains("it is now nhs/south/trust-1/ward-0"))
    }
    // Under its own descendant, under its own parent, past the deepest level.
    for (node, parent, message) in [
      ("nhs/south", "nhs/south/trust-1", "its own descendants"),
      ("nhs/south/trust-1", "nhs/south", "already"),
      ("nhs/south/trust-1", "nhs/south/trust-2", "deeper than the ledger's 4 levels"),
    ] {
      let error = #expect(throws: LedgerError.self) {
        try ledger.moveNode(try path(node), under: try path(parent))
      }
      #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }
    // A new node at the old path is a different node.
    try ledger.addNode(try path("nhs/north/trust-1"))
    #expect(try ledger.summary(of: try path("nhs/north/trust-1")).total.boxes.total.items == 0)
  }

  @Test func retiringNeedsForceWhileStoriesAreActiveAndClosesTheSubtree() throws {
    let ledger = try Ledger.create(in: InMemoryLog(), configuration: configuration)
    try recordALife(in: ledger, count: 3)
    let error = #expect(throws: LedgerError.self) {
      try ledger.retireNode(try path("nhs/north"))
    }
    #expect(error?.message.contains("1 active story") == true)
    try ledger.retireNode(try path("nhs/north"), force: true)
    #expect(
      try ledger.state.tree(of: nil).first { $0.node.description == "nhs/north/trust-1" }?.isRetired
        == true)
    #expect(throws: LedgerError.self) {
      try ledger.tellStory(
        Ledger.NewStory(node: try path("nhs/north/trust-1"), title: "T", narrative: "N"))
    }
    #expect(throws: LedgerError.self) { try ledger.addNode(try path("nhs/north/trust-9")) }
    // Its figures still count.
    #expect(try ledger.summary(of: try path("nhs")).total.stories == 3)
  }

  @Test func withdrawnStoriesLeaveEveryFigureAndTakeNothingMore() throws {
    let ledger = try Ledger.create(in: InMemoryLog(), configuration: configuration)
    try recordALife(in: ledger, count: 6)
    let before = try ledger.summary(of: try path("nhs"))
    try ledger.withdrawStory("S3")
    let after = try ledger.summary(of: try path("nhs"))
    #expect(after.total.stories == before.total.stories - 1)
    #expect(after.total.boxes.total.items == before.total.boxes.total.items - 1)
    #expect(try ledger.summary(of: try path("nhs"), asOf: .latest).total == after.total)
    for attempt in [
      { _ = try ledger.retellStory("S3", narrative: "again") },
      { _ = try ledger.reviseItem(ItemRef(story: "S3", key: "i1"), facts: ItemFacts(weight: 2)) },
      { _ = try ledger.withdrawStory("S3") },
    ] {
      let error = #expect(throws: LedgerError.self) { try attempt() }
      #expect(error?.message.contains("withdrawn") == true)
    }
    #expect(try ledger.storyHistory("S3").status == "withdrawn")
  }

  @Test(arguments: [false, true])
  func erasureRemovesThePersonalTextAndTheChainStillVerifies(onFile: Bool) throws {
    let directory = try TemporaryDirectory()
    let ledger =
      onFile
      ? try Ledger.create(at: directory.url.appending(path: "l"), configuration: configuration)
      : try Ledger.create(in: InMemoryLog(), configuration: configuration)
    try recordALife(in: ledger, count: 6)
    try ledger.writeSnapshot()
    try ledger.withdrawStory("S5", erase: true)
    #expect(try ledger.verify().isIntact)
    let history = try ledger.storyHistory("S5")
    #expect(history.tellers.isEmpty && history.status == "erased")
    #expect(
      history.entries.filter { $0.kind == .telling }.allSatisfy { $0.text == "(narrative erased)" })
    // Other stories keep their text.
    #expect(try ledger.storyHistory("S4").tellers == ["Teller 4"])
    if onFile {
      for name in try FileManager.default.contentsOfDirectory(
        atPath: directory.url.appending(path: "l").path)
      {
        let bytes = try Data(contentsOf: directory.url.appending(path: "l/\(name)"))
        for secret in ["Teller 5", "Narrative 5", "Retold 5"] {
          #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) in \(name)")
        }
        #expect(bytes.range(of: Data("Narrative 4".utf8)) == nil || name == "events.log")
      }
      let reopened = try Ledger.open(at: directory.url.appending(path: "l"))
      #expect(try reopened.storyHistory("S5").tellers.isEmpty)
      try reopened.rebuild()
      #expect(try reopened.storyHistory("S5").tellers.isEmpty)
    }
  }

  @Test func aStoryWithdrawnEarlierCanStillBeErasedOnce() throws {
    let ledger = try Ledger.create(in: InMemoryLog(), configuration: configuration)
    try recordALife(in: ledger, count: 4)
    try ledger.withdrawStory("S2")
    let figures = try ledger.summary(of: try path("nhs")).total
    #expect(try ledger.storyHistory("S2").tellers == ["Teller 2"])
    try ledger.withdrawStory("S2", erase: true)
    #expect(try ledger.summary(of: try path("nhs")).total == figures)  // not subtracted twice
    let history = try ledger.storyHistory("S2")
    #expect(history.status == "erased" && history.tellers.isEmpty)
    #expect(try ledger.verify().isIntact)
    let again = #expect(throws: LedgerError.self) { try ledger.withdrawStory("S2") }
    #expect(again?.message.contains("withdrawn") == true)
    let replayed = try Ledger(store: ledger.store)
    #expect(try replayed.storyHistory("S2").status == "erased")
    #expect(try replayed.summary(of: try path("nhs")).total == figures)
  }

  @Test(arguments: [false, true])
  func anErasedFlagSetOutsideStoryLedgerFailsVerification(onFile: Bool) throws {
    let directory = try TemporaryDirectory()
    let url = directory.url.appending(path: "l")
    let log: any EventStore =
      onFile
      ? try FileLog.create(at: url, configuration: configuration, actor: "t") : InMemoryLog()
    let ledger =
      onFile ? try Ledger(store: log) : try Ledger.create(in: log, configuration: configuration)
    try recordALife(in: ledger, count: 3)
    try ledger.withdrawStory("S0", erase: true)
    #expect(try ledger.verify().isIntact)
    // Erase S1's first telling by hand, as someone editing the file would: the chain still
    // holds, but S1 was never withdrawn.
    let telling = try #require(ledger.state.personalSequences(ofStory: "S1").last)
    _ = try log.withWriteLock(timeout: .seconds(5)) {
      try log.erasePersonalText(sequences: [telling])
    }
    let report = try ledger.verify()
    #expect(report.problem?.sequence == telling)
    #expect(report.problem?.reason.contains("story S1 was not withdrawn with erasure") == true)
  }

  /// An item dated before its story was told counts from its own date in every view, as in
  /// the time series; the story counts once told.
  @Test func itemsDatedBeforeTheirStoryCountByTheirOwnDates() throws {
    let ledger = try Ledger.create(in: InMemoryLog(), configuration: configuration)
    try ledger.addNode(try path("nhs/north"), creatingParents: true)
    try ledger.tellStory(
      Ledger.NewStory(
        node: try path("nhs/north"), title: "T", narrative: "N", on: try day("2026-03-10"), key: "S"
      ))
    try ledger.addItem(
      to: "S", dimension: .calculating, on: try day("2026-01-15"),
      facts: ItemFacts(visibility: .visible, monetised: Money(cents: 500)))
    let january = try day("2026-01-31")
    let summary = try ledger.summary(of: try path("nhs"), asOf: january)
    #expect(summary.total.boxes.total.items == 1 && summary.total.stories == 0)
    let cascade = try ledger.state.cascadeUp(
      of: try path("nhs"), range: DateRange(start: try day("2026-01-01"), end: january))
    #expect(cascade.levels.first?.total.boxes == summary.total.boxes)
    var rows: [TimeSeriesRow] = []
    try ledger.timeSeries(try TimeSeriesQuery(period: .month, level: "national")) {
      rows.append($0)
    }
    let calculating = rows.first { $0.periodEnd == january && $0.dimension == .calculating }
    #expect(calculating?.visibleItems == 1)
    #expect(calculating?.monetisedVisible == Money(cents: 500))
  }

  @Test func readingBySequenceSurvivesAMissingOrWrongIndex() throws {
    let directory = try TemporaryDirectory()
    let url = directory.url.appending(path: "l")
    let ledger = try Ledger.create(at: url, configuration: configuration)
    try recordALife(in: ledger, count: 5)
    let expected = try ledger.storyHistory("S4")
    let index = url.appending(path: "events.index")
    #expect(FileManager.default.fileExists(atPath: index.path))
    try FileManager.default.removeItem(at: index)
    #expect(try ledger.storyHistory("S4") == expected)
    // An index whose entries point at the wrong records is rebuilt.
    var wrong = try Data(contentsOf: index)
    wrong.replaceSubrange(8..<16, with: wrong[16..<24])
    try wrong.write(to: index)
    #expect(try Ledger.open(at: url).storyHistory("S4") == expected)
    // New events past the index's end extend it.
    try ledger.retellStory("S4", narrative: "later", on: try day("2026-06-01"))
    #expect(try ledger.storyHistory("S4").entries.last?.text == "later")
  }

  @Test func keysAreShortUniqueAndAcceptedByUnambiguousPrefix() throws {
    let ledger = try Ledger.create(in: InMemoryLog(), configuration: configuration)
    try ledger.addNode(try path("nhs"))
    var keys = Set<String>()
    for number in 0..<40 {
      let story = try ledger.tellStory(
        Ledger.NewStory(node: try path("nhs"), title: "T\(number)", narrative: "N"))
      #expect(story.ref.key.count == 6)
      #expect(story.ref.key.allSatisfy { LedgerState.keyAlphabet.contains($0) })
      keys.insert(story.ref.key)
    }
    #expect(keys.count == 40)
    try ledger.tellStory(
      Ledger.NewStory(node: try path("nhs"), title: "A", narrative: "N", key: "walk-1"))
    try ledger.tellStory(
      Ledger.NewStory(node: try path("nhs"), title: "B", narrative: "N", key: "walk-2"))
    #expect(try ledger.resolveStory("walk-1") == "walk-1")
    let error = #expect(throws: LedgerError.self) { try ledger.resolveStory("walk") }
    #expect(
      error?.message.contains("walk-1  A") == true && error?.message.contains("walk-2  B") == true)
    let item = try ledger.addItem(
      to: "walk-2", dimension: .calculating, facts: ItemFacts(visibility: .visible))
    #expect(item.ref.key == "i1")
    #expect(try ledger.state.resolveItem("i", inStory: "walk-2") == "i1")
  }

  @Test(arguments: [
    ("2026", "2026-01-01", "2026-12-31"), ("2026-Q1", "2026-01-01", "2026-03-31"),
    ("2026-Q4", "2026-10-01", "2026-12-31"), ("2024-02", "2024-02-01", "2024-02-29"),
    ("2026-W01", "2025-12-29", "2027-01-04"), ("2026-03-14", "2026-03-14", "2026-03-14"),
    ("2026-01-15..2026-02-14", "2026-01-15", "2026-02-14"),
  ])
  func periodsParse(text: String, start: String, end: String) throws {
    let range = try DateRange(parsing: text)
    #expect(range.start.description == start)
    if text == "2026-W01" {
      #expect(range.end.description == "2026-01-04")
    } else {
      #expect(range.end.description == end)
    }
  }

  @Test(arguments: ["2026-Q5", "26", "2026-13", "2026-W54", "spring", "2026-03-01..2026-02-01", ""])
  func badPeriodsListTheAcceptedForms(text: String) {
    let error = #expect(throws: ValueError.self) { try DateRange(parsing: text) }
    #expect(error?.validValues == DateRange.acceptedForms)
  }

  @Test func itemFiltersAndCascadesAgreeWithTheSummary() throws {
    let ledger = try Ledger.create(in: InMemoryLog(), configuration: configuration)
    try recordALife(in: ledger)
    let all = try ledger.items(ItemQuery(scope: .node(try path("nhs"))))
    #expect(all.items.count == 12 && all.matched == 12)
    let invisible = try ledger.items(
      ItemQuery(scope: .node(try path("nhs")), visibility: .invisible))
    #expect(invisible.items.count == 6)
    #expect(invisible.items.allSatisfy { $0.evidence == nil })
    let visible = try ledger.items(ItemQuery(scope: .everything, visibility: .visible))
    #expect(visible.items.allSatisfy { $0.evidence == "seen" && $0.madeVisibleOn != nil })
    let limited = try ledger.items(ItemQuery(scope: .everything, limit: 5))
    #expect(limited.items.count == 5 && limited.matched == 12)
    let early = try ledger.items(
      ItemQuery(
        scope: .everything,
        range: DateRange(start: try day("2026-01-01"), end: try day("2026-01-20"))))
    #expect(
      early.items.map(\.story)
        == ["S0", "S1", "S2", "S3"].sorted { left, right in
          let l = ledger.state.node(ofStory: left)?.description ?? ""
          let r = ledger.state.node(ofStory: right)?.description ?? ""
          return l == r ? left < right : l.utf8.lexicographicallyPrecedes(r.utf8)
        })
    let cascade = try ledger.state.cascadeUp(of: try path("nhs"))
    let summary = try ledger.summary(of: try path("nhs"))
    #expect(cascade.levels.first?.total.boxes == summary.total.boxes)
    #expect(cascade.levels.first?.total.totalMadeVisible == 6)
    let regions = try #require(cascade.levels.dropFirst().first)
    #expect(regions.nodes.map(\.boxes) == summary.children.map(\.boxes))
    let down = try ledger.state.cascadeDown(of: try path("nhs/north/trust-1/ward-0"))
    #expect(
      down.ancestors.map(\.total.node.description) == ["nhs", "nhs/north", "nhs/north/trust-1"])
  }
}
