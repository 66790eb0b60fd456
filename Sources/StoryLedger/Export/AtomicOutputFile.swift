import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file written whole or not at all: bytes go to a temporary file beside the target,
/// which ``commit()`` syncs and renames into place. Dropped without a commit, the
/// temporary file is removed and the target is untouched.
///
/// ```swift
/// let file = try AtomicOutputFile(url: URL(filePath: "series.csv"))
/// try file.write(Array("period_start,...\n".utf8))
/// try file.commit()
/// ```
public final class AtomicOutputFile {
  /// The file that ``commit()`` creates or replaces.
  public let url: URL
  private let temporaryPath: String
  private let file: SystemFile
  private var buffer: [UInt8] = []
  private var written: UInt64 = 0
  private var isCommitted = false

  /// Opens a temporary file beside `url`.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/cannotCreate`` when the directory does not
  ///   exist or cannot be written.
  public init(url: URL) throws(LedgerError) {
    self.url = url
    let directory = url.deletingLastPathComponent().path
    guard SystemFile.isDirectory(directory) else {
      throw LedgerError(
        .cannotCreate, "cannot create \(url.path): the directory \(directory) does not exist",
        path: url.path)
    }
    if SystemFile.isDirectory(url.path) {
      throw LedgerError(
        .cannotCreate, "cannot create \(url.path): it is a directory", path: url.path)
    }
    temporaryPath =
      directory + "/." + url.lastPathComponent
      + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    file = try SystemFile(
      path: temporaryPath, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o644, action: "create")
    buffer.reserveCapacity(1 << 20)
  }

  deinit {
    if !isCommitted { SystemFile.remove(temporaryPath) }
  }

  /// Appends bytes (buffered).
  public func write(_ bytes: [UInt8]) throws(LedgerError) {
    buffer.append(contentsOf: bytes)
    if buffer.count >= 1 << 20 { try flush() }
  }

  private func flush() throws(LedgerError) {
    guard !buffer.isEmpty else { return }
    try file.write(buffer, at: written)
    written += UInt64(buffer.count)
    buffer.removeAll(keepingCapacity: true)
  }

  /// Syncs the file and renames it over the target.
  public func commit() throws(LedgerError) {
    try flush()
    try file.synchronize()
    try SystemFile.rename(temporaryPath, to: url.path)
    isCommitted = true
    try? SystemFile.synchronizeDirectory(url.deletingLastPathComponent().path)
  }
}
