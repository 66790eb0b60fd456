import Foundation
import StoryLedger
import StoryLedgerTestSupport
import Testing

@testable import StoryLedgerCLI

/// The tool against a ledger on a server (the in-process ``StubLedgerServer``): the same
/// output as for a directory, appends recorded once whatever the network does, and the
/// server's refusals as exit codes.
@Suite("Commands against a ledger on a server")
struct RemoteCommandTests {
  private func run(
    _ server: StubLedgerServer, _ arguments: [String], input: String = "",
    token: String = "tok-1"
  ) -> Session.Result {
    let (console, capture) = Console.capturing(input: Array(input.utf8))
    let status = StoryLedgerTool.run(
      arguments,
      environment: [
        "STORYLEDGER_DIR": server.url, "STORYLEDGER_TOKEN": token, "USER": "facilitator",
      ],
      currentDirectory: FileManager.default.temporaryDirectory.path, console: console)
    return Session.Result(status: status.rawValue, output: capture.output, error: capture.error)
  }

  @discardableResult
  private func ok(
    _ server: StubLedgerServer, _ arguments: [String], input: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
  ) -> String {
    let result = run(server, arguments, input: input)
    #expect(result.status == 0, "\(arguments): \(result.error)", sourceLocation: sourceLocation)
    return result.output
  }

  /// Recording commands with their keys given, so that both ledgers hold the same keys.
  private let scenario: [([String], String)] = [
    (["node", "add", "nhs", "--name", "NHS England"], ""),
    (["node", "add", "nhs/north/trust-7", "--parents"], ""),
    (["node", "add", "nhs/south"], ""),
    (
      [
        "story", "tell", "nhs/north/trust-7", "--title", "Walking clinics", "--key", "walks",
        "--teller", "Asha", "--share", "region", "--on", "2026-03-02",
      ], "We began walking our clinics in the park."
    ),
    (
      [
        "story", "tell", "nhs/south", "--title", "Ходьба", "--key", "khod", "--text", "Пешком",
        "--on", "2026-04-01",
      ], ""
    ),
    (
      [
        "item", "add", "walks", "--dimension", "calculating", "--visibility", "visible",
        "--quantity", "120", "--unit", "appointments", "--monetised", "5400.00", "--on",
        "2026-03-03",
      ], ""
    ),
    (
      [
        "item", "add", "khod", "--dimension", "capacitating", "--visibility", "invisible", "--on",
        "2026-04-02",
      ], ""
    ),
    (["item", "evidence", "khod/i1", "--evidence", "register", "--on", "2026-04-20"], ""),
    (["item", "revise", "walks/i1", "--monetised", "6100.00", "--on", "2026-03-25"], ""),
    (["story", "retell", "walks", "--on", "2026-03-28"], "Now the walks are weekly."),
  ]

  /// Views whose output does not depend on who recorded or when.
  private let views: [[String]] = [
    ["summary", "nhs"], ["summary", "nhs", "--json"], ["tree"], ["items", "nhs"],
    ["items", "walks", "--json"], ["cascade", "up", "nhs/north/trust-7"],
    ["export", "timeseries", "--period", "month", "--level", "region"],
    ["export", "timeseries", "--period", "week", "--level", "organisation", "--format", "jsonl"],
  ]

  /// A token over a subtree reads within it: the tool limits the ledger it folded to the
  /// token's node, which `info` gives, as the server's own views are limited.
  @Test func viewsStayWithinTheTokensSubtree() throws {
    let server = try StubLedgerServer(levels: ["national", "region", "organisation"])
    for (arguments, input) in scenario { ok(server, arguments, input: input) }
    server.node = try NodePath(parsing: "nhs/north")
    for arguments in [
      ["summary", "nhs/south"], ["summary", "nhs"], ["items", "khod"], ["cascade", "up", "nhs"],
      ["accounts", "nhs/south"], ["report", "nhs", "--output", "-"],
    ] {
      let refused = run(server, arguments)
      #expect(refused.status == 77, "\(arguments): \(refused.error)")
      #expect(refused.error.contains("outside nhs/north"), "\(refused.error)")
    }
    #expect(ok(server, ["summary", "nhs/north"]).contains("nhs/north/trust-7"))
    let series = ok(server, ["export", "timeseries", "--period", "month", "--level", "region"])
    #expect(series.contains("nhs/north,") && !series.contains("nhs/south"), "\(series)")
    let items = ok(server, ["items", "--json"])
    #expect(items.contains("walks") && !items.contains("khod"))
    let tree = ok(server, ["tree"])
    #expect(tree.contains("trust-7") && !tree.contains("nhs/south"), "\(tree)")
    // An analyst reads figures, not a story's history or an inbox, as the server's routes.
    server.role = .analyst
    for arguments in [["story", "show", "walks"], ["inbox", "nhs/north"]] {
      let refused = run(server, arguments)
      #expect(refused.status == 77, "\(arguments): \(refused.error)")
      #expect(refused.error.contains("analyst reads figures and exports"), "\(refused.error)")
    }
    #expect(ok(server, ["summary", "nhs/north", "--json"]).contains("nhs/north"))
    server.role = .keeper
    server.node = nil
    #expect(
      ok(server, ["export", "timeseries", "--period", "month", "--level", "region"])
        .contains("nhs/south"))
  }

  @Test func everyCommandGivesTheSameOutputAsForADirectory() throws {
    let server = try StubLedgerServer(levels: ["national", "region", "organisation"])
    let session = try Session()
    session.ok(["init", "--levels", "national,region,organisation", "--currency", "GBP"])
    for (arguments, input) in scenario {
      let local = session.run(arguments, input: input)
      let remote = run(server, arguments, input: input)
      #expect(local.status == 0, "\(arguments): \(local.error)")
      #expect(remote.status == 0, "\(arguments): \(remote.error)")
      #expect(remote.output == local.output, "\(arguments)")
    }
    for arguments in views {
      let local = session.run(arguments)
      let remote = run(server, arguments)
      #expect(local.status == 0 && remote.status == 0, "\(arguments): \(remote.error)")
      #expect(remote.output == local.output, "\(arguments)")
    }
    // The same refusal, the same exit code.
    let local = session.run([
      "item", "add", "nobody", "--dimension", "calculating", "--visibility", "visible",
    ])
    let remote = run(
      server, ["item", "add", "nobody", "--dimension", "calculating", "--visibility", "visible"])
    #expect(local.status == 65 && remote.status == 65)
    #expect(remote.error == local.error)
    // One append per recording command, each with a key the tool made.
    let appends = server.requests.filter { $0.method == "POST" }
    #expect(appends.count == scenario.count)
    #expect(appends.allSatisfy { $0.headers["idempotency-key"]?.hasPrefix("cli-") == true })
    #expect(run(server, ["verify"]).status == 0)
  }

  @Test func anAnswerLostAfterTheAppendIsRecordedOnce() throws {
    let server = try StubLedgerServer()
    ok(server, ["node", "add", "nhs"])
    ok(server, ["story", "tell", "nhs", "--title", "T", "--key", "s1", "--text", "x"])
    var lost = 0
    server.fault = { request, committed in
      guard committed, request.path.hasSuffix("/events"), lost < 2 else { return nil }
      lost += 1
      return .failure(lost == 1 ? .timedOut : .networkConnectionLost)
    }
    let before = try server.events().count
    let result = run(
      server,
      ["item", "add", "s1", "--dimension", "calculating", "--visibility", "visible", "--json"])
    #expect(result.status == 0, "\(result.error)")
    #expect(result.output.contains(#""key":"s1/i1""#), "\(result.output)")
    let events = try server.events()
    #expect(events.count == before + 1)
    // The three sendings carried one key.
    let keys = server.requests.filter { $0.method == "POST" }.suffix(3).map {
      $0.headers["idempotency-key"]
    }
    #expect(Set(keys).count == 1)
    #expect(keys.count == 3)
  }

  @Test func anotherWritersAppendIsCaughtUpWithAndThePlanMadeAgain() throws {
    let server = try StubLedgerServer()
    ok(server, ["node", "add", "nhs"])
    ok(server, ["story", "tell", "nhs", "--title", "T", "--key", "s1", "--text", "x"])
    // Someone else adds the first item between this tool's reading and its append.
    server.beforeAppend = { log in
      let head = try? log.head()
      _ = try? log.withWriteLock(timeout: .seconds(1)) {
        try log.append(
          AppendBatch(
            events: [
              .itemRecorded(
                ItemRecorded(
                  story: "s1", item: "i1", on: try day("2026-03-01"), dimension: .calibrating,
                  facts: ItemFacts(visibility: .invisible)))
            ], actor: "other"), after: head ?? .start())
      }
    }
    let key = ok(
      server, ["item", "add", "s1", "--dimension", "calculating", "--visibility", "visible"])
    // Planned again after catching up: the next key, not a second i1.
    #expect(key == "s1/i2\n")
    let items = try server.events().compactMap { event -> String? in
      if case .itemRecorded(let item) = event.payload { return item.item }
      return nil
    }
    #expect(items == ["i1", "i2"])
    let conflicts = server.requests.filter { $0.method == "POST" }.count
    #expect(conflicts == 4)  // node, story, the refused append, the one planned again
  }

  @Test func noAnswerAtAllSaysHowToRepeatAndTheRepeatAddsNothing() throws {
    let server = try StubLedgerServer()
    ok(server, ["node", "add", "nhs"])
    server.fault = { request, committed in
      committed && request.path.hasSuffix("/events") ? .failure(.timedOut) : nil
    }
    let result = run(
      server, ["story", "tell", "nhs", "--title", "T", "--key", "s1", "--text", "x"])
    #expect(result.status == 75, "\(result.error)")
    let pattern =
      #/run the same command again with --idempotency-key (cli-[0-9a-f-]+), it will not be recorded twice/#
    let match = try #require(result.error.firstMatch(of: pattern), "\(result.error)")
    #expect(result.error.contains("may or may not have been recorded"))
    server.fault = nil
    let again = run(
      server,
      [
        "story", "tell", "nhs", "--title", "T", "--key", "s1", "--text", "x", "--idempotency-key",
        String(match.1),
      ])
    #expect(again.status == 0, "\(again.error)")
    #expect(again.error.contains("was recorded before"), "\(again.error)")
    let stories = try server.events().filter {
      if case .storyTold = $0.payload { true } else { false }
    }
    #expect(stories.count == 1)
  }

  @Test func theServersRefusalsAreExitCodesWithItsWords() throws {
    let server = try StubLedgerServer()
    ok(server, ["node", "add", "nhs"])
    server.fault = { request, _ in
      request.method == "POST"
        ? .json(
          403,
          Data(
            #"{"error":"a recorder may not change nodes; a keeper may","code":"not-allowed"}"#.utf8)
        )
        : nil
    }
    let refused = run(server, ["node", "add", "nhs/north"])
    #expect(refused.status == 77)
    #expect(
      refused.error.contains("a recorder may not change nodes; a keeper may"), "\(refused.error)")
    #expect(!refused.error.contains("tok-1"))
    server.fault = { _, _ in
      .json(401, Data(#"{"error":"the token was revoked","code":"not-allowed"}"#.utf8))
    }
    let revoked = run(server, ["tree"])
    #expect(revoked.status == 77)
    #expect(revoked.error.contains("the token was revoked"))
    server.fault = { _, _ in
      .json(404, Data(#"{"error":"no ledger north here","code":"not-found"}"#.utf8))
    }
    #expect(run(server, ["tree"]).status == 66)
    server.fault = { _, _ in
      .json(
        400, Data(#"{"error":"after is not a number","field":"after","code":"bad-request"}"#.utf8))
    }
    #expect(run(server, ["tree"]).status == 64)
    server.fault = { _, _ in .failure(.cannotConnectToHost) }
    let away = run(server, ["tree"])
    #expect(away.status == 74)
    #expect(away.error.contains("connection was refused"))
    server.fault = nil
    #expect(run(server, ["tree"], token: "").status == 77)
  }

  @Test func withdrawalWithErasureAndVerifyAreTheServers() throws {
    let server = try StubLedgerServer()
    ok(server, ["node", "add", "nhs"])
    ok(
      server,
      [
        "story", "tell", "nhs", "--title", "T", "--key", "s1", "--teller", "Asha", "--text",
        "private words",
      ])
    ok(server, ["story", "withdraw", "s1", "--erase", "--reason", "asked"])
    #expect(server.requests.contains { $0.path.hasSuffix("/erasures") })
    let told = try #require(
      try server.events().first { if case .storyTold = $0.payload { true } else { false } })
    #expect(told.isPersonalTextErased)
    let verified = run(server, ["verify", "--json"])
    #expect(verified.status == 0, "\(verified.error)")
    #expect(verified.output.contains(#""intact":true"#))
    #expect(server.requests.contains { $0.path.hasSuffix("/verify") })
  }

  @Test func writersThatNeverStopMovingTheHeadMakeItBusyAfterTheWait() throws {
    let server = try StubLedgerServer()
    ok(server, ["node", "add", "nhs"])
    server.keepsMovingHead = true
    server.beforeAppend = { log in
      _ = try? log.withWriteLock(timeout: .seconds(1)) {
        try log.append(
          AppendBatch(
            events: [
              .nodeAdded(
                NodeAdded(
                  path: try path("other\(UUID().uuidString.prefix(4).lowercased())"), name: "x"))
            ], actor: "other"),
          after: try log.head())
      }
    }
    let (console, capture) = Console.capturing()
    let status = StoryLedgerTool.run(
      ["node", "add", "nhs/north"],
      environment: [
        "STORYLEDGER_DIR": server.url, "STORYLEDGER_TOKEN": "t", "STORYLEDGER_LOCK_WAIT": "0.3",
      ],
      currentDirectory: FileManager.default.temporaryDirectory.path, console: console)
    #expect(status == .busy, "\(capture.error)")
    #expect(capture.error.contains("nothing was recorded"), "\(capture.error)")
    #expect(capture.error.contains("STORYLEDGER_LOCK_WAIT"))
    let added = try server.events().contains {
      if case .nodeAdded(let node) = $0.payload {
        node.path.description == "nhs/north"
      } else {
        false
      }
    }
    #expect(!added)
  }

  @Test func anImportIsOneBatchOnTheServerWithTheSameFigures() throws {
    let session = try Session()
    let csv = session.root.appending(path: "corpus.csv")
    session.ok(["demo", "--rows", "300", "--csv", csv.path])
    session.ok(["init", "--levels", "national,region,organisation,team", "--currency", "GBP"])
    let server = try StubLedgerServer(levels: ["national", "region", "organisation", "team"])
    let local = session.run(["import", csv.path])
    let remote = run(server, ["import", csv.path])
    #expect(local.status == 0 && remote.status == 0, "\(remote.error)")
    #expect(remote.output == local.output)
    #expect(
      server.requests.filter { $0.method == "POST" }.map(\.path) == ["/v1/ledgers/north/import"])
    for arguments in [
      ["export", "timeseries", "--period", "quarter", "--level", "region"], ["tree"],
    ] {
      let expected = session.run(arguments)
      let actual = run(server, arguments)
      #expect(expected.status == 0 && actual.status == 0, "\(actual.error)")
      #expect(actual.output == expected.output, "\(arguments)")
    }
    // Imported again: nothing added, on both.
    let again = run(server, ["import", csv.path])
    #expect(again.status == session.run(["import", csv.path]).status)
  }

  @Test func aBatchLargerThanAnAppendGoesToTheImportRouteAndIsReadBack() throws {
    let server = try StubLedgerServer()
    let store = RemoteEventStore(transport: try server.stub.transport(sleeps: Sleeps()))
    let head = try store.head()
    let count = RemoteAPI.maximumAppendEvents + 1
    let events = try (0..<count).map { index in
      EventPayload.nodeAdded(NodeAdded(path: try path("n\(index)"), name: "n\(index)"))
    }
    let (recorded, newHead) = try store.withWriteLock(timeout: .seconds(1)) {
      try store.append(AppendBatch(events: events, actor: "me"), after: head)
    }
    #expect(recorded.count == count)
    #expect(recorded.first?.sequence == head.sequence + 1)
    #expect(newHead.sequence == head.sequence + UInt64(count))
    #expect(
      server.requests.filter { $0.method == "POST" }.map(\.path) == ["/v1/ledgers/north/import"])
    #expect(try server.events().count == Int(newHead.sequence))
  }

  @Test func theTokenFileIsSentAndNeverShown() throws {
    let server = try StubLedgerServer()
    let directory = try TemporaryDirectory()
    let file = directory.url.appending(path: "token")
    try Data("file-token-9f8e\n".utf8).write(to: file)
    #expect(chmod(file.path, 0o644) == 0)
    for arguments in [
      ["--token-file", file.path, "tree"], ["tree", "--token-file=\(file.path)"],
    ] {
      let (console, capture) = Console.capturing()
      let status = StoryLedgerTool.run(
        arguments, environment: ["STORYLEDGER_DIR": server.url, "STORYLEDGER_TOKEN": "env-token"],
        currentDirectory: directory.url.path, console: console)
      #expect(status == .success, "\(capture.error)")
      #expect(capture.error.contains("can be read by every user"), "\(capture.error)")
      #expect(
        !capture.error.contains("file-token-9f8e") && !capture.output.contains("file-token-9f8e"))
    }
    #expect(server.requests.allSatisfy { $0.headers["authorization"] == "Bearer file-token-9f8e" })
  }
}
