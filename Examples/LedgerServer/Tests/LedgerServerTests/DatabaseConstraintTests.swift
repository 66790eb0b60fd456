import Foundation
import LedgerServer
import StoryLedger
import Testing

/// What the database itself refuses, whatever a client does.
@Suite(
  .serialized,
  .enabled(if: TestServer.configuration != nil, "no PostgreSQL server configured"))
struct DatabaseConstraintTests {
  func makeLedger() throws -> (PostgresEventStore, Ledger) {
    let server = try #require(TestServer.configuration)
    let store = try PostgresEventStore(
      configuration: try server.withTable(TestServer.freshTable()))
    let ledger = try Ledger.create(in: store, configuration: try LedgerConfiguration())
    return (store, ledger)
  }

  /// Two instances append after the same head without the write lock: one wins, the other
  /// is refused and adds nothing, so the log never forks.
  @Test func aSecondAppendAfterTheSameHeadIsRefused() throws {
    let (store, _) = try makeLedger()
    let other = try PostgresEventStore(configuration: store.configuration)
    let head = try store.head()
    let england = try NodePath(parsing: "england")
    _ = try store.append(
      AppendBatch(events: [.nodeAdded(NodeAdded(path: england, name: "England"))], actor: "a"),
      after: head)
    let error = #expect(throws: LedgerError.self) {
      _ = try other.append(
        AppendBatch(events: [.nodeAdded(NodeAdded(path: england, name: "Other"))], actor: "b"),
        after: head)
    }
    #expect(error?.code == .conflict)
    #expect(try other.head().sequence == 2)
    #expect(try other.verify(progress: nil).isIntact)
  }

  /// An idempotency key is unique in the table: a second append carrying it is refused by
  /// the database even when the caller does not check first.
  @Test func anIdempotencyKeyIsStoredOnce() throws {
    let (store, _) = try makeLedger()
    let england = try NodePath(parsing: "england")
    let first = try store.append(
      AppendBatch(
        events: [.nodeAdded(NodeAdded(path: england, name: "England"))], actor: "a",
        idempotencyKey: "once"),
      after: try store.head())
    let error = #expect(throws: LedgerError.self) {
      _ = try store.append(
        AppendBatch(
          events: [.nodeAdded(NodeAdded(path: try NodePath(parsing: "wales"), name: "W"))],
          actor: "a", idempotencyKey: "once"),
        after: first.head)
    }
    #expect(error?.code == .conflict)
    #expect(try store.head() == first.head)
  }

  /// The write lock excludes other instances until it is released.
  @Test func theWriteLockExcludesOtherInstances() throws {
    let (store, _) = try makeLedger()
    let other = try PostgresEventStore(configuration: store.configuration)
    try store.withWriteLock(timeout: .seconds(5)) {
      let error = #expect(throws: LedgerError.self) {
        try other.withWriteLock(timeout: .milliseconds(100)) {}
      }
      #expect(error?.code == .busy)
    }
    try other.withWriteLock(timeout: .seconds(5)) {}
  }
}
