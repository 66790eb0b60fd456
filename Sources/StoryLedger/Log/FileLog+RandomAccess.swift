#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reading events by sequence number, through `events.index`, and erasing personal text.
///
/// `events.index` holds the byte offset of each event's record (8 bytes, little-endian, entry
/// `n - 1` for event `n`). It is a cache, never trusted: it is extended by walking the
/// record frames the first time a reader needs events past its end, each record read
/// through it must hold the expected sequence number and pass its checksum, and an index
/// that does not match the log is rebuilt from the start. It is never needed to open,
/// append to or verify a ledger, and deleting it loses nothing.
extension FileLog {
  var indexPath: String { directory.path + "/events.index" }

  /// Calls `body` with the events `sequences` names, in ascending order.
  public func read(sequences: [UInt64], _ body: (RecordedEvent) throws -> Void) throws {
    let head = try head()
    let wanted = Set(sequences.filter { $0 >= 1 && $0 <= head.sequence }).sorted()
    guard !wanted.isEmpty else { return }
    var offsets = try recordOffsets(upTo: head, rebuilding: false)
    var events: [RecordedEvent] = []
    events.reserveCapacity(wanted.count)
    var index = 0
    var hasRebuilt = false
    while index < wanted.count {
      let sequence = wanted[index]
      let offset = offsets[Int(sequence - 1)]
      if let bytes = try RecordAccess.recordBytes(at: offset, read: readFunction()),
        let event = try RecordAccess.event(in: bytes, sequence: sequence)
      {
        events.append(event)
        index += 1
        continue
      }
      guard !hasRebuilt else {
        throw LedgerError(
          .corrupt,
          "events.log: event \(sequence) at byte \(offset) cannot be read; run `storyledger verify`",
          path: logPath)
      }
      // The index does not match the log (a log replaced or cut back): build it again.
      hasRebuilt = true
      offsets = try recordOffsets(upTo: head, rebuilding: true)
    }
    for event in events { try body(event) }
  }

  /// The offset of every committed record up to `head`, from `events.index` extended (and
  /// saved, when the directory is writable) by walking the frames after its last entry.
  func recordOffsets(upTo head: LogPosition, rebuilding: Bool) throws(LedgerError) -> [UInt64] {
    var offsets: [UInt64] = []
    let count = Int(head.sequence)
    offsets.reserveCapacity(count)
    if !rebuilding, let file = try? SystemFile(path: indexPath, flags: O_RDONLY),
      let size = try? file.size()
    {
      let entries = min(Int(size / 8), count)
      if entries > 0, let bytes = try? file.read(count: entries * 8, at: 0),
        bytes.count == entries * 8
      {
        bytes.withUnsafeBytes { raw in
          for entry in 0..<entries {
            offsets.append(
              UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: entry * 8, as: UInt64.self)))
          }
        }
      }
    }
    // The entries must rise and stay inside the committed log; otherwise start again.
    var previous: UInt64 = 0
    for offset in offsets {
      guard offset > previous, offset < head.offset else {
        offsets.removeAll(keepingCapacity: true)
        break
      }
      previous = offset
    }
    let saved = offsets.count
    var start = UInt64(RecordFormat.fileHeaderSize)
    if let last = offsets.last {
      guard let bytes = try RecordAccess.recordBytes(at: last, read: readFunction()) else {
        return try recordOffsets(upTo: head, rebuilding: true)
      }
      start = last + UInt64(bytes.count)
    }
    if offsets.count < count {
      try RecordAccess.walk(from: start, to: head.offset, read: readFunction(), into: &offsets)
    }
    guard offsets.count == count else {
      guard !rebuilding else {
        throw LedgerError(
          .corrupt,
          "events.log holds \(offsets.count) records where its head says \(count); run `storyledger verify`",
          path: logPath)
      }
      return try recordOffsets(upTo: head, rebuilding: true)
    }
    if offsets.count > saved || rebuilding {
      saveIndex(offsets, from: rebuilding ? 0 : saved)
    }
    return offsets
  }

  /// Writes index entries from `first` on; a directory that cannot be written to only makes
  /// the next reader walk the frames again.
  private func saveIndex(_ offsets: [UInt64], from first: Int) {
    guard
      let file = try? SystemFile(
        path: indexPath, flags: O_WRONLY | O_CREAT | (first == 0 ? O_TRUNC : 0), mode: 0o600)
    else { return }
    var bytes = [UInt8]()
    bytes.reserveCapacity((offsets.count - first) * 8)
    for offset in offsets[first...] {
      withUnsafeBytes(of: offset.littleEndian) { bytes.append(contentsOf: $0) }
    }
    try? file.write(bytes, at: UInt64(first) * 8)
  }

  /// Erases the personal text of the events `sequences` in place: zeroes it, marks it
  /// erased, recomputes each record's checksum, and syncs.
  public func erasePersonalText(sequences: [UInt64]) throws(LedgerError) -> Int {
    let head = try head()
    try checkWriter(at: head)
    defer { writers.unlock() }
    let wanted = Set(sequences.filter { $0 >= 1 && $0 <= head.sequence }).sorted()
    guard !wanted.isEmpty else { return 0 }
    let offsets = try recordOffsets(upTo: head, rebuilding: true)
    let writer = try SystemFile(path: logPath, flags: O_RDWR)
    var erased = 0
    for sequence in wanted {
      let offset = offsets[Int(sequence - 1)]
      guard let bytes = try RecordAccess.recordBytes(at: offset, read: readFunction()),
        try RecordAccess.event(in: bytes, sequence: sequence) != nil
      else {
        throw LedgerError(
          .corrupt,
          "events.log: event \(sequence) at byte \(offset) cannot be read; nothing was erased after it; run `storyledger verify`",
          path: logPath)
      }
      guard let replacement = RecordAccess.erasingPersonalText(of: bytes) else { continue }
      try writer.write(replacement, at: offset)
      erased += 1
    }
    try writer.synchronize()
    return erased
  }
}
