import Foundation
import Testing

@Suite("storyledger snapshots")
struct SnapshotCommandTests {
  @Test func importWritesASnapshotVerifyChecksItAndRebuildMendsIt() throws {
    let (scratch, ledger, corpus) = try ImportExportTests.ledgerWithCorpus(rows: 2500)
    defer { withExtendedLifetime(scratch) {} }
    #expect(try ToolProcess.run(["--ledger", ledger, "import", corpus.path]).status == 0)
    let snapshot = scratch.url.appending(path: "ledger/state.snapshot")
    #expect(
      FileManager.default.fileExists(atPath: snapshot.path), "a large import leaves a snapshot")
    let before = try ToolProcess.run(["--ledger", ledger, "summary", "nhs", "--json"])
    #expect(before.status == 0)

    var bytes = try Data(contentsOf: snapshot)
    bytes[bytes.count - 5] ^= 0x40
    try bytes.write(to: snapshot)
    let verify = try ToolProcess.run(["--ledger", ledger, "verify"])
    #expect(verify.status == 65)
    #expect(
      verify.error.contains("the log is intact, but state.snapshot is damaged"), "\(verify.error)")

    let rebuild = try ToolProcess.run(["--ledger", ledger, "rebuild", "--json"])
    #expect(rebuild.status == 0, "\(rebuild.error)")
    let report = try #require(
      try JSONSerialization.jsonObject(with: Data(rebuild.output.utf8)) as? [String: Any])
    #expect((report["events"] as? Int ?? 0) > 2500)
    #expect(try ToolProcess.run(["--ledger", ledger, "verify"]).status == 0)
    let after = try ToolProcess.run(["--ledger", ledger, "summary", "nhs", "--json"])
    #expect(after.output == before.output)

    // Without a snapshot the ledger replays its log and answers the same.
    try FileManager.default.removeItem(at: snapshot)
    let replayed = try ToolProcess.run(["--ledger", ledger, "summary", "nhs", "--json"])
    #expect(replayed.output == before.output)
  }
}
