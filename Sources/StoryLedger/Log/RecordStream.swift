import Foundation

/// A source whose events' encoded parts it can write straight into a ``RecordEncoder``,
/// without building payloads first (an import plan keeps its rows as bytes).
protocol EncodedEventSource: EventBatchSource {
  /// For each event in order, writes its parts into `encoder.publicPart` and
  /// `encoder.personalPart`, then calls `emit` with its type and whether it has a personal
  /// part.
  func encodeEvents(
    into encoder: inout RecordEncoder,
    _ emit: (_ encoder: inout RecordEncoder, _ type: EventType, _ hasPersonalPart: Bool) throws ->
      Void
  ) rethrows
}

/// Writes a batch's records in order, in chunks of a few MiB, without holding the batch.
///
/// The calling thread encodes records into a chunk; a second thread chains the full chunks
/// (the SHA-256 chain is the one strictly sequential step); a third checksums the chained
/// chunks and hands them to `write`, in order, and the calling thread reuses their memory. At most
/// ``Options/chunkLimit`` chunks exist at once, so memory stays a few tens of MiB whatever the
/// batch's size. Small batches are done on the calling thread alone.
enum RecordStream {
  /// How a write splits its work.
  struct Options {
    /// The size a chunk is handed on at.
    var chunkSize = 4 << 20
    /// The most chunks in flight at once.
    var chunkLimit = 6
    /// Whether a second thread chains the records; by default, for batches of at least
    /// 2,048 events.
    var isParallel: Bool?
  }

  /// Encodes, chains and checksums the records of `source` after `position` and passes
  /// them to `write` with the offset they go at; returns the position after the last one.
  ///
  /// The write takes `encoder` over, and frees it.
  ///
  /// - Throws: what `write` throws, or ``LedgerError/Code/invalid`` when the source does
  ///   not produce ``EventBatchSource/eventCount`` events or an event is too large for a
  ///   record. Records already passed to `write` are then past the head, for the caller to
  ///   cut off.
  static func write(
    _ source: some EventBatchSource, encoder: RecordEncoder, after position: LogPosition,
    options: Options = Options(),
    write: @escaping @Sendable (UnsafeRawBufferPointer, UInt64) throws(LedgerError) -> Void
  ) throws(LedgerError) -> LogPosition {
    var encoder = encoder
    defer { encoder.deallocate() }
    let pipeline = Pipeline(
      after: position, isParallel: options.isParallel ?? (source.eventCount >= 2048),
      chunkSize: options.chunkSize, chunkLimit: options.chunkLimit, write: write)
    defer { pipeline.finish() }
    do {
      let expected = UInt64(source.eventCount)
      // The chunk being filled, its buffer and spans held here while it fills: they change
      // for every record, and the chunk's stored properties would cost an access check.
      var current = pipeline.chunk()
      var output = current.buffer
      var spans: [RecordFormat.RecordSpan] = []
      swap(&spans, &current.spans)
      func take(_ span: RecordFormat.RecordSpan) throws {
        spans.append(span)
        if output.count >= options.chunkSize {
          current.buffer = output
          swap(&spans, &current.spans)
          try pipeline.submit(current)
          current = try pipeline.nextChunk()
          output = current.buffer
          swap(&spans, &current.spans)
        }
      }
      if let encoded = source as? any EncodedEventSource {
        try encoded.encodeEvents(into: &encoder) { encoder, type, hasPersonalPart in
          guard encoder.encodedCount < expected else {
            throw EventBatchSourceMismatch.error(expected: source.eventCount, produced: nil)
          }
          try take(
            try encoder.appendRecord(type: type, hasPersonalPart: hasPersonalPart, to: &output))
        }
      } else {
        try source.forEachEvent { payload in
          guard encoder.encodedCount < expected else {
            throw EventBatchSourceMismatch.error(expected: source.eventCount, produced: nil)
          }
          try take(try encoder.append(payload, to: &output))
        }
      }
      guard encoder.encodedCount == expected else {
        throw EventBatchSourceMismatch.error(
          expected: source.eventCount, produced: Int(encoder.encodedCount))
      }
      current.buffer = output
      swap(&spans, &current.spans)
      if !current.spans.isEmpty { try pipeline.submit(current) }
      return try pipeline.drain()
    } catch let error as LedgerError {
      throw error
    } catch {
      throw LedgerError(.io, "cannot append: \(error)")
    }
  }

  /// A chunk of encoded records and where each lies in it.
  final class Chunk: @unchecked Sendable {
    var buffer: RawByteBuffer
    var spans: [RecordFormat.RecordSpan] = []
    /// The chain hash of the chunk's last record, once chained.
    var lastHash = SHA256Digest.zero

    init(size: Int) {
      buffer = RawByteBuffer(capacity: size + (64 << 10))
      spans.reserveCapacity(size / 128)
    }

    deinit { buffer.deallocate() }

    func reset() {
      buffer.removeAll()
      spans.removeAll(keepingCapacity: true)
    }

    /// Chains the records after `previous`; returns the last hash.
    func chain(after previous: SHA256Digest) -> SHA256Digest {
      var hash = previous
      let base = buffer.base
      for span in spans { hash = RecordFormat.chain(span, in: base, after: hash) }
      lastHash = hash
      return hash
    }

    func checksum() {
      let base = buffer.base
      for span in spans { RecordFormat.checksum(span, in: base) }
    }
  }

  /// A first-in first-out queue of chunks between two threads; taking waits for a chunk or
  /// for the queue to be closed.
  final class Handoff: @unchecked Sendable {
    private let condition = NSCondition()
    private var chunks: [Chunk] = []
    private var isClosed = false

    func put(_ chunk: Chunk) {
      condition.lock()
      chunks.append(chunk)
      condition.signal()
      condition.unlock()
    }

    /// The next chunk, or `nil` once the queue is closed and empty.
    func take() -> Chunk? {
      condition.lock()
      defer { condition.unlock() }
      while chunks.isEmpty && !isClosed { condition.wait() }
      return chunks.isEmpty ? nil : chunks.removeFirst()
    }

    func close() {
      condition.lock()
      isClosed = true
      condition.broadcast()
      condition.unlock()
    }
  }

  /// The chunks of one write: encoded on the calling thread, chained by a second thread,
  /// checksummed and written by a third, in order; for a small batch, all of it on the
  /// calling thread.
  final class Pipeline {
    private let isParallel: Bool
    private let chunkSize: Int
    private let chunkLimit: Int
    private let write: @Sendable (UnsafeRawBufferPointer, UInt64) throws(LedgerError) -> Void
    private let toChain = Handoff()
    private let toWrite = Handoff()
    private let written = Handoff()
    private let writer: Writer
    private var free: [Chunk] = []
    private var allocated = 0
    private var inFlight = 0
    private var isStarted = false
    private var isFinished = false
    private let start: LogPosition
    // The chain hash for chunks chained on this thread.
    private var chainedHash: SHA256Digest

    /// The writing thread's progress: the position after the last chunk written, or the
    /// error that stopped it.
    final class Writer: @unchecked Sendable {
      private let lock = NSLock()
      private var position: LogPosition
      private var failure: LedgerError?

      init(position: LogPosition) { self.position = position }

      var state: (position: LogPosition, failure: LedgerError?) {
        lock.lock()
        defer { lock.unlock() }
        return (position, failure)
      }

      /// Checksums and writes `chunk` after the last one, unless a write failed before.
      func write(
        _ chunk: Chunk,
        with write: (UnsafeRawBufferPointer, UInt64) throws(LedgerError) -> Void
      ) {
        let (current, failed) = state
        guard failed == nil else { return }
        chunk.checksum()
        let count = chunk.buffer.count
        do {
          try write(chunk.buffer.bytes(0..<count), current.offset)
        } catch {
          lock.lock()
          failure = error
          lock.unlock()
          return
        }
        guard let last = chunk.spans.last else { return }
        lock.lock()
        position = LogPosition(
          sequence: last.sequence, hash: chunk.lastHash, offset: current.offset + UInt64(count))
        lock.unlock()
      }
    }

    init(
      after position: LogPosition, isParallel: Bool, chunkSize: Int, chunkLimit: Int,
      write: @escaping @Sendable (UnsafeRawBufferPointer, UInt64) throws(LedgerError) -> Void
    ) {
      self.chunkSize = chunkSize
      self.chunkLimit = max(chunkLimit, 3)
      self.start = position
      self.writer = Writer(position: position)
      self.chainedHash = position.hash
      self.isParallel = isParallel
      self.write = write
    }

    /// A chunk to encode into: a fresh one while under the limit.
    func chunk() -> Chunk {
      allocated += 1
      return Chunk(size: chunkSize)
    }

    /// The next chunk to encode into, written-out chunks first.
    func nextChunk() throws(LedgerError) -> Chunk {
      if let chunk = free.popLast() { return chunk }
      if allocated < chunkLimit { return chunk() }
      return try takeWritten()
    }

    /// Hands a full chunk on to be chained and written.
    func submit(_ chunk: Chunk) throws(LedgerError) {
      inFlight += 1
      if isParallel {
        if !isStarted { startThreads() }
        toChain.put(chunk)
      } else {
        chainedHash = chunk.chain(after: chainedHash)
        writer.write(chunk, with: write)
        written.put(chunk)
        free.append(try takeWritten())
      }
    }

    /// Waits for every chunk in flight to be written; returns the position after the last.
    func drain() throws(LedgerError) -> LogPosition {
      while inFlight > 0 { free.append(try takeWritten()) }
      let (position, failure) = writer.state
      if let failure { throw failure }
      return position
    }

    /// Stops the other threads (after the chunks they have) and waits for them.
    func finish() {
      guard !isFinished else { return }
      isFinished = true
      toChain.close()
      guard isStarted else { return }
      while written.take() != nil {}
    }

    private func startThreads() {
      isStarted = true
      let toChain = toChain
      let toWrite = toWrite
      let written = written
      let writer = writer
      let write = write
      let start = start.hash
      let chaining = Thread {
        var hash = start
        while let chunk = toChain.take() {
          hash = chunk.chain(after: hash)
          toWrite.put(chunk)
        }
        toWrite.close()
      }
      chaining.name = "storyledger.chain"
      chaining.start()
      let writing = Thread {
        while let chunk = toWrite.take() {
          writer.write(chunk, with: write)
          written.put(chunk)
        }
        written.close()
      }
      writing.name = "storyledger.write"
      writing.start()
    }

    /// Waits for the next written chunk; returns it emptied, or throws the write's error.
    private func takeWritten() throws(LedgerError) -> Chunk {
      guard let chunk = written.take() else {
        throw LedgerError(.io, "the writing thread stopped early")
      }
      inFlight -= 1
      if let failure = writer.state.failure { throw failure }
      chunk.reset()
      return chunk
    }
  }
}
