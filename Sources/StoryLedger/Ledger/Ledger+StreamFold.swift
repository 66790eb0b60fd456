import Foundation

/// Folding a large streamed append (an import) into the state while it is written.
///
/// The encoding thread folds each event from the bytes it has just encoded
/// (``LedgerState/foldEncoded(type:schemaVersion:sequence:publicBytes:personalBytes:cache:)``)
/// while the other threads chain and write, into a copy of the state that replaces the
/// ledger's only once the append is durable.
extension Ledger {
  /// Batches of at least this many events are folded while they are written.
  static let streamFoldThreshold = 65_536

  /// Whether a batch of `eventCount` events is worth folding while it is written into a
  /// copy of `state`: folding into a copy copies the state's columns, which pays for a
  /// batch that is large beside the state.
  static func isWorthStreamFolding(_ eventCount: Int, into state: LedgerState) -> Bool {
    let size = state.storyCount + state.tellingCount + state.revisionCount
    return eventCount >= streamFoldThreshold && eventCount >= size
  }

  /// Appends `source` to `store` after `position` (the head, under the write lock) and,
  /// for a batch that `shouldFold` (by default ``isWorthStreamFolding(_:into:)``) from a
  /// source that writes its own bytes, folds its events into a copy of `state` as they
  /// are encoded.
  ///
  /// - Returns: the new head, and the state with the batch folded in; `nil` when the
  ///   events were not all folded (a small batch, a store that does not stream, an event
  ///   the fast fold could not apply): the caller then folds them one by one, from the
  ///   unchanged state.
  static func appendFolding<Source: EventBatchSource>(
    _ source: Source, to store: any EventStore, options: AppendOptions,
    after position: LogPosition, state: LedgerState,
    shouldFold: (_ eventCount: Int, _ state: LedgerState) -> Bool = isWorthStreamFolding
  ) throws -> (head: LogPosition, state: LedgerState?) {
    guard shouldFold(source.eventCount, state), let encoded = source as? any EncodedEventSource
    else {
      let head = try store.append(
        contentsOf: source, actor: options.actor ?? Ledger.defaultActor,
        idempotencyKey: options.idempotencyKey,
        after: position)
      return (head, nil)
    }
    var grown = state
    // Room for what the batch adds, rather than columns doubling (copying, and touching
    // fresh pages) as they grow.
    (source as? any StateGrowth)?.reserveGrowth(in: &grown)
    let fold = StreamFold(state: grown)
    let head = try store.append(
      contentsOf: FoldingSource(base: encoded, fold: fold),
      actor: options.actor ?? Ledger.defaultActor,
      idempotencyKey: options.idempotencyKey, after: position)
    guard fold.isComplete, fold.folded == source.eventCount else { return (head, nil) }
    return (head, fold.take())
  }
}

/// The state a streamed append folds into, shared by the source that folds it and the
/// ledger that takes it once the append is durable.
final class StreamFold: @unchecked Sendable {
  private var state: LedgerState
  /// The number of events folded.
  private(set) var folded = 0
  /// Whether every event so far was folded: `false` once one could not be (the state is
  /// then not used).
  private(set) var isComplete = true

  init(state: LedgerState) { self.state = state }

  /// The state, leaving an empty one: moved out so that folding into it copies nothing.
  func take() -> LedgerState {
    var taken = LedgerState()
    swap(&taken, &state)
    return taken
  }

  /// Folds the events `encode` produces into the state, on the calling thread: `encode`
  /// calls its argument with the encoder holding each event's parts, before handing them on.
  func folding(
    _ encode: ((inout RecordEncoder, EventType, Bool) -> Void) throws -> Void
  ) rethrows {
    // A local state and cache, not the stored ones: a stored property of a class is
    // checked for exclusive access at every use.
    var state = take()
    var cache = LedgerState.RecordFoldCache()
    var folded = self.folded
    var isComplete = self.isComplete
    defer {
      self.state = state
      self.folded = folded
      self.isComplete = isComplete
    }
    try encode { encoder, type, hasPersonalPart in
      guard isComplete else { return }
      let publicBytes = encoder.publicPart.bytes(0..<encoder.publicPart.count)
      let personalBytes =
        hasPersonalPart ? encoder.personalPart.bytes(0..<encoder.personalPart.count) : nil
      do {
        try state.foldEncodedOrApply(
          type: type, sequence: encoder.nextSequence, publicBytes: publicBytes,
          personalBytes: personalBytes, cache: &cache)
      } catch {
        isComplete = false
        return
      }
      folded += 1
    }
  }
}

/// A source that folds its base's events into a ``StreamFold`` as they are encoded.
struct FoldingSource: EncodedEventSource {
  let base: any EncodedEventSource
  let fold: StreamFold

  var eventCount: Int { base.eventCount }

  /// A store that does not stream reads the events as payloads: they are not folded.
  func forEachEvent(_ body: (EventPayload) throws -> Void) rethrows {
    try base.forEachEvent(body)
  }

  func encodeEvents(
    into encoder: inout RecordEncoder,
    _ emit: (_ encoder: inout RecordEncoder, _ type: EventType, _ hasPersonalPart: Bool) throws ->
      Void
  ) rethrows {
    try fold.folding { foldEvent in
      try base.encodeEvents(into: &encoder) { encoder, type, hasPersonalPart in
        foldEvent(&encoder, type, hasPersonalPart)
        try emit(&encoder, type, hasPersonalPart)
      }
    }
  }
}

/// A batch that knows how many records folding it adds to a state.
protocol StateGrowth {
  /// Reserves room in `state`'s columns for the records the batch adds.
  func reserveGrowth(in state: inout LedgerState)
}

extension ImportPlan: StateGrowth {
  func reserveGrowth(in state: inout LedgerState) {
    state.stories.reserveCapacity(state.stories.count + storiesAdded)
    state.tellings.reserveCapacity(state.tellings.count + tellingsAdded)
    state.items.reserveCapacity(state.items.count + itemsAdded)
    // Every new item has its first revision.
    state.revisions.reserveCapacity(state.revisions.count + itemsAdded + revisionsAdded)
  }
}
