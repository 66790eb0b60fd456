import Foundation
import Testing

@testable import StoryLedger

/// Share scopes decided by place: a story told at S and shared up to level L is read only
/// within the subtree of S's ancestor at L, in every view the library gives.
@Suite("Share scopes by place")
struct ShareScopeTests {
  private static let nodes = [
    "nhs/north/trust-7/ward-1", "nhs/north/trust-7/ward-2", "nhs/north/trust-8/ward-3",
    "nhs/south/trust-9/ward-5",
  ]

  /// A ledger with one story at nhs/north/trust-7/ward-1 shared up to `share`.
  private func ledger(share: String) throws -> Ledger {
    let ledger = try Ledger.create(
      in: InMemoryLog(),
      configuration: try LedgerConfiguration(
        levels: ["national", "region", "organisation", "team"], currency: "GBP"))
    for node in Self.nodes {
      try ledger.addNode(try NodePath(parsing: node), creatingParents: true)
    }
    try ledger.tellStory(
      Ledger.NewStory(
        node: try NodePath(parsing: "nhs/north/trust-7/ward-1"), title: "Ward one's secret",
        narrative: "Only some may read this.", on: try Day(parsing: "2026-04-10"),
        tellers: ["Ana Ruiz"], share: share, key: "s1"))
    try ledger.addItem(
      to: "s1", dimension: .capacitating, on: try Day(parsing: "2026-04-10"),
      facts: ItemFacts(visibility: .invisible))
    return ledger
  }

  /// Who reads a story shared up to each level: the subtree of the story's ancestor at that
  /// level, never a sibling or cousin at the same depth, never an ancestor above it.
  @Test(arguments: [
    (
      "team",
      ["nhs/north/trust-7/ward-1"],
      [
        "nhs/north/trust-7/ward-2", "nhs/north/trust-8/ward-3", "nhs/south/trust-9/ward-5",
        "nhs/north/trust-7", "nhs/north", "nhs",
      ]
    ),
    (
      "organisation",
      ["nhs/north/trust-7/ward-1", "nhs/north/trust-7/ward-2", "nhs/north/trust-7"],
      ["nhs/north/trust-8/ward-3", "nhs/south/trust-9/ward-5", "nhs/north", "nhs", "nhs/south"]
    ),
    (
      "region",
      [
        "nhs/north/trust-7/ward-1", "nhs/north/trust-7/ward-2", "nhs/north/trust-8/ward-3",
        "nhs/north",
      ],
      ["nhs/south/trust-9/ward-5", "nhs/south/trust-9", "nhs/south", "nhs"]
    ),
    ("national", ScopeCases.all, []),
  ])
  func readersAreTheSubtreeOfTheAncestorAtTheShareLevel(
    share: String, readers: [String], others: [String]
  ) throws {
    let ledger = try ledger(share: share)
    let state = ledger.state
    var told: RecordedEvent?
    var telling: RecordedEvent?
    try ledger.forEachEvent { event in
      if event.type == .storyTold { told = event }
      if event.type == .tellingRecorded { telling = event }
    }
    let toldEvent = try #require(told)
    let tellingEvent = try #require(telling)
    for viewer in readers + others {
      let path = try NodePath(parsing: viewer)
      let reads = readers.contains(viewer)
      #expect(state.canRead(story: "s1", at: path) == reads, "\(share) at \(viewer)")
      let history = try ledger.storyHistory("s1", viewer: .node(path))
      #expect(history.isShared == reads, "\(share) at \(viewer)")
      let shownText = "\(history)"
      #expect(shownText.contains("Only some may read this.") == reads, "\(share) at \(viewer)")
      #expect(shownText.contains("Ana Ruiz") == reads, "\(share) at \(viewer)")
      // The log as the viewer reads it.
      guard case .storyTold(let scopedTold) = try state.scoped(toldEvent, for: .node(path)).payload,
        case .tellingRecorded(let scopedTelling) = try state.scoped(tellingEvent, for: .node(path))
          .payload
      else {
        Issue.record("scoping changed the event type")
        continue
      }
      #expect((scopedTold.title == "Ward one's secret") == reads, "\(share) at \(viewer)")
      #expect((scopedTold.tellers == ["Ana Ruiz"]) == reads, "\(share) at \(viewer)")
      #expect(
        (scopedTelling.narrative == "Only some may read this.") == reads, "\(share) at \(viewer)")
      if !reads {
        #expect(scopedTold.title == RecordedEvent.withheldMark)
        #expect(scopedTold.tellers.isEmpty)
      }
    }
  }

  /// The candidates listing and the selections carry a title only where the story may be
  /// read; the figures count the story everywhere.
  @Test func candidateTitlesFollowTheScope() throws {
    let ledger = try ledger(share: "team")
    let period = try DateRange(parsing: "2026-Q2")
    let ward = try NodePath(parsing: "nhs/north/trust-7/ward-1")
    #expect(
      try ledger.state.candidateViews(at: ward, period: period)
        == [CandidateView(story: "s1", title: "Ward one's secret")])
    try ledger.selectStories(
      at: ward, period: period,
      choices: [StoriesSelected.Choice(story: "s1", reason: "porque nos cambió la semana")],
      by: "Ward team")
    #expect(try ledger.state.selections(at: ward).map(\.title) == ["Ward one's secret"])
    // The organisation above does not read a story shared only within the team: it is
    // not its candidate, and no title reaches it.
    let trust = try NodePath(parsing: "nhs/north/trust-7")
    #expect(try ledger.state.candidateViews(at: trust, period: period).isEmpty)
    #expect(try ledger.state.summary(of: trust).total.stories == 1)
  }

  /// The viewer must exist.
  @Test func scopingForANodeThatIsNotThereFails() throws {
    let ledger = try ledger(share: "national")
    var first: RecordedEvent?
    try ledger.forEachEvent { event in if first == nil { first = event } }
    let event = try #require(first)
    #expect(throws: LedgerError.self) {
      try ledger.state.scoped(event, for: .node(try NodePath(parsing: "nhs/west")))
    }
  }
}

private enum ScopeCases {
  static let all = [
    "nhs/north/trust-7/ward-1", "nhs/north/trust-7/ward-2", "nhs/north/trust-8/ward-3",
    "nhs/south/trust-9/ward-5", "nhs/north", "nhs", "nhs/south/trust-9",
  ]
}
