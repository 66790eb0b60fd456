import Foundation

/// Walks the records of a byte range in chunks, so that a log of any size is read with a
/// bounded buffer.
///
/// A chunk is framed first (each record's length word read, nothing else checked), so
/// that a caller can check a chunk's records on several cores; ``scan(from:to:read:_:)``
/// checks them one at a time. With ``readsAhead`` the next chunk is read on another thread
/// while the caller checks the current one.
struct RecordScanner {
  /// How a scan ended.
  enum End: Equatable {
    /// Every byte of the range was a whole, checked record.
    case clean
    /// The range ends inside a record that starts at this offset.
    case incomplete(UInt64)
    /// The record at this offset is damaged.
    case damaged(UInt64, String)
  }

  /// Reads up to `count` bytes at `offset` into a buffer; returns the count read. It may be
  /// called on another thread (see ``readsAhead``), never on two at once.
  typealias ReadFunction =
    @Sendable (UnsafeMutableRawPointer, Int, UInt64) throws(LedgerError)
    -> Int

  /// The whole records of one buffer: present and of a possible length, not yet checked.
  struct Chunk {
    /// The bytes read; valid only during the call that receives the chunk.
    var bytes: UnsafeRawBufferPointer
    /// The absolute offset of `bytes[0]`.
    var start: UInt64
    /// Where each record starts in `bytes`, in order; each ends where the next starts, and
    /// the last at ``end``.
    var records: [Int]
    /// Where the last record ends in `bytes`.
    var end: Int

    /// Where record `index` ends in ``bytes``.
    func end(of index: Int) -> Int {
      index + 1 < records.count ? records[index + 1] : end
    }

    /// The chain hash stored in the last 32 bytes of record `index`.
    func storedHash(of index: Int) -> SHA256Digest {
      guard let base = bytes.baseAddress else { return .zero }
      return SHA256Digest(reading: base + end(of: index) - 32)
    }

    /// The flags byte of record `index`.
    func flags(of index: Int) -> RecordFormat.Flags {
      RecordFormat.Flags(rawValue: bytes[records[index] + RecordFormat.frameSize])
    }

    /// The record among `range` that ends at `offset` of ``bytes``, if one does.
    func record(endingAt offset: Int, among range: Range<Int>) -> Int? {
      // Record i ends where record i + 1 starts: search the starts.
      var low = range.lowerBound
      var high = range.upperBound
      while low < high {
        let middle = (low + high) / 2
        if end(of: middle) < offset { low = middle + 1 } else { high = middle }
      }
      return low < range.upperBound && end(of: low) == offset ? low : nil
    }
  }

  var chunkSize = 4 << 20

  /// Whether to read the next chunk on another thread while `body` checks the current one
  /// (twice the buffer memory).
  var readsAhead = false

  /// Whether framing also checks each record's CRC, so that a chunk holds only records
  /// whose checksum holds (a failing one ends the chunk as damage, as an impossible length
  /// does). With ``readsAhead`` that work is done on the reading thread.
  var checksumsAhead = false

  /// Calls `body` for every checked record from `start` up to `end`, with its absolute
  /// offset. `body` returns `false` to stop early.
  ///
  /// For replay (reading, checking and decoding every record and folding it into the
  /// state), ``readsAhead`` and ``checksumsAhead`` move the reading, framing and checksums
  /// of the next chunk to another thread while `body` decodes and folds this one.
  /// Decoding stays on the calling thread: freeing the events' strings on one thread while
  /// others allocate costs more in glibc's arena locking than a second decoding core gains.
  func scan(
    from start: UInt64, to end: UInt64, read: @escaping ReadFunction,
    _ body: (RecordFormat.RecordView, UInt64) throws -> Bool
  ) throws -> End {
    var damage: End?
    let framed = try scanChunks(from: start, to: end, read: read) { chunk in
      for (index, offset) in chunk.records.enumerated() {
        let result =
          checksumsAhead
          ? RecordFormat.parse(
            chunk.bytes, at: offset,
            bodySize: chunk.end(of: index) - offset - RecordFormat.frameSize)
          : RecordFormat.scan(chunk.bytes, at: offset)
        switch result {
        case .record(let record):
          guard try body(record, chunk.start + UInt64(offset)) else { return false }
        case .damaged(let reason):
          damage = .damaged(chunk.start + UInt64(offset), reason)
          return false
        case .incomplete:
          // Not reached: the chunk holds whole records only.
          damage = .incomplete(chunk.start + UInt64(offset))
          return false
        }
      }
      return true
    }
    return damage ?? framed
  }

  /// Calls `body` with the framed records of each chunk from `start` up to `end`. `body`
  /// checks them and returns `false` to stop (the scan then ends ``End/clean``).
  ///
  /// The end returned describes the framing only: a length word that is impossible, or a
  /// range that ends inside a record, after every record before it was handed to `body`.
  func scanChunks(
    from start: UInt64, to end: UInt64, read: @escaping ReadFunction,
    _ body: (Chunk) throws -> Bool
  ) throws -> End {
    // An empty or inverted range (a position at or past the end) holds no records.
    guard start < end else { return .clean }
    // A short range (a small log, a reader catching up) needs no full chunk.
    var buffer = Buffer(
      byteCount: max(min(chunkSize, Int(clamping: end - start)), RecordFormat.frameSize))
    defer { buffer.deallocate() }
    // The buffer the next chunk is read into ahead of time, and that read.
    var spare: Buffer?
    defer { spare?.deallocate() }
    var pending: ReadAhead?
    defer { _ = pending?.wait() }
    var bufferStart = start  // absolute offset of buffer[0]
    var kept = 0  // bytes left over from the last chunk at the start of the buffer
    while true {
      let filled: Filled
      if let ahead = pending {
        pending = nil
        filled = try ahead.wait().get()
      } else {
        filled = try RecordScanner.fill(
          buffer, after: kept, at: bufferStart, upTo: end, checksums: checksumsAhead, read: read)
      }
      let view = UnsafeRawBufferPointer(start: buffer.base, count: filled.count)
      let consumed = filled.consumed
      let remaining = filled.count - consumed
      let absolute = bufferStart + UInt64(consumed)
      let available = end - bufferStart - UInt64(filled.count)
      // Start reading (and framing) the next chunk, after what this one leaves over,
      // before checking this one.
      if readsAhead, filled.damage == nil, !filled.isShort, consumed > 0, available > 0 {
        if spare == nil || spare?.count != buffer.count {
          spare?.deallocate()
          spare = Buffer(byteCount: buffer.count)
        }
        if let next = spare {
          next.base.copyMemory(from: buffer.base + consumed, byteCount: remaining)
          let nextStart = bufferStart + UInt64(consumed)
          let checksums = checksumsAhead
          pending = ReadAhead { () throws(LedgerError) -> Filled in
            try RecordScanner.fill(
              next, after: remaining, at: nextStart, upTo: end, checksums: checksums, read: read)
          }
        }
      }
      if !filled.records.isEmpty {
        let chunk = Chunk(bytes: view, start: bufferStart, records: filled.records, end: consumed)
        guard try body(chunk) else { return .clean }
      }
      if let damage = filled.damage { return .damaged(absolute, damage) }
      if absolute >= end { return .clean }
      if filled.isShort || available == 0 { return .incomplete(absolute) }
      if pending != nil, let next = spare {
        spare = buffer
        buffer = next
      } else if consumed > 0 {
        // Keep the unconsumed bytes; read more after them.
        buffer.base.copyMemory(from: buffer.base + consumed, byteCount: remaining)
      } else {
        // One record larger than the buffer: grow to hold it.
        let grown = Buffer(byteCount: max(buffer.count * 2, recordSize(view)))
        grown.base.copyMemory(from: buffer.base, byteCount: filled.count)
        buffer.deallocate()
        buffer = grown
      }
      bufferStart += UInt64(consumed)
      kept = remaining
    }
  }

  /// A buffer read and framed: its byte count, its whole records, where they end, and why
  /// framing stopped there.
  private struct Filled: Sendable {
    /// The bytes in the buffer.
    var count: Int
    /// Whether the file ended before the range did.
    var isShort: Bool
    /// Where each whole record starts.
    var records: [Int]
    /// Where the last whole record ends.
    var consumed: Int
    /// The length word that stopped framing, when one was impossible.
    var damage: String?
  }

  /// Reads into `buffer` after the `kept` bytes it holds (whose first is at `start`), up to
  /// its end or `end`, then frames it, checking each record's CRC too when `checksums`.
  private static func fill(
    _ buffer: Buffer, after kept: Int, at start: UInt64, upTo end: UInt64, checksums: Bool,
    read: ReadFunction
  ) throws(LedgerError) -> Filled {
    var count = kept
    var isShort = false
    let available = end - start - UInt64(kept)
    if available > 0 && kept < buffer.count {
      let want = min(buffer.count - kept, Int(clamping: available))
      let got = try read(buffer.base + kept, want, start + UInt64(kept))
      count += got
      // The file is shorter than the range: whatever is left is incomplete.
      isShort = got < want && start + UInt64(count) < end
    }
    let view = UnsafeRawBufferPointer(start: buffer.base, count: count)
    var records: [Int] = []
    var offset = 0
    var damage: String?
    framing: while true {
      switch RecordFormat.frame(view, at: offset) {
      case .whole(let bodySize):
        if checksums && !RecordFormat.checksumMatches(view, at: offset, bodySize: bodySize) {
          damage = "checksum mismatch"
          break framing
        }
        records.append(offset)
        offset += RecordFormat.frameSize + bodySize
      case .incomplete: break framing
      case .damaged(let reason):
        damage = reason
        break framing
      }
    }
    return Filled(
      count: count, isShort: isShort, records: records, consumed: offset, damage: damage)
  }

  /// A buffer of bytes the scanner reads into. It crosses to the read-ahead thread, which
  /// alone touches it until the scanner has waited for that read.
  private struct Buffer: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let count: Int

    init(byteCount: Int) {
      base = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 16)
      count = byteCount
    }

    func deallocate() { base.deallocate() }
  }

  /// A read and framing running on a thread of its own (the dispatch pool's threads may
  /// all be busy checking records), waited for before its buffer is used or freed.
  private final class ReadAhead: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    // Written by the reading thread before `done` is signalled, read after the wait.
    private var result: Result<Filled, LedgerError> = .failure(LedgerError(.io, "not read"))

    init(_ work: @escaping @Sendable () throws(LedgerError) -> Filled) {
      let thread = Thread { [self] in
        result = Result { () throws(LedgerError) -> Filled in try work() }
        done.signal()
      }
      thread.start()
    }

    /// Waits for the read; returns what it read and framed, or its error.
    func wait() -> Result<Filled, LedgerError> {
      done.wait()
      return result
    }
  }

  private func recordSize(_ view: UnsafeRawBufferPointer) -> Int {
    guard view.count >= 4 else { return view.count * 2 }
    return Int(view.loadUnaligned(as: UInt32.self).littleEndian) + RecordFormat.frameSize
  }
}

extension RecordScanner {
  /// Calls `body` with every record from `start` up to `end` of a log whose committed
  /// records (the file log's and the in-memory log's) are numbered without gaps, checking
  /// that each carries the sequence number `expected` names and moving it on.
  ///
  /// - Parameter gap: the error for the record at an offset that carries another sequence
  ///   number than the one expected.
  /// - Returns: how the scan ended; a record that is damaged or cut short is left to the
  ///   caller to report (or to wait for).
  func scanCommitted(
    from start: UInt64, to end: UInt64, expecting expected: inout UInt64,
    read: @escaping ReadFunction,
    gap: (_ offset: UInt64, _ found: UInt64, _ expected: UInt64) -> LedgerError,
    _ body: (RecordFormat.RecordView, UInt64) throws -> Void
  ) throws -> End {
    var failure: LedgerError?
    var next = expected
    defer { expected = next }
    let outcome = try scan(
      from: max(start, UInt64(RecordFormat.fileHeaderSize)), to: end, read: read
    ) { record, offset in
      guard record.sequence == next else {
        failure = gap(offset, record.sequence, next)
        return false
      }
      try body(record, offset)
      next += 1
      return true
    }
    if let failure { throw failure }
    return outcome
  }
}
