import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@Suite("Security: file modes, formula injection, erasure in every file")
struct SecurityTests {
  /// Every file the tool creates in a ledger directory is readable by its owner only, and
  /// the directory is the owner's alone, even under `umask 0`: the log, head, lock, index,
  /// snapshot, and whatever a recovery rewrites.
  @Test func ledgerFilesAreTheOwnersOnly() throws {
    let scratch = try Scratch()
    let ledger = scratch.url.appending(path: "ledger").path
    let csv = try scratch.write(
      LedgerAudit.corpus(prefix: "p", node: "nhs/north/t", stories: 20), to: "p.csv")
    let steps: [[String]] = [
      ["init"], ["import", csv.path], ["rebuild"], ["story", "show", "p-s1"],
      ["node", "add", "nhs/south"], ["recover", "--yes"],
    ]
    for step in steps {
      let run = try shell("umask 0; exec " + toolCommand(["--ledger", ledger] + step))
      #expect(run.status == 0, "\(step): \(run.output)")
    }
    // A recovery that rewrites the head.
    try FileManager.default.removeItem(atPath: ledger + "/events.head")
    #expect(
      try shell("umask 0; exec " + toolCommand(["--ledger", ledger, "recover", "--yes"])).status
        == 0)
    #expect(try ToolProcess.run(["--ledger", ledger, "story", "show", "p-s2"]).status == 0)
    let names = try FileManager.default.contentsOfDirectory(atPath: ledger).sorted()
    #expect(
      Set(["events.log", "events.head", "writer.lock", "events.index", "state.snapshot"]).isSubset(
        of: Set(names)), "\(names)")
    for name in names {
      var info = stat()
      #expect(stat(ledger + "/" + name, &info) == 0)
      #expect(
        info.st_mode & 0o077 == 0, "\(name) has mode \(String(info.st_mode & 0o777, radix: 8))")
    }
    var directory = stat()
    #expect(stat(ledger, &directory) == 0)
    #expect(
      directory.st_mode & 0o077 == 0,
      "the directory is \(String(directory.st_mode & 0o777, radix: 8))")
  }

  /// Text that a spreadsheet would run as a formula (a node path starting with `-`) is
  /// exported with a leading `'`, in the CSV only; JSON Lines keep it as it is.
  @Test func exportedCSVIsGuardedAgainstFormulas() throws {
    let scratch = try Scratch()
    let ledger = scratch.url.appending(path: "ledger").path
    #expect(try ToolProcess.run(["--ledger", ledger, "init"]).status == 0)
    let csv = try scratch.write(
      "story,node,told_on,item,dimension,visibility,monetised\nS1,-2-1/north,2026-01-02,i1,calculating,visible,5.00\n",
      to: "f.csv")
    let imported = try ToolProcess.run(["--ledger", ledger, "import", csv.path])
    #expect(imported.status == 0, "\(imported.error)")
    let export = try ToolProcess.run([
      "--ledger", ledger, "export", "timeseries", "--period", "year", "--level", "national",
    ])
    #expect(export.status == 0, "\(export.error)")
    let rows = export.output.split(separator: "\n").dropFirst()
    #expect(!rows.isEmpty)
    #expect(rows.allSatisfy { $0.split(separator: ",")[2] == "'-2-1" }, "\(rows)")
    let jsonl = try ToolProcess.run([
      "--ledger", ledger, "export", "timeseries", "--period", "year", "--level", "national",
      "--format", "jsonl",
    ])
    #expect(jsonl.output.contains("\"node\":\"-2-1\""))
  }

  /// After `story withdraw --erase`, the narratives and teller names are in no file of the
  /// ledger directory (log, index, snapshot, head, lock), though they were in the log and the
  /// snapshot before; the ledger still verifies.
  @Test func erasedTextIsGoneFromEveryFile() throws {
    let scratch = try Scratch()
    let ledger = scratch.url.appending(path: "ledger").path
    func ok(_ arguments: [String]) throws -> String {
      let run = try ToolProcess.run(["--ledger", ledger] + arguments)
      #expect(run.status == 0, "\(arguments): \(run.error)")
      return run.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    _ = try ok(["init"])
    _ = try ok(["node", "add", "nhs"])
    let secrets = [
      "Quillon Marsh", "Yarrow Pennick", "the night we walked home", "told again later",
      "Ward Ellsmere-Nine",
    ]
    let key = try ok([
      "story", "tell", "nhs", "--title", "Night walks", "--teller", secrets[0], "--teller",
      secrets[1], "--text", "It was \(secrets[2]).",
    ])
    _ = try ok(["story", "retell", key, "--text", "Now \(secrets[3])."])
    // A personal answer (issue 17) is erased with the narratives; a public one stays.
    _ = try ok(["story", "answer", key, "--question", "Where", "--text", secrets[4], "--personal"])
    _ = try ok(["story", "answer", key, "--question", "Mood", "--choice", "publicly-hopeful"])
    _ = try ok([
      "story", "tell", "nhs", "--title", "Kept", "--teller", "Keeper", "--text", "kept text",
    ])
    _ = try ok(["rebuild"])
    _ = try ok(["story", "show", key])
    let before = try ledgerFiles(ledger)
    for secret in secrets {
      #expect(
        before.values.contains { $0.range(of: Data(secret.utf8)) != nil },
        "\(secret) was never written")
    }
    #expect(
      before["state.snapshot"]?.range(of: Data(secrets[0].utf8)) != nil,
      "tellers are in the snapshot")
    _ = try ok(["story", "withdraw", key, "--erase", "--reason", "asked"])
    for (name, bytes) in try ledgerFiles(ledger) {
      for secret in secrets {
        #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) is still in \(name)")
      }
    }
    #expect(try ok(["story", "show", "--json", key]).contains("erased"))
    let verify = try ToolProcess.run(["--ledger", ledger, "verify"])
    #expect(verify.status == 0, "\(verify.error)")
    #expect(try ok(["log"]).contains("kept text"), "other stories keep their text")
    #expect(try ok(["log"]).contains("publicly-hopeful"), "public answers stay")
  }

  /// After `erase person NAME`, the participant's name is in no file of the ledger directory
  /// (log, index, snapshot, head, lock), though it was in the log and the snapshot before,
  /// wherever the dialogue named them (account proposed and objected to, stories selected,
  /// feedback, pledge made and joined), in any script and whichever canonically equivalent
  /// spelling was recorded; the ledger still verifies, the events stay, and other
  /// participants keep their names (issue 14, item 11).
  @Test func erasedParticipantIsGoneFromEveryFile() throws {
    let scratch = try Scratch()
    let ledger = scratch.url.appending(path: "ledger").path
    func ok(_ arguments: [String]) throws -> String {
      // The recorder (the actor of every event) is not the participant.
      let run = try ToolProcess.run(
        ["--ledger", ledger] + arguments, environment: ["USER": "recorder"])
      #expect(run.status == 0, "\(arguments): \(run.error)")
      return run.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    let zoe = "Zoë Ångström"  // precomposed
    let zoeDecomposed = "Zoe\u{0308} A\u{030A}ngstro\u{0308}m"
    let arabic = "محمد الفاتح"
    let kept = "Keeper Kim"
    #expect(Array(zoe.utf8) != Array(zoeDecomposed.utf8))
    _ = try ok(["init"])
    _ = try ok(["node", "add", "nhs"])
    _ = try ok(["node", "add", "nhs/north"])
    let story = try ok([
      "story", "tell", "nhs/north", "--title", "Night walks", "--teller", "Teller",
      "--text", "We walked.", "--on", "2026-05-02",
    ])
    let q2 = ["--period", "2026-Q2"]
    _ = try ok(
      ["select", "nhs/north"] + q2 + [
        "--story", story, "--reason", "It shows how walking builds trust.", "--by", arabic,
      ])
    _ = try ok(["account", "propose", "nhs/north"] + q2 + ["--text", "Walking.", "--by", zoe])
    _ = try ok(
      ["account", "object", "nhs/north"] + q2 + [
        "--reason", "It leaves out the night shifts.", "--by", arabic,
      ])
    _ = try ok(
      ["account", "respond", "nhs/north"] + q2 + [
        "--objection", "1", "--text", "They are in now.", "--by", kept,
      ])
    _ = try ok(["feedback", "nhs", "--to", "nhs/north", "--text", "Good.", "--by", zoeDecomposed])
    let pledge = try ok(["pledge", "make", "nhs/north", "--text", "Walk weekly.", "--by", zoe])
    _ = try ok(["pledge", "join", pledge, "--by", arabic])
    // Raters and verifiers are erased the same way (issue 18).
    _ = try ok([
      "item", "add", story, "--dimension", "calibrating", "--visibility", "visible", "--on",
      "2026-05-02",
    ])
    _ = try ok(["item", "rate", "\(story)/i1", "--by", zoe, "--weight", "4", "--on", "2026-05-03"])
    _ = try ok([
      "item", "rate", "\(story)/i1", "--by", arabic, "--weight", "2", "--on", "2026-05-03",
    ])
    _ = try ok([
      "story", "verified", story, "--by", arabic, "--how", "Visited.", "--on", "2026-05-04",
    ])
    _ = try ok(["rebuild"])
    let secrets = [zoe, zoeDecomposed, arabic]
    let before = try ledgerFiles(ledger)
    for secret in [zoe, arabic] {
      #expect(
        before["events.log"]?.range(of: Data(secret.utf8)) != nil, "\(secret) was never written")
      #expect(
        before["state.snapshot"]?.range(of: Data(secret.utf8)) != nil,
        "\(secret) is not in the snapshot")
    }

    let erased = try ok(["erase", "person", zoe, "--reason", "asked", "--json"])
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(erased.utf8)) as? [String: Any])
    #expect((object["erased"] as? [Int])?.count == 4, "\(erased)")
    #expect((object["unerasable"] as? [Int]) == [])
    #expect(try ok(["erase", "person", " \(arabic) "]).contains("5 dialogue events"))
    for (name, bytes) in try ledgerFiles(ledger) {
      for secret in secrets {
        #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) is still in \(name)")
      }
    }
    let verify = try ToolProcess.run(["--ledger", ledger, "verify"])
    #expect(verify.status == 0, "\(verify.error)")
    let log = try ok(["log"])
    #expect(log.contains(kept), "other participants keep their names")
    #expect(log.contains("participant.erased"))
    #expect(try ok(["accounts", "nhs/north"]).contains("proposed by (erased)"))
    #expect(try ok(["pledges", "nhs"]).contains(pledge))
    // Asking again erases nothing more and still succeeds.
    #expect(try ok(["erase", "person", zoe]).contains("0 dialogue events"))
    let empty = try ToolProcess.run(["--ledger", ledger, "erase", "person", "  "])
    #expect(empty.status == 64, "\(empty.error)")
    // A participant who recorded the event themselves (their name is its actor, in the
    // hashed bytes) is told so: the events are listed, never silently kept.
    _ = try ok([
      "feedback", "nhs", "--to", "nhs/north", "--text", "thank you", "--actor", "Ada Self",
    ])
    let ownRecord = try ToolProcess.run(
      ["--ledger", ledger, "erase", "person", "Ada Self", "--json"],
      environment: ["USER": "recorder"])
    #expect(ownRecord.status == 0, "\(ownRecord.error)")
    let report = try #require(
      try JSONSerialization.jsonObject(with: Data(ownRecord.output.utf8)) as? [String: Any])
    #expect((report["erased"] as? [Int])?.count == 1)
    #expect((report["recorded_by"] as? [Int])?.count == 1, "\(ownRecord.output)")
    #expect(ownRecord.error.contains("recorded by this person"), "\(ownRecord.error)")
  }
}
