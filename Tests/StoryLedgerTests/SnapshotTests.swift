import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger
@testable import StoryLedgerDemo

@Suite("Projection snapshots")
struct SnapshotTests {
  /// Everything a state answers, as comparable text: summaries (of many nodes, at several
  /// dates), every time series (every level and period), every story's version, fields,
  /// items and tellings, and the lookups validation uses.
  static func fingerprint(of state: LedgerState) throws -> [String] {
    var lines: [String] = []
    let dates = try ["2025-03-31", "2025-12-31", "2026-06-30"].map { try Day(parsing: $0) }
    // Every node down to regions, and every seventh node below (a summary scans the ledger).
    let paths = state.nodes.map(\.path).sorted()
    for (index, node) in paths.enumerated() where node.depth <= 2 || index % 7 == 0 {
      for date in [nil] + dates.map(Optional.some) {
        lines.append(
          "\(node) \(String(describing: date)) \(try state.summary(of: node, asOf: date))")
      }
    }
    for level in state.configuration.levels {
      for period in Period.allCases where period != .day {
        try state.timeSeries(try TimeSeriesQuery(period: period, level: level)) { row in
          lines.append("\(row)")
        }
      }
    }
    for index in 0..<Int32(state.storyCount) {
      let key = state.storyKey(index)
      let fields = state.storyFields(index)
      let items = state.itemsOfStory(index).map { item in
        let record = state.items[item]
        return "\(state.text.string(record.key)):\(record.dimension):\(record.first):\(record.last)"
      }
      lines.append(
        "\(key) v\(try state.storyVersion(forKey: key)) \(fields.node) \(fields.title) \(fields.tellers) \(fields.tags) \(fields.share) \(items) tellings \(state.stories[index].tellingCount)"
      )
      #expect(state.storyIndex(forKey: key) == index)
    }
    lines.append("keys \(state.idempotencyKeys.sorted { $0.key < $1.key })")
    lines.append(
      "last \(state.lastSequence) nodes \(state.nodeCount) revisions \(state.revisionCount)")
    return lines
  }

  static func makeLedger(rows: Int, seed: UInt64, in directory: TemporaryDirectory) throws -> Ledger
  {
    let ledger = try Ledger.create(
      at: directory.url.appending(path: "ledger"), configuration: DemoCorpus.configuration)
    let corpus = directory.url.appending(path: "corpus-\(seed).csv")
    try DemoCorpus(rows: rows, seed: seed).write(to: corpus)
    try ledger.importCSV(contentsOf: corpus, options: .init(idempotencyKey: "first"))
    return ledger
  }

  @Test(arguments: [UInt64(3), 11])
  func snapshotPlusTailEqualsAFullReplay(seed: UInt64) throws {
    let directory = try TemporaryDirectory()
    let ledger = try Self.makeLedger(rows: 800, seed: seed, in: directory)
    try ledger.writeSnapshot()
    // A tail after the snapshot: revisions of existing items (late entries too), new
    // stories and items, a retelling, new nodes.
    let more = directory.url.appending(path: "more.csv")
    try DemoCorpus(rows: 1000, seed: seed).write(to: more)  // the same stories again, and more
    try ledger.importCSV(contentsOf: more)
    let state = ledger.state
    let story = state.storyKey(0)
    let item = state.text.string(state.items[state.stories[0].firstItem].key)
    try ledger.append([
      .itemRevised(
        ItemRevised(
          story: story, item: item, on: try Day(parsing: "2025-01-02"),
          facts: ItemFacts(visibility: .visible, monetised: try Money(parsing: "12.34")))),
      .tellingRecorded(
        TellingRecorded(story: story, on: try Day(parsing: "2026-02-02"), narrative: "Told again.")),
      .nodeAdded(NodeAdded(path: try NodePath(parsing: "nhs/new-region"), name: "New region")),
    ])
    let location = directory.url.appending(path: "ledger")
    let fromSnapshot = try Ledger.open(at: location)
    #expect(fromSnapshot.state.lastSequence == ledger.head.sequence)
    var replayed = LedgerState()
    try ledger.forEachEvent { try replayed.apply($0) }
    let expected = try Self.fingerprint(of: replayed)
    #expect(try Self.fingerprint(of: fromSnapshot.state) == expected)
    #expect(try Self.fingerprint(of: ledger.state) == expected)
    // Appending through the snapshot-based ledger keeps agreeing with a replay.
    try fromSnapshot.append([
      .itemRevised(
        ItemRevised(
          story: story, item: item, on: try Day(parsing: "2026-12-01"), facts: ItemFacts(weight: 4))
      )
    ])
    var again = LedgerState()
    try fromSnapshot.forEachEvent { try again.apply($0) }
    #expect(try Self.fingerprint(of: fromSnapshot.state) == (try Self.fingerprint(of: again)))
  }

  @Test func runningTotalsEqualAFullScanForEveryNode() throws {
    let directory = try TemporaryDirectory()
    let ledger = try Self.makeLedger(rows: 700, seed: 21, in: directory)
    let more = directory.url.appending(path: "more.csv")
    try DemoCorpus(rows: 900, seed: 21).write(to: more)
    try ledger.importCSV(contentsOf: more)
    let state = ledger.state
    // A late entry that changes the effective money of every later revision.
    let item = state.items[0]
    try ledger.append([
      .itemRevised(
        ItemRevised(
          story: state.storyKey(item.story), item: state.text.string(item.key),
          on: try Day(parsing: "2024-06-01"), facts: ItemFacts(monetised: Money(cents: 77_777))))
    ])
    for node in ledger.state.nodes.map(\.path) {
      let running = try ledger.state.summary(of: node)
      let scanned = try ledger.state.summary(of: node, asOf: Day.latest)
      #expect(running.total.boxes == scanned.total.boxes, "\(node)")
      #expect(running.total.stories == scanned.total.stories, "\(node)")
      #expect(running.children.map(\.boxes) == scanned.children.map(\.boxes), "\(node)")
    }
  }

  @Test func aSnapshotTheLogDoesNotProveIsIgnored() throws {
    let first = try TemporaryDirectory()
    let second = try TemporaryDirectory()
    let ledger = try Self.makeLedger(rows: 300, seed: 5, in: first)
    let other = try Self.makeLedger(rows: 600, seed: 6, in: second)
    try ledger.writeSnapshot()
    try other.writeSnapshot()
    // Another ledger's snapshot in this ledger's directory.
    let mine = first.url.appending(path: "ledger/state.snapshot")
    try FileManager.default.removeItem(at: mine)
    try FileManager.default.copyItem(
      at: second.url.appending(path: "ledger/state.snapshot"), to: mine)
    let reopened = try Ledger.open(at: first.url.appending(path: "ledger"))
    #expect(try Self.fingerprint(of: reopened.state) == (try Self.fingerprint(of: ledger.state)))
    // A damaged header.
    var bytes = try Data(contentsOf: mine)
    bytes[20] ^= 0xFF
    try bytes.write(to: mine)
    let again = try Ledger.open(at: first.url.appending(path: "ledger"))
    #expect(again.state.storyCount == ledger.state.storyCount)
    #expect(Snapshot.verifySections(at: first.url.appending(path: "ledger").path) != nil)
  }

  @Test func verifyFindsADamagedSectionAndRebuildMendsIt() throws {
    let directory = try TemporaryDirectory()
    let ledger = try Self.makeLedger(rows: 300, seed: 8, in: directory)
    try ledger.writeSnapshot()
    let path = directory.url.appending(path: "ledger").path
    #expect(Snapshot.verifySections(at: path) == nil)
    let file = directory.url.appending(path: "ledger/state.snapshot")
    var bytes = try Data(contentsOf: file)
    bytes[bytes.count - 3] ^= 0x01
    try bytes.write(to: file)
    #expect(Snapshot.verifySections(at: path)?.contains("fails its checksum") == true)
    try ledger.rebuild()
    try ledger.writeSnapshot()
    #expect(Snapshot.verifySections(at: path) == nil)
  }
}
