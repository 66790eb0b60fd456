import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// What ``FileLog/recover(_:timeout:)`` would do to a ledger whose log ends in damage.
///
/// A damaged *tail* is a run of bad bytes that reaches the end of `events.log` with no intact
/// record after it: a log cut short, a torn or damaged last record, a head that no longer
/// matches the log. Recovery cuts the log back to the end of the last whole batch before
/// the damage and rewrites `events.head` to match. Damage followed by any intact record is
/// *before the tail*: the events after it are sound, so cutting would throw them away; the
/// plan refuses it and the ledger should be restored from a copy.
///
/// ```swift
/// let log = try FileLog(directory: URL(filePath: "ledger"))
/// let plan = try log.recoveryPlan()
/// if plan.verdict == .recoverable { print(plan); try log.recover(plan) }
/// ```
public struct RecoveryPlan: Hashable, Sendable, CustomStringConvertible {
  /// What recovery can do.
  public enum Verdict: String, Hashable, Sendable {
    /// Nothing to repair: the log is intact, its head matches, nothing follows it.
    case intact
    /// The damage is a tail; ``FileLog/recover(_:timeout:)`` cuts it.
    case recoverable
    /// Intact records follow the damage; recovery will not touch it.
    case refused
  }

  /// What recovery can do.
  public var verdict: Verdict
  /// The first bad record (as `verify` names it), or `nil` when every record is intact and
  /// only the head or an incomplete batch at the end needs repair.
  public var problem: VerificationReport.Problem?
  /// Where the log will end: after the last whole batch before the damage.
  public var keep: LogPosition
  /// The log's size now.
  public var logSize: UInt64
  /// The head `events.head` records now, or `nil` when it is missing or damaged.
  public var recordedHead: LogPosition?
  /// The offset of the first intact record after the damage, when there is one (the reason
  /// for a refusal).
  public var intactRecordAfterDamage: UInt64?
  /// The bytes the cut drops.
  public var droppedBytes: UInt64 { logSize > keep.offset ? logSize - keep.offset : 0 }
  /// The events (whole, partial or damaged) the cut drops: sequence numbers
  /// `keep.sequence + 1` through `keep.sequence + droppedEvents`.
  public var droppedEvents: UInt64
  /// How many of the dropped events `events.head` records as committed: appends that had
  /// returned success and are lost with the damage.
  public var acknowledgedEventsLost: UInt64 {
    guard let recordedHead, recordedHead.sequence > keep.sequence else { return 0 }
    return recordedHead.sequence - keep.sequence
  }
  /// How many events `events.head` records as committed that the log holds no record of
  /// at all (a log cut short, or a head whose sequence number is wrong): counted apart from
  /// ``droppedEvents``, which are the records the cut really drops.
  public var eventsMissingFromLog: UInt64 {
    let lastDropped = keep.sequence + droppedEvents
    guard let recordedHead, recordedHead.sequence > lastDropped else { return 0 }
    return recordedHead.sequence - lastDropped
  }
  /// `event 4` or `events 4 to 9`: the sequence numbers the cut drops.
  var droppedRange: String {
    let first = keep.sequence + 1
    return droppedEvents == 1
      ? "event \(first)" : "events \(first) to \(keep.sequence + droppedEvents)"
  }
  /// Whether `events.head` is rewritten to ``keep``.
  public var rewritesHead: Bool { recordedHead != keep }
  /// The bytes of `events.head` when the plan was made, so that ``FileLog/recover(_:timeout:)``
  /// acts only on the ledger the plan describes.
  var headBytes: [UInt8]

  /// One paragraph saying what was found and what recovery does (or why it refuses).
  public var description: String {
    let damage = problem.map { "the first bad record is \($0)" } ?? "every record is intact"
    switch verdict {
    case .intact:
      return
        "the log is intact (\(keep.sequence) events, \(keep.offset) bytes) and its head matches: nothing to recover"
    case .refused:
      let after = intactRecordAfterDamage.map { " (an intact record starts at byte \($0))" } ?? ""
      return
        "\(damage), and intact records follow it\(after): the damage is before the tail, so recovery would throw sound events away and refuses; restore the ledger from a copy"
    case .recoverable:
      var text =
        "\(damage). Recovery cuts events.log at byte \(keep.offset), after event \(keep.sequence), "
      if droppedBytes > 0 {
        text +=
          "dropping \(droppedBytes) bytes"
          + (droppedEvents > 0
            ? " that hold \(droppedRange) (\(min(acknowledgedEventsLost, droppedEvents)) of \(droppedEvents) recorded as committed by events.head)"
            : "")
      } else {
        text += "dropping nothing from the log"
      }
      if eventsMissingFromLog > 0 {
        let first = keep.sequence + droppedEvents + 1
        let last = first + eventsMissingFromLog - 1
        text +=
          "; events.head records \(first == last ? "event \(first)" : "events \(first) to \(last)") as committed too, which the log holds no record of"
      }
      if rewritesHead {
        text += ", and rewrites events.head to event \(keep.sequence)"
      }
      return text + "."
    }
  }
}

extension FileLog {
  /// Describes the damage at the end of the log, if any, and what ``recover(_:timeout:)``
  /// would cut. Reads the whole log; changes nothing.
  ///
  /// The log is checked as `verify` checks it (checksums, sequence numbers, the chain,
  /// personal digests) up to the first bad record. If any intact record follows it, the
  /// plan is ``RecoveryPlan/Verdict/refused``; otherwise the log is kept up to the end of
  /// the last whole batch before the damage (so an import is kept whole or not at all).
  public func recoveryPlan() throws(LedgerError) -> RecoveryPlan {
    let size = try reader.size()
    let headBytes =
      (try? SystemFile(path: headPath, flags: O_RDONLY).read(count: FileLog.headSize, at: 0))
      ?? []
    let recordedHead = FileLog.decodeHead(headBytes)
    var verifier = ChainVerifier()
    var batchEnd = LogPosition.start(offset: UInt64(RecordFormat.fileHeaderSize))
    let outcome: RecordScanner.End
    do {
      outcome = try RecordScanner().scan(
        from: UInt64(RecordFormat.fileHeaderSize), to: size, read: readFunction()
      ) { record, offset in
        guard verifier.check(record, at: offset) else { return false }
        let position = LogPosition(
          sequence: record.sequence, hash: record.storedHash,
          offset: offset + UInt64(record.totalSize))
        if record.isEndOfBatch { batchEnd = position }
        return true
      }
    } catch let error as LedgerError {
      throw error
    } catch {
      throw LedgerError(.io, "cannot read \(logPath): \(error)", path: logPath)
    }
    let problem = verifier.problem(endingWith: outcome)
    // The events the cut drops: the records the log holds after the kept batch (the
    // damaged one included). A head that names events past them (a forged or stale
    // sequence number) adds none: they are not in the log to be dropped.
    let lastDropped = problem.map(\.sequence) ?? (verifier.expectedSequence - 1)
    var plan = RecoveryPlan(
      verdict: .recoverable, problem: problem, keep: batchEnd, logSize: size,
      recordedHead: recordedHead, intactRecordAfterDamage: nil,
      droppedEvents: lastDropped > batchEnd.sequence ? lastDropped - batchEnd.sequence : 0,
      headBytes: headBytes)
    if let problem {
      plan.intactRecordAfterDamage = try firstIntactRecord(after: problem.offset, size: size)
      if plan.intactRecordAfterDamage != nil {
        plan.verdict = .refused
        return plan
      }
    }
    if problem == nil, size == batchEnd.offset, recordedHead == batchEnd {
      plan.verdict = .intact
    }
    return plan
  }

  /// The offset of the first intact record (plausible length, whole within the file,
  /// checksum matching) that starts after `damage`, searching every byte offset, or `nil`.
  func firstIntactRecord(after damage: UInt64, size: UInt64) throws(LedgerError) -> UInt64? {
    let window = 1 << 20
    var start = damage + 1
    while start + UInt64(RecordFormat.frameSize) <= size {
      let bytes = try reader.read(count: window + 3, at: start)
      guard bytes.count >= 4 else { return nil }
      let candidates = bytes.count - 3
      for index in 0..<candidates {
        let length =
          UInt64(bytes[index]) | UInt64(bytes[index + 1]) << 8 | UInt64(bytes[index + 2]) << 16
          | UInt64(bytes[index + 3]) << 24
        let offset = start + UInt64(index)
        guard length >= UInt64(RecordFormat.minimumBodySize),
          length <= UInt64(RecordFormat.maximumBodySize),
          offset + UInt64(RecordFormat.frameSize) + length <= size,
          let record = try RecordAccess.recordBytes(at: offset, read: readFunction())
        else { continue }
        let isIntact = record.withUnsafeBytes { raw in
          if case .record = RecordFormat.scan(raw, at: 0) { return true }
          return false
        }
        if isIntact { return offset }
      }
      start += UInt64(candidates)
    }
    return nil
  }

  /// Cuts the damaged tail `plan` describes, under the write lock: truncates `events.log` at
  /// ``RecoveryPlan/keep``, syncs it, rewrites `events.head`, and removes the projection
  /// snapshot and `events.index` when they reach past the cut. Returns the plan carried out.
  ///
  /// The plan is made again under the lock; if the ledger changed since `plan` was made (a
  /// writer appended, another recovery ran) nothing is done and
  /// ``LedgerError/Code/conflict`` is thrown. A refused plan throws
  /// ``LedgerError/Code/corrupt``; an intact one does nothing.
  @discardableResult
  public func recover(_ plan: RecoveryPlan, timeout: Duration = .seconds(10)) throws(LedgerError)
    -> RecoveryPlan
  {
    try acquireLock(timeout: timeout, recoveringTail: false)
    defer { releaseLock() }
    let current = try recoveryPlan()
    guard current == plan else {
      throw LedgerError(
        .conflict,
        "the ledger changed since the recovery plan was made; nothing was done: look at the new plan",
        path: directory.path)
    }
    switch current.verdict {
    case .intact: return current
    case .refused:
      throw LedgerError(
        .corrupt, "recovery refused: \(current.description)", path: logPath)
    case .recoverable: break
    }
    if current.logSize > current.keep.offset {
      let writer = try SystemFile(path: logPath, flags: O_RDWR)
      try writer.truncate(to: current.keep.offset)
      try writer.synchronize()
    }
    if current.rewritesHead {
      let file = try SystemFile(path: headPath, flags: O_RDWR | O_CREAT)
      try file.write(FileLog.encodeHead(current.keep), at: 0)
      try file.truncate(to: UInt64(FileLog.headSize))
      try file.synchronize()
    }
    // Caches that describe events past the cut would be trusted wrongly by nothing (both are
    // checked against the log), but they are stale: remove them.
    if let position = Snapshot.position(in: directory.path),
      position.sequence > current.keep.sequence
    {
      SystemFile.remove(Snapshot.path(in: directory.path))
    }
    SystemFile.remove(indexPath)
    try SystemFile.synchronizeDirectory(directory.path)
    return current
  }
}

extension Snapshot {
  /// The log position the snapshot in `directory` reflects, or `nil` when there is none this
  /// build can read.
  static func position(in directory: String) -> LogPosition? {
    guard let file = try? SystemFile(path: path(in: directory), flags: O_RDONLY),
      let region = try? MappedRegion(file: file), let header = header(of: region)
    else { return nil }
    return header.position
  }

  /// Why the snapshot in `directory` cannot be used with its log (it was taken from another
  /// ledger, or from events the log no longer holds), or `nil` when the log proves its
  /// position, there is no snapshot, or the log itself cannot be read (`verify` reports that).
  static func provenanceProblem(in directory: String) -> String? {
    guard let position = position(in: directory),
      let log = try? FileLog(directory: URL(filePath: directory)),
      let isProven = try? log.proves(position)
    else { return nil }
    guard !isProven else { return nil }
    return
      "\(fileName) was not taken from this log (event \(position.sequence) at byte \(position.offset) is not a point of its chain): it is ignored; run `storyledger rebuild` to replace it"
  }
}
