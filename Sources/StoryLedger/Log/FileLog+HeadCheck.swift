import Foundation

/// Checking `events.head` against the log before it is trusted: a head whose own
/// checksum is valid but whose sequence number or hash is not that of the record ending at
/// its offset would make a writer number its records after a gap, or chain them from a
/// hash the log does not hold, and a later recovery would drop them.
extension FileLog {
  /// The last head found to match its log, so that reading the head again costs nothing more.
  final class CheckedHead: @unchecked Sendable {
    private let lock = NSLock()
    private var position: LogPosition?

    func matches(_ candidate: LogPosition) -> Bool {
      lock.lock()
      defer { lock.unlock() }
      return position == candidate
    }

    func remember(_ candidate: LogPosition) {
      lock.lock()
      position = candidate
      lock.unlock()
    }
  }

  /// Checks that `position` (read from `events.head`) is the record that ends at its offset:
  /// its sequence number, its chain hash, and the end of a batch.
  ///
  /// The record is found from its end: among the offsets before the head, the one whose
  /// length word reaches exactly to the head and whose record passes its checksum. The last
  /// few KiB of the log are read, more only for a larger record.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/corrupt`` when the head does not match.
  func checkAgainstLog(_ position: LogPosition) throws(LedgerError) {
    if checkedHead.matches(position) { return }
    let start = UInt64(RecordFormat.fileHeaderSize)
    func mismatch(_ found: String) -> LedgerError {
      LedgerError(
        .corrupt,
        "events.head records event \(position.sequence) ending at byte \(position.offset), but \(found); nothing is read or written past it: `storyledger verify` checks the log and `storyledger recover` rewrites the head",
        path: headPath)
    }
    guard position.offset > start else {
      guard position.offset == start, position.sequence == 0, position.hash == .zero else {
        throw mismatch("the log holds no event there")
      }
      checkedHead.remember(position)
      return
    }
    let available = position.offset - start
    let largest = UInt64(RecordFormat.frameSize + RecordFormat.maximumBodySize)
    var window = min(available, 4096)
    while true {
      let bytes = try reader.read(count: Int(window), at: position.offset - window)
      guard bytes.count == Int(window) else { throw mismatch("the log is shorter than that") }
      let found = bytes.withUnsafeBytes { raw -> RecordFormat.RecordView? in
        let smallest = RecordFormat.frameSize + RecordFormat.minimumBodySize
        guard raw.count >= smallest else { return nil }
        var candidate = raw.count - smallest
        while candidate >= 0 {
          let length = raw.loadUnaligned(fromByteOffset: candidate, as: UInt32.self).littleEndian
          if Int(length) == raw.count - candidate - RecordFormat.frameSize,
            case .record(let record) = RecordFormat.scan(raw, at: candidate)
          {
            return record
          }
          candidate -= 1
        }
        return nil
      }
      if let record = found {
        guard record.sequence == position.sequence, record.storedHash == position.hash else {
          throw mismatch(
            "the record that ends there is event \(record.sequence) with another chain hash")
        }
        guard record.isEndOfBatch else {
          throw mismatch("the record that ends there is not the end of an append")
        }
        checkedHead.remember(position)
        return
      }
      guard window < available, window < largest else {
        throw mismatch("no intact record of the log ends there")
      }
      window = min(available, largest, window * 16)
    }
  }
}
