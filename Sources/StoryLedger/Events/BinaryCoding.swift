/// Appends little-endian integers, varints and length-prefixed strings to a byte buffer.
///
/// The log's compact encoding: no JSON in the hot path.
struct ByteWriter {
  var bytes: [UInt8]

  init(capacity: Int = 256) {
    bytes = []
    bytes.reserveCapacity(capacity)
  }

  mutating func append(_ byte: UInt8) { bytes.append(byte) }

  mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }

  mutating func appendFixed16(_ value: UInt16) {
    bytes.append(UInt8(truncatingIfNeeded: value))
    bytes.append(UInt8(truncatingIfNeeded: value >> 8))
  }

  mutating func appendFixed32(_ value: UInt32) {
    for shift in stride(from: 0, to: 32, by: 8) {
      bytes.append(UInt8(truncatingIfNeeded: value >> shift))
    }
  }

  mutating func appendFixed64(_ value: UInt64) {
    for shift in stride(from: 0, to: 64, by: 8) {
      bytes.append(UInt8(truncatingIfNeeded: value >> shift))
    }
  }

  mutating func appendVarint(_ value: UInt64) {
    var value = value
    while value >= 0x80 {
      bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
      value >>= 7
    }
    bytes.append(UInt8(value))
  }

  mutating func appendSigned(_ value: Int64) {
    appendVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
  }

  mutating func appendString(_ value: String) {
    var value = value
    value.withUTF8 { buffer in
      appendVarint(UInt64(buffer.count))
      bytes.append(contentsOf: buffer)
    }
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
      bytes.append(contentsOf: buffer)
    }
  }

  mutating func appendDay(_ day: Day) { appendSigned(Int64(day.daysSinceEpoch)) }
}

/// The error thrown when bytes do not decode: a record that passed its checksum but does
/// not hold what its type says, or an event type this build does not know.
struct DecodingFailure: Error, CustomStringConvertible {
  var description: String
}

/// Reads what ``ByteWriter`` wrote, checking every bound.
struct ByteReader {
  let base: UnsafeRawBufferPointer
  var offset: Int

  init(_ base: UnsafeRawBufferPointer, offset: Int = 0) {
    self.base = base
    self.offset = offset
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

  mutating func varint() throws(DecodingFailure) -> UInt64 {
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
    guard let value = String(validating: slice, as: UTF8.self) else {
      throw DecodingFailure(description: "text is not valid UTF-8")
    }
    return value
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
