/// The on-disk framing of events, shared by every byte-oriented store.
///
/// ```
/// record  = u32 bodyLength, u32 crc32c(body), body
/// body    = u8 flags, u32 hashedLength, hashed, personal, [32] chainHash
/// hashed  = u16 type, u16 schemaVersion, u64 sequence, i64 recordedAtMilliseconds,
///           string actor, optionalString idempotencyKey, string publicPayload,
///           [32] personalDigest        (only when flags has hasPersonal)
/// personal= [16] salt, personalPayload (all zero bytes once erased)
/// chainHash(n) = SHA-256(chainHash(n-1) ‖ hashed(n)), chainHash(0) = 32 zero bytes
/// personalDigest = SHA-256(personal)
/// ```
///
/// Integers are little-endian; strings are a varint length and UTF-8 bytes. The CRC
/// catches torn and accidental damage cheaply; the chain catches any change to a record's
/// meaning. Personal text sits outside the hashed bytes behind its salted digest, so it can
/// be erased without breaking the chain, and the salt keeps a short erased name from being
/// guessed from its digest.
enum RecordFormat {
  /// The first bytes of every log file: magic and format version 1.
  static let fileHeader: [UInt8] = Array("SLEDGER\n".utf8) + [1, 0, 0, 0, 0, 0, 0, 0]
  static let fileHeaderSize = 16
  static let frameSize = 8
  static let minimumBodySize = 1 + 4 + 23 + 32
  static let maximumBodySize = 64 << 20

  struct Flags: OptionSet {
    let rawValue: UInt8
    static let endOfBatch = Flags(rawValue: 1)
    static let hasPersonal = Flags(rawValue: 2)
    static let personalErased = Flags(rawValue: 4)
    static let known: Flags = [.endOfBatch, .hasPersonal, .personalErased]
  }

  /// Encodes `batch` as records appended to `output`, chaining from `previous`.
  static func encode(
    _ batch: AppendBatch, after previous: LogPosition, recordedAt milliseconds: Int64,
    saltKey: SHA256Digest, into output: inout [UInt8]
  ) throws(LedgerError) -> [RecordedEvent] {
    var events: [RecordedEvent] = []
    events.reserveCapacity(batch.events.count)
    var encoder = RecordEncoder(
      actor: batch.actor, idempotencyKey: batch.idempotencyKey, milliseconds: milliseconds,
      saltKey: saltKey, after: previous.sequence, eventCount: batch.events.count)
    var buffer = RawByteBuffer(capacity: batch.events.count * 160)
    defer {
      buffer.deallocate()
      encoder.deallocate()
    }
    var hash = previous.hash
    for payload in batch.events {
      let key = encoder.nextSequence == previous.sequence + 1 ? batch.idempotencyKey : nil
      let span = try encoder.append(payload, to: &buffer)
      hash = RecordFormat.seal(span, in: buffer.base, after: hash)
      events.append(
        RecordedEvent(
          sequence: span.sequence, recordedAtMilliseconds: milliseconds, actor: batch.actor,
          idempotencyKey: key, schemaVersion: payload.type.currentSchemaVersion, payload: payload,
          hash: hash, isPersonalTextErased: false))
    }
    output.append(contentsOf: buffer.bytes(0..<buffer.count))
    return events
  }

  /// Where one encoded record lies in its buffer, for the steps that finish it.
  struct RecordSpan {
    /// The offset of the record's frame (its body length).
    var start: Int
    /// The range of the hashed bytes.
    var hashedStart: Int
    var hashedEnd: Int
    /// The offset after the record (after its chain hash).
    var end: Int
    var sequence: UInt64
  }

  /// Computes the record's chain hash after `previous` and stores it in the record.
  ///
  /// The chain runs through every record in order, so this is the one step of encoding
  /// that cannot be spread over threads.
  @inline(__always)
  static func chain(
    _ span: RecordSpan, in base: UnsafeMutableRawPointer, after previous: SHA256Digest
  ) -> SHA256Digest {
    var chain = SHA256()
    chain.update(previous)
    chain.update(
      UnsafeRawBufferPointer(
        start: base + span.hashedStart, count: span.hashedEnd - span.hashedStart))
    let hash = chain.finalize()
    hash.withBytes {
      UnsafeMutableRawBufferPointer(start: base + span.end - 32, count: 32).copyMemory(from: $0)
    }
    return hash
  }

  /// Stores the checksum of the record's body, once its chain hash is in place.
  @inline(__always)
  static func checksum(_ span: RecordSpan, in base: UnsafeMutableRawPointer) {
    let bodyStart = span.start + frameSize
    let crc = CRC32C.checksum(
      UnsafeRawBufferPointer(start: base + bodyStart, count: span.end - bodyStart))
    base.storeBytes(of: crc.littleEndian, toByteOffset: span.start + 4, as: UInt32.self)
  }

  /// Chains and checksums the record: the two steps that finish it.
  static func seal(
    _ span: RecordSpan, in base: UnsafeMutableRawPointer, after previous: SHA256Digest
  ) -> SHA256Digest {
    let hash = chain(span, in: base, after: previous)
    checksum(span, in: base)
    return hash
  }

  /// A record located in a buffer, its checksum checked, its fields not yet decoded.
  struct RecordView {
    var offset: Int
    var flags: Flags
    var hashed: UnsafeRawBufferPointer
    var personal: UnsafeRawBufferPointer
    var storedHash: SHA256Digest
    var type: UInt16
    var schemaVersion: UInt16
    var sequence: UInt64
    var milliseconds: Int64
    var headerEnd: Int  // offset in `hashed` after the fixed fields
    var totalSize: Int { RecordFormat.frameSize + bodySize }
    var bodySize: Int

    var isEndOfBatch: Bool { flags.contains(.endOfBatch) }
  }

  enum ScanResult {
    case record(RecordView)
    /// The buffer ends inside the record (more bytes are needed, or the tail is torn).
    case incomplete
    /// The bytes at this offset are not a valid record.
    case damaged(String)
  }

  /// How the record at an offset is framed: its length word alone, nothing checked yet.
  enum Frame {
    /// A whole record of `bodySize` body bytes is in the buffer.
    case whole(bodySize: Int)
    /// The buffer ends inside the record (more bytes are needed, or the tail is torn).
    case incomplete
    /// The length word is impossible.
    case damaged(String)
  }

  /// Reads the length word of the record at `offset` of `buffer`: whether a whole record of a
  /// possible length is there. Cheap enough to walk a whole chunk before checking any record.
  @inline(__always)
  static func frame(_ buffer: UnsafeRawBufferPointer, at offset: Int) -> Frame {
    guard buffer.count - offset >= frameSize else { return .incomplete }
    let bodySize = Int(buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian)
    guard bodySize >= minimumBodySize, bodySize <= maximumBodySize else {
      return .damaged("record length \(bodySize) is impossible")
    }
    guard buffer.count - offset - frameSize >= bodySize else { return .incomplete }
    return .whole(bodySize: bodySize)
  }

  /// Locates and checks the record at `offset` of `buffer`.
  static func scan(_ buffer: UnsafeRawBufferPointer, at offset: Int) -> ScanResult {
    switch frame(buffer, at: offset) {
    case .incomplete: return .incomplete
    case .damaged(let reason): return .damaged(reason)
    case .whole(let bodySize):
      guard checksumMatches(buffer, at: offset, bodySize: bodySize) else {
        return .damaged("checksum mismatch")
      }
      return parse(buffer, at: offset, bodySize: bodySize)
    }
  }

  /// The record that `buffer` holds whole and alone, checked as ``scan(_:at:)`` checks it,
  /// or the error that says why the bytes are not one.
  static func wholeRecord(in buffer: UnsafeRawBufferPointer) -> Result<RecordView, LedgerError> {
    switch scan(buffer, at: 0) {
    case .incomplete:
      return .failure(LedgerError(.corrupt, "the record is cut short"))
    case .damaged(let reason):
      return .failure(LedgerError(.corrupt, "the record is damaged: \(reason)"))
    case .record(let record):
      guard record.totalSize == buffer.count else {
        return .failure(
          LedgerError(.corrupt, "\(buffer.count - record.totalSize) bytes follow the record"))
      }
      return .success(record)
    }
  }

  /// Whether the CRC of the whole record at `offset`, with a body of `bodySize` bytes,
  /// matches its body.
  static func checksumMatches(_ buffer: UnsafeRawBufferPointer, at offset: Int, bodySize: Int)
    -> Bool
  {
    let storedChecksum = buffer.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
      .littleEndian
    let bodyStart = offset + frameSize
    let body = UnsafeRawBufferPointer(rebasing: buffer[bodyStart..<(bodyStart + bodySize)])
    return CRC32C.checksum(body) == storedChecksum
  }

  /// Reads the fields of a whole record at `offset` of `buffer` whose body is `bodySize`
  /// bytes, checking its flags and hashed length but not its checksum.
  static func parse(_ buffer: UnsafeRawBufferPointer, at offset: Int, bodySize: Int) -> ScanResult {
    let bodyStart = offset + frameSize
    let body = UnsafeRawBufferPointer(rebasing: buffer[bodyStart..<(bodyStart + bodySize)])
    let flags = Flags(rawValue: body[0])
    guard Flags.known.isSuperset(of: flags) else { return .damaged("unknown record flags") }
    let hashedSize = Int(body.loadUnaligned(fromByteOffset: 1, as: UInt32.self).littleEndian)
    guard hashedSize >= 23, 5 + hashedSize + 32 <= bodySize else {
      return .damaged("hashed length \(hashedSize) does not fit the record")
    }
    let hashed = UnsafeRawBufferPointer(rebasing: body[5..<(5 + hashedSize)])
    let personal = UnsafeRawBufferPointer(rebasing: body[(5 + hashedSize)..<(bodySize - 32)])
    guard let hashBase = body.baseAddress else { return .damaged("empty record") }
    let storedHash = SHA256Digest(reading: hashBase + bodySize - 32)
    return .record(
      RecordView(
        offset: offset, flags: flags, hashed: hashed, personal: personal, storedHash: storedHash,
        type: hashed.loadUnaligned(fromByteOffset: 0, as: UInt16.self).littleEndian,
        schemaVersion: hashed.loadUnaligned(fromByteOffset: 2, as: UInt16.self).littleEndian,
        sequence: hashed.loadUnaligned(fromByteOffset: 4, as: UInt64.self).littleEndian,
        milliseconds: Int64(
          bitPattern: hashed.loadUnaligned(fromByteOffset: 12, as: UInt64.self).littleEndian),
        headerEnd: 20, bodySize: bodySize))
  }

  /// The chain hash the record should carry after `previous`.
  static func chainHash(of record: RecordView, after previous: SHA256Digest) -> SHA256Digest {
    var chain = SHA256()
    chain.update(previous)
    chain.update(record.hashed)
    return chain.finalize()
  }

  /// Checks the personal digest against the personal bytes (skipped once erased).
  static func personalTextMatches(_ record: RecordView) -> Bool {
    personalTextMatches(
      record, digest: hasPersonalDigest(record) ? SHA256.hash(record.personal) : nil)
  }

  /// Whether the record's personal bytes are checked against a digest: it has personal text
  /// and it was not erased.
  static func hasPersonalDigest(_ record: RecordView) -> Bool {
    record.flags.contains(.hasPersonal) && !record.flags.contains(.personalErased)
  }

  /// Checks the personal digest against `digest`, the SHA-256 of ``RecordView/personal``,
  /// computed by the caller when ``hasPersonalDigest(_:)`` says it is needed.
  static func personalTextMatches(_ record: RecordView, digest: SHA256Digest?) -> Bool {
    guard hasPersonalDigest(record) else { return true }
    guard record.hashed.count >= 32, let base = record.hashed.baseAddress, let digest else {
      return false
    }
    return SHA256Digest(reading: base + record.hashed.count - 32) == digest
  }

  /// Decodes the event a checked record holds.
  static func decode(_ record: RecordView) throws(DecodingFailure) -> RecordedEvent {
    try decode(record, materializingText: true)
  }

  /// Decodes the event a checked record holds, or fails with the
  /// ``LedgerError/Code/corrupt`` error that names the event: for a record read on its own
  /// (by its bytes), not at a place in a log, whose errors also name the byte.
  static func decodedEvent(_ record: RecordView) -> Result<RecordedEvent, LedgerError> {
    do {
      return .success(try decode(record))
    } catch {
      return .failure(LedgerError(.corrupt, "event \(record.sequence) cannot be read: \(error)"))
    }
  }

  /// Checks that the record's event decodes, as ``decode(_:)`` would, without making its
  /// text (see ``EventCodec/decode(type:schemaVersion:publicBytes:personalBytes:materializingText:)``).
  ///
  /// - Returns: the event's type.
  static func checkDecodes(_ record: RecordView) throws(DecodingFailure) -> EventType {
    try decode(record, materializingText: false).type
  }

  private static func decode(_ record: RecordView, materializingText: Bool)
    throws(DecodingFailure) -> RecordedEvent
  {
    var reader = ByteReader(
      record.hashed, offset: record.headerEnd, materializesText: materializingText)
    let actor = try reader.string()
    let key = try reader.optionalString()
    let publicCount = try reader.length()
    let publicBytes = try reader.bytes(count: publicCount)
    let hasPersonal = record.flags.contains(.hasPersonal)
    let isErased = record.flags.contains(.personalErased)
    if hasPersonal { _ = try reader.bytes(count: 32) }
    guard reader.isAtEnd else {
      throw DecodingFailure(description: "unexpected bytes after the payload")
    }
    var personalPayload: UnsafeRawBufferPointer?
    if hasPersonal && !isErased {
      guard record.personal.count >= 16 else {
        throw DecodingFailure(description: "personal text is missing its salt")
      }
      personalPayload = UnsafeRawBufferPointer(rebasing: record.personal[16...])
    }
    let payload = try EventCodec.decode(
      type: record.type, schemaVersion: record.schemaVersion, publicBytes: publicBytes,
      personalBytes: personalPayload, materializingText: materializingText)
    return RecordedEvent(
      sequence: record.sequence, recordedAtMilliseconds: record.milliseconds, actor: actor,
      idempotencyKey: key, schemaVersion: record.schemaVersion, payload: payload,
      hash: record.storedHash, isPersonalTextErased: isErased)
  }
}
