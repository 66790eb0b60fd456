/// Scanning the committed records in order, for readers.
extension FileLog {
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
    var start = max(position.offset, UInt64(RecordFormat.fileHeaderSize))
    var expected = position.sequence + 1
    var waitedAt: UInt64?
    while true {
      var failure: LedgerError?
      // The next chunk is read, framed and checksummed on another thread meanwhile.
      let scanner = RecordScanner(readsAhead: true, checksumsAhead: true)
      let outcome = try scanner.scan(from: start, to: end.offset, read: readFunction()) {
        record, offset in
        guard record.sequence == expected else {
          failure = LedgerError(
            .corrupt,
            "events.log: the record at byte \(offset) has sequence number \(record.sequence) where \(expected) was expected; run `storyledger verify`",
            path: logPath)
          return false
        }
        try body(record, offset)
        expected += 1
        return true
      }
      if let failure { throw failure }
      switch outcome {
      case .clean: return
      case .incomplete(let offset), .damaged(let offset, _):
        // A record an erasure is rewriting in place: wait for it, then read on from there.
        if waitedAt != offset, awaitErasure() {
          waitedAt = offset
          start = offset
          continue
        }
        let reason: String
        if case .damaged(_, let text) = outcome {
          reason = text
        } else {
          reason = "the record is cut short"
        }
        throw LedgerError(
          .corrupt,
          "events.log is damaged at byte \(offset) (event \(expected)): \(reason); run `storyledger verify` (and `storyledger recover` if the damage is at the end of the log)",
          path: logPath)
      }
    }
  }
}
