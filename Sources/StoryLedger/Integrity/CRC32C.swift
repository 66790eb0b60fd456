/// CRC-32C (Castagnoli), the checksum that frames every record of the log.
///
/// It catches torn writes and accidental damage cheaply; the SHA-256 chain catches any
/// change to a record's meaning. Computed slice-by-16 (sixteen bytes per step, one table
/// lookup per byte, all independent) from tables built once; every read of the log checks
/// every record with it.
///
/// ```swift
/// CRC32C.checksum(Array("123456789".utf8))  // 0xE306_9283
/// ```
public enum CRC32C {
  /// Table `n` (entries `256 * n` to `256 * n + 255`) gives the CRC of a byte followed by
  /// `n` zero bytes.
  private static let tables: [UInt32] = {
    var tables = [UInt32](repeating: 0, count: 16 * 256)
    for index in 0..<256 {
      var crc = UInt32(index)
      for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
      tables[index] = crc
    }
    for index in 0..<256 {
      var crc = tables[index]
      for slice in 1..<16 {
        crc = tables[Int(crc & 0xFF)] ^ (crc >> 8)
        tables[slice * 256 + index] = crc
      }
    }
    return tables
  }()

  /// The checksum of `bytes`.
  public static func checksum(_ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBytes { checksum($0) }
  }

  /// The checksum of `bytes`.
  public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    guard var pointer = bytes.baseAddress else { return 0 }
    var remaining = bytes.count
    var crc: UInt32 = 0xFFFF_FFFF
    tables.withUnsafeBufferPointer { buffer in
      guard let table = buffer.baseAddress else { return }
      // The entry of table `slice` for the low byte of `value`.
      @inline(__always)
      func entry(_ slice: Int, _ value: UInt64) -> UInt32 {
        table[slice &* 256 &+ Int(truncatingIfNeeded: value & 0xFF)]
      }
      while remaining >= 16 {
        let low = UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self)) ^ UInt64(crc)
        let high = UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        crc =
          entry(15, low) ^ entry(14, low >> 8) ^ entry(13, low >> 16) ^ entry(12, low >> 24)
          ^ entry(11, low >> 32) ^ entry(10, low >> 40) ^ entry(9, low >> 48)
          ^ entry(8, low >> 56) ^ entry(7, high) ^ entry(6, high >> 8) ^ entry(5, high >> 16)
          ^ entry(4, high >> 24) ^ entry(3, high >> 32) ^ entry(2, high >> 40)
          ^ entry(1, high >> 48) ^ entry(0, high >> 56)
        pointer += 16
        remaining -= 16
      }
      while remaining > 0 {
        crc = table[Int((crc ^ UInt32(pointer.load(as: UInt8.self))) & 0xFF)] ^ (crc >> 8)
        pointer += 1
        remaining -= 1
      }
    }
    return crc ^ 0xFFFF_FFFF
  }
}
