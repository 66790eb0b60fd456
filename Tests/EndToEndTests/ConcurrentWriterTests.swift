import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@Suite("Concurrent writers and readers")
struct ConcurrentWriterTests {
  /// Four processes appending single events and one importing, all at once, while a reader
  /// runs `log` over and over: every acknowledged event is there exactly once, sequence
  /// numbers run without a gap, the chain verifies, the import is whole, and no read ever
  /// showed a half-written event (every line of every read is a whole event, in sequence).
  @Test(.timeLimit(.minutes(5))) func writersTakeTurnsAndReadersSeeWholeEvents() throws {
    let scratch = try Scratch()
    let ledger = scratch.url.appending(path: "ledger").path
    #expect(try ToolProcess.run(["--ledger", ledger, "init"]).status == 0)
    #expect(try ToolProcess.run(["--ledger", ledger, "node", "add", "nhs"]).status == 0)
    let stories = 400
    let csv = try scratch.write(
      LedgerAudit.corpus(prefix: "bulk", node: "nhs/north/trust", stories: stories),
      to: "bulk.csv")
    let errors = scratch.url.appending(path: "errors.txt").path
    let environment = ["ERRORS": errors, "STORYLEDGER_LOCK_WAIT": "60"]
    var writers: [ScriptRun] = []
    let perWriter = 12
    for writer in 0..<4 {
      let commands = (0..<perWriter).map { index in
        (
          name: "nhs/w\(writer)-\(index)",
          arguments: ["--ledger", ledger, "node", "add", "nhs/w\(writer)-\(index)"]
        )
      }
      writers.append(try ScriptRun(LedgerAudit.writerScript(commands), environment: environment))
    }
    writers.append(
      try ScriptRun(
        LedgerAudit.writerScript([("import", ["--ledger", ledger, "import", csv.path])]),
        environment: environment))
    // The reader: each `log` output must be whole events, gapless from 1.
    let tool = ToolProcess.executable.path
    let reader = try ScriptRun(
      "for i in $(seq 1 25); do '\(tool)' --ledger '\(ledger)' log 2>/dev/null; echo '--end--'; done"
    )
    var acknowledged: [String] = []
    for writer in writers {
      acknowledged += writer.finish().filter { $0.hasPrefix("ok ") }.map { String($0.dropFirst(3)) }
    }
    let reads = reader.finish()
    #expect(
      acknowledged.count == 4 * perWriter + 1,
      "every writer got the lock in time: \((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")"
    )

    var readCount = 0
    var expected = 1
    var readProblems: [String] = []
    for line in reads {
      if line == "--end--" {
        readCount += 1
        expected = 1
        continue
      }
      guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
        object["sequence"] as? Int == expected
      else {
        readProblems.append(
          "read \(readCount): \(line.prefix(80)) where event \(expected) was expected")
        break
      }
      expected += 1
    }
    #expect(readProblems.isEmpty, "\(readProblems)")
    #expect(readCount == 25)

    let events = try LedgerAudit.events(ledger)
    let nodes = LedgerAudit.nodeCounts(events)
    for name in acknowledged where name != "import" {
      #expect(nodes[name] == 1, "\(name) is there \(nodes[name] ?? 0) times")
    }
    let told = LedgerAudit.stories(events, prefix: "bulk")
    #expect(told.count == stories && told.maxTold == 1)
    let verify = try ToolProcess.run(["--ledger", ledger, "verify"])
    #expect(verify.status == 0, "\(verify.error)")
    #expect(verify.output.contains("intact: \(events.count) events"))
  }

  /// A writer that cannot get the lock within `STORYLEDGER_LOCK_WAIT` exits 75 with a
  /// message saying another process is writing, and changes nothing; once the lock is free
  /// the same command succeeds.
  @Test func aWriterThatCannotGetTheLockExits75() throws {
    let scratch = try Scratch()
    let ledger = scratch.url.appending(path: "ledger").path
    #expect(try ToolProcess.run(["--ledger", ledger, "init"]).status == 0)
    let logPath = ledger + "/events.log"
    let before = try Data(contentsOf: URL(filePath: logPath))
    // Hold the writers' lock as another process would.
    let descriptor = open(ledger + "/writer.lock", O_RDWR)
    #expect(descriptor >= 0)
    defer { close(descriptor) }
    #expect(flock(descriptor, LOCK_EX) == 0)
    let busy = try ToolProcess.run(
      ["--ledger", ledger, "node", "add", "nhs"], environment: ["STORYLEDGER_LOCK_WAIT": "0.2"])
    #expect(busy.status == 75)
    #expect(busy.error.contains("another process is writing"), "\(busy.error)")
    #expect(try Data(contentsOf: URL(filePath: logPath)) == before)
    let csv = try scratch.write(
      LedgerAudit.corpus(prefix: "x", node: "nhs", stories: 2), to: "x.csv")
    let busyImport = try ToolProcess.run(
      ["--ledger", ledger, "import", csv.path], environment: ["STORYLEDGER_LOCK_WAIT": "0"])
    #expect(busyImport.status == 75, "\(busyImport.error)")
    // Readers never wait for the lock.
    #expect(try ToolProcess.run(["--ledger", ledger, "tree"]).status == 0)
    let badWait = try ToolProcess.run(
      ["--ledger", ledger, "node", "add", "nhs"], environment: ["STORYLEDGER_LOCK_WAIT": "soon"])
    #expect(badWait.status == 64 && badWait.error.contains("STORYLEDGER_LOCK_WAIT"))
    flock(descriptor, LOCK_UN)
    let free = try ToolProcess.run(
      ["--ledger", ledger, "node", "add", "nhs"], environment: ["STORYLEDGER_LOCK_WAIT": "0.2"])
    #expect(free.status == 0, "\(free.error)")
  }
}
