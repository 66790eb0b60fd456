import Foundation
import Testing

/// The records of a ledger's `events.log`, read the way a power cut or a reader would meet
/// them: by their frames, without the library's checks.
enum ErasureAudit {
  /// A CSV of `stories` stories keyed `prefix-sN` under `node`, each told in `tellings`
  /// tellings (one row each) by tellers named in several scripts; returns the CSV and, per
  /// story, the personal text that must be gone once it is erased.
  static func corpus(prefix: String, node: String, stories: Int, tellings: Int) -> (
    csv: String, secrets: [String: [String]]
  ) {
    var text = "story,node,told_on,item,dimension,visibility,narrative,teller\n"
    var secrets: [String: [String]] = [:]
    for story in 0..<stories {
      let key = "\(prefix)-s\(story)"
      let teller = "Zoë Ångström-李小龍-محمد \(prefix) \(story)"
      secrets[key] = [teller]
      for telling in 0..<tellings {
        let narrative = "Ночью \(key) مرة \(telling) 夜の散歩 Ætla-\(telling)-\(story)"
        if telling < 3 || telling == tellings - 1 { secrets[key]?.append(narrative) }
        let day = String(format: "2026-%02d-%02d", telling % 12 + 1, telling % 28 + 1)
        text +=
          "\(key),\(node),\(day),i1,calculating,invisible,\"\(narrative)\",\(telling == 0 ? teller : "")\n"
      }
    }
    return (text, secrets)
  }

  /// The start offset of every record in `log` (a whole `events.log`).
  static func recordOffsets(_ log: Data) -> [Int] {
    var offsets: [Int] = []
    var offset = 16  // the file header
    let bytes = [UInt8](log)
    while offset + 8 <= bytes.count {
      let length =
        Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16
        | Int(bytes[offset + 3]) << 24
      guard length > 0, offset + 8 + length <= bytes.count else { break }
      offsets.append(offset)
      offset += 8 + length
    }
    return offsets
  }

  /// The records (offset, size) whose bytes differ between `before` and `after`: those
  /// rewritten in place since `before` was taken.
  static func rewrittenRecords(before: Data, after: Data) -> [(offset: Int, size: Int)] {
    let old = [UInt8](before)
    let new = [UInt8](after)
    var changed: [(Int, Int)] = []
    for offset in recordOffsets(before) {
      let length =
        Int(old[offset]) | Int(old[offset + 1]) << 8 | Int(old[offset + 2]) << 16
        | Int(old[offset + 3]) << 24
      let end = offset + 8 + length
      guard end <= new.count else { continue }
      if old[offset..<end] != new[offset..<end] { changed.append((offset, 8 + length)) }
    }
    return changed
  }

  /// Writes `bytes` at `offset` of the file at `path`, in place.
  static func write(_ bytes: some Collection<UInt8>, at offset: Int, of path: String) throws {
    let handle = try FileHandle(forUpdating: URL(filePath: path))
    defer { try? handle.close() }
    try handle.seek(toOffset: UInt64(offset))
    try handle.write(contentsOf: Data(bytes))
  }

  /// Every regular file of the ledger directory `ledger`, by name.
  static func files(_ ledger: String) throws -> [String: Data] {
    var files: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: ledger) {
      let path = ledger + "/" + name
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
        !isDirectory.boolValue
      {
        files[name] = try Data(contentsOf: URL(filePath: path))
      }
    }
    return files
  }

  /// The texts of `secrets` found in some file of `ledger`, each with the file.
  static func leftovers(_ secrets: [String], in ledger: String) throws -> [String] {
    var found: [String] = []
    for (name, bytes) in try files(ledger) {
      for secret in secrets where bytes.range(of: Data(secret.utf8)) != nil {
        found.append("\(secret) in \(name)")
      }
    }
    return found
  }
}
