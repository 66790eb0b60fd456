/// The on-disk framing of events, shared by every byte-oriented store.
///
/// ```
/// record  = u32 bodyLength, u32 crc32c(body), body
/// body    = u8 flags, u32 hashedLength, hashed, personal, [32] chainHash
/// hashed  = u16 type, u16 schemaVersion, u64 sequence, i64 recordedAtMilliseconds,
///           string actor, optionalString idempotencyKey, string publicPayload,
///           [32] personalDigest        (only when flags has hasPersonal)
/// personal= [16] salt, personalPayload (empty once erased)
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
  ) -> [RecordedEvent] {
    var events: [RecordedEvent] = []
    events.reserveCapacity(batch.events.count)
    var hash = previous.hash
    var sequence = previous.sequence
    for (index, payload) in batch.events.enumerated() {
      sequence += 1
      let key = index == 0 ? batch.idempotencyKey : nil
      let isLast = index == batch.events.count - 1
      hash = encodeRecord(
        payload, sequence: sequence, milliseconds: milliseconds, actor: batch.actor,
        idempotencyKey: key, isEndOfBatch: isLast, previousHash: hash, saltKey: saltKey,
        into: &output)
      events.append(
        RecordedEvent(
          sequence: sequence, recordedAtMilliseconds: milliseconds, actor: batch.actor,
          idempotencyKey: key, schemaVersion: payload.type.currentSchemaVersion, payload: payload,
          hash: hash, isPersonalTextErased: false))
    }
    return events
  }

  private static func encodeRecord(
    _ payload: EventPayload, sequence: UInt64, milliseconds: Int64, actor: String,
    idempotencyKey: String?, isEndOfBatch: Bool, previousHash: SHA256Digest,
    saltKey: SHA256Digest, into output: inout [UInt8]
  ) -> SHA256Digest {
    let parts = EventCodec.encode(payload)
    var flags: Flags = isEndOfBatch ? [.endOfBatch] : []
    var personal: [UInt8] = []
    if let personalBytes = parts.personalBytes {
      flags.insert(.hasPersonal)
      var saltSource = SHA256()
      saltSource.update(saltKey)
      var sequenceBytes = sequence.littleEndian
      withUnsafeBytes(of: &sequenceBytes) { saltSource.update($0) }
      personal = Array(saltSource.finalize().bytes.prefix(16))
      personal.append(contentsOf: personalBytes)
    }
    var writer = ByteWriter(capacity: 0)
    swap(&writer.bytes, &output)
    let recordStart = writer.bytes.count
    writer.appendFixed32(0)  // body length, patched below
    writer.appendFixed32(0)  // checksum, patched below
    let bodyStart = writer.bytes.count
    writer.append(flags.rawValue)
    writer.appendFixed32(0)  // hashed length, patched below
    let hashedStart = writer.bytes.count
    writer.appendFixed16(payload.type.rawValue)
    writer.appendFixed16(payload.type.currentSchemaVersion)
    writer.appendFixed64(sequence)
    writer.appendFixed64(UInt64(bitPattern: milliseconds))
    writer.appendString(actor)
    writer.appendOptionalString(idempotencyKey)
    writer.appendVarint(UInt64(parts.publicBytes.count))
    writer.append(parts.publicBytes)
    if parts.personalBytes != nil { writer.append(SHA256.hash(personal).bytes) }
    let hashedEnd = writer.bytes.count
    writer.append(personal)
    var chain = SHA256()
    chain.update(previousHash)
    writer.bytes.withUnsafeBytes {
      chain.update(UnsafeRawBufferPointer(rebasing: $0[hashedStart..<hashedEnd]))
    }
    let hash = chain.finalize()
    writer.append(hash.bytes)
    let bodyEnd = writer.bytes.count
    swap(&writer.bytes, &output)
    output.withUnsafeMutableBytes { buffer in
      buffer.storeBytes(
        of: UInt32(hashedEnd - hashedStart).littleEndian, toByteOffset: bodyStart + 1,
        as: UInt32.self)
      let body = UnsafeRawBufferPointer(rebasing: buffer[bodyStart..<bodyEnd])
      buffer.storeBytes(
        of: UInt32(bodyEnd - bodyStart).littleEndian, toByteOffset: recordStart, as: UInt32.self)
      buffer.storeBytes(
        of: CRC32C.checksum(body).littleEndian, toByteOffset: recordStart + 4, as: UInt32.self)
    }
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
