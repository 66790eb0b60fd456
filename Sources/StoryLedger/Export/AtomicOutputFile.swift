import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The one writer of every file a command is asked to write (`--output`, `--csv`).
///
/// A regular file is written whole or not at all: bytes go to a temporary file beside the
/// target, which ``commit()`` syncs and renames into place. Dropped without a commit, the
/// temporary file is removed and the target is untouched.
///
/// Before anything is written, the target is resolved:
///
/// - a symlink is followed to its target (even one that does not exist yet), so the link
///   stays and its target gets the bytes;
/// - a path inside a ledger directory (after resolving symlinks, at any depth) is refused
///   with ``LedgerError/Code/cannotCreate``: an export never replaces a ledger's files;
/// - a device, FIFO or socket (`/dev/null`, a named pipe), and the process's own standard
///   output or error (`/dev/stdout`, `/dev/fd/1`), is written directly, in order, never
///   renamed over: a device stays a device.
///
/// ```swift
/// let file = try AtomicOutputFile(url: URL(filePath: "series.csv"))
/// try file.write(Array("period_start,...\n".utf8))
/// try file.commit()
/// ```
public final class AtomicOutputFile {
  /// The file as asked for; ``commit()`` creates or replaces it (or its symlink's target).
  public let url: URL
  /// The file the bytes go to: `url` with its symlinks resolved.
  let target: String
  /// The temporary file, or `nil` when writing directly to a device, FIFO or descriptor.
  private let temporaryPath: String?
  private let file: SystemFile
  private var buffer: [UInt8] = []
  private var written: UInt64 = 0
  private var isCommitted = false

  /// Resolves `url` and opens a temporary file beside its target (or the device itself).
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/cannotCreate`` when the directory does not
  ///   exist or cannot be written, when the path is a directory, a symlink loop, or inside a
  ///   ledger directory.
  public init(url: URL) throws(LedgerError) {
    self.url = url
    let path = url.path(percentEncoded: false)
    // A standard descriptor named as given (`/dev/fd/1` is itself a link, to a pipe or to the
    // file a shell redirect opened): write through it, never resolve it to a path.
    let given = AtomicOutputFile.standardDescriptor(path)
    target = given == nil ? try AtomicOutputFile.resolve(path) : path
    if let descriptor = given ?? AtomicOutputFile.standardDescriptor(target) {
      let duplicate = dup(descriptor)
      guard duplicate >= 0 else { throw SystemFile.error("write to", path) }
      temporaryPath = nil
      file = SystemFile(descriptor: duplicate, path: path)
      return
    }
    let directory = (target as NSString).deletingLastPathComponent
    guard SystemFile.isDirectory(directory) else {
      throw LedgerError(
        .cannotCreate, "cannot create \(path): the directory \(directory) does not exist",
        path: path)
    }
    if let ledger = AtomicOutputFile.enclosingLedger(of: directory) {
      throw LedgerError(
        .cannotCreate,
        "cannot write \(path): it is inside the ledger directory \(ledger), whose files only the ledger writes; write the output outside it",
        path: path)
    }
    switch SystemFile.kind(of: target) {
    case S_IFDIR:
      throw LedgerError(.cannotCreate, "cannot create \(path): it is a directory", path: path)
    case nil, S_IFREG:
      let temporary =
        directory + "/." + (target as NSString).lastPathComponent
        + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
      temporaryPath = temporary
      do {
        file = try SystemFile(
          path: temporary, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o644, action: "create")
      } catch {
        // Name the file asked for, not the temporary one.
        throw LedgerError(
          .cannotCreate, error.message.replacingOccurrences(of: temporary, with: path),
          path: path)
      }
      buffer.reserveCapacity(1 << 20)
    default:
      // A device, FIFO or socket: written as it is, in order (a FIFO waits for its reader).
      temporaryPath = nil
      file = try SystemFile(
        path: target, flags: O_WRONLY, action: "write to", allowsSpecialFiles: true)
    }
  }

  deinit {
    if !isCommitted, let temporaryPath { SystemFile.remove(temporaryPath) }
  }

  /// Appends bytes (buffered).
  public func write(_ bytes: [UInt8]) throws(LedgerError) {
    if buffer.isEmpty, bytes.count >= 1 << 20 {
      // A large chunk goes straight out, without a copy into the buffer.
      if temporaryPath == nil {
        try file.writeSequentially(bytes)
      } else {
        try file.write(bytes, at: written)
      }
      written += UInt64(bytes.count)
      return
    }
    buffer.append(contentsOf: bytes)
    if buffer.count >= 1 << 20 { try flush() }
  }

  private func flush() throws(LedgerError) {
    guard !buffer.isEmpty else { return }
    if temporaryPath == nil {
      try file.writeSequentially(buffer)
    } else {
      try file.write(buffer, at: written)
    }
    written += UInt64(buffer.count)
    buffer.removeAll(keepingCapacity: true)
  }

  /// Syncs the file and renames it over the target (a device or FIFO is only flushed).
  public func commit() throws(LedgerError) {
    try flush()
    guard let temporaryPath else {
      isCommitted = true
      return
    }
    try file.synchronize()
    try SystemFile.rename(temporaryPath, to: target)
    isCommitted = true
    try? SystemFile.synchronizeDirectory((target as NSString).deletingLastPathComponent)
  }

  // MARK: Resolving the target

  /// The descriptor `path` names when it is the process's own standard output or error
  /// (`/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`), else `nil`: those are
  /// written through the descriptor the process already has, so that a redirection or a
  /// pipe gets the bytes in order.
  static func standardDescriptor(_ path: String) -> Int32? {
    switch path {
    case "/dev/stdout": return 1
    case "/dev/stderr": return 2
    default: break
    }
    for prefix in ["/dev/fd/", "/proc/self/fd/"] where path.hasPrefix(prefix) {
      if let number = Int32(path.dropFirst(prefix.count)), number >= 0 { return number }
    }
    return nil
  }

  /// `path` with every symlink resolved, including a last one that points to a file that
  /// does not exist yet; relative paths are kept as given.
  static func resolve(_ path: String) throws(LedgerError) -> String {
    var current = path
    for _ in 0..<40 {
      guard SystemFile.kind(of: current, followingLinks: false) == S_IFLNK else {
        // Not a link (or nothing there): resolve its directory's links.
        let directory = (current as NSString).deletingLastPathComponent
        guard let real = realpath(directory.isEmpty ? "." : directory, nil) else {
          return current
        }
        defer { free(real) }
        let resolved = String(cString: real)
        return (resolved == "/" ? "" : resolved) + "/" + (current as NSString).lastPathComponent
      }
      var bytes = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      let count = readlink(current, &bytes, bytes.count - 1)
      guard count >= 0 else { throw SystemFile.error("follow the symlink", current) }
      let destination = String(
        decoding: bytes[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
      if destination.hasPrefix("/") {
        current = destination
      } else {
        current = (current as NSString).deletingLastPathComponent + "/" + destination
      }
      // A standard descriptor reached through a link (`out -> /dev/stdout`).
      if standardDescriptor(current) != nil || current.hasPrefix("/proc/") { return current }
    }
    throw LedgerError(
      .cannotCreate, "cannot create \(path): its symlinks loop (more than 40 links)", path: path)
  }

  /// The ledger directory that holds `directory` (it or one of its parents), or `nil`.
  ///
  /// A ledger directory is one whose `events.log` starts with the ledger file header.
  static func enclosingLedger(of directory: String) -> String? {
    guard let real = realpath(directory, nil) else { return nil }
    var current = String(cString: real)
    free(real)
    while true {
      if isLedger(current) { return current }
      guard current != "/", !current.isEmpty else { return nil }
      let parent = (current as NSString).deletingLastPathComponent
      if parent == current { return nil }
      current = parent
    }
  }

  static func isLedger(_ directory: String) -> Bool {
    let log = (directory == "/" ? "" : directory) + "/events.log"
    guard SystemFile.kind(of: log) == S_IFREG,
      let file = try? SystemFile(path: log, flags: O_RDONLY),
      let header = try? file.read(count: RecordFormat.fileHeaderSize, at: 0)
    else { return false }
    return header == RecordFormat.fileHeader
  }
}
