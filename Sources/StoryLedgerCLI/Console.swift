import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where a command writes: data to standard output, messages and progress to standard
/// error. Tests use ``Console/capturing()`` to read what a command wrote.
public final class Console: @unchecked Sendable {
  private let lock = NSLock()
  private let writeOutput: @Sendable ([UInt8]) -> Void
  private let writeError: @Sendable ([UInt8]) -> Void
  private var progressShown = false
  private var lastProgress = ContinuousClock.now
  /// Whether standard error is a terminal (progress is shown only then).
  public let isErrorTerminal: Bool
  /// Standard input, for narratives piped in.
  public let readInput: @Sendable () -> [UInt8]

  /// Creates a console over callbacks.
  public init(
    isErrorTerminal: Bool, output: @escaping @Sendable ([UInt8]) -> Void,
    error: @escaping @Sendable ([UInt8]) -> Void,
    input: @escaping @Sendable () -> [UInt8] = { [] }
  ) {
    self.isErrorTerminal = isErrorTerminal
    self.writeOutput = output
    self.writeError = error
    self.readInput = input
  }

  /// The process's standard output, error and input.
  public static func standard() -> Console {
    Console(
      isErrorTerminal: isatty(2) == 1,
      output: { bytes in Console.writeAll(1, bytes) },
      error: { bytes in Console.writeAll(2, bytes) },
      input: { FileHandle.standardInput.readDataToEndOfFile().map { $0 } })
  }

  private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) {
    bytes.withUnsafeBytes { raw in
      guard var base = raw.baseAddress else { return }
      var remaining = raw.count
      while remaining > 0 {
        let written = systemWrite(descriptor, base, remaining)
        if written < 0 {
          if errno == EINTR { continue }
          return
        }
        base += written
        remaining -= written
      }
    }
  }

  /// A console that keeps what is written, for tests.
  public static func capturing(input: [UInt8] = []) -> (Console, Capture) {
    let capture = Capture()
    let console = Console(
      isErrorTerminal: false, output: { capture.appendOutput($0) },
      error: { capture.appendError($0) }, input: { input })
    return (console, capture)
  }

  /// What a capturing console received.
  public final class Capture: @unchecked Sendable {
    private let lock = NSLock()
    private var outputBytes: [UInt8] = []
    private var errorBytes: [UInt8] = []
    func appendOutput(_ bytes: [UInt8]) {
      lock.lock()
      outputBytes += bytes
      lock.unlock()
    }
    func appendError(_ bytes: [UInt8]) {
      lock.lock()
      errorBytes += bytes
      lock.unlock()
    }
    /// Standard output so far.
    public var output: String {
      lock.lock()
      defer { lock.unlock() }
      return String(decoding: outputBytes, as: UTF8.self)
    }
    /// Standard error so far.
    public var error: String {
      lock.lock()
      defer { lock.unlock() }
      return String(decoding: errorBytes, as: UTF8.self)
    }
  }

  /// Writes data to standard output.
  ///
  /// Text for people: control characters other than line breaks and tabs (terminal escape
  /// sequences a title or narrative could carry) are shown as `�`, so user text cannot
  /// drive the terminal. Machine output goes through ``write(bytes:)``, already escaped.
  public func write(_ text: String) {
    clearProgress()
    writeOutput(Array(Console.printable(text).utf8))
  }

  /// `text` with its control characters, except line feed and tab, replaced by U+FFFD.
  public static func printable(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: isControl) else { return text }
    var scalars = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      scalars.append(isControl(scalar) ? "\u{FFFD}" : scalar)
    }
    return String(scalars)
  }

  /// `text` for a place that holds one line (a title, a name, a table cell): each line
  /// break (LF, CR, CRLF, NEL, U+2028, U+2029) is shown as `␤`, so user text cannot print
  /// lines that look like the tool's own. Machine output (`--json`) keeps the text exact.
  public static func oneLine(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: isLineBreak) else { return text }
    var scalars = String.UnicodeScalarView()
    var previous: Unicode.Scalar = " "
    for scalar in text.unicodeScalars {
      defer { previous = scalar }
      if scalar == "\n", previous == "\r" { continue }
      scalars.append(isLineBreak(scalar) ? "\u{2424}" : scalar)
    }
    return String(scalars)
  }

  private static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029: true
    default: false
    }
  }

  private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x0A, 0x09: false
    case 0x00...0x1F, 0x7F...0x9F: true
    default: false
    }
  }

  /// Writes raw bytes to standard output.
  public func write(bytes: [UInt8]) {
    clearProgress()
    writeOutput(bytes)
  }

  /// Writes a message line to standard error.
  public func message(_ text: String) {
    clearProgress()
    writeError(Array((Console.printable(text) + "\n").utf8))
  }

  /// Shows `text` as a progress line on a terminal, at most ten times a second.
  public func progress(_ text: String) {
    guard isErrorTerminal else { return }
    lock.lock()
    let now = ContinuousClock.now
    guard !progressShown || now - lastProgress >= .milliseconds(100) else {
      lock.unlock()
      return
    }
    lastProgress = now
    progressShown = true
    lock.unlock()
    writeError(Array(("\r\u{1B}[K" + text).utf8))
  }

  /// Shows a fraction done as a progress line.
  public func progress(_ label: String, done: UInt64, of total: UInt64) {
    guard isErrorTerminal, total > 0 else { return }
    let percent = min(100, done * 100 / total)
    progress("\(label) \(percent)%")
  }

  /// Removes the progress line, if one is shown.
  public func clearProgress() {
    lock.lock()
    let shown = progressShown
    progressShown = false
    lock.unlock()
    if shown { writeError(Array("\r\u{1B}[K".utf8)) }
  }
}

private func systemWrite(_ descriptor: Int32, _ base: UnsafeRawPointer, _ count: Int) -> Int {
  write(descriptor, base, count)
}
