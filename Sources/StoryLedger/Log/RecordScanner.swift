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
  }

  var chunkSize = 4 << 20

  /// Whether to read the next chunk on another thread while `body` checks the current one
  /// (twice the buffer memory).
  var readsAhead = false

  /// Calls `body` for every checked record from `start` up to `end`, with its absolute
  /// offset. `body` returns `false` to stop early.
  func scan(
    from start: UInt64, to end: UInt64, read: @escaping ReadFunction,
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
    var pending: PendingRead?
    defer { _ = pending?.wait() }
    var bufferStart = start  // absolute offset of buffer[0]
    var filled = 0
    var records: [Int] = []
    while true {
      var isShort = false
      if let read = pending {
        // The bytes read ahead follow what the last chunk left over.
        pending = nil
        let got = try read.wait().get()
        filled += got
        isShort = got < read.count && bufferStart + UInt64(filled) < end
      } else {
        let available = end - bufferStart - UInt64(filled)
        if available > 0 && filled < buffer.count {
          let want = min(buffer.count - filled, Int(clamping: available))
          let got = try read(buffer.base + filled, want, bufferStart + UInt64(filled))
          filled += got
          // The file is shorter than the range: whatever is left is incomplete.
          isShort = got < want && bufferStart + UInt64(filled) < end
        }
      }
      let view = UnsafeRawBufferPointer(start: buffer.base, count: filled)
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
      let consumed = offset
      let remaining = filled - consumed
      let absolute = bufferStart + UInt64(consumed)
      let available = end - bufferStart - UInt64(filled)
      // Start reading the next chunk, after what this one leaves over, before checking it.
      if readsAhead, damage == nil, !isShort, consumed > 0, available > 0 {
        if spare == nil || spare?.count != buffer.count {
          spare?.deallocate()
          spare = Buffer(byteCount: buffer.count)
        }
        if let next = spare {
          next.base.copyMemory(from: buffer.base + consumed, byteCount: remaining)
          let want = min(next.count - remaining, Int(clamping: available))
          pending = PendingRead(
            read: read, into: next.base + remaining, count: want,
            at: bufferStart + UInt64(filled))
        }
      }
      if !records.isEmpty {
        let chunk = Chunk(bytes: view, start: bufferStart, records: records, end: consumed)
        guard try body(chunk) else { return .clean }
      }
      if let damage { return .damaged(absolute, damage) }
      if absolute >= end { return .clean }
      if isShort || available == 0 { return .incomplete(absolute) }
      if pending != nil, let next = spare {
        spare = buffer
        buffer = next
      } else if consumed > 0 {
        // Keep the unconsumed bytes; read more after them.
        buffer.base.copyMemory(from: buffer.base + consumed, byteCount: remaining)
      } else {
        // One record larger than the buffer: grow to hold it.
        let grown = Buffer(byteCount: max(buffer.count * 2, recordSize(view)))
        grown.base.copyMemory(from: buffer.base, byteCount: filled)
        buffer.deallocate()
        buffer = grown
      }
      bufferStart += UInt64(consumed)
      filled = remaining
    }
  }

  /// A buffer of bytes the scanner reads into.
  private struct Buffer {
    let base: UnsafeMutableRawPointer
    let count: Int

    init(byteCount: Int) {
      base = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 16)
      count = byteCount
    }

    func deallocate() { base.deallocate() }
  }

  /// A read running on another thread into a buffer that nothing else touches until
  /// ``wait()`` returns.
  private final class PendingRead: @unchecked Sendable {
    let count: Int
    private let target: UnsafeMutableRawPointer
    private let done = DispatchSemaphore(value: 0)
    // Written by the reading thread before `done` is signalled, read after the wait.
    private var result: Result<Int, LedgerError> = .success(0)

    /// Starts reading `count` bytes at `offset` into `target`, which must stay allocated
    /// until ``wait()`` returns.
    init(
      read: @escaping ReadFunction, into target: UnsafeMutableRawPointer, count: Int,
      at offset: UInt64
    ) {
      self.count = count
      self.target = target
      // A thread of its own: the dispatch pool's threads may all be busy checking records.
      let thread = Thread { [self] in
        result = Result { () throws(LedgerError) -> Int in try read(self.target, count, offset) }
        done.signal()
      }
      thread.start()
    }

    /// Waits for the read; returns the count read or its error.
    func wait() -> Result<Int, LedgerError> {
      done.wait()
      return result
    }
  }

  private func recordSize(_ view: UnsafeRawBufferPointer) -> Int {
    guard view.count >= 4 else { return view.count * 2 }
    return Int(view.loadUnaligned(as: UInt32.self).littleEndian) + RecordFormat.frameSize
  }
}
