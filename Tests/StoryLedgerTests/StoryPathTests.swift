import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger

/// A story's whole path (issue 18, point 4): where it went after it was told, up and down,
/// in time order, within what the viewer reads.
@Suite("A story's whole path")
struct StoryPathTests {
  @Test func theHistoryFollowsTheStoryUpAndDown() throws {
    let ledger = try Ledger.create(
      in: InMemoryLog(),
      configuration: try LedgerConfiguration(
        levels: ["national", "region", "organisation", "team"], currency: "GBP"))
    let ward = try path("nhs/north/trust/ward")
    let trust = try path("nhs/north/trust")
    let south = try path("nhs/south")
    try ledger.addNode(ward, creatingParents: true)
    try ledger.addNode(south)
    let q2 = try DateRange(parsing: "2026-Q2")
    try ledger.startSession(at: trust, facilitator: "Amina", key: "panel")
    try ledger.tellStory(
      Ledger.NewStory(
        node: ward, title: "Nachtwachen", narrative: "Wir gingen nachts.",
        on: try day("2026-04-20"), share: "organisation", key: "walk"))
    try ledger.selectStories(
      at: ward, period: q2, choices: [.init(story: "walk", reason: "夜が変わった。")], by: "Ward lead")
    try ledger.selectStories(
      at: trust, period: q2, choices: [.init(story: "walk", reason: "Nights matter.")],
      panel: ["Ana", "Dilnoza"], options: Ledger.AppendOptions(session: "panel"))
    // Both accounts freeze it: it is selected at their nodes for the period.
    try ledger.proposeAccount(of: ward, period: q2, narrative: "Our quarter.", by: "Lead")
    try ledger.proposeAccount(of: trust, period: q2, narrative: "The trust's quarter.", by: "CEO")
    try ledger.settleAccount(of: trust, period: q2, by: "Chair")
    try ledger.sendFeedback(
      from: trust, to: ward, text: "شكرا لكم", story: "walk", by: "Chair")
    try ledger.makePledge(
      at: south, text: "Walk at night too.", on: try day("2026-05-01"), by: "Sam", key: "p1")
    try ledger.fulfilPledge("p1", story: "walk", on: try day("2026-06-01"), by: "Sam")

    let history = try ledger.storyHistory("walk")
    let path = history.entries.filter { $0.node != nil }
    // In the order recorded: both selections, the proposals that froze it, the settlement,
    // the feedback; the pledge made at nhs/south is off the ward's line and left out.
    #expect(
      path.map(\.kind) == [
        .selected, .selected, .accountProposed, .accountProposed, .accountSettled, .feedback,
      ])
    #expect(
      path.map { $0.node?.description ?? "" } == [
        "nhs/north/trust/ward", "nhs/north/trust", "nhs/north/trust/ward", "nhs/north/trust",
        "nhs/north/trust", "nhs/north/trust",
      ])
    #expect(path[0].text == "夜が変わった。")
    #expect(path[0].by == "Ward lead" && path[0].panel == nil && path[0].session == nil)
    #expect(path[1].by == "Ana, Dilnoza" && path[1].panel == ["Ana", "Dilnoza"])
    #expect(path[1].session == "panel")
    #expect(path[4].by == "Chair" && path[4].text == "version 1")
    #expect(path[5].to == ward && path[5].text == "شكرا لكم")
    #expect(history.leftOut == 1)

    // The keeper reads the whole path, the pledge too.
    let keeper = try ledger.storyHistory("walk", viewer: .keeper)
    #expect(keeper.leftOut == 0)
    // Dated as fulfilled (2026-06-01), before the steps recorded later.
    let pledge = try #require(keeper.entries.first { $0.kind == .pledgeFulfilled })
    #expect(pledge.text == "pledge p1: Walk at night too.")
    #expect(pledge.on == (try day("2026-06-01")) && pledge.node == south && pledge.by == "Sam")

    // At nhs/south only the pledge made there is on the reader's line; the steps made on
    // the north's line are left out.
    let southern = try ledger.storyHistory("walk", viewer: .node(south))
    #expect(southern.entries.filter { $0.node != nil }.map(\.kind) == [.pledgeFulfilled])
    #expect(southern.leftOut == 6)
    #expect(!southern.isShared)
    // At the region (on the line, above the ward) every step of the north reads, with its
    // reasons: the dialogue's own words travel; the story's narrative is withheld.
    let region = try ledger.storyHistory(
      "walk", viewer: .node(try StoryLedgerTestSupport.path("nhs/north")))
    #expect(region.leftOut == 1)
    #expect(region.entries.first { $0.kind == .selected }?.text == "夜が変わった。")
    #expect(region.entries.first { $0.kind == .telling }?.text.hasPrefix("(shared only") == true)

    // The report of the trust shows the path of the story it selected.
    let report = try ledger.report(of: trust, range: try DateRange(parsing: "2026"))
    let selected = try #require(report.selections.first)
    #expect(
      selected.path.map(\.kind) == [
        .selected, .selected, .accountProposed, .accountProposed, .accountSettled, .feedback,
      ])
    #expect(selected.pathLeftOut == 1)
    let html = report.html()
    #expect(html.contains("<details class=\"story-path\">"))
    #expect(html.contains("session panel"))
    #expect(html.contains("1 more step was made at nodes outside this part of the hierarchy"))
  }
}
