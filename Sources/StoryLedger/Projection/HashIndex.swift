/// An open-addressing hash table from keys to record numbers, stored as a plain column so
/// that a snapshot maps it without rebuilding.
///
/// The table holds record numbers only; the caller compares keys through `matches`, and
/// gives each record's hash again when the table grows.
struct HashIndex: Sendable {
  /// Record number + 1 per slot; 0 is an empty slot. The count is a power of two.
  var slots = Column<Int32>()
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
    var slot = Int(truncatingIfNeeded: hash) & mask
    while true {
      let entry = slots[slot]
      if entry == 0 { return nil }
      if matches(entry - 1) { return entry - 1 }
      slot = (slot + 1) & mask
    }
  }

  /// Adds `record` (whose key is not in the table yet); `hashOf` gives any record's hash
  /// when the table has to grow.
  mutating func insert(_ record: Int32, hash: UInt64, hashOf: (Int32) -> UInt64) {
    if (count + 1) * 2 > slots.count { grow(hashOf: hashOf) }
    place(record, hash: hash)
    count += 1
  }

  private mutating func place(_ record: Int32, hash: UInt64) {
    let mask = slots.count - 1
    var slot = Int(truncatingIfNeeded: hash) & mask
    while slots[slot] != 0 { slot = (slot + 1) & mask }
    slots[slot] = record + 1
  }

  private mutating func grow(hashOf: (Int32) -> UInt64) {
    let old = slots
    var capacity = max(16, old.count * 2)
    while (count + 1) * 2 > capacity { capacity *= 2 }
    var fresh = Column<Int32>()
    fresh.reserveCapacity(capacity)
    for _ in 0..<capacity { fresh.append(0) }
    slots = fresh
    for slot in 0..<old.count where old[slot] != 0 {
      place(old[slot] - 1, hash: hashOf(old[slot] - 1))
    }
  }
}
