import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The default event store: an append-only file in the ledger directory.
///
/// A ledger directory holds:
///
/// - `events.log`: a 16-byte header, then the records (see <doc:LedgerFormat>);
/// - `events.head`: the committed length, last sequence number and last chain hash, with
///   its own checksum, rewritten and synced after every append;
/// - `writer.lock`: the file writers lock (`flock`) to serialise appends across processes.
///
/// An append writes its records after the committed end, syncs the log, then rewrites and
/// syncs the head; it returns only after both. Readers read up to the head and never wait.
/// Bytes past the head are an append that never returned: the next writer keeps the whole
/// batches among them and cuts off the rest, and says so in ``takeNotices()``. A damaged
/// record before the head is corruption: it is reported, never repaired silently.
///
/// ```swift
/// let log = try FileLog.create(
///   at: URL(filePath: "ledger"), configuration: LedgerConfiguration(), actor: "me")
/// print(try log.head().sequence)  // 1: the ledger.created event
/// ```
public final class FileLog: EventStore, @unchecked Sendable {
  /// The ledger directory.
  public let directory: URL
  let logPath: String
  let headPath: String
  let lockPath: String
  let reader: SystemFile
  private let state = NSLock()
  private var lockFile: SystemFile?
  // Serialises this process's threads before `writer.lock` serialises processes; it is
  // re-entrant only on the thread that holds it.
  let writers = NSRecursiveLock()
  private var lockDepth = 0
  private var notices: [String] = []
  // The last head checked against the record that ends at its offset.
  let checkedHead = CheckedHead()

  static let headSize = 60
  static let headMagic: [UInt8] = Array("SLHEAD\0\0".utf8)

  /// Opens the log of an existing ledger directory.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/notFound`` when there is no ledger there,
  ///   ``LedgerError/Code/corrupt`` when the files are not a ledger's.
  public init(directory: URL) throws(LedgerError) {
    self.directory = directory
    let base = directory.path
    logPath = base + "/events.log"
    headPath = base + "/events.head"
    lockPath = base + "/writer.lock"
    guard SystemFile.exists(base) else {
      throw LedgerError(
        .notFound, "no ledger at \(base); create one with `storyledger init`", path: base)
    }
    guard SystemFile.isDirectory(base) else {
      throw LedgerError(.notFound, "\(base) is a file, not a ledger directory", path: base)
    }
    guard SystemFile.exists(logPath) else {
      throw LedgerError(
        .notFound,
        "\(base) is not a ledger (it has no events.log); create one with `storyledger init`",
        path: base)
    }
    reader = try SystemFile(path: logPath, flags: O_RDONLY)
    let header = try reader.read(count: RecordFormat.fileHeaderSize, at: 0)
    guard header == RecordFormat.fileHeader else {
      throw LedgerError(
        .corrupt, "\(logPath) does not start with a StoryLedger header", path: logPath)
    }
    finishInterruptedErasureIfIdle()
  }

  /// Creates a ledger directory holding a new log whose first event records `configuration`.
  ///
  /// The directory is built under a temporary name and renamed into place, so a crash
  /// never leaves half a ledger.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/cannotCreate`` when the directory exists
  ///   or its parent does not.
  public static func create(
    at directory: URL, configuration: LedgerConfiguration, actor: String,
    now: Date = Date()
  ) throws(LedgerError) -> FileLog {
    let target = directory.standardizedFileURL.path
    let parent = directory.standardizedFileURL.deletingLastPathComponent().path
    if SystemFile.kind(of: target, followingLinks: false) == S_IFLNK {
      // A symlink that resolves is caught below; one that dangles or loops would make the
      // final rename fail with a misleading "not a directory".
      let reason = SystemFile.exists(target) ? "" : ", which does not resolve (dangling or looping)"
      throw LedgerError(
        .cannotCreate,
        "\(target) is a symlink\(reason); a ledger is not created over it: give a new directory path",
        path: target)
    }
    if SystemFile.exists(target) {
      throw LedgerError(
        .cannotCreate, "\(target) already exists; a ledger is not created over it", path: target)
    }
    guard SystemFile.isDirectory(parent) else {
      throw LedgerError(
        .cannotCreate, "cannot create \(target): the directory \(parent) does not exist",
        path: target)
    }
    let temporary = parent + "/." + directory.lastPathComponent + ".creating-\(getpid())"
    try SystemFile.makeDirectory(temporary)
    do throws(LedgerError) {
      var bytes = RecordFormat.fileHeader
      let batch = AppendBatch(events: [.ledgerCreated(configuration)], actor: actor)
      let events = try RecordFormat.encode(
        batch, after: .start(), recordedAt: milliseconds(now), saltKey: randomKey(), into: &bytes)
      let log = try SystemFile(
        path: temporary + "/events.log", flags: O_RDWR | O_CREAT | O_EXCL, action: "create")
      try log.write(bytes, at: 0)
      try log.synchronize()
      let head = LogPosition(
        sequence: 1, hash: events[0].hash, offset: UInt64(bytes.count))
      let headFile = try SystemFile(
        path: temporary + "/events.head", flags: O_RDWR | O_CREAT | O_EXCL, action: "create")
      try headFile.write(encodeHead(head), at: 0)
      try headFile.synchronize()
      _ = try SystemFile(
        path: temporary + "/writer.lock", flags: O_RDWR | O_CREAT, action: "create")
      try SystemFile.synchronizeDirectory(temporary)
      do { try SystemFile.rename(temporary, to: target) } catch {
        throw LedgerError(.cannotCreate, "cannot create \(target): \(error.message)", path: target)
      }
      try SystemFile.synchronizeDirectory(parent)
    } catch {
      removeTree(temporary)
      throw error
    }
    return try FileLog(directory: URL(filePath: target))
  }

  private static func removeTree(_ path: String) {
    for name in ["events.log", "events.head", "writer.lock"] {
      SystemFile.remove(path + "/" + name)
    }
    rmdir(path)
  }

  static func milliseconds(_ date: Date) -> Int64 {
    Int64((date.timeIntervalSince1970 * 1000).rounded())
  }

  static func randomKey() -> SHA256Digest {
    var generator = SystemRandomNumberGenerator()
    var bytes: [UInt8] = []
    for _ in 0..<4 {
      withUnsafeBytes(of: generator.next() as UInt64) { bytes.append(contentsOf: $0) }
    }
    return SHA256Digest(bytes: bytes) ?? .zero
  }

  // MARK: Head

  static func encodeHead(_ position: LogPosition) -> [UInt8] {
    var writer = ByteWriter(capacity: headSize)
    writer.append(headMagic)
    writer.appendFixed64(position.offset)
    writer.appendFixed64(position.sequence)
    writer.append(position.hash.bytes)
    writer.appendFixed32(CRC32C.checksum(writer.bytes))
    return writer.bytes
  }

  static func decodeHead(_ bytes: [UInt8]) -> LogPosition? {
    guard bytes.count == headSize, Array(bytes[0..<8]) == headMagic else { return nil }
    return bytes.withUnsafeBytes { raw -> LogPosition? in
      let checksum = raw.loadUnaligned(fromByteOffset: 56, as: UInt32.self).littleEndian
      guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<56])) == checksum,
        let base = raw.baseAddress
      else { return nil }
      return LogPosition(
        sequence: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self).littleEndian,
        hash: SHA256Digest(reading: base + 24),
        offset: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian)
    }
  }

  /// The committed end of the log, as `events.head` records it.
  public func head() throws(LedgerError) -> LogPosition {
    var attempts = 0
    while true {
      let file: SystemFile
      do { file = try SystemFile(path: headPath, flags: O_RDONLY) } catch {
        guard error.code == .notFound else { throw error }
        throw LedgerError(
          .notFound,
          "events.head is missing from the ledger \(directory.path); `storyledger recover` shows how it rebuilds it from the log, and `storyledger recover --yes` does it",
          path: headPath)
      }
      if let position = FileLog.decodeHead(try file.read(count: FileLog.headSize, at: 0)) {
        let size = try reader.size()
        guard size >= position.offset else {
          throw LedgerError(
            .corrupt,
            "events.log is \(size) bytes but its head records \(position.offset) committed bytes: the log was truncated; `storyledger recover` shows what cutting the damaged tail would drop",
            path: logPath)
        }
        try checkAgainstLog(position)
        return position
      }
      attempts += 1
      // A writer may be rewriting the head this instant; look again before judging.
      guard attempts < 5 else { break }
      usleep(2_000)
    }
    throw LedgerError(
      .corrupt,
      "events.head is damaged; `storyledger verify` checks the log itself and `storyledger recover` rewrites the head",
      path: headPath)
  }

  // MARK: Reading

  func readFunction() -> RecordScanner.ReadFunction {
    { [reader] (buffer, count, offset) throws(LedgerError) -> Int in
      try reader.read(into: buffer, count: count, at: offset)
    }
  }

  // MARK: Writing

  /// Runs `body` holding `writer.lock`, after cutting off any incomplete tail.
  public func withWriteLock<Result>(timeout: Duration, _ body: () throws -> Result) throws -> Result
  {
    try withWriteLock(timeout: timeout, recoveringTail: true, body)
  }

  /// Runs `body` holding `writer.lock`; with `recoveringTail`, after cutting off any
  /// incomplete tail (a snapshot writer takes the lock without).
  func withWriteLock<Result>(
    timeout: Duration, recoveringTail: Bool, _ body: () throws -> Result
  ) throws -> Result {
    try acquireLock(timeout: timeout, recoveringTail: recoveringTail)
    defer { releaseLock() }
    return try body()
  }

  /// Takes `writers` and `writer.lock`, waiting up to `timeout`; with `recoveringTail`, then
  /// cuts off an incomplete tail (``recover(_:)`` takes the lock without, to repair a log
  /// whose head cannot be trusted).
  func acquireLock(timeout: Duration, recoveringTail: Bool = true) throws(LedgerError) {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    guard writers.lock(before: Date(timeIntervalSinceNow: timeout.seconds)) else {
      throw LedgerError(
        .busy,
        "another writer in this process held the ledger's lock for longer than \(timeout.seconds) s; try again",
        path: lockPath)
    }
    // Only the thread holding `writers` gets here, so the depth is this thread's.
    state.lock()
    lockDepth += 1
    let isOutermost = lockDepth == 1
    state.unlock()
    guard isOutermost else { return }
    do throws(LedgerError) {
      let file = try SystemFile(path: lockPath, flags: O_RDWR | O_CREAT)
      while try !file.tryLockExclusive() {
        guard clock.now < deadline else {
          throw LedgerError(
            .busy,
            "another process is writing to the ledger and held its lock for longer than \(timeout.seconds) s; try again",
            path: lockPath)
        }
        usleep(5_000)
      }
      state.lock()
      lockFile = file
      state.unlock()
      if recoveringTail {
        try finishInterruptedErasure()
        try recoverTail()
      } else {
        try? finishInterruptedErasure()
      }
    } catch {
      releaseLock()
      throw error
    }
  }

  /// Whether this log holds `writer.lock` (on some thread).
  var holdsWriteLock: Bool {
    state.lock()
    defer { state.unlock() }
    return lockDepth > 0
  }

  func releaseLock() {
    state.lock()
    lockDepth -= 1
    if lockDepth == 0 {
      lockFile?.unlock()
      lockFile = nil
    }
    state.unlock()
    writers.unlock()
  }

  /// Keeps whole batches written past the head (an append that died before it returned),
  /// and cuts off whatever incomplete bytes follow them. Called with the lock held.
  private func recoverTail() throws(LedgerError) {
    var position = try head()
    let size = try reader.size()
    guard size > position.offset else { return }
    var committed = position
    var pending = position
    var kept: UInt64 = 0
    let outcome: RecordScanner.End
    do {
      outcome = try RecordScanner().scan(from: position.offset, to: size, read: readFunction()) {
        record, offset in
        guard record.sequence == pending.sequence + 1,
          RecordFormat.chainHash(of: record, after: pending.hash) == record.storedHash
        else { return false }
        pending = LogPosition(
          sequence: record.sequence, hash: record.storedHash,
          offset: offset + UInt64(record.totalSize))
        if record.isEndOfBatch {
          kept += pending.sequence - committed.sequence
          committed = pending
        }
        return true
      }
    } catch let error as LedgerError {
      throw error
    } catch {
      throw LedgerError(.io, "cannot read \(logPath): \(error)", path: logPath)
    }
    _ = outcome
    let writer = try SystemFile(path: logPath, flags: O_RDWR)
    if size > committed.offset {
      try writer.truncate(to: committed.offset)
      try writer.synchronize()
      record(
        "cut off \(size - committed.offset) bytes at the end of events.log (byte \(committed.offset) on): an append that never completed; no acknowledged event was lost"
      )
    }
    if committed != position {
      try writeHead(committed)
      record("kept \(kept) events of a complete append whose head was not yet recorded")
      position = committed
    }
  }

  func writeHead(_ position: LogPosition) throws(LedgerError) {
    let file = try SystemFile(path: headPath, flags: O_RDWR)
    try file.write(FileLog.encodeHead(position), at: 0)
    try file.synchronize()
  }

  func record(_ notice: String) {
    state.lock()
    notices.append(notice)
    state.unlock()
  }

  /// Notices of tail repairs since the last call.
  public func takeNotices() -> [String] {
    state.lock()
    defer {
      notices = []
      state.unlock()
    }
    return notices
  }

  /// Appends `batch` after `position` (the head), durably: the records, a sync, the head, a
  /// sync. On a failed write the log is cut back to `position` and the error is thrown.
  public func append(_ batch: AppendBatch, after position: LogPosition) throws(LedgerError) -> (
    events: [RecordedEvent], head: LogPosition
  ) {
    guard !batch.events.isEmpty else { return ([], position) }
    try checkWriter(at: position)
    defer { writers.unlock() }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(batch.events.count * 128)
    let events = try RecordFormat.encode(
      batch, after: position, recordedAt: FileLog.milliseconds(Date()),
      saltKey: FileLog.randomKey(),
      into: &bytes)
    let writer = try SystemFile(path: logPath, flags: O_RDWR)
    do {
      try writer.write(bytes, at: position.offset)
      try writer.synchronize()
    } catch {
      // Leave the log as it was: the records past the head are not committed anyway.
      try? writer.truncate(to: position.offset)
      throw error
    }
    let newHead = LogPosition(
      sequence: events[events.count - 1].sequence, hash: events[events.count - 1].hash,
      offset: position.offset + UInt64(bytes.count))
    try writeHead(newHead)
    return (events, newHead)
  }

  /// Appends the events of `source` after `position` (the head) as one durable batch,
  /// writing its records in chunks as they are encoded: the records, a sync, the head, a
  /// sync.
  ///
  /// Memory stays a few tens of MiB however large the batch: records are encoded, chained
  /// (on a second thread for a large batch) and written chunk by chunk after the committed
  /// end. Only the last record carries the end-of-batch flag and the head moves only after
  /// the sync, so a crash part way leaves a torn tail that the next writer cuts off. On a
  /// failed write the log is cut back to `position` and the error is thrown.
  public func append(
    contentsOf source: some EventBatchSource, actor: String, idempotencyKey: String?,
    after position: LogPosition
  ) throws(LedgerError) -> LogPosition {
    guard source.eventCount > 0 else { return position }
    try checkWriter(at: position)
    defer { writers.unlock() }
    let writer = try SystemFile(path: logPath, flags: O_RDWR)
    let encoder = RecordEncoder(
      actor: actor, idempotencyKey: idempotencyKey, milliseconds: FileLog.milliseconds(Date()),
      saltKey: FileLog.randomKey(), after: position.sequence, eventCount: source.eventCount)
    let newHead: LogPosition
    let unsynced = UnsyncedBytes()
    do {
      newHead = try RecordStream.write(source, encoder: encoder, after: position) {
        bytes, offset throws(LedgerError) in
        try writer.write(bytes, at: offset)
        // Sync as it goes, so that the sync at the end waits for the last few MiB only.
        unsynced.count += bytes.count
        if unsynced.count >= FileLog.syncInterval {
          unsynced.count = 0
          try writer.synchronize()
        }
      }
      try writer.synchronize()
    } catch {
      // Leave the log as it was: the records past the head are not committed anyway.
      try? writer.truncate(to: position.offset)
      throw error
    }
    try writeHead(newHead)
    return newHead
  }

  /// How many bytes a streamed append writes between syncs.
  static let syncInterval = 64 << 20

  /// The bytes a streamed append has written since it last synced (used by its writing
  /// thread alone).
  private final class UnsyncedBytes: @unchecked Sendable {
    var count = 0
  }

  /// Checks that the calling thread holds the write lock and that `position` is the head;
  /// on success the caller holds `writers` once more and must unlock it.
  func checkWriter(at position: LogPosition) throws(LedgerError) {
    // The calling thread must hold the lock: `try()` succeeds when it does (the lock is
    // re-entrant) or when no thread does, and then the depth is 0.
    guard writers.try() else {
      throw LedgerError(.invalid, "append called without the write lock", path: logPath)
    }
    state.lock()
    let isLocked = lockDepth > 0
    state.unlock()
    guard isLocked else {
      writers.unlock()
      throw LedgerError(.invalid, "append called without the write lock", path: logPath)
    }
    let current: LogPosition
    do { current = try head() } catch {
      writers.unlock()
      throw error
    }
    guard current == position else {
      writers.unlock()
      throw LedgerError(
        .conflict,
        "the log moved on (now at \(current)) since \(position); read the new events first",
        path: logPath)
    }
  }

  // MARK: Verification

  /// The bytes `verify` reads and checks at a time: enough records to share among the
  /// cores, little enough memory.
  static let verifyChunkSize = 8 << 20

  /// Checks every record's checksum, the sequence numbers, the whole chain and the head.
  ///
  /// Damage before the recorded head is a problem. Bytes after it are an append that never
  /// returned: whole batches there are noted as kept by the next writer, the rest as cut
  /// off by it; the counts reported are those of the events the ledger keeps. A damaged
  /// head, or one that does not match the record it points at, is a problem too: readers
  /// and writers rely on it.
  /// (``verify(progress:)`` checks a damaged record again after waiting out an erasure.)
  func verifyRecords(progress: ((UInt64, UInt64) -> Void)?) throws(LedgerError)
    -> VerificationReport
  {
    let size = try reader.size()
    let headBytes = try SystemFile(path: headPath, flags: O_RDONLY).read(
      count: FileLog.headSize, at: 0)
    let recordedHead = FileLog.decodeHead(headBytes)
    var verifier = ChainVerifier()
    var checked = UInt64(RecordFormat.fileHeaderSize)
    // The end of the last whole batch, and the event that ends where the head says.
    var batchEnd = LogPosition.start(offset: checked)
    var atHead: LogPosition?
    let outcome: RecordScanner.End
    do {
      // Chunks are framed here and their records checked on every core (the first bad
      // record is still the earliest one) while the next chunk is read.
      outcome = try RecordScanner(chunkSize: FileLog.verifyChunkSize, readsAhead: true).scanChunks(
        from: UInt64(RecordFormat.fileHeaderSize), to: size, read: readFunction()
      ) { chunk in
        let good = verifier.check(chunk)
        guard good > 0 else { return false }
        // Where the good records leave the chain; their sequence numbers were checked.
        let first = verifier.expectedSequence - UInt64(good)
        func position(_ index: Int) -> LogPosition {
          LogPosition(
            sequence: first + UInt64(index), hash: chunk.storedHash(of: index),
            offset: chunk.start + UInt64(chunk.end(of: index)))
        }
        checked = position(good - 1).offset
        if let last = (0..<good).last(where: { chunk.flags(of: $0).contains(.endOfBatch) }) {
          batchEnd = position(last)
        }
        if let head = recordedHead?.offset, head > chunk.start, head <= checked,
          let index = chunk.record(endingAt: Int(head - chunk.start), among: 0..<good)
        {
          atHead = position(index)
        }
        progress?(checked, size)
        return good == chunk.records.count
      }
    } catch let error as LedgerError {
      throw error
    } catch {
      throw LedgerError(.io, "cannot read \(logPath): \(error)", path: logPath)
    }
    progress?(checked, size)

    // The first damaged record, if the scan stopped at one.
    let damage = verifier.problem(endingWith: outcome)
    func report(_ problem: VerificationReport.Problem?, notes: [String] = []) -> VerificationReport
    {
      VerificationReport(
        eventCount: verifier.expectedSequence - 1, byteCount: checked,
        lastHash: verifier.previousHash.hex, problem: problem, notes: notes)
    }

    guard let recordedHead else {
      return report(
        damage
          ?? .init(
            sequence: batchEnd.sequence, offset: batchEnd.offset,
            reason:
              "events.head is damaged (its checksum fails), so the ledger cannot be read; the log's events check out up to here"
          ))
    }
    if let damage, damage.offset < recordedHead.offset { return report(damage) }
    guard let atHead else {
      return report(
        .init(
          sequence: recordedHead.sequence, offset: recordedHead.offset,
          reason:
            "events.head records \(recordedHead.offset) committed bytes, but no intact event of the log ends there (the log ends at byte \(checked), event \(verifier.expectedSequence - 1))"
        ))
    }
    guard atHead == recordedHead else {
      return report(
        .init(
          sequence: recordedHead.sequence, offset: recordedHead.offset,
          reason: "events.head records \(recordedHead) but the log holds \(atHead) there"))
    }

    // Intact up to the head; what follows is what the next writer keeps or cuts.
    let kept = batchEnd.offset > recordedHead.offset ? batchEnd : recordedHead
    var notes: [String] = []
    if kept != recordedHead {
      notes.append(
        "\(kept.sequence - recordedHead.sequence) complete events follow the recorded head; the next write keeps them"
      )
    }
    if size > kept.offset {
      notes.append(
        "\(size - kept.offset) bytes after the last committed event are an append that never completed; the next write cuts them off"
      )
    }
    return VerificationReport(
      eventCount: kept.sequence, byteCount: kept.offset, lastHash: kept.hash.hex, problem: nil,
      notes: notes)
  }
}

extension FileLog: SnapshotStoring {
  /// The ledger directory.
  public var snapshotDirectory: URL { directory }

  /// Takes `writer.lock` without cutting off an incomplete tail: writing a snapshot leaves
  /// the log as it is.
  public func withSnapshotLock<Result>(timeout: Duration, _ body: () throws -> Result) throws
    -> Result
  {
    try withWriteLock(timeout: timeout, recoveringTail: false, body)
  }

  /// Whether `position` is a point of this log's chain: its head, or a position that the
  /// next record chains from (the record after it has the next sequence number and its
  /// hash is computed from the position's hash).
  ///
  /// A snapshot is trusted only for a position the log proves.
  public func proves(_ position: LogPosition) throws -> Bool {
    let head = try head()
    if position == head { return true }
    guard position.sequence < head.sequence, position.offset < head.offset,
      position.offset >= UInt64(RecordFormat.fileHeaderSize)
    else { return false }
    var isProven = false
    _ = try RecordScanner().scan(from: position.offset, to: head.offset, read: readFunction()) {
      record, _ in
      isProven =
        record.sequence == position.sequence + 1
        && RecordFormat.chainHash(of: record, after: position.hash) == record.storedHash
      return false
    }
    return isProven
  }
}

extension Duration {
  /// The duration in seconds, for messages.
  var seconds: Double {
    let parts = components
    return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
  }
}
