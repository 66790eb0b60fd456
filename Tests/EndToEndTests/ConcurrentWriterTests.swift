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

  /// A reader that meets a record while an erasure rewrites it in place (the erasure holds
  /// the writers' lock and has written part of the record) waits for the erasure and reads
  /// the record whole, instead of reporting the log damaged: `log`, `verify` and
  /// `story show` started mid-rewrite all exit 0 once it is done (issue 14, item 8).
  @Test(.timeLimit(.minutes(2))) func readersWaitOutAnErasureInsteadOfReportingDamage() throws {
    let scratch = try Scratch()
    let ledger = scratch.url.appending(path: "ledger").path
    #expect(try ToolProcess.run(["--ledger", ledger, "init"]).status == 0)
    #expect(try ToolProcess.run(["--ledger", ledger, "node", "add", "nhs"]).status == 0)
    let narrative = "Ночью мы шли домой; 夜の散歩; مشينا إلى البيت"
    let told = try ToolProcess.run([
      "--ledger", ledger, "story", "tell", "nhs", "--title", "Walks", "--teller", "Zoë Ångström",
      "--text", narrative,
    ])
    #expect(told.status == 0, "\(told.error)")
    let key = told.output.trimmingCharacters(in: .whitespacesAndNewlines)
    let logPath = ledger + "/events.log"
    let before = try Data(contentsOf: URL(filePath: logPath))
    let at = try #require(before.range(of: Data(narrative.utf8))?.lowerBound)
    let offset = try #require(ErasureAudit.recordOffsets(before).last { $0 < at })
    let erasure = try ToolProcess.run(["--ledger", ledger, "story", "withdraw", key, "--erase"])
    #expect(erasure.status == 0, "\(erasure.error)")
    // The telling's record as the erasure wrote it; put back the record as it was before, as
    // if the erasure had not reached it yet.
    let rewritten = try #require(
      ErasureAudit.rewrittenRecords(before: before, after: Data(contentsOf: URL(filePath: logPath)))
        .first { $0.offset == offset })
    let erased = [UInt8](try Data(contentsOf: URL(filePath: logPath)))[
      offset..<(offset + rewritten.size)]
    try ErasureAudit.write(before[offset..<(offset + rewritten.size)], at: offset, of: logPath)

    // Hold the writers' lock as an erasure does, and write the first half of the new record:
    // what a reader meets while the rewrite is under way.
    let descriptor = open(ledger + "/writer.lock", O_RDWR)
    #expect(descriptor >= 0)
    #expect(flock(descriptor, LOCK_EX) == 0)
    try ErasureAudit.write(
      erased[(offset + 8)..<(offset + rewritten.size / 2)], at: offset + 8, of: logPath)
    let readers = try [["log"], ["verify"], ["story", "show", key]].map { arguments in
      (arguments, try ToolProcess.start(["--ledger", ledger] + arguments))
    }
    usleep(400_000)
    for (arguments, (process, _, _)) in readers {
      #expect(process.isRunning, "\(arguments) did not wait for the erasure")
    }
    try ErasureAudit.write(erased, at: offset, of: logPath)
    flock(descriptor, LOCK_UN)
    close(descriptor)
    for (arguments, (process, output, error)) in readers {
      let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      let message = String(
        decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      process.waitUntilExit()
      #expect(process.terminationStatus == 0, "\(arguments): \(message)")
      if arguments == ["log"] {
        let sequences = text.split(separator: "\n").map {
          (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["sequence"]
            as? Int ?? -1
        }
        #expect(sequences == Array(1...max(1, sequences.count)), "\(text)")
        #expect(!text.contains(narrative))
      }
    }
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
