import Foundation
import StoryLedger
import StoryLedgerCLI
import Testing

/// `item revise` records a mention with `--mention`, and refuses a unit without its
/// quantity as the library does (exit 65, nothing written).
@Suite("item revise")
struct ItemRevisionCommandTests {
  private func setUp() throws -> Session {
    let session = try Session()
    session.ok(["init", "--levels", "national,region,organisation,team"])
    session.ok(["node", "add", "nhs/north/trust-7", "--parents"])
    session.ok([
      "story", "tell", "nhs/north/trust-7", "--key", "walk", "--title", "Walking", "--text",
      "We walk.", "--on", "2026-01-10",
    ])
    session.ok([
      "item", "add", "walk", "--dimension", "capacitating", "--visibility", "invisible", "--on",
      "2026-01-10",
    ])
    return session
  }

  @Test func aMentionCountsTheStoryInItsMonth() throws {
    let session = try setUp()
    let nothing = session.run(["item", "revise", "walk/i1", "--on", "2026-03-02"])
    #expect(nothing.status == 64)
    #expect(nothing.error.contains("--mention"))
    session.ok(["item", "revise", "walk/i1", "--mention", "--on", "2026-03-02"])
    let csv = session.ok([
      "export", "timeseries", "--period", "month", "--level", "organisation",
    ])
    #expect(
      csv.contains(
        "\n2026-03-01,2026-03-31,nhs/north/trust-7,organisation,capacitating,1,0,0,0,1,0.00,0.00"))
    #expect(session.ok(["story", "show", "walk"]).contains("mentioned, unchanged"))
  }

  @Test func aUnitWithoutAQuantityIsRefused() throws {
    let session = try setUp()
    let before = try Data(contentsOf: session.ledger.appending(path: "events.log"))
    for command in [
      ["item", "revise", "walk/i1", "--unit", "visits"],
      [
        "item", "add", "walk", "--dimension", "calculating", "--visibility", "visible", "--unit",
        "visits",
      ],
    ] {
      let result = session.run(command)
      #expect(result.status == 65, "\(command): \(result.error)")
      #expect(result.error.contains("quantity"), "\(result.error)")
    }
    #expect(try Data(contentsOf: session.ledger.appending(path: "events.log")) == before)
  }
}
