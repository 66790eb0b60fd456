/// An open-addressing hash table from keys to record numbers, stored as a plain column so
/// that a snapshot maps it without rebuilding.
///
/// Each slot holds 32 bits of the key's hash beside the record number, so the table grows
/// without hashing any key again and a probe compares keys only when those bits agree. The
/// caller compares keys through `matches`.
struct HashIndex: Sendable {
  /// Per slot: the hash's low 32 bits, then the record number + 1; 0 is an empty slot. The
  /// count is a power of two.
  var slots = Column<UInt64>()
  /// The number of records in the table.
  var count = 0

  /// The FNV-1a hash of `bytes`, mixed with `seed`.
  static func hash(_ bytes: UnsafeBufferPointer<UInt8>, seed: UInt64 = 0) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
    for byte in bytes {
      hash ^= UInt64(byte)
      hash &*= 0x0100_0000_01b3
    }
    // Spread the low bits, which pick the slot.
    hash ^= hash >> 29
    hash &*= 0xbf58_476d_1ce4_e5b9
    return hash ^ (hash >> 32)
  }

  static func hash(_ text: String, seed: UInt64 = 0) -> UInt64 {
    var copy = text
    return copy.withUTF8 { hash($0, seed: seed) }
  }

  /// The record whose key `matches`, among those with `hash`.
  func find(hash: UInt64, _ matches: (Int32) -> Bool) -> Int32? {
    let capacity = slots.count
    guard capacity > 0 else { return nil }
    let mask = capacity - 1
    let bits = UInt64(UInt32(truncatingIfNeeded: hash))
    var slot = Int(bits) & mask
    while true {
      let entry = slots[slot]
      if entry == 0 { return nil }
      if entry >> 32 == bits {
        let record = Int32(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
        if matches(record) { return record }
      }
      slot = (slot + 1) & mask
    }
  }

  /// Adds `record`, whose key (with `hash`) is not in the table yet.
  mutating func insert(_ record: Int32, hash: UInt64) {
    if (count + 1) * 2 > slots.count { grow() }
    place(UInt64(UInt32(truncatingIfNeeded: hash)) << 32 | UInt64(record + 1))
    count += 1
  }

  private mutating func place(_ entry: UInt64) {
    let mask = slots.count - 1
    var slot = Int(entry >> 32) & mask
    while slots[slot] != 0 { slot = (slot + 1) & mask }
    slots[slot] = entry
  }

  private mutating func grow() {
    let old = slots
    var capacity = max(16, old.count * 2)
    while (count + 1) * 2 > capacity { capacity *= 2 }
    var fresh = Column<UInt64>()
    fresh.reserveCapacity(capacity)
    for _ in 0..<capacity { fresh.append(0) }
    slots = fresh
    old.forEachElement { _, entry in
      if entry != 0 { place(entry) }
    }
  }
}
