import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

// The optional capabilities of an ``EventStore``: each is a small public protocol with one
// requirement and defaults for the rest, and ``EventStore`` asks a store for it
// (``EventStore/recordScanning``, ``EventStore/snapshotStorage``) instead of the ledger
// casting to the library's own stores.

// MARK: Records

/// One checked record of a log in the byte format (<doc:LedgerFormat>), as a
/// ``RecordScanning`` store hands it to the ledger.
///
/// A record refers to bytes the store owns: it is valid only during the call that receives
/// it.
///
/// ```swift
/// try row.bytes.withUnsafeBytes { bytes in
///   try LogRecord.checking(bytes, offset: row.sequence) { record in try body(record) }
/// }
/// ```
public struct LogRecord {
  /// The record's fields, read from the store's bytes.
  let view: RecordFormat.RecordView
  /// Where the record starts: its byte offset in a ``FileLog``; for another store, the
  /// place it reports in ``VerificationReport/Problem/offset``.
  public let offset: UInt64

  init(_ view: RecordFormat.RecordView, offset: UInt64) {
    self.view = view
    self.offset = offset
  }

  /// The sequence number of the event the record holds.
  public var sequence: UInt64 { view.sequence }

  /// Whether the record's personal text (narratives, teller names) is marked erased.
  public var isPersonalTextErased: Bool { view.flags.contains(.personalErased) }

  /// Checks that `bytes` are one whole record (frame, lengths and checksum) and calls
  /// `body` with it.
  ///
  /// ```swift
  /// let sequence = try LogRecord.checking(bytes, offset: 0) { $0.sequence }
  /// ```
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/corrupt`` when the bytes are not one whole,
  ///   sound record; whatever `body` throws.
  public static func checking<Result>(
    _ bytes: UnsafeRawBufferPointer, offset: UInt64, _ body: (LogRecord) throws -> Result
  ) throws -> Result {
    let view = try RecordFormat.wholeRecord(in: bytes).get()
    return try body(LogRecord(view, offset: offset))
  }
}

/// A store that hands out its records' bytes, so that the ledger replays the log by folding
/// records rather than decoding every event first, and finds erased records without
/// decoding them.
///
/// Opt in by conforming: ``forEachRecord(after:upTo:_:)`` is the one requirement, and
/// ``EventStore/read(after:upTo:_:)``, ``decode(_:)``, ``EventStore/erasedRecords()`` and
/// ``EventStore/recordScanning`` come with it.
/// Declare the conformance on the type that conforms to ``EventStore`` (a subclass cannot add
/// it: the ledger asks through the ``EventStore`` conformance). ``FileLog`` and ``InMemoryLog`` conform.
///
/// ```swift
/// extension TableStore: RecordScanning {
///   func forEachRecord(
///     after position: LogPosition, upTo end: LogPosition, _ body: (LogRecord) throws -> Void
///   ) throws {
///     for row in try rows(after: position.sequence, through: end.sequence) {
///       try row.bytes.withUnsafeBytes { try LogRecord.checking($0, offset: row.sequence, body) }
///     }
///   }
/// }
/// ```
public protocol RecordScanning: EventStore {
  /// Calls `body` with every committed record after `position` up to `end`, in order, each
  /// checked (see ``LogRecord/checking(_:offset:_:)``).
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/corrupt`` for a damaged record or a gap in
  ///   the sequence numbers, as ``EventStore/read(after:upTo:_:)`` does.
  func forEachRecord(
    after position: LogPosition, upTo end: LogPosition, _ body: (LogRecord) throws -> Void
  ) throws

  /// The event `record` holds, or the error that reports it unreadable.
  func decode(_ record: LogRecord) throws(LedgerError) -> RecordedEvent
}

extension RecordScanning {
  /// The store itself.
  public var recordScanning: (any RecordScanning)? { self }

  /// Decodes the event, naming the record in the error.
  public func decode(_ record: LogRecord) throws(LedgerError) -> RecordedEvent {
    do { return try RecordFormat.decode(record.view) } catch {
      throw LedgerError(
        .corrupt, "event \(record.sequence) at byte \(record.offset) cannot be read: \(error)")
    }
  }

  /// Decodes every record after `position` up to `end`.
  public func read(
    after position: LogPosition, upTo end: LogPosition, _ body: (RecordedEvent) throws -> Void
  ) throws {
    try forEachRecord(after: position, upTo: end) { record in try body(try decode(record)) }
  }

  /// Lists the records marked erased from their flags, decoding none.
  public func erasedRecords() throws -> [(sequence: UInt64, offset: UInt64)] {
    var erased: [(sequence: UInt64, offset: UInt64)] = []
    try forEachRecord(after: .start(), upTo: try head()) { record in
      if record.isPersonalTextErased { erased.append((record.sequence, record.offset)) }
    }
    return erased
  }

  /// Folds the events after `start` up to `end` into `state`: the same state, and the
  /// same errors, as reading them and applying each with ``LedgerState/apply(_:)``.
  ///
  /// - Parameter progress: called now and then with the sequence number reached.
  func fold(
    after start: LogPosition, upTo end: LogPosition, into state: inout LedgerState,
    progress: ((UInt64) -> Void)?
  ) throws {
    var cache = LedgerState.RecordFoldCache()
    try forEachRecord(after: start, upTo: end) { record in
      if !state.foldRecord(record.view, cache: &cache) {
        let event = try decode(record)
        try state.apply(event)
        cache.update(after: event.type)
      }
      if record.sequence % 131_072 == 0 { progress?(record.sequence) }
    }
  }
}

// MARK: Snapshots

/// A store beside which the ledger keeps its projection snapshot, so that an opening folds
/// in only the events recorded after the snapshot instead of replaying the whole log.
///
/// Opt in by conforming: ``snapshotDirectory`` is the one requirement. The ledger trusts a
/// snapshot only at a position the store ``proves(_:)``, and writes one under
/// ``withSnapshotLock(timeout:_:)``. ``FileLog`` conforms, with its ledger directory.
/// Declare the conformance on the type that conforms to ``EventStore`` (a subclass cannot add
/// it: the ledger asks through the ``EventStore`` conformance).
///
/// ```swift
/// extension TableStore: SnapshotStoring {
///   var snapshotDirectory: URL { URL(filePath: "/var/cache/storyledger/\(table)") }
/// }
/// ```
public protocol SnapshotStoring: EventStore {
  /// The directory, which must exist, where the ledger keeps the snapshot of this store's
  /// log: one directory per log.
  var snapshotDirectory: URL { get }

  /// Whether `position` is a point of this log's chain: its head, or an event the log
  /// holds with that sequence number and chain hash.
  ///
  /// The default implementation reads the event with ``EventStore/read(sequences:_:)``.
  func proves(_ position: LogPosition) throws -> Bool

  /// Runs `body` holding the lock under which a snapshot is written, waiting at most
  /// `timeout` for it, so that no append or erasure runs meanwhile.
  ///
  /// The default implementation is ``EventStore/withWriteLock(timeout:_:)``.
  func withSnapshotLock<Result>(timeout: Duration, _ body: () throws -> Result) throws -> Result
}

extension SnapshotStoring {
  /// The store itself.
  public var snapshotStorage: (any SnapshotStoring)? { self }

  /// Reads event `position.sequence` and compares its chain hash.
  public func proves(_ position: LogPosition) throws -> Bool {
    let head = try head()
    if position == head { return true }
    guard position.sequence >= 1, position.sequence < head.sequence else { return false }
    var isProven = false
    try read(sequences: [position.sequence]) { event in isProven = event.hash == position.hash }
    return isProven
  }

  /// Takes the store's write lock.
  public func withSnapshotLock<Result>(timeout: Duration, _ body: () throws -> Result) throws
    -> Result
  {
    try withWriteLock(timeout: timeout, body)
  }

  /// Removes the temporary files (`.NAME.tmp-PID`) that processes which no longer run left
  /// in ``snapshotDirectory``: a snapshot half written when its process was killed may hold
  /// text erased since. A file whose process still runs is left to it.
  func removeTemporariesOfDeadProcesses() {
    let base = snapshotDirectory.path
    guard let listing = opendir(base) else { return }
    var names: [String] = []
    while let entry = readdir(listing) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      names.append(name)
    }
    closedir(listing)
    for name in names where name.hasPrefix(".") {
      guard let marker = name.range(of: ".tmp-", options: .backwards),
        let pid = Int32(name[marker.upperBound...]), pid > 0, pid != getpid()
      else { continue }
      if kill(pid, 0) != 0 && errno == ESRCH { SystemFile.remove(base + "/" + name) }
    }
  }
}
