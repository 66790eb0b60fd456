/// Lays out events as log records (see ``RecordFormat``), one after another, leaving each
/// record's chain hash and checksum for ``RecordFormat/seal(_:in:after:)``.
///
/// Everything about a record but its chain hash depends on the record alone, so a large
/// append encodes on one thread while another chains what is already encoded. An encoder
/// numbers the records of one batch: the first carries the batch's idempotency key, the
/// last the end-of-batch flag.
///
/// Events come either as payloads (``append(_:to:)``) or, from a source that has their
/// bytes at hand, as parts written straight into ``publicPart`` and ``personalPart``
/// (``appendRecord(type:hasPersonalPart:to:)``).
///
/// It is a value that owns the memory of its two parts: its owner calls ``deallocate()``
/// once, when done with it. (A struct rather than a class: the hot loop writes its parts
/// for every event, and a class's stored properties would cost an access check each time.)
struct RecordEncoder {
  /// The public part of the next event, for a source to write into.
  var publicPart = RawByteBuffer(capacity: 1024)
  /// The personal part of the next event, for a source to write into.
  var personalPart = RawByteBuffer(capacity: 1024)
  /// The sequence number the next record gets.
  private(set) var nextSequence: UInt64
  /// The sequence number of the batch's first event.
  let firstSequence: UInt64
  /// The sequence number of the batch's last event, which carries the end-of-batch flag.
  let lastSequence: UInt64
  private let milliseconds: Int64
  private let saltKey: SHA256Digest
  /// The encoded actor, and the encoded idempotency key of the first record.
  private let actorBytes: [UInt8]
  private let keyBytes: [UInt8]

  /// Creates an encoder for a batch of `eventCount` events that follows event `sequence`.
  init(
    actor: String, idempotencyKey: String?, milliseconds: Int64, saltKey: SHA256Digest,
    after sequence: UInt64, eventCount: Int
  ) {
    self.milliseconds = milliseconds
    self.saltKey = saltKey
    firstSequence = sequence + 1
    nextSequence = sequence + 1
    lastSequence = sequence + UInt64(eventCount)
    var actorWriter = ByteWriter(capacity: actor.utf8.count + 2)
    actorWriter.appendString(actor)
    actorBytes = actorWriter.bytes
    var keyWriter = ByteWriter(capacity: (idempotencyKey?.utf8.count ?? 0) + 2)
    keyWriter.appendOptionalString(idempotencyKey)
    keyBytes = keyWriter.bytes
  }

  /// Frees the parts' memory; the encoder must not be used again.
  func deallocate() {
    publicPart.deallocate()
    personalPart.deallocate()
  }

  /// The number of records encoded so far.
  var encodedCount: UInt64 { nextSequence - firstSequence }

  /// Appends the record of `payload` to `output`.
  ///
  /// - Throws: ``LedgerError`` when the record would be larger than a reader accepts.
  mutating func append(_ payload: EventPayload, to output: inout RawByteBuffer)
    throws(LedgerError) -> RecordFormat.RecordSpan
  {
    publicPart.removeAll()
    personalPart.removeAll()
    EventCodec.encodeRecordPublic(payload, into: &publicPart)
    let hasPersonalPart = EventCodec.encodePersonal(payload, into: &personalPart)
    return try appendRecord(type: payload.type, hasPersonalPart: hasPersonalPart, to: &output)
  }

  /// Appends the record of the event whose parts are in ``publicPart`` and
  /// ``personalPart`` to `output`, and empties them.
  ///
  /// - Throws: ``LedgerError`` when the record would be larger than a reader accepts
  ///   (``RecordFormat/maximumBodySize``): written, it could never be read back and every
  ///   later read of the log would stop at it. Nothing is appended then.
  mutating func appendRecord(
    type: EventType, hasPersonalPart: Bool, to output: inout RawByteBuffer
  ) throws(LedgerError) -> RecordFormat.RecordSpan {
    let sequence = nextSequence
    var flags: RecordFormat.Flags = sequence == lastSequence ? [.endOfBatch] : []
    if hasPersonalPart { flags.insert(.hasPersonal) }
    let publicCount = publicPart.count
    let personalCount = hasPersonalPart ? 16 + personalPart.count : 0
    let keyCount = sequence == firstSequence ? keyBytes.count : 1
    let hashedCount =
      20 + actorBytes.count + keyCount + RecordEncoder.varintSize(publicCount) + publicCount
      + (hasPersonalPart ? 32 : 0)
    let bodyCount = 5 + hashedCount + personalCount + 32
    guard bodyCount <= RecordFormat.maximumBodySize else {
      publicPart.removeAll()
      personalPart.removeAll()
      throw LedgerError(
        .invalid,
        "event \(sequence) is larger than a record may be (\(RecordFormat.maximumBodySize >> 20) MiB); nothing was appended"
      )
    }
    nextSequence += 1
    output.reserve(RecordFormat.frameSize + bodyCount)

    let start = output.count
    output.appendFixed32(UInt32(truncatingIfNeeded: bodyCount))
    output.appendFixed32(0)  // the checksum, stored when the record is sealed
    output.append(flags.rawValue)
    output.appendFixed32(UInt32(truncatingIfNeeded: hashedCount))
    let hashedStart = output.count
    output.appendFixed16(type.rawValue)
    output.appendFixed16(type.currentSchemaVersion)
    output.appendFixed64(sequence)
    output.appendFixed64(UInt64(bitPattern: milliseconds))
    output.append(actorBytes)
    if sequence == firstSequence { output.append(keyBytes) } else { output.append(0) }
    output.appendVarint(UInt64(publicCount))
    output.append(publicPart.bytes(0..<publicCount))
    var hashedEnd = output.count
    if hasPersonalPart {
      // The salt keeps a short erased text from being guessed from its digest.
      var saltSource = SHA256()
      saltSource.update(saltKey)
      withUnsafeBytes(of: sequence.littleEndian) { saltSource.update($0) }
      let salt = saltSource.finalize()
      var digest = SHA256()
      salt.withBytes { digest.update(UnsafeRawBufferPointer(rebasing: $0.prefix(16))) }
      digest.update(personalPart.bytes(0..<personalPart.count))
      digest.finalize().withBytes { output.append($0) }
      hashedEnd = output.count
      salt.withBytes { output.append(UnsafeRawBufferPointer(rebasing: $0.prefix(16))) }
      output.append(personalPart.bytes(0..<personalPart.count))
    }
    // The chain hash, stored when the record is sealed.
    output.appendFixed64(0)
    output.appendFixed64(0)
    output.appendFixed64(0)
    output.appendFixed64(0)
    publicPart.removeAll()
    personalPart.removeAll()
    return RecordFormat.RecordSpan(
      start: start, hashedStart: hashedStart, hashedEnd: hashedEnd, end: output.count,
      sequence: sequence)
  }

  /// The number of bytes the varint of `value` takes.
  @inline(__always)
  static func varintSize(_ value: Int) -> Int {
    var size = 1
    var rest = UInt64(value) >> 7
    while rest != 0 {
      size += 1
      rest >>= 7
    }
    return size
  }
}
