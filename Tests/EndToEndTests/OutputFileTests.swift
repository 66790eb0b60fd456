import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The kind of file at `path` (not following a last symlink): `S_IFREG`, `S_IFCHR`, ...
func fileKind(_ path: String) -> mode_t? {
  var info = stat()
  guard lstat(path, &info) == 0 else { return nil }
  return info.st_mode & S_IFMT
}

/// Every option that writes a file (`--output`, `--csv`) goes through one writer: it never
/// writes into a ledger directory, never replaces a device, FIFO or symlink, and writes to
/// devices and FIFOs directly (issue 14, item 6).
@Suite("Output files")
struct OutputFileTests {
  static let isRoot = getuid() == 0

  /// A ledger with one story and one item, so that every export has rows.
  static func ledger() throws -> (Scratch, String) {
    let scratch = try Scratch()
    let ledger = scratch.url.appending(path: "ledger").path
    #expect(try ToolProcess.run(["--ledger", ledger, "init"]).status == 0)
    #expect(try ToolProcess.run(["--ledger", ledger, "node", "add", "nhs"]).status == 0)
    let key = try ToolProcess.run([
      "--ledger", ledger, "story", "tell", "nhs", "--title", "Walking clinics", "--text", "x",
      "--on", "2026-01-05",
    ]).output.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(
      try ToolProcess.run([
        "--ledger", ledger, "item", "add", key, "--dimension", "calculating", "--visibility",
        "visible", "--monetised", "12.50", "--on", "2026-01-05",
      ]).status == 0)
    return (scratch, ledger)
  }

  /// The commands that write FILE, for a ledger `ledger`.
  static func writers(_ ledger: String, to file: String) -> [[String]] {
    [
      [
        "--ledger", ledger, "export", "timeseries", "--period", "month", "--level", "national",
        "--output", file,
      ],
      [
        "--ledger", ledger, "export", "pledges", "--period", "month", "--level", "national",
        "--output", file,
      ],
      ["--ledger", ledger, "report", "nhs", "--output", file],
      ["demo", "--rows", "10", "--csv", file],
    ]
  }

  @Test func outputsIntoALedgerDirectoryAreRefusedWith73() throws {
    let (scratch, ledger) = try Self.ledger()
    // A symlink to the ledger directory does not get around the check.
    let link = scratch.url.appending(path: "link").path
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: ledger)
    let before = try ledgerFiles(ledger)
    for target in [
      ledger + "/events.log", ledger + "/events.head", ledger + "/new.csv", link + "/events.log",
    ] {
      for arguments in Self.writers(ledger, to: target) {
        let result = try ToolProcess.run(arguments)
        #expect(result.status == 73, "\(arguments): \(result.error)")
        #expect(result.error.contains("ledger"), "\(arguments): \(result.error)")
      }
    }
    #expect(try ledgerFiles(ledger) == before)
    #expect(try ToolProcess.run(["--ledger", ledger, "verify"]).status == 0)
  }

  @Test(.enabled(if: isRoot)) func aCharacterDeviceStaysADevice() throws {
    let (scratch, ledger) = try Self.ledger()
    let device = scratch.url.appending(path: "null").path
    // The same device as /dev/null (1, 3).
    #expect(mknod(device, S_IFCHR | 0o666, dev_t((1 << 8) | 3)) == 0)
    for arguments in Self.writers(ledger, to: device) {
      let result = try ToolProcess.run(arguments)
      #expect(result.status == 0, "\(arguments): \(result.error)")
      #expect(fileKind(device) == S_IFCHR, "\(arguments) replaced the device")
    }
  }

  @Test func devNullAndStandardOutputWork() throws {
    let (scratch, ledger) = try Self.ledger()
    // A symlink to the process's standard output, as /dev/stdout is.
    let stdout = scratch.url.appending(path: "stdout").path
    try FileManager.default.createSymbolicLink(
      atPath: stdout, withDestinationPath: "/proc/self/fd/1")
    let export = [
      "--ledger", ledger, "export", "timeseries", "--period", "month", "--level", "national",
    ]
    let result = try ToolProcess.run(export + ["--output", stdout])
    #expect(result.status == 0, "\(result.error)")
    #expect(result.output.hasPrefix("period_start,period_end,node,level"), "\(result.output)")
    #expect(fileKind(stdout) == S_IFLNK)
    // Standard output named by its descriptor (a link to the pipe the test reads).
    for descriptor in ["/dev/fd/1", "/proc/self/fd/1"] {
      let named = try ToolProcess.run(export + ["--output", descriptor])
      #expect(named.status == 0, "\(descriptor): \(named.error)")
      #expect(named.output.hasPrefix("period_start,period_end,node,level"), "\(descriptor)")
    }
    // `--output /dev/null` runs only once the writer is proven not to replace a link or a
    // device (run as root, a writer that renames over it would break the machine's /dev/null).
    guard fileKind(stdout) == S_IFLNK, fileKind("/dev/null") == S_IFCHR else { return }
    let null = try ToolProcess.run(export + ["--output", "/dev/null"])
    #expect(null.status == 0, "\(null.error)")
    #expect(fileKind("/dev/null") == S_IFCHR)
  }

  @Test func aFIFOIsWrittenDirectly() throws {
    let (scratch, ledger) = try Self.ledger()
    let fifo = scratch.url.appending(path: "fifo").path
    let got = scratch.url.appending(path: "got").path
    #expect(mkfifo(fifo, 0o600) == 0)
    let command = toolCommand([
      "--ledger", ledger, "export", "timeseries", "--period", "month", "--level", "national",
      "--output", fifo,
    ])
    // A reader on the FIFO, then the export; `timeout` ends a writer that renamed over it
    // (the reader would wait for ever).
    let run = try shell(
      "(timeout 20 cat '\(fifo)' > '\(got)' &) ; timeout 20 \(command); status=$?; sleep 0.5; echo status=$status"
    )
    #expect(run.output.contains("status=0"), "\(run.output)")
    #expect(fileKind(fifo) == S_IFIFO)
    let text = (try? String(contentsOfFile: got, encoding: .utf8)) ?? ""
    #expect(text.hasPrefix("period_start,"), "\(text)")
  }

  @Test func aSymlinkIsWrittenThroughNotReplaced() throws {
    let (scratch, ledger) = try Self.ledger()
    let target = scratch.url.appending(path: "real.csv").path
    let existing = scratch.url.appending(path: "existing-link").path
    let dangling = scratch.url.appending(path: "dangling-link").path
    let fresh = scratch.url.appending(path: "fresh.csv").path
    try Data("old\n".utf8).write(to: URL(filePath: target))
    try FileManager.default.createSymbolicLink(atPath: existing, withDestinationPath: "real.csv")
    try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: fresh)
    for link in [existing, dangling] {
      let result = try ToolProcess.run([
        "--ledger", ledger, "export", "timeseries", "--period", "month", "--level", "national",
        "--output", link,
      ])
      #expect(result.status == 0, "\(result.error)")
      #expect(fileKind(link) == S_IFLNK, "\(link) was replaced")
    }
    for file in [target, fresh] {
      let text = try String(contentsOfFile: file, encoding: .utf8)
      #expect(text.hasPrefix("period_start,"), "\(file): \(text)")
    }
  }
}

/// A FIFO or device where the tool reads a file (the import file, `events.head`,
/// `state.snapshot`) is refused at once instead of hanging or reading for ever (issue 14,
/// "Low").
@Suite("Non-regular inputs")
struct NonRegularInputTests {
  /// Runs the tool, killing it after `seconds`; `nil` status when it had to be killed.
  static func run(_ arguments: [String], seconds: Double = 5) throws -> (
    status: Int32?, error: String
  ) {
    let (process, output, error) = try ToolProcess.start(arguments)
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      return (nil, "")
    }
    _ = output.fileHandleForReading.readDataToEndOfFile()
    let text = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return (process.terminationStatus, text)
  }

  @Test func aFIFOOrDeviceToImportIsRefused() throws {
    let (scratch, ledger) = try OutputFileTests.ledger()
    let fifo = scratch.url.appending(path: "items.csv").path
    #expect(mkfifo(fifo, 0o600) == 0)
    for file in [fifo, "/dev/zero"] {
      let result = try Self.run(["--ledger", ledger, "import", file])
      #expect(result.status == 65, "\(file): \(result.error)")
      #expect(result.error.contains("not a regular file"), "\(result.error)")
    }
  }

  @Test func aFIFOInPlaceOfALedgerFileIsRefused() throws {
    for name in ["events.head", "state.snapshot"] {
      let (scratch, ledger) = try OutputFileTests.ledger()
      defer { withExtendedLifetime(scratch) {} }
      let path = ledger + "/" + name
      unlink(path)
      #expect(mkfifo(path, 0o600) == 0)
      let result = try Self.run(["--ledger", ledger, "summary", "nhs"])
      #expect(result.status != nil, "\(name): the command hung")
      if name == "events.head" {
        #expect(result.status == 65, "\(name): \(result.error)")
        #expect(result.error.contains("not a regular file"), "\(name): \(result.error)")
      } else {
        // A snapshot is a cache: one that cannot be read is replaced by a replay.
        #expect(result.status == 0, "\(name): \(result.error)")
      }
    }
  }
}
