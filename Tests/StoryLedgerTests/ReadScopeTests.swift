import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger

/// `Ledger.readScope`: with a subtree set, views of nodes outside it are refused, the tree,
/// the items and the pledges default to it, and the series keep only its rows; without one,
/// everything reads as before.
@Suite("Reads limited to a subtree")
struct ReadScopeTests {
  /// Two regions, a story with a priced item in each, a pledge in each.
  static func seeded() throws -> Ledger {
    let configuration = try LedgerConfiguration(levels: ["region", "team"], currency: "GBP")
    let ledger = try Ledger.create(in: InMemoryLog(), configuration: configuration)
    for (region, cents) in [("north", Int64(25_000)), ("south", Int64(70_000))] {
      try ledger.addNode(try path("\(region)/team-1"), creatingParents: true)
      let story = try ledger.tellStory(
        Ledger.NewStory(
          node: try path("\(region)/team-1"), title: "The \(region) story",
          narrative: "We met in the \(region).", on: try day("2026-04-10"), key: "\(region)-story")
      ).ref
      try ledger.addItem(
        to: story, dimension: .calculating, on: try day("2026-04-10"),
        facts: ItemFacts(visibility: .visible, monetised: Money(cents: cents)))
      try ledger.makePledge(
        at: try path("\(region)/team-1"), text: "We will keep meeting.", on: try day("2026-04-11"))
    }
    return ledger
  }

  static func isOutside(_ body: () throws -> Void) -> Bool {
    do {
      try body()
      return false
    } catch let error as LedgerError {
      return error.code == .notAllowed && error.message.contains("outside north")
    } catch {
      return false
    }
  }

  @Test func viewsOutsideTheScopeAreRefused() throws {
    let ledger = try Self.seeded()
    ledger.readScope = try path("north")
    let south = try path("south")
    #expect(Self.isOutside { _ = try ledger.summary(of: south) })
    #expect(Self.isOutside { _ = try ledger.summary(of: try path("south/team-1")) })
    #expect(Self.isOutside { _ = try ledger.cascadeUp(of: south) })
    #expect(Self.isOutside { _ = try ledger.cascadeDown(of: south) })
    #expect(Self.isOutside { _ = try ledger.accounts(of: south) })
    #expect(Self.isOutside { _ = try ledger.inbox(of: south) })
    #expect(Self.isOutside { _ = try ledger.report(of: south) })
    #expect(Self.isOutside { _ = try ledger.tree(of: south) })
    #expect(Self.isOutside { _ = try ledger.pledges(under: south) })
    #expect(Self.isOutside { _ = try ledger.sessions(under: south) })
    #expect(Self.isOutside { _ = try ledger.items(ItemQuery(scope: .node(south))) })
    #expect(Self.isOutside { _ = try ledger.items(ItemQuery(scope: .story("south-story"))) })
    let north = try ledger.summary(of: try path("north"))
    #expect(north.total.boxes[.calculating].visible.monetised == Money(cents: 25_000))
  }

  /// A reader from `view(as:)` is bounded as the ledger is.
  @Test func aViewersReaderIsRefusedOutsideTheScopeToo() throws {
    let ledger = try Self.seeded()
    ledger.readScope = try path("north")
    let south = try path("south")
    let period = try DateRange(parsing: "2026-Q2")
    let reader = ledger.view(as: .node(try path("north")))
    #expect(Self.isOutside { _ = try reader.summary(of: south) })
    #expect(Self.isOutside { _ = try reader.items(ItemQuery(scope: .node(south))) })
    #expect(Self.isOutside { _ = try reader.candidates(at: south, period: period) })
    #expect(Self.isOutside { _ = try reader.selections(at: south) })
    #expect(Self.isOutside { _ = try reader.accounts(of: south) })
    #expect(Self.isOutside { _ = try reader.account(of: south, period: period) })
    #expect(Self.isOutside { _ = try reader.inbox(of: south) })
    #expect(Self.isOutside { _ = try reader.cascadeUp(of: south) })
    #expect(Self.isOutside { _ = try reader.cascadeDown(of: south) })
    #expect(Self.isOutside { _ = try reader.pledges(under: south) })
    #expect(Self.isOutside { _ = try reader.report(of: south) })
    #expect(try reader.pledges(under: nil).map(\.node) == [try path("north/team-1")])
    #expect(try reader.cascadeUp(of: try path("north")).levels.isEmpty == false)
    ledger.readScope = nil
    #expect(try reader.pledges(under: nil).count == 2)
    #expect(try reader.inbox(of: south).isEmpty)
  }

  @Test func listsAndSeriesHoldOnlyTheScope() throws {
    let ledger = try Self.seeded()
    let query = try TimeSeriesQuery(period: .month, level: "region")
    func regions() throws -> [String] {
      var nodes: [String] = []
      try ledger.timeSeries(query) { nodes.append($0.node.description) }
      return nodes
    }
    func pledgeRegions() throws -> Set<String> {
      var nodes: Set<String> = []
      try ledger.pledgeSeries(query) { nodes.insert($0.node.description) }
      return nodes
    }
    #expect(Set(try regions()) == ["north", "south"])
    #expect(try pledgeRegions() == ["north", "south"])
    #expect(try ledger.items(ItemQuery(scope: .everything)).items.count == 2)
    #expect(try ledger.pledges(under: nil).count == 2)

    ledger.readScope = try path("north")
    #expect(Set(try regions()) == ["north"])
    #expect(try pledgeRegions() == ["north"])
    let items = try ledger.items(ItemQuery(scope: .everything)).items
    #expect(items.map(\.story) == ["north-story"])
    #expect(try ledger.pledges(under: nil).map(\.node.description) == ["north/team-1"])
    #expect(try ledger.tree().map(\.node.description) == ["north", "north/team-1"])
    // A story's history and the log are not limited: share scopes decide their texts, and
    // a history is read by default as the scope's node reads it.
    let south = try ledger.storyHistory("south-story")
    #expect(south.key == "south-story")
    #expect(!south.isShared && south.title != "The south story" && south.tellers.isEmpty)
    // Shared up to its team (the default), the north story is read whole at its team only.
    #expect(try ledger.storyHistory("north-story").share == "team")
    #expect(try !ledger.storyHistory("north-story").isShared)
    #expect(
      try ledger.storyHistory("north-story", viewer: .node(try path("north/team-1"))).title
        == "The north story")
    #expect(try ledger.storyHistory("south-story", viewer: .keeper).isShared)

    ledger.readScope = nil
    #expect(Set(try regions()) == ["north", "south"])
  }
}
