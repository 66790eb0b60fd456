import Foundation
import PostgresNIO
import StoryLedger

/// A StoryLedger event log kept in a PostgreSQL table, so that many service instances (on
/// many machines) share one ledger.
///
/// Each event is one row holding its record, in the library's record format
/// (``EventRecordCodec``): the same bytes, checksums and hash chain as a ``FileLog``, so
/// ``verify(progress:)`` proves the same things. The database keeps the log's promises:
///
/// - **Gapless, in commit order.** An append takes a transaction-scoped advisory lock, reads
///   the head and inserts the rows after it, so positions are assigned in commit order. The
///   table's constraints refuse a gap or a fork whatever a client does: every row after the
///   first names its predecessor (`previous = sequence - 1`) and that row's hash through a
///   foreign key, and sequence numbers are the primary key.
/// - **Writers queue.** A writer waits for the ledger's lock in PostgreSQL's lock queue,
///   under a `lock_timeout`, so writers get it in the order they asked and one that waited
///   longer than its timeout is told ``LedgerError/Code/busy``.
/// - **Group commit.** ``appendHoldingLock(timeout:_:)`` writes the batches a server has
///   waiting, checked one after another against the state with the earlier ones applied, in
///   one transaction: one synced commit for all of them.
/// - **Expected version.** An append after a position that is no longer the head fails with
///   ``LedgerError/Code/conflict``; ``Ledger`` checks expected story versions under
///   ``withWriteLock(timeout:_:)``, a session-level advisory lock, so that check holds across
///   instances too.
/// - **Idempotency.** The first row of an append carries its key in a unique column; a key
///   used twice is refused by the database (``Ledger`` answers a repeat before that).
/// - **Erasure.** Erasing a story's personal text rewrites its rows' records in place; their
///   hashed bytes, and so the chain, do not change.
/// - **Announced.** A trigger announces every committed append on ``appendsChannel``
///   (`NOTIFY`, the table's name as payload), so other readers catch up at once.
///
/// ``EventStore`` is synchronous, while postgres-nio is asynchronous: each call here waits
/// for its queries' futures (`EventLoopFuture.wait()`). That is safe from any thread that is
/// not one of the store's event loop threads (a `Thread`, a `DispatchQueue`, a Swift
/// concurrency task, at the cost of blocking its thread while it waits); never call the
/// store from a NIO channel handler. The blocking bridge keeps the protocol as simple as the
/// file log's for embedders, and a ledger append is one short transaction.
///
/// ```swift
/// let configuration = try PostgresConfiguration(
///   url: "postgres://ledger@127.0.0.1:5432/ledgers", table: "north_ledger")
/// let store = try PostgresEventStore(configuration: configuration)
/// let ledger = try store.head().sequence == 0
///   ? Ledger.create(in: store, configuration: LedgerConfiguration(currency: "GBP"))
///   : Ledger(store: store)
/// ```
public final class PostgresEventStore: EventStore, @unchecked Sendable {
  /// Where the ledger is kept.
  public let configuration: PostgresConfiguration
  /// Reads and the head: never inside another call's transaction (replaced, under
  /// `connections`, when the server closed it).
  private var readerConnection: PostgresConnection
  /// The write lock, appends and erasure, used by one thread at a time (under `writers`).
  private var writerConnection: PostgresConnection
  /// Guards replacing a closed connection.
  private let connections = NSLock()
  /// The write connection a transaction runs on (under `writers`).
  private var pinned: PostgresConnection?
  private let settings: PostgresConnection.Configuration
  private let eventLoopGroup: any EventLoopGroup
  private let logger: Logger
  private let table: String
  // Serialises this instance's threads on `writer`; the advisory lock serialises instances.
  private let writers = NSRecursiveLock()
  private var lockDepth = 0

  /// Rows read per query while reading the log.
  static let pageSize = 2_000
  /// The first key of the advisory locks (the second is the hash of the table's name).
  static let lockClass: Int32 = 0x534C_4447

  /// Connects to the server (two connections: one for reads, one for writes) and creates the
  /// ledger's table when it does not exist.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/io`` when the server cannot be reached or
  ///   the table cannot be created.
  public init(
    configuration: PostgresConfiguration,
    eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
    logger: Logger = Logger(label: "storyledger.postgres")
  ) throws(LedgerError) {
    self.configuration = configuration
    self.logger = logger
    self.eventLoopGroup = eventLoopGroup
    table = configuration.table
    let settings = PostgresConnection.Configuration(
      host: configuration.host, port: configuration.port, username: configuration.username,
      password: configuration.password, database: configuration.database, tls: .disable)
    self.settings = settings
    let reader = try PostgresEventStore.connect(settings, on: eventLoopGroup, id: 1, logger)
    do {
      writerConnection = try PostgresEventStore.connect(settings, on: eventLoopGroup, id: 2, logger)
    } catch {
      let closing: EventLoopFuture<Void> = reader.close()
      try? closing.wait()
      throw error
    }
    self.readerConnection = reader
    do {
      try createTable()
    } catch {
      close()
      throw error
    }
  }

  deinit { close() }

  /// Closes the store's connections and waits until they are closed; the store must not be
  /// used afterwards. The store closes them itself when it goes away.
  public func close() {
    connections.lock()
    let all = [readerConnection, writerConnection]
    connections.unlock()
    for connection in all where !connection.isClosed {
      let closing: EventLoopFuture<Void> = connection.close()
      try? closing.wait()
    }
  }

  static func connect(
    _ settings: PostgresConnection.Configuration, on group: any EventLoopGroup, id: Int,
    _ logger: Logger
  ) throws(LedgerError) -> PostgresConnection {
    try wait("connect to \(settings.host ?? "the server")") {
      PostgresConnection.connect(on: group.next(), configuration: settings, id: id, logger: logger)
    }
  }

  /// The read connection, connected again when the server closed it (a restart).
  private var reader: PostgresConnection {
    get throws(LedgerError) {
      connections.lock()
      defer { connections.unlock() }
      if readerConnection.isClosed {
        readerConnection = try Self.connect(settings, on: eventLoopGroup, id: 1, logger)
      }
      return readerConnection
    }
  }

  /// The write connection, connected again when the server closed it; use it under
  /// `writers`. A session lock held on a closed connection was released with it.
  private var writer: PostgresConnection {
    get throws(LedgerError) {
      if let pinned {
        // Inside a transaction: never continue it on another connection.
        guard !pinned.isClosed else {
          throw LedgerError(.io, "PostgreSQL closed the connection during a transaction")
        }
        return pinned
      }
      connections.lock()
      defer { connections.unlock() }
      if writerConnection.isClosed {
        writerConnection = try Self.connect(settings, on: eventLoopGroup, id: 2, logger)
      }
      return writerConnection
    }
  }

  /// The table, its constraints and its index; the lock makes concurrent creation safe.
  private func createTable() throws(LedgerError) {
    writers.lock()
    defer { writers.unlock() }
    do {
      try run(
        writer,
        """
        SELECT pg_advisory_lock(\(unescaped: Self.lockClassSQL), hashtext('\(unescaped: table)'))
        """, "lock the table")
      defer {
        _ = try? run(
          writer,
          """
          SELECT pg_advisory_unlock(\(unescaped: Self.lockClassSQL), hashtext('\(unescaped: table)'))
          """, "unlock the table")
      }
      try run(
        writer,
        """
        CREATE TABLE IF NOT EXISTS \(unescaped: table) (
          sequence bigint PRIMARY KEY CHECK (sequence >= 1),
          previous bigint,
          previous_hash bytea,
          record bytea NOT NULL,
          hash bytea NOT NULL CHECK (octet_length(hash) = 32),
          idempotency_key text UNIQUE,
          committed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
          UNIQUE (sequence, hash),
          CHECK ((sequence = 1 AND previous IS NULL AND previous_hash IS NULL)
            OR (previous = sequence - 1 AND previous_hash IS NOT NULL)),
          FOREIGN KEY (previous, previous_hash) REFERENCES \(unescaped: table) (sequence, hash)
        )
        """, "create the table \(table)")
      try run(
        writer,
        """
        DO $do$
        BEGIN
          PERFORM pg_advisory_xact_lock(\(unescaped: Self.lockClassSQL), 0);
          CREATE OR REPLACE FUNCTION storyledger_announce_append() RETURNS trigger
            LANGUAGE plpgsql AS $fn$
            BEGIN
              PERFORM pg_notify('\(unescaped: Self.appendsChannel)', TG_TABLE_NAME);
              RETURN NULL;
            END
            $fn$;
          IF NOT EXISTS (
            SELECT 1 FROM pg_trigger
            WHERE tgname = 'storyledger_announce' AND tgrelid = '\(unescaped: table)'::regclass
          ) THEN
            CREATE TRIGGER storyledger_announce AFTER INSERT ON \(unescaped: table)
              FOR EACH STATEMENT EXECUTE FUNCTION storyledger_announce_append();
          END IF;
        END
        $do$
        """, "announce the appends to \(table)")
    }
  }

  /// The channel on which every committed append is announced (`NOTIFY`, by a trigger on
  /// each events table), with the table's name as the payload: a reader that `LISTEN`s on it
  /// learns of another writer's events at once, without asking.
  public static let appendsChannel = "storyledger_appends"

  static var lockClassSQL: String { String(lockClass) }

  // MARK: Reading

  /// The position after the last committed event: its sequence number and hash (the offset
  /// is the sequence number: rows have no byte offsets).
  public func head() throws(LedgerError) -> LogPosition {
    let rows = try rows(
      reader, "SELECT sequence, hash FROM \(unescaped: table) ORDER BY sequence DESC LIMIT 1",
      "read the head")
    guard let row = rows.first else { return .start() }
    return try Self.position(row)
  }

  /// Calls `body` with every committed event after `position` up to `end`, in order, a page
  /// of rows at a time.
  public func read(
    after position: LogPosition, upTo end: LogPosition, _ body: (RecordedEvent) throws -> Void
  ) throws {
    var next = position.sequence + 1
    while next <= end.sequence {
      let last = min(end.sequence, next + UInt64(Self.pageSize) - 1)
      let rows = try rows(
        reader,
        """
        SELECT sequence, record FROM \(unescaped: table)
        WHERE sequence >= \(Int64(next)) AND sequence <= \(Int64(last)) ORDER BY sequence
        """, "read events \(next)...\(last)")
      for row in rows {
        let (sequence, record) = try Self.decode(row, as: (Int64, ByteBuffer).self)
        guard sequence == Int64(next) else {
          throw LedgerError(.corrupt, "event \(next) is missing from \(table)")
        }
        try body(try Self.event(record, sequence: next))
        next += 1
      }
      guard next > last else {
        throw LedgerError(.corrupt, "event \(next) is missing from \(table)")
      }
    }
  }

  /// The stored records after `sequence` up to `last`, at most `limit` of them, in order:
  /// what a server sends a client replaying the log.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/corrupt`` when a row is missing.
  public func records(after sequence: UInt64, through last: UInt64, limit: Int)
    throws(LedgerError) -> [(sequence: UInt64, bytes: [UInt8])]
  {
    let end = min(last, sequence + UInt64(max(0, limit)))
    guard end > sequence else { return [] }
    let rows = try rows(
      reader,
      """
      SELECT sequence, record FROM \(unescaped: table)
      WHERE sequence > \(Int64(sequence)) AND sequence <= \(Int64(end)) ORDER BY sequence
      """, "read events \(sequence + 1)...\(end)")
    var result: [(sequence: UInt64, bytes: [UInt8])] = []
    result.reserveCapacity(rows.count)
    for row in rows {
      let (number, record) = try Self.decode(row, as: (Int64, ByteBuffer).self)
      guard UInt64(number) == sequence + UInt64(result.count) + 1 else {
        throw LedgerError(
          .corrupt, "event \(sequence + UInt64(result.count) + 1) is missing from \(table)")
      }
      result.append((UInt64(number), Array(record.readableBytesView)))
    }
    guard result.count == Int(end - sequence) else {
      throw LedgerError(
        .corrupt, "event \(sequence + UInt64(result.count) + 1) is missing from \(table)")
    }
    return result
  }

  /// Calls `body` with the events `sequences` names, in ascending order, each once.
  public func read(sequences: [UInt64], _ body: (RecordedEvent) throws -> Void) throws {
    let wanted = Set(sequences.filter { $0 >= 1 && $0 <= UInt64(Int64.max) }).sorted().map {
      Int64($0)
    }
    guard !wanted.isEmpty else { return }
    let rows = try rows(
      reader,
      """
      SELECT sequence, record FROM \(unescaped: table)
      WHERE sequence = ANY(\(wanted)) ORDER BY sequence
      """, "read \(wanted.count) events")
    for row in rows {
      let (sequence, record) = try Self.decode(row, as: (Int64, ByteBuffer).self)
      try body(try Self.event(record, sequence: UInt64(sequence)))
    }
  }

  // MARK: Writing

  /// Runs `body` holding the ledger's write lock: a session-level advisory lock on the
  /// table, held by this instance's write connection, waiting at most `timeout` for it.
  ///
  /// It is re-entrant on the thread that holds it. A writer waits in PostgreSQL's queue for
  /// the lock (`pg_advisory_lock` under a `lock_timeout`), so writers get it in the order
  /// they asked, rather than polling for it: a newcomer never overtakes a writer that has
  /// waited longer.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/busy`` when another instance or thread
  ///   held it for longer than `timeout`.
  public func withWriteLock<Result>(timeout: Duration, _ body: () throws -> Result) throws -> Result
  {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    try lockWriters(before: deadline, timeout)
    defer { writers.unlock() }
    lockDepth += 1
    defer { lockDepth -= 1 }
    guard lockDepth == 1 else { return try body() }
    try setLockTimeout(until: deadline, timeout, local: false)
    do {
      try run(
        writer,
        """
        SELECT pg_advisory_lock(\(unescaped: Self.lockClassSQL), hashtext('\(unescaped: table)'))
        """, "take the write lock")
    } catch {
      _ = try? run(writer, "RESET lock_timeout", "reset the lock timeout")
      throw Self.busy(error, timeout)
    }
    // Back to the server's setting, for statements that wait on nothing of ours.
    _ = try? run(writer, "RESET lock_timeout", "reset the lock timeout")
    defer {
      _ = try? run(
        writer,
        """
        SELECT pg_advisory_unlock(\(unescaped: Self.lockClassSQL), hashtext('\(unescaped: table)'))
        """, "release the write lock")
    }
    return try body()
  }

  /// Appends the records that `plan` makes, in one transaction that holds the ledger's lock
  /// from before `plan` runs until the commit: group commit, for a server that writes the
  /// appends waiting for one ledger together.
  ///
  /// The transaction waits at most `timeout` for the lock (queued in PostgreSQL behind the
  /// writers that asked first), reads the head, and calls `plan` with it; `plan` (which may
  /// read the store, say to bring a ``Ledger`` up to date) returns the records to insert, each
  /// batch encoded with ``EventRecordCodec/encode(_:after:recordedAt:)`` after the one
  /// before, the first after `head`, and whatever it wants returned. The records are inserted
  /// and committed (durably) before this returns; when anything fails, nothing is.
  ///
  /// ```swift
  /// let outcome = try store.appendHoldingLock(timeout: .seconds(5)) { head in
  ///   let first = try EventRecordCodec.encode(firstBatch, after: head)
  ///   let last = first.last.map { LogPosition(sequence: $0.sequence, hash: $0.hash, offset: $0.sequence) }
  ///   let second = try EventRecordCodec.encode(secondBatch, after: last ?? head)
  ///   return (first + second, "two batches")
  /// }
  /// ```
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/busy`` when another writer held the lock
  ///   for longer than `timeout`, ``LedgerError/Code/conflict`` when the records do not
  ///   follow the head, ``LedgerError/Code/io`` when the database fails, or what `plan`
  ///   throws.
  public func appendHoldingLock<Outcome>(
    timeout: Duration,
    _ plan: (_ head: LogPosition) throws -> (records: [EventRecordCodec.Record], outcome: Outcome)
  ) throws -> Outcome {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    try lockWriters(before: deadline, timeout)
    defer { writers.unlock() }
    pinned = try writer
    defer { pinned = nil }
    try run(writer, "BEGIN", "begin a transaction")
    do {
      try setLockTimeout(until: deadline, timeout, local: true)
      let head: LogPosition
      do {
        head = try lockedHead()
      } catch {
        throw Self.busy(error, timeout)
      }
      let (records, outcome) = try plan(head)
      if let first = records.first {
        guard first.sequence == head.sequence + 1 else {
          throw LedgerError(
            .conflict, "the records start at event \(first.sequence), not after the head \(head)")
        }
        var previous = head
        for chunk in stride(from: 0, to: records.count, by: 1_000) {
          try insert(records[chunk..<min(chunk + 1_000, records.count)], after: &previous)
        }
      }
      try run(writer, "COMMIT", "commit")
      return outcome
    } catch {
      _ = try? run(writer, "ROLLBACK", "roll back")
      throw error
    }
  }

  /// Takes `writers`, this instance's side of the write lock, waiting until `deadline`.
  private func lockWriters(before deadline: ContinuousClock.Instant, _ timeout: Duration)
    throws(LedgerError)
  {
    let left = deadline - ContinuousClock.now
    let seconds = max(0, Double(left / .microseconds(1)) / 1_000_000)
    guard writers.lock(before: Date(timeIntervalSinceNow: seconds)) else {
      throw LedgerError(
        .busy,
        "another writer held the ledger's lock for longer than \(Self.seconds(timeout)) s; try again"
      )
    }
  }

  /// Sets the write connection's `lock_timeout` to the time left until `deadline` (at
  /// least a millisecond: 0 would mean no limit), for the transaction when `local`.
  private func setLockTimeout(
    until deadline: ContinuousClock.Instant, _ timeout: Duration, local: Bool
  ) throws(LedgerError) {
    let left = deadline - ContinuousClock.now
    guard left > .zero else {
      throw LedgerError(
        .busy,
        "another writer held the ledger's lock for longer than \(Self.seconds(timeout)) s; try again"
      )
    }
    let milliseconds = String(max(1, Int64(left / .milliseconds(1))))
    try run(
      writer, "SELECT set_config('lock_timeout', \(milliseconds), \(local))", "set the lock timeout"
    )
  }

  /// `error`, when PostgreSQL gave up waiting for the lock, as ``LedgerError/Code/busy``.
  private static func busy(_ error: any Error, _ timeout: Duration) -> any Error {
    guard let error = error as? LedgerError, error.code == .busy else { return error }
    return LedgerError(
      .busy,
      "another writer held the ledger's lock for longer than \(seconds(timeout)) s; try again")
  }

  private static func seconds(_ duration: Duration) -> Double {
    Double(duration / .milliseconds(1)) / 1000
  }

  /// Appends `batch` after `position`, which must be the head, in one transaction.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/conflict`` when `position` is not the head
  ///   or the batch's idempotency key is taken, ``LedgerError/Code/io`` when the database
  ///   fails.
  public func append(_ batch: AppendBatch, after position: LogPosition) throws(LedgerError) -> (
    events: [RecordedEvent], head: LogPosition
  ) {
    writers.lock()
    defer { writers.unlock() }
    guard !batch.events.isEmpty else { return ([], try head()) }
    let records = try EventRecordCodec.encode(batch, after: position)
    try transaction { () throws(LedgerError) in
      let current = try lockedHead()
      guard current.sequence == position.sequence, current.hash == position.hash else {
        throw LedgerError(.conflict, "the log moved on (now at \(current)) since \(position)")
      }
      var previous = position
      for chunk in stride(from: 0, to: records.count, by: 1_000) {
        let part = records[chunk..<min(chunk + 1_000, records.count)]
        try insert(part, after: &previous, )
      }
    }
    let events = records.map(\.event)
    let last = records[records.count - 1]
    return (events, LogPosition(sequence: last.sequence, hash: last.hash, offset: last.sequence))
  }

  /// Inserts `records`, the first following `previous`, in one statement.
  private func insert(
    _ records: ArraySlice<EventRecordCodec.Record>, after previous: inout LogPosition
  ) throws(LedgerError) {
    var sql =
      "INSERT INTO \(table) (sequence, previous, previous_hash, record, hash, idempotency_key) VALUES "
    var binds = PostgresBindings(capacity: records.count * 6)
    for (index, record) in records.enumerated() {
      let base = index * 6
      sql += index == 0 ? "" : ", "
      sql += "($\(base + 1), $\(base + 2), $\(base + 3), $\(base + 4), $\(base + 5), $\(base + 6))"
      binds.append(Int64(record.sequence))
      if previous.sequence == 0 {
        binds.appendNull()
        binds.appendNull()
      } else {
        binds.append(Int64(previous.sequence))
        binds.append(ByteBuffer(bytes: previous.hash.bytes))
      }
      binds.append(ByteBuffer(bytes: record.bytes))
      binds.append(ByteBuffer(bytes: record.hash.bytes))
      binds.append(record.event.idempotencyKey)
      previous = LogPosition(sequence: record.sequence, hash: record.hash, offset: record.sequence)
    }
    try run(writer, PostgresQuery(unsafeSQL: sql, binds: binds), "append events")
  }

  /// The head as the write transaction sees it, after taking the transaction's lock (so
  /// appends from instances that do not hold ``withWriteLock(timeout:_:)`` still queue).
  private func lockedHead() throws(LedgerError) -> LogPosition {
    try run(
      writer,
      """
      SELECT pg_advisory_xact_lock(\(unescaped: Self.lockClassSQL), hashtext('\(unescaped: table)'))
      """, "lock the log")
    let rows = try rows(
      writer, "SELECT sequence, hash FROM \(unescaped: table) ORDER BY sequence DESC LIMIT 1",
      "read the head")
    guard let row = rows.first else { return .start() }
    return try Self.position(row)
  }

  /// Erases the personal text of the events `sequences` in place, in one transaction.
  public func erasePersonalText(sequences: [UInt64]) throws(LedgerError) -> Int {
    writers.lock()
    defer { writers.unlock() }
    let wanted = Set(sequences.filter { $0 >= 1 && $0 <= UInt64(Int64.max) }).sorted().map {
      Int64($0)
    }
    guard !wanted.isEmpty else { return 0 }
    var erased = 0
    try transaction { () throws(LedgerError) in
      let rows = try rows(
        writer,
        """
        SELECT sequence, record FROM \(unescaped: table)
        WHERE sequence = ANY(\(wanted)) ORDER BY sequence FOR UPDATE
        """, "read events to erase")
      for row in rows {
        let (sequence, record) = try Self.decode(row, as: (Int64, ByteBuffer).self)
        guard
          let replacement = EventRecordCodec.erasingPersonalText(
            of: Array(record.readableBytesView))
        else { continue }
        try run(
          writer,
          """
          UPDATE \(unescaped: table) SET record = \(ByteBuffer(bytes: replacement))
          WHERE sequence = \(sequence)
          """, "erase event \(sequence)")
        erased += 1
      }
    }
    return erased
  }

  /// Runs `body` between `BEGIN` and `COMMIT` on the write connection, rolling back when it
  /// throws; call it holding `writers`.
  private func transaction(_ body: () throws(LedgerError) -> Void) throws(LedgerError) {
    pinned = try writer
    defer { pinned = nil }
    try run(writer, "BEGIN", "begin a transaction")
    do {
      try body()
      try run(writer, "COMMIT", "commit")
    } catch {
      _ = try? run(writer, "ROLLBACK", "roll back")
      throw error
    }
  }

  // MARK: Checking

  /// Checks every record, every checksum, the whole chain, and that each row's hash column
  /// is its record's chain hash.
  public func verify(progress: ((UInt64, UInt64) -> Void)?) throws(LedgerError)
    -> VerificationReport
  {
    let end = try head()
    var verifier = RecordChainVerifier()
    var mismatch: VerificationReport.Problem?
    var next: UInt64 = 1
    reading: while next <= end.sequence {
      let last = min(end.sequence, next + UInt64(Self.pageSize) - 1)
      let rows = try rows(
        reader,
        """
        SELECT sequence, record, hash FROM \(unescaped: table)
        WHERE sequence >= \(Int64(next)) AND sequence <= \(Int64(last)) ORDER BY sequence
        """, "read events \(next)...\(last)")
      for row in rows {
        let (sequence, record, hash) = try Self.decode(
          row, as: (Int64, ByteBuffer, ByteBuffer).self)
        guard verifier.check(Array(record.readableBytesView)) else { break reading }
        if Array(hash.readableBytesView) != verifier.lastHash.bytes {
          mismatch = .init(
            sequence: UInt64(sequence), offset: UInt64(sequence),
            reason: "the row's hash column does not match its record")
          break reading
        }
        next += 1
      }
      progress?(next - 1, end.sequence)
      if next <= last {
        // The rows stop short of the head: the ones after them are missing.
        mismatch = .init(
          sequence: next, offset: next, reason: "event \(next) is missing from \(table)")
        break
      }
    }
    var report = verifier.report(head: end)
    if report.problem == nil, let mismatch { report.problem = mismatch }
    return report
  }

  /// The database never repairs anything behind the caller's back.
  public func takeNotices() -> [String] { [] }

  // MARK: Queries

  /// Runs `query` on `connection` and waits for its rows.
  private func rows(
    _ connection: PostgresConnection, _ query: PostgresQuery, _ action: String
  ) throws(LedgerError) -> [PostgresRow] {
    let logger = logger
    let result = try Self.wait(action) { connection.query(query, logger: logger) }
    return Array(result.rows)
  }

  /// Runs `query` on `connection`, ignoring any rows.
  private func run(
    _ connection: PostgresConnection, _ query: PostgresQuery, _ action: String
  ) throws(LedgerError) {
    _ = try rows(connection, query, action)
  }

  /// Waits for `future` (from a thread that is not an event loop's) and turns a database
  /// error into a ``LedgerError``: a unique or foreign key violation is a conflict (another
  /// append won), a lock wait that ran out (`lock_timeout`) is busy, anything else an I/O
  /// error.
  static func wait<Value: Sendable>(
    _ action: String, _ future: () -> EventLoopFuture<Value>
  ) throws(LedgerError) -> Value {
    do {
      return try future().wait()
    } catch let error as PSQLError {
      let state = error.serverInfo?[.sqlState] ?? ""
      let message = error.serverInfo?[.message] ?? String(reflecting: error)
      if state == "55P03" {
        // lock_timeout: another writer held the lock for the whole wait.
        throw LedgerError(.busy, "PostgreSQL gave up waiting to \(action): \(message)")
      }
      if state == "23505" || state == "23503" || state == "23514" {
        throw LedgerError(
          .conflict, "PostgreSQL refused to \(action): \(message) (another append came first)")
      }
      throw LedgerError(.io, "PostgreSQL could not \(action): \(message)")
    } catch {
      throw LedgerError(.io, "PostgreSQL could not \(action): \(error)")
    }
  }

  static func decode<each Column: PostgresDecodable>(
    _ row: PostgresRow, as type: (repeat each Column).Type
  ) throws(LedgerError) -> (repeat each Column) {
    do {
      return try row.decode(type)
    } catch {
      throw LedgerError(.corrupt, "a row of the ledger's table cannot be read: \(error)")
    }
  }

  static func position(_ row: PostgresRow) throws(LedgerError) -> LogPosition {
    let (sequence, hash) = try decode(row, as: (Int64, ByteBuffer).self)
    guard let digest = SHA256Digest(bytes: Array(hash.readableBytesView)) else {
      throw LedgerError(.corrupt, "event \(sequence) has a hash that is not 32 bytes")
    }
    return LogPosition(sequence: UInt64(sequence), hash: digest, offset: UInt64(sequence))
  }

  static func event(_ record: ByteBuffer, sequence: UInt64) throws(LedgerError) -> RecordedEvent {
    let event = try EventRecordCodec.decode(Array(record.readableBytesView))
    guard event.sequence == sequence else {
      throw LedgerError(
        .corrupt, "the row of event \(sequence) holds the record of event \(event.sequence)")
    }
    return event
  }
}
