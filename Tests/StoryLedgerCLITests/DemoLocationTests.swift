import Foundation
import StoryLedger
import StoryLedgerCLI
import Testing

/// `demo` builds its ledger where every other command looks for one: `--ledger`, else
/// `STORYLEDGER_DIR`; a directory that holds a ledger already is refused with exit 73.
@Suite("Where the demo ledger goes")
struct DemoLocationTests {
  @Test func demoHonoursStoryledgerDir() throws {
    let session = try Session()  // runs with STORYLEDGER_DIR set to session.ledger
    let result = session.run(["demo", "--rows", "300"])
    #expect(result.status == 0, "\(result.error)")
    #expect(result.error.contains(session.ledger.path), "\(result.error)")
    // The ledger is there and every other command finds it.
    session.ok(["verify"])
    #expect(
      (try session.json(["summary", "nhs"])["total"] as? [String: Any])?["node"] as? String == "nhs"
    )
    // A second demo into the same place refuses, and leaves the ledger as it was.
    let before = try Data(contentsOf: session.ledger.appending(path: "events.log"))
    let again = session.run(["demo", "--rows", "300"])
    #expect(again.status == 73, "\(again.error)")
    #expect(again.error.contains("already"), "\(again.error)")
    #expect(try Data(contentsOf: session.ledger.appending(path: "events.log")) == before)
  }

  @Test func demoHonoursTheLedgerOption() throws {
    let session = try Session()
    let elsewhere = session.root.appending(path: "elsewhere")
    let result = session.run(["--ledger", elsewhere.path, "demo", "--rows", "300"])
    #expect(result.status == 0, "\(result.error)")
    #expect(FileManager.default.fileExists(atPath: elsewhere.appending(path: "events.log").path))
    #expect(!FileManager.default.fileExists(atPath: session.ledger.path))
    #expect(session.run(["--ledger", elsewhere.path, "verify"]).status == 0)
    // No temporary corpus is left beside the ledger.
    let left = try FileManager.default.contentsOfDirectory(atPath: session.root.path)
    #expect(left == ["elsewhere"])
    // --into and a different --ledger name two places.
    let clash = session.run([
      "--ledger", elsewhere.path, "demo", "--rows", "300", "--into",
      session.root.appending(path: "third").path,
    ])
    #expect(clash.status == 64, "\(clash.error)")
  }
}
