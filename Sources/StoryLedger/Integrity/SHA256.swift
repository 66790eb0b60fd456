/// A SHA-256 digest: 32 bytes, compared and hashed by value.
///
/// The ledger chains every event to the one before it with SHA-256 digests; see
/// ``SHA256``.
///
/// ```swift
/// let digest = SHA256.hash(Array("abc".utf8))
/// digest.hex.prefix(8)  // "ba7816bf"
/// ```
public struct SHA256Digest: Hashable, Sendable, CustomStringConvertible {
  // The digest as four big-endian 64-bit words: cheap to compare, hash and copy.
  var word0: UInt64
  var word1: UInt64
  var word2: UInt64
  var word3: UInt64

  /// The digest of 32 zero bytes: the hash that the first event chains to.
  public static let zero = SHA256Digest(word0: 0, word1: 0, word2: 0, word3: 0)

  init(word0: UInt64, word1: UInt64, word2: UInt64, word3: UInt64) {
    self.word0 = word0
    self.word1 = word1
    self.word2 = word2
    self.word3 = word3
  }

  /// Creates a digest from exactly 32 bytes, or returns `nil` for any other count.
  public init?(bytes: [UInt8]) {
    guard bytes.count == 32 else { return nil }
    self = bytes.withUnsafeBytes { raw in
      guard let base = raw.baseAddress else { return .zero }
      return SHA256Digest(reading: base)
    }
  }

  /// Creates a digest from its 64-character hexadecimal text, or returns `nil`.
  public init?(hex: String) {
    let digits = Array(hex.utf8)
    guard digits.count == 64 else { return nil }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(32)
    for index in stride(from: 0, to: 64, by: 2) {
      guard let high = SHA256Digest.nibble(digits[index]),
        let low = SHA256Digest.nibble(digits[index + 1])
      else { return nil }
      bytes.append(high << 4 | low)
    }
    self.init(bytes: bytes)
  }

  private static func nibble(_ digit: UInt8) -> UInt8? {
    switch digit {
    case 48...57: digit - 48
    case 97...102: digit - 87
    case 65...70: digit - 55
    default: nil
    }
  }

  /// Reads 32 bytes at `pointer`.
  init(reading pointer: UnsafeRawPointer) {
    word0 = UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
    word1 = UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
    word2 = UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
    word3 = UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
  }

  /// Calls `body` with the digest's 32 bytes.
  func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
    var words = (word0.bigEndian, word1.bigEndian, word2.bigEndian, word3.bigEndian)
    return try withUnsafeBytes(of: &words) { try body($0) }
  }

  /// The 32 bytes of the digest.
  public var bytes: [UInt8] { withBytes { Array($0) } }

  /// The digest as 64 lowercase hexadecimal digits.
  public var hex: String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    text.reserveCapacity(64)
    withBytes { raw in
      for byte in raw {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 15)])
      }
    }
    return String(decoding: text, as: UTF8.self)
  }

  /// The hexadecimal text of the digest.
  public var description: String { hex }
}

/// SHA-256 (FIPS 180-4), written in the package so that it depends on Foundation alone.
///
/// Feed bytes with ``update(_:)-(UnsafeRawBufferPointer)`` and read the digest with
/// ``finalize()``, or hash a whole buffer at once with ``hash(_:)-(UnsafeRawBufferPointer)``.
/// The tests check it against the NIST example vectors.
///
/// ```swift
/// var hasher = SHA256()
/// hasher.update(Array("ab".utf8))
/// hasher.update(Array("c".utf8))
/// hasher.finalize().hex  // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// ```
public struct SHA256: Sendable {
  private var h0: UInt32 = 0x6a09_e667
  private var h1: UInt32 = 0xbb67_ae85
  private var h2: UInt32 = 0x3c6e_f372
  private var h3: UInt32 = 0xa54f_f53a
  private var h4: UInt32 = 0x510e_527f
  private var h5: UInt32 = 0x9b05_688c
  private var h6: UInt32 = 0x1f83_d9ab
  private var h7: UInt32 = 0x5be0_cd19
  // Bytes of an unfinished block.
  private var block: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (
    0, 0, 0, 0, 0, 0, 0, 0
  )
  private var blockCount = 0
  private var totalCount: UInt64 = 0

  /// Creates a hasher with nothing hashed yet.
  public init() {}

  /// The digest of `bytes`.
  public static func hash(_ bytes: UnsafeRawBufferPointer) -> SHA256Digest {
    var hasher = SHA256()
    hasher.update(bytes)
    return hasher.finalize()
  }

  /// The digest of `bytes`.
  public static func hash(_ bytes: [UInt8]) -> SHA256Digest {
    bytes.withUnsafeBytes { hash($0) }
  }

  /// Adds `bytes` to the hashed message.
  public mutating func update(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { update($0) }
  }

  /// Adds the 32 bytes of `digest` to the hashed message.
  public mutating func update(_ digest: SHA256Digest) {
    digest.withBytes { update($0) }
  }

  /// Adds `bytes` to the hashed message.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard var input = bytes.baseAddress, bytes.count > 0 else { return }
    var remaining = bytes.count
    totalCount &+= UInt64(remaining)
    if blockCount > 0 {
      let take = min(64 - blockCount, remaining)
      let offset = blockCount
      withUnsafeMutableBytes(of: &block) { buffer in
        buffer.baseAddress?.advanced(by: offset).copyMemory(from: input, byteCount: take)
      }
      blockCount += take
      input += take
      remaining -= take
      guard blockCount == 64 else { return }
      var copy = block
      withUnsafeBytes(of: &copy) { buffer in
        if let base = buffer.baseAddress { compress(base) }
      }
      blockCount = 0
    }
    while remaining >= 64 {
      compress(input)
      input += 64
      remaining -= 64
    }
    if remaining > 0 {
      withUnsafeMutableBytes(of: &block) { buffer in
        buffer.baseAddress?.copyMemory(from: input, byteCount: remaining)
      }
      blockCount = remaining
    }
  }

  /// Finishes the message (padding and length) and returns its digest.
  public mutating func finalize() -> SHA256Digest {
    let bitLength = totalCount &* 8
    var padding = [UInt8](repeating: 0, count: blockCount < 56 ? 56 - blockCount : 120 - blockCount)
    padding[0] = 0x80
    update(padding)
    var lengthBytes = bitLength.bigEndian
    withUnsafeBytes(of: &lengthBytes) { update($0) }
    return SHA256Digest(
      word0: UInt64(h0) << 32 | UInt64(h1), word1: UInt64(h2) << 32 | UInt64(h3),
      word2: UInt64(h4) << 32 | UInt64(h5), word3: UInt64(h6) << 32 | UInt64(h7))
  }

  private static let roundConstants: [UInt32] = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4,
    0xab1c_5ed5, 0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe,
    0x9bdc_06a7, 0xc19b_f174, 0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f,
    0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da, 0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7,
    0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967, 0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc,
    0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85, 0xa2bf_e8a1, 0xa81a_664b,
    0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070, 0x19a4_c116,
    0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7,
    0xc671_78f2,
  ]

  @inline(__always)
  private static func rotate(_ value: UInt32, _ count: UInt32) -> UInt32 {
    (value >> count) | (value << (32 &- count))
  }

  /// Processes one 64-byte block at `pointer`.
  private mutating func compress(_ pointer: UnsafeRawPointer) {
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { schedule in
      SHA256.roundConstants.withUnsafeBufferPointer { constants in
        for index in 0..<16 {
          schedule[index] = UInt32(
            bigEndian: pointer.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
        }
        for index in 16..<64 {
          let w15 = schedule[index - 15]
          let w2 = schedule[index - 2]
          let s0 = SHA256.rotate(w15, 7) ^ SHA256.rotate(w15, 18) ^ (w15 >> 3)
          let s1 = SHA256.rotate(w2, 17) ^ SHA256.rotate(w2, 19) ^ (w2 >> 10)
          schedule[index] = schedule[index - 16] &+ s0 &+ schedule[index - 7] &+ s1
        }
        var a = h0
        var b = h1
        var c = h2
        var d = h3
        var e = h4
        var f = h5
        var g = h6
        var h = h7
        for index in 0..<64 {
          let s1 = SHA256.rotate(e, 6) ^ SHA256.rotate(e, 11) ^ SHA256.rotate(e, 25)
          let choice = (e & f) ^ (~e & g)
          let temp1 = h &+ s1 &+ choice &+ constants[index] &+ schedule[index]
          let s0 = SHA256.rotate(a, 2) ^ SHA256.rotate(a, 13) ^ SHA256.rotate(a, 22)
          let majority = (a & b) ^ (a & c) ^ (b & c)
          let temp2 = s0 &+ majority
          h = g
          g = f
          f = e
          e = d &+ temp1
          d = c
          c = b
          b = a
          a = temp1 &+ temp2
        }
        h0 &+= a
        h1 &+= b
        h2 &+= c
        h3 &+= d
        h4 &+= e
        h5 &+= f
        h6 &+= g
        h7 &+= h
      }
    }
  }
}
