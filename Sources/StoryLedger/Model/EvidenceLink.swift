import Foundation

/// The rules for evidence that can be checked: a link to where the evidence is, and the
/// SHA-256 digest of an evidence file that stays outside the ledger.
///
/// ```swift
/// try EvidenceLink.validate("https://example.org/registers/2026-03.pdf")
/// let digest = try EvidenceLink.digest(ofFileAt: URL(filePath: "register.pdf"))
/// try EvidenceLink.validateDigest(digest)  // 64 lowercase hexadecimal digits
/// ```
public enum EvidenceLink {
  /// The longest link accepted, in bytes.
  public static let maximumLength = 2048

  /// Checks a link: an absolute URL (a scheme such as `https:`, `doi:` or `urn:` and what
  /// follows it), with no spaces or control characters, at most ``maximumLength`` bytes.
  /// Letters in any script are accepted in the rest of the link.
  public static func validate(_ link: String) throws(ValueError) {
    func refuse(_ reason: String) -> ValueError {
      ValueError(field: "evidence link", value: link, reason: reason)
    }
    guard !link.isEmpty else { throw refuse("is empty; give a URL such as https://…") }
    guard link.utf8.count <= maximumLength else {
      throw refuse("is longer than \(maximumLength) bytes")
    }
    if link.unicodeScalars.contains(where: {
      $0.properties.isWhitespace || NameText.isControl($0)
    }) {
      throw refuse("has a space or a control character; write spaces as %20")
    }
    guard let colon = link.firstIndex(of: ":"), colon != link.startIndex,
      link.index(after: colon) != link.endIndex
    else {
      throw refuse("is not an absolute URL: it needs a scheme, such as https://…")
    }
    let scheme = link[..<colon]
    guard let first = scheme.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic,
      scheme.unicodeScalars.allSatisfy({
        $0.isASCII
          && ($0.properties.isAlphabetic || ("0"..."9").contains($0)
            || "+-.".unicodeScalars.contains($0))
      })
    else {
      throw refuse("does not start with a URL scheme (letters, then letters, digits, +, - or .)")
    }
  }

  /// Checks a SHA-256 digest: 64 hexadecimal digits, lowercase.
  public static func validateDigest(_ digest: String) throws(ValueError) {
    guard digest.utf8.count == 64,
      digest.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
    else {
      throw ValueError(
        field: "evidence digest", value: digest,
        reason: "is not a SHA-256 digest: 64 hexadecimal digits, 0-9 and a-f")
    }
  }

  /// The SHA-256 digest of the file at `url`, as 64 lowercase hexadecimal digits, computed
  /// with the package's SHA-256 as the file is read in chunks (the file is not kept).
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/notFound`` when there is no such file,
  ///   ``LedgerError/Code/io`` when it cannot be read.
  public static func digest(ofFileAt url: URL) throws -> String {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
      throw LedgerError(.notFound, "evidence file \(url.path) does not exist", path: url.path)
    }
    guard !isDirectory.boolValue else {
      throw LedgerError(.notFound, "evidence file \(url.path) is a directory", path: url.path)
    }
    let handle: FileHandle
    do { handle = try FileHandle(forReadingFrom: url) } catch {
      throw LedgerError(.io, "cannot read evidence file \(url.path)", path: url.path)
    }
    defer { try? handle.close() }
    var hasher = SHA256()
    while true {
      let chunk: Data?
      do { chunk = try handle.read(upToCount: 1 << 20) } catch {
        throw LedgerError(.io, "cannot read evidence file \(url.path)", path: url.path)
      }
      guard let chunk, !chunk.isEmpty else { break }
      hasher.update(Array(chunk))
    }
    return hasher.finalize().hex
  }
}
