import Dispatch

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Proving a snapshot's bytes before they are trusted.
///
/// Every section carries an XXH64 digest (of the XXH64 digests of its 1 MiB blocks, so that
/// both cores check a large snapshot at once), and the header carries a seal: the SHA-256
/// of a per-ledger secret, `snapshot.key`, followed by the header's bytes (which hold the
/// section digests and the log position). A snapshot is used only when its seal and every
/// section digest check out: damage is caught by the digests, and a snapshot whose
/// checksums were recomputed after an edit fails the seal. XXH64 is a checksum, not a
/// cryptographic digest: an edit crafted to leave a section's XXH64 unchanged passes, and so
/// does anything written by someone who can read `snapshot.key`. The snapshot stays a
/// cache: the log is the record, erasure is judged from the log alone, and
/// `storyledger rebuild` replaces a snapshot that is not trusted.
extension Snapshot {
  static let keyFileName = "snapshot.key"
  static let keySize = 32
  static let blockSize = 1 << 20

  static func keyPath(in directory: String) -> String { directory + "/" + keyFileName }

  /// The ledger's snapshot key, or `nil` when there is none (or it cannot be read).
  static func key(in directory: String) -> [UInt8]? {
    guard let file = try? SystemFile(path: keyPath(in: directory), flags: O_RDONLY),
      let bytes = try? file.read(count: keySize, at: 0), bytes.count == keySize
    else { return nil }
    return bytes
  }

  /// The ledger's snapshot key, made (random, mode 0600, synced, renamed into place) when
  /// there is none yet. Called under the writer lock.
  static func makeKey(in directory: String) throws(LedgerError) -> [UInt8] {
    if let key = key(in: directory) { return key }
    var generator = SystemRandomNumberGenerator()
    var key: [UInt8] = []
    for _ in 0..<(keySize / 8) {
      withUnsafeBytes(of: generator.next() as UInt64) { key.append(contentsOf: $0) }
    }
    let temporary = keyPath(in: directory) + ".tmp-\(getpid())"
    do {
      let file = try SystemFile(
        path: temporary, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600, action: "create")
      try file.write(key, at: 0)
      try file.synchronize()
      try SystemFile.rename(temporary, to: keyPath(in: directory))
    } catch {
      SystemFile.remove(temporary)
      throw error
    }
    return key
  }

  /// The seal of `header` (the header's bytes before the seal) under `key`.
  static func seal(_ header: UnsafeRawBufferPointer, key: [UInt8]) -> SHA256Digest {
    var hasher = SHA256()
    hasher.update(key)
    hasher.update(header)
    return hasher.finalize()
  }

  /// The digest of each of `sections`: XXH64 of the XXH64 digests of its 1 MiB blocks,
  /// the blocks of all sections hashed on every core.
  static func digests(of sections: [UnsafeRawBufferPointer]) -> [UInt64] {
    var blocks: [(section: Int, start: Int, count: Int)] = []
    for (index, bytes) in sections.enumerated() {
      var start = 0
      repeat {
        let count = min(blockSize, bytes.count - start)
        blocks.append((index, start, count))
        start += count
      } while start < bytes.count
    }
    var blockDigests = [UInt64](repeating: 0, count: blocks.count)
    blockDigests.withUnsafeMutableBufferPointer { output in
      let shared = SharedBlocks(sections: sections, blocks: blocks, results: output)
      if blocks.count > 2 {
        DispatchQueue.concurrentPerform(iterations: blocks.count) { shared.hash($0) }
      } else {
        for index in blocks.indices { shared.hash(index) }
      }
    }
    var digests: [UInt64] = []
    var first = 0
    for index in sections.indices {
      var last = first
      while last < blocks.count && blocks[last].section == index { last += 1 }
      let digest = blockDigests[first..<last].withUnsafeBytes {
        XXH64.hash($0, seed: UInt64(sections[index].count))
      }
      digests.append(digest)
      first = last
    }
    return digests
  }

  /// Why the mapped snapshot `region` with `header` cannot be trusted, or `nil` when its
  /// seal and every section digest check out.
  static func proofProblem(
    of region: MappedRegion, header: Header, directory: String
  ) -> String? {
    guard let key = key(in: directory) else {
      return
        "\(fileName) cannot be proven: the ledger's \(keyFileName) is missing or unreadable"
    }
    let bytes = UnsafeRawBufferPointer(start: region.base, count: region.count)
    let signed = UnsafeRawBufferPointer(rebasing: bytes[0..<header.sealOffset])
    guard seal(signed, key: key) == header.seal else {
      return
        "\(fileName) is damaged (its seal does not match: it was changed after it was written)"
    }
    let kinds = Kind.allCases.filter { header.sections[$0] != nil }
    let ranges = kinds.compactMap { kind in
      header.sections[kind].map { section in
        UnsafeRawBufferPointer(
          start: region.base + Int(section.offset),
          count: Int(section.count) * Int(max(section.stride, 1)))
      }
    }
    for (kind, digest) in zip(kinds, digests(of: ranges))
    where header.sections[kind]?.checksum != digest {
      return "\(fileName) is damaged (its \(kind) section fails its checksum)"
    }
    return nil
  }
}

/// The blocks being hashed and where their digests go, shared by the hashing threads (each
/// writes its own entries only).
private struct SharedBlocks: @unchecked Sendable {
  let sections: [UnsafeRawBufferPointer]
  let blocks: [(section: Int, start: Int, count: Int)]
  let results: UnsafeMutableBufferPointer<UInt64>

  func hash(_ index: Int) {
    let block = blocks[index]
    let slice =
      sections[block.section].baseAddress.map {
        UnsafeRawBufferPointer(start: $0 + block.start, count: block.count)
      } ?? UnsafeRawBufferPointer(start: nil, count: 0)
    results[index] = XXH64.hash(slice)
  }
}
