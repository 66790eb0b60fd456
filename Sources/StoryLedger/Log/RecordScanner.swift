/// Walks the records of a byte range in chunks, so that a log of any size is read with a
/// bounded buffer.
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

  var chunkSize = 4 << 20

  /// Calls `body` for every checked record from `start` up to `end`, with its absolute
  /// offset. `body` returns `false` to stop early.
  func scan(
    from start: UInt64, to end: UInt64, read: ReadFunction,
    _ body: (RecordFormat.RecordView, UInt64) throws -> Bool
  ) throws -> End {
    // An empty or inverted range (a position at or past the end) holds no records.
    guard start < end else { return .clean }
    // A short range (a small log, a reader catching up) needs no full chunk.
    var buffer = [UInt8](repeating: 0, count: min(chunkSize, Int(clamping: end - start)))
    var bufferStart = start  // absolute offset of buffer[0]
    var filled = 0
    var consumed = 0
    while true {
      // Refill: keep the unconsumed bytes, read more after them.
      if consumed > 0 {
        let remaining = filled - consumed
        if remaining > 0 {
          buffer.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            base.copyMemory(from: base + consumed, byteCount: remaining)
          }
        }
        bufferStart += UInt64(consumed)
        filled = remaining
        consumed = 0
      }
      let available = end - bufferStart - UInt64(filled)
      if available > 0 && filled < buffer.count {
        let want = min(buffer.count - filled, Int(clamping: available))
        let got = try buffer.withUnsafeMutableBytes { (raw) throws(LedgerError) -> Int in
          guard let base = raw.baseAddress else { return 0 }
          return try read(base + filled, want, bufferStart + UInt64(filled))
        }
        filled += got
        if got < want && bufferStart + UInt64(filled) < end {
          // The file is shorter than the range: whatever is left is incomplete.
          let scanned = try scanBuffer(buffer, filled: filled, bufferStart: bufferStart, body)
          switch scanned.outcome {
          case .stopped: return .clean
          case .damaged(let reason): return .damaged(bufferStart + UInt64(scanned.consumed), reason)
          case .needMore: return .incomplete(bufferStart + UInt64(scanned.consumed))
          }
        }
      }
      let scanned = try scanBuffer(buffer, filled: filled, bufferStart: bufferStart, body)
      consumed = scanned.consumed
      switch scanned.outcome {
      case .stopped: return .clean
      case .damaged(let reason): return .damaged(bufferStart + UInt64(consumed), reason)
      case .needMore:
        let absolute = bufferStart + UInt64(consumed)
        if absolute >= end { return .clean }
        if bufferStart + UInt64(filled) >= end { return .incomplete(absolute) }
        if consumed == 0 {
          // One record larger than the buffer: grow to hold it.
          let needed = recordSize(buffer, filled: filled)
          buffer.append(
            contentsOf: repeatElement(0, count: max(buffer.count, needed - buffer.count)))
        }
      }
    }
  }

  private enum Outcome {
    case needMore, stopped
    case damaged(String)
  }

  private func recordSize(_ buffer: [UInt8], filled: Int) -> Int {
    guard filled >= 4 else { return buffer.count * 2 }
    let body = buffer.withUnsafeBytes { Int($0.loadUnaligned(as: UInt32.self).littleEndian) }
    return body + RecordFormat.frameSize
  }

  private func scanBuffer(
    _ buffer: [UInt8], filled: Int, bufferStart: UInt64,
    _ body: (RecordFormat.RecordView, UInt64) throws -> Bool
  ) throws -> (consumed: Int, outcome: Outcome) {
    try buffer.withUnsafeBytes { raw in
      let view = UnsafeRawBufferPointer(rebasing: raw[0..<filled])
      var offset = 0
      while offset < filled {
        switch RecordFormat.scan(view, at: offset) {
        case .incomplete: return (offset, .needMore)
        case .damaged(let reason): return (offset, .damaged(reason))
        case .record(let record):
          guard try body(record, bufferStart + UInt64(offset)) else {
            return (offset + record.totalSize, .stopped)
          }
          offset += record.totalSize
        }
      }
      return (offset, .needMore)
    }
  }
}
