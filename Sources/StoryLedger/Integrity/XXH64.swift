/// XXH64, the 64-bit xxHash of Yann Collet: a fast non-cryptographic checksum.
///
/// Snapshots checksum their sections with it rather than with ``CRC32C``: proving a
/// snapshot of a million-row ledger means checking some hundred megabytes before the first
/// answer, and the table-driven CRC-32C runs at about a gigabyte a second where XXH64 runs
/// at several. It catches accidental damage as well; a snapshot's header is sealed with a
/// keyed SHA-256 on top (see `Snapshot`).
///
/// ```swift
/// XXH64.hash(Array("abc".utf8))  // 0x44BC_2CF5_AD77_0999
/// ```
public enum XXH64 {
  static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
  static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
  static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
  static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
  static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

  @inline(__always)
  static func rotate(_ value: UInt64, _ count: UInt64) -> UInt64 {
    (value << count) | (value >> (64 - count))
  }

  @inline(__always)
  static func round(_ accumulator: UInt64, _ lane: UInt64) -> UInt64 {
    rotate(accumulator &+ lane &* prime2, 31) &* prime1
  }

  @inline(__always)
  static func merge(_ accumulator: UInt64, _ value: UInt64) -> UInt64 {
    (accumulator ^ round(0, value)) &* prime1 &+ prime4
  }

  /// The hash of `bytes` with `seed`.
  public static func hash(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
    bytes.withUnsafeBytes { hash($0, seed: seed) }
  }

  /// The hash of `bytes` with `seed`.
  public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
    let count = bytes.count
    guard let base = bytes.baseAddress else {
      return finish(seed &+ prime5, count: 0, tail: nil, 0)
    }
    var pointer = base
    var remaining = count
    var result: UInt64
    if remaining >= 32 {
      var lane1 = seed &+ prime1 &+ prime2
      var lane2 = seed &+ prime2
      var lane3 = seed
      var lane4 = seed &- prime1
      while remaining >= 32 {
        lane1 = round(lane1, UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self)))
        lane2 = round(
          lane2, UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        lane3 = round(
          lane3, UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
        lane4 = round(
          lane4, UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
        pointer += 32
        remaining -= 32
      }
      result =
        rotate(lane1, 1) &+ rotate(lane2, 7) &+ rotate(lane3, 12) &+ rotate(lane4, 18)
      result = merge(result, lane1)
      result = merge(result, lane2)
      result = merge(result, lane3)
      result = merge(result, lane4)
    } else {
      result = seed &+ prime5
    }
    return finish(result, count: count, tail: pointer, remaining)
  }

  private static func finish(
    _ start: UInt64, count: Int, tail: UnsafeRawPointer?, _ remaining: Int
  ) -> UInt64 {
    var result = start &+ UInt64(count)
    if var pointer = tail {
      var left = remaining
      while left >= 8 {
        let lane = UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self))
        result = rotate(result ^ round(0, lane), 27) &* prime1 &+ prime4
        pointer += 8
        left -= 8
      }
      if left >= 4 {
        let lane = UInt64(UInt32(littleEndian: pointer.loadUnaligned(as: UInt32.self)))
        result = rotate(result ^ (lane &* prime1), 23) &* prime2 &+ prime3
        pointer += 4
        left -= 4
      }
      while left > 0 {
        let lane = UInt64(pointer.load(as: UInt8.self))
        result = rotate(result ^ (lane &* prime5), 11) &* prime1
        pointer += 1
        left -= 1
      }
    }
    result ^= result >> 33
    result &*= prime2
    result ^= result >> 29
    result &*= prime3
    result ^= result >> 32
    return result
  }
}
