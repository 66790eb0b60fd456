import Foundation
import Testing

@testable import StoryLedger
@testable import StoryLedgerDemo

/// A source that produces a fixed list of events, or announces a different count.
private struct ListSource: EventBatchSource {
  var events: [EventPayload]
  var announced: Int?
  var eventCount: Int { announced ?? events.count }
  func forEachEvent(_ body: (EventPayload) throws -> Void) rethrows {
    for event in events { try body(event) }
  }
}

private let levels = ["national", "region", "organisation", "team"]

private func configuration() throws -> LedgerConfiguration {
  try LedgerConfiguration(levels: levels, currency: "GBP")
}

/// A state holding only the ledger's configuration.
private func emptyState() throws -> LedgerState {
  var state = LedgerState()
  try state.apply(.ledgerCreated(try configuration()), sequence: 1)
  return state
}

/// Writes `bytes` to a temporary file, runs `body` with its URL, and removes it.
private func withFile<Result>(_ bytes: [UInt8], _ body: (URL) throws -> Result) throws -> Result {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent(
    "streaming-\(UUID().uuidString).csv")
  try Data(bytes).write(to: url)
  defer { try? FileManager.default.removeItem(at: url) }
  return try body(url)
}

/// What a stream wrote, and where each chunk went relative to the bytes before it.
private final class StreamSink: @unchecked Sendable {
  var bytes: [UInt8] = []
  var offsets: [UInt64] = []
}

/// The bytes `RecordStream` writes for `source`, with a fixed instant and salt key.
private func streamedBytes(
  _ source: some EventBatchSource, after position: LogPosition,
  options: RecordStream.Options = RecordStream.Options()
) throws -> ([UInt8], LogPosition) {
  let encoder = RecordEncoder(
    actor: "tester", idempotencyKey: "key-1", milliseconds: 1_700_000_000_000, saltKey: .zero,
    after: position.sequence, eventCount: source.eventCount)
  let sink = StreamSink()
  let end = try RecordStream.write(source, encoder: encoder, after: position, options: options) {
    chunk, offset throws(LedgerError) in
    // Chunks arrive in order, each where the previous one ended.
    sink.offsets.append(offset - position.offset - UInt64(sink.bytes.count))
    sink.bytes.append(contentsOf: chunk)
  }
  #expect(sink.offsets.allSatisfy { $0 == 0 })
  return (sink.bytes, end)
}

/// The bytes `RecordFormat.encode` writes for `events`, with the same instant and salt key.
private func encodedBytes(_ events: [EventPayload], after position: LogPosition) throws -> (
  [UInt8], [RecordedEvent]
) {
  var bytes: [UInt8] = []
  let recorded = try RecordFormat.encode(
    AppendBatch(events: events, actor: "tester", idempotencyKey: "key-1"), after: position,
    recordedAt: 1_700_000_000_000, saltKey: .zero, into: &bytes)
  return (bytes, recorded)
}

@Suite("Streaming appends and the compact import plan")
struct StreamingImportTests {
  static let corpus = DemoCorpus(rows: 1_200, seed: 3).csvBytes()
  static let planned = Result { () throws(ImportError) -> ImportPlan in
    try ImportPlanner.plan(
      csv: corpus, fileName: "corpus.csv", against: (try? emptyState()) ?? LedgerState())
  }
  static let plannedEvents = (try? planned.get())?.events ?? []

  static func corpusPlan() throws -> ImportPlan { try planned.get() }

  static let start = LogPosition(
    sequence: 1, hash: SHA256.hash(Array("previous".utf8)), offset: 4_096)

  // MARK: Encoding

  @Test(
    "a streamed plan is the bytes RecordFormat writes for its events",
    arguments: [
      RecordStream.Options(),
      RecordStream.Options(chunkSize: 1_000, chunkLimit: 2, isParallel: true),
      RecordStream.Options(chunkSize: 40_000, chunkLimit: 3, isParallel: false),
    ])
  func streamedPlanMatchesEncode(options: RecordStream.Options) throws {
    let plan = try Self.corpusPlan()
    let events = Self.plannedEvents
    #expect(events.count == plan.eventCount)
    #expect(
      events.contains { $0.type == .storyTold } && events.contains { $0.type == .tellingRecorded })
    let (streamed, end) = try streamedBytes(plan, after: Self.start, options: options)
    let (encoded, recorded) = try encodedBytes(events, after: Self.start)
    #expect(streamed == encoded)
    #expect(end.sequence == Self.start.sequence + UInt64(events.count))
    #expect(end.hash == recorded.last?.hash)
    #expect(end.offset == Self.start.offset + UInt64(encoded.count))
  }

  @Test("a source of payloads streams the same bytes, whatever the chunking")
  func streamedPayloadsMatchEncode() throws {
    let events = Self.plannedEvents
    let source = ListSource(events: events)
    let (parallel, _) = try streamedBytes(
      source, after: Self.start,
      options: RecordStream.Options(chunkSize: 10_000, chunkLimit: 2, isParallel: true))
    let (serial, _) = try streamedBytes(
      source, after: Self.start, options: RecordStream.Options(isParallel: false))
    let (encoded, _) = try encodedBytes(events, after: Self.start)
    #expect(parallel == encoded)
    #expect(serial == encoded)
  }

  @Test("only the last record of a streamed batch ends the batch", arguments: [false, true])
  func endOfBatchFlag(isParallel: Bool) throws {
    let plan = try Self.corpusPlan()
    let (bytes, _) = try streamedBytes(
      plan, after: .start(offset: 0),
      options: RecordStream.Options(chunkSize: 2_000, isParallel: isParallel))
    var flags: [Bool] = []
    var sequences: [UInt64] = []
    try bytes.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        guard case .record(let record) = RecordFormat.scan(raw, at: offset) else {
          Issue.record("no record at \(offset)")
          return
        }
        flags.append(record.isEndOfBatch)
        sequences.append(record.sequence)
        #expect(RecordFormat.personalTextMatches(record))
        _ = try RecordFormat.decode(record)
        offset += record.totalSize
      }
    }
    #expect(flags.count == plan.eventCount)
    #expect(flags.dropLast().allSatisfy { !$0 } && flags.last == true)
    #expect(sequences == Array(1...UInt64(plan.eventCount)))
  }

  @Test("a failing write stops the stream, and the chaining thread with it")
  func failingWrite() throws {
    let plan = try Self.corpusPlan()
    let encoder = RecordEncoder(
      actor: "tester", idempotencyKey: nil, milliseconds: 0, saltKey: .zero, after: 0,
      eventCount: plan.eventCount)
    final class Counter: @unchecked Sendable { var writes = 0 }
    let counter = Counter()
    #expect(throws: LedgerError.self) {
      _ = try RecordStream.write(
        plan, encoder: encoder, after: .start(),
        options: RecordStream.Options(chunkSize: 1_000, chunkLimit: 3, isParallel: true)
      ) { _, _ throws(LedgerError) in
        counter.writes += 1
        if counter.writes == 3 { throw LedgerError(.io, "disk full") }
      }
    }
    #expect(counter.writes == 3)
  }

  // MARK: Stores

  @Test("a file log appends a streamed plan durably, and reads back its events")
  func fileLogStreamedAppend() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "streaming-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let log = try FileLog.create(at: directory, configuration: try configuration(), actor: "me")
    let plan = try Self.corpusPlan()
    let head = try log.withWriteLock(timeout: .seconds(5)) {
      try log.append(contentsOf: plan, actor: "importer", idempotencyKey: "k", after: log.head())
    }
    #expect(head == (try log.head()))
    #expect(head.sequence == 1 + UInt64(plan.eventCount))
    var read: [RecordedEvent] = []
    try log.read(after: .start(), upTo: head) { read.append($0) }
    #expect(read.dropFirst().map(\.payload) == Self.plannedEvents)
    #expect(read[1].idempotencyKey == "k" && read[2].idempotencyKey == nil)
    #expect(read.dropFirst().allSatisfy { $0.actor == "importer" })
    let report = try log.verify(progress: nil)
    #expect(report.isIntact && report.notes.isEmpty, "\(report)")
    #expect(report.eventCount == head.sequence)
  }

  @Test("appending without the write lock, or after a stale head, is refused")
  func fileLogStreamedAppendChecks() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "streaming-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let log = try FileLog.create(at: directory, configuration: try configuration(), actor: "me")
    let source = ListSource(events: [
      .nodeAdded(NodeAdded(path: try NodePath(parsing: "england"), name: "England"))
    ])
    let head = try log.head()
    #expect(throws: LedgerError.self) {
      _ = try log.append(contentsOf: source, actor: "me", idempotencyKey: nil, after: head)
    }
    try log.withWriteLock(timeout: .seconds(5)) {
      let stale = LogPosition.start(offset: UInt64(RecordFormat.fileHeaderSize))
      #expect(throws: LedgerError.self) {
        _ = try log.append(contentsOf: source, actor: "me", idempotencyKey: nil, after: stale)
      }
      // A source that says it holds more events than it produces appends nothing.
      let short = ListSource(events: source.events, announced: 3)
      do {
        _ = try log.append(contentsOf: short, actor: "me", idempotencyKey: nil, after: head)
        Issue.record("expected an error")
      } catch let error as LedgerError {
        #expect(error.code == .invalid)
        #expect(error.message.contains("holds 3 events but produced 1"))
      }
      let long = ListSource(events: source.events + source.events, announced: 1)
      #expect(throws: LedgerError.self) {
        _ = try log.append(contentsOf: long, actor: "me", idempotencyKey: nil, after: head)
      }
    }
    #expect(try log.head() == head)
    let bytes = try Data(contentsOf: directory.appending(path: "events.log"))
    #expect(UInt64(bytes.count) == head.offset, "the refused batches were cut off")
    #expect(try log.verify(progress: nil).isIntact)
  }

  @Test("an in-memory log streams the bytes a file log writes, and verifies")
  func inMemoryStreamedAppend() throws {
    let store = InMemoryLog()
    let ledger = try Ledger.create(in: store, configuration: try configuration())
    let plan = try Self.corpusPlan()
    let head = try store.withWriteLock(timeout: .seconds(5)) {
      try store.append(contentsOf: plan, actor: "me", idempotencyKey: nil, after: store.head())
    }
    #expect(head.sequence == 1 + UInt64(plan.eventCount))
    #expect(try store.verify(progress: nil).isIntact)
    try ledger.refresh()
    #expect(ledger.state.storyCount == plan.storiesAdded)
    #expect(ledger.state.itemCount == plan.itemsAdded)
    #expect(ledger.state.revisionCount == plan.itemsAdded + plan.revisionsAdded)
  }

  @Test("a store without a streaming append gathers the events and appends them")
  func defaultStreamedAppend() throws {
    final class PlainStore: EventStore, @unchecked Sendable {
      let inner = InMemoryLog()
      func head() throws(LedgerError) -> LogPosition { try inner.head() }
      func read(
        after position: LogPosition, upTo end: LogPosition, _ body: (RecordedEvent) throws -> Void
      ) throws { try inner.read(after: position, upTo: end, body) }
      func withWriteLock<Result>(timeout: Duration, _ body: () throws -> Result) throws -> Result {
        try inner.withWriteLock(timeout: timeout, body)
      }
      func append(_ batch: AppendBatch, after position: LogPosition) throws(LedgerError) -> (
        events: [RecordedEvent], head: LogPosition
      ) { try inner.append(batch, after: position) }
      func verify(progress: ((UInt64, UInt64) -> Void)?) throws(LedgerError) -> VerificationReport {
        try inner.verify(progress: progress)
      }
      func takeNotices() -> [String] { [] }
      func erasePersonalText(sequences: [UInt64]) throws(LedgerError) -> Int {
        try inner.erasePersonalText(sequences: sequences)
      }
    }
    let store = PlainStore()
    let events: [EventPayload] = [
      .nodeAdded(NodeAdded(path: try NodePath(parsing: "wales"), name: "Wales"))
    ]
    let start = try store.head()
    let head = try store.append(
      contentsOf: ListSource(events: events), actor: "me", idempotencyKey: "once", after: start)
    var read: [RecordedEvent] = []
    try store.read(after: start, upTo: head) { read.append($0) }
    #expect(read.map(\.payload) == events)
    #expect(read.first?.idempotencyKey == "once")
    #expect(throws: LedgerError.self) {
      _ = try store.append(
        contentsOf: ListSource(events: events, announced: 2), actor: "me", idempotencyKey: nil,
        after: head)
    }
  }

  @Test("a ledger imports a file through the streaming append, once per idempotency key")
  func ledgerImport() throws {
    let ledger = try Ledger.create(in: InMemoryLog(), configuration: try configuration())
    try withFile(Self.corpus) { url in
      let summary = try ledger.importCSV(
        contentsOf: url, options: .init(idempotencyKey: "corpus"))
      let plan = try Self.corpusPlan()
      #expect(summary.plan.events == plan.eventCount)
      #expect(summary.sequences == 2...(1 + UInt64(plan.eventCount)))
      #expect(ledger.state.storyCount == plan.storiesAdded)
      #expect(ledger.state.revisionCount == plan.itemsAdded + plan.revisionsAdded)
      #expect(ledger.state.lastSequence == 1 + UInt64(plan.eventCount))
      let again = try ledger.importCSV(contentsOf: url, options: .init(idempotencyKey: "corpus"))
      #expect(again.isRepeat && again.sequences == nil)
      // The state folded in place matches the log read afresh.
      let reopened = try Ledger(store: ledger.store)
      #expect(reopened.state.storyCount == ledger.state.storyCount)
      #expect(reopened.state.revisionCount == ledger.state.revisionCount)
      #expect(reopened.state.idempotencyKeys == ledger.state.idempotencyKeys)
    }
  }

  // MARK: Planning on several threads

  @Test("planners that split the stories make the plan one planner makes", arguments: [2, 3])
  func shardedPlanMatches(count: Int) throws {
    let state = try emptyState()
    let single = try Self.corpusPlan()
    try withFile(Self.corpus) { url in
      var reports: [UInt64] = []
      let sharded = try ImportShards.plan(
        contentsOf: url, fileName: "corpus.csv", against: state, count: count
      ) { done, _ in reports.append(done) }
      #expect(sharded.rowCount == single.rowCount)
      #expect(sharded.nodesAdded == single.nodesAdded)
      #expect(sharded.storiesAdded == single.storiesAdded)
      #expect(sharded.tellingsAdded == single.tellingsAdded)
      #expect(sharded.itemsAdded == single.itemsAdded)
      #expect(sharded.revisionsAdded == single.revisionsAdded)
      #expect(sharded.events == Self.plannedEvents)
      #expect(reports.last == UInt64(Self.corpus.count))
      let (shardedBytes, _) = try streamedBytes(sharded, after: Self.start)
      let (singleBytes, _) = try streamedBytes(single, after: Self.start)
      #expect(shardedBytes == singleBytes)
    }
  }

  @Test(
    "planners that split the stories find the problem one planner finds",
    arguments: ImportPlannerTests.badInputs)
  func shardedErrorsMatch(input: ImportPlannerTests.BadInput) throws {
    let state = try emptyState()
    let expected: ImportError
    do {
      _ = try ImportPlanner.plan(csv: Array(input.csv.utf8), fileName: "items.csv", against: state)
      Issue.record("expected an error")
      return
    } catch {
      expected = error
    }
    for count in [2, 3] {
      try withFile(Array(input.csv.utf8)) { url in
        do {
          _ = try ImportShards.plan(
            contentsOf: url, fileName: "items.csv", against: state, count: count, progress: nil)
          Issue.record("expected an error with \(count) planners")
        } catch let error as ImportError {
          #expect(error == expected, "\(count) planners")
        }
      }
    }
  }

  @Test("with stories spread over planners, the earliest problem in the file wins")
  func shardedEarliestProblem() throws {
    let state = try emptyState()
    let header = "story,node,told_on,item,dimension,visibility,weight,narrative"
    // Many stories, so that they land on every planner; problems of each kind late and early.
    var good: [String] = []
    for index in 0..<60 {
      good.append("S\(index),england/north,2026-01-0\(index % 9 + 1),i1,calculating,visible,3,")
    }
    let variants: [[String]] = [
      good + ["S7,england,2026-01-01,i2,calculating,visible,,"] + good
        + ["S40,england/north,2026-01-01,i9,calculating,visible,9,"],
      good + ["S41,england/north,2026-01-01,i9,calculating,visible,9,"]
        + ["S8,england,2026-01-01,i2,calculating,visible,,"],
      good + [
        "S50,,2026-01-01,i1,calculating,visible,,", "N1,,2026-01-01,i1,calculating,visible,,",
      ]
        + ["N2,,2026-01-01,i1,calculating,visible,,"],
      good + [
        "S12,england/north,2026-01-01,i3,,visible,,", "S13,england/north,2026-01-01,i3,,visible,,",
      ],
      good + ["S14,england/north,2026-01-01,i3,,,,", "S3,england/north,2026-13-01,i3,,,,"],
      good + ["S15,england/north,2026-01-01,\"i\"\"3\",calculating,visible,,x", "S1,a,b"],
    ]
    for rows in variants {
      let csv = ([header] + rows).joined(separator: "\n") + "\n"
      let expected: ImportError
      do {
        _ = try ImportPlanner.plan(csv: Array(csv.utf8), fileName: "items.csv", against: state)
        Issue.record("expected an error")
        continue
      } catch {
        expected = error
      }
      for count in [2, 3, 5] {
        try withFile(Array(csv.utf8)) { url in
          do {
            _ = try ImportShards.plan(
              contentsOf: url, fileName: "items.csv", against: state, count: count, progress: nil)
            Issue.record("expected an error")
          } catch let error as ImportError {
            #expect(error == expected, "\(count) planners: \(error) != \(expected)")
          }
        }
      }
    }
  }

  @Test("rows whose text is not UTF-8 are refused by whichever planner plans them")
  func shardedInvalidUTF8() throws {
    let state = try emptyState()
    var bytes = Array("story,node,told_on,item,dimension,visibility,description\n".utf8)
    for index in 0..<40 {
      bytes += Array("S\(index),england,2026-01-01,i1,calculating,visible,fine\n".utf8)
    }
    bytes += Array("S33,england,2026-01-01,i2,calculating,visible,caf".utf8) + [0xE9, 0x0A]
    bytes += Array("S34,england,2026-01-01,i2,calculating,visible,x\n".utf8)
    try withFile(bytes) { url in
      for count in [1, 2, 3] {
        do {
          _ = try ImportShards.plan(
            contentsOf: url, fileName: "items.csv", against: state, count: count, progress: nil)
          Issue.record("expected an error")
        } catch let error as ImportError {
          #expect(error.row == 42 && error.column == "description", "\(error)")
          #expect(error.reason.contains("is not valid UTF-8"))
        }
      }
    }
  }

  @Test("item keys that are the same string spelled differently are one item")
  func canonicallyEquivalentKeys() throws {
    let state = try emptyState()
    // A Hangul syllable, precomposed and as its letters: the same Swift string.
    let csv = """
      story,node,told_on,item,dimension,visibility,weight
      S1,england,2026-01-01,\u{D55C}1,calculating,invisible,
      S1,england,2026-01-02,\u{1112}\u{1161}\u{11AB}1,,visible,2

      """
    let plan = try ImportPlanner.plan(csv: Array(csv.utf8), fileName: "k.csv", against: state)
    #expect(plan.itemsAdded == 1)
    #expect(plan.revisionsAdded == 1)
    guard case .itemRevised(let revision) = plan.events.last else {
      Issue.record("no revision")
      return
    }
    #expect(revision.item == "\u{D55C}1")
    #expect(revision.facts == ItemFacts(visibility: .visible, weight: 2))
  }

  @Test("a story with many items and tellings finds them by key, in and out of order")
  func manyItemsAndTellings() throws {
    let state = try emptyState()
    var lines = ["story,node,told_on,item,dimension,visibility,narrative"]
    func row(round: Int, item: Int, dimension: String) -> String {
      let day = String(format: "2026-0%d-%02d", round + 1, item % 28 + 1)
      return "S1,england,\(day),item-\(item),\(dimension),visible,told \(item % 25)"
    }
    for round in 0..<3 {
      for item in (0..<40).reversed() {
        lines.append(row(round: round, item: item, dimension: round == 0 ? "calibrating" : ""))
      }
    }
    // The first round again: the same tellings, one more revision of each item.
    for item in 0..<40 { lines.append(row(round: 0, item: item, dimension: "Calibrating")) }
    let plan = try ImportPlanner.plan(
      csv: Array((lines.joined(separator: "\n") + "\n").utf8), fileName: "m.csv", against: state)
    #expect(plan.itemsAdded == 40)
    #expect(plan.revisionsAdded == 120)
    #expect(plan.tellingsAdded == 120, "40 distinct day and text pairs in each of 3 rounds")
    let tellingDays = plan.events.compactMap { event -> Day? in
      guard case .tellingRecorded(let telling) = event else { return nil }
      return telling.on
    }
    #expect(tellingDays == tellingDays.sorted())
  }

  // MARK: Pieces

  @Test("the CSV reader splits records as a byte-by-byte reference does", arguments: 0..<6)
  func csvReaderMatchesReference(seed: UInt64) throws {
    var generator = SeededRandom(seed: seed)
    let pieces = [
      "a", "bc", "ümlaut", "\u{1F600}", " ", "\"x,y\"", "\"q\"", "\"a\"\"b\"", "\"line\nbreak\"",
      "\"cr\r\nlf\"", "0123456789abcdef", "\"\"", "\"é,\"\"\"",
    ]
    var text = ""
    var expected: [[String]] = []
    for _ in 0..<200 {
      let count = 3
      var fields: [String] = []
      var raw: [String] = []
      for _ in 0..<count {
        let piece = pieces[Int(generator.next() % UInt64(pieces.count))]
        let repeats = Int(generator.next() % 3)
        let field = String(repeating: piece, count: piece.hasPrefix("\"") ? 1 : repeats + 1)
        raw.append(field)
        fields.append(Self.unquote(field))
      }
      expected.append(fields)
      text += raw.joined(separator: ",") + (generator.next() % 2 == 0 ? "\n" : "\r\n")
    }
    let header = "one,two,three\n"
    for chunkSize in [7, 64, 1 << 20] {
      try withFile(Array((header + text).utf8)) { url in
        let reader = try CSVReader(contentsOf: url, fileName: nil, chunkSize: chunkSize)
        var records: [[String]] = []
        while try reader.nextRecord() {
          records.append((0..<reader.fieldCount).map { reader.string(at: $0) })
        }
        #expect(records == expected, "chunk size \(chunkSize)")
      }
    }
  }

  static func unquote(_ field: String) -> String {
    guard field.hasPrefix("\"") else { return field }
    return String(field.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
  }

  @Test("the key table finds every key it holds, and no other, as it grows")
  func keyTable() {
    var table = KeyTable(capacity: 1)
    var keys: [[UInt8]] = []
    for index in 0..<5_000 {
      let key = Array("key-\(index * 7919)".utf8)
      let hash = key.withUnsafeBytes { KeyTable.hash($0, seed: UInt64(index % 3)) }
      table.insert(id: Int32(index), hash: hash)
      keys.append(key)
    }
    #expect(table.count == 5_000)
    for (index, key) in keys.enumerated() {
      let hash = key.withUnsafeBytes { KeyTable.hash($0, seed: UInt64(index % 3)) }
      #expect(table.find(hash: hash) { keys[Int($0)] == key } == Int32(index))
    }
    let missing = Array("key-missing".utf8)
    let hash = missing.withUnsafeBytes { KeyTable.hash($0, seed: 0) }
    #expect(table.find(hash: hash) { keys[Int($0)] == missing } == nil)
  }
}

/// A small deterministic generator for test inputs.
private struct SeededRandom {
  var state: UInt64
  init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var value = state
    value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
    value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
    return value ^ (value >> 31)
  }
}
