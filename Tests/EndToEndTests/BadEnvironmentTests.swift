import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The bytes of every file in a ledger directory, by name.
func ledgerFiles(_ ledger: String) throws -> [String: Data] {
  var files: [String: Data] = [:]
  for name in try FileManager.default.contentsOfDirectory(atPath: ledger) {
    files[name] = try Data(contentsOf: URL(filePath: ledger + "/" + name))
  }
  return files
}

/// Runs `script` with `/bin/sh` and returns its status and output (stderr merged).
func shell(_ script: String) throws -> (status: Int32, output: String) {
  let process = Process()
  process.executableURL = URL(filePath: "/bin/sh")
  process.arguments = ["-c", script + " 2>&1"]
  var environment = ProcessInfo.processInfo.environment
  environment["STORYLEDGER_DIR"] = nil
  process.environment = environment
  let output = Pipe()
  process.standardOutput = output
  process.standardInput = FileHandle.nullDevice
  try process.run()
  let data = output.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A shell-quoted command line running the tool with `arguments`.
func toolCommand(_ arguments: [String]) -> String {
  ([ToolProcess.executable.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
}

@Suite("Bad environments")
struct BadEnvironmentTests {
  static let isRoot = getuid() == 0
  /// Root ignores file modes; its runs drop the capabilities that let it.
  static let canDropPrivileges =
    !isRoot || FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")

  /// A ledger with a few events, in a scratch directory.
  static func smallLedger() throws -> (Scratch, String) {
    let scratch = try Scratch()
    let ledger = scratch.url.appending(path: "ledger").path
    #expect(try ToolProcess.run(["--ledger", ledger, "init"]).status == 0)
    #expect(try ToolProcess.run(["--ledger", ledger, "node", "add", "nhs"]).status == 0)
    return (scratch, ledger)
  }

  /// A ledger whose directory and files are read-only: writes exit 73 or 74 with the
  /// system's reason and change nothing; reads still work.
  @Test(.enabled(if: canDropPrivileges)) func aReadOnlyLedgerRefusesWritesAndChangesNothing()
    throws
  {
    let (scratch, ledger) = try Self.smallLedger()
    defer { withExtendedLifetime(scratch) {} }
    let csv = try scratch.write(
      LedgerAudit.corpus(prefix: "r", node: "nhs/x", stories: 3), to: "r.csv")
    let before = try ledgerFiles(ledger)
    for name in before.keys { chmod(ledger + "/" + name, 0o400) }
    chmod(ledger, 0o500)
    defer {
      chmod(ledger, 0o700)
      for name in before.keys { chmod(ledger + "/" + name, 0o600) }
    }
    let prefix =
      Self.isRoot ? "setpriv --bounding-set=-dac_override,-dac_read_search,-fowner -- " : ""
    for arguments in [
      ["--ledger", ledger, "node", "add", "nhs/y"],
      ["--ledger", ledger, "import", csv.path],
      ["--ledger", ledger, "rebuild"],
    ] {
      let run = try shell(prefix + toolCommand(arguments))
      #expect(run.status == 73 || run.status == 74, "\(arguments): \(run.status) \(run.output)")
      #expect(run.output.contains("Permission denied"), "\(run.output)")
      #expect(!run.output.contains("Fatal error"))
    }
    let tree = try shell(prefix + toolCommand(["--ledger", ledger, "tree"]))
    #expect(tree.status == 0 && tree.output.contains("nhs"), "\(tree.output)")
    #expect(try ledgerFiles(ledger) == before)
  }

  /// A file size limit (`ulimit -f`, as a full disk would) makes an append fail with exit
  /// 74 and the system's reason; the log is left as it was and verifies; without the limit
  /// the same import succeeds.
  @Test func aFullDiskFailsTheAppendAndLeavesTheLedgerValid() throws {
    let (scratch, ledger) = try Self.smallLedger()
    defer { withExtendedLifetime(scratch) {} }
    let csv = try scratch.write(
      LedgerAudit.corpus(prefix: "big", node: "nhs/x", stories: 300), to: "big.csv")
    let before = try Data(contentsOf: URL(filePath: ledger + "/events.log"))
    // Blocks of 512 bytes: the log may grow by a little (one small append fits), not by an
    // import.
    let blocks = before.count / 512 + 2
    func limited(_ arguments: [String], blocks: Int) throws -> (status: Int32, output: String) {
      try shell("ulimit -f \(blocks); trap '' XFSZ; exec " + toolCommand(arguments))
    }
    let full = try limited(["--ledger", ledger, "import", csv.path], blocks: blocks)
    #expect(full.status == 74, "\(full.output)")
    #expect(full.output.contains("File too large"), "\(full.output)")
    #expect(try Data(contentsOf: URL(filePath: ledger + "/events.log")) == before)
    let noRoom = try limited(
      ["--ledger", ledger, "node", "add", "nhs/y"], blocks: before.count / 512)
    #expect(noRoom.status == 74, "\(noRoom.output)")
    #expect(try Data(contentsOf: URL(filePath: ledger + "/events.log")) == before)
    let verify = try ToolProcess.run(["--ledger", ledger, "verify"])
    #expect(verify.status == 0 && !verify.error.contains("note"), "\(verify.error)")
    let small = try limited(["--ledger", ledger, "node", "add", "nhs/z"], blocks: blocks)
    #expect(small.status == 0, "a small append still fits: \(small.output)")
    #expect(try ToolProcess.run(["--ledger", ledger, "import", csv.path]).status == 0)
    #expect(try ToolProcess.run(["--ledger", ledger, "verify"]).status == 0)
  }

  /// A real full file system (a 200 KiB tmpfs in a private mount namespace, root only): the
  /// import fails with exit 74, the ledger copied there still verifies with its events.
  @Test(.enabled(if: isRoot && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare")))
  func aFullFileSystemFailsTheAppendAndLeavesTheLedgerValid() throws {
    let (scratch, ledger) = try Self.smallLedger()
    defer { withExtendedLifetime(scratch) {} }
    let csv = try scratch.write(
      LedgerAudit.corpus(prefix: "big", node: "nhs/x", stories: 1500), to: "big.csv")
    let mount = scratch.url.appending(path: "small").path
    try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
    let inside = mount + "/ledger"
    let script = """
      mount -t tmpfs -o size=200k tmpfs '\(mount)' || exit 99
      cp -a '\(ledger)' '\(inside)'
      \(toolCommand(["--ledger", inside, "import", csv.path]))
      echo "import-status=$?"
      \(toolCommand(["--ledger", inside, "verify"]))
      echo "verify-status=$?"
      \(toolCommand(["--ledger", inside, "node", "add", "nhs/after"]))
      echo "after-status=$?"
      """
    let file = try scratch.write(script, to: "full.sh")
    let run = try shell("unshare -m sh '\(file.path)'")
    try #require(!run.output.contains("exit 99") && run.status != 99, "no tmpfs: \(run.output)")
    #expect(run.output.contains("import-status=74"), "\(run.output)")
    #expect(run.output.contains("No space left on device"), "\(run.output)")
    #expect(run.output.contains("verify-status=0"), "\(run.output)")
    #expect(run.output.contains("intact: 2 events"), "\(run.output)")
    #expect(run.output.contains("after-status=0"), "\(run.output)")
  }

  /// A ledger path that is a file, and one whose parent is missing: reads exit 66 and
  /// `init` exits 73, each saying what is wrong.
  @Test func aLedgerPathThatIsAFileOrHasNoParent() throws {
    let scratch = try Scratch()
    let file = try scratch.write("not a ledger", to: "plain.txt").path
    let read = try ToolProcess.run(["--ledger", file, "tree"])
    #expect(
      read.status == 66 && read.error.contains("is a file, not a ledger directory"), "\(read.error)"
    )
    let initOverFile = try ToolProcess.run(["--ledger", file, "init"])
    #expect(
      initOverFile.status == 73 && initOverFile.error.contains("already exists"),
      "\(initOverFile.error)")
    let write = try ToolProcess.run(["--ledger", file, "node", "add", "nhs"])
    #expect(write.status == 66)
    #expect(try String(contentsOfFile: file, encoding: .utf8) == "not a ledger")

    let missing = scratch.url.appending(path: "no/such/parent/ledger").path
    let initMissing = try ToolProcess.run(["--ledger", missing, "init"])
    #expect(
      initMissing.status == 73 && initMissing.error.contains("does not exist"),
      "\(initMissing.error)")
    let readMissing = try ToolProcess.run(["--ledger", missing, "verify"])
    #expect(
      readMissing.status == 66 && readMissing.error.contains("no ledger at"), "\(readMissing.error)"
    )
    #expect(!FileManager.default.fileExists(atPath: scratch.url.appending(path: "no").path))
  }
}
