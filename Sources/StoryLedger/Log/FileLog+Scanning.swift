/// Scanning the committed records in order, for readers.
extension FileLog: RecordScanning {
  /// Calls `body` with every committed record after `position` up to `end`, checked (its
  /// checksum and its sequence number).
  public func forEachRecord(
    after position: LogPosition, upTo end: LogPosition, _ body: (LogRecord) throws -> Void
  ) throws {
    try scanRecords(after: position, upTo: end) { record, offset in
      try body(LogRecord(record, offset: offset))
    }
  }

  /// The event of a checked record, or the error that reports it unreadable.
  public func decode(_ record: LogRecord) throws(LedgerError) -> RecordedEvent {
    do { return try RecordFormat.decode(record.view) } catch {
      throw LedgerError(
        .corrupt,
        "events.log: event \(record.sequence) at byte \(record.offset) cannot be read: \(error)",
        path: logPath)
    }
  }

  /// Calls `body` with every committed record after `position` up to `end`, checked (its
  /// checksum and its sequence number), and its offset.
  ///
  /// A damaged record may be one an erasure is rewriting in place: the scan waits for the
  /// writers' lock (``awaitErasure()``) and reads on from that record, once per record,
  /// before reporting it.
  func scanRecords(
    after position: LogPosition, upTo end: LogPosition,
    _ body: (RecordFormat.RecordView, UInt64) throws -> Void
  ) throws {
    var start = position.offset
    var expected = position.sequence + 1
    var waitedAt: UInt64?
    while true {
      // The next chunk is read, framed and checksummed on another thread meanwhile.
      let scanner = RecordScanner(readsAhead: true, checksumsAhead: true)
      let outcome = try scanner.scanCommitted(
        from: start, to: end.offset, expecting: &expected, read: readFunction(),
        gap: { offset, found, expected in
          LedgerError(
            .corrupt,
            "events.log: the record at byte \(offset) has sequence number \(found) where \(expected) was expected; run `storyledger verify`",
            path: logPath)
        }, body)
      switch outcome {
      case .clean: return
      case .incomplete(let offset), .damaged(let offset, _):
        // A record an erasure is rewriting in place: wait for it, then read on from there.
        if waitedAt != offset, awaitErasure() {
          waitedAt = offset
          start = offset
          continue
        }
        throw LedgerError(
          .corrupt,
          "events.log is damaged at byte \(offset) (event \(expected)): \(outcome.reason); run `storyledger verify` (and `storyledger recover` if the damage is at the end of the log)",
          path: logPath)
      }
    }
  }
}

extension RecordScanner.End {
  /// What is wrong at the end of the scan: the damage, or a record cut short (empty for a
  /// clean end).
  var reason: String {
    switch self {
    case .clean: ""
    case .incomplete: "the record is cut short"
    case .damaged(_, let reason): reason
    }
  }
}
