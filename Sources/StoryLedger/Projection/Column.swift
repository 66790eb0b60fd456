#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A read-only memory mapping of a file, unmapped when the last column using it is gone.
final class MappedRegion: @unchecked Sendable {
  let base: UnsafeRawPointer
  let count: Int

  /// Maps the whole of `file` read-only.
  init(file: SystemFile) throws(LedgerError) {
    let size = try file.size()
    guard size > 0 else { throw LedgerError(.corrupt, "\(file.path) is empty", path: file.path) }
    guard let address = mmap(nil, Int(size), PROT_READ, MAP_PRIVATE, file.descriptor, 0),
      address != MAP_FAILED
    else { throw SystemFile.error("map", file.path) }
    base = UnsafeRawPointer(address)
    count = Int(size)
  }

  deinit { munmap(UnsafeMutableRawPointer(mutating: base), count) }
}

/// An array of plain records that can live in a mapped snapshot file and still be changed.
///
/// A column loaded from a snapshot reads its elements straight from the mapping: opening a
/// large ledger costs no copying. Changes are kept beside the mapping (a few changed
/// elements as patches, new elements in an owned array), so applying the events recorded
/// after the snapshot touches only what they change. A column built by replay is an
/// ordinary owned array.
struct Column<Element: BitwiseCopyable>: @unchecked Sendable {
  private var region: MappedRegion?
  private var base: UnsafeBufferPointer<Element>
  private var owned: [Element] = []
  private var patchBits: [UInt64] = []
  private var patches: [Int32: Element] = [:]

  /// An empty owned column.
  init() {
    region = nil
    base = UnsafeBufferPointer(start: nil, count: 0)
  }

  /// A column over `count` elements at byte `offset` of `region` (aligned for `Element`).
  init(region: MappedRegion, offset: Int, count: Int) {
    self.region = region
    base = UnsafeBufferPointer(
      start: (region.base + offset).assumingMemoryBound(to: Element.self), count: count)
  }

  /// The number of elements.
  var count: Int {
    @inline(__always) get { base.count + owned.count }
  }

  var isEmpty: Bool { count == 0 }

  subscript(index: Int) -> Element {
    @inline(__always) get {
      if index >= base.count { return owned[index - base.count] }
      precondition(index >= 0, "column index out of range")
      if !patchBits.isEmpty, patchBits[index >> 6] & (1 << UInt64(index & 63)) != 0,
        let patch = patches[Int32(index)]
      {
        return patch
      }
      return base[index]
    }
    set {
      if index >= base.count {
        owned[index - base.count] = newValue
        return
      }
      precondition(index >= 0, "column index out of range")
      if patchBits.isEmpty { patchBits = [UInt64](repeating: 0, count: (base.count + 63) / 64) }
      patchBits[index >> 6] |= 1 << UInt64(index & 63)
      patches[Int32(index)] = newValue
    }
  }

  subscript(index: Int32) -> Element {
    @inline(__always) get { self[Int(index)] }
    set { self[Int(index)] = newValue }
  }

  mutating func append(_ element: Element) { owned.append(element) }

  mutating func reserveCapacity(_ capacity: Int) {
    owned.reserveCapacity(max(0, capacity - base.count))
  }

  /// Calls `body` with the elements in one contiguous buffer (copying only when the
  /// column has changes beside its mapping).
  func withContiguousElements<Result>(_ body: (UnsafeBufferPointer<Element>) throws -> Result)
    rethrows -> Result
  {
    if base.count == 0 { return try owned.withUnsafeBufferPointer(body) }
    if owned.isEmpty && patches.isEmpty { return try body(base) }
    var copy = Array(base)
    for (index, element) in patches { copy[Int(index)] = element }
    copy.append(contentsOf: owned)
    return try copy.withUnsafeBufferPointer(body)
  }

  /// Calls `body` with each element and its index, in order, without copying the column.
  func forEachElement(_ body: (Int, Element) throws -> Void) rethrows {
    if patches.isEmpty {
      for (index, element) in base.enumerated() { try body(index, element) }
    } else {
      for index in 0..<base.count { try body(index, self[index]) }
    }
    let offset = base.count
    for (index, element) in owned.enumerated() { try body(offset + index, element) }
  }

}

extension Column where Element == UInt8 {
  /// Appends bytes and returns where they are.
  mutating func appendText(_ text: String) -> TextReference {
    let offset = count
    var copy = text
    copy.withUTF8 { owned.append(contentsOf: $0) }
    return TextReference(offset: UInt32(truncatingIfNeeded: offset), length: UInt32(count - offset))
  }

  /// Overwrites the bytes of `reference` with zeros (erased text).
  mutating func zero(_ reference: TextReference) {
    let start = Int(reference.offset)
    for index in start..<(start + Int(reference.length)) { self[index] = 0 }
  }

  /// Appends bytes that are already UTF-8 text and returns where they are.
  mutating func appendText(utf8 bytes: UnsafeRawBufferPointer) -> TextReference {
    let offset = count
    owned.append(contentsOf: bytes)
    return TextReference(offset: UInt32(truncatingIfNeeded: offset), length: UInt32(count - offset))
  }

  /// Calls `body` with the bytes of `reference`.
  func withBytes<Result>(
    _ reference: TextReference, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result
  ) rethrows -> Result {
    let start = Int(reference.offset)
    let end = start + Int(reference.length)
    if end <= base.count {
      return try body(UnsafeBufferPointer(rebasing: base[start..<end]))
    }
    if start >= base.count {
      return try owned.withUnsafeBufferPointer {
        try body(UnsafeBufferPointer(rebasing: $0[(start - base.count)..<(end - base.count)]))
      }
    }
    let bytes = (start..<end).map { self[$0] }
    return try bytes.withUnsafeBufferPointer(body)
  }

  /// The text of `reference`.
  func string(_ reference: TextReference) -> String {
    withBytes(reference) { String(decoding: $0, as: UTF8.self) }
  }

  /// Whether the text of `reference` is `text`.
  func matches(_ reference: TextReference, _ text: String) -> Bool {
    var copy = text
    return copy.withUTF8 { wanted in
      withBytes(reference) { stored in
        guard stored.count == wanted.count else { return false }
        guard let left = stored.baseAddress, let right = wanted.baseAddress else { return true }
        return memcmp(left, right, stored.count) == 0
      }
    }
  }
}

/// Where a text sits in the state's byte arena.
struct TextReference: Hashable, Sendable, BitwiseCopyable {
  var offset: UInt32
  var length: UInt32
  static let empty = TextReference(offset: 0, length: 0)
}
