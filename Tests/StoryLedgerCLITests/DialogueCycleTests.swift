import Foundation
import StoryLedger
import StoryLedgerCLI
import StoryLedgerDemo
import Testing

@Suite("The cascading dialogue through the CLI")
struct DialogueCycleTests {
  /// A small hierarchy of the demo's shape with two teams under one organisation.
  private func setUp() throws -> Session {
    let session = try Session()
    session.ok(["init", "--levels", "national,region,organisation,team", "--currency", "GBP"])
    session.ok(["node", "add", "nhs/north/trust-7/ward-1", "--parents"])
    session.ok(["node", "add", "nhs/north/trust-7/ward-2"])
    session.ok(["node", "add", "nhs/south/trust-9/ward-5", "--parents"])
    return session
  }

  @discardableResult
  private func tell(
    _ session: Session, _ node: String, key: String, title: String, text: String,
    share: String = "national", on: String = "2026-04-10", monetised: String = "100.00"
  ) -> String {
    session.ok([
      "story", "tell", node, "--key", key, "--title", title, "--text", text, "--share", share,
      "--on", on, "--teller", "Teller of \(key)",
    ])
    session.ok([
      "item", "add", key, "--dimension", "capacitating", "--visibility", "invisible", "--on", on,
    ])
    session.ok([
      "item", "add", key, "--dimension", "calculating", "--visibility", "visible", "--monetised",
      monetised, "--on", on,
    ])
    session.ok(["item", "evidence", "\(key)/i1", "--evidence", "minutes", "--on", "2026-05-20"])
    return key
  }

  @Test func aFullCycleSettlesEveryLevelAndFlowsBackDown() throws {
    let session = try setUp()
    let q2 = ["--period", "2026-Q2"]
    tell(
      session, "nhs/north/trust-7/ward-1", key: "walk", title: "Walking clinics", text: "We walked."
    )
    tell(
      session, "nhs/north/trust-7/ward-2", key: "huddle", title: "Night huddles", text: "We met.")
    tell(
      session, "nhs/north/trust-7/ward-2", key: "private", title: "Quillon's secret",
      text: "Only the ward may read this.",
      share: "team")
    tell(
      session, "nhs/south/trust-9/ward-5", key: "south", title: "Southern lights", text: "South.")
    let reason = "It shows how small habits change a whole ward."

    // Teams select and settle.
    session.ok(
      ["select", "nhs/north/trust-7/ward-1"] + q2 + ["--story", "walk", "--reason", reason])
    session.ok(
      ["select", "nhs/north/trust-7/ward-2"] + q2 + ["--story", "huddle", "--reason", reason])
    for ward in ["nhs/north/trust-7/ward-1", "nhs/north/trust-7/ward-2"] {
      session.ok(
        ["account", "propose", ward] + q2 + ["--text", "Our quarter.", "--by", "Ward lead"])
      session.ok(["account", "settle", ward] + q2 + ["--by", "Ward team"])
    }
    // The organisation's candidates are its children's selections, never the private story.
    let listing = try session.json(["select", "nhs/north/trust-7"] + q2)
    #expect(listing["candidates"] as? [String] == ["huddle", "walk"])
    let notCandidate = session.run(
      ["select", "nhs/north/trust-7"] + q2 + ["--story", "private", "--reason", reason])
    #expect(notCandidate.status == 65)
    #expect(notCandidate.error.contains("not a candidate"))
    session.ok(["select", "nhs/north/trust-7"] + q2 + ["--story", "walk", "--reason", reason])
    session.ok(
      ["account", "propose", "nhs/north/trust-7"] + q2 + ["--text", "Trust seven's quarter."])
    session.ok([
      "account", "object", "nhs/north/trust-7", "--period", "2026-Q2", "--reason",
      "The night teams are missing. Their stories came in late.", "--by", "Sam Reed",
    ])
    let blocked = session.run(["account", "settle", "nhs/north/trust-7"] + q2)
    #expect(blocked.status == 65)
    #expect(blocked.error.contains("objection 1 is still open"))
    session.ok([
      "account", "respond", "nhs/north/trust-7", "--period", "2026-Q2", "--objection", "1",
      "--text",
      "They are in the figures.",
    ])
    session.ok(["account", "settle", "nhs/north/trust-7"] + q2)
    // The frozen figures are the organisation's figures at the end of the quarter.
    let accounts = session.ok(["accounts", "nhs/north/trust-7", "--json"])
    let list = try #require(
      try JSONSerialization.jsonObject(with: Data(accounts.utf8)) as? [[String: Any]])
    let account = try #require(list.first)
    #expect(account["status"] as? String == "settled")
    #expect(account["period"] as? [String: String] == ["start": "2026-04-01", "end": "2026-06-30"])
    let figures = try #require(account["figures"] as? [String: Any])
    #expect(figures["stories"] as? Int == 3)
    #expect(figures["made_visible"] as? [Int] == [3, 0, 0])
    let summary = try session.json(["summary", "nhs/north/trust-7", "--as-of", "2026-06-30"])
    let total = try #require(summary["total"] as? [String: Any])
    #expect(
      (figures["boxes"] as? NSDictionary) == (total["boxes"] as? NSDictionary))
    #expect((account["children"] as? [Any])?.count == 2)
    #expect(
      (account["objections"] as? [[String: Any]])?.first?["response"] as? String
        == "They are in the figures.")
    #expect(account["is_stale"] as? Bool == false)

    // Up to the top.
    session.ok(["select", "nhs/north"] + q2 + ["--story", "walk", "--reason", reason])
    session.ok(["account", "propose", "nhs/north"] + q2 + ["--text", "The North."])
    session.ok(["account", "settle", "nhs/north"] + q2)
    session.ok(
      ["account", "propose", "nhs/south/trust-9/ward-5"] + q2 + ["--text", "South ward."])
    session.ok(["account", "propose", "nhs"] + q2 + ["--text", "The nation."])
    session.ok(
      ["account", "settle", "nhs"] + q2 + ["--over-objections", "The board agreed on 1 July."])
    let top = try #require(
      try JSONSerialization.jsonObject(with: Data(session.ok(["accounts", "nhs", "--json"]).utf8))
        as? [[String: Any]])
    #expect((top.first?["figures"] as? [String: Any])?["stories"] as? Int == 4)
    #expect(
      (top.first?["children"] as? [[String: Any]])?.map { $0["node"] as? String } == ["nhs/north"])

    // Feedback flows down and lands in the teams' inboxes with the settled accounts.
    session.ok([
      "feedback", "nhs/north/trust-7", "--to", "nhs/north/trust-7/ward-2", "--text",
      "Thank you, ward two.",
      "--story", "huddle",
    ])
    session.ok([
      "feedback", "nhs/north", "--to", "nhs/north/trust-7", "--subtree", "--text",
      "The North settled.",
      "--account", "2026-Q2",
    ])
    let inbox = session.ok(["inbox", "nhs/north/trust-7/ward-2", "--json"])
    let entries = try #require(
      try JSONSerialization.jsonObject(with: Data(inbox.utf8)) as? [[String: Any]])
    #expect(entries.first?["text"] as? String == "The North settled.")
    #expect(
      entries.contains {
        $0["text"] as? String == "Thank you, ward two." && $0["title"] as? String == "Night huddles"
      })
    #expect(
      entries.filter { $0["kind"] as? String == "account" }.map { $0["from"] as? String ?? "" }
        .sorted() == [
          "nhs", "nhs/north", "nhs/north/trust-7",
        ])
    #expect(entries.filter { $0["kind"] as? String == "selection" }.count == 2)
    let ward1 = session.ok(["inbox", "nhs/north/trust-7/ward-1"])
    #expect(ward1.contains("The North settled."))
    #expect(!ward1.contains("Thank you, ward two."))
    let down = try session.json(["cascade", "down", "nhs/north/trust-7/ward-2"])
    #expect((down["inbox"] as? [Any])?.count == entries.count)

    // A late story dated in the quarter makes the settled accounts above it stale.
    tell(
      session, "nhs/north/trust-7/ward-1", key: "late", title: "Late", text: "Late.",
      on: "2026-05-02")
    let stale = try #require(
      try JSONSerialization.jsonObject(
        with: Data(session.ok(["accounts", "nhs/north/trust-7", "--json"]).utf8))
        as? [[String: Any]])
    #expect(stale.first?["is_stale"] as? Bool == true)
    #expect((stale.first?["differences"] as? [String])?.contains("stories: 3 → 4") == true)
    #expect(session.ok(["accounts", "nhs"]).contains("STALE"))
    // Reopen, then object again and settle the new version.
    let objectSettled = session.run([
      "account", "object", "nhs/north/trust-7", "--period", "2026-Q2", "--reason",
      "It is stale now, surely.",
    ])
    #expect(objectSettled.status == 65 && objectSettled.error.contains("reopen it first"))
    session.ok(["account", "reopen", "nhs/north/trust-7"] + q2 + ["--reason", "A late story."])
    session.ok(
      ["account", "propose", "nhs/north/trust-7"] + q2 + ["--text", "With the late story."])
    session.ok(["account", "settle", "nhs/north/trust-7"] + q2)
    let fresh = try #require(
      try JSONSerialization.jsonObject(
        with: Data(session.ok(["accounts", "nhs/north/trust-7", "--json"]).utf8))
        as? [[String: Any]])
    #expect(fresh.first?["version"] as? Int == 2 && fresh.first?["is_stale"] as? Bool == false)
    let history = (fresh.first?["history"] as? [[String: Any]])?.map { $0["step"] as? String ?? "" }
    #expect(
      history == [
        "proposed", "objected", "responded to objection 1", "settled", "reopened", "proposed",
        "settled",
      ])
    #expect(session.run(["verify"]).status == 0)
  }

  @Test func pledgesMoveThroughTheirStatesAndExportAsASeries() throws {
    let session = try setUp()
    tell(session, "nhs/north/trust-7/ward-1", key: "walk", title: "Walking", text: "We walked.")
    let walk = session.ok([
      "pledge", "make", "nhs/north/trust-7/ward-1", "--text", "I will walk weekly.", "--by", "Asha",
      "--on", "2026-01-05", "--due", "2026-03-31",
    ])
    let route = session.ok([
      "pledge", "make", "nhs/north/trust-7", "--text", "A walking route", "--by", "Sam", "--on",
      "2026-01-10", "--if-joined", "2",
    ])
    let lapse = session.ok([
      "pledge", "make", "nhs/north/trust-7/ward-2", "--text", "Write it up", "--by", "Li", "--on",
      "2026-01-12", "--due", "2026-02-15",
    ])
    let gone = session.ok([
      "pledge", "make", "nhs/north", "--text", "Book club", "--by", "Tom", "--on", "2026-01-20",
    ])
    session.ok(["pledge", "join", route, "--by", "Marta", "--on", "2026-02-01"])
    session.ok(["pledge", "join", String(route.prefix(4)), "--by", "Kwame", "--on", "2026-03-03"])
    session.ok(["pledge", "fulfil", walk, "--story", "walk", "--on", "2026-03-20"])
    session.ok(["pledge", "withdraw", gone, "--reason", "Moved.", "--on", "2026-02-10"])
    let january = try #require(
      try JSONSerialization.jsonObject(
        with: Data(session.ok(["pledges", "--as-of", "2026-01-31", "--json"]).utf8))
        as? [[String: Any]])
    #expect(
      january.map { $0["status"] as? String } == ["active", "conditional", "active", "active"])
    let april = try #require(
      try JSONSerialization.jsonObject(with: Data(session.ok(["pledges", "--json"]).utf8))
        as? [[String: Any]])
    #expect(
      april.map { $0["status"] as? String } == ["fulfilled", "active", "lapsed", "withdrawn"])
    let summary = try session.json(["summary", "nhs", "--as-of", "2026-02-28"])
    let pledges = try #require((summary["total"] as? [String: Any])?["pledges"] as? [String: Int])
    #expect(
      pledges == [
        "made": 4, "active": 1, "conditional": 1, "fulfilled": 0, "lapsed": 1, "withdrawn": 1,
      ])
    let series = session.ok(["export", "pledges", "--period", "month", "--level", "organisation"])
    #expect(
      series.split(separator: "\n").map(String.init) == [
        PledgeSeriesRow.columns.joined(separator: ","),
        "2026-01-01,2026-01-31,nhs/north/trust-7,organisation,3,0,0,0,0,2,1",
        "2026-02-01,2026-02-28,nhs/north/trust-7,organisation,0,1,0,0,1,1,1",
        "2026-03-01,2026-03-31,nhs/north/trust-7,organisation,0,1,1,0,0,1,0",
      ])
    // Refused: joining one's own pledge or twice, fulfilling a withdrawn pledge, a condition below 1.
    for (arguments, status, message) in [
      (["pledge", "join", route, "--by", "sam"], Int32(65), "one does not join one's own pledge"),
      (["pledge", "join", route, "--by", "Marta"], 65, "has joined pledge"),
      (["pledge", "fulfil", gone, "--story", "walk"], 65, "was withdrawn"),
      (["pledge", "make", "nhs", "--text", "x", "--if-joined", "0"], 64, "at least 1"),
      (["pledge", "join", "zzz"], 65, "no pledge zzz"),
    ] {
      let before = try Data(contentsOf: session.ledger.appending(path: "events.log"))
      let result = session.run(arguments)
      #expect(result.status == status, "\(arguments): \(result.error)")
      #expect(result.error.contains(message), "\(result.error)")
      #expect(try Data(contentsOf: session.ledger.appending(path: "events.log")) == before)
    }
    _ = lapse
  }

  @Test(arguments: [
    (
      ["account", "settle", "nhs/north", "--period", "2026-Q2"], Int32(65),
      "no account of nhs/north"
    ),
    (["select", "nhs/north", "--period", "2026-Q7"], 64, "2026-Q1 (a quarter)"),
    (
      [
        "select", "nhs/north/trust-7/ward-1", "--period", "2026-Q2", "--story", "walk", "--reason",
        " … ",
      ], 65, "has only punctuation"
    ),
    (
      ["select", "nhs/north", "--period", "2026-Q2", "--story", "walk", "--reason", "It is good."],
      65, "not a candidate"
    ),
    (["feedback", "nhs/north", "--to", "nhs/south", "--text", "hi"], 65, "not a descendant"),
    (
      ["feedback", "nhs/north/trust-7", "--to", "nhs/north", "--text", "hi"], 65, "not a descendant"
    ),
    (["account", "object", "nhs/north", "--period", "2026", "--reason", "No."], 65, "no account"),
    (["accounts", "nhs/west"], 65, "no node nhs/west"),
  ])
  func badDialogueInputChangesNothing(arguments: [String], status: Int32, message: String) throws {
    let session = try setUp()
    tell(session, "nhs/north/trust-7/ward-1", key: "walk", title: "Walking", text: "We walked.")
    let before = try Data(contentsOf: session.ledger.appending(path: "events.log"))
    let result = session.run(arguments)
    #expect(result.status == status, "\(result.error)")
    #expect(result.error.contains(message), "\(result.error)")
    #expect(try Data(contentsOf: session.ledger.appending(path: "events.log")) == before)
  }

  /// Every command and export that shows text, run at every level above a story's share
  /// scope, never shows its title, tellers or narrative; at the scope's own level it does.
  @Test func aNarrativeNeverAppearsAboveItsShareScope() throws {
    let session = try setUp()
    let secrets = ["Quillon's secret", "Only the ward may read this.", "Teller of private"]
    tell(
      session, "nhs/north/trust-7/ward-2", key: "private", title: secrets[0], text: secrets[1],
      share: "team")
    tell(
      session, "nhs/north/trust-7/ward-2", key: "open", title: "Open story",
      text: "Everyone reads this.")
    let q2 = ["--period", "2026-Q2"]
    let reason = "It is the story of the quarter for us."
    session.ok(
      ["select", "nhs/north/trust-7/ward-2"] + q2 + ["--story", "private", "--reason", reason])
    session.ok(
      ["select", "nhs/north/trust-7/ward-2"] + q2 + ["--story", "open", "--reason", reason])
    session.ok(["account", "propose", "nhs/north/trust-7/ward-2"] + q2 + ["--text", "Ward two."])
    session.ok(["account", "settle", "nhs/north/trust-7/ward-2"] + q2)
    session.ok(["account", "propose", "nhs/north/trust-7"] + q2 + ["--text", "Trust."])
    session.ok([
      "feedback", "nhs/north/trust-7", "--to", "nhs/north/trust-7/ward-2", "--text", "Thanks.",
      "--story",
      "private",
    ])
    session.ok([
      "pledge", "make", "nhs/north/trust-7/ward-2", "--text", "More walks.", "--on", "2026-04-11",
    ])
    func commands(at node: String) -> [[String]] {
      [
        ["summary", node], ["summary", node, "--json"], ["tree", node, "--json"],
        ["items", node, "--json"],
        ["story", "show", "private", "--at", node],
        ["story", "show", "private", "--at", node, "--json"],
        ["cascade", "up", node, "--json"], ["cascade", "up", node],
        ["cascade", "down", node, "--json"],
        ["accounts", node], ["accounts", node, "--json"], ["inbox", node, "--json"],
        ["inbox", node],
        ["select", node] + q2, ["select", node, "--json"] + q2, ["log", "--at", node],
        ["pledges", node, "--json"],
        ["export", "timeseries", "--period", "month", "--level", "organisation"],
        ["export", "pledges", "--period", "month", "--level", "organisation"],
      ]
    }
    var checked = 0
    for node in ["nhs/north/trust-7", "nhs/north", "nhs"] {
      for command in commands(at: node) {
        let result = session.run(command)
        #expect(result.status == 0, "\(command): \(result.error)")
        for secret in secrets {
          #expect(!result.output.contains(secret), "\(command) shows \"\(secret)\"")
        }
        checked += 1
      }
    }
    #expect(checked == 57)
    // At the team's own level the story reads in full, so the checks above can fail.
    let own = session.ok(["story", "show", "private", "--at", "nhs/north/trust-7/ward-2"])
    for secret in secrets { #expect(own.contains(secret)) }
    #expect(session.ok(["log", "--at", "nhs/north/trust-7/ward-2"]).contains(secrets[1]))
    let trustView = session.ok(["story", "show", "private", "--at", "nhs/north/trust-7"])
    #expect(trustView.contains("shared only up to team level"))
    #expect(session.ok(["story", "show", "open", "--at", "nhs"]).contains("Everyone reads this."))
  }
}

@Suite("The dialogue on the demo ledger")
struct DemoDialogueTests {
  /// The demo records a round of the dialogue for 2026-Q1 down its richest branch: every
  /// account on the branch is settled bottom up, the figures are the ledger's, what was
  /// selected and settled comes down to the teams, share scopes hold, and a late story makes
  /// the settled accounts above it stale.
  @Test func theDemoRoundSettlesEveryLevelAndALateStoryMakesItStale() throws {
    let session = try Session()
    session.ok(["demo", "--rows", "2000", "--into", "ledger"])
    let top = try #require(
      try JSONSerialization.jsonObject(with: Data(session.ok(["accounts", "nhs", "--json"]).utf8))
        as? [[String: Any]])
    let account = try #require(top.first)
    #expect(account["status"] as? String == "settled")
    #expect(account["is_stale"] as? Bool == false)
    // The frozen figures are the ledger's figures at the end of the quarter.
    let summary = try session.json(["summary", "nhs", "--as-of", "2026-03-31", "--no-trend"])
    let total = try #require(summary["total"] as? [String: Any])
    let figures = try #require(account["figures"] as? [String: Any])
    #expect((figures["boxes"] as? NSDictionary) == (total["boxes"] as? NSDictionary))
    #expect(figures["stories"] as? Int == total["stories"] as? Int)
    // The branch: the region and organisation the top account took in, each settled.
    let region = try #require((account["children"] as? [[String: Any]])?.first?["node"] as? String)
    let regional = try #require(
      try JSONSerialization.jsonObject(with: Data(session.ok(["accounts", region, "--json"]).utf8))
        as? [[String: Any]])
    #expect(regional.first?["status"] as? String == "settled")
    let organisation = try #require(
      (regional.first?["children"] as? [[String: Any]])?.first?["node"] as? String)
    let organisational = try #require(
      try JSONSerialization.jsonObject(
        with: Data(session.ok(["accounts", organisation, "--json"]).utf8)) as? [[String: Any]])
    let objections = try #require(organisational.first?["objections"] as? [[String: Any]])
    #expect(objections.count == 1 && objections.first?["response"] != nil)
    // What came down reaches the organisation's teams, titles only within their scope.
    let tree = try #require(
      try JSONSerialization.jsonObject(
        with: Data(session.ok(["tree", organisation, "--depth", "1", "--json"]).utf8))
        as? [[String: Any]])
    let team = try #require(tree.last?["node"] as? String)
    let inbox = try #require(
      try JSONSerialization.jsonObject(with: Data(session.ok(["inbox", team, "--json"]).utf8))
        as? [[String: Any]])
    #expect(
      Set(inbox.compactMap { $0["kind"] as? String }) == ["account", "selection", "feedback"])
    for entry in inbox {
      if let story = entry["story"] as? String {
        let shown = session.ok(["story", "show", story, "--at", team, "--json"])
        let readable =
          (try JSONSerialization.jsonObject(with: Data(shown.utf8)) as? [String: Any])?[
            "is_shared"] as? Bool
        #expect((entry["title"] != nil) == (readable == true), "\(story) at \(team)")
      }
    }
    // A late story, dated in the quarter, makes every settled account above it stale.
    session.ok([
      "story", "tell", team, "--title", "A late story", "--text", "Told late.", "--on",
      "2026-02-02",
    ])
    for node in ["nhs", region, organisation] {
      let accounts = try #require(
        try JSONSerialization.jsonObject(with: Data(session.ok(["accounts", node, "--json"]).utf8))
          as? [[String: Any]])
      #expect(accounts.first?["is_stale"] as? Bool == true, "\(node)")
    }
    #expect(session.run(["verify"]).status == 0)
  }
}
