import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Erasing personal text in place, safely against crashes and readers.
///
/// An erasure rewrites records inside the committed log, the one write StoryLedger makes
/// before the head. So that a power cut part way through never leaves a torn record there,
/// it first writes every new record to `erasure.redo` (through a temporary file, synced and
/// renamed into place, so the file is whole or absent), then rewrites the records, syncs the
/// log and removes the redo file. Whoever next takes the writers' lock (any writer, or any
/// command opening the ledger while no writer holds it) finds a redo file left by a crash
/// and writes its records again before anything else: the rewrite is idempotent.
///
/// Readers never take the lock, so one may meet a record while it is being rewritten, with
/// part of its new bytes in place and a checksum that does not match. A reader that meets a
/// damaged record before the head therefore waits for the writers' lock (an erasure holds it
/// for its whole rewrite), finishes an interrupted erasure if one is left, and reads the
/// record again; only a record still damaged then is reported. Each record is rewritten once
/// at most (an erased record is never erased again), so the second read sees it whole.
extension FileLog {
  /// The redo file of an erasure in progress or interrupted.
  var redoPath: String { directory.path + "/erasure.redo" }

  /// How long a reader that met a damaged record waits for an erasure to finish.
  static let erasureWait: Duration = .seconds(30)

  /// Checks every record's checksum, the sequence numbers, the whole chain and the head.
  ///
  /// A record found damaged is checked again once no writer holds the lock, as a reader
  /// does: an erasure may have been rewriting it.
  public func verify(progress: ((UInt64, UInt64) -> Void)?) throws(LedgerError)
    -> VerificationReport
  {
    let report = try verifyRecords(progress: progress)
    guard report.problem != nil, awaitErasure() else { return report }
    return try verifyRecords(progress: progress)
  }

  /// Erases the personal text of the events `sequences` in place: zeroes it, marks it
  /// erased and recomputes each record's checksum, crash-safely (see above).
  ///
  /// - Returns: how many records were erased (records erased already are skipped).
  public func erasePersonalText(sequences: [UInt64]) throws(LedgerError) -> Int {
    let head = try head()
    try checkWriter(at: head)
    defer { writers.unlock() }
    let wanted = Set(sequences.filter { $0 >= 1 && $0 <= head.sequence }).sorted()
    guard !wanted.isEmpty else { return 0 }
    let offsets = try rebuildIndex(upTo: head)
    var entries: [ErasureRedo.Entry] = []
    for sequence in wanted {
      let offset = offsets[Int(sequence - 1)]
      guard let bytes = try RecordAccess.recordBytes(at: offset, read: readFunction()),
        try RecordAccess.event(in: bytes, sequence: sequence) != nil
      else {
        throw LedgerError(
          .corrupt,
          "events.log: event \(sequence) at byte \(offset) cannot be read; nothing was erased; run `storyledger verify`",
          path: logPath)
      }
      guard let replacement = RecordAccess.erasingPersonalText(of: bytes) else { continue }
      entries.append(ErasureRedo.Entry(offset: offset, bytes: replacement))
    }
    guard !entries.isEmpty else { return 0 }
    try writeRedo(ErasureRedo(entries: entries))
    try rewrite(entries)
    try removeRedo()
    return entries.count
  }

  /// Writes `redo` durably: a temporary file, synced, renamed into place, the directory
  /// synced.
  private func writeRedo(_ redo: ErasureRedo) throws(LedgerError) {
    let temporary = redoPath + ".tmp"
    SystemFile.remove(temporary)
    let file = try SystemFile(
      path: temporary, flags: O_RDWR | O_CREAT | O_EXCL, action: "create")
    do {
      try file.write(redo.encoded(), at: 0)
      try file.synchronize()
      try SystemFile.rename(temporary, to: redoPath)
      try SystemFile.synchronizeDirectory(directory.path)
    } catch {
      SystemFile.remove(temporary)
      throw error
    }
  }

  /// Writes the records of `entries` over the log's, then syncs the log.
  private func rewrite(_ entries: [ErasureRedo.Entry]) throws(LedgerError) {
    let writer = try SystemFile(path: logPath, flags: O_RDWR)
    for entry in entries {
      try writer.write(entry.bytes, at: entry.offset)
    }
    try writer.synchronize()
  }

  /// Removes the redo file once its records are synced, and syncs the directory.
  private func removeRedo() throws(LedgerError) {
    SystemFile.remove(redoPath)
    SystemFile.remove(redoPath + ".tmp")
    try SystemFile.synchronizeDirectory(directory.path)
  }

  /// Finishes an erasure a crash interrupted: writes the records of `erasure.redo` again,
  /// after checking that each is the erased form of the record at its offset (the same
  /// length, hashed bytes and chain hash; a whole record), and removes the file. Called with
  /// the writers' lock held; the existence check is all it costs when there is no such file.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/corrupt`` when the redo file is damaged or
  ///   does not match the log (nothing is written then).
  func finishInterruptedErasure() throws(LedgerError) {
    guard SystemFile.exists(redoPath) else { return }
    let file = try SystemFile(path: redoPath, flags: O_RDONLY)
    let size = try file.size()
    guard size <= UInt64(Int32.max),
      let redo = ErasureRedo(decoding: try file.read(count: Int(size), at: 0))
    else {
      throw LedgerError(
        .corrupt,
        "erasure.redo (an interrupted erasure) is damaged; run `storyledger verify`: if the log is intact, remove erasure.redo and ask for the erasure again",
        path: redoPath)
    }
    let logSize = try reader.size()
    for entry in redo.entries {
      guard entry.offset + UInt64(entry.bytes.count) <= logSize,
        let current = try RecordAccess.rawRecordBytes(
          at: entry.offset, count: entry.bytes.count, read: readFunction()),
        RecordAccess.isErasedForm(entry.bytes, of: current)
      else {
        throw LedgerError(
          .corrupt,
          "erasure.redo does not match events.log at byte \(entry.offset); nothing was written; run `storyledger verify`",
          path: redoPath)
      }
    }
    try rewrite(redo.entries)
    try removeRedo()
    record(
      "finished an erasure that was interrupted: \(redo.entries.count) records of events.log rewritten from erasure.redo"
    )
  }

  /// On opening: when a redo file is there and no writer holds the lock, finishes the
  /// interrupted erasure (a failure is left for the next writer, which reports it).
  func finishInterruptedErasureIfIdle() {
    guard SystemFile.exists(redoPath),
      let file = try? SystemFile(path: lockPath, flags: O_RDWR),
      (try? file.tryLockExclusive()) == true
    else { return }
    defer { file.unlock() }
    try? finishInterruptedErasure()
  }

  /// Called by a reader that met a damaged record before the head: waits until no writer
  /// holds the lock (an erasure rewriting records in place holds it), finishes an
  /// interrupted erasure, and says whether reading again may succeed. `false` when this
  /// log's own writer holds the lock (then no erasure can be running) or the wait ran out.
  func awaitErasure() -> Bool {
    guard !holdsWriteLock,
      let file = (try? SystemFile(path: lockPath, flags: O_RDWR))
        ?? (try? SystemFile(path: lockPath, flags: O_RDONLY))
    else { return false }
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: FileLog.erasureWait)
    while true {
      if (try? file.tryLockExclusive()) == true { break }
      guard clock.now < deadline else { return false }
      usleep(2_000)
    }
    defer { file.unlock() }
    try? finishInterruptedErasure()
    return true
  }
}

extension FileLog {
  /// Removes the temporary files (`.NAME.tmp-PID`) that processes which no longer run left
  /// in the ledger directory: a snapshot half written when its process was killed may hold
  /// text erased since. A file whose process still runs is left to it.
  func removeTemporariesOfDeadProcesses() {
    let base = directory.path
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

/// The contents of `erasure.redo`: the new bytes of each record an erasure rewrites.
///
/// ```
/// redo  = "SLREDO\0\1", u32 count, count × (u64 offset, u32 length, [length] record), u32 crc32c
/// ```
struct ErasureRedo {
  struct Entry {
    var offset: UInt64
    var bytes: [UInt8]
  }

  static let magic: [UInt8] = Array("SLREDO".utf8) + [0, 1]

  var entries: [Entry]

  init(entries: [Entry]) { self.entries = entries }

  func encoded() -> [UInt8] {
    var writer = ByteWriter(capacity: 16 + entries.reduce(0) { $0 + 12 + $1.bytes.count })
    writer.append(ErasureRedo.magic)
    writer.appendFixed32(UInt32(entries.count))
    for entry in entries {
      writer.appendFixed64(entry.offset)
      writer.appendFixed32(UInt32(entry.bytes.count))
      writer.append(entry.bytes)
    }
    writer.appendFixed32(CRC32C.checksum(writer.bytes))
    return writer.bytes
  }

  /// Decodes a whole redo file; `nil` when it is damaged.
  init?(decoding bytes: [UInt8]) {
    guard bytes.count >= 16, Array(bytes[0..<8]) == ErasureRedo.magic else { return nil }
    func fixed(_ offset: Int, _ size: Int) -> UInt64 {
      var value: UInt64 = 0
      for index in (0..<size).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
      return value
    }
    let bodyEnd = bytes.count - 4
    let checksum = bytes.withUnsafeBytes {
      CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<bodyEnd]))
    }
    guard UInt64(checksum) == fixed(bodyEnd, 4) else { return nil }
    let count = Int(fixed(8, 4))
    var cursor = 12
    var entries: [Entry] = []
    for _ in 0..<count {
      guard cursor + 12 <= bodyEnd else { return nil }
      let offset = fixed(cursor, 8)
      let length = Int(fixed(cursor + 8, 4))
      cursor += 12
      guard length <= bodyEnd - cursor else { return nil }
      entries.append(Entry(offset: offset, bytes: Array(bytes[cursor..<(cursor + length)])))
      cursor += length
    }
    guard cursor == bodyEnd else { return nil }
    self.entries = entries
  }
}

extension RecordAccess {
  /// `count` bytes of the log at `offset`, as they are (torn or not); `nil` when the log
  /// ends first.
  static func rawRecordBytes(at offset: UInt64, count: Int, read: RecordScanner.ReadFunction)
    throws(LedgerError) -> [UInt8]?
  {
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(1, count), alignment: 8)
    defer { buffer.deallocate() }
    guard try read(buffer, count, offset) == count else { return nil }
    return Array(UnsafeRawBufferPointer(start: buffer, count: count))
  }

  /// Whether `replacement` is a whole record whose personal text is erased and that is the
  /// erased form of `current` (the record in the log, possibly torn by an interrupted
  /// rewrite): the same length, hashed bytes and chain hash. An erasure changes only the
  /// checksum, the flags byte and the personal bytes, so a torn rewrite leaves those three
  /// as they were.
  static func isErasedForm(_ replacement: [UInt8], of current: [UInt8]) -> Bool {
    guard replacement.count == current.count else { return false }
    return replacement.withUnsafeBytes { raw -> Bool in
      guard case .record(let record) = RecordFormat.scan(raw, at: 0),
        record.totalSize == replacement.count,
        record.flags.contains(.hasPersonal), record.flags.contains(.personalErased),
        record.personal.allSatisfy({ $0 == 0 })
      else { return false }
      let hashedStart = RecordFormat.frameSize + 5
      let hashedEnd = hashedStart + record.hashed.count
      return replacement[0..<4] == current[0..<4]
        && replacement[(RecordFormat.frameSize + 1)..<hashedEnd]
          == current[(RecordFormat.frameSize + 1)..<hashedEnd]
        && replacement[(replacement.count - 32)...] == current[(current.count - 32)...]
    }
  }
}
