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

  /// Group commit: batches encoded one after another are written in one transaction, and
  /// another instance reads them all; a plan that fails, or records that do not follow the
  /// head, write nothing.
  @Test func batchesPlannedUnderTheLockAreWrittenInOneTransaction() throws {
    let (store, _) = try makeLedger()
    let other = try PostgresEventStore(configuration: store.configuration)
    func node(_ name: String) throws -> AppendBatch {
      AppendBatch(
        events: [.nodeAdded(NodeAdded(path: try NodePath(parsing: name), name: name))],
        actor: "a", idempotencyKey: "key-\(name)")
    }
    let start = try store.head()
    let count = try store.appendHoldingLock(timeout: .seconds(5)) { head in
      #expect(head == start)
      var records: [EventRecordCodec.Record] = []
      var position = head
      for name in ["england", "wales", "scotland"] {
        let encoded = try EventRecordCodec.encode(try node(name), after: position)
        records += encoded
        let last = try #require(encoded.last)
        position = LogPosition(sequence: last.sequence, hash: last.hash, offset: last.sequence)
      }
      return (records, records.count)
    }
    #expect(count == 3)
    #expect(try other.head().sequence == start.sequence + 3)
    let ledger = try Ledger(store: other)
    #expect(ledger.state.nodeCount == 3)
    #expect(ledger.state.firstSequence(ofIdempotencyKey: "key-wales") == start.sequence + 2)
    #expect(try other.verify(progress: nil).isIntact)

    // A plan that throws writes nothing.
    let head = try store.head()
    struct Refused: Error {}
    #expect(throws: Refused.self) {
      let _: Void = try store.appendHoldingLock(timeout: .seconds(5)) { head in
        _ = try EventRecordCodec.encode(try node("ireland"), after: head)
        throw Refused()
      }
    }
    // Records that do not follow the head are refused.
    let stale = #expect(throws: LedgerError.self) {
      _ = try store.appendHoldingLock(timeout: .seconds(5)) { _ in
        (try EventRecordCodec.encode(try node("ireland"), after: start), ())
      }
    }
    #expect(stale?.code == .conflict)
    #expect(try store.head() == head)
  }

  /// Writers wait in PostgreSQL's queue for the lock, in the order they asked, and one
  /// whose wait runs out is told busy.
  @Test func writersQueueForTheLockInOrder() async throws {
    let (store, _) = try makeLedger()
    let second = try PostgresEventStore(configuration: store.configuration)
    let third = try PostgresEventStore(configuration: store.configuration)
    let order = Recorder()
    let holder = LockHolder(store)
    try await holder.waitUntilHeld()
    // While it is held, a short wait runs out: busy, and soon.
    let started = ContinuousClock.now
    let busy = #expect(throws: LedgerError.self) {
      _ = try second.appendHoldingLock(timeout: .milliseconds(200)) { _ in ([], ()) }
    }
    #expect(busy?.code == .busy)
    #expect(ContinuousClock.now - started < .seconds(3))
    // Two writers queue, the second one asking later.
    let first = Thread { try? second.withWriteLock(timeout: .seconds(20)) { order.note("second") } }
    first.start()
    try await Task.sleep(for: .milliseconds(300))
    let later = Thread {
      try? third.appendHoldingLock(timeout: .seconds(20)) { _ in
        order.note("third")
        return ([], ())
      }
    }
    later.start()
    try await Task.sleep(for: .milliseconds(300))
    #expect(order.notes.isEmpty)
    holder.release()
    for _ in 0..<200 where order.notes.count < 2 { try await Task.sleep(for: .milliseconds(50)) }
    #expect(order.notes == ["second", "third"])
  }
}

/// Notes made from several threads, in order.
final class Recorder: @unchecked Sendable {
  private let lock = NSLock()
  private var list: [String] = []

  func note(_ text: String) {
    lock.lock()
    list.append(text)
    lock.unlock()
  }

  var notes: [String] {
    lock.lock()
    defer { lock.unlock() }
    return list
  }
}

/// Holds a store's write lock on a thread of its own until released (or 30 s).
final class LockHolder: @unchecked Sendable {
  private let condition = NSCondition()
  private var held = false
  private var released = false

  init(_ store: PostgresEventStore) {
    Thread.detachNewThread { [self] in
      try? store.withWriteLock(timeout: .seconds(30)) {
        condition.lock()
        held = true
        let deadline = Date().addingTimeInterval(30)
        while !released, condition.wait(until: deadline) {}
        condition.unlock()
      }
    }
  }

  private var isHeld: Bool {
    condition.lock()
    defer { condition.unlock() }
    return held
  }

  func waitUntilHeld() async throws {
    for _ in 0..<600 {
      if isHeld { return }
      try await Task.sleep(for: .milliseconds(10))
    }
    throw TestFailure("the write lock was not taken")
  }

  func release() {
    condition.lock()
    released = true
    condition.broadcast()
    condition.unlock()
  }
}
