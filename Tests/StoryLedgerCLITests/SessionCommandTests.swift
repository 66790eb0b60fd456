import Foundation
import StoryLedger
import StoryLedgerCLI
import Testing

@Suite("Sessions through the CLI")
struct SessionCommandTests {
  private func setUp() throws -> Session {
    let session = try Session()
    session.ok(["init", "--levels", "national,region,organisation,team", "--currency", "GBP"])
    session.ok(["node", "add", "nhs/north/trust-7/ward-1", "--parents"])
    session.ok(["node", "add", "nhs/north/trust-7/ward-2"])
    return session
  }

  /// The type of each event `session show KEY --json` lists.
  private func types(_ session: Session, _ key: String) throws -> [String] {
    let shown = try session.json(["session", "show", key, "--at", "nhs"])
    let events = try #require(shown["events"] as? [[String: Any]])
    return events.compactMap { $0["type"] as? String }
  }

  @Test func everyRecordingCommandRecordsInASession() throws {
    let session = try setUp()
    let key = session.ok([
      "session", "start", "nhs/north/trust-7", "--facilitator", "Amina Yusuf", "--with",
      "Jo Bloggs", "--with", "Кирилл", "--on", "2026-04-20", "--note", "Ward story circle",
    ])
    #expect(key.hasPrefix("s") && key.count == 7)
    let within = ["--session", key]
    let ward = "nhs/north/trust-7/ward-1"
    session.ok(
      [
        "story", "tell", ward, "--key", "walk", "--title", "Night walks", "--text", "We walked.",
        "--share", "national", "--on", "2026-04-20",
      ] + within)
    session.ok(["story", "retell", "walk", "--text", "Again.", "--on", "2026-04-21"] + within)
    session.ok(["story", "update", "walk", "--tag", "nights"] + within)
    session.ok(
      [
        "item", "add", "walk", "--dimension", "capacitating", "--visibility", "invisible", "--on",
        "2026-04-20",
      ] + within)
    session.ok(["item", "revise", "walk/i1", "--weight", "4", "--on", "2026-04-21"] + within)
    session.ok(
      ["item", "evidence", "walk/i1", "--evidence", "minutes", "--on", "2026-04-22"] + within)
    session.ok(["story", "answer", "walk", "--question", "Who?", "--text", "nurses"] + within)
    let q2 = ["--period", "2026-Q2"]
    session.ok(
      ["select", ward] + q2 + [
        "--story", "walk", "--reason", "Il a changé les nuits.", "--by", "Ana", "--by", "Dilnoza",
      ] + within)
    session.ok(["account", "propose", ward] + q2 + ["--text", "Our quarter."] + within)
    session.ok(["account", "object", ward] + q2 + ["--reason", "Missing nights."] + within)
    session.ok(
      ["account", "respond", ward] + q2 + ["--objection", "1", "--text", "Added."] + within)
    session.ok(["account", "settle", ward] + q2 + within)
    session.ok(["account", "reopen", ward] + q2 + ["--reason", "New evidence."] + within)
    session.ok(
      ["feedback", "nhs/north/trust-7", "--to", ward, "--text", "Thank you.", "--story", "walk"]
        + within)
    session.ok(
      ["pledge", "make", ward, "--text", "Walk weekly.", "--key", "p1", "--on", "2026-04-20"]
        + within)
    session.ok(["pledge", "join", "p1", "--by", "Kwame", "--on", "2026-04-21"] + within)
    session.ok(["pledge", "fulfil", "p1", "--story", "walk", "--on", "2026-04-22"] + within)
    session.ok(
      ["pledge", "make", ward, "--text", "Sing.", "--key", "p2", "--on", "2026-04-20"] + within)
    session.ok(["pledge", "withdraw", "p2", "--on", "2026-04-23"] + within)
    session.ok(["story", "withdraw", "walk", "--reason", "asked"] + within)
    // Recorded without the session: not listed.
    session.ok(["pledge", "make", ward, "--text", "Outside.", "--key", "p3"])

    #expect(
      try types(session, key) == [
        "story.told", "story.telling", "story.telling", "story.updated", "item.recorded",
        "item.revised", "item.revised", "story.answered", "stories.selected", "account.proposed",
        "account.objected", "account.responded", "account.settled", "account.reopened",
        "feedback.sent", "pledge.made", "pledge.joined", "pledge.fulfilled", "pledge.made",
        "pledge.withdrawn", "story.withdrawn",
      ])
    let shown = try session.json(["session", "show", key])
    #expect(shown["facilitator"] as? String == "Amina Yusuf")
    #expect(shown["with"] as? [String] == ["Jo Bloggs", "Кирилл"])
    #expect(shown["note"] as? String == "Ward story circle")
    let text = session.ok(["session", "show", key])
    #expect(text.contains("stories.selected  at \(ward) for 2026-Q2 by Ana, Dilnoza: walk"))
    let listing = session.ok(["sessions", "nhs/north"])
    #expect(
      listing.contains(
        "\(key)  2026-04-20  nhs/north/trust-7  Amina Yusuf  +2 taking part  21 events"))
    #expect(session.ok(["sessions", ward]) == "no sessions at or under \(ward)")
    // The panel shows where a selection's `by` shows.
    #expect(session.ok(["select", ward] + q2).contains("(by Ana, Dilnoza, session \(key))"))
  }

  @Test func aSessionIsCheckedAndNothingIsWrittenOnError() throws {
    let session = try setUp()
    let key = session.ok([
      "session", "start", "nhs/north/trust-7/ward-2", "--facilitator", "Lin", "--key", "ward2",
    ])
    #expect(key == "ward2")
    let before = try session.ledgerBytes()
    let outside = session.run([
      "story", "tell", "nhs/north/trust-7/ward-1", "--title", "T", "--text", "N.", "--session",
      "ward2",
    ])
    #expect(outside.status == 65)
    #expect(outside.error.contains("session ward2 is held at nhs/north/trust-7/ward-2"))
    let missing = session.run([
      "story", "tell", "nhs/north/trust-7/ward-2", "--title", "T", "--text", "N.", "--session",
      "nope",
    ])
    #expect(missing.status == 65)
    #expect(missing.error.contains("no session nope"))
    #expect(try session.ledgerBytes().map(\.1) == before.map(\.1))
    #expect(session.run(["session", "start", "nhs"]).status == 64)
    #expect(
      session.run(["session", "start", "nhs", "--facilitator", "Lin", "--key", "ward2"]).status
        == 65)
    #expect(session.run(["session", "show", "nope"]).status == 65)
  }

  @Test func erasingAPersonErasesThemFromSessions() throws {
    let session = try setUp()
    session.ok([
      "session", "start", "nhs/north", "--facilitator", "Zoë", "--with", "Ngozi", "--key", "s1",
    ])
    session.ok([
      "story", "tell", "nhs/north", "--title", "T", "--text", "x", "--on", "2026-04-20", "--key",
      "st",
    ])
    session.ok([
      "select", "nhs/north", "--period", "2026-Q2", "--story", "st", "--reason", "Because.",
      "--by", "Ngozi", "--session", "s1",
    ])
    let erased = try session.json(["erase", "person", "Ngozi"])
    #expect((erased["erased"] as? [Any])?.count == 2)
    let shown = try session.json(["session", "show", "s1"])
    #expect(shown["facilitator"] as? String == "(erased)")
    #expect(shown["with"] as? [String] == [])
    // The text names the erased selector as every other view does, not with a blank.
    let text = session.ok(["session", "show", "s1"])
    #expect(text.contains("for 2026-Q2 by (erased): st"), "\(text)")
    #expect(!text.contains("Ngozi"))
    #expect(session.run(["verify"]).status == 0)
    // A name that still tells a story is named with the way to erase it there.
    session.ok([
      "story", "tell", "nhs/north", "--title", "U", "--text", "y", "--teller", "Zoë", "--key",
      "zt",
    ])
    let again = session.run(["erase", "person", " Zoë "])
    #expect(again.status == 0)
    #expect(
      again.error.contains("note: the name is still a teller of 1 story (zt)"), "\(again.error)")
    #expect(again.error.contains("story withdraw STORY --erase"))
    #expect(!session.run(["erase", "person", "Ngozi"]).error.contains("still a teller"))
  }

  /// The demo's round meets in sessions: each place that settles holds one, panels select
  /// above the teams, and the story it names travels up several levels, which its path shows.
  @Test func theDemoMeetsInSessionsAndShowsAStorysPath() throws {
    let session = try Session()
    let result = session.run(["demo", "--rows", "2000", "--into", "ledger"])
    #expect(result.status == 0)
    let story = try #require(
      result.error.split(separator: "\n").first { $0.contains("story show") }?.split(
        separator: " "
      ).last.map(String.init))
    let listed = try #require(
      try JSONSerialization.jsonObject(with: Data(session.ok(["sessions", "--json"]).utf8))
        as? [[String: Any]])
    #expect(listed.count == 5)
    #expect(
      listed.map { $0["session"] as? String } == ["meet-1", "meet-2", "meet-3", "meet-4", "meet-5"])
    #expect(Set(listed.compactMap { $0["facilitator"] as? String }).count == 5)
    for meeting in listed {
      let key = try #require(meeting["session"] as? String)
      let types = try types(session, key)
      #expect(types.contains("account.settled"), "\(key)")
    }
    let shown = try session.json(["story", "show", story, "--at", "nhs"])
    let entries = try #require(shown["entries"] as? [[String: Any]])
    let selections = entries.filter { $0["kind"] as? String == "selected" }
    #expect(selections.count >= 2)
    #expect(selections.allSatisfy { $0["session"] is String })
    #expect(selections.contains { ($0["panel"] as? [String])?.count == 3 })
    // The session series: the four sessions of the midlands' branch in 2026-Q2 (the top's
    // session is above the level and left out).
    let csv = session.ok(["export", "sessions", "--period", "quarter", "--level", "region"])
    let lines = csv.split(separator: "\n").map(String.init)
    #expect(lines.first == SessionSeriesRow.columns.joined(separator: ","))
    let midlands = try #require(lines.first { $0.hasPrefix("2026-04-01,2026-06-30,nhs/midlands,") })
    let cells = midlands.split(separator: ",").map(String.init)
    #expect(cells[4] == "4")
    #expect(cells[7] == "0" && Int(cells[10]) ?? 0 >= 4 && Int(cells[11]) ?? 0 >= 8)
    #expect(
      session.run(["export", "sessions", "--period", "quarter", "--level", "galaxy"]).status == 64)
    #expect(session.run(["export", "sessions", "--level", "region"]).status == 64)
  }
}
