import Foundation
import StoryLedger
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// What the writers of a ledger were told, and what the ledger holds.
enum LedgerAudit {
  /// A CSV of `stories` stories (two rows each) under `node`, keyed `prefix-sN`.
  static func corpus(prefix: String, node: String, stories: Int) -> String {
    var text = "story,node,told_on,item,dimension,visibility,narrative,teller,monetised\n"
    for index in 0..<stories {
      let key = "\(prefix)-s\(index)"
      text +=
        "\(key),\(node),2026-01-\(String(format: "%02d", index % 28 + 1)),i1,calculating,invisible,\"Told, with a comma \(index)\",Teller \(index),\(index).50\n"
      text += "\(key),\(node),2026-02-01,i1,calculating,visible,,,\n"
    }
    return text
  }

  /// The ledger's events as `log` writes them: checks that every line is a whole JSON
  /// object and the sequence numbers run 1, 2, 3, … without a gap.
  static func events(_ ledger: String) throws -> [[String: Any]] {
    let log = try ToolProcess.run(["--ledger", ledger, "log"])
    #expect(log.status == 0, "log: \(log.error)")
    let events = try log.output.split(separator: "\n").map {
      try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
    let sequences = events.map { $0["sequence"] as? Int ?? -1 }
    #expect(sequences == Array(1...max(1, events.count)).prefix(events.count).map { $0 })
    return events
  }

  /// The paths of the nodes added, with how many times each was added.
  static func nodeCounts(_ events: [[String: Any]]) -> [String: Int] {
    var counts: [String: Int] = [:]
    for event in events where event["type"] as? String == "node.added" {
      if let node = (event["payload"] as? [String: Any])?["node"] as? String {
        counts[node, default: 0] += 1
      }
    }
    return counts
  }

  /// How many stories with keys starting `prefix-` the ledger holds, and the most times one
  /// key was told.
  static func stories(_ events: [[String: Any]], prefix: String) -> (count: Int, maxTold: Int) {
    var counts: [String: Int] = [:]
    for event in events where event["type"] as? String == "story.told" {
      if let key = (event["payload"] as? [String: Any])?["story"] as? String,
        key.hasPrefix(prefix + "-")
      {
        counts[key, default: 0] += 1
      }
    }
    return (counts.count, counts.values.max() ?? 0)
  }

  /// A shell script that runs the tool once per line of `commands` and prints `ok NAME` after
  /// each that succeeded: the acknowledgements a crash must not lose.
  static func writerScript(_ commands: [(name: String, arguments: [String])]) -> String {
    let tool = ToolProcess.executable.path
    return commands.map { command in
      let quoted = command.arguments.map { "'\($0)'" }.joined(separator: " ")
      return "'\(tool)' \(quoted) >/dev/null 2>>\"$ERRORS\" && echo 'ok \(command.name)'"
    }.joined(separator: "\n")
  }
}

/// Runs a shell script as its own process group and reads its output.
final class ScriptRun {
  let process = Process()
  private let output = Pipe()
  private let collected = ToolProcess.Collected()
  private let done = DispatchSemaphore(value: 0)

  init(_ script: String, environment: [String: String] = [:]) throws {
    process.executableURL = URL(filePath: "/bin/sh")
    process.arguments = ["-c", script]
    var merged = ProcessInfo.processInfo.environment
    merged["STORYLEDGER_DIR"] = nil
    for (key, value) in environment { merged[key] = value }
    process.environment = merged
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let handle = output.fileHandleForReading
    DispatchQueue.global().async { [collected, done] in
      collected.setError(handle.readDataToEndOfFile())
      done.signal()
    }
  }

  /// Kills the script and the command it is running (Foundation starts it as the leader of
  /// its own process group) with SIGKILL.
  func kill() { _ = Glibc.kill(-process.processIdentifier, SIGKILL) }

  /// Waits for the end and returns the lines it printed.
  func finish() -> [String] {
    process.waitUntilExit()
    done.wait()
    return String(decoding: collected.error, as: UTF8.self).split(separator: "\n").map(
      String.init)
  }
}

/// Figures from a run of the harness, printed for the soak script and the closing note.
struct HarnessFigures: CustomStringConvertible {
  var trials = 0
  var kills = 0
  var acknowledged = 0
  var eventsChecked = 0
  var tailsPastTheHead = 0
  var importsLanded = 0
  var importsAbsent = 0
  var lost = 0
  var description: String {
    "crash harness: \(trials) trials, \(kills) SIGKILLs, \(acknowledged) acknowledged appends checked, \(eventsChecked) events checked, \(tailsPastTheHead) tails left past the head, imports landed \(importsLanded) / absent \(importsAbsent), lost \(lost)"
  }
}

@Suite("Crash safety: SIGKILL at random moments")
struct CrashHarnessTests {
  /// The number of trials: `STORYLEDGER_CRASH_TRIALS` (the soak script raises it), else 10.
  static var trials: Int {
    Int(ProcessInfo.processInfo.environment["STORYLEDGER_CRASH_TRIALS"] ?? "") ?? 10
  }

  /// Each trial runs a writer (single appends, an import, more single appends, each
  /// acknowledged on stdout only after the tool exited 0) and kills it with SIGKILL at a
  /// random moment (fixed seed). After each kill the ledger must open and verify, its
  /// sequence numbers run without a gap, every acknowledged append is present exactly once,
  /// and the import is all or nothing.
  @Test(.timeLimit(.minutes(10))) func killedWritersLoseNothingAcknowledged() throws {
    let scratch = try Scratch()
    let ledger = scratch.url.appending(path: "ledger").path
    let created = try ToolProcess.run([
      "--ledger", ledger, "init", "--levels", "national,region,organisation,team",
    ])
    #expect(created.status == 0, "\(created.error)")
    #expect(try ToolProcess.run(["--ledger", ledger, "node", "add", "nhs"]).status == 0)
    var generator = SeededGenerator(seed: 6)
    var figures = HarnessFigures()
    var acknowledgedNodes: Set<String> = []
    var acknowledgedImports: Set<String> = []
    let errors = scratch.url.appending(path: "errors.txt").path
    let storiesPerImport = 80
    // How long an import alone takes here, so that the import-only trials kill it late, when
    // it is writing.
    let timing = try scratch.write(
      LedgerAudit.corpus(prefix: "timing", node: "nhs/timing", stories: storiesPerImport * 3),
      to: "timing.csv")
    let clock = ContinuousClock()
    let started = clock.now
    #expect(try ToolProcess.run(["--ledger", ledger, "import", timing.path]).status == 0)
    let importSeconds =
      Double((clock.now - started).components.attoseconds) / 1e18
      + Double((clock.now - started).components.seconds)
    for trial in 0..<Self.trials {
      let prefix = "t\(trial)"
      // Odd trials import a larger file alone and are killed while it writes.
      let isImportOnly = trial % 2 == 1
      let stories = isImportOnly ? storiesPerImport * 3 : storiesPerImport
      let csv = try scratch.write(
        LedgerAudit.corpus(prefix: prefix, node: "nhs/r\(trial % 3)/o\(trial)", stories: stories),
        to: "\(prefix).csv")
      var commands: [(name: String, arguments: [String])] = []
      for index in 0..<6 {
        commands.append(
          (
            "nhs/\(prefix)-a\(index)",
            ["--ledger", ledger, "node", "add", "nhs/\(prefix)-a\(index)"]
          ))
      }
      commands.append(("import \(prefix)", ["--ledger", ledger, "import", csv.path]))
      for index in 0..<6 {
        commands.append(
          (
            "nhs/\(prefix)-b\(index)",
            ["--ledger", ledger, "node", "add", "nhs/\(prefix)-b\(index)"]
          ))
      }
      if isImportOnly {
        commands = [("import \(prefix)", ["--ledger", ledger, "import", csv.path])]
      }
      let run = try ScriptRun(LedgerAudit.writerScript(commands), environment: ["ERRORS": errors])
      if isImportOnly {
        // Wait until the import starts writing past the committed end of the log, then kill
        // it a moment later: mid-write, between the records and the head, or just after.
        let logPath = ledger + "/events.log"
        let committed =
          (try? FileManager.default.attributesOfItem(atPath: logPath)[.size] as? Int) ?? 0
        let deadline = ContinuousClock.now + .seconds(importSeconds * 4 + 2)
        while run.process.isRunning, ContinuousClock.now < deadline,
          ((try? FileManager.default.attributesOfItem(atPath: logPath)[.size] as? Int) ?? 0)
            <= committed
        {
          usleep(100)
        }
        usleep(UInt32.random(in: 0...3_000, using: &generator))
      } else {
        // Anywhere in the run: starting, reading, planning, writing, or after it finished.
        usleep(UInt32(Double.random(in: 0.005...0.6, using: &generator) * 1_000_000))
      }
      run.kill()
      let lines = run.finish()
      figures.trials += 1
      if run.process.terminationReason == .uncaughtSignal { figures.kills += 1 }
      for line in lines where line.hasPrefix("ok ") {
        let name = String(line.dropFirst(3))
        if name.hasPrefix("import ") {
          acknowledgedImports.insert(String(name.dropFirst("import ".count)))
        } else {
          acknowledgedNodes.insert(name)
        }
      }

      // The ledger opens and verifies; any torn tail is only noted.
      let verify = try ToolProcess.run(["--ledger", ledger, "verify", "--json"])
      #expect(verify.status == 0, "trial \(trial): \(verify.output) \(verify.error)")
      // A kill between the records and the head leaves a tail past the head: whole batches
      // the next writer keeps, or torn bytes it cuts.
      if !verify.output.contains("\"notes\":[]") { figures.tailsPastTheHead += 1 }
      let events = try LedgerAudit.events(ledger)
      figures.eventsChecked += events.count
      let nodes = LedgerAudit.nodeCounts(events)
      for node in acknowledgedNodes {
        #expect(
          nodes[node] == 1,
          "trial \(trial): acknowledged \(node) is there \(nodes[node] ?? 0) times")
        if nodes[node] != 1 { figures.lost += 1 }
      }
      #expect(nodes.values.allSatisfy { $0 == 1 }, "trial \(trial): a node added twice")
      let told = LedgerAudit.stories(events, prefix: prefix)
      #expect(told.maxTold <= 1, "trial \(trial): a story told twice")
      #expect(
        told.count == 0 || told.count == stories,
        "trial \(trial): the import is partial (\(told.count) stories)")
      if acknowledgedImports.contains(prefix) {
        #expect(told.count == stories, "trial \(trial): an acknowledged import is missing")
      }
      if told.count == stories {
        figures.importsLanded += 1
      } else {
        figures.importsAbsent += 1
      }
    }
    figures.acknowledged = acknowledgedNodes.count + acknowledgedImports.count
    // The next writer cuts any torn tail and the ledger is whole.
    let final = try ToolProcess.run(["--ledger", ledger, "node", "add", "nhs/final"])
    #expect(final.status == 0, "\(final.error)")
    let verify = try ToolProcess.run(["--ledger", ledger, "verify"])
    #expect(verify.status == 0 && !verify.error.contains("note"), "\(verify.error)")
    #expect(figures.lost == 0)
    #expect(figures.kills > 0, "no writer was killed mid-run: \(figures)")
    print(figures)
  }

  /// Each trial erases one story of many tellings (`story withdraw --erase`) and kills it
  /// with SIGKILL at a moment spread over the erasure (fixed seed; every other trial at a
  /// moment of its in-place rewrites, found by its redo file), then plays the power cut
  /// that could follow: when the erasure was part way through its in-place rewrites (its
  /// redo file is there, or some of the story's records are rewritten and some are not), the
  /// last record it rewrote is torn (its new bytes with its old checksum). After each trial
  /// the ledger opens and verifies, `log` and `recover` work, asking again for the erasure
  /// finishes it, and the story's narratives and teller names are then in no file of the
  /// ledger (issue 14, item 9).
  @Test(.timeLimit(.minutes(10))) func killedErasuresLeaveALedgerThatOpensAndFinishesThem() throws {
    let scratch = try Scratch()
    let ledger = scratch.url.appending(path: "ledger").path
    let logPath = ledger + "/events.log"
    #expect(try ToolProcess.run(["--ledger", ledger, "init"]).status == 0)
    let trials = Self.trials
    let corpus = ErasureAudit.corpus(
      prefix: "e", node: "nhs/north", stories: trials + 1, tellings: 600)
    let csv = try scratch.write(corpus.csv, to: "erase.csv")
    let imported = try ToolProcess.run(["--ledger", ledger, "import", csv.path])
    #expect(imported.status == 0, "\(imported.error)")
    func size() -> Int {
      (try? FileManager.default.attributesOfItem(atPath: logPath)[.size] as? Int) ?? 0
    }
    /// Starts the erasure of `key` and waits until its withdrawal is in the log (the log
    /// grows), the moment its erasure begins.
    func startErasure(_ key: String) throws -> ScriptRun {
      let committed = size()
      let run = try ScriptRun(
        LedgerAudit.writerScript([
          ("erase", ["--ledger", ledger, "story", "withdraw", key, "--erase"])
        ]), environment: ["ERRORS": scratch.url.appending(path: "errors.txt").path])
      let deadline = ContinuousClock.now + .seconds(20)
      while run.process.isRunning, ContinuousClock.now < deadline, size() <= committed {
        usleep(100)
      }
      return run
    }
    // How long an erasure takes here once its withdrawal is written, to spread the kills
    // over it.
    let clock = ContinuousClock()
    let timing = try startErasure("e-s\(trials)")
    let started = clock.now
    _ = timing.finish()
    let elapsed = (clock.now - started).components
    let erasureSeconds = max(
      0.002, Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)

    var generator = SeededGenerator(seed: 14)
    var kills = 0
    var torn = 0
    var redoLeft = 0
    for trial in 0..<trials {
      let key = "e-s\(trial)"
      let secrets = corpus.secrets[key] ?? []
      let before = try Data(contentsOf: URL(filePath: logPath))
      let run = try startErasure(key)
      if trial % 2 == 0 {
        // Spread over the erasure: its first steps, its rewrites, its last steps, just after.
        let fraction =
          (Double(trial) + Double.random(in: 0..<1, using: &generator)) / Double(trials)
        usleep(UInt32(fraction * erasureSeconds * 1.2 * 1_000_000))
      } else {
        // In its rewrites: once its redo file is there (if it writes one), a moment later.
        let deadline = ContinuousClock.now + .seconds(erasureSeconds * 2)
        while run.process.isRunning, ContinuousClock.now < deadline,
          !FileManager.default.fileExists(atPath: ledger + "/erasure.redo")
        {
          usleep(50)
        }
        usleep(UInt32.random(in: 0...1_500, using: &generator))
      }
      run.kill()
      let acknowledged = run.finish().contains("ok erase")
      if run.process.terminationReason == .uncaughtSignal { kills += 1 }
      let redo = FileManager.default.fileExists(atPath: ledger + "/erasure.redo")
      if redo { redoLeft += 1 }
      // The power cut: the last record rewritten in place keeps its old checksum.
      let after = try Data(contentsOf: URL(filePath: logPath))
      let rewritten = ErasureAudit.rewrittenRecords(before: before, after: after)
      let partlyErased =
        !rewritten.isEmpty && secrets.contains { after.range(of: Data($0.utf8)) != nil }
      if !acknowledged, redo || partlyErased, let last = rewritten.last {
        try ErasureAudit.write(
          before[(last.offset + 4)..<(last.offset + 8)], at: last.offset + 4, of: logPath)
        torn += 1
      }

      let verify = try ToolProcess.run(["--ledger", ledger, "verify"])
      #expect(verify.status == 0, "trial \(trial): \(verify.output) \(verify.error)")
      let log = try ToolProcess.run(["--ledger", ledger, "log"])
      #expect(log.status == 0, "trial \(trial): \(log.error)")
      let recover = try ToolProcess.run(["--ledger", ledger, "recover"])
      #expect(recover.status == 0, "trial \(trial): \(recover.error)")
      let again = try ToolProcess.run(["--ledger", ledger, "story", "withdraw", key, "--erase"])
      #expect(again.status == 0, "trial \(trial): \(again.error)")
      let leftovers = try ErasureAudit.leftovers(secrets, in: ledger)
      #expect(leftovers.isEmpty, "trial \(trial): \(leftovers)")
      #expect(!FileManager.default.fileExists(atPath: ledger + "/erasure.redo"))
    }
    let verify = try ToolProcess.run(["--ledger", ledger, "verify"])
    #expect(verify.status == 0, "\(verify.error)")
    #expect(kills > 0, "no erasure was killed")
    print(
      "erasure crash harness: \(trials) trials, \(kills) SIGKILLs, \(torn) torn rewrites played, \(redoLeft) redo files left, erasure \(Int(erasureSeconds * 1000)) ms"
    )
  }
}

extension CrashHarnessTests {
  /// Issue 14, item 3: a reader that opened the ledger before an erasure (and so holds the
  /// teller names) and writes its snapshot after it must not bring the names back into
  /// `state.snapshot`, nor replace a newer snapshot with an older one.
  @Test func aReaderNeverWritesErasedTextBackIntoTheSnapshot() throws {
    let scratch = try Scratch()
    let ledger = scratch.url.appending(path: "ledger")
    #expect(try ToolProcess.run(["--ledger", ledger.path, "init"]).status == 0)
    let corpus = try scratch.write(
      LedgerAudit.corpus(prefix: "race", node: "nhs/north/trust-1", stories: 2100), to: "c.csv")
    let imported = try ToolProcess.run(["--ledger", ledger.path, "import", corpus.path])
    #expect(imported.status == 0, "\(imported.error)")
    let snapshot = ledger.appending(path: "state.snapshot")
    try? FileManager.default.removeItem(at: snapshot)

    // The reader folds every event (more than a snapshot interval) before the erasure.
    let reader = try Ledger.open(at: ledger)
    let name = Data("Teller 2099".utf8)
    #expect(reader.state.storyCount == 2100)
    let writer = try Ledger.open(at: ledger)
    try writer.withdrawStory("race-s2099", erase: true)
    let erasedSnapshot = try Data(contentsOf: snapshot)
    #expect(erasedSnapshot.range(of: name) == nil)

    // The reader's snapshot comes late: after the erasure.
    try? reader.writeSnapshot()
    let after = try Data(contentsOf: snapshot)
    #expect(after.range(of: name) == nil, "the erased teller name is back in state.snapshot")
    let verify = try ToolProcess.run(["--ledger", ledger.path, "verify"])
    #expect(verify.status == 0, "\(verify.error)")
    let show = try ToolProcess.run(["--ledger", ledger.path, "story", "show", "race-s2099"])
    #expect(!show.output.contains("Teller 2099"))
  }
}
