extension RecordScanner {
  /// A record checked (its checksum, flags and lengths) and decoded, or the reason it does
  /// not decode.
  struct DecodedRecord: Sendable {
    /// The absolute offset of the record.
    var offset: UInt64
    /// The sequence number the record carries.
    var sequence: UInt64
    /// The event, or why the record's bytes are not one.
    var event: Result<RecordedEvent, DecodingFailure>
  }

  /// Calls `body` with every record from `start` up to `end`, checked and decoded, in
  /// order, with the same end as ``scan(from:to:read:_:)``. `body` returns `false` to stop.
  ///
  /// Replaying the log is reading, checking and decoding every record and folding it into
  /// the state. With `readsAhead`, the reading, framing and checksums of the next chunk are
  /// done on another thread while this one decodes and folds; decoding stays on this
  /// thread. (Decoding on other threads was tried: the events' strings are then freed on
  /// one thread while other threads allocate, and the allocator's locking cost more than
  /// the second core gained.)
  func scanDecoded(
    from start: UInt64, to end: UInt64, read: @escaping ReadFunction,
    _ body: (DecodedRecord) throws -> Bool
  ) throws -> End {
    var scanner = self
    scanner.checksumsAhead = true
    var damage: End?
    let framed = try scanner.scanChunks(from: start, to: end, read: read) { chunk in
      for (index, offset) in chunk.records.enumerated() {
        let absolute = chunk.start + UInt64(offset)
        let bodySize = chunk.end(of: index) - offset - RecordFormat.frameSize
        // The checksum was checked with the framing.
        switch RecordFormat.parse(chunk.bytes, at: offset, bodySize: bodySize) {
        case .record(let record):
          let decoded = DecodedRecord(
            offset: absolute, sequence: record.sequence,
            event: Result { () throws(DecodingFailure) in try RecordFormat.decode(record) })
          guard try body(decoded) else { return false }
        case .damaged(let reason):
          damage = .damaged(absolute, reason)
          return false
        case .incomplete:
          damage = .incomplete(absolute)
          return false
        }
      }
      return true
    }
    return damage ?? framed
  }
}
