import Foundation
import Testing

@Suite("storyledger recover and corrupt ledgers")
struct RecoverCommandTests {
  /// A ledger of a few single appends; returns the scratch, the ledger and its log's bytes.
  static func ledger() throws -> (Scratch, String, Data) {
    let scratch = try Scratch()
    let ledger = scratch.url.appending(path: "ledger").path
    #expect(try ToolProcess.run(["--ledger", ledger, "init"]).status == 0)
    for node in ["nhs", "nhs/a", "nhs/b", "nhs/c"] {
      #expect(try ToolProcess.run(["--ledger", ledger, "node", "add", node]).status == 0)
    }
    return (scratch, ledger, try Data(contentsOf: URL(filePath: ledger + "/events.log")))
  }

  /// A log cut short (a truncated tail): `verify` exits 65 naming the first bad record,
  /// commands refuse it with a message pointing at `recover`; `recover` says exactly what it
  /// would drop and changes nothing without `--yes`; with it the ledger verifies again and
  /// takes writes.
  @Test func aTruncatedTailIsShownThenCut() throws {
    let (scratch, ledger, original) = try Self.ledger()
    defer { withExtendedLifetime(scratch) {} }
    let logURL = URL(filePath: ledger + "/events.log")
    try original.prefix(original.count - 7).write(to: logURL)
    let damaged = try ledgerFiles(ledger)

    let verify = try ToolProcess.run(["--ledger", ledger, "verify"])
    #expect(verify.status == 65)
    #expect(verify.error.contains("fails verification: event 5 at byte"), "\(verify.error)")
    let tree = try ToolProcess.run(["--ledger", ledger, "tree"])
    #expect(tree.status == 65 && tree.error.contains("storyledger recover"), "\(tree.error)")
    let write = try ToolProcess.run(["--ledger", ledger, "node", "add", "nhs/d"])
    #expect(write.status == 65)

    let plan = try ToolProcess.run(["--ledger", ledger, "recover"])
    #expect(plan.status == 0, "\(plan.error)")
    #expect(plan.output.contains("first bad record is event 5"), "\(plan.output)")
    #expect(plan.output.contains("after event 4"), "\(plan.output)")
    #expect(plan.output.contains("event 5 (1 of 1 recorded as committed"), "\(plan.output)")
    #expect(plan.output.contains("Nothing was changed"))
    #expect(try ledgerFiles(ledger) == damaged)

    let json = try ToolProcess.run(["--ledger", ledger, "recover", "--json"])
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
    #expect(object["status"] as? String == "recoverable")
    #expect(object["keep_events"] as? Int == 4)
    #expect(object["acknowledged_events_lost"] as? Int == 1)
    #expect(try ledgerFiles(ledger) == damaged)

    let cut = try ToolProcess.run(["--ledger", ledger, "recover", "--yes"])
    #expect(cut.status == 0 && cut.output.contains("recovered"), "\(cut.output) \(cut.error)")
    #expect(try ToolProcess.run(["--ledger", ledger, "verify"]).status == 0)
    #expect(try ToolProcess.run(["--ledger", ledger, "node", "add", "nhs/d"]).status == 0)
    let again = try ToolProcess.run(["--ledger", ledger, "recover", "--yes"])
    #expect(again.status == 0 && again.output.contains("nothing to recover"))
  }

  /// Damage before the tail (a flipped byte in an early record): `verify` names it, commands
  /// refuse the ledger, and `recover` refuses too, with exit 65, changing nothing even with
  /// `--yes`.
  @Test func damageBeforeTheTailIsRefused() throws {
    let (scratch, ledger, original) = try Self.ledger()
    defer { withExtendedLifetime(scratch) {} }
    var bytes = original
    bytes[40] ^= 0x04
    try bytes.write(to: URL(filePath: ledger + "/events.log"))
    let damaged = try ledgerFiles(ledger)
    let verify = try ToolProcess.run(["--ledger", ledger, "verify", "--json"])
    #expect(verify.status == 65)
    #expect(verify.output.contains("\"sequence\":1"), "\(verify.output)")
    let summary = try ToolProcess.run(["--ledger", ledger, "summary", "nhs"])
    #expect(
      summary.status == 65 && summary.error.contains("damaged at byte 16"), "\(summary.error)")
    let recover = try ToolProcess.run(["--ledger", ledger, "recover", "--yes"])
    #expect(recover.status == 65)
    #expect(recover.output.contains("before the tail"), "\(recover.output)")
    #expect(recover.error.contains("nothing was changed"))
    #expect(try ledgerFiles(ledger) == damaged)
  }
}
