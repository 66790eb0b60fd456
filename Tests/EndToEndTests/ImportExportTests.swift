import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@Suite("storyledger import and export")
struct ImportExportTests {
  static let levels = "national,region,organisation,team"

  /// A scratch directory with a ledger and a demo corpus of `rows` rows.
  static func ledgerWithCorpus(rows: Int) throws -> (Scratch, String, URL) {
    let scratch = try Scratch()
    let ledger = scratch.url.appending(path: "ledger").path
    let corpus = scratch.url.appending(path: "corpus.csv")
    let created = try ToolProcess.run([
      "--ledger", ledger, "init", "--levels", levels, "--currency", "GBP",
    ])
    #expect(created.status == 0, "\(created.error)")
    let written = try ToolProcess.run([
      "demo", "--rows", String(rows), "--csv", corpus.path, "--seed", "7",
    ])
    #expect(written.status == 0, "\(written.error)")
    return (scratch, ledger, corpus)
  }

  static func eventCount(_ ledger: String) throws -> Int {
    let log = try ToolProcess.run(["--ledger", ledger, "log"])
    #expect(log.status == 0)
    return log.output.split(separator: "\n").count
  }

  @Test func importThenExportEveryRowOfTheGrid() throws {
    let (scratch, ledger, corpus) = try Self.ledgerWithCorpus(rows: 3000)
    let dry = try ToolProcess.run([
      "--ledger", ledger, "import", corpus.path, "--dry-run", "--json",
    ])
    #expect(dry.status == 0, "\(dry.error)")
    #expect(try Self.eventCount(ledger) == 1, "a dry run writes nothing")
    let imported = try ToolProcess.run(["--ledger", ledger, "import", corpus.path, "--json"])
    #expect(imported.status == 0, "\(imported.error)")
    let counts = try #require(
      try JSONSerialization.jsonObject(with: Data(imported.output.utf8)) as? [String: Any])
    #expect(counts["rows"] as? Int == 3000)
    #expect(try Self.eventCount(ledger) == 1 + (counts["events"] as? Int ?? -1))

    let output = scratch.url.appending(path: "series.csv")
    let export = try ToolProcess.run([
      "--ledger", ledger, "export", "timeseries", "--period", "quarter", "--level", "organisation",
      "--output", output.path,
    ])
    #expect(export.status == 0, "\(export.error)")
    let lines = try String(contentsOf: output, encoding: .utf8).split(separator: "\n").map(
      String.init)
    #expect(
      lines[0]
        == "period_start,period_end,node,level,dimension,stories,items_recorded,made_visible,visible_items,invisible_items,monetised_visible,monetised_invisible"
    )
    let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    let periods = Set(rows.map { $0[0] })
    let nodes = Set(rows.map { $0[2] })
    #expect(periods.count == 8, "two years of quarters")
    #expect(rows.count == periods.count * nodes.count * 3, "every combination is present")
    let keys = rows.map {
      "\($0[0])|\($0[2])|\(["capacitating": 0, "calibrating": 1, "calculating": 2][String($0[4])] ?? 9)"
    }
    #expect(
      keys == keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) },
      "sorted by period, node, dimension")
    #expect(rows.allSatisfy { $0[3] == "organisation" && $0[2].split(separator: "/").count == 3 })
    let recorded = rows.reduce(0) { $0 + (Int($1[6]) ?? 0) }
    #expect(recorded > 0)

    let jsonl = try ToolProcess.run([
      "--ledger", ledger, "export", "timeseries", "--period", "quarter", "--level", "organisation",
      "--format", "jsonl",
    ])
    let objects = try jsonl.output.split(separator: "\n").map {
      try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
    #expect(objects.count == rows.count)
    #expect(objects[0]["monetised_visible"] is String)
    #expect(objects[0]["stories"] is Int)
    #expect(objects.map { $0["node"] as? String ?? "" } == rows.map { String($0[2]) })
  }

  @Test(arguments: [
    ("story,node,told_on,item,dimension\nS1,nhs,2026-01-01,i1,capacitating\n", "visibility"),
    (
      "story,node,told_on,item,dimension,visibility,colour\nS1,nhs,2026-01-01,i1,capacitating,visible,red\n",
      "colour"
    ),
    (
      "story,node,told_on,item,dimension,visibility\nS1,nhs,2026-01-01,i1,capacitating,visible,extra\n",
      "row 2"
    ),
    (
      "story,node,told_on,item,dimension,visibility\nS1,nhs,\"2026-01-01,i1,capacitating,visible\n",
      "quote"
    ),
    (
      "story,node,told_on,item,dimension,visibility\nS1,nhs,2026-1-1,i1,capacitating,visible\n",
      "told_on"
    ),
    (
      "story,node,told_on,item,dimension,visibility\nS1,nhs,2026-01-01,i1,capacity,visible\n",
      "capacitating, calibrating, calculating"
    ),
    (
      "story,node,told_on,item,dimension,visibility,monetised\nS1,nhs,2026-01-01,i1,calculating,visible,1.234\n",
      "monetised"
    ),
    (
      "story,node,told_on,item,dimension,visibility,weight\nS1,nhs,2026-01-01,i1,calculating,visible,6\n",
      "weight"
    ),
    (
      "story,node,told_on,item,dimension,visibility\nS1,nhs,2026-01-01,i1,calculating,visible\nS1,nhs/x,2026-01-02,i2,calculating,visible\n",
      "node"
    ),
    (
      "story,node,told_on,item,dimension,visibility\nS1,nhs,2026-01-01,i1,calculating,visible\nS1,nhs,2026-01-02,i1,calibrating,visible\n",
      "dimension"
    ),
    (
      "story,node,told_on,item,dimension,visibility\nS1,a/b/c/d/e,2026-01-01,i1,calculating,visible\n",
      "levels"
    ),
    (
      "story,node,told_on,item,dimension,visibility\nS1,a//b,2026-01-01,i1,calculating,visible\n",
      "segment"
    ),
    ("", "empty"),
  ])
  func badInputExits65AndChangesNothing(csv: String, mention: String) throws {
    let scratch = try Scratch()
    let ledger = scratch.url.appending(path: "ledger").path
    _ = try ToolProcess.run(["--ledger", ledger, "init", "--levels", Self.levels])
    let file = try scratch.write(csv, to: "bad.csv")
    let before = try Data(contentsOf: scratch.url.appending(path: "ledger/events.log"))
    let result = try ToolProcess.run(["--ledger", ledger, "import", file.path])
    #expect(result.status == 65)
    #expect(result.error.contains(mention), "\(result.error)")
    #expect(result.error.contains("nothing was imported"))
    let after = try Data(contentsOf: scratch.url.appending(path: "ledger/events.log"))
    #expect(before == after)
  }

  @Test func aWriterKilledMidImportLeavesALedgerThatOpensWithAllOrNothing() throws {
    let (scratch, ledger, corpus) = try Self.ledgerWithCorpus(rows: 6000)
    defer { withExtendedLifetime(scratch) {} }
    let perImport = try Self.storiesInCorpus(corpus)
    // How long a whole import takes here, so that kills land across all of it, including the
    // write at its end.
    let probe = scratch.url.appending(path: "timing").path
    _ = try ToolProcess.run(["--ledger", probe, "init", "--levels", Self.levels])
    let clock = ContinuousClock()
    let started = clock.now
    #expect(try ToolProcess.run(["--ledger", probe, "import", corpus.path]).status == 0)
    let duration = clock.now - started
    var generator = SeededGenerator(seed: 42)
    let trials = 6
    for trial in 0..<trials {
      let fraction =
        0.3 + 0.9 * Double(trial) / Double(trials)
        + Double.random(in: -0.05...0.05, using: &generator)
      let (process, output, error) = try ToolProcess.start([
        "--ledger", ledger, "import", corpus.path,
      ])
      usleep(UInt32(max(0.001, (duration * fraction) / .seconds(1)) * 1_000_000))
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      _ = output.fileHandleForReading.readDataToEndOfFile()
      _ = error.fileHandleForReading.readDataToEndOfFile()
      let verify = try ToolProcess.run(["--ledger", ledger, "verify", "--json"])
      #expect(verify.status == 0, "trial \(trial): \(verify.output) \(verify.error)")
      let summary = try ToolProcess.run(["--ledger", ledger, "summary", "nhs", "--json"])
      if summary.status == 0 {
        let object = try #require(
          try JSONSerialization.jsonObject(with: Data(summary.output.utf8)) as? [String: Any])
        let total = try #require(object["total"] as? [String: Any])
        let stories = total["stories"] as? Int ?? -1
        // An import that landed added every story; a killed one added none.
        #expect(stories == perImport, "trial \(trial): \(stories) stories")
      } else {
        #expect(summary.error.contains("no node nhs"), "trial \(trial): \(summary.error)")
      }
    }
    // The next write cuts any torn tail off and says so; the ledger stays intact.
    let final = try ToolProcess.run(["--ledger", ledger, "import", corpus.path, "--dry-run"])
    #expect(final.status == 0)
    let verify = try ToolProcess.run(["--ledger", ledger, "verify"])
    #expect(verify.status == 0)
  }

  static func storiesInCorpus(_ corpus: URL) throws -> Int {
    let scratch = try Scratch()
    let ledger = scratch.url.appending(path: "probe").path
    _ = try ToolProcess.run(["--ledger", ledger, "init", "--levels", levels])
    let dry = try ToolProcess.run([
      "--ledger", ledger, "import", corpus.path, "--dry-run", "--json",
    ])
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(dry.output.utf8)) as? [String: Any])
    return try #require(object["stories"] as? Int)
  }

  @Test func verifyNamesTheFirstBadRecordAfterAFlippedByte() throws {
    let (scratch, ledger, corpus) = try Self.ledgerWithCorpus(rows: 200)
    #expect(try ToolProcess.run(["--ledger", ledger, "import", corpus.path]).status == 0)
    let logURL = scratch.url.appending(path: "ledger/events.log")
    var bytes = try Data(contentsOf: logURL)
    let position = bytes.count / 2
    bytes[position] ^= 0x01
    try bytes.write(to: logURL)
    let verify = try ToolProcess.run(["--ledger", ledger, "verify"])
    #expect(verify.status == 65)
    #expect(verify.error.contains("fails verification: event "), "\(verify.error)")
    let summary = try ToolProcess.run(["--ledger", ledger, "summary", "nhs"])
    #expect(summary.status == 65, "a corrupt ledger is refused, not read past the damage")
  }
}

/// A small deterministic generator for test timings.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var value = state
    value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
    value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
    return value ^ (value >> 31)
  }
}
