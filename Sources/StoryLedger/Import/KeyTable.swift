/// An open-addressing hash table from byte strings to the ids of the records that hold them.
///
/// The planner looks up a story or an item for every row of a file; this table hashes the
/// row's bytes in place, without making a `String`, and leaves keeping the keys to its
/// caller: a lookup passes a closure that says whether the record with a given id has the
/// key.
///
/// ```swift
/// var table = KeyTable()
/// let hash = KeyTable.hash(bytes, seed: 0)
/// if let id = table.find(hash: hash, where: { keys[Int($0)] == key }) {
///   use(id)
/// } else {
///   table.insert(id: newID, hash: hash)
/// }
/// ```
struct KeyTable {
  /// One slot: the key's hash and the id, or -1 for an empty slot.
  private struct Slot {
    var hash: UInt32
    var id: Int32
  }

  private var slots: [Slot]
  private var mask: Int
  /// The number of ids in the table.
  private(set) var count = 0

  init(capacity: Int = 1024) {
    var size = 16
    while size < capacity * 2 { size *= 2 }
    slots = [Slot](repeating: Slot(hash: 0, id: -1), count: size)
    mask = size - 1
  }

  /// The id whose record `matches`, among those inserted with `hash`.
  @inline(__always)
  func find(hash: UInt32, where matches: (Int32) -> Bool) -> Int32? {
    slots.withUnsafeBufferPointer { slots in
      var index = Int(hash) & mask
      while true {
        let slot = slots[index]
        if slot.id < 0 { return nil }
        if slot.hash == hash && matches(slot.id) { return slot.id }
        index = (index + 1) & mask
      }
    }
  }

  /// Adds `id` under `hash` (after ``find(hash:where:)`` found no match).
  mutating func insert(id: Int32, hash: UInt32) {
    if (count + 1) * 2 > slots.count { grow() }
    count += 1
    place(Slot(hash: hash, id: id))
  }

  private mutating func place(_ slot: Slot) {
    var index = Int(slot.hash) & mask
    while slots[index].id >= 0 { index = (index + 1) & mask }
    slots[index] = slot
  }

  private mutating func grow() {
    let old = slots
    slots = [Slot](repeating: Slot(hash: 0, id: -1), count: old.count * 2)
    mask = slots.count - 1
    for slot in old where slot.id >= 0 { place(slot) }
  }

  /// A hash of `bytes` and `seed` (a story id, for item keys, which are unique per story).
  ///
  /// Eight bytes at a time, multiplied and folded; good enough to spread keys, not meant
  /// to resist crafted collisions (a file is imported by its owner).
  @inline(__always)
  static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt32 {
    let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
    var hash = (seed &+ UInt64(bytes.count)) &* multiplier
    guard let base = bytes.baseAddress else { return fold(hash) }
    var offset = 0
    let count = bytes.count
    while offset + 8 <= count {
      let word = base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
      hash = (hash ^ word) &* multiplier
      hash ^= hash >> 29
      offset += 8
    }
    if offset < count {
      var word: UInt64 = 0
      var shift: UInt64 = 0
      while offset < count {
        word |= UInt64(base.load(fromByteOffset: offset, as: UInt8.self)) << shift
        shift += 8
        offset += 1
      }
      hash = (hash ^ word) &* multiplier
      hash ^= hash >> 29
    }
    return fold(hash)
  }

  @inline(__always)
  private static func fold(_ value: UInt64) -> UInt32 {
    var hash = value
    hash ^= hash >> 33
    hash = hash &* 0xFF51_AFD7_ED55_8CCD
    hash ^= hash >> 33
    return UInt32(truncatingIfNeeded: hash)
  }
}
