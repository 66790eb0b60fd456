import Foundation
import StoryLedger
import StoryLedgerConformance
import StoryLedgerTestSupport
import Testing

/// The event store contract, checked against the two stores the library ships. The same
/// checks run against PostgreSQL in Examples/LedgerServer.
@Suite struct EventStoreConformanceTests {
  /// File logs in a temporary directory of their own, removed when the test ends.
  final class FileLogHarness: EventStoreHarness {
    let root: URL

    init() throws {
      root = try makeTemporaryDirectory(prefix: "storyledger-conformance")
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    func makeLedgerStore(configuration: LedgerConfiguration) throws -> any EventStore {
      try FileLog.create(
        at: root.appending(path: UUID().uuidString), configuration: configuration,
        actor: "conformance")
    }

    /// A second `FileLog` over the same directory: its own lock file handle, as another
    /// process has.
    func reopen(_ store: any EventStore) throws -> any EventStore {
      let log = try #require(store as? FileLog)
      return try FileLog(directory: log.directory)
    }
  }

  /// In-memory logs: an instance is the whole log, so reopening gives the same one.
  struct InMemoryHarness: EventStoreHarness {
    func makeLedgerStore(configuration: LedgerConfiguration) throws -> any EventStore {
      try Ledger.create(in: InMemoryLog(), configuration: configuration, actor: "conformance")
        .store
    }

    func reopen(_ store: any EventStore) throws -> any EventStore { store }
  }

  @Test(arguments: EventStoreConformance.Check.allCases)
  func fileLog(_ check: EventStoreConformance.Check) throws {
    try EventStoreConformance.check(check, on: try FileLogHarness())
  }

  @Test(arguments: EventStoreConformance.Check.allCases)
  func inMemoryLog(_ check: EventStoreConformance.Check) throws {
    try EventStoreConformance.check(check, on: InMemoryHarness())
  }

  /// The checks can fail: a store that loses every other append is caught.
  @Test func aStoreThatDropsEventsFails() throws {
    #expect(throws: ConformanceFailure.self) {
      try EventStoreConformance.check(.gaplessSequences, on: ForgetfulHarness())
    }
    #expect(throws: ConformanceFailure.self) {
      try EventStoreConformance.check(.appendReadRoundTrip, on: ForgetfulHarness())
    }
  }
}

/// A broken store for the checks to catch: it reads back only the events with odd
/// sequence numbers.
private final class ForgetfulLog: EventStore, @unchecked Sendable {
  let inner = InMemoryLog()

  func head() throws(LedgerError) -> LogPosition { try inner.head() }

  func read(
    after position: LogPosition, upTo end: LogPosition, _ body: (RecordedEvent) throws -> Void
  ) throws {
    try inner.read(after: position, upTo: end) { event in
      if event.sequence % 2 == 1 { try body(event) }
    }
  }

  func withWriteLock<Result>(timeout: Duration, _ body: () throws -> Result) throws -> Result {
    try inner.withWriteLock(timeout: timeout, body)
  }

  func append(_ batch: AppendBatch, after position: LogPosition) throws(LedgerError) -> (
    events: [RecordedEvent], head: LogPosition
  ) { try inner.append(batch, after: position) }

  func erasePersonalText(sequences: [UInt64]) throws(LedgerError) -> Int {
    try inner.erasePersonalText(sequences: sequences)
  }

  func verify(progress: ((UInt64, UInt64) -> Void)?) throws(LedgerError) -> VerificationReport {
    try inner.verify(progress: progress)
  }

  func takeNotices() -> [String] { [] }
}

private struct ForgetfulHarness: EventStoreHarness {
  func makeLedgerStore(configuration: LedgerConfiguration) throws -> any EventStore {
    let store = ForgetfulLog()
    _ = try Ledger.create(in: store.inner, configuration: configuration)
    return store
  }

  func reopen(_ store: any EventStore) throws -> any EventStore { store }
}
