import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger

/// Domains of change and campaigns (issue 18, points 3 and 7): stories told under a domain
/// and in campaigns, selection per domain, and summaries and exports that count one
/// domain's or campaign's stories, checked against a direct count.
@Suite("Domains of change and campaigns")
struct GroupingTests {
  static let lives = "Changes in people's lives"
  static let teams = "Cambios en la forma de trabajar"
  static let changeDay = "変化の日 2026"

  /// Two regions, three teams, stories under both domains, some in the campaign.
  static func seeded() throws -> (Ledger, [String]) {
    let ledger = try Ledger.create(
      in: InMemoryLog(),
      configuration: try LedgerConfiguration(levels: ["nation", "region", "team"], currency: "GBP"))
    for node in ["nhs", "nhs/north", "nhs/north/t1", "nhs/north/t2", "nhs/south", "nhs/south/t3"] {
      try ledger.addNode(try path(node))
    }
    try ledger.addDomain(lives, description: "What changed for patients and carers.")
    try ledger.addDomain(teams)
    try ledger.addCampaign(changeDay)
    var keys: [String] = []
    let plan: [(String, String?, [String], Int)] = [
      ("nhs/north/t1", lives, [changeDay], 1_000),
      ("nhs/north/t1", teams, [], 2_000),
      ("nhs/north/t2", lives, [], 4_000),
      ("nhs/south/t3", teams, [changeDay], 8_000),
      ("nhs/south/t3", nil, [], 16_000),
    ]
    for (index, (node, domain, campaigns, cents)) in plan.enumerated() {
      let story = try ledger.tellStory(
        Ledger.NewStory(
          node: try path(node), title: "Story \(index)", narrative: "Told \(index).",
          on: try day("2026-02-0\(index + 1)"), key: "s\(index)", domain: domain,
          campaigns: campaigns))
      try ledger.addItem(
        to: story.ref, dimension: index % 2 == 0 ? .capacitating : .calculating,
        on: try day("2026-02-0\(index + 1)"),
        facts: ItemFacts(visibility: .visible, monetised: Money(cents: Int64(cents))))
      keys.append(story.ref.key)
    }
    return (ledger, keys)
  }

  @Test func storiesAreToldUnderADomainAndInCampaigns() throws {
    let (ledger, keys) = try Self.seeded()
    let history = try ledger.storyHistory(StoryRef(keys[0]))
    #expect(history.domain == Self.lives)
    #expect(history.campaigns == [Self.changeDay])
    #expect(try ledger.storyHistory(StoryRef(keys[4])).domain == nil)
    #expect(ledger.domains.map(\.stories) == [2, 2])
    #expect(ledger.campaigns.map(\.name) == [Self.changeDay])
    #expect(ledger.campaigns.first?.stories == 2)
    // The grouping travels in the story's own batch: one append, three events.
    var types: [String] = []
    try ledger.forEachEvent { types.append($0.payload.type.name) }
    #expect(types.filter { $0 == "story.grouped" }.count == 4)
  }

  @Test func aNameDifferingOnlyInCaseResolvesAndAnUnknownOneNamesTheValidOnes() throws {
    let (ledger, keys) = try Self.seeded()
    try ledger.groupStory(StoryRef(keys[4]), domain: "CHANGES IN PEOPLE'S LIVES", campaigns: [])
    #expect(ledger.state.domain(ofStory: keys[4]) == Self.lives)
    #expect {
      try ledger.groupStory(StoryRef(keys[4]), domain: "Nope", campaigns: [])
    } throws: { error in
      let text = "\(error)"
      return text.contains("is not a domain") && text.contains(Self.lives)
        && text.contains(Self.teams)
    }
    #expect(throws: LedgerError.self) { try ledger.addDomain("changes in PEOPLE's lives") }
    #expect(throws: LedgerError.self) { try ledger.addCampaign("a\u{7}b") }
    #expect(throws: LedgerError.self) {
      try ledger.groupStory(StoryRef(keys[0]), domain: nil, campaigns: ["unknown"])
    }
  }

  @Test func aRegroupingChangesOnlyWhatItNames() throws {
    let (ledger, keys) = try Self.seeded()
    try ledger.addCampaign("Pilot")
    try ledger.regroupStory(StoryRef(keys[0]), joining: ["pilot"])
    #expect(ledger.state.campaigns(ofStory: keys[0]) == [Self.changeDay, "Pilot"])
    #expect(ledger.state.domain(ofStory: keys[0]) == Self.lives)
    try ledger.regroupStory(StoryRef(keys[0]), domain: Self.teams, leaving: [Self.changeDay])
    #expect(ledger.state.campaigns(ofStory: keys[0]) == ["Pilot"])
    #expect(ledger.state.domain(ofStory: keys[0]) == Self.teams)
    try ledger.regroupStory(StoryRef(keys[0]), removingDomain: true)
    #expect(ledger.state.domain(ofStory: keys[0]) == nil)
    #expect {
      try ledger.regroupStory(StoryRef(keys[0]), leaving: [Self.changeDay])
    } throws: { "\($0)".contains("is not in campaign \(Self.changeDay)") }
  }

  @Test func aSummaryOfACampaignCountsItsStoriesAlone() throws {
    let (ledger, _) = try Self.seeded()
    let summary = try ledger.summary(
      of: try path("nhs"), stories: StoryGroupFilter(campaign: Self.changeDay))
    #expect(summary.campaign == Self.changeDay)
    #expect(summary.total.stories == 2)
    #expect(summary.total.boxes.total.items == 2)
    #expect(summary.total.boxes.total.monetised == Money(cents: 9_000))
    #expect(summary.children.map(\.stories) == [1, 1])
    let lives = try ledger.summary(
      of: try path("nhs"), stories: StoryGroupFilter(domain: Self.lives))
    #expect(lives.total.boxes.total.monetised == Money(cents: 5_000))
    #expect(lives.children.map(\.boxes.total.items) == [2, 0])
    let both = try ledger.summary(
      of: try path("nhs"), stories: StoryGroupFilter(domain: Self.lives, campaign: Self.changeDay))
    #expect(both.total.boxes.total.monetised == Money(cents: 1_000))
    // Without a filter nothing changes.
    let all = try ledger.summary(of: try path("nhs"))
    #expect(all.total.boxes.total.monetised == Money(cents: 31_000))
    #expect(all.domain == nil && all.campaign == nil)
  }

  /// The time series of a campaign equals the series of a ledger holding only its stories.
  @Test func theTimeSeriesOfACampaignIsTheSeriesOfItsStoriesAlone() throws {
    let (ledger, keys) = try Self.seeded()
    var query = try TimeSeriesQuery(period: .month, level: "region")
    query.stories = StoryGroupFilter(campaign: Self.changeDay)
    var rows: [TimeSeriesRow] = []
    try ledger.timeSeries(query) { rows.append($0) }
    // The reference: withdraw every other story in a copy, and take the whole series.
    let (reference, _) = try Self.seeded()
    for key in [keys[1], keys[2], keys[4]] { try reference.withdrawStory(StoryRef(key)) }
    var expected: [TimeSeriesRow] = []
    try reference.timeSeries(try TimeSeriesQuery(period: .month, level: "region")) {
      expected.append($0)
    }
    #expect(!rows.isEmpty)
    #expect(rows == expected)
    #expect(rows.map(\.monetisedVisible).reduce(Money.zero, +) == Money(cents: 9_000))
  }

  /// A campaign's series keep the whole ledger's periods, in every export: a story outside
  /// the campaign, told months later, widens them, with zero rows for the campaign.
  @Test func everyFilteredSeriesKeepsTheWholeLedgersPeriods() throws {
    let (ledger, keys) = try Self.seeded()
    let late = try ledger.tellStory(
      Ledger.NewStory(
        node: try path("nhs/south/t3"), title: "Late", narrative: "Told in June.",
        on: try day("2026-06-10"), key: "late"))
    let lateItem = try ledger.addItem(
      to: late.ref, dimension: .calibrating, on: try day("2026-06-10"),
      facts: ItemFacts(visibility: .visible))
    let early = try ledger.addItem(
      to: StoryRef(keys[0]), dimension: .calibrating, on: try day("2026-02-01"),
      facts: ItemFacts(visibility: .visible))
    try ledger.rateItem(early.ref, by: "Ana", weight: 4, on: try day("2026-02-01"))
    try ledger.rateItem(lateItem.ref, by: "Bo", weight: 2, on: try day("2026-06-10"))
    for (key, on) in [(keys[0], "2026-02-01"), ("late", "2026-06-10")] {
      try ledger.answer(
        story: StoryRef(key), on: try day(on),
        answers: [Answer(question: "Mood", value: .choice("calm"))])
    }
    let whole = try TimeSeriesQuery(period: .month, level: "region")
    var filtered = whole
    filtered.stories = StoryGroupFilter(campaign: Self.changeDay)
    func months<Row>(
      _ series: (TimeSeriesQuery, (Row) throws -> Void) throws -> Void, _ query: TimeSeriesQuery,
      _ start: KeyPath<Row, Day>
    ) throws -> [Day] {
      var starts: [Day] = []
      try series(query) { row in
        if starts.last != row[keyPath: start] { starts.append(row[keyPath: start]) }
      }
      return starts
    }
    let february = try day("2026-02-01")
    let june = try day("2026-06-01")
    let all: [(String, (TimeSeriesQuery) throws -> [Day])] = [
      ("timeseries", { try months(ledger.timeSeries, $0, \.periodStart) }),
      (
        "by answer",
        {
          try months(
            { try ledger.answerSeries($0, by: "Mood", $1) }, $0, \.figures.periodStart)
        }
      ),
      ("ratings", { try months(ledger.ratingSeries, $0, \.periodStart) }),
      ("voices", { try months(ledger.voiceSeries, $0, \.periodStart) }),
    ]
    for (name, series) in all {
      let unfiltered = try series(whole)
      #expect(unfiltered.first == february && unfiltered.last == june, "\(name): \(unfiltered)")
      #expect(try series(filtered) == unfiltered, "\(name)")
    }
  }

  @Test func aSelectionInADomainChoosesAmongItsStoriesOnly() throws {
    let (ledger, keys) = try Self.seeded()
    let t1 = try path("nhs/north/t1")
    let quarter = try DateRange(parsing: "2026-Q1")
    let candidates = try ledger.candidates(
      at: t1, period: quarter, stories: StoryGroupFilter(domain: Self.lives))
    #expect(candidates.map(\.story) == [keys[0]])
    #expect {
      try ledger.selectStories(
        at: t1, period: quarter, choices: [.init(story: keys[1], reason: "It mattered.")],
        by: "Ana", stories: StoryGroupFilter(domain: Self.lives))
    } throws: { "\($0)".contains("is not in domain \(Self.lives)") }
    try ledger.selectStories(
      at: t1, period: quarter, choices: [.init(story: keys[0], reason: "It mattered.")],
      by: "Ana", stories: StoryGroupFilter(domain: "changes in people's lives"))
    let selection = try #require(try ledger.selections(at: t1).first)
    #expect(selection.domain == Self.lives)
    #expect(selection.campaign == nil)
    // The other domain is selected separately at the same node and period.
    try ledger.selectStories(
      at: t1, period: quarter, choices: [.init(story: keys[1], reason: "Teams changed.")],
      by: "Bo", stories: StoryGroupFilter(domain: Self.teams))
    #expect(try ledger.selections(at: t1).map(\.domain) == [Self.lives, Self.teams])
  }

  @Test func groupingsSurviveAReplayAndASnapshot() throws {
    let directory = try TemporaryDirectory()
    let url = directory.url.appending(path: "ledger")
    let ledger = try Ledger.create(
      at: url, configuration: try LedgerConfiguration(levels: ["region", "team"]))
    try ledger.addNode(try path("north"))
    try ledger.addDomain(Self.lives)
    let story = try ledger.tellStory(
      Ledger.NewStory(
        node: try path("north"), title: "T", narrative: "N.", on: try day("2026-01-01"),
        domain: Self.lives))
    try ledger.writeSnapshot()
    let reopened = try Ledger.open(at: url)
    #expect(reopened.state.domain(ofStory: story.ref.key) == Self.lives)
    #expect(try reopened.verify().isIntact)
  }

  @Test func aGroupingIsNotAppendedWithAnotherDialogueEvent() throws {
    let (ledger, keys) = try Self.seeded()
    #expect {
      try ledger.append([
        .storyGrouped(StoryGrouped(story: keys[4], domain: Self.lives, campaigns: [])),
        .domainAdded(GroupingAdded(name: "Another")),
      ])
    } throws: { "\($0)".contains("appended alone") }
  }
}
