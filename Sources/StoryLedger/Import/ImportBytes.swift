import Foundation

/// Byte-level helpers of the planner: fields compared, parsed and split without making
/// strings.
extension ImportPlanning {
  /// Whether `text` holds exactly `bytes` (`false` for `nil`).
  @inline(__always)
  static func equal(_ text: String?, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let text else { return false }
    let utf8 = text.utf8
    guard utf8.count == bytes.count else { return false }
    if let result = utf8.withContiguousStorageIfAvailable({ storage in
      guard let left = storage.baseAddress, let right = bytes.baseAddress else { return true }
      return memcmp(left, right, storage.count) == 0
    }) {
      return result
    }
    return utf8.elementsEqual(bytes)
  }

  /// Whether every byte is ASCII.
  @inline(__always)
  static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    for byte in bytes where byte >= 0x80 { return false }
    return true
  }

  /// The bytes of the canonical composition of a key that is not ASCII, so that keys
  /// compare as Swift strings do.
  static func canonical(_ bytes: UnsafeBufferPointer<UInt8>) -> ContiguousArray<UInt8> {
    let text = String(decoding: bytes, as: UTF8.self)
    return ContiguousArray(text.precomposedStringWithCanonicalMapping.utf8)
  }

  /// Whether `bytes` is a key that ``Key/validate(_:field:)`` accepts without looking
  /// further: 1 to 64 ASCII letters, digits, `-`, `_` and `.`.
  @inline(__always)
  static func isPlainKey(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard !bytes.isEmpty, bytes.count <= Key.maximumLength else { return false }
    for byte in bytes {
      switch byte {
      case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x5F, 0x2E: continue
      default: return false
      }
    }
    return true
  }

  /// The dimension `bytes` names, ignoring ASCII case.
  @inline(__always)
  static func dimension(_ bytes: UnsafeBufferPointer<UInt8>) -> Dimension? {
    if equalIgnoringCase(bytes, "calculating") { return .calculating }
    if equalIgnoringCase(bytes, "calibrating") { return .calibrating }
    if equalIgnoringCase(bytes, "capacitating") { return .capacitating }
    return nil
  }

  /// The visibility `bytes` names, ignoring ASCII case.
  @inline(__always)
  static func visibility(_ bytes: UnsafeBufferPointer<UInt8>) -> Visibility? {
    if equalIgnoringCase(bytes, "visible") { return .visible }
    if equalIgnoringCase(bytes, "invisible") { return .invisible }
    return nil
  }

  /// Whether `bytes` spell `word` (lowercase ASCII), ignoring ASCII case.
  @inline(__always)
  static func equalIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ word: StaticString)
    -> Bool
  {
    guard bytes.count == word.utf8CodeUnitCount else { return false }
    let letters = word.utf8Start
    for offset in 0..<bytes.count {
      var byte = bytes[offset]
      if byte >= 0x41 && byte <= 0x5A { byte += 0x20 }
      if byte != letters[offset] { return false }
    }
    return true
  }

  /// A weight: an integer from 1 to 5 (leading zeros allowed).
  static func weight(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    var value = 0
    for byte in bytes {
      guard byte >= 0x30, byte <= 0x39 else { return nil }
      value = value * 10 + Int(byte - 0x30)
      if value > 5 { return nil }
    }
    return value >= 1 ? value : nil
  }

  /// The `;`-separated names in `bytes`, trimmed of spaces and tabs, empty ones dropped.
  static func names(_ bytes: UnsafeBufferPointer<UInt8>) -> [String] {
    guard bytes.allSatisfy({ $0 < 0x80 }) else {
      // Beyond ASCII, other spaces trim too, and a `;` can join the character after it.
      return String(decoding: bytes, as: UTF8.self).split(separator: ";").compactMap { part in
        let name = part.trimmingCharacters(in: .whitespaces)
        return name.isEmpty ? nil : name
      }
    }
    var names: [String] = []
    var start = 0
    let count = bytes.count
    while start <= count {
      var end = start
      while end < count && bytes[end] != UInt8(ascii: ";") { end += 1 }
      var low = start
      var high = end
      while low < high && (bytes[low] == 0x20 || bytes[low] == 0x09) { low += 1 }
      while high > low && (bytes[high - 1] == 0x20 || bytes[high - 1] == 0x09) { high -= 1 }
      if high > low {
        names.append(
          String(decoding: UnsafeBufferPointer(rebasing: bytes[low..<high]), as: UTF8.self))
      }
      start = end + 1
    }
    return names
  }
}

/// The bytes an import plan keeps (narratives, item keys, encoded item facts): the
/// planner's arena, owned and freed by the plan.
final class ImportBytes: @unchecked Sendable {
  let arena: RawByteBuffer

  /// Takes ownership of `arena`.
  init(taking arena: RawByteBuffer) { self.arena = arena }

  deinit { arena.deallocate() }

  /// The `count` bytes at `offset`.
  @inline(__always)
  func bytes(_ offset: Int, _ count: Int) -> UnsafeRawBufferPointer {
    arena.bytes(offset..<(offset + count))
  }

  /// The `count` bytes at `offset` as a string.
  func string(_ offset: Int, _ count: Int) -> String { arena.string(offset, count) }
}

extension RawByteBuffer {
  /// Appends `bytes`; returns their offset.
  @inline(__always)
  mutating func appendReturningOffset(_ bytes: UnsafeRawBufferPointer) -> Int {
    let offset = count
    append(bytes)
    return offset
  }

  /// Appends a byte; returns its offset.
  @inline(__always)
  mutating func appendReturningOffset(_ byte: UInt8) -> Int {
    let offset = count
    append(byte)
    return offset
  }

  @inline(__always)
  func byte(at offset: Int) -> UInt8 { base.load(fromByteOffset: offset, as: UInt8.self) }

  /// Whether the `count` bytes at `offset` are `other`.
  @inline(__always)
  func equal(_ offset: Int, _ count: Int, _ other: UnsafeBufferPointer<UInt8>) -> Bool {
    guard count == other.count else { return false }
    guard let right = other.baseAddress else { return true }
    return memcmp(base + offset, right, count) == 0
  }

  /// The `count` bytes at `offset` as a string.
  func string(_ offset: Int, _ count: Int) -> String {
    String(decoding: bytes(offset..<(offset + count)), as: UTF8.self)
  }
}
