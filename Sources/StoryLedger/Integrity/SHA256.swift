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
/// `verify` hashes every record of the log, so the block function is written for speed:
/// its 64 rounds are spelled out with the round constants as literals and the message
/// schedule in sixteen local words, which the compiler keeps in registers, with no array,
/// no bounds check and no allocation per block or per message.
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
    var words = (
      digest.word0.bigEndian, digest.word1.bigEndian, digest.word2.bigEndian,
      digest.word3.bigEndian
    )
    withUnsafeBytes(of: &words) { update($0) }
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
      compressBufferedBlock()
      blockCount = 0
    }
    if remaining >= 64 {
      compress(input, blocks: remaining / 64)
      input += remaining & ~63
      remaining &= 63
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
    // Pad in the block buffer itself: a 0x80 byte, zeros, and the bit length in the last
    // eight bytes, spilling into a second block when fewer than nine bytes are left.
    let used = blockCount
    withUnsafeMutableBytes(of: &block) { buffer in
      buffer[used] = 0x80
      for index in (used + 1)..<64 { buffer[index] = 0 }
    }
    if used >= 56 {
      compressBufferedBlock()
      block = (0, 0, 0, 0, 0, 0, 0, 0)
    }
    block.7 = bitLength.bigEndian
    compressBufferedBlock()
    blockCount = 0
    return SHA256Digest(
      word0: UInt64(h0) << 32 | UInt64(h1), word1: UInt64(h2) << 32 | UInt64(h3),
      word2: UInt64(h4) << 32 | UInt64(h5), word3: UInt64(h6) << 32 | UInt64(h7))
  }

  private mutating func compressBufferedBlock() {
    var copy = block
    withUnsafeBytes(of: &copy) { buffer in
      if let base = buffer.baseAddress { compress(base, blocks: 1) }
    }
  }

  @inline(__always)
  private static func rotate(_ value: UInt32, _ count: UInt32) -> UInt32 {
    (value >> count) | (value << (32 &- count))
  }

  @inline(__always)
  private static func word(_ pointer: UnsafeRawPointer, _ index: Int) -> UInt32 {
    UInt32(bigEndian: pointer.loadUnaligned(fromByteOffset: index &* 4, as: UInt32.self))
  }

  /// The schedule word 16 places after `w0`, from the words 1, 9 and 14 places after it.
  @inline(__always)
  private static func expand(_ w0: UInt32, _ w1: UInt32, _ w9: UInt32, _ w14: UInt32) -> UInt32 {
    let s0 = rotate(w1, 7) ^ rotate(w1, 18) ^ (w1 >> 3)
    let s1 = rotate(w14, 17) ^ rotate(w14, 19) ^ (w14 >> 10)
    return w0 &+ s0 &+ w9 &+ s1
  }

  /// One round, with the working variables renamed instead of moved: the caller rotates
  /// the arguments, so `d` becomes the new `e` and `h` the new `a`.
  @inline(__always)
  private static func round(
    _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32, _ e: UInt32, _ f: UInt32,
    _ g: UInt32, _ h: inout UInt32, _ constant: UInt32, _ word: UInt32
  ) {
    let s1 = rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)
    let choice = g ^ (e & (f ^ g))
    let temp1 = h &+ s1 &+ choice &+ constant &+ word
    let s0 = rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)
    let majority = (a & b) | (c & (a | b))
    d &+= temp1
    h = temp1 &+ s0 &+ majority
  }

  /// Processes `blocks` consecutive 64-byte blocks at `pointer`.
  private mutating func compress(_ pointer: UnsafeRawPointer, blocks: Int) {
    var block = pointer
    for _ in 0..<blocks {
      var w0 = SHA256.word(block, 0)
      var w1 = SHA256.word(block, 1)
      var w2 = SHA256.word(block, 2)
      var w3 = SHA256.word(block, 3)
      var w4 = SHA256.word(block, 4)
      var w5 = SHA256.word(block, 5)
      var w6 = SHA256.word(block, 6)
      var w7 = SHA256.word(block, 7)
      var w8 = SHA256.word(block, 8)
      var w9 = SHA256.word(block, 9)
      var w10 = SHA256.word(block, 10)
      var w11 = SHA256.word(block, 11)
      var w12 = SHA256.word(block, 12)
      var w13 = SHA256.word(block, 13)
      var w14 = SHA256.word(block, 14)
      var w15 = SHA256.word(block, 15)
      var a = h0
      var b = h1
      var c = h2
      var d = h3
      var e = h4
      var f = h5
      var g = h6
      var h = h7
      SHA256.round(a, b, c, &d, e, f, g, &h, 0x428a_2f98, w0)
      SHA256.round(h, a, b, &c, d, e, f, &g, 0x7137_4491, w1)
      SHA256.round(g, h, a, &b, c, d, e, &f, 0xb5c0_fbcf, w2)
      SHA256.round(f, g, h, &a, b, c, d, &e, 0xe9b5_dba5, w3)
      SHA256.round(e, f, g, &h, a, b, c, &d, 0x3956_c25b, w4)
      SHA256.round(d, e, f, &g, h, a, b, &c, 0x59f1_11f1, w5)
      SHA256.round(c, d, e, &f, g, h, a, &b, 0x923f_82a4, w6)
      SHA256.round(b, c, d, &e, f, g, h, &a, 0xab1c_5ed5, w7)
      SHA256.round(a, b, c, &d, e, f, g, &h, 0xd807_aa98, w8)
      SHA256.round(h, a, b, &c, d, e, f, &g, 0x1283_5b01, w9)
      SHA256.round(g, h, a, &b, c, d, e, &f, 0x2431_85be, w10)
      SHA256.round(f, g, h, &a, b, c, d, &e, 0x550c_7dc3, w11)
      SHA256.round(e, f, g, &h, a, b, c, &d, 0x72be_5d74, w12)
      SHA256.round(d, e, f, &g, h, a, b, &c, 0x80de_b1fe, w13)
      SHA256.round(c, d, e, &f, g, h, a, &b, 0x9bdc_06a7, w14)
      SHA256.round(b, c, d, &e, f, g, h, &a, 0xc19b_f174, w15)
      // Rounds 16 to 31: the schedule's next sixteen words, computed in place.
      w0 = SHA256.expand(w0, w1, w9, w14)
      SHA256.round(a, b, c, &d, e, f, g, &h, 0xe49b_69c1, w0)
      w1 = SHA256.expand(w1, w2, w10, w15)
      SHA256.round(h, a, b, &c, d, e, f, &g, 0xefbe_4786, w1)
      w2 = SHA256.expand(w2, w3, w11, w0)
      SHA256.round(g, h, a, &b, c, d, e, &f, 0x0fc1_9dc6, w2)
      w3 = SHA256.expand(w3, w4, w12, w1)
      SHA256.round(f, g, h, &a, b, c, d, &e, 0x240c_a1cc, w3)
      w4 = SHA256.expand(w4, w5, w13, w2)
      SHA256.round(e, f, g, &h, a, b, c, &d, 0x2de9_2c6f, w4)
      w5 = SHA256.expand(w5, w6, w14, w3)
      SHA256.round(d, e, f, &g, h, a, b, &c, 0x4a74_84aa, w5)
      w6 = SHA256.expand(w6, w7, w15, w4)
      SHA256.round(c, d, e, &f, g, h, a, &b, 0x5cb0_a9dc, w6)
      w7 = SHA256.expand(w7, w8, w0, w5)
      SHA256.round(b, c, d, &e, f, g, h, &a, 0x76f9_88da, w7)
      w8 = SHA256.expand(w8, w9, w1, w6)
      SHA256.round(a, b, c, &d, e, f, g, &h, 0x983e_5152, w8)
      w9 = SHA256.expand(w9, w10, w2, w7)
      SHA256.round(h, a, b, &c, d, e, f, &g, 0xa831_c66d, w9)
      w10 = SHA256.expand(w10, w11, w3, w8)
      SHA256.round(g, h, a, &b, c, d, e, &f, 0xb003_27c8, w10)
      w11 = SHA256.expand(w11, w12, w4, w9)
      SHA256.round(f, g, h, &a, b, c, d, &e, 0xbf59_7fc7, w11)
      w12 = SHA256.expand(w12, w13, w5, w10)
      SHA256.round(e, f, g, &h, a, b, c, &d, 0xc6e0_0bf3, w12)
      w13 = SHA256.expand(w13, w14, w6, w11)
      SHA256.round(d, e, f, &g, h, a, b, &c, 0xd5a7_9147, w13)
      w14 = SHA256.expand(w14, w15, w7, w12)
      SHA256.round(c, d, e, &f, g, h, a, &b, 0x06ca_6351, w14)
      w15 = SHA256.expand(w15, w0, w8, w13)
      SHA256.round(b, c, d, &e, f, g, h, &a, 0x1429_2967, w15)
      // Rounds 32 to 47: the schedule's next sixteen words, computed in place.
      w0 = SHA256.expand(w0, w1, w9, w14)
      SHA256.round(a, b, c, &d, e, f, g, &h, 0x27b7_0a85, w0)
      w1 = SHA256.expand(w1, w2, w10, w15)
      SHA256.round(h, a, b, &c, d, e, f, &g, 0x2e1b_2138, w1)
      w2 = SHA256.expand(w2, w3, w11, w0)
      SHA256.round(g, h, a, &b, c, d, e, &f, 0x4d2c_6dfc, w2)
      w3 = SHA256.expand(w3, w4, w12, w1)
      SHA256.round(f, g, h, &a, b, c, d, &e, 0x5338_0d13, w3)
      w4 = SHA256.expand(w4, w5, w13, w2)
      SHA256.round(e, f, g, &h, a, b, c, &d, 0x650a_7354, w4)
      w5 = SHA256.expand(w5, w6, w14, w3)
      SHA256.round(d, e, f, &g, h, a, b, &c, 0x766a_0abb, w5)
      w6 = SHA256.expand(w6, w7, w15, w4)
      SHA256.round(c, d, e, &f, g, h, a, &b, 0x81c2_c92e, w6)
      w7 = SHA256.expand(w7, w8, w0, w5)
      SHA256.round(b, c, d, &e, f, g, h, &a, 0x9272_2c85, w7)
      w8 = SHA256.expand(w8, w9, w1, w6)
      SHA256.round(a, b, c, &d, e, f, g, &h, 0xa2bf_e8a1, w8)
      w9 = SHA256.expand(w9, w10, w2, w7)
      SHA256.round(h, a, b, &c, d, e, f, &g, 0xa81a_664b, w9)
      w10 = SHA256.expand(w10, w11, w3, w8)
      SHA256.round(g, h, a, &b, c, d, e, &f, 0xc24b_8b70, w10)
      w11 = SHA256.expand(w11, w12, w4, w9)
      SHA256.round(f, g, h, &a, b, c, d, &e, 0xc76c_51a3, w11)
      w12 = SHA256.expand(w12, w13, w5, w10)
      SHA256.round(e, f, g, &h, a, b, c, &d, 0xd192_e819, w12)
      w13 = SHA256.expand(w13, w14, w6, w11)
      SHA256.round(d, e, f, &g, h, a, b, &c, 0xd699_0624, w13)
      w14 = SHA256.expand(w14, w15, w7, w12)
      SHA256.round(c, d, e, &f, g, h, a, &b, 0xf40e_3585, w14)
      w15 = SHA256.expand(w15, w0, w8, w13)
      SHA256.round(b, c, d, &e, f, g, h, &a, 0x106a_a070, w15)
      // Rounds 48 to 63: the schedule's next sixteen words, computed in place.
      w0 = SHA256.expand(w0, w1, w9, w14)
      SHA256.round(a, b, c, &d, e, f, g, &h, 0x19a4_c116, w0)
      w1 = SHA256.expand(w1, w2, w10, w15)
      SHA256.round(h, a, b, &c, d, e, f, &g, 0x1e37_6c08, w1)
      w2 = SHA256.expand(w2, w3, w11, w0)
      SHA256.round(g, h, a, &b, c, d, e, &f, 0x2748_774c, w2)
      w3 = SHA256.expand(w3, w4, w12, w1)
      SHA256.round(f, g, h, &a, b, c, d, &e, 0x34b0_bcb5, w3)
      w4 = SHA256.expand(w4, w5, w13, w2)
      SHA256.round(e, f, g, &h, a, b, c, &d, 0x391c_0cb3, w4)
      w5 = SHA256.expand(w5, w6, w14, w3)
      SHA256.round(d, e, f, &g, h, a, b, &c, 0x4ed8_aa4a, w5)
      w6 = SHA256.expand(w6, w7, w15, w4)
      SHA256.round(c, d, e, &f, g, h, a, &b, 0x5b9c_ca4f, w6)
      w7 = SHA256.expand(w7, w8, w0, w5)
      SHA256.round(b, c, d, &e, f, g, h, &a, 0x682e_6ff3, w7)
      w8 = SHA256.expand(w8, w9, w1, w6)
      SHA256.round(a, b, c, &d, e, f, g, &h, 0x748f_82ee, w8)
      w9 = SHA256.expand(w9, w10, w2, w7)
      SHA256.round(h, a, b, &c, d, e, f, &g, 0x78a5_636f, w9)
      w10 = SHA256.expand(w10, w11, w3, w8)
      SHA256.round(g, h, a, &b, c, d, e, &f, 0x84c8_7814, w10)
      w11 = SHA256.expand(w11, w12, w4, w9)
      SHA256.round(f, g, h, &a, b, c, d, &e, 0x8cc7_0208, w11)
      w12 = SHA256.expand(w12, w13, w5, w10)
      SHA256.round(e, f, g, &h, a, b, c, &d, 0x90be_fffa, w12)
      w13 = SHA256.expand(w13, w14, w6, w11)
      SHA256.round(d, e, f, &g, h, a, b, &c, 0xa450_6ceb, w13)
      w14 = SHA256.expand(w14, w15, w7, w12)
      SHA256.round(c, d, e, &f, g, h, a, &b, 0xbef9_a3f7, w14)
      w15 = SHA256.expand(w15, w0, w8, w13)
      SHA256.round(b, c, d, &e, f, g, h, &a, 0xc671_78f2, w15)
      h0 &+= a
      h1 &+= b
      h2 &+= c
      h3 &+= d
      h4 &+= e
      h5 &+= f
      h6 &+= g
      h7 &+= h
      block += 64
    }
  }
}
