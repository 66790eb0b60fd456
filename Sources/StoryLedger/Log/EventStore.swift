/// Storage for the ledger's event log: the protocol an embedder implements to keep the log
/// somewhere other than a file (a database, an object store).
///
/// The library ships ``FileLog`` (the default) and ``InMemoryLog`` (for tests). A store
/// keeps records in the format ``RecordFormat`` describes, chained by SHA-256, and
/// guarantees:
///
/// - ``append(_:after:)`` is durable when it returns, and all or nothing;
/// - appends are serialised by ``withWriteLock(timeout:_:)``, also across processes;
/// - readers see only whole appends and are never blocked by a writer.
///
/// ```swift
/// let store = InMemoryLog()
/// let head = try store.head()
/// try store.read(after: .start(), upTo: head) { event in print(event.type.name) }
/// ```
public protocol EventStore: AnyObject, Sendable {
  /// The position after the last committed event.
  func head() throws(LedgerError) -> LogPosition

  /// Calls `body` with every committed event after `position` up to `end`, in order.
  func read(
    after position: LogPosition, upTo end: LogPosition, _ body: (RecordedEvent) throws -> Void
  ) throws

  /// Runs `body` holding the store's exclusive write lock, waiting at most `timeout` for it.
  ///
  /// - Throws: ``LedgerError`` with code ``LedgerError/Code/busy`` when the wait runs out.
  func withWriteLock<Result>(timeout: Duration, _ body: () throws -> Result) throws -> Result

  /// Appends `batch` after `position`, which must be the current head; call it inside
  /// ``withWriteLock(timeout:_:)``.
  ///
  /// - Returns: the recorded events and the new head.
  func append(_ batch: AppendBatch, after position: LogPosition) throws(LedgerError) -> (
    events: [RecordedEvent], head: LogPosition
  )

  /// Appends the events of `source` after `position`, which must be the current head, as
  /// one batch: durable when it returns, all or nothing. Call it inside
  /// ``withWriteLock(timeout:_:)``.
  ///
  /// Unlike ``append(_:after:)`` it does not return the recorded events: it is meant for
  /// batches too large to hold twice, such as an import, and writes them as `source`
  /// produces them. The events get the sequence numbers after `position.sequence`, in
  /// order; the first carries `idempotencyKey`.
  ///
  /// A store that does not stream can rely on the default implementation, which gathers
  /// the events and calls ``append(_:after:)``.
  ///
  /// - Returns: the new head.
  func append(
    contentsOf source: some EventBatchSource, actor: String, idempotencyKey: String?,
    after position: LogPosition
  ) throws(LedgerError) -> LogPosition

  /// Checks every record, every checksum and the whole chain.
  func verify(progress: ((UInt64, UInt64) -> Void)?) throws(LedgerError) -> VerificationReport

  /// Things the store noticed and repaired as it is allowed to (an incomplete tail cut off),
  /// for the caller to report. Reading it clears it.
  func takeNotices() -> [String]
}

extension EventStore {
  /// Gathers the events of `source` and appends them with ``append(_:after:)``.
  public func append(
    contentsOf source: some EventBatchSource, actor: String, idempotencyKey: String?,
    after position: LogPosition
  ) throws(LedgerError) -> LogPosition {
    var events: [EventPayload] = []
    events.reserveCapacity(source.eventCount)
    source.forEachEvent { events.append($0) }
    guard events.count == source.eventCount else {
      throw EventBatchSourceMismatch.error(expected: source.eventCount, produced: events.count)
    }
    let batch = AppendBatch(events: events, actor: actor, idempotencyKey: idempotencyKey)
    return try append(batch, after: position).head
  }
}

/// Events appended as one batch and produced in order as they are written, rather than
/// held as an array: a large import.
///
/// ``EventStore/append(contentsOf:actor:idempotencyKey:after:)`` takes one. A source is
/// read once per append; ``eventCount`` must be the number of events it produces.
///
/// ```swift
/// struct Nodes: EventBatchSource {
///   var paths: [NodePath]
///   var eventCount: Int { paths.count }
///   func forEachEvent(_ body: (EventPayload) throws -> Void) rethrows {
///     for path in paths { try body(.nodeAdded(NodeAdded(path: path, name: path.name))) }
///   }
/// }
/// let head = try store.append(
///   contentsOf: Nodes(paths: paths), actor: "me", idempotencyKey: nil, after: store.head())
/// ```
public protocol EventBatchSource: Sendable {
  /// The number of events the source produces.
  var eventCount: Int { get }
  /// Calls `body` with each event, in order.
  func forEachEvent(_ body: (EventPayload) throws -> Void) rethrows
}

enum EventBatchSourceMismatch {
  /// The error for a source that produced `produced` events (`nil`: more) where it said
  /// it holds `expected`.
  static func error(expected: Int, produced: Int?) -> LedgerError {
    let count = produced.map(String.init) ?? "more"
    return LedgerError(
      .invalid,
      "the batch said it holds \(expected) events but produced \(count); nothing was appended")
  }
}

/// What ``EventStore/verify(progress:)`` found.
public struct VerificationReport: Hashable, Sendable, Codable {
  /// The first problem found.
  public struct Problem: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The sequence number the bad record has or should have had.
    public var sequence: UInt64
    /// Where the bad record starts (a byte offset for the file log).
    public var offset: UInt64
    /// What is wrong with it.
    public var reason: String
    /// For example `event 12 at byte 2048: chain hash mismatch`.
    public var description: String { "event \(sequence) at byte \(offset): \(reason)" }
  }

  /// The number of intact events checked.
  public var eventCount: UInt64
  /// The number of bytes checked.
  public var byteCount: UInt64
  /// The chain hash of the last intact event.
  public var lastHash: String
  /// The first problem, or `nil` when the ledger is intact.
  public var problem: Problem?
  /// Remarks that are not failures (an unacknowledged tail awaiting the next writer).
  public var notes: [String]

  /// Whether every record and the whole chain checked out.
  public var isIntact: Bool { problem == nil }
}

/// Checks a sequence of records as ``EventStore/verify(progress:)`` requires: checksums,
/// gapless sequence numbers, chain hashes, personal digests, decodability.
struct ChainVerifier {
  var expectedSequence: UInt64 = 1
  var previousHash = SHA256Digest.zero
  var problem: VerificationReport.Problem?

  /// Checks one record; returns `false` (and sets ``problem``) at the first bad one.
  mutating func check(_ record: RecordFormat.RecordView, at offset: UInt64) -> Bool {
    func fail(_ reason: String) -> Bool {
      problem = .init(sequence: expectedSequence, offset: offset, reason: reason)
      return false
    }
    guard record.sequence == expectedSequence else {
      return fail("sequence number \(record.sequence) where \(expectedSequence) was expected")
    }
    guard RecordFormat.chainHash(of: record, after: previousHash) == record.storedHash else {
      return fail("chain hash mismatch: the record was changed after it was written")
    }
    guard RecordFormat.personalTextMatches(record) else {
      return fail("personal text does not match its digest")
    }
    do {
      let event = try RecordFormat.decode(record)
      if expectedSequence == 1, event.type != .ledgerCreated {
        return fail("the first event is \(event.type.name), not ledger.created")
      }
    } catch {
      return fail("cannot decode: \(error)")
    }
    previousHash = record.storedHash
    expectedSequence += 1
    return true
  }
}
