/// Random access to the records of a byte-format log (``FileLog``, ``InMemoryLog``): where
/// each record starts, reading one record by its offset, and erasing a record's personal text
/// in place.
enum RecordAccess {
  /// The size of the buffer used to walk record frames.
  static let walkChunkSize = 4 << 20

  /// Appends to `offsets` the start of every record from `start` up to `end`, walking only
  /// the length words (the records were checked when they were committed; a reader checks
  /// the one it uses).
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/corrupt`` when a length word does not fit.
  static func walk(
    from start: UInt64, to end: UInt64, read: RecordScanner.ReadFunction,
    into offsets: inout [UInt64]
  ) throws(LedgerError) {
    var cursor = start
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: walkChunkSize, alignment: 8)
    defer { buffer.deallocate() }
    var bufferStart: UInt64 = 0
    var bufferCount = 0
    while cursor < end {
      if cursor < bufferStart
        || cursor + UInt64(RecordFormat.frameSize) > bufferStart
          + UInt64(bufferCount)
      {
        let wanted = Int(min(UInt64(walkChunkSize), end - cursor))
        bufferCount = try read(buffer, wanted, cursor)
        bufferStart = cursor
        guard bufferCount >= RecordFormat.frameSize else {
          throw LedgerError(.corrupt, "the record at byte \(cursor) is cut short")
        }
      }
      let length = UInt64(
        buffer.loadUnaligned(fromByteOffset: Int(cursor - bufferStart), as: UInt32.self)
          .littleEndian)
      guard length >= UInt64(RecordFormat.minimumBodySize),
        length <= UInt64(RecordFormat.maximumBodySize),
        cursor + UInt64(RecordFormat.frameSize) + length <= end
      else {
        throw LedgerError(.corrupt, "the record at byte \(cursor) has an impossible length")
      }
      offsets.append(cursor)
      cursor += UInt64(RecordFormat.frameSize) + length
    }
  }

  /// The bytes of the whole record at `offset`, or `nil` when they are not a whole record.
  static func recordBytes(at offset: UInt64, read: RecordScanner.ReadFunction) throws(LedgerError)
    -> [UInt8]?
  {
    let frame = UnsafeMutableRawPointer.allocate(byteCount: RecordFormat.frameSize, alignment: 8)
    defer { frame.deallocate() }
    guard try read(frame, RecordFormat.frameSize, offset) == RecordFormat.frameSize else {
      return nil
    }
    let length = Int(frame.loadUnaligned(as: UInt32.self).littleEndian)
    guard length >= RecordFormat.minimumBodySize, length <= RecordFormat.maximumBodySize else {
      return nil
    }
    let count = RecordFormat.frameSize + length
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 8)
    defer { buffer.deallocate() }
    guard try read(buffer, count, offset) == count else { return nil }
    return Array(UnsafeRawBufferPointer(start: buffer, count: count))
  }

  /// Decodes the record `bytes` when it is whole and holds event `sequence`; `nil` when it
  /// is not (an offset that no longer points at that event).
  static func event(in bytes: [UInt8], sequence: UInt64) throws(LedgerError) -> RecordedEvent? {
    let result = bytes.withUnsafeBytes { raw -> Result<RecordedEvent?, LedgerError> in
      guard case .record(let record) = RecordFormat.scan(raw, at: 0),
        record.sequence == sequence
      else { return .success(nil) }
      return RecordFormat.decodedEvent(record).map(Optional.some)
    }
    return try result.get()
  }

  /// The record `bytes` with its personal text erased: every personal byte (salt and text)
  /// zeroed, the erased flag set and the checksum recomputed. The record keeps its length,
  /// so every other record keeps its offset; its hashed bytes, and so the chain, are
  /// untouched. `nil` when the record has no personal text or it is erased already.
  static func erasingPersonalText(of bytes: [UInt8]) -> [UInt8]? {
    var copy = bytes
    let changed = copy.withUnsafeMutableBytes { raw -> Bool in
      guard case .record(let record) = RecordFormat.scan(UnsafeRawBufferPointer(raw), at: 0),
        record.flags.contains(.hasPersonal), !record.flags.contains(.personalErased),
        let base = raw.baseAddress, let personal = record.personal.baseAddress,
        let start = UnsafeRawBufferPointer(raw).baseAddress
      else { return false }
      let personalOffset = personal - start
      (base + personalOffset).initializeMemory(
        as: UInt8.self, repeating: 0, count: record.personal.count)
      let flags = record.flags.union(.personalErased)
      raw[RecordFormat.frameSize] = flags.rawValue
      let body = UnsafeRawBufferPointer(
        start: base + RecordFormat.frameSize, count: record.bodySize)
      raw.storeBytes(of: CRC32C.checksum(body).littleEndian, toByteOffset: 4, as: UInt32.self)
      return true
    }
    return changed ? copy : nil
  }
}

extension RecordAccess {
  /// The sequence numbers (and offsets) of the committed records up to `head` whose
  /// personal text is marked erased, found by walking the frames and reading each flags
  /// byte.
  static func erasedRecords(upTo head: LogPosition, read: RecordScanner.ReadFunction)
    throws(LedgerError) -> [(sequence: UInt64, offset: UInt64)]
  {
    let end = head.offset
    var offsets: [UInt64] = []
    try walk(
      from: UInt64(RecordFormat.fileHeaderSize), to: end, read: read, into: &offsets)
    var erased: [(UInt64, UInt64)] = []
    // The flags bytes are read in chunks, not one read per record.
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: walkChunkSize, alignment: 8)
    defer { buffer.deallocate() }
    var chunkStart: UInt64 = 0
    var chunkCount = 0
    for (index, offset) in offsets.enumerated() {
      let position = offset + UInt64(RecordFormat.frameSize)
      if position < chunkStart || position >= chunkStart + UInt64(chunkCount) {
        chunkStart = position
        chunkCount = try read(buffer, Int(min(UInt64(walkChunkSize), end - position)), position)
        guard chunkCount > 0 else { break }
      }
      let flags = RecordFormat.Flags(
        rawValue: buffer.load(fromByteOffset: Int(position - chunkStart), as: UInt8.self))
      if flags.contains(.personalErased) {
        erased.append((UInt64(index) + 1, offset))
      }
    }
    return erased
  }
}

extension FileLog {
  /// Walks the record frames and reads each flags byte, decoding nothing.
  public func erasedRecords() throws -> [(sequence: UInt64, offset: UInt64)] {
    try RecordAccess.erasedRecords(upTo: try head(), read: readFunction())
  }
}

extension InMemoryLog {
  /// Walks the record frames and reads each flags byte, decoding nothing.
  public func erasedRecords() throws -> [(sequence: UInt64, offset: UInt64)] {
    try RecordAccess.erasedRecords(upTo: try head(), read: readFunction())
  }
}
