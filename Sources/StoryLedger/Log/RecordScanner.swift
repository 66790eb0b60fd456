/// Walks the records of a byte range in chunks, so that a log of any size is read with a
/// bounded buffer.
///
/// A chunk is framed first (each record's length word read, nothing else checked), so
/// that a caller can check a chunk's records on several cores; ``scan(from:to:read:_:)``
/// checks them one at a time.
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

  /// Reads up to `count` bytes at `offset` into a buffer; returns the count read.
  typealias ReadFunction = (UnsafeMutableRawPointer, Int, UInt64) throws(LedgerError) -> Int

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
  }

  var chunkSize = 4 << 20

  /// Calls `body` for every checked record from `start` up to `end`, with its absolute
  /// offset. `body` returns `false` to stop early.
  func scan(
    from start: UInt64, to end: UInt64, read: ReadFunction,
    _ body: (RecordFormat.RecordView, UInt64) throws -> Bool
  ) throws -> End {
    var damage: End?
    let framed = try scanChunks(from: start, to: end, read: read) { chunk in
      for offset in chunk.records {
        switch RecordFormat.scan(chunk.bytes, at: offset) {
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
    from start: UInt64, to end: UInt64, read: ReadFunction, _ body: (Chunk) throws -> Bool
  ) throws -> End {
    // An empty or inverted range (a position at or past the end) holds no records.
    guard start < end else { return .clean }
    // A short range (a small log, a reader catching up) needs no full chunk.
    var buffer = UnsafeMutableRawBufferPointer.allocate(
      byteCount: max(min(chunkSize, Int(clamping: end - start)), RecordFormat.frameSize),
      alignment: 16)
    defer { buffer.deallocate() }
    var bufferStart = start  // absolute offset of buffer[0]
    var filled = 0
    var consumed = 0
    var records: [Int] = []
    while true {
      // Refill: keep the unconsumed bytes, read more after them.
      if consumed > 0 {
        let remaining = filled - consumed
        if remaining > 0, let base = buffer.baseAddress {
          base.copyMemory(from: base + consumed, byteCount: remaining)
        }
        bufferStart += UInt64(consumed)
        filled = remaining
        consumed = 0
      }
      var isShort = false
      let available = end - bufferStart - UInt64(filled)
      if available > 0 && filled < buffer.count, let base = buffer.baseAddress {
        let want = min(buffer.count - filled, Int(clamping: available))
        let got = try read(base + filled, want, bufferStart + UInt64(filled))
        filled += got
        // The file is shorter than the range: whatever is left is incomplete.
        isShort = got < want && bufferStart + UInt64(filled) < end
      }
      let view = UnsafeRawBufferPointer(rebasing: buffer[0..<filled])
      records.removeAll(keepingCapacity: true)
      var offset = 0
      var damage: String?
      framing: while true {
        switch RecordFormat.frame(view, at: offset) {
        case .whole(let bodySize):
          records.append(offset)
          offset += RecordFormat.frameSize + bodySize
        case .incomplete: break framing
        case .damaged(let reason):
          damage = reason
          break framing
        }
      }
      if !records.isEmpty {
        let chunk = Chunk(bytes: view, start: bufferStart, records: records, end: offset)
        guard try body(chunk) else { return .clean }
      }
      consumed = offset
      let absolute = bufferStart + UInt64(offset)
      if let damage { return .damaged(absolute, damage) }
      if absolute >= end { return .clean }
      if isShort || bufferStart + UInt64(filled) >= end { return .incomplete(absolute) }
      if consumed == 0 {
        // One record larger than the buffer: grow to hold it.
        let needed = recordSize(view)
        let grown = UnsafeMutableRawBufferPointer.allocate(
          byteCount: max(buffer.count * 2, needed), alignment: 16)
        if let base = buffer.baseAddress, let target = grown.baseAddress {
          target.copyMemory(from: base, byteCount: filled)
        }
        buffer.deallocate()
        buffer = grown
      }
    }
  }

  private func recordSize(_ view: UnsafeRawBufferPointer) -> Int {
    guard view.count >= 4 else { return view.count * 2 }
    return Int(view.loadUnaligned(as: UInt32.self).littleEndian) + RecordFormat.frameSize
  }
}
