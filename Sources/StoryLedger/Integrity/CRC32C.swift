/// CRC-32C (Castagnoli), the checksum that frames every record of the log.
///
/// It catches torn writes and accidental damage cheaply; the SHA-256 chain catches any
/// change to a record's meaning. Computed slice-by-8 from tables built once.
///
/// ```swift
/// CRC32C.checksum(Array("123456789".utf8))  // 0xE306_9283
/// ```
public enum CRC32C {
  private static let tables: [UInt32] = {
    var tables = [UInt32](repeating: 0, count: 8 * 256)
    for index in 0..<256 {
      var crc = UInt32(index)
      for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
      tables[index] = crc
    }
    for index in 0..<256 {
      var crc = tables[index]
      for slice in 1..<8 {
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
    tables.withUnsafeBufferPointer { table in
      while remaining >= 8 {
        let word = UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self)) ^ UInt64(crc)
        crc =
          table[7 * 256 + Int(word & 0xFF)] ^ table[6 * 256 + Int((word >> 8) & 0xFF)]
          ^ table[5 * 256 + Int((word >> 16) & 0xFF)] ^ table[4 * 256 + Int((word >> 24) & 0xFF)]
          ^ table[3 * 256 + Int((word >> 32) & 0xFF)] ^ table[2 * 256 + Int((word >> 40) & 0xFF)]
          ^ table[1 * 256 + Int((word >> 48) & 0xFF)] ^ table[Int(word >> 56)]
        pointer += 8
        remaining -= 8
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
