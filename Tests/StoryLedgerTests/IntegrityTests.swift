import Testing

@testable import StoryLedger

/// A message of `count` bytes that is not all one value, so padding bugs show.
private func patterned(_ count: Int) -> [UInt8] {
  (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
}

@Suite("SHA-256")
struct SHA256Tests {
  /// The FIPS 180-4 example messages (NIST CSRC "Examples with Intermediate Values").
  @Test(
    arguments: [
      ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
      ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
      (
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
      ),
      (
        "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
      ),
    ])
  func nistExampleVectors(message: String, expected: String) {
    #expect(SHA256.hash(Array(message.utf8)).hex == expected)
    #expect(SHA256.hash(Array(message.utf8)).description == expected)
  }

  @Test func oneMillionLetterA() {
    let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
    let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
    #expect(SHA256.hash(message).hex == expected)
    // Fed in uneven pieces, the digest is the same.
    var hasher = SHA256()
    var offset = 0
    var piece = 1
    while offset < message.count {
      let end = min(message.count, offset + piece)
      hasher.update(Array(message[offset..<end]))
      offset = end
      piece = piece * 3 % 1_021 + 1
    }
    #expect(hasher.finalize().hex == expected)
  }

  /// Messages around the block boundaries, where padding spills into a second block.
  @Test(
    arguments: [
      (55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b"),
      (56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27"),
      (63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055"),
      (64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241"),
      (65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e"),
      (119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e"),
      (120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5"),
      (127, "a8d23e75d936f303d248888d9b165ee543f4cbafcad3c9dd2a79bd84faa11d07"),
      (128, "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6"),
      (129, "307f8fc2c1622b92762e818d39a185d4d667ad49a4b07ceae1f4afa008a93ec4"),
    ])
  func boundaryLengths(count: Int, expected: String) {
    #expect(SHA256.hash(patterned(count)).hex == expected)
  }

  /// Every way of cutting the message in two, and in three, gives the one-shot digest.
  @Test(arguments: [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 129])
  func incrementalUpdatesMatchOneShot(count: Int) {
    let message = patterned(count)
    let expected = SHA256.hash(message)
    for split in 0...count {
      var hasher = SHA256()
      hasher.update(Array(message[..<split]))
      hasher.update(Array(message[split...]))
      #expect(hasher.finalize() == expected, "split at \(split) of \(count)")
      for second in stride(from: split, through: count, by: 7) {
        var threeWay = SHA256()
        threeWay.update(Array(message[..<split]))
        threeWay.update(Array(message[split..<second]))
        threeWay.update(Array(message[second...]))
        #expect(threeWay.finalize() == expected, "splits at \(split) and \(second) of \(count)")
      }
    }
    var byteByByte = SHA256()
    for byte in message { byteByByte.update([byte]) }
    #expect(byteByByte.finalize() == expected)
  }

  @Test func updatingWithADigestHashesItsBytes() {
    let digest = SHA256.hash(Array("abc".utf8))
    var viaDigest = SHA256()
    viaDigest.update(digest)
    viaDigest.update(Array("tail".utf8))
    #expect(viaDigest.finalize() == SHA256.hash(digest.bytes + Array("tail".utf8)))
  }

  @Test func differentMessagesHaveDifferentDigests() {
    var seen = Set<SHA256Digest>()
    for count in 0..<200 { seen.insert(SHA256.hash(patterned(count))) }
    #expect(seen.count == 200)
  }
}

@Suite("SHA-256 digests")
struct SHA256DigestTests {
  @Test func hexRoundTrip() throws {
    for count in 0..<40 {
      let digest = SHA256.hash(patterned(count))
      #expect(digest.hex.count == 64)
      #expect(digest.hex == digest.hex.lowercased())
      #expect(SHA256Digest(hex: digest.hex) == digest)
      #expect(SHA256Digest(hex: digest.hex.uppercased()) == digest)
      #expect(SHA256Digest(bytes: digest.bytes) == digest)
      #expect(digest.bytes.count == 32)
    }
  }

  @Test func bytesAreBigEndianInOrder() throws {
    let bytes = (0..<32).map { UInt8($0) }
    let digest = try #require(SHA256Digest(bytes: bytes))
    #expect(digest.bytes == bytes)
    #expect(digest.hex == "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
    #expect(SHA256Digest.zero.bytes == [UInt8](repeating: 0, count: 32))
    #expect(SHA256Digest.zero.hex == String(repeating: "0", count: 64))
  }

  @Test(
    arguments: [
      "",
      "abc",
      String(repeating: "0", count: 63),
      String(repeating: "0", count: 65),
      String(repeating: "g", count: 64),
      String(repeating: "0", count: 62) + " 0",
      String(repeating: "0", count: 62) + "-1",
      String(repeating: "é", count: 32),
    ])
  func invalidHexIsRejected(text: String) {
    #expect(SHA256Digest(hex: text) == nil)
  }

  @Test func wrongByteCountsAreRejected() {
    #expect(SHA256Digest(bytes: []) == nil)
    #expect(SHA256Digest(bytes: [UInt8](repeating: 1, count: 31)) == nil)
    #expect(SHA256Digest(bytes: [UInt8](repeating: 1, count: 33)) == nil)
  }
}

@Suite("CRC-32C")
struct CRC32CTests {
  /// A bit-at-a-time CRC-32C, the definition the table-driven one must agree with.
  private static func bitwise(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
    }
    return crc ^ 0xFFFF_FFFF
  }

  /// The check value and the iSCSI vectors of RFC 3720 appendix B.4.
  static let vectors: [([UInt8], UInt32)] = [
    (Array("123456789".utf8), 0xE306_9283),
    ([UInt8](repeating: 0, count: 32), 0x8A91_36AA),
    ([UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43),
    ((0..<32).map { UInt8($0) }, 0x46DD_794E),
    ((0..<32).reversed().map { UInt8($0) }, 0x113F_DB5C),
    ([], 0),
    (Array("a".utf8), 0xC1D0_4330),
    (Array("The quick brown fox jumps over the lazy dog".utf8), 0x2262_0404),
  ]

  @Test(arguments: CRC32CTests.vectors)
  func knownVectors(bytes: [UInt8], expected: UInt32) {
    #expect(CRC32C.checksum(bytes) == expected)
    #expect(bytes.withUnsafeBytes { CRC32C.checksum($0) } == expected)
  }

  /// Every length around the 8-byte stride, at every alignment, matches the bitwise CRC.
  @Test func tableDrivenMatchesBitwiseAtEveryLengthAndAlignment() {
    let data = patterned(80)
    for start in 0..<8 {
      for end in start...data.count {
        let slice = Array(data[start..<end])
        let expected = CRC32CTests.bitwise(slice)
        let unaligned = data.withUnsafeBytes { raw in
          CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
        }
        #expect(unaligned == expected, "bytes \(start)..<\(end)")
      }
    }
  }

  @Test func everySingleBitFlipChangesTheChecksum() {
    let data = patterned(40)
    let original = CRC32C.checksum(data)
    for index in data.indices {
      for bit in 0..<8 {
        var damaged = data
        damaged[index] ^= 1 << bit
        #expect(CRC32C.checksum(damaged) != original)
      }
    }
  }
}
