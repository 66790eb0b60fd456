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
  ///
  /// Each event is found through its `events.index` entry (read alone, so a lookup costs
  /// two small reads however long the log); the index is extended first when it ends before
  /// an event wanted, and rebuilt when an entry does not point at its event.
  public func read(sequences: [UInt64], _ body: (RecordedEvent) throws -> Void) throws {
    let head = try head()
    let wanted = Set(sequences.filter { $0 >= 1 && $0 <= head.sequence }).sorted()
    guard let last = wanted.last else { return }
    var events: [RecordedEvent] = []
    events.reserveCapacity(wanted.count)
    if try indexedCount(head: head) < last {
      try extendIndex(upTo: head)
    }
    var all: [UInt64]?
    let index = try? SystemFile(path: indexPath, flags: O_RDONLY)
    var position = 0
    var waited = false
    while position < wanted.count {
      let sequence = wanted[position]
      let offset: UInt64?
      if let all {
        offset = all[Int(sequence - 1)]
      } else {
        offset = index.flatMap { try? Self.entry(sequence, in: $0) }
      }
      if let offset, let bytes = try RecordAccess.recordBytes(at: offset, read: readFunction()),
        let event = try RecordAccess.event(in: bytes, sequence: sequence)
      {
        events.append(event)
        position += 1
        continue
      }
      guard all == nil else {
        // A record an erasure is rewriting in place: wait for it and read it again.
        if !waited, awaitErasure() {
          waited = true
          continue
        }
        throw LedgerError(
          .corrupt,
          "events.log: event \(sequence) cannot be read; run `storyledger verify`", path: logPath)
      }
      // The index does not match the log (a log replaced, or cut back): build it again.
      all = try rebuildIndex(upTo: head)
    }
    for event in events { try body(event) }
  }

  /// Extends `events.index` to the head by walking the frames after its last entry (checked
  /// to point at its event); an index that fails the check is rebuilt.
  func extendIndex(upTo head: LogPosition) throws(LedgerError) {
    let count = try indexedCount(head: head)
    var start = UInt64(RecordFormat.fileHeaderSize)
    if count > 0 {
      guard let file = try? SystemFile(path: indexPath, flags: O_RDONLY),
        let last = try Self.entry(count, in: file), last < head.offset,
        let bytes = try RecordAccess.recordBytes(at: last, read: readFunction()),
        try RecordAccess.event(in: bytes, sequence: count) != nil
      else {
        _ = try rebuildIndex(upTo: head)
        return
      }
      start = last + UInt64(bytes.count)
    }
    var offsets: [UInt64] = []
    try RecordAccess.walk(from: start, to: head.offset, read: readFunction(), into: &offsets)
    guard count + UInt64(offsets.count) == head.sequence else {
      _ = try rebuildIndex(upTo: head)
      return
    }
    saveIndex(offsets, at: count)
  }

  /// Walks every frame of the log up to the head and writes `events.index` afresh; returns
  /// the offsets.
  func rebuildIndex(upTo head: LogPosition) throws(LedgerError) -> [UInt64] {
    var offsets: [UInt64] = []
    offsets.reserveCapacity(Int(head.sequence))
    try RecordAccess.walk(
      from: UInt64(RecordFormat.fileHeaderSize), to: head.offset, read: readFunction(),
      into: &offsets)
    guard offsets.count == Int(head.sequence) else {
      throw LedgerError(
        .corrupt,
        "events.log holds \(offsets.count) records where its head says \(head.sequence); run `storyledger verify`",
        path: logPath)
    }
    SystemFile.remove(indexPath)
    saveIndex(offsets, at: 0)
    return offsets
  }

  /// The offset `events.index` gives for event `sequence`, if it has an entry for it.
  private static func entry(_ sequence: UInt64, in file: SystemFile) throws(LedgerError) -> UInt64?
  {
    let bytes = try file.read(count: 8, at: (sequence - 1) * 8)
    guard bytes.count == 8 else { return nil }
    return bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
  }

  /// How many events `events.index` covers (at most the head's).
  private func indexedCount(head: LogPosition) throws(LedgerError) -> UInt64 {
    guard let file = try? SystemFile(path: indexPath, flags: O_RDONLY) else { return 0 }
    return min(try file.size() / 8, head.sequence)
  }

  /// Writes `offsets` as the index entries of events `first + 1` on; a directory that cannot
  /// be written to only makes the next reader walk the frames again.
  private func saveIndex(_ offsets: [UInt64], at first: UInt64) {
    guard !offsets.isEmpty,
      let file = try? SystemFile(path: indexPath, flags: O_WRONLY | O_CREAT, mode: 0o600)
    else { return }
    var bytes = [UInt8]()
    bytes.reserveCapacity(offsets.count * 8)
    for offset in offsets {
      withUnsafeBytes(of: offset.littleEndian) { bytes.append(contentsOf: $0) }
    }
    try? file.write(bytes, at: first * 8)
  }
}
