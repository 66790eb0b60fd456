import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger
@testable import StoryLedgerDemo

/// Calibrating by many people (issue 18, point 1): each person's rating of an item, the
/// group's agreed value, their spread in views and summaries, the ratings series, and the
/// erasure of raters' names.
@Suite("Ratings and agreed values")
struct RatingTests {
  static func makeLedger(in store: any EventStore = InMemoryLog()) throws -> Ledger {
    try Ledger.create(
      in: store, configuration: try LedgerConfiguration(levels: ["region", "team"]))
  }

  /// A ledger with one story at north/t1 and one calibrating item recorded with weight 3.
  static func seeded(_ ledger: Ledger) throws -> ItemRef {
    try ledger.addNode(try path("north"))
    try ledger.addNode(try path("north/t1"))
    let story = try ledger.tellStory(
      Ledger.NewStory(
        node: try path("north/t1"), title: "Walks", narrative: "We walked.",
        on: try day("2026-01-05"), tellers: ["Asha"]))
    return try ledger.addItem(
      to: story.ref, dimension: .calibrating, on: try day("2026-01-05"),
      facts: ItemFacts(visibility: .visible, weight: 3)
    ).ref
  }

  @Test func eachPersonsLatestRatingCountsAndTheAgreedValueIsTheLatestOfAgreeAndWeight()
    throws
  {
    let ledger = try Self.makeLedger()
    let item = try Self.seeded(ledger)
    try ledger.rateItem(item, by: "Asha Patel", weight: 4, on: try day("2026-01-10"))
    try ledger.rateItem(item, by: "李小龍", weight: 2, on: try day("2026-02-10"))
    try ledger.rateItem(item, by: " Asha Patel ", weight: 5, on: try day("2026-03-10"))
    // In January: one rating (4), agreed value the item's weight (3).
    let january = try #require(try ledger.calibration(of: item, asOf: try day("2026-01-31")))
    #expect(january.count == 1 && january.median == 4 && january.agreed == 3)
    #expect(january.agreedOn == (try day("2026-01-05")) && january.distance == -1)
    // In February: 4 and 2.
    let february = try #require(try ledger.calibration(of: item, asOf: try day("2026-02-28")))
    #expect(february.ratings.map(\.weight) == [4, 2] && february.median == 3)
    #expect(february.minimum == 2 && february.maximum == 4 && february.distance == 0)
    // Asha's March rating replaces her January one.
    try ledger.agreeOnItem(item, weight: 4, on: try day("2026-03-20"), note: "en el taller")
    let now = try #require(try ledger.calibration(of: item))
    #expect(now.ratings.map(\.by) == ["李小龍", "Asha Patel"])
    #expect(now.ratings.map(\.weight) == [2, 5])
    #expect(now.median == 3.5 && now.agreed == 4 && now.distance == 0.5)
    // A later weight on a revision is the agreed value from its date.
    try ledger.reviseItem(item, on: try day("2026-04-01"), facts: ItemFacts(weight: 2))
    #expect(try ledger.calibration(of: item)?.agreed == 2)
    #expect(try ledger.calibration(of: item, asOf: try day("2026-03-31"))?.agreed == 4)
    // The story's history lists them, and its item view carries the spread.
    let history = try ledger.storyHistory(item.story)
    #expect(history.entries.filter { $0.kind == .rated }.count == 3)
    #expect(
      history.entries.filter { $0.kind == .agreed }.map(\.text) == ["agreed value 4: en el taller"])
    #expect(history.items.first?.calibration?.median == 3.5)
    let listed = try ledger.items(ItemQuery(scope: .node(try path("north"))))
    #expect(listed.items.first?.calibration?.count == 2)
  }

  @Test func anItemWithoutRatingsHasNoCalibrationAndOldLedgersReadTheSame() throws {
    let ledger = try Self.makeLedger()
    let item = try Self.seeded(ledger)
    #expect(try ledger.calibration(of: item) == nil)
    #expect(try ledger.summary(of: try path("north")).total.ratings == nil)
    #expect(try ledger.storyHistory(item.story).items.first?.calibration == nil)
  }

  @Test func badRatingsAreRefusedWithTheirReason() throws {
    let ledger = try Self.makeLedger()
    let item = try Self.seeded(ledger)
    func refusal(_ body: () throws -> Void) -> String {
      do {
        try body()
        return ""
      } catch { return "\(error)" }
    }
    #expect(refusal { try ledger.rateItem(item, by: "Asha", weight: 6) }.contains("1 to 5"))
    #expect(refusal { try ledger.rateItem(item, by: "  ", weight: 3) }.contains("empty"))
    #expect(refusal { try ledger.rateItem(item, by: "A\u{1B}[2J", weight: 3) }.contains("control"))
    #expect(
      refusal { try ledger.rateItem(item, by: "Asha", weight: 3, on: try day("2025-12-31")) }
        .contains("before item"))
    #expect(
      refusal { try ledger.rateItem(ItemRef(story: item.story, key: "i9"), by: "A", weight: 3) }
        .contains("i9"))
    #expect(refusal { try ledger.agreeOnItem(item, weight: 0) }.contains("1 to 5"))
    #expect(
      refusal { try ledger.agreeOnItem(item, weight: 3, note: " … ") }.contains("punctuation"))
    try ledger.withdrawStory(item.story)
    #expect(refusal { try ledger.rateItem(item, by: "Asha", weight: 3) }.contains("withdrawn"))
    #expect(ledger.state.dialogue.isEmpty)
  }

  @Test func erasingARaterKeepsTheirRatingsAsOnePersonsAndTheChainVerifies() throws {
    let directory = try TemporaryDirectory()
    let location = directory.url.appending(path: "ledger")
    let ledger = try Ledger.create(
      at: location, configuration: try LedgerConfiguration(levels: ["region", "team"]))
    let item = try Self.seeded(ledger)
    try ledger.rateItem(item, by: "Zoë Ångström", weight: 1, on: try day("2026-01-10"))
    try ledger.rateItem(item, by: "Bo", weight: 4, on: try day("2026-01-11"))
    try ledger.rateItem(item, by: "Zoë Ångström", weight: 5, on: try day("2026-02-10"))
    let before = try #require(try ledger.calibration(of: item))
    let erasure = try ledger.eraseParticipant("Zoë Ångström")
    #expect(erasure.erased.count == 2)
    let after = try #require(try ledger.calibration(of: item))
    #expect(after.ratings.map(\.weight) == before.ratings.map(\.weight))
    #expect(after.ratings.map(\.by) == ["Bo", ""])
    #expect(try ledger.verify().isIntact)
    var found = false
    try ledger.forEachEvent { event in
      if case .itemRated(let rated) = event.payload, rated.by.contains("Zoë") { found = true }
    }
    #expect(!found, "the name is gone from the log")
    // Reopened from its snapshot, and replayed, the ledger reads the same.
    let reopened = try Ledger.open(at: location)
    #expect(try reopened.calibration(of: item) == after)
    var replayed = LedgerState()
    try ledger.forEachEvent { try replayed.apply($0) }
    #expect(replayed.dialogue.count == ledger.state.dialogue.count)
    #expect(replayed.ratingIndex().counting(0, asOf: .latest).map(\.weight) == [4, 5])
  }

  @Test func ratersNamesAreWithheldOutsideTheStorysShareScope() throws {
    let ledger = try Self.makeLedger()
    let item = try Self.seeded(ledger)  // shared up to its own team
    try ledger.addNode(try path("north/t2"))
    try ledger.rateItem(item, by: "Asha", weight: 4, on: try day("2026-01-10"))
    let outside = try #require(
      try ledger.calibration(of: item, viewer: .node(try path("north/t2"))))
    #expect(outside.ratings.map(\.by) == [RecordedEvent.withheldMark])
    #expect(outside.median == 4, "figures always show")
    let history = try ledger.storyHistory(item.story, viewer: .node(try path("north/t2")))
    #expect(history.entries.first { $0.kind == .rated }?.text == "rated 4 by someone")
    var logged: [RecordedEvent] = []
    try ledger.view(as: .node(try path("north/t2"))).forEachEvent { logged.append($0) }
    let rated = logged.compactMap { event -> ItemRated? in
      if case .itemRated(let rated) = event.payload { return rated }
      return nil
    }
    #expect(rated.map(\.by) == [RecordedEvent.withheldMark], "the log withholds the rater too")
  }

  // MARK: The ratings series

  /// The ratings series of a seeded random ledger, checked against a deliberately simple
  /// reference: for every period end, every node at the level and every dimension, each
  /// person's latest rating dated on or before the end, recomputed from the list of ratings.
  @Test(arguments: [1, 2, 3] as [UInt64])
  func theRatingsSeriesMatchesAReferenceComputation(seed: UInt64) throws {
    let ledger = try Self.makeLedger()
    var random = DemoRandom(seed: seed)
    let teams = ["north/t1", "north/t2", "south/t3"]
    for node in ["north", "south"] + teams { try ledger.addNode(try path(node)) }
    let people = ["Asha", "Bo", "李小龍", "Zoë"]
    var items: [(ref: ItemRef, node: String, dimension: StoryLedger.Dimension, on: Day)] = []
    let start = try day("2026-01-01")
    for index in 0..<8 {
      let team = teams[random.below(teams.count)]
      let on = start.adding(days: random.below(60))
      let story = try ledger.tellStory(
        Ledger.NewStory(node: try path(team), title: "S\(index)", narrative: "n", on: on))
      let dimension = Dimension.allCases[random.below(3)]
      let weight: Int? = random.below(2) == 0 ? 1 + random.below(5) : nil
      let item = try ledger.addItem(
        to: story.ref, dimension: dimension, on: on,
        facts: ItemFacts(visibility: .invisible, weight: weight)
      ).ref
      items.append((item, String(team.prefix(5)), dimension, on))
    }
    // (item, person, weight, date, order) and (item, weight, date, order) for agreements.
    var ratings: [(item: Int, person: String, weight: Int, on: Day, order: Int)] = []
    var agreements: [(item: Int, weight: Int, on: Day, order: Int)] = []
    for order in 0..<40 {
      let which = random.below(items.count)
      let on = items[which].on.adding(days: random.below(120))
      let weight = 1 + random.below(5)
      if random.below(5) == 0 {
        try ledger.agreeOnItem(items[which].ref, weight: weight, on: on)
        agreements.append((which, weight, on, order))
      } else {
        let person = people[random.below(people.count)]
        try ledger.rateItem(items[which].ref, by: person, weight: weight, on: on)
        ratings.append((which, person, weight, on, order))
      }
    }
    // Weights given on add count as agreed values from the item's date, before any later
    // order.
    var weightMarks: [Int: (weight: Int, on: Day, order: Int)] = [:]
    for (index, item) in items.enumerated() {
      if let weight = try ledger.storyHistory(item.ref.story).items.first?.weight {
        weightMarks[index] = (weight, item.on, -1)
      }
    }
    let query = try TimeSeriesQuery(period: .month, level: "region")
    var rows: [RatingSeriesRow] = []
    try ledger.ratingSeries(query) { rows.append($0) }

    // The reference.
    let involved = Set(ratings.map(\.item) + agreements.map(\.item))
    let days = ratings.map(\.on) + agreements.map(\.on)
    let first = Period.month.start(of: try #require(days.min()))
    let last = try #require(days.max())
    let regions = Set(involved.map { items[$0].node }).sorted()
    func median(_ values: [Double]) -> Double? {
      let sorted = values.sorted()
      guard !sorted.isEmpty else { return nil }
      let middle = sorted.count / 2
      return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
    var expected: [String] = []
    var periodStart = first
    while periodStart <= last {
      let end = Period.month.next(after: periodStart).adding(days: -1)
      for region in regions {
        for dimension in Dimension.allCases {
          let mine = involved.filter {
            items[$0].node == region && items[$0].dimension == dimension
          }
          let recorded = ratings.filter {
            mine.contains($0.item) && $0.on >= periodStart && $0.on <= end
          }.count
          var all: [Double] = []
          var distances: [Double] = []
          var rated = 0
          for item in mine.sorted() {
            var latest: [String: (weight: Int, on: Day, order: Int)] = [:]
            for rating in ratings where rating.item == item && rating.on <= end {
              if let current = latest[rating.person],
                (current.on, current.order) > (rating.on, rating.order)
              {
                continue
              }
              latest[rating.person] = (rating.weight, rating.on, rating.order)
            }
            let values = latest.values.map { Double($0.weight) }
            guard !values.isEmpty else { continue }
            rated += 1
            all += values
            var marks = agreements.filter { $0.item == item && $0.on <= end }.map {
              (weight: $0.weight, on: $0.on, order: $0.order)
            }
            if let mark = weightMarks[item], mark.on <= end { marks.append(mark) }
            if let agreed = marks.max(by: { ($0.on, $0.order) < ($1.on, $1.order) }),
              let itemMedian = median(values)
            {
              distances.append((Double(agreed.weight) - itemMedian).magnitude)
            }
          }
          func text(_ value: Double?) -> String {
            value.map(ItemCalibration.text) ?? "-"
          }
          expected.append(
            "\(periodStart) \(region) \(dimension.rawValue) \(recorded) \(rated) \(all.count) \(text(median(all))) \(text(all.min())) \(text(all.max())) \(distances.count) \(text(median(distances)))"
          )
        }
      }
      periodStart = Period.month.next(after: periodStart)
    }
    let actual = rows.map { row in
      func text(_ value: Double?) -> String { value.map(ItemCalibration.text) ?? "-" }
      return
        "\(row.periodStart) \(row.node) \(row.dimension.rawValue) \(row.ratingsRecorded) \(row.counts.itemsRated) \(row.counts.ratings) \(text(row.counts.median)) \(text(row.counts.minimum.map(Double.init))) \(text(row.counts.maximum.map(Double.init))) \(row.counts.itemsCompared) \(text(row.counts.medianDistance))"
    }
    #expect(actual == expected)
  }

  @Test func theRatingsSeriesWritesItsColumnsInCSVAndJSONLines() throws {
    let ledger = try Self.makeLedger()
    let item = try Self.seeded(ledger)
    try ledger.rateItem(item, by: "Asha", weight: 4, on: try day("2026-01-10"))
    try ledger.rateItem(item, by: "Bo", weight: 1, on: try day("2026-01-11"))
    let query = try TimeSeriesQuery(period: .quarter, level: "region")
    var csv = RatingSeriesRow.csvHeader
    var jsonl: [UInt8] = []
    try ledger.ratingSeries(query) { row in
      row.append(as: .csv, to: &csv)
      row.append(as: .jsonl, to: &jsonl)
    }
    #expect(
      String(decoding: csv, as: UTF8.self) == """
        period_start,period_end,node,level,dimension,ratings_recorded,items_rated,ratings,median,minimum,maximum,items_compared,median_distance
        2026-01-01,2026-03-31,north,region,capacitating,0,0,0,,,,0,
        2026-01-01,2026-03-31,north,region,calibrating,2,1,2,2.5,1,4,1,0.5
        2026-01-01,2026-03-31,north,region,calculating,0,0,0,,,,0,

        """)
    let lines = String(decoding: jsonl, as: UTF8.self).split(separator: "\n")
    #expect(
      lines[1]
        == #"{"period_start":"2026-01-01","period_end":"2026-03-31","node":"north","level":"region","dimension":"calibrating","ratings_recorded":2,"items_rated":1,"ratings":2,"median":2.5,"minimum":1,"maximum":4,"items_compared":1,"median_distance":0.5}"#
    )
    #expect(lines[0].contains(#""median":null"#))
  }

  @Test func theSummaryCarriesTheSpreadOfEachSubtree() throws {
    let ledger = try Self.makeLedger()
    let item = try Self.seeded(ledger)
    try ledger.rateItem(item, by: "Asha", weight: 2, on: try day("2026-01-10"))
    try ledger.rateItem(item, by: "Bo", weight: 5, on: try day("2026-02-10"))
    let summary = try ledger.summary(of: try path("north"))
    let total = try #require(summary.total.ratings)
    #expect(total.itemsRated == 1 && total.ratings == 2 && total.median == 3.5)
    #expect(total.minimum == 2 && total.maximum == 5)
    #expect(total.itemsCompared == 1 && total.medianDistance == 0.5)
    #expect(summary.children.first?.ratings?.ratings == 2)
    let january = try ledger.summary(of: try path("north"), asOf: try day("2026-01-31"))
    #expect(january.total.ratings?.ratings == 1)
  }
}
