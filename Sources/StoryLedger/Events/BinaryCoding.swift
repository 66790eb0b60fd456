#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A destination for the log's compact encoding: little-endian integers, varints and
/// length-prefixed strings.
///
/// Two sinks implement it: ``ByteWriter`` (an array, for small values such as the head)
/// and ``RawByteBuffer`` (raw memory, for the records of large appends). The encoders in
/// the extension are written once for both.
protocol ByteSink {
  /// Appends one byte.
  mutating func append(_ byte: UInt8)
  /// Appends `bytes`.
  mutating func append(_ bytes: UnsafeRawBufferPointer)
  /// Makes room for `count` more bytes, so that appends of up to that many do not grow.
  mutating func reserve(_ count: Int)
}

extension ByteSink {
  @inline(__always)
  mutating func append(_ other: [UInt8]) {
    other.withUnsafeBytes { append($0) }
  }

  @inline(__always)
  mutating func appendFixed16(_ value: UInt16) {
    withUnsafeBytes(of: value.littleEndian) { append($0) }
  }

  @inline(__always)
  mutating func appendFixed32(_ value: UInt32) {
    withUnsafeBytes(of: value.littleEndian) { append($0) }
  }

  @inline(__always)
  mutating func appendFixed64(_ value: UInt64) {
    withUnsafeBytes(of: value.littleEndian) { append($0) }
  }

  @inline(__always)
  mutating func appendVarint(_ value: UInt64) {
    var value = value
    while value >= 0x80 {
      append(UInt8(truncatingIfNeeded: value) | 0x80)
      value >>= 7
    }
    append(UInt8(value))
  }

  @inline(__always)
  mutating func appendSigned(_ value: Int64) {
    appendVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
  }

  /// Appends a length and the bytes of a string that is already UTF-8 bytes.
  @inline(__always)
  mutating func appendString(utf8 bytes: UnsafeRawBufferPointer) {
    appendVarint(UInt64(bytes.count))
    append(bytes)
  }

  mutating func appendString(_ value: String) {
    var value = value
    value.withUTF8 { appendString(utf8: UnsafeRawBufferPointer($0)) }
  }

  mutating func appendStrings(_ values: [String]) {
    appendVarint(UInt64(values.count))
    for value in values { appendString(value) }
  }

  /// Optional strings are written as length + 1, with 0 for `nil`.
  mutating func appendOptionalString(_ value: String?) {
    guard var value else { return append(0) }
    value.withUTF8 { buffer in
      appendVarint(UInt64(buffer.count) + 1)
      append(UnsafeRawBufferPointer(buffer))
    }
  }

  @inline(__always)
  mutating func appendDay(_ day: Day) { appendSigned(Int64(day.daysSinceEpoch)) }
}

/// Appends the log's compact encoding to a byte array: no JSON in the hot path.
struct ByteWriter: ByteSink {
  var bytes: [UInt8]

  init(capacity: Int = 256) {
    bytes = []
    bytes.reserveCapacity(capacity)
  }

  @inline(__always)
  mutating func append(_ byte: UInt8) { bytes.append(byte) }

  @inline(__always)
  mutating func append(_ other: UnsafeRawBufferPointer) { bytes.append(contentsOf: other) }

  mutating func reserve(_ count: Int) { bytes.reserveCapacity(bytes.count + count) }
}

/// A growable buffer of raw memory that the encoders append to without bounds checks per
/// byte: the records of a large append are built in a few of them.
///
/// It is a value that owns memory, so copies share it: call ``deallocate()`` exactly once,
/// when done (its owners, such as a chunk of a streaming append, do so in their `deinit`).
struct RawByteBuffer: ByteSink {
  /// The start of the memory; it moves when the buffer grows.
  private(set) var base: UnsafeMutableRawPointer
  /// The number of bytes written.
  var count = 0
  /// The bytes the memory holds.
  private(set) var capacity: Int

  init(capacity: Int = 4096) {
    self.capacity = Swift.max(capacity, 64)
    base = RawByteBuffer.resize(nil, from: 0, to: self.capacity)
  }

  /// Frees the memory; the buffer must not be used again.
  func deallocate() { free(base) }

  /// Grows `old` (holding `count` bytes) to `size` bytes: `realloc` moves a large block by
  /// remapping its pages rather than copying them.
  private static func resize(_ old: UnsafeMutableRawPointer?, from count: Int, to size: Int)
    -> UnsafeMutableRawPointer
  {
    if let grown = realloc(old, size) { return grown }
    // Out of memory: let the allocator report it as it does for any other allocation.
    let fresh = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
    if let old {
      fresh.copyMemory(from: old, byteCount: count)
      free(old)
    }
    return fresh
  }

  mutating func reserve(_ needed: Int) {
    if count + needed > capacity { grow(to: count + needed) }
  }

  private mutating func grow(to needed: Int) {
    var size = capacity * 2
    while size < needed { size *= 2 }
    base = RawByteBuffer.resize(base, from: count, to: size)
    capacity = size
  }

  @inline(__always)
  mutating func append(_ byte: UInt8) {
    if count == capacity { grow(to: count + 1) }
    base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
    count += 1
  }

  @inline(__always)
  mutating func append(_ bytes: UnsafeRawBufferPointer) {
    guard let source = bytes.baseAddress else { return }
    if count + bytes.count > capacity { grow(to: count + bytes.count) }
    (base + count).copyMemory(from: source, byteCount: bytes.count)
    count += bytes.count
  }

  /// Stores `value` little-endian at `offset`, over bytes already written.
  @inline(__always)
  func store(_ value: UInt32, at offset: Int) {
    base.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self)
  }

  /// The bytes in `range`, valid until the buffer next grows.
  @inline(__always)
  func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
  }

  /// Forgets the bytes written, keeping the memory.
  mutating func removeAll() { count = 0 }
}

/// The error thrown when bytes do not decode: a record that passed its checksum but does
/// not hold what its type says, or an event type this build does not know.
struct DecodingFailure: Error, CustomStringConvertible {
  var description: String
}

/// Reads what ``ByteWriter`` wrote, checking every bound.
///
/// Replaying the log decodes every event, so reading is kept cheap: no generic calls per
/// field, a one-byte fast path for varints, and text checked as UTF-8 by a loop over the
/// bytes (eight ASCII bytes at a time) before a `String` is made from them.
struct ByteReader {
  let base: UnsafeRawBufferPointer
  var offset: Int
  /// Whether text is returned as read; when `false` it is checked just the same (bounds,
  /// UTF-8) but returned empty, for a caller that only needs to know that the bytes decode.
  let materializesText: Bool

  init(_ base: UnsafeRawBufferPointer, offset: Int = 0, materializesText: Bool = true) {
    self.base = base
    self.offset = offset
    self.materializesText = materializesText
  }

  var isAtEnd: Bool { offset >= base.count }
  var remaining: Int { base.count - offset }

  mutating func byte() throws(DecodingFailure) -> UInt8 {
    guard offset < base.count else {
      throw DecodingFailure(description: "unexpected end of record")
    }
    defer { offset += 1 }
    return base[offset]
  }

  mutating func fixed16() throws(DecodingFailure) -> UInt16 {
    guard remaining >= 2 else { throw DecodingFailure(description: "unexpected end of record") }
    defer { offset += 2 }
    return base.loadUnaligned(fromByteOffset: offset, as: UInt16.self).littleEndian
  }

  mutating func fixed32() throws(DecodingFailure) -> UInt32 {
    guard remaining >= 4 else { throw DecodingFailure(description: "unexpected end of record") }
    defer { offset += 4 }
    return base.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian
  }

  mutating func fixed64() throws(DecodingFailure) -> UInt64 {
    guard remaining >= 8 else { throw DecodingFailure(description: "unexpected end of record") }
    defer { offset += 8 }
    return base.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian
  }

  @inline(__always)
  mutating func varint() throws(DecodingFailure) -> UInt64 {
    // Most lengths and dates fit one byte.
    if offset < base.count {
      let first = base[offset]
      if first < 0x80 {
        offset += 1
        return UInt64(first)
      }
    }
    return try longVarint()
  }

  private mutating func longVarint() throws(DecodingFailure) -> UInt64 {
    var result: UInt64 = 0
    var shift: UInt64 = 0
    while true {
      let byte = try byte()
      result |= UInt64(byte & 0x7F) << shift
      if byte < 0x80 { return result }
      shift += 7
      guard shift < 64 else { throw DecodingFailure(description: "malformed number") }
    }
  }

  mutating func signed() throws(DecodingFailure) -> Int64 {
    let raw = try varint()
    return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
  }

  mutating func length() throws(DecodingFailure) -> Int {
    let value = try varint()
    guard value <= UInt64(remaining) else {
      throw DecodingFailure(description: "length past end of record")
    }
    return Int(value)
  }

  mutating func string() throws(DecodingFailure) -> String {
    let count = try length()
    return try text(count: count)
  }

  private mutating func text(count: Int) throws(DecodingFailure) -> String {
    let slice = UnsafeRawBufferPointer(rebasing: base[offset..<(offset + count)])
    offset += count
    return try text(slice)
  }

  /// The text `bytes` hold, which must be valid UTF-8; empty unless ``materializesText``.
  func text(_ bytes: UnsafeRawBufferPointer) throws(DecodingFailure) -> String {
    guard materializesText else {
      guard ByteReader.isValidUTF8(bytes) else {
        throw DecodingFailure(description: "text is not valid UTF-8")
      }
      return ""
    }
    return try ByteReader.text(bytes)
  }

  /// The text `bytes` hold, which must be valid UTF-8.
  static func text(_ bytes: UnsafeRawBufferPointer) throws(DecodingFailure) -> String {
    guard isValidUTF8(bytes) else {
      throw DecodingFailure(description: "text is not valid UTF-8")
    }
    // Valid, so nothing is repaired: this only copies (and is not generic at run time, as
    // `String(validating:as:)` is).
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Whether `bytes` are well-formed UTF-8 (Unicode 3.9, table 3-7): no stray continuation
  /// bytes, no overlong forms, no surrogates, nothing past U+10FFFF, nothing cut short.
  static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    guard let start = bytes.baseAddress else { return true }
    let count = bytes.count
    // Most text is ASCII: look for a high bit eight bytes at a time first.
    var highBits: UInt64 = 0
    if count >= 8 {
      var index = 0
      while count - index > 8 {
        highBits |= start.loadUnaligned(fromByteOffset: index, as: UInt64.self)
        index += 8
      }
      // The last eight bytes, overlapping those already seen.
      highBits |= start.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
    } else {
      for index in 0..<count {
        highBits |= UInt64(start.load(fromByteOffset: index, as: UInt8.self))
      }
    }
    guard highBits & 0x8080_8080_8080_8080 != 0 else { return true }
    return isValidNonASCIIUTF8(start, count: count)
  }

  /// ``isValidUTF8(_:)`` for text that holds a byte above 0x7F: each sequence checked.
  private static func isValidNonASCIIUTF8(_ start: UnsafeRawPointer, count: Int) -> Bool {
    let bytes = UnsafeBufferPointer(start: start.assumingMemoryBound(to: UInt8.self), count: count)
    return UTF8Validation.firstInvalidOffset(in: bytes) == nil
  }

  /// A length-prefixed text as its bytes, checked as UTF-8 whether or not text is
  /// materialized: for a caller that hashes or compares keys as bytes.
  @inline(__always)
  mutating func textBytes() throws(DecodingFailure) -> UnsafeRawBufferPointer {
    let bytes = try bytes(count: try length())
    guard ByteReader.isValidUTF8(bytes) else {
      throw DecodingFailure(description: "text is not valid UTF-8")
    }
    return bytes
  }

  /// A list of length-prefixed texts, each checked as UTF-8: where it is, to read again.
  mutating func textList() throws(DecodingFailure) -> CheckedTextList {
    let start = offset
    let count = try length()
    for _ in 0..<count { _ = try textBytes() }
    return CheckedTextList(base: base, start: start)
  }

  /// The text of bytes already checked as UTF-8 (by ``textBytes()``); empty unless
  /// ``materializesText``.
  @inline(__always)
  func string(checked bytes: UnsafeRawBufferPointer) -> String {
    materializesText ? String(decoding: bytes, as: UTF8.self) : ""
  }

  /// The texts of a checked list; empty texts unless ``materializesText``.
  func strings(checked list: CheckedTextList) -> [String] {
    var values: [String] = []
    list.forEachText { values.append(string(checked: $0)) }
    return values
  }

  mutating func strings() throws(DecodingFailure) -> [String] {
    let count = try length()
    var values: [String] = []
    values.reserveCapacity(count)
    for _ in 0..<count { values.append(try string()) }
    return values
  }

  mutating func optionalString() throws(DecodingFailure) -> String? {
    let marker = try varint()
    if marker == 0 { return nil }
    guard marker - 1 <= UInt64(remaining) else {
      throw DecodingFailure(description: "length past end of record")
    }
    return try text(count: Int(marker - 1))
  }

  mutating func day() throws(DecodingFailure) -> Day {
    let value = try signed()
    guard value >= Int64(Day.earliest.daysSinceEpoch), value <= Int64(Day.latest.daysSinceEpoch)
    else {
      throw DecodingFailure(description: "date out of range")
    }
    return Day(daysSinceEpoch: Int32(value))
  }

  mutating func bytes(count: Int) throws(DecodingFailure) -> UnsafeRawBufferPointer {
    guard count <= remaining else { throw DecodingFailure(description: "unexpected end of record") }
    defer { offset += count }
    return UnsafeRawBufferPointer(rebasing: base[offset..<(offset + count)])
  }
}

/// A list of texts inside a record that ``ByteReader/textList()`` has checked: the bytes
/// that hold it and where it starts, so that it can be read again without checks.
struct CheckedTextList {
  let base: UnsafeRawBufferPointer
  let start: Int

  /// Calls `body` with the bytes of each text, in order.
  func forEachText(_ body: (UnsafeRawBufferPointer) -> Void) {
    var reader = ByteReader(base, offset: start)
    guard let count = try? reader.length() else { return }
    for _ in 0..<count {
      guard let length = try? reader.length(), let bytes = try? reader.bytes(count: length)
      else { return }
      body(bytes)
    }
  }
}

/// A text that a payload layout writes, length-prefixed: a `String`, or bytes already
/// checked to be UTF-8 (an import's field, a record's key), so that every path writes a
/// layout through one function.
protocol LayoutText {
  /// Appends the text's length and bytes to `sink`.
  func appendLengthPrefixed<Sink: ByteSink>(to sink: inout Sink)
}

extension String: LayoutText {
  @inline(__always)
  func appendLengthPrefixed<Sink: ByteSink>(to sink: inout Sink) { sink.appendString(self) }
}

extension UnsafeRawBufferPointer: LayoutText {
  @inline(__always)
  func appendLengthPrefixed<Sink: ByteSink>(to sink: inout Sink) {
    sink.appendString(utf8: self)
  }
}
