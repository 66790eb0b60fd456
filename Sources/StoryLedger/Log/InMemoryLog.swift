import Foundation

/// An event store kept in memory, in exactly the byte format of ``FileLog``.
///
/// It serves tests and short-lived tools: appends are not durable, but records, checksums
/// and the chain are the same, so ``verify(progress:)`` and corruption tests behave as
/// they do on disk.
///
/// ```swift
/// let ledger = try Ledger.create(in: InMemoryLog(), configuration: LedgerConfiguration())
/// ```
public final class InMemoryLog: RecordScanning, @unchecked Sendable {
  private let state = NSLock()
  private let writeLock = NSRecursiveLock()
  private var bytes = RecordFormat.fileHeader
  private var committed = LogPosition.start(offset: UInt64(RecordFormat.fileHeaderSize))

  /// Creates an empty store.
  public init() {}

  /// The committed end of the log.
  public func head() throws(LedgerError) -> LogPosition {
    state.lock()
    defer { state.unlock() }
    return committed
  }

  /// A copy of the stored bytes (for tests that damage them).
  public var storedBytes: [UInt8] {
    get { state.withLock { bytes } }
    set { state.withLock { bytes = newValue } }
  }

  func readFunction() -> RecordScanner.ReadFunction {
    { [self] (buffer, count, offset) throws(LedgerError) -> Int in
      state.lock()
      defer { state.unlock() }
      guard offset < UInt64(bytes.count) else { return 0 }
      let available = min(count, bytes.count - Int(offset))
      bytes.withUnsafeBytes { raw in
        guard let base = raw.baseAddress else { return }
        buffer.copyMemory(from: base + Int(offset), byteCount: available)
      }
      return available
    }
  }

  /// Calls `body` with every committed record after `position` up to `end`, checked (its
  /// checksum and its sequence number).
  public func forEachRecord(
    after position: LogPosition, upTo end: LogPosition, _ body: (LogRecord) throws -> Void
  ) throws {
    try scanRecords(after: position, upTo: end) { record, offset in
      try body(LogRecord(record, offset: offset))
    }
  }

  /// Calls `body` with every committed record after `position` up to `end`, checked (its
  /// checksum and its sequence number), and its offset.
  func scanRecords(
    after position: LogPosition, upTo end: LogPosition,
    _ body: (RecordFormat.RecordView, UInt64) throws -> Void
  ) throws {
    var expected = position.sequence + 1
    let outcome = try RecordScanner(chunkSize: 1 << 16).scanCommitted(
      from: position.offset, to: end.offset, expecting: &expected, read: readFunction(),
      gap: { offset, _, expected in
        LedgerError(.corrupt, "event \(expected) is missing at byte \(offset)")
      }, body)
    if outcome != .clean {
      throw LedgerError(.corrupt, "the in-memory log is damaged near event \(expected)")
    }
  }

  /// Runs `body` holding the store's lock, waiting at most `timeout` for it.
  public func withWriteLock<Result>(timeout: Duration, _ body: () throws -> Result) throws -> Result
  {
    guard writeLock.lock(before: Date(timeIntervalSinceNow: timeout.seconds)) else {
      throw LedgerError(
        .busy, "the in-memory log stayed locked for longer than \(timeout.seconds) s")
    }
    defer { writeLock.unlock() }
    return try body()
  }

  /// Appends `batch` after `position`, which must be the head.
  public func append(_ batch: AppendBatch, after position: LogPosition) throws(LedgerError) -> (
    events: [RecordedEvent], head: LogPosition
  ) {
    state.lock()
    defer { state.unlock() }
    guard position == committed else {
      throw LedgerError(.conflict, "the log moved on (now at \(committed)) since \(position)")
    }
    guard !batch.events.isEmpty else { return ([], committed) }
    bytes.removeLast(bytes.count - Int(committed.offset))
    let events = try RecordFormat.encode(
      batch, after: position, recordedAt: FileLog.milliseconds(Date()),
      saltKey: FileLog.randomKey(),
      into: &bytes)
    committed = LogPosition(
      sequence: events[events.count - 1].sequence, hash: events[events.count - 1].hash,
      offset: UInt64(bytes.count))
    return (events, committed)
  }

  /// Appends the events of `source` after `position`, which must be the head, encoding
  /// them as ``FileLog`` does.
  public func append(
    contentsOf source: some EventBatchSource, actor: String, idempotencyKey: String?,
    after position: LogPosition
  ) throws(LedgerError) -> LogPosition {
    state.lock()
    defer { state.unlock() }
    guard position == committed else {
      throw LedgerError(.conflict, "the log moved on (now at \(committed)) since \(position)")
    }
    guard source.eventCount > 0 else { return committed }
    bytes.removeLast(bytes.count - Int(committed.offset))
    let encoder = RecordEncoder(
      actor: actor, idempotencyKey: idempotencyKey, milliseconds: FileLog.milliseconds(Date()),
      saltKey: FileLog.randomKey(), after: position.sequence, eventCount: source.eventCount)
    let collected = Collected()
    committed = try RecordStream.write(source, encoder: encoder, after: position) {
      chunk, _ throws(LedgerError) in
      collected.bytes.append(contentsOf: chunk)
    }
    bytes.append(contentsOf: collected.bytes)
    return committed
  }

  /// The bytes of a streamed append, gathered before they join the log.
  private final class Collected: @unchecked Sendable {
    var bytes: [UInt8] = []
  }

  /// Checks every record, the chain, and the committed end.
  public func verify(progress: ((UInt64, UInt64) -> Void)?) throws(LedgerError)
    -> VerificationReport
  {
    let end = try head()
    var verifier = ChainVerifier()
    var checked = UInt64(RecordFormat.fileHeaderSize)
    let outcome: RecordScanner.End
    do {
      outcome = try RecordScanner(chunkSize: 1 << 16).scan(
        from: checked, to: UInt64(storedBytes.count), read: readFunction()
      ) { record, offset in
        guard verifier.check(record, at: offset) else { return false }
        checked = offset + UInt64(record.totalSize)
        return true
      }
    } catch {
      throw LedgerError(.io, "cannot read the in-memory log: \(error)")
    }
    var problem = verifier.problem(endingWith: outcome)
    if !storedBytes.prefix(RecordFormat.fileHeaderSize).elementsEqual(RecordFormat.fileHeader) {
      problem = .init(
        sequence: 1, offset: 0, reason: "the log does not start with a StoryLedger header")
    }
    if problem == nil,
      end.sequence != verifier.expectedSequence - 1 || end.hash != verifier.previousHash
    {
      problem = .init(
        sequence: end.sequence, offset: end.offset,
        reason: "the committed head does not match the last event")
    }
    progress?(checked, checked)
    return VerificationReport(
      eventCount: verifier.expectedSequence - 1, byteCount: checked,
      lastHash: verifier.previousHash.hex,
      problem: problem, notes: [])
  }

  /// The in-memory log never repairs anything.
  public func takeNotices() -> [String] { [] }
}

extension InMemoryLog {
  /// Calls `body` with the events `sequences` names, in ascending order.
  public func read(sequences: [UInt64], _ body: (RecordedEvent) throws -> Void) throws {
    let head = try head()
    let wanted = Set(sequences.filter { $0 >= 1 && $0 <= head.sequence }).sorted()
    guard !wanted.isEmpty else { return }
    var offsets: [UInt64] = []
    try RecordAccess.walk(
      from: UInt64(RecordFormat.fileHeaderSize), to: head.offset, read: readFunction(),
      into: &offsets)
    for sequence in wanted where Int(sequence) <= offsets.count {
      guard
        let bytes = try RecordAccess.recordBytes(
          at: offsets[Int(sequence - 1)], read: readFunction()),
        let event = try RecordAccess.event(in: bytes, sequence: sequence)
      else { throw LedgerError(.corrupt, "event \(sequence) of the in-memory log cannot be read") }
      try body(event)
    }
  }

  /// Erases the personal text of the events `sequences` in place, as ``FileLog`` does.
  public func erasePersonalText(sequences: [UInt64]) throws(LedgerError) -> Int {
    let head = try head()
    var offsets: [UInt64] = []
    try RecordAccess.walk(
      from: UInt64(RecordFormat.fileHeaderSize), to: head.offset, read: readFunction(),
      into: &offsets)
    var erased = 0
    for sequence in Set(sequences).sorted() where sequence >= 1 && Int(sequence) <= offsets.count {
      let offset = offsets[Int(sequence - 1)]
      guard let bytes = try RecordAccess.recordBytes(at: offset, read: readFunction()),
        let replacement = RecordAccess.erasingPersonalText(of: bytes)
      else { continue }
      var stored = storedBytes
      stored.replaceSubrange(Int(offset)..<(Int(offset) + replacement.count), with: replacement)
      storedBytes = stored
      erased += 1
    }
    return erased
  }
}
