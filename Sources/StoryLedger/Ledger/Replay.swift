import Foundation

/// Folds a range of a store's events into a state, reading and decoding on one thread while
/// the calling thread applies, so that a long replay uses two cores.
///
/// Short ranges are folded on the calling thread alone: starting a thread costs more than
/// it saves there.
enum Replay {
  /// Ranges with fewer events than this are folded without a second thread.
  static let pipelineThreshold: UInt64 = 50_000
  static let chunkSize = 8192

  /// Applies the events after `start` up to `end` to `state`.
  static func fold(
    _ store: any EventStore, after start: LogPosition, upTo end: LogPosition,
    into state: inout LedgerState, threshold: UInt64 = pipelineThreshold,
    progress: ((UInt64) -> Void)?
  ) throws {
    guard end.sequence > start.sequence, end.sequence - start.sequence > threshold else {
      try store.read(after: start, upTo: end) { event in
        try state.apply(event)
        if event.sequence % 131_072 == 0 { progress?(event.sequence) }
      }
      return
    }
    let channel = Channel()
    let reader = Thread {
      do {
        var chunk: [RecordedEvent] = []
        chunk.reserveCapacity(chunkSize)
        try store.read(after: start, upTo: end) { event in
          chunk.append(event)
          if chunk.count == chunkSize {
            guard channel.send(chunk) else { throw CancellationError() }
            chunk.removeAll(keepingCapacity: true)
          }
        }
        if !chunk.isEmpty { _ = channel.send(chunk) }
        channel.finish(error: nil)
      } catch {
        channel.finish(error: error)
      }
    }
    reader.stackSize = 1 << 22
    reader.start()
    do {
      while let chunk = try channel.receive() {
        for event in chunk { try state.apply(event) }
        if let last = chunk.last { progress?(last.sequence) }
      }
    } catch {
      channel.cancel()
      throw error
    }
  }

  /// A bounded queue of chunks between the reading thread and the folding one.
  final class Channel: @unchecked Sendable {
    private let condition = NSCondition()
    private var chunks: [[RecordedEvent]] = []
    private var isFinished = false
    private var isCancelled = false
    private var failure: (any Error)?
    private let capacity = 4

    /// Queues a chunk, waiting while the queue is full; `false` once the folder gave up.
    func send(_ chunk: [RecordedEvent]) -> Bool {
      condition.lock()
      defer { condition.unlock() }
      while chunks.count >= capacity && !isCancelled { condition.wait() }
      guard !isCancelled else { return false }
      chunks.append(chunk)
      condition.broadcast()
      return true
    }

    /// Marks the end of the events, with the reader's error if it failed.
    func finish(error: (any Error)?) {
      condition.lock()
      isFinished = true
      failure = error
      condition.broadcast()
      condition.unlock()
    }

    /// Tells the reader to stop.
    func cancel() {
      condition.lock()
      isCancelled = true
      condition.broadcast()
      condition.unlock()
    }

    /// The next chunk, or `nil` at the end; throws the reader's error.
    func receive() throws -> [RecordedEvent]? {
      condition.lock()
      defer { condition.unlock() }
      while chunks.isEmpty && !isFinished { condition.wait() }
      if !chunks.isEmpty {
        let chunk = chunks.removeFirst()
        condition.broadcast()
        return chunk
      }
      if let failure { throw failure }
      return nil
    }
  }
}
