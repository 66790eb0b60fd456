import Foundation
import StoryLedger

// The checks themselves. Each makes its own ledger, so they can run in any order or apart.
extension EventStoreConformance {
  static let actor = "conformance"

  static func configuration() throws -> LedgerConfiguration {
    try LedgerConfiguration(currency: "GBP")
  }

  static func path(_ text: String) throws -> NodePath { try NodePath(parsing: text) }

  static func day(_ text: String) throws -> Day { try Day(parsing: text) }

  /// Every committed event of `store`, in order.
  static func readAll(_ store: any EventStore) throws -> [RecordedEvent] {
    var events: [RecordedEvent] = []
    try store.read(after: .start(), upTo: try store.head()) { events.append($0) }
    return events
  }

  /// Appends `events` as one batch under the store's write lock.
  static func appendLocked(
    _ store: any EventStore, _ events: [EventPayload], key: String? = nil
  ) throws -> (events: [RecordedEvent], head: LogPosition) {
    try store.withWriteLock(timeout: .seconds(30)) {
      try store.append(
        AppendBatch(events: events, actor: actor, idempotencyKey: key), after: try store.head())
    }
  }

  /// A story's events: told with a teller and a narrative, and one item.
  static func storyEvents(_ key: String, at node: NodePath, narrative: String) throws
    -> [EventPayload]
  {
    let told = try day("2026-03-02")
    return [
      .storyTold(
        StoryTold(
          key: key, node: node, on: told, title: "Walking clinic \(key)", tellers: ["Ana Example"],
          tags: ["walking"], share: "regional")),
      .tellingRecorded(TellingRecorded(story: key, on: told, narrative: narrative)),
      .itemRecorded(
        ItemRecorded(
          story: key, item: "I1", on: told, dimension: .capacitating,
          facts: ItemFacts(
            visibility: .invisible, description: "a network of walkers",
            monetised: try Money(parsing: "12.50")))),
    ]
  }

  /// The two nodes the checks record stories at.
  static func nodeEvents() throws -> [EventPayload] {
    [
      .nodeAdded(NodeAdded(path: try path("england"), name: "England")),
      .nodeAdded(NodeAdded(path: try path("england/north"), name: "The North")),
    ]
  }

  static func appendReadRoundTrip(_ harness: some EventStoreHarness, _ context: CheckContext)
    throws
  {
    let store = try harness.makeLedgerStore(configuration: try configuration())
    let start = try store.head()
    try context.expect(start.sequence == 1, "a new ledger's head is \(start), not event 1")
    let payloads =
      try nodeEvents()
      + storyEvents("S1", at: try path("england/north"), narrative: "We walked.")
    let appended = try store.withWriteLock(timeout: .seconds(30)) {
      try store.append(
        AppendBatch(events: payloads, actor: actor, idempotencyKey: "round-trip"), after: start)
    }
    try context.expect(
      appended.events.map(\.sequence) == Array(2...6),
      "the batch got sequence numbers \(appended.events.map(\.sequence)), not 2...6")
    try context.expect(
      appended.events.map(\.payload) == payloads, "the recorded payloads differ from those given")
    try context.expect(
      appended.events.map(\.idempotencyKey) == ["round-trip", nil, nil, nil, nil],
      "only the batch's first event carries its key, not \(appended.events.map(\.idempotencyKey))")
    try context.expect(
      appended.events.allSatisfy { $0.actor == actor }, "an event lost the batch's actor")
    try context.expect(
      appended.head.sequence == 6 && appended.head.hash == appended.events.last?.hash,
      "the returned head \(appended.head) is not the last event")
    let head = try store.head()
    try context.expect(head == appended.head, "head() is \(head), not \(appended.head)")
    var read: [RecordedEvent] = []
    try store.read(after: start, upTo: appended.head) { read.append($0) }
    try context.expect(read == appended.events, "reading gives other events than were appended")
    let other = try harness.reopen(store)
    var readAgain: [RecordedEvent] = []
    try other.read(after: start, upTo: try other.head()) { readAgain.append($0) }
    try context.expect(readAgain == appended.events, "another instance reads other events")
    let first = try readAll(store).first
    try context.expect(
      first?.type == .ledgerCreated && first?.sequence == 1,
      "the first event is \(first?.type.name ?? "missing"), not ledger.created")
  }

  static func gaplessSequences(_ harness: some EventStoreHarness, _ context: CheckContext) throws {
    let store = try harness.makeLedgerStore(configuration: try configuration())
    _ = try appendLocked(store, try nodeEvents())
    var positions: [LogPosition] = [try store.head()]
    for (index, size) in [1, 4, 2, 7, 3].enumerated() {
      var events: [EventPayload] = []
      for item in 0..<size {
        events.append(
          .nodeAdded(
            NodeAdded(path: try path("england/north/n\(index)-\(item)"), name: "N \(index)")))
      }
      positions.append(try appendLocked(store, events).head)
    }
    let all = try readAll(store)
    try context.expect(
      all.map(\.sequence) == Array(1...UInt64(all.count)),
      "sequence numbers are not 1...\(all.count) in order: \(all.map(\.sequence))")
    try context.expect(all.count == 20, "the log holds \(all.count) events, not 20")
    try context.expect(
      Set(all.map(\.hash)).count == all.count, "two events share a chain hash")
    // Catching up from each position gives exactly the events after it.
    for (index, position) in positions.enumerated() {
      var after: [RecordedEvent] = []
      try store.read(after: position, upTo: try store.head()) { after.append($0) }
      try context.expect(
        after == Array(all.dropFirst(Int(position.sequence))),
        "catching up from \(position) gives \(after.count) events")
      if index + 1 < positions.count {
        var between: [RecordedEvent] = []
        try store.read(after: position, upTo: positions[index + 1]) { between.append($0) }
        try context.expect(
          between.map(\.sequence)
            == Array((position.sequence + 1)...positions[index + 1].sequence),
          "reading from \(position) up to \(positions[index + 1]) gives \(between.map(\.sequence))")
      }
    }
  }

  static func batchAtomicity(_ harness: some EventStoreHarness, _ context: CheckContext) throws {
    let store = try harness.makeLedgerStore(configuration: try configuration())
    let stale = try store.head()
    _ = try appendLocked(store, try nodeEvents())
    let head = try store.head()
    // An append after a position that is no longer the head adds nothing.
    try context.expectError(.conflict, "an append after a stale position") {
      _ = try store.withWriteLock(timeout: .seconds(30)) {
        try store.append(
          AppendBatch(
            events: [.nodeAdded(NodeAdded(path: try path("wales"), name: "Wales"))], actor: actor),
          after: stale)
      }
    }
    try context.expect(try store.head() == head, "a refused append moved the head")
    try context.expect(try readAll(store).count == 3, "a refused append left events behind")

    // A reader on another instance sees only whole batches of three while a writer appends.
    let batches = 12
    let reader = try harness.reopen(store)
    let writerError = LockedBox<(any Error)?>(nil)
    let done = DispatchSemaphore(value: 0)
    let writerStore = store
    Thread.detachNewThread {
      defer { done.signal() }
      do {
        for batch in 0..<batches {
          let events = try (0..<3).map { item in
            EventPayload.nodeAdded(
              NodeAdded(path: try NodePath(parsing: "england/b\(batch)-\(item)"), name: "B"))
          }
          _ = try appendLocked(writerStore, events)
        }
      } catch {
        writerError.value = error
      }
    }
    let final = head.sequence + UInt64(3 * batches)
    var observed = 0
    var seen = head
    while seen.sequence < final && observed < 100_000 {
      observed += 1
      seen = try reader.head()
      try context.expect(
        (seen.sequence - head.sequence) % 3 == 0,
        "a reader saw head \(seen), inside a batch of three")
      var last: RecordedEvent?
      var count: UInt64 = 0
      try reader.read(after: .start(), upTo: seen) { event in
        count += 1
        last = event
      }
      try context.expect(
        count == seen.sequence && last?.hash == seen.hash,
        "reading up to \(seen) gives \(count) events ending at \(last?.sequence ?? 0)")
      if writerError.value != nil { break }
    }
    done.wait()
    if let error = writerError.value { throw error }
    try context.expect(try store.head().sequence == final, "the writer's batches are not all there")
  }

  static func idempotencyKeys(_ harness: some EventStoreHarness, _ context: CheckContext) throws {
    let store = try harness.makeLedgerStore(configuration: try configuration())
    let ledger = try Ledger(store: store)
    let north = try path("england/north")
    let options = Ledger.AppendOptions(actor: actor, idempotencyKey: "add-north")
    let first = try ledger.addNode(
      north, name: "The North", creatingParents: true, options: options)
    try context.expect(!first.append.isRepeat, "a new key was taken for a repeat")
    let head = try store.head()
    let again = try ledger.addNode(
      north, name: "The North", creatingParents: true, options: options)
    try context.expect(again.append.isRepeat, "repeating a key was not reported as a repeat")
    try context.expect(
      again.append.originalSequence == first.append.events.first?.sequence,
      "a repeat names event \(again.append.originalSequence ?? 0) as the original")
    try context.expect(try store.head() == head, "repeating a key appended events")
    // Another instance, as another process would, also knows the key.
    let other = try Ledger(store: try harness.reopen(store))
    let elsewhere = try other.addNode(
      north, name: "The North", creatingParents: true, options: options)
    try context.expect(elsewhere.append.isRepeat, "another instance appended a repeated key")
    try context.expect(try store.head() == head, "another instance's repeat appended events")
    let events = try readAll(store)
    try context.expect(
      events.filter { $0.idempotencyKey == "add-north" }.count == 1,
      "the key is on \(events.filter { $0.idempotencyKey == "add-north" }.count) events, not one")
    let fresh = try other.addNode(
      try path("wales"), options: .init(actor: actor, idempotencyKey: "add-wales"))
    try context.expect(!fresh.append.isRepeat, "a different key was taken for a repeat")
  }

  static func expectedVersionConflicts(
    _ harness: some EventStoreHarness, _ context: CheckContext
  ) throws {
    let store = try harness.makeLedgerStore(configuration: try configuration())
    let first = try Ledger(store: store)
    let second = try Ledger(store: try harness.reopen(store))
    let north = try path("england/north")
    try first.addNode(north, creatingParents: true, options: .init(actor: actor))
    let told = try first.tellStory(
      Ledger.NewStory(
        node: north, title: "Walking clinic", narrative: "We walked.", on: try day("2026-03-02"),
        key: "S1"), options: .init(actor: actor))
    try second.refresh()
    let expected = Ledger.ExpectedVersion(story: "S1", version: told.version)
    let retold = try first.retellStory(
      "S1", narrative: "We walked again.", on: try day("2026-04-01"),
      options: .init(actor: actor, expectedVersion: expected))
    let head = try store.head()
    try context.expectError(.conflict, "a retelling expecting a stale version") {
      try second.retellStory(
        "S1", narrative: "We walked at the same time.", on: try day("2026-04-01"),
        options: .init(actor: actor, expectedVersion: expected))
    }
    try context.expect(try store.head() == head, "a conflicting append moved the head")
    let current = Ledger.ExpectedVersion(story: "S1", version: retold.version)
    let accepted = try second.retellStory(
      "S1", narrative: "We walked a third time.", on: try day("2026-05-01"),
      options: .init(actor: actor, expectedVersion: current))
    try context.expect(
      accepted.version == retold.version + 1,
      "the story is at version \(accepted.version), not \(retold.version + 1)")
  }

  static func concurrentWriters(_ harness: some EventStoreHarness, _ context: CheckContext) throws {
    let store = try harness.makeLedgerStore(configuration: try configuration())
    _ = try appendLocked(store, try nodeEvents())
    let writers = 4
    let appendsPerWriter = 6
    var stores: [any EventStore] = []
    for _ in 0..<writers { stores.append(try harness.reopen(store)) }
    let errors = LockedBox<[any Error]>([])
    let group = DispatchGroup()
    for (writer, writerStore) in stores.enumerated() {
      group.enter()
      let instance = StoreBox(store: writerStore)
      Thread.detachNewThread {
        defer { group.leave() }
        do {
          let ledger = try Ledger(store: instance.store)
          for index in 0..<appendsPerWriter {
            try ledger.addNode(
              try NodePath(parsing: "england/north/w\(writer)-\(index)"), name: "W",
              options: .init(actor: "writer-\(writer)", idempotencyKey: "w\(writer)-\(index)"))
          }
        } catch {
          errors.withValue { $0.append(error) }
        }
      }
    }
    group.wait()
    if let error = errors.value.first { throw error }
    let events = try readAll(store)
    let expectedCount = 3 + writers * appendsPerWriter
    try context.expect(
      events.count == expectedCount, "\(events.count) events, not \(expectedCount)")
    try context.expect(
      events.map(\.sequence) == Array(1...UInt64(events.count)),
      "the writers' events do not have gapless sequence numbers")
    for writer in 0..<writers {
      let keys = events.filter { $0.actor == "writer-\(writer)" }.compactMap(\.idempotencyKey)
      try context.expect(
        keys == (0..<appendsPerWriter).map { "w\(writer)-\($0)" },
        "writer \(writer)'s appends are \(keys), not each once in order")
    }
    let report = try store.verify(progress: nil)
    try context.expect(report.isIntact, "verify fails: \(report.problem?.description ?? "")")
  }

  static func chainVerifies(_ harness: some EventStoreHarness, _ context: CheckContext) throws {
    let store = try harness.makeLedgerStore(configuration: try configuration())
    _ = try appendLocked(store, try nodeEvents())
    _ = try appendLocked(
      store, try storyEvents("S1", at: try path("england/north"), narrative: "We walked."))
    let head = try store.head()
    for instance in [store, try harness.reopen(store)] {
      let report = try instance.verify(progress: nil)
      try context.expect(report.isIntact, "verify fails: \(report.problem?.description ?? "")")
      try context.expect(
        report.eventCount == head.sequence,
        "verify checked \(report.eventCount) events, not \(head.sequence)")
      try context.expect(
        report.lastHash == head.hash.hex, "verify ends at another hash than the head")
    }
  }

  static func erasureKeepsChain(_ harness: some EventStoreHarness, _ context: CheckContext) throws {
    let store = try harness.makeLedgerStore(configuration: try configuration())
    let ledger = try Ledger(store: store)
    let north = try path("england/north")
    try ledger.addNode(north, creatingParents: true, options: .init(actor: actor))
    let secret = "Ana told us about the night clinic"
    try ledger.tellStory(
      Ledger.NewStory(
        node: north, title: "Night clinic", narrative: secret, on: try day("2026-03-02"),
        tellers: ["Ana Example"], key: "S1"), options: .init(actor: actor))
    try ledger.retellStory(
      "S1", narrative: "\(secret), again", on: try day("2026-04-02"), options: .init(actor: actor))
    let before = try readAll(store)
    try ledger.withdrawStory("S1", reason: "asked", erase: true, options: .init(actor: actor))
    let after = try readAll(store)
    try context.expect(
      after.prefix(before.count).map(\.hash) == before.map(\.hash),
      "erasure changed a chain hash")
    let erased = after.filter(\.isPersonalTextErased).map(\.sequence)
    let personal = before.filter { $0.type == .storyTold || $0.type == .tellingRecorded }
    try context.expect(
      erased == personal.map(\.sequence),
      "events \(erased) are marked erased, not \(personal.map(\.sequence))")
    for instance in [store, try harness.reopen(store)] {
      for event in try readAll(instance) {
        let text = String(describing: event.payload)
        try context.expect(
          !text.contains("night clinic") && !text.contains("Ana Example"),
          "event \(event.sequence) still holds personal text after erasure")
      }
      let report = try instance.verify(progress: nil)
      try context.expect(
        report.isIntact, "verify fails after erasure: \(report.problem?.description ?? "")")
    }
    let again = try store.withWriteLock(timeout: .seconds(30)) {
      try store.erasePersonalText(sequences: personal.map(\.sequence))
    }
    try context.expect(again == 0, "erasing again erased \(again) events")
  }

  static func readSequences(_ harness: some EventStoreHarness, _ context: CheckContext) throws {
    let store = try harness.makeLedgerStore(configuration: try configuration())
    _ = try appendLocked(store, try nodeEvents())
    _ = try appendLocked(
      store, try storyEvents("S1", at: try path("england/north"), narrative: "We walked."))
    let all = try readAll(store)
    var picked: [RecordedEvent] = []
    try store.read(sequences: [5, 2, 99, 2, 0]) { picked.append($0) }
    try context.expect(
      picked == [all[1], all[4]],
      "reading events [5, 2, 99, 2, 0] gives \(picked.map(\.sequence)), not [2, 5]")
    var none: [RecordedEvent] = []
    try store.read(sequences: []) { none.append($0) }
    try context.expect(none.isEmpty, "reading no sequence numbers gives events")
  }

  static func headAfterReopen(_ harness: some EventStoreHarness, _ context: CheckContext) throws {
    let store = try harness.makeLedgerStore(configuration: try configuration())
    let ledger = try Ledger(store: store)
    let north = try path("england/north")
    try ledger.addNode(north, creatingParents: true, options: .init(actor: actor))
    let story = try ledger.tellStory(
      Ledger.NewStory(
        node: north, title: "Walking clinic", narrative: "We walked.", on: try day("2026-03-02")),
      options: .init(actor: actor))
    try ledger.addItem(
      to: story.ref, dimension: .calculating, on: try day("2026-03-03"),
      facts: ItemFacts(visibility: .visible, monetised: try Money(parsing: "99.95")),
      options: .init(actor: actor))
    let reopened = try harness.reopen(store)
    let reopenedHead = try reopened.head()
    try context.expect(
      reopenedHead == ledger.head, "the reopened head is \(reopenedHead), not \(ledger.head)")
    let again = try Ledger(store: reopened)
    try context.expect(
      try again.summary(of: try path("england")) == ledger.summary(of: try path("england")),
      "the reopened ledger's summary differs")
    try context.expect(
      again.configuration == ledger.configuration, "the reopened configuration differs")
  }
}

/// A value shared between threads behind a lock.
final class LockedBox<Value>: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: Value

  init(_ value: Value) { stored = value }

  var value: Value {
    get { lock.withLock { stored } }
    set { lock.withLock { stored = newValue } }
  }

  func withValue(_ body: (inout Value) -> Void) { lock.withLock { body(&stored) } }
}

/// A store handed to another thread (stores are `Sendable`; the box keeps the existential so).
struct StoreBox: Sendable {
  let store: any EventStore
}
