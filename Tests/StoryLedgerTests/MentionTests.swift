import Foundation
import Testing

@testable import StoryLedger

/// A telling that mentions an item without changing it is a dated revision: it is
/// recorded (import, library, CLI) and counts the story in that period's `stories`.
@Suite("Mentions: revisions that change nothing")
struct MentionTests {
  private func ledger() throws -> Ledger {
    try Ledger.create(
      in: InMemoryLog(),
      configuration: try LedgerConfiguration(
        levels: ["national", "region", "organisation", "team"], currency: "GBP"))
  }

  /// A ledger with story s1 told at nhs/north/trust-7 on 2026-01-10, with no item yet.
  private func ledgerWithAStory() throws -> Ledger {
    let ledger = try ledger()
    try ledger.addNode(try NodePath(parsing: "nhs/north/trust-7"), creatingParents: true)
    try ledger.tellStory(
      Ledger.NewStory(
        node: try NodePath(parsing: "nhs/north/trust-7"), title: "Walking", narrative: "We walk.",
        on: try Day(parsing: "2026-01-10"), key: "s1"))
    return ledger
  }

  private func importing(_ csv: String, into ledger: Ledger) throws -> ImportSummary {
    let url = FileManager.default.temporaryDirectory.appending(
      path: "mention-\(UUID().uuidString).csv")
    try Data(csv.utf8).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    return try ledger.importCSV(contentsOf: url)
  }

  private func monthly(_ ledger: Ledger) throws -> [TimeSeriesRow] {
    var rows: [TimeSeriesRow] = []
    try ledger.timeSeries(try TimeSeriesQuery(period: .month, level: "organisation")) {
      rows.append($0)
    }
    return rows
  }

  /// The import records an all-empty revising row as a revision dated its `told_on`, and the
  /// story counts in that month's `stories`; a mention made visible nothing and recorded
  /// no item.
  @Test func anImportedMentionCountsTheStoryInItsPeriod() throws {
    let ledger = try ledger()
    let csv = """
      story,node,told_on,item,dimension,visibility,narrative,monetised
      s1,nhs/north/trust-7,2026-01-10,i1,capacitating,invisible,Empezamos a caminar juntos.,10.00
      s1,,2026-03-05,i1,,,Seguimos caminando.,
      s1,,2026-03-05,i1,,,,

      """
    let summary = try importing(csv, into: ledger)
    #expect(summary.plan.revisions == 2)
    #expect(ledger.state.revisionCount == 3)
    let march = try monthly(ledger).filter {
      $0.periodStart == (try? Day(parsing: "2026-03-01")) && $0.dimension == .capacitating
    }
    #expect(march.count == 1)
    #expect(march.first?.stories == 1)
    #expect(march.first?.itemsRecorded == 0)
    #expect(march.first?.madeVisible == 0)
    #expect(march.first?.invisibleItems == 1)
    #expect(march.first?.monetisedInvisible == Money(cents: 1000))
    let february = try monthly(ledger).filter {
      $0.periodStart == (try? Day(parsing: "2026-02-01")) && $0.dimension == .capacitating
    }
    #expect(february.first?.stories == 0)
    // The story's history shows the mentions.
    let history = try ledger.storyHistory("s1")
    #expect(history.entries.filter { $0.text == "mentioned, unchanged" }.count == 2)
  }

  /// An embedder records a mention through the library as a revision with no fact.
  @Test func theLibraryRecordsAMention() throws {
    let ledger = try ledgerWithAStory()
    let item = try ledger.addItem(
      to: "s1", dimension: .calculating, on: try Day(parsing: "2026-01-10"),
      facts: ItemFacts(visibility: .visible))
    try ledger.reviseItem(
      item.ref, on: try Day(parsing: "2026-05-02"), facts: ItemFacts())
    let may = try monthly(ledger).first {
      $0.periodStart == (try? Day(parsing: "2026-05-01")) && $0.dimension == .calculating
    }
    #expect(may?.stories == 1)
    #expect(may?.visibleItems == 1)
  }

  /// A unit needs a quantity given with it, wherever the facts come from.
  @Test func aUnitWithoutItsQuantityIsRefusedEverywhere() throws {
    let ledger = try ledgerWithAStory()
    #expect(throws: LedgerError.self) {
      try ledger.addItem(
        to: "s1", dimension: .calculating, on: try Day(parsing: "2026-01-10"),
        facts: ItemFacts(visibility: .visible, unit: "visits"))
    }
    let item = try ledger.addItem(
      to: "s1", dimension: .calculating, on: try Day(parsing: "2026-01-10"),
      facts: ItemFacts(visibility: .visible, quantity: "3", unit: "visits"))
    do {
      try ledger.reviseItem(
        item.ref, on: try Day(parsing: "2026-02-01"),
        facts: ItemFacts(unit: "home visits"))
      Issue.record("a revision with a unit and no quantity was recorded")
    } catch let error as LedgerError {
      #expect(error.code == .invalid)
      #expect(error.description.contains("unit"))
      #expect(error.description.contains("quantity"))
    }
    let before = ledger.state.revisionCount
    let csv = """
      story,node,told_on,item,dimension,visibility,quantity,unit
      s2,nhs/north/trust-7,2026-01-10,i1,calculating,visible,,visits

      """
    do {
      _ = try importing(csv, into: ledger)
      Issue.record("an import row with a unit and no quantity was imported")
    } catch let error as ImportError {
      #expect(error.row == 2)
      #expect(error.column == "unit")
      #expect(error.description.contains("quantity"))
    }
    #expect(ledger.state.revisionCount == before)
  }
}
