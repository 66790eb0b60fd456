/// A store that hands out its checked records, so that replay can fold them into a state
/// from their bytes (see `LedgerState.foldRecord(_:cache:)`) instead of decoding every
/// event first.
protocol RecordFoldingStore: EventStore {
  /// Calls `body` with every committed record after `position` up to `end`, checked (its
  /// checksum and its sequence number), and its offset; throws as ``EventStore/read(after:upTo:_:)``
  /// throws for a damaged log.
  func scanRecords(
    after position: LogPosition, upTo end: LogPosition,
    _ body: (RecordFormat.RecordView, UInt64) throws -> Void
  ) throws

  /// The event of a checked record at `offset`, or the error that reports it unreadable.
  func decode(_ record: RecordFormat.RecordView, at offset: UInt64) throws(LedgerError)
    -> RecordedEvent
}

extension FileLog: RecordFoldingStore {}
extension InMemoryLog: RecordFoldingStore {}

extension RecordFoldingStore {
  /// Folds the events after `start` up to `end` into `state`: the same state, and the
  /// same errors, as reading them and applying each with ``LedgerState/apply(_:)``.
  ///
  /// - Parameter progress: called now and then with the sequence number reached.
  func fold(
    after start: LogPosition, upTo end: LogPosition, into state: inout LedgerState,
    progress: ((UInt64) -> Void)?
  ) throws {
    var cache = LedgerState.RecordFoldCache()
    try scanRecords(after: start, upTo: end) { record, offset in
      if !state.foldRecord(record, cache: &cache) {
        let event = try decode(record, at: offset)
        try state.apply(event)
        cache.update(after: event.type)
      }
      if record.sequence % 131_072 == 0 { progress?(record.sequence) }
    }
  }
}
