import Foundation
import StoryLedger
import StoryLedgerCLI
import Testing

/// `domain add`, `campaign add`, `story group` and the `--domain`/`--campaign` options of
/// `story tell`, `select`, `summary` and the exports, through the real commands (issue 18,
/// points 3 and 7).
@Suite("domains and campaigns through the CLI")
struct GroupingCommandTests {
  private func setUp() throws -> Session {
    let session = try Session()
    session.ok(["init", "--levels", "national,region,organisation", "--currency", "GBP"])
    session.ok(["node", "add", "nhs/north/trust-7", "--parents"])
    session.ok(["node", "add", "nhs/south/trust-9", "--parents"])
    #expect(
      session.ok([
        "domain", "add", "Changes in people's lives", "--description",
        "What changed for patients.",
      ]) == "Changes in people's lives")
    session.ok(["domain", "add", "Изменения в работе команд"])
    session.ok(["campaign", "add", "Change Day 2026"])
    session.ok([
      "story", "tell", "nhs/north/trust-7", "--key", "walk", "--title", "Walking", "--text",
      "We walk.", "--on", "2026-01-10", "--domain", "changes in people's lives", "--campaign",
      "Change Day 2026",
    ])
    session.ok([
      "story", "tell", "nhs/south/trust-9", "--key", "huddle", "--title", "Huddles", "--text",
      "We meet.", "--on", "2026-01-12", "--domain", "Изменения в работе команд",
    ])
    for (story, money) in [("walk", "100.00"), ("huddle", "40.00")] {
      session.ok([
        "item", "add", story, "--dimension", "calculating", "--visibility", "visible",
        "--monetised", money, "--description", "saved", "--on", "2026-01-20",
      ])
    }
    return session
  }

  @Test func storiesAreToldGroupedAndCountedByCampaign() throws {
    let session = try setUp()
    let show = session.ok(["story", "show", "walk"])
    #expect(show.contains("domain   Changes in people's lives"))
    #expect(show.contains("campaigns Change Day 2026"))
    let summary = try session.json(["summary", "nhs", "--campaign", "change day 2026"])
    #expect(summary["campaign"] as? String == "Change Day 2026")
    let total = try #require(summary["total"] as? [String: Any])
    #expect(total["stories"] as? Int == 1)
    // Joining the campaign later counts the other story too.
    session.ok(["story", "group", "huddle", "--campaign", "Change Day 2026"])
    let after = try session.json(["summary", "nhs", "--campaign", "Change Day 2026"])
    #expect((after["total"] as? [String: Any])?["stories"] as? Int == 2)
    #expect(session.ok(["campaigns"]).contains("Change Day 2026        2"))
    session.ok(["story", "group", "huddle", "--leave", "Change Day 2026", "--no-domain"])
    #expect(!session.ok(["story", "show", "huddle"]).contains("domain "))
    let csv = session.ok([
      "export", "timeseries", "--period", "quarter", "--level", "region", "--domain",
      "Changes in people's lives",
    ])
    #expect(
      csv.split(separator: "\n").filter { $0.contains(",calculating,") } == [
        "2026-01-01,2026-03-31,nhs/north,region,calculating,1,1,0,1,0,100.00,0.00"
      ])
  }

  @Test func aSelectionPerDomainListsAndRecordsItsDomain() throws {
    let session = try setUp()
    let listing = session.ok([
      "select", "nhs/north/trust-7", "--period", "2026-Q1", "--domain", "Изменения в работе команд",
    ])
    #expect(listing.contains("in domain Изменения в работе команд:\n  (none)"))
    session.ok([
      "select", "nhs/north/trust-7", "--period", "2026-Q1", "--domain",
      "Changes in people's lives", "--story", "walk", "--reason", "Walking built trust.",
    ])
    #expect(
      session.ok(["select", "nhs/north/trust-7", "--period", "2026-Q1"]).contains(
        "domain Changes in people's lives"))
  }

  @Test func unknownNamesAndRepeatedDefinitionsFailWithTheValidValues() throws {
    let session = try setUp()
    let unknown = session.run([
      "export", "ratings", "--period", "month", "--level", "region", "--campaign", "Nope",
    ])
    #expect(unknown.status == ExitCode.usage.rawValue)
    #expect(unknown.error.contains("--campaign \"Nope\" is not a campaign of this ledger"))
    #expect(unknown.error.contains("Change Day 2026"))
    let twice = session.run(["domain", "add", "CHANGES IN PEOPLE'S LIVES"])
    #expect(twice.status == ExitCode.dataError.rawValue)
    #expect(twice.error.contains("already exists"))
    let nothing = session.run(["story", "group", "walk"])
    #expect(nothing.status == ExitCode.usage.rawValue)
    let leave = session.run(["story", "group", "huddle", "--leave", "Change Day 2026"])
    #expect(leave.status == ExitCode.dataError.rawValue)
    #expect(leave.error.contains("is not in campaign Change Day 2026"))
    let domains =
      try JSONSerialization.jsonObject(
        with: Data(session.ok(["domains", "--json"]).utf8)) as? [[String: Any]]
    #expect(
      domains?.map { $0["name"] as? String } == [
        "Changes in people's lives", "Изменения в работе команд",
      ])
  }
}
