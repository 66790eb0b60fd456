import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger
@testable import StoryLedgerDemo

/// Every part of a state, record by record: two states with the same dump are the same
/// state (the same columns, arena bytes, hash table slots, nodes and keys).
private func stateDump(_ state: LedgerState) -> [String] {
  var lines = [
    "configuration \(state.configuration) \(state.isConfigured) last \(state.lastSequence)"
  ]
  for (index, node) in state.nodes.enumerated() {
    lines.append("node \(index) \(node.path) \(node.name) \(node.parent) \(node.children)")
  }
  lines.append("nodeIndex \(state.nodeIndex.sorted { $0.value < $1.value })")
  lines.append("text \(state.text.withContiguousElements { Array($0) })")
  func add<Element>(_ name: String, _ column: Column<Element>) {
    column.forEachElement { index, element in lines.append("\(name) \(index) \(element)") }
  }
  add("story", state.stories)
  add("storySlot", state.storyTable.slots)
  add("item", state.items)
  add("itemSlot", state.itemTable.slots)
  add("revision", state.revisions)
  add("telling", state.tellings)
  add("totals", state.nodeTotals)
  lines.append("tables \(state.storyTable.count) \(state.itemTable.count)")
  lines.append("keys \(state.idempotencyKeys.sorted { $0.value < $1.value })")
  return lines
}

/// Random ledgers for the fold tests: every event type the fast fold reads, with unicode
/// keys and paths, several tellers and tags, retellings (some on the same date), items
/// revised out of date order, visibility and monetised changes, and idempotency keys.
private struct RandomFoldLedger {
  var random: DemoRandom
  var events: [[EventPayload]] = []
  var nodes: [NodePath] = []
  var stories: [(key: String, items: [String])] = []
  let start = Day(daysSinceEpoch: 20_000)

  static let levels = ["national", "région", "organisation", "team"]
  static let storyKeys = ["S", "st-", "K", "\u{212A}", "é", "e\u{301}", "故事", "Ω"]
  static let shares = [
    "national", "région", "re\u{301}gion", "organisation", "team", "nowhere", "",
  ]
  static let texts = ["", "a", "naïve café", "多くの価値", "line\nbreak", "tab\tand \u{1F}"]

  init(seed: UInt64, batches: Int) throws {
    random = DemoRandom(seed: seed)
    let configuration = try LedgerConfiguration(levels: Self.levels, currency: "GBP")
    events.append([.ledgerCreated(configuration)])
    for _ in 0..<batches { events.append(try batch()) }
  }

  mutating func pick<T>(_ values: [T]) -> T { values[Int(random.next() % UInt64(values.count))] }
  mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }
  mutating func day() -> Day {
    Day(daysSinceEpoch: start.daysSinceEpoch + Int32(random.next() % 700))
  }

  mutating func facts(first: Bool) -> ItemFacts {
    var facts = ItemFacts()
    if first || chance(60) { facts.visibility = chance(50) ? .visible : .invisible }
    if chance(50) { facts.description = pick(Self.texts) }
    if chance(30) { facts.quantity = "\(random.next() % 1000)" }
    if chance(30) { facts.unit = pick(["people", "hours", "£"]) }
    if chance(50) { facts.monetised = Money(cents: Int64(random.next() % 1_000_000) - 200_000) }
    if chance(40) { facts.weight = Int(random.next() % 5) + 1 }
    if chance(30) { facts.evidence = pick(Self.texts) }
    return facts
  }

  mutating func batch() throws -> [EventPayload] {
    var batch: [EventPayload] = []
    for _ in 0..<(5 + Int(random.next() % 40)) {
      let roll = random.next() % 100
      if nodes.isEmpty || roll < 4 {
        // A node under an existing one, or a new top-level node.
        let segment = pick(["nhs", "north", "süd", "区", "ward-\(random.next() % 9)"])
        let parent = nodes.isEmpty || chance(20) ? nil : pick(nodes)
        let path =
          try parent.map { try $0.appending(segment) } ?? NodePath(parsing: segment)
        guard path.depth <= Self.levels.count, !nodes.contains(path) else { continue }
        nodes.append(path)
        batch.append(.nodeAdded(NodeAdded(path: path, name: "Node \(path.name)")))
      } else if stories.isEmpty || roll < 20 {
        let key = pick(Self.storyKeys) + "\(stories.count)"
        let tellers = (0..<Int(random.next() % 3)).map { _ in pick(Self.texts) }
        let tags = (0..<Int(random.next() % 4)).map { _ in pick(["care", "café", "多"]) }
        stories.append((key, []))
        batch.append(
          .storyTold(
            StoryTold(
              key: key, node: pick(nodes), on: day(), title: pick(Self.texts), tellers: tellers,
              tags: tags, share: pick(Self.shares))))
      } else {
        let story = Int(random.next() % UInt64(stories.count))
        let key = stories[story].key
        if roll < 40 {
          batch.append(
            .tellingRecorded(TellingRecorded(story: key, on: day(), narrative: pick(Self.texts))))
        } else if stories[story].items.isEmpty || roll < 70 {
          let item = pick(["i", "K", "\u{212A}", "ü", "項"]) + "\(stories[story].items.count)"
          stories[story].items.append(item)
          batch.append(
            .itemRecorded(
              ItemRecorded(
                story: key, item: item, on: day(), dimension: pick(Dimension.allCases),
                facts: facts(first: true))))
        } else {
          batch.append(
            .itemRevised(
              ItemRevised(
                story: key, item: pick(stories[story].items), on: day(),
                facts: facts(first: false))))
        }
      }
    }
    return batch
  }

  /// An in-memory log holding the ledger, some batches with an idempotency key.
  func log() throws -> InMemoryLog {
    let store = InMemoryLog()
    for (index, events) in events.enumerated() where !events.isEmpty {
      let batch = AppendBatch(
        events: events, actor: index % 3 == 0 ? "fü" : "me",
        idempotencyKey: index % 4 == 1 ? "batch-\(index)" : nil)
      _ = try store.append(batch, after: try store.head())
    }
    return store
  }
}

/// The states of the reference fold (decode, then `apply`) and of the fast fold.
private func bothFolds(_ store: some RecordScanning) throws -> (
  reference: LedgerState, fast: LedgerState
) {
  let head = try store.head()
  var reference = LedgerState()
  try store.read(after: .start(), upTo: head) { try reference.apply($0) }
  var fast = LedgerState()
  try store.fold(after: .start(), upTo: head, into: &fast, progress: nil)
  return (reference, fast)
}

/// Rewrites the log's bytes with the personal text of the records `erase` picks erased: the
/// flag set, the personal payload overwritten with zeros (the salt kept; the length too, so
/// that the store's committed offset still ends a record), the checksum renewed; the hashed
/// bytes, and so the chain, unchanged.
private func erasingPersonalText(
  _ bytes: [UInt8], _ erase: (_ sequence: UInt64) -> Bool
) -> [UInt8] {
  var output = Array(bytes[0..<RecordFormat.fileHeaderSize])
  var offset = RecordFormat.fileHeaderSize
  bytes.withUnsafeBytes { buffer in
    while offset < buffer.count {
      guard case .record(let record) = RecordFormat.scan(buffer, at: offset) else { break }
      var flags = record.flags
      var personal = Array(record.personal)
      if flags.contains(.hasPersonal) && erase(record.sequence) {
        flags.insert(.personalErased)
        for index in personal.indices.dropFirst(16) { personal[index] = 0 }
      }
      var body: [UInt8] = [flags.rawValue]
      withUnsafeBytes(of: UInt32(record.hashed.count).littleEndian) { body += $0 }
      body += record.hashed
      body += personal
      record.storedHash.withBytes { body += $0 }
      withUnsafeBytes(of: UInt32(body.count).littleEndian) { output += $0 }
      let checksum = body.withUnsafeBytes { CRC32C.checksum($0) }
      withUnsafeBytes(of: checksum.littleEndian) { output += $0 }
      output += body
      offset += record.totalSize
    }
  }
  return output
}

@Suite("Folding records from their bytes")
struct RecordFoldTests {
  @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6])
  func fastFoldEqualsTheReference(seed: UInt64) throws {
    let ledger = try RandomFoldLedger(seed: seed, batches: 40)
    let (reference, fast) = try bothFolds(try ledger.log())
    #expect(reference.storyCount > 20 && reference.revisionCount > reference.itemCount)
    #expect(stateDump(fast) == stateDump(reference))
  }

  @Test func theFastPathFoldsTheStoryAndItemEvents() throws {
    let store = try RandomFoldLedger(seed: 9, batches: 30).log()
    var state = LedgerState()
    var cache = LedgerState.RecordFoldCache()
    var fast = 0
    var hot = 0
    try store.scanRecords(after: .start(), upTo: try store.head()) { record, offset in
      let event = try store.decode(LogRecord(record, offset: offset))
      if [.storyTold, .tellingRecorded, .itemRecorded, .itemRevised].contains(event.type)
        && event.idempotencyKey == nil
      {
        hot += 1
      }
      if state.foldRecord(record, cache: &cache) {
        fast += 1
      } else {
        try state.apply(event)
        cache.update(after: event.type)
      }
    }
    #expect(hot > 100)
    #expect(fast == hot)
  }

  @Test(arguments: [UInt64(7), 8])
  func erasedPersonalTextReadsAsEmptyInBothFolds(seed: UInt64) throws {
    let store = try RandomFoldLedger(seed: seed, batches: 40).log()
    let (unerased, _) = try bothFolds(store)
    store.storedBytes = erasingPersonalText(store.storedBytes) { $0 % 3 != 0 }
    #expect(try store.verify(progress: nil).problem == nil)
    let (reference, fast) = try bothFolds(store)
    #expect(stateDump(fast) == stateDump(reference))
    // The erasure changed what was folded: tellers read as empty, narratives hash as "".
    #expect(stateDump(reference) != stateDump(unerased))
    let emptyHash = HashIndex.hash("")
    var erasedTellings = 0
    reference.tellings.forEachElement { _, telling in
      if telling.sequence % 3 != 0 {
        #expect(telling.narrativeHash == emptyHash)
        erasedTellings += 1
      }
    }
    #expect(erasedTellings > 0)
  }

  @Test func aFoldFromTheMiddleOfTheLogEqualsTheReference() throws {
    let store = try RandomFoldLedger(seed: 12, batches: 40).log()
    let head = try store.head()
    // The position after some batch: fold the rest into the state up to there.
    var middle = LogPosition.start(offset: UInt64(RecordFormat.fileHeaderSize))
    var upToMiddle = LedgerState()
    try store.read(after: .start(), upTo: head) { event in
      if event.sequence <= head.sequence / 2 { try upToMiddle.apply(event) }
    }
    try store.scanRecords(after: .start(), upTo: head) { record, offset in
      if record.sequence == upToMiddle.lastSequence {
        middle = LogPosition(
          sequence: record.sequence, hash: record.storedHash,
          offset: offset + UInt64(record.totalSize))
      }
    }
    var reference = upToMiddle
    try store.read(after: middle, upTo: head) { try reference.apply($0) }
    var fast = upToMiddle
    try store.fold(after: middle, upTo: head, into: &fast, progress: nil)
    #expect(reference.lastSequence == head.sequence)
    #expect(stateDump(fast) == stateDump(reference))
  }

  /// Bytes that pass the checksum but do not decode, and an event the state refuses: the
  /// fast fold reports them with the reference's errors.
  @Test func problemsAreReportedAsTheReferenceReportsThem() throws {
    let configuration = try LedgerConfiguration(levels: ["a", "b"])
    let node = try NodePath(parsing: "x")
    let day = Day(daysSinceEpoch: 20_000)
    let marker = "MARKERMARKER"
    let cases: [[EventPayload]] = [
      // Invalid UTF-8 in a description the state does not keep.
      [
        .storyTold(
          StoryTold(key: "s", node: node, on: day, title: "t", tellers: [], tags: [], share: "a")),
        .itemRecorded(
          ItemRecorded(
            story: "s", item: "i", on: day, dimension: .calibrating,
            facts: ItemFacts(visibility: .visible, description: marker))),
      ],
      // A revision of an item that does not exist.
      [
        .storyTold(
          StoryTold(key: "s", node: node, on: day, title: "t", tellers: [], tags: [], share: "a")),
        .itemRevised(ItemRevised(story: "s", item: marker, on: day, facts: ItemFacts())),
      ],
      // A telling of a story that does not exist.
      [.tellingRecorded(TellingRecorded(story: marker, on: day, narrative: "n"))],
    ]
    for (index, events) in cases.enumerated() {
      let store = InMemoryLog()
      let all: [EventPayload] =
        [.ledgerCreated(configuration), .nodeAdded(NodeAdded(path: node, name: "X"))] + events
      _ = try store.append(
        AppendBatch(events: all, actor: "me", idempotencyKey: nil), after: try store.head())
      if index == 0 {
        store.storedBytes = damagingText(store.storedBytes, marker)
      }
      func failure(_ fold: () throws -> Void) -> String {
        do {
          try fold()
          return "no error"
        } catch {
          return "\(error)"
        }
      }
      let head = try store.head()
      let reference = failure {
        var state = LedgerState()
        try store.read(after: .start(), upTo: head) { try state.apply($0) }
      }
      let fast = failure {
        var state = LedgerState()
        try store.fold(after: .start(), upTo: head, into: &state, progress: nil)
      }
      #expect(reference != "no error")
      #expect(fast == reference)
    }
  }

  /// Replaces the first byte of `marker` in the log with 0xFF and renews that record's
  /// checksum: the record is whole but its text is not UTF-8.
  func damagingText(_ bytes: [UInt8], _ marker: String) -> [UInt8] {
    var bytes = bytes
    let pattern = Array(marker.utf8)
    guard
      let at = (0...(bytes.count - pattern.count)).first(where: { start in
        Array(bytes[start..<(start + pattern.count)]) == pattern
      })
    else { return bytes }
    bytes[at] = 0xFF
    var offset = RecordFormat.fileHeaderSize
    while offset < bytes.count {
      let size = Int(
        bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) })
      if at < offset + RecordFormat.frameSize + size {
        let checksum = bytes.withUnsafeBytes {
          CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[(offset + 8)..<(offset + 8 + size)]))
        }
        withUnsafeBytes(of: checksum.littleEndian) {
          bytes.replaceSubrange((offset + 4)..<(offset + 8), with: $0)
        }
        break
      }
      offset += RecordFormat.frameSize + size
    }
    return bytes
  }

  @Test func keysMatchByteForByteWhateverCameJustBefore() throws {
    let configuration = try LedgerConfiguration(levels: ["a", "b"])
    let node = try NodePath(parsing: "x")
    let day = Day(daysSinceEpoch: 20_000)
    func told(_ key: String) -> EventPayload {
      .storyTold(
        StoryTold(key: key, node: node, on: day, title: key, tellers: [], tags: [], share: "a"))
    }
    // "\u{212A}" (Kelvin sign) equals "K" as a Swift string, but keys are bytes.
    let events: [EventPayload] = [
      .ledgerCreated(configuration), .nodeAdded(NodeAdded(path: node, name: "X")),
      told("\u{212A}1"), told("K1"),
      .tellingRecorded(TellingRecorded(story: "\u{212A}1", on: day, narrative: "kelvin")),
      .tellingRecorded(TellingRecorded(story: "K1", on: day, narrative: "k")),
    ]
    let store = InMemoryLog()
    _ = try store.append(
      AppendBatch(events: events, actor: "me", idempotencyKey: nil), after: try store.head())
    let (reference, fast) = try bothFolds(store)
    #expect(stateDump(fast) == stateDump(reference))
    #expect(reference.storyCount == 2)
    #expect(reference.stories[0].tellingCount == 1)
    #expect(reference.stories[1].tellingCount == 1)
    #expect(reference.storyIndex(forKey: "K1") == 1)
    #expect(reference.storyIndex(forKey: "\u{212A}1") == 0)
  }

  @Test func replayThroughAFileLogUsesTheFastFoldAndEqualsTheReference() throws {
    let directory = try TemporaryDirectory()
    let ledger = try SnapshotTests.makeLedger(rows: 600, seed: 5, in: directory)
    let store = try FileLog(directory: directory.url.appending(path: "ledger"))
    let (reference, fast) = try bothFolds(store)
    #expect(stateDump(fast) == stateDump(reference))
    try ledger.rebuild()
    #expect(stateDump(ledger.state) == stateDump(reference))
  }
}

@Suite("Folding a streamed import while it is written")
struct StreamFoldTests {
  static let corpus = DemoCorpus(rows: 1_500, seed: 21).csvBytes()

  /// A ledger with the corpus imported, every batch folded while written.
  func importedLedger(_ ledger: Ledger, csv: [UInt8], key: String?) throws -> Ledger {
    ledger.streamFoldPolicy = { _, _ in true }
    try ledger.importCSV(contentsOf: try temporaryFile(csv), options: .init(idempotencyKey: key))
    return ledger
  }

  func temporaryFile(_ bytes: [UInt8]) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appending(
      path: "storyledger-streamfold-\(UUID().uuidString).csv")
    try Data(bytes).write(to: url)
    return url
  }

  @Test func theImportIsFoldedWhileWritten() throws {
    let ledger = try Ledger.create(in: InMemoryLog(), configuration: DemoCorpus.configuration)
    let plan = try ImportPlanner.plan(
      csv: Self.corpus, fileName: "corpus.csv", against: ledger.state)
    let store = InMemoryLog()
    let created = try store.append(
      AppendBatch(
        events: [.ledgerCreated(DemoCorpus.configuration)], actor: "me", idempotencyKey: nil),
      after: try store.head())
    var start = LedgerState()
    try start.apply(created.events[0])
    let (head, folded) = try Ledger.appendFolding(
      plan, to: store, options: .init(), after: created.head, state: start,
      shouldFold: { _, _ in true })
    var state = try #require(folded)
    state.lastSequence = head.sequence
    var reference = LedgerState()
    try store.read(after: .start(), upTo: head) { try reference.apply($0) }
    #expect(reference.revisionCount > 1_000)
    #expect(stateDump(state) == stateDump(reference))
  }

  @Test func anImportedLedgerEqualsItsLogRebuilt() throws {
    let directory = try TemporaryDirectory()
    let location = directory.url.appending(path: "ledger")
    let ledger = try importedLedger(
      try Ledger.create(at: location, configuration: DemoCorpus.configuration),
      csv: Self.corpus, key: "first")
    let imported = ledger.state
    #expect(imported.idempotencyKeys["first"] == 2)
    try ledger.rebuild()
    #expect(stateDump(imported) == stateDump(ledger.state))
    #expect(stateDump(imported) == stateDump(try Ledger.open(at: location).state))
  }

  @Test func anImportIntoALedgerWithStoriesEqualsItsLogRebuilt() throws {
    // The first half, then the whole file: the second import revises and retells what the
    // first recorded, and adds the rest.
    let lines = Self.corpus.split(separator: 0x0A, omittingEmptySubsequences: false)
    let half = Array(lines.prefix(lines.count / 2).joined(separator: [0x0A])) + [0x0A]
    let store = InMemoryLog()
    let ledger = try importedLedger(
      try Ledger.create(in: store, configuration: DemoCorpus.configuration), csv: half, key: nil)
    try ledger.importCSV(contentsOf: try temporaryFile(Self.corpus))
    var reference = LedgerState()
    try store.read(after: .start(), upTo: try store.head()) { try reference.apply($0) }
    #expect(reference.revisionCount > ledger.state.itemCount)
    #expect(stateDump(ledger.state) == stateDump(reference))
  }
}
