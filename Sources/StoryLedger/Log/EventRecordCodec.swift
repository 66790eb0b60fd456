import Foundation

/// Turns events into log records and back, for an ``EventStore`` that keeps one record per
/// row or object (a database table, an object store) rather than one byte file.
///
/// The records are exactly those ``FileLog`` writes (see the record layout in the
/// library's documentation): framed, checksummed, and chained by SHA-256, each carrying its
/// sequence number, instant, actor, idempotency key and payload, with the personal text
/// (narratives, teller names) outside the hashed bytes so that it can be erased without
/// breaking the chain. A store keeps each record's bytes as they are and hands them back in
/// order; the codec does the rest.
///
/// ```swift
/// // Appending: encode the batch after the head, then store the records in one transaction.
/// let records = try EventRecordCodec.encode(batch, after: head)
/// for record in records {
///   try table.insert(sequence: record.sequence, bytes: record.bytes, hash: record.hash.bytes)
/// }
/// // Reading: decode each row's bytes.
/// let event = try EventRecordCodec.decode(row.bytes)
/// ```
public enum EventRecordCodec {
  /// One encoded event: its record bytes and the event they hold.
  public struct Record: Hashable, Sendable {
    /// The event as recorded: sequence number, instant, actor, key, payload, chain hash.
    public var event: RecordedEvent
    /// The whole record: frame, checksum, hashed bytes, personal text, chain hash.
    public var bytes: [UInt8]

    /// The event's sequence number.
    public var sequence: UInt64 { event.sequence }
    /// The event's chain hash.
    public var hash: SHA256Digest { event.hash }
  }

  /// Encodes `batch` as the records that follow `position` (the store's head): numbered from
  /// `position.sequence + 1` and chained from `position.hash`.
  ///
  /// The first record carries the batch's idempotency key, the last the end-of-batch flag.
  /// Personal text is salted with a fresh random key, so its digest does not reveal a short
  /// erased text.
  ///
  /// ```swift
  /// let records = try EventRecordCodec.encode(
  ///   AppendBatch(events: [.nodeAdded(NodeAdded(path: path, name: "North"))], actor: "ana"),
  ///   after: try store.head())
  /// ```
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` when an event is larger than a
  ///   record may be.
  public static func encode(
    _ batch: AppendBatch, after position: LogPosition, recordedAt date: Date = Date()
  ) throws(LedgerError) -> [Record] {
    var bytes: [UInt8] = []
    let events = try RecordFormat.encode(
      batch, after: position, recordedAt: FileLog.milliseconds(date),
      saltKey: FileLog.randomKey(), into: &bytes)
    var records: [Record] = []
    records.reserveCapacity(events.count)
    var offset = 0
    for event in events {
      let bodySize = bytes.withUnsafeBytes { raw in
        Int(raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian)
      }
      let end = offset + RecordFormat.frameSize + bodySize
      records.append(Record(event: event, bytes: Array(bytes[offset..<end])))
      offset = end
    }
    return records
  }

  /// Decodes the event held by one record's bytes, checking its frame and checksum.
  ///
  /// ```swift
  /// let event = try EventRecordCodec.decode(row.bytes)
  /// print(event.sequence, event.type.name)
  /// ```
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/corrupt`` when the bytes are not one whole
  ///   record, fail their checksum, or do not decode.
  public static func decode(_ bytes: [UInt8]) throws(LedgerError) -> RecordedEvent {
    let result = bytes.withUnsafeBytes { raw -> Result<RecordedEvent, LedgerError> in
      RecordFormat.wholeRecord(in: raw).flatMap(RecordFormat.decodedEvent)
    }
    return try result.get()
  }

  /// The record `bytes` with its personal text erased, or `nil` when it has none or it is
  /// erased already.
  ///
  /// Every personal byte (salt and text) is zeroed and the record marked erased; its length,
  /// hashed bytes and chain hash stay the same, so the chain still verifies. A store
  /// replaces the stored record with the result (``EventStore/erasePersonalText(sequences:)``).
  ///
  /// ```swift
  /// if let erased = EventRecordCodec.erasingPersonalText(of: row.bytes) {
  ///   try table.update(sequence: row.sequence, bytes: erased)
  /// }
  /// ```
  public static func erasingPersonalText(of bytes: [UInt8]) -> [UInt8]? {
    RecordAccess.erasingPersonalText(of: bytes)
  }
}

/// Checks a log's records one at a time, in order, as ``EventStore/verify(progress:)``
/// requires: each record's frame and checksum, gapless sequence numbers from 1, the chain
/// of hashes, the personal text against its digest, and that every event decodes.
///
/// For a store that keeps records apart (one per row): feed it every record in sequence
/// order, stopping when ``check(_:)`` returns `false`, then ask for the ``report(head:)``.
///
/// ```swift
/// var verifier = RecordChainVerifier()
/// for row in rows where !verifier.check(row.bytes) { break }
/// let report = verifier.report(head: try store.head())
/// print(report.problem?.description ?? "intact")
/// ```
public struct RecordChainVerifier: Sendable {
  private var verifier = ChainVerifier()
  private var byteCount: UInt64 = 0

  /// Creates a verifier for a log's first record.
  public init() {}

  /// The number of records checked and found sound.
  public var eventCount: UInt64 { verifier.expectedSequence - 1 }

  /// The chain hash of the last sound record (``SHA256Digest/zero`` before the first).
  public var lastHash: SHA256Digest { verifier.previousHash }

  /// The first problem found, if any.
  public var problem: VerificationReport.Problem? { verifier.problem }

  /// Checks the next record; returns `false`, and records the ``problem``, when it is bad
  /// (the records after a bad one are not checked).
  public mutating func check(_ bytes: [UInt8]) -> Bool {
    guard verifier.problem == nil else { return false }
    let offset = byteCount
    let sequence = verifier.expectedSequence
    let reason = bytes.withUnsafeBytes { raw -> String? in
      switch RecordFormat.scan(raw, at: 0) {
      case .incomplete: return "the record is cut short"
      case .damaged(let reason): return reason
      case .record(let record):
        guard record.totalSize == raw.count else {
          return "\(raw.count - record.totalSize) bytes follow the record"
        }
        return verifier.check(record, at: offset) ? nil : ""
      }
    }
    if let reason {
      if verifier.problem == nil {
        verifier.problem = .init(sequence: sequence, offset: offset, reason: reason)
      }
      return false
    }
    byteCount += UInt64(bytes.count)
    return true
  }

  /// What the records checked so far amount to; with the store's `head`, also whether the
  /// head matches the last record (a head past the records, or behind them, is a problem).
  public func report(head: LogPosition?) -> VerificationReport {
    var problem = verifier.problem
    if problem == nil, let head, head.sequence != eventCount || head.hash != lastHash {
      problem = .init(
        sequence: head.sequence, offset: head.offset,
        reason: "the committed head does not match the last event")
    }
    return VerificationReport(
      eventCount: eventCount, byteCount: byteCount, lastHash: lastHash.hex, problem: problem,
      notes: [])
  }
}
