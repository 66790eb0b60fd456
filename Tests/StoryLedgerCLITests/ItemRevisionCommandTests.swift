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

  /// A revision or evidence dated before a later revision is recorded, with a note that the
  /// later revision still says what the item is after it; one dated after every revision
  /// has no note.
  @Test func aRevisionDatedBeforeALaterOneIsRecordedWithANote() throws {
    let session = try setUp()
    let early = session.run([
      "item", "evidence", "walk/i1", "--evidence", "register", "--on", "2025-12-01",
    ])
    #expect(early.status == 0, "\(early.error)")
    #expect(early.output == "walk/i1\n")
    #expect(
      early.error.contains(
        "note: walk/i1 has a revision dated 2026-01-10, after 2025-12-01; revisions apply in date order"
      ), "\(early.error)")
    #expect(early.error.contains("(invisible today)"), "\(early.error)")
    let revised = session.run(["item", "revise", "walk/i1", "--weight", "3", "--on", "2026-01-02"])
    #expect(revised.error.contains("has a revision dated 2026-01-10, after 2026-01-02"))
    let later = session.run([
      "item", "evidence", "walk/i1", "--evidence", "register", "--on", "2026-02-01",
    ])
    #expect(later.status == 0)
    #expect(later.error.isEmpty, "\(later.error)")
    // An item dated before its story was told is recorded, with a note on how it counts.
    let before = session.run([
      "item", "add", "walk", "--dimension", "calculating", "--visibility", "visible", "--on",
      "2025-11-01",
    ])
    #expect(before.status == 0)
    #expect(before.output == "walk/i2\n")
    #expect(
      before.error.contains(
        "note: walk/i2 is dated 2025-11-01, before story walk was told (2026-01-10)"),
      "\(before.error)")
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
