import Foundation
import Logging
import Metrics
import NIOPosix
import StoryLedger

/// One ledger served by this instance: its store in PostgreSQL and the read models folded
/// from it, kept in memory and brought up to date before every request.
public final class LedgerHost: Sendable {
  /// The ledger's name.
  public let name: String
  /// Its events table.
  public let store: PostgresEventStore
  /// Its read models.
  public let ledger: Ledger
  /// The appends waiting at this instance, written together.
  let appends = AppendQueue()
  /// Whether a catch-up announced by the database is waiting to run.
  private let announced = CatchUpFlag()
  /// The number of events the read models hold (`storyledger_ledger_events`).
  private let events: Gauge

  init(name: String, store: PostgresEventStore, ledger: Ledger) {
    self.name = name
    self.store = store
    self.ledger = ledger
    events = Gauge(label: "storyledger_ledger_events", dimensions: [("ledger", name)])
    events.record(Int64(ledger.head.sequence))
  }

  /// Folds in the events recorded since the read models were last brought up to date.
  func catchUp() throws {
    try ledger.refresh()
    events.record(Int64(ledger.head.sequence))
  }

  /// Catches up on `pool` soon, after the database announced an append: once for any
  /// number of announcements that arrive before it runs.
  func catchUpSoon(on pool: NIOThreadPool, logger: Logger) {
    guard announced.raise() else { return }
    pool.submit { [self] state in
      announced.lower()
      // A pool that is shutting down runs what is left inline: no catch-up then.
      guard state == .active else { return }
      do { try catchUp() } catch {
        logger.warning("could not catch up", metadata: ["ledger": "\(name)", "error": "\(error)"])
      }
    }
  }

  /// Connects to the ledger's table and folds its whole log (blocking).
  static func open(
    name: String, configuration: PostgresConfiguration, logger: Logger
  ) throws -> LedgerHost {
    let store = try PostgresEventStore(
      configuration: try configuration.withTable(Directory.eventsTable(name)), logger: logger)
    do {
      let ledger = try Ledger(store: store, actor: "storyledger-server")
      return LedgerHost(name: name, store: store, ledger: ledger)
    } catch {
      store.close()
      throw error
    }
  }

  /// The read models and the head they reflect, taken together: the head is read first,
  /// so the state holds at least every event up to it.
  func readModels() throws -> (state: LedgerState, head: LogPosition) {
    try catchUp()
    let head = ledger.head
    return (ledger.state, head)
  }
}

/// A flag raised by many and lowered by one, under a lock.
final class CatchUpFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var raised = false

  /// Raises the flag; `false` when it was already raised.
  func raise() -> Bool {
    lock.lock()
    defer { lock.unlock() }
    guard !raised else { return false }
    raised = true
    return true
  }

  /// Lowers the flag.
  func lower() {
    lock.lock()
    raised = false
    lock.unlock()
  }
}

/// The ledgers this instance serves, opened on first use (each once, however many requests
/// ask at the same time); one that fails to open is tried again on the next request.
actor LedgerHosts {
  private var hosts: [String: Task<LedgerHost, any Error>] = [:]
  /// The ledgers open here, by events table.
  private var byTable: [String: LedgerHost] = [:]
  let configuration: PostgresConfiguration
  let directory: Directory
  let blocking: NIOThreadPool
  let logger: Logger

  init(
    configuration: PostgresConfiguration, directory: Directory, blocking: NIOThreadPool,
    logger: Logger
  ) {
    self.configuration = configuration
    self.directory = directory
    self.blocking = blocking
    self.logger = logger
  }

  /// The ledger `name`, opening it if this instance has not yet.
  ///
  /// - Throws: ``ServerError`` `not-found` when the database keeps no such ledger.
  func host(_ name: String) async throws -> LedgerHost {
    if let task = hosts[name] {
      do {
        return opened(try await task.value)
      } catch {
        if hosts[name] == task { hosts[name] = nil }
        throw error
      }
    }
    guard try await directory.hasLedger(name) else {
      throw ServerError(.notFound, "no ledger called \(name) on this server", field: "ledger")
    }
    let configuration = configuration
    let logger = logger
    let blocking = blocking
    let task = Task {
      let started = ContinuousClock.now
      let host = try await blocking.runIfActive {
        try LedgerHost.open(name: name, configuration: configuration, logger: logger)
      }
      logger.info(
        "opened ledger",
        metadata: [
          "ledger": "\(name)", "events": "\(host.ledger.head.sequence)",
          "seconds": "\(ContinuousClock.now - started)",
        ])
      return host
    }
    hosts[name] = task
    do {
      return opened(try await task.value)
    } catch {
      if hosts[name] == task { hosts[name] = nil }
      throw error
    }
  }

  /// Registers `host` for announcements the first time it is handed out (every request
  /// passes here, so only the first registration catches up).
  private func opened(_ host: LedgerHost) -> LedgerHost {
    let table = host.store.configuration.table.lowercased()
    if byTable[table] !== host {
      byTable[table] = host
      // An append announced while the ledger was opening found no host to tell.
      host.catchUpSoon(on: blocking, logger: logger)
    }
    return host
  }

  /// Catches up the ledger kept in `table`, when it is open here, soon (the database
  /// announced an append to it).
  func announced(table: String) {
    byTable[table.lowercased()]?.catchUpSoon(on: blocking, logger: logger)
  }

  /// Catches up every ledger open here, soon (announcements may have been missed while the
  /// database was away).
  func announcedAll() {
    for host in byTable.values { host.catchUpSoon(on: blocking, logger: logger) }
  }

  /// Opens every ledger in the database (at start-up, so the first request finds it warm).
  func openAll() async {
    do {
      for name in try await directory.ledgers() { _ = try await host(name) }
    } catch {
      logger.warning("could not open every ledger yet: \(error)")
    }
  }

  /// Closes every store.
  func closeAll() async {
    for task in hosts.values {
      if let host = try? await task.value { host.store.close() }
    }
    hosts = [:]
    byTable = [:]
  }
}
