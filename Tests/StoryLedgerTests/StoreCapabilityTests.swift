import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger

/// A store of an embedder's own: the ``EventStore`` requirements but reading passed on to
/// an ``InMemoryLog``.
private protocol ForwardingStore: EventStore {
  var base: InMemoryLog { get }
}

extension ForwardingStore {
  func head() throws(LedgerError) -> LogPosition { try base.head() }
  func withWriteLock<Result>(timeout: Duration, _ body: () throws -> Result) throws -> Result {
    try base.withWriteLock(timeout: timeout, body)
  }
  func append(_ batch: AppendBatch, after position: LogPosition) throws(LedgerError) -> (
    events: [RecordedEvent], head: LogPosition
  ) { try base.append(batch, after: position) }
  func erasePersonalText(sequences: [UInt64]) throws(LedgerError) -> Int {
    try base.erasePersonalText(sequences: sequences)
  }
  func verify(progress: ((UInt64, UInt64) -> Void)?) throws(LedgerError) -> VerificationReport {
    try base.verify(progress: progress)
  }
  func takeNotices() -> [String] { [] }
}

/// The store with no capability.
private final class PlainStore: ForwardingStore, @unchecked Sendable {
  let base = InMemoryLog()

  func read(
    after position: LogPosition, upTo end: LogPosition, _ body: (RecordedEvent) throws -> Void
  ) throws { try base.read(after: position, upTo: end, body) }
}

/// The store adopting both capabilities, as an embedder would: reading comes with
/// ``RecordScanning``.
private final class CapableStore: ForwardingStore, RecordScanning, SnapshotStoring,
  @unchecked Sendable
{
  let base = InMemoryLog()
  let snapshotDirectory: URL

  init(snapshotDirectory: URL) { self.snapshotDirectory = snapshotDirectory }

  func forEachRecord(
    after position: LogPosition, upTo end: LogPosition, _ body: (LogRecord) throws -> Void
  ) throws {
    try base.forEachRecord(after: position, upTo: end) { record in
      // Through the public checking entry point, as a store of rows would.
      let bytes = Array(
        base.storedBytes[Int(record.offset)..<Int(record.offset) + record.view.totalSize])
      try bytes.withUnsafeBytes { try LogRecord.checking($0, offset: record.offset, body) }
    }
  }
}

@Suite struct StoreCapabilityTests {
  @Test func aPlainStoreOffersNoCapabilityButKeepsTheErasureCheck() throws {
    let store = PlainStore()
    #expect((store as any EventStore).recordScanning == nil)
    #expect((store as any EventStore).snapshotStorage == nil)
    let ledger = try Ledger.create(in: store, configuration: LedgerConfiguration())
    try tellAndErase(in: ledger, store: store)
    #expect(try ledger.unexplainedErasures().count == 1)
  }

  @Test func anEmbeddersStoreAdoptsRecordScanningAndSnapshots() throws {
    let scratch = try TemporaryDirectory()
    let directory = scratch.url
    let store = CapableStore(snapshotDirectory: directory)
    #expect((store as any EventStore).recordScanning != nil)
    #expect((store as any EventStore).snapshotStorage?.snapshotDirectory == directory)
    let ledger = try Ledger.create(in: store, configuration: LedgerConfiguration())
    #expect(ledger.directory == directory)
    try tellAndErase(in: ledger, store: store)
    #expect(try ledger.unexplainedErasures().count == 1)
    #expect(try store.erasedSequences().count == 1)

    try ledger.writeSnapshot()
    let head = try store.head()
    #expect(try store.proves(head))
    let reopened = try Ledger(store: store)
    #expect(reopened.state.lastSequence == head.sequence)
    var reference = LedgerState()
    try store.base.read(after: .start(), upTo: head) { try reference.apply($0) }
    var folded = LedgerState()
    try Ledger.fold(store, after: .start(), upTo: head, into: &folded, progress: nil)
    #expect(folded.lastSequence == reference.lastSequence)
    #expect(folded.storyCount == reference.storyCount)
  }

  @Test func theLibrarysStoresOfferTheirCapabilities() throws {
    #expect((InMemoryLog() as any EventStore).recordScanning != nil)
    #expect((InMemoryLog() as any EventStore).snapshotStorage == nil)
  }

  /// Tells a story and erases its telling's text by hand, without withdrawing it.
  private func tellAndErase(in ledger: Ledger, store: any EventStore) throws {
    try ledger.addNode(try NodePath(parsing: "nhs"))
    try ledger.tellStory(
      Ledger.NewStory(
        node: try NodePath(parsing: "nhs"), title: "T", narrative: "N",
        on: try Day(parsing: "2026-03-01"), key: "S"))
    let telling = try #require(ledger.state.personalSequences(ofStory: "S").last)
    _ = try store.withWriteLock(timeout: .seconds(5)) {
      try store.erasePersonalText(sequences: [telling])
    }
  }
}
