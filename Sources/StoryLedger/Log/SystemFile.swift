#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A thin, throwing wrapper over a POSIX file descriptor.
///
/// The log needs exactly these calls (positioned reads and writes, `fsync`, `flock`,
/// `ftruncate`), with errors that name the file and the system's reason.
final class SystemFile: Sendable {
  let descriptor: Int32
  let path: String

  static func errnoMessage(_ code: Int32 = errno) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
  }

  static func error(
    _ action: String, _ path: String, errorNumber: Int32 = errno
  ) -> LedgerError {
    let reason = errnoMessage(errorNumber)
    let code: LedgerError.Code
    switch errorNumber {
    case ENOENT, ENOTDIR: code = .notFound
    case EEXIST: code = .cannotCreate
    case EACCES, EPERM, EROFS: code = action.hasPrefix("create") ? .cannotCreate : .io
    default: code = .io
    }
    return LedgerError(code, "cannot \(action) \(path): \(reason)", path: path)
  }

  /// Opens `path`. Only a regular file (or a directory, with `O_DIRECTORY`) is accepted: a
  /// FIFO, device or socket is refused with ``LedgerError/Code/invalid`` before anything is
  /// read from it (it is opened without waiting, so a FIFO with no writer cannot hang the
  /// open), unless `allowsSpecialFiles` (an output written to a device or a FIFO).
  init(
    path: String, flags: Int32, mode: mode_t = 0o600, action: String = "open",
    allowsSpecialFiles: Bool = false
  ) throws(LedgerError) {
    let waits = allowsSpecialFiles ? 0 : O_NONBLOCK
    let descriptor = open(path, flags | O_CLOEXEC | waits, mode)
    guard descriptor >= 0 else { throw SystemFile.error(action, path) }
    if !allowsSpecialFiles {
      var info = stat()
      let kind = fstat(descriptor, &info) == 0 ? info.st_mode & S_IFMT : 0
      guard kind == S_IFREG || kind == S_IFDIR else {
        close(descriptor)
        throw LedgerError(
          .invalid,
          "cannot \(action) \(path): it is \(SystemFile.kindName(kind)), not a regular file",
          path: path)
      }
      _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
    }
    self.descriptor = descriptor
    self.path = path
  }

  /// Takes over an open descriptor (closed with the value).
  init(descriptor: Int32, path: String) {
    self.descriptor = descriptor
    self.path = path
  }

  /// Writes all of `bytes` at the descriptor's position (for a pipe, device or FIFO, where
  /// positioned writes are not possible).
  func writeSequentially(_ bytes: [UInt8]) throws(LedgerError) {
    let outcome = bytes.withUnsafeBytes { raw -> Int32 in
      guard let base = raw.baseAddress else { return 0 }
      var done = 0
      while done < raw.count {
        let result = systemWrite(descriptor, base + done, raw.count - done)
        if result < 0 {
          if errno == EINTR { continue }
          return errno
        }
        done += result
      }
      return 0
    }
    guard outcome == 0 else { throw SystemFile.error("write to", path, errorNumber: outcome) }
  }

  /// `a FIFO`, `a character device`, ... for a file type from `st_mode`.
  static func kindName(_ kind: mode_t) -> String {
    switch kind {
    case S_IFIFO: "a FIFO"
    case S_IFCHR: "a character device"
    case S_IFBLK: "a block device"
    case S_IFSOCK: "a socket"
    case S_IFDIR: "a directory"
    case S_IFLNK: "a symbolic link"
    case S_IFREG: "a regular file"
    default: "a special file"
    }
  }

  /// The type of the file at `path` (`S_IFREG`, `S_IFCHR`, ...), following symlinks unless
  /// `followingLinks` is false; `nil` when there is none.
  static func kind(of path: String, followingLinks: Bool = true) -> mode_t? {
    var info = stat()
    let result = followingLinks ? stat(path, &info) : lstat(path, &info)
    return result == 0 ? info.st_mode & S_IFMT : nil
  }

  deinit { close(descriptor) }

  func size() throws(LedgerError) -> UInt64 {
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { throw SystemFile.error("inspect", path) }
    return UInt64(info.st_size)
  }

  /// Reads up to `count` bytes at `offset` into `buffer`; returns the number read (short only at the end of the file).
  func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: UInt64) throws(LedgerError)
    -> Int
  {
    var done = 0
    while done < count {
      let result = pread(descriptor, buffer + done, count - done, off_t(offset) + off_t(done))
      if result < 0 {
        if errno == EINTR { continue }
        throw SystemFile.error("read", path)
      }
      if result == 0 { break }
      done += result
    }
    return done
  }

  func read(count: Int, at offset: UInt64) throws(LedgerError) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    let got = bytes.withUnsafeMutableBytes { buffer -> Result<Int, LedgerError> in
      guard let base = buffer.baseAddress else { return .success(0) }
      return Result { () throws(LedgerError) -> Int in
        try read(into: base, count: count, at: offset)
      }
    }
    bytes.removeLast(count - (try got.get()))
    return bytes
  }

  func write(_ buffer: UnsafeRawBufferPointer, at offset: UInt64) throws(LedgerError) {
    guard let base = buffer.baseAddress else { return }
    var done = 0
    while done < buffer.count {
      let result = pwrite(descriptor, base + done, buffer.count - done, off_t(offset) + off_t(done))
      if result < 0 {
        if errno == EINTR { continue }
        throw SystemFile.error("write to", path)
      }
      done += result
    }
  }

  func write(_ bytes: [UInt8], at offset: UInt64) throws(LedgerError) {
    let outcome = bytes.withUnsafeBytes { buffer -> Result<Void, LedgerError> in
      Result { () throws(LedgerError) in try write(buffer, at: offset) }
    }
    try outcome.get()
  }

  func synchronize() throws(LedgerError) {
    while fsync(descriptor) != 0 {
      if errno == EINTR { continue }
      throw SystemFile.error("sync", path)
    }
  }

  func truncate(to length: UInt64) throws(LedgerError) {
    guard ftruncate(descriptor, off_t(length)) == 0 else {
      throw SystemFile.error("truncate", path)
    }
  }

  /// Tries to take an exclusive advisory lock without waiting.
  func tryLockExclusive() throws(LedgerError) -> Bool {
    if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return true }
    if errno == EWOULDBLOCK || errno == EINTR { return false }
    throw SystemFile.error("lock", path)
  }

  func unlock() { _ = flock(descriptor, LOCK_UN) }

  /// Makes a directory's entries durable (after creating or renaming files in it).
  static func synchronizeDirectory(_ path: String) throws(LedgerError) {
    let directory = try SystemFile(path: path, flags: O_RDONLY | O_DIRECTORY)
    try directory.synchronize()
  }

  static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

  static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
  }

  static func makeDirectory(_ path: String, mode: mode_t = 0o700) throws(LedgerError) {
    guard mkdir(path, mode) == 0 else { throw SystemFile.error("create directory", path) }
  }

  static func rename(_ from: String, to: String) throws(LedgerError) {
    guard renameFile(from, to) == 0 else { throw SystemFile.error("rename", from) }
  }

  static func remove(_ path: String) { unlink(path) }
}

private func renameFile(_ from: String, _ to: String) -> Int32 { rename(from, to) }

private func systemWrite(_ descriptor: Int32, _ base: UnsafeRawPointer, _ count: Int) -> Int {
  write(descriptor, base, count)
}
