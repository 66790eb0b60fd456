import Foundation
import StoryLedger
import StoryLedgerCLI
import Testing

/// `proxy set`, `proxies`, and `--proxy`/`--multiplier` on `item add` and `item revise`,
/// through the real commands (issue 18, point 5).
@Suite("proxies through the CLI")
struct ProxyCommandTests {
  private func setUp() throws -> Session {
    let session = try Session()
    session.ok(["init", "--levels", "region,team", "--currency", "GBP"])
    session.ok(["node", "add", "north/a", "--parents"])
    session.ok([
      "story", "tell", "north/a", "--key", "s1", "--title", "Fewer readmissions", "--text",
      "Falls fell after the walking group.", "--on", "2026-01-10",
    ])
    #expect(
      session.ok([
        "proxy", "set", "bed-day", "--value", "400", "--per", "bed-day", "--source",
        "NHS reference costs 2024", "--from", "2025-04-01",
      ]) == "bed-day")
    return session
  }

  @Test func aFigureIsComputedRecordedAsSuchAndFollowsTheProxy() throws {
    let session = try setUp()
    session.ok([
      "item", "add", "s1", "--dimension", "calculating", "--visibility", "visible", "--quantity",
      "13", "--unit", "bed-days", "--proxy", "BED-DAY", "--multiplier", "1.5", "--on",
      "2026-01-20",
    ])
    let summary = try session.json(["summary", "north"])
    let total = try #require(summary["total"] as? [String: Any])
    let boxes = try #require(total["boxes"] as? [String: [String: [String: Any]]])
    #expect(boxes["calculating"]?["visible"]?["monetised"] as? String == "7800.00")
    let change = try session.json([
      "proxy", "set", "bed-day", "--value", "420", "--per", "bed-day", "--source",
      "NHS reference costs 2025", "--from", "2026-02-15",
    ])
    #expect(change["revised"] as? [String] == ["s1/i1"])
    let show = session.ok(["story", "show", "s1"])
    #expect(show.contains("how money figures were reached:"))
    #expect(
      show.contains(
        "i1  8190.00 = 13 × 420.00 per bed-day × 1.5 (bed-day from 2026-02-15; source: NHS reference costs 2025)"
      ))
    #expect(show.contains("monetised 7800.00 from proxy bed-day × 1.5"))
    let listing = session.ok(["proxies"])
    #expect(listing.contains("bed-day  420.00  bed-day  2026-02-15  NHS reference costs 2025"))
    let log = session.ok(["log", "--type", "item.revised"])
    #expect(log.contains(#""proxy":"bed-day""#))
    #expect(log.contains(#""multiplier":"1.5""#))
    // A new quantity is priced again; a figure by hand replaces the pricing.
    session.ok(["item", "revise", "s1/i1", "--quantity", "10", "--on", "2026-03-01"])
    #expect(session.ok(["story", "show", "s1"]).contains("i1  6300.00 = 10 × 420.00"))
    session.ok(["item", "revise", "s1/i1", "--monetised", "5000", "--on", "2026-04-01"])
    #expect(!session.ok(["story", "show", "s1"]).contains("how money figures were reached"))
    session.ok(["verify"])
  }

  @Test func badProxyInputFailsWithTheFieldAndValidValues() throws {
    let session = try setUp()
    let both = session.run([
      "item", "add", "s1", "--dimension", "calculating", "--visibility", "visible", "--quantity",
      "2", "--proxy", "bed-day", "--monetised", "10",
    ])
    #expect(both.status == ExitCode.usage.rawValue)
    #expect(both.error.contains("give --monetised or --proxy, not both"))
    let unknown = session.run([
      "item", "add", "s1", "--dimension", "calculating", "--visibility", "visible", "--quantity",
      "2", "--proxy", "GP visit",
    ])
    #expect(unknown.status == ExitCode.dataError.rawValue)
    #expect(unknown.error.contains("is not a proxy of this ledger"))
    #expect(unknown.error.contains("bed-day"))
    let multiplier = session.run([
      "item", "add", "s1", "--dimension", "calculating", "--visibility", "visible", "--quantity",
      "2", "--proxy", "bed-day", "--multiplier", "-1",
    ])
    #expect(multiplier.status == ExitCode.usage.rawValue)
    #expect(multiplier.error.contains("--multiplier"))
    let missing = session.run(["proxy", "set", "GP visit", "--value", "35", "--per", "visit"])
    #expect(missing.status == ExitCode.usage.rawValue)
    #expect(missing.error.contains("missing --source"))
    let unit = session.run([
      "proxy", "set", "bed-day", "--value", "1", "--per", "night", "--source", "A table.",
    ])
    #expect(unit.status == ExitCode.dataError.rawValue)
    #expect(unit.error.contains("a proxy keeps its unit"))
    #expect(session.ok(["proxies", "--json"]).contains(#""unit":"bed-day""#))
  }
}
