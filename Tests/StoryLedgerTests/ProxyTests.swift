import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger

/// Proxies (issue 18, point 5): a money figure computed as quantity × a proxy's value ×
/// multiplier, recorded as such, following the proxy's revisions from their dates; checked
/// day by day against a deliberately simple reference.
@Suite("Proxies and how a money figure was calculated")
struct ProxyTests {
  /// One thing the plan records about an item: a quantity, a proxy (with its multiplier) or
  /// a figure by hand.
  struct Step {
    var item: String
    var on: String
    var quantity: String? = nil
    var proxy: String? = nil
    var multiplier: String? = nil
    var monetised: Int64? = nil
  }

  /// The proxy's values as the plan sets them, in the order set (a later one for the same
  /// day replaces the earlier).
  static let values: [(from: String, cents: Int64)] = [
    ("2026-01-01", 40_000), ("2026-02-15", 45_000), ("2026-03-20", 50_000),
    ("2026-02-15", 43_000),
  ]

  static let steps = [
    Step(item: "i1", on: "2026-01-10", quantity: "10", proxy: "bed-day"),
    Step(item: "i3", on: "2026-01-05", monetised: 12_345),
    Step(item: "i2", on: "2026-02-01", quantity: "4", proxy: "Bed-Day", multiplier: "0.5"),
    Step(item: "i2", on: "2026-03-10", quantity: "6"),
    Step(item: "i1", on: "2026-04-01", monetised: 99_999),
    Step(item: "i3", on: "2026-04-10", quantity: "3", proxy: "bed-day", multiplier: "1.5"),
  ]

  /// The plan recorded: the first value, the items, then the later values (each revising
  /// the items priced by the proxy).
  static func seeded(at url: URL? = nil) throws -> (Ledger, StoryRef) {
    let configuration = try LedgerConfiguration(levels: ["region", "team"], currency: "GBP")
    let ledger =
      try url.map { try Ledger.create(at: $0, configuration: configuration) }
      ?? Ledger.create(in: InMemoryLog(), configuration: configuration)
    try ledger.addNode(try path("north"))
    let story = try ledger.tellStory(
      Ledger.NewStory(
        node: try path("north"), title: "Fewer readmissions", narrative: "Falls fell.",
        on: try day("2026-01-01"), key: "s1")
    ).ref
    try ledger.setProxy(
      "bed-day", value: Money(cents: values[0].cents), per: "bed-day",
      source: "NHS reference costs 2024", from: try day(values[0].from))
    for step in steps {
      let facts = ItemFacts(
        visibility: .visible, quantity: step.quantity,
        monetised: step.monetised.map(Money.init(cents:)), proxy: step.proxy,
        multiplier: step.multiplier)
      if ledger.state.itemIndex(story: 0, key: step.item) == nil {
        try ledger.addItem(
          to: story, key: step.item, dimension: .calculating, on: try day(step.on), facts: facts)
      } else {
        try ledger.reviseItem(
          ItemRef(story: story, key: step.item), on: try day(step.on), facts: facts)
      }
    }
    for value in values.dropFirst() {
      try ledger.setProxy(
        "BED-DAY", value: Money(cents: value.cents), per: "bed-day",
        source: "NHS reference costs, revised", from: try day(value.from))
    }
    return (ledger, story)
  }

  /// The item's figure in cents at the end of `on`, as the definition says: by hand, or its
  /// quantity × the proxy's value that applies on that day × its multiplier.
  static func reference(_ item: String, on: Day) throws -> Int64? {
    var quantity: Double?
    var multiplier: Double?
    var priced = false
    var figure: Int64?
    for step in steps where step.item == item {
      guard try day(step.on) <= on else { continue }
      if let value = step.quantity { quantity = Double(value) }
      if let cents = step.monetised {
        figure = cents
        priced = false
      }
      if step.proxy != nil {
        priced = true
        multiplier = step.multiplier.flatMap(Double.init) ?? 1
      } else if let value = step.multiplier {
        multiplier = Double(value)
      }
    }
    guard priced, let quantity else { return figure }
    var value: Int64?
    var best: Day?
    for set in values {
      let from = try day(set.from)
      if from <= on, best.map({ from >= $0 }) ?? true {
        best = from
        value = set.cents
      }
    }
    guard let value else { return figure }
    return Int64((quantity * Double(value) * (multiplier ?? 1)).rounded())
  }

  @Test func figuresFollowTheProxyFromItsDatesDayByDay() throws {
    let (ledger, story) = try Self.seeded()
    var day = try day("2026-01-01")
    let last = try StoryLedgerTestSupport.day("2026-05-01")
    while day <= last {
      let items = try ledger.items(
        ItemQuery(scope: .story(story), range: DateRange(start: .earliest, end: day))
      ).items
      for name in ["i1", "i2", "i3"] {
        let actual = items.first { $0.item == name }?.monetised?.cents
        #expect(actual == (try Self.reference(name, on: day)), "\(name) on \(day)")
      }
      day = day.adding(days: 1)
    }
  }

  @Test func aFigureSaysHowItWasReached() throws {
    let (ledger, story) = try Self.seeded()
    let history = try ledger.storyHistory(story)
    let i2 = try #require(history.items.first { $0.item == "i2" })
    // 6 × 500.00 × 0.5 from 2026-03-20.
    #expect(i2.monetised == Money(cents: 150_000))
    let pricing = try #require(i2.pricing)
    #expect(pricing.proxy == "bed-day")
    #expect(pricing.quantity == "6")
    #expect(pricing.multiplier == "0.5")
    #expect(pricing.value == Money(cents: 50_000))
    #expect(pricing.from == (try day("2026-03-20")))
    #expect(pricing.description.hasPrefix("6 × 500.00 per bed-day × 0.5 (bed-day from 2026-03-20"))
    // A figure entered by hand says nothing of a proxy.
    #expect(history.items.first { $0.item == "i1" }?.pricing == nil)
    // The proxy keeps three values: the one set twice for 2026-02-15 is the later.
    #expect(ledger.proxies.first?.values.map(\.value.cents) == [40_000, 43_000, 50_000])
  }

  @Test func theReportSaysWhichProxiesComputeTheFigures() throws {
    let (ledger, _) = try Self.seeded()
    let report = try ledger.report(of: try path("north"), range: try DateRange(parsing: "2026"))
    let pricing = try #require(report.pricing)
    // At the end of 2026: i1 by hand, i2 = 6 × 500.00 × 0.5, i3 = 3 × 500.00 × 1.5.
    #expect(pricing.monetisedItems == 3)
    #expect(pricing.byHand == 1)
    #expect(pricing.proxies.map(\.items) == [2])
    #expect(pricing.proxies.first?.monetised == Money(cents: 150_000 + 225_000))
    #expect(pricing.proxies.first?.proxy.values.count == 3)
    let html = report.html()
    #expect(html.contains("<h2 id=\"pricing-heading\">How money figures were calculated</h2>"))
    #expect(html.contains("NHS reference costs 2024"))
  }

  @Test func pricedRevisionsSurviveAReplayAndASnapshotAndStillFollow() throws {
    let directory = try TemporaryDirectory()
    let url = directory.url.appending(path: "ledger")
    let (ledger, story) = try Self.seeded(at: url)
    #expect(try ledger.verify().isIntact)
    try ledger.writeSnapshot()
    let reopened = try Ledger.open(at: url)
    #expect(reopened.state.pricedItems == ledger.state.pricedItems)
    try FileManager.default.removeItem(at: url.appending(path: Snapshot.fileName))
    let replayed = try Ledger.open(at: url)
    #expect(replayed.state.pricedItems == ledger.state.pricedItems)
    // A value set after reopening still revises the priced items.
    let change = try replayed.setProxy(
      "bed-day", value: Money(cents: 60_000), per: "bed-day", source: "A later table.",
      from: try day("2026-06-01"))
    #expect(Set(change.revised.map(\.key)) == ["i2", "i3"])
    let i3 = try replayed.storyHistory(story).items.first { $0.item == "i3" }
    #expect(i3?.monetised == Money(cents: 3 * 60_000 * 3 / 2))
  }

  @Test func badPricingIsRefusedWithTheReason() throws {
    let (ledger, story) = try Self.seeded()
    func refusal(_ body: () throws -> Void) -> String {
      do { try body() } catch { return "\(error)" }
      return "accepted"
    }
    let unknown = refusal {
      try ledger.addItem(
        to: story, dimension: .calculating,
        facts: ItemFacts(visibility: .visible, quantity: "1", proxy: "GP visit"))
    }
    #expect(unknown.contains("is not a proxy of this ledger") && unknown.contains("bed-day"))
    let early = refusal {
      try ledger.addItem(
        to: story, dimension: .calculating, on: try day("2025-12-31"),
        facts: ItemFacts(visibility: .visible, quantity: "1", proxy: "bed-day"))
    }
    #expect(early.contains("its first applies from 2026-01-01"))
    let both = refusal {
      try ledger.addItem(
        to: story, dimension: .calculating,
        facts: ItemFacts(
          visibility: .visible, quantity: "1", monetised: Money(cents: 1), proxy: "bed-day"))
    }
    #expect(both.contains("not both"))
    let noQuantity = refusal {
      try ledger.addItem(
        to: story, dimension: .calculating,
        facts: ItemFacts(visibility: .visible, proxy: "bed-day"))
    }
    #expect(noQuantity.contains("give its quantity"))
    let unit = refusal {
      try ledger.setProxy("bed-day", value: Money(cents: 1), per: "night", source: "A table.")
    }
    #expect(unit.contains("a proxy keeps its unit"))
    // A figure that is not the product is refused even when appended as a raw event.
    let raw = refusal {
      try ledger.append([
        .itemRevised(
          ItemRevised(
            story: story.key, item: "i2", on: try day("2026-04-20"),
            facts: ItemFacts(quantity: "6", monetised: Money(cents: 1), proxy: "bed-day")))
      ])
    }
    #expect(raw.contains("is not 6 × 500.00"))
    let multiplier = refusal {
      try ledger.reviseItem(
        ItemRef(story: story, key: "i1"), on: try day("2026-04-20"),
        facts: ItemFacts(multiplier: "2"))
    }
    #expect(multiplier.contains("no proxy prices this item"))
  }
}
