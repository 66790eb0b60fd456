import Foundation
import Testing

@testable import StoryLedger

/// Dialogue events belong to the node they were recorded at, not to a path: after a move, a
/// new node created at the old path inherits none of them.
@Suite("The dialogue follows the node, not the path")
struct DialogueIdentityTests {
  @Test func aNodeCreatedAtAMovedNodesOldPathInheritsNothing() throws {
    let ledger = try Ledger.create(
      in: InMemoryLog(),
      configuration: try LedgerConfiguration(
        levels: ["national", "region", "organisation", "team"], currency: "GBP"))
    let old = try NodePath(parsing: "nhs/north/trust-7")
    let south = try NodePath(parsing: "nhs/south")
    let moved = try NodePath(parsing: "nhs/south/trust-7")
    let q2 = try DateRange(parsing: "2026-Q2")
    try ledger.addNode(try NodePath(parsing: "nhs/north/trust-7/ward-1"), creatingParents: true)
    try ledger.addNode(south)
    try ledger.tellStory(
      Ledger.NewStory(
        node: old, title: "Walking", narrative: "We walk.", on: try Day(parsing: "2026-04-10"),
        key: "walk"))
    try ledger.selectStories(
      at: old, period: q2,
      choices: [StoriesSelected.Choice(story: "walk", reason: "it changed the ward")],
      by: "Trust panel")
    try ledger.proposeAccount(of: old, period: q2, narrative: "Our quarter.", by: "Lead")
    try ledger.objectToAccount(of: old, period: q2, reason: "missing nights", by: "Sam")
    try ledger.sendFeedback(
      from: try NodePath(parsing: "nhs/north"), to: old, text: "thank you", by: "Region")
    try ledger.makePledge(
      at: old, text: "walk every week", on: try Day(parsing: "2026-04-11"), by: "Ana", key: "p1")

    try ledger.moveNode(old, under: south)
    try ledger.addNode(old, name: "A new trust seven")

    let state = ledger.state
    // The new node at the old path has none of the moved node's dialogue.
    #expect(try state.accounts(of: old).isEmpty)
    #expect(try state.selections(at: old).isEmpty)
    #expect(try state.inbox(of: old).isEmpty)
    #expect(try state.pledges(under: old).isEmpty)
    // The moved node keeps all of it, at its new path.
    let accounts = try state.accounts(of: moved)
    #expect(accounts.count == 1)
    #expect(accounts.first?.status == .objected)
    #expect(try state.selections(at: moved).map(\.story) == ["walk"])
    #expect(try state.inbox(of: moved).map(\.kind) == [.feedback])
    #expect(try state.pledges(under: moved).map(\.key) == ["p1"])
    // The new node starts its own dialogue, which stays its own.
    try ledger.proposeAccount(of: old, period: q2, narrative: "A fresh start.", by: "New lead")
    #expect(try ledger.state.accounts(of: old).map(\.narrative) == ["A fresh start."])
    #expect(try ledger.state.accounts(of: moved).map(\.narrative) == ["Our quarter."])
    // The log attributes each dialogue event to its node as it stands.
    var owners: [String] = []
    try ledger.forEachEvent { event in
      if event.payload.isDialogue {
        owners.append(
          ledger.state.currentNode(ofDialogueEventAt: event.sequence)?.description ?? "-")
      }
    }
    // Selection, proposal, objection at the moved node; the feedback is the region's (its
    // sender's node); the pledge at the moved node; the new proposal at the new node.
    let trust = moved.description
    #expect(owners == [trust, trust, trust, "nhs/north", trust, old.description])
    // A snapshot taken now, and a replay, tell the same story.
    let replayed = try Ledger(store: ledger.store)
    #expect(try replayed.state.accounts(of: old).map(\.narrative) == ["A fresh start."])
    #expect(try replayed.state.accounts(of: moved).map(\.narrative) == ["Our quarter."])
  }
}
