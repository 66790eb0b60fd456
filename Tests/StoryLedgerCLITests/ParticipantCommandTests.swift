import Foundation
import StoryLedger
import StoryLedgerCLI
import Testing

/// `participant add`, `participants`, `export voices` and `erase person` on a description,
/// through the real commands (issue 18, point 6).
@Suite("participants and the voices series through the CLI")
struct ParticipantCommandTests {
  private func setUp() throws -> Session {
    let session = try Session()
    session.ok(["init", "--levels", "national,region,organisation"])
    session.ok(["node", "add", "nhs/north/trust-7", "--parents"])
    #expect(
      session.ok([
        "participant", "add", "Amaka Obi", "--attribute", "role=patient", "--attribute",
        "group=carers", "--consent", "2026-01-05",
      ]) == "Amaka Obi")
    session.ok(["participant", "add", "Dilnoza Karimova", "--attribute", "роль=медсестра"])
    for (key, teller, on) in [
      ("walk", "Amaka Obi", "2026-01-10"), ("rota", "Dilnoza Karimova", "2026-02-02"),
    ] {
      session.ok([
        "story", "tell", "nhs/north/trust-7", "--key", key, "--title", key, "--teller", teller,
        "--text", "What changed for us.", "--on", on, "--share", "national",
      ])
    }
    session.ok([
      "select", "nhs/north/trust-7", "--period", "2026-Q1", "--story", "walk", "--reason",
      "Walking built trust.",
    ])
    return session
  }

  @Test func participantsAreDescribedListedAndCountedInTheVoicesSeries() throws {
    let session = try setUp()
    let listing = session.ok(["participants"])
    #expect(listing.contains("Amaka Obi"))
    #expect(listing.contains("group=carers, role=patient"))
    let people =
      try JSONSerialization.jsonObject(with: Data(session.ok(["participants", "--json"]).utf8))
      as? [[String: Any]]
    #expect(people?.map { $0["name"] as? String } == ["Amaka Obi", "Dilnoza Karimova"])
    #expect(people?.first?["consent"] as? String == "2026-01-05")
    #expect(people?.first?["stories"] as? Int == 1)
    // Saying the same again records nothing, and says so.
    let same = session.run(["participant", "add", "Amaka Obi", "--attribute", "ROLE=patient"])
    #expect(same.status == 0)
    #expect(same.error.contains("nothing was recorded"))
    let csv = session.ok(["export", "voices", "--period", "quarter", "--level", "organisation"])
    let rows = csv.split(separator: "\n").map(String.init)
    #expect(rows.first == VoiceSeriesRow.columns.joined(separator: ","))
    #expect(
      rows.contains("2026-01-01,2026-03-31,nhs/north/trust-7,organisation,(all),(all),2,2,2,1"))
    #expect(
      rows.contains(
        "2026-01-01,2026-03-31,nhs/north/trust-7,organisation,role,patient,1,1,1,1"))
    // Dilnoza's consent is not recorded: her attributes are not used.
    #expect(
      rows.contains(
        "2026-01-01,2026-03-31,nhs/north/trust-7,organisation,role,(no consent),1,1,1,0"))
    #expect(!csv.contains("роль"))
    session.ok(["participant", "add", "Dilnoza Karimova", "--consent", "2026-02-01"])
    let after = session.ok([
      "export", "voices", "--period", "quarter", "--level", "organisation", "--format", "jsonl",
    ])
    #expect(after.contains(#""attribute":"роль","value":"медсестра","stories_told":1"#))
  }

  @Test func badAttributesFailWithTheFieldAndErasureLeavesNothing() throws {
    let session = try setUp()
    let malformed = session.run(["participant", "add", "Amaka Obi", "--attribute", "patient"])
    #expect(malformed.status == ExitCode.usage.rawValue)
    #expect(malformed.error.contains("--attribute"))
    #expect(malformed.error.contains("KEY=VALUE"))
    let twice = session.run([
      "participant", "add", "Sam", "--attribute", "role=a", "--attribute", "Role=b",
    ])
    #expect(twice.status == 0)
    // Role is the role in use: the second value replaces the first.
    #expect(session.ok(["participants"]).contains("role=b"))
    let badDate = session.run(["participant", "add", "Sam", "--consent", "2026-13-01"])
    #expect(badDate.status == ExitCode.usage.rawValue)
    #expect(badDate.error.contains("--consent"))
    session.ok(["erase", "person", "Amaka Obi", "--reason", "asked to be forgotten"])
    #expect(!session.ok(["participants"]).contains("Amaka"))
    #expect(!session.ok(["log"]).contains("patient"))
    session.ok(["verify"])
    let csv = session.ok(["export", "voices", "--period", "quarter", "--level", "organisation"])
    #expect(!csv.contains("patient"))
  }
}
