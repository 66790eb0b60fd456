import Foundation
import LedgerServer
import StoryLedger
import Testing

/// Every route tried with every role from inside and outside its subtree, and with no,
/// malformed, unknown, expired and revoked tokens, against a real server process: allowed
/// exactly where the roles table of "Running a shared ledger" says, refused writes recorded
/// nowhere, and no narrative or teller above its share scope in any answer.
@Suite(.serialized, .enabled(if: Fixture.url != nil, "no PostgreSQL server configured"))
struct AccessTests {
  /// The reference table, written out by hand (not computed by RemoteAccess): for each
  /// request, the roles allowed from inside the subtree and from outside it.
  struct Case: Sendable {
    var name: String
    var method: String
    var route: RemoteRoute
    var query: [String: String] = [:]
    var body: (@Sendable (RemoteRole) throws -> Data)? = nil
    var inside: Set<RemoteRole>
    var outside: Set<RemoteRole>
    var success = 200
  }

  static let all = Set(RemoteRole.allCases)
  static let ward = "nhs/north/trust-7/ward-1"
  static let day = "2026-05-01"

  static func cases() -> [Case] {
    let node = ["node": ward]
    let notAnalyst: Set<RemoteRole> = [.recorder, .facilitator, .keeper]
    func events(_ make: @escaping @Sendable (RemoteRole) throws -> [EventPayload])
      -> @Sendable (
        RemoteRole
      ) throws -> Data
    {
      { role in try RemoteAPI.encoder().encode(try RemoteAppendRequest(events: try make(role))) }
    }
    return [
      Case(name: "info", method: "GET", route: .info, inside: all, outside: all),
      Case(name: "head", method: "GET", route: .head, inside: all, outside: all),
      Case(name: "records", method: "GET", route: .records, inside: all, outside: all),
      Case(name: "log", method: "GET", route: .log, inside: all, outside: all),
      Case(
        name: "retell", method: "POST", route: .events,
        body: events { _ in
          [
            .tellingRecorded(
              TellingRecorded(story: "s1", on: try Day(parsing: day), narrative: "again"))
          ]
        }, inside: notAnalyst, outside: [], success: 201),
      Case(
        name: "feedback", method: "POST", route: .events,
        body: events { role in
          [
            .feedbackSent(
              FeedbackSent(
                from: try NodePath(parsing: "nhs/north/trust-7"), to: try NodePath(parsing: ward),
                toSubtree: false, by: "\(role)", text: "thank you"))
          ]
        }, inside: [.facilitator, .keeper], outside: [], success: 201),
      Case(
        name: "add node", method: "POST", route: .events,
        body: events { role in
          [.nodeAdded(NodeAdded(path: try NodePath(parsing: "nhs/north/new-\(role)"), name: "New"))]
        }, inside: [.keeper], outside: [], success: 201),
      Case(
        name: "erase nothing", method: "POST", route: .erasures,
        body: { _ in try RemoteAPI.encoder().encode(RemoteErasureRequest(sequences: [])) },
        inside: [.keeper], outside: [.keeper]),
      Case(
        name: "import", method: "POST", route: .importEvents,
        body: { role in
          let header = try RemoteAPI.encoder().encode(
            RemoteImportHeader(expectedHead: nil, idempotencyKey: nil, eventCount: 1))
          let event = try RemoteAppendRequest.encode(
            .nodeAdded(
              NodeAdded(path: try NodePath(parsing: "nhs/north/imported-\(role)"), name: "I")))
          return header + Data("\n\"\(event)\"\n".utf8)
        }, inside: [.keeper], outside: [], success: 201),
      Case(name: "verify", method: "GET", route: .verify, inside: [.keeper], outside: [.keeper]),
      Case(name: "summary", method: "GET", route: .summary, query: node, inside: all, outside: []),
      Case(name: "tree", method: "GET", route: .tree, query: node, inside: all, outside: []),
      Case(
        name: "story", method: "GET", route: .story, query: ["story": "s1"], inside: notAnalyst,
        outside: notAnalyst),
      Case(name: "items", method: "GET", route: .items, query: node, inside: all, outside: []),
      Case(
        name: "cascade up", method: "GET", route: .cascadeUp, query: node, inside: all, outside: []),
      Case(
        name: "cascade down", method: "GET", route: .cascadeDown, query: node, inside: all,
        outside: []),
      Case(
        name: "inbox", method: "GET", route: .inbox, query: node, inside: notAnalyst, outside: []),
      Case(
        name: "accounts", method: "GET", route: .accounts, query: node, inside: all, outside: []),
      Case(name: "pledges", method: "GET", route: .pledges, query: node, inside: all, outside: []),
      Case(
        name: "export timeseries", method: "GET", route: .exportTimeseries,
        query: ["level": "team"], inside: all, outside: all),
      Case(name: "export pledges", method: "GET", route: .exportPledges, inside: all, outside: all),
      Case(name: "report", method: "GET", route: .report, query: node, inside: all, outside: []),
    ]
  }

  @Test func everyRouteByRoleAndSubtree() async throws {
    let (ledger, admin) = try await Fixture.ledger()
    let server = try ServerProcess.start(postgres: try #require(Fixture.url))
    defer { server.stop() }
    let client = server.client
    var tokens: [String: String] = [:]
    for role in RemoteRole.allCases {
      tokens["\(role) inside"] = try await Fixture.token(
        admin, ledger: ledger, role: role, node: "nhs/north"
      ).token
      tokens["\(role) outside"] = try await Fixture.token(
        admin, ledger: ledger, role: role, node: "nhs/south"
      ).token
    }
    // Every route covered by the table.
    let covered = Set(Self.cases().map(\.route))
    #expect(covered == Set(RemoteRoute.allCases.filter { !$0.isServerRoute }))

    for test in Self.cases() {
      for role in RemoteRole.allCases {
        for place in ["inside", "outside"] {
          let token = try #require(tokens["\(role) \(place)"])
          let before = try await client.get(.head, ledger: ledger, token: token).decode(
            RemoteHead.self)
          let answer = try await client.send(
            test.method, RemoteAPI.path(test.route, ledger: ledger), query: test.query,
            token: token, body: try test.body?(role))
          let allowed = (place == "inside" ? test.inside : test.outside).contains(role)
          #expect(
            answer.status == (allowed ? test.success : 403),
            "\(test.name) as \(role) \(place): \(answer.status) \(answer.text.prefix(300))")
          if !allowed {
            #expect(answer.error?.code == "not-allowed", "\(test.name) as \(role) \(place)")
            #expect(answer.error?.exitCode == 77)
            let after = try await client.get(.head, ledger: ledger, token: token).decode(
              RemoteHead.self)
            #expect(after == before, "a refused \(test.name) recorded something")
          }
        }
      }
    }
  }

  /// A story named by the start of its key is the same story: a token outside its node is
  /// refused its items whichever way the key is written.
  @Test func aStoryKeyPrefixDoesNotReachOutsideTheSubtree() async throws {
    let (ledger, admin) = try await Fixture.ledger()
    let server = try ServerProcess.start(postgres: try #require(Fixture.url))
    defer { server.stop() }
    let south = try await Fixture.token(admin, ledger: ledger, role: .analyst, node: "nhs/south")
    let north = try await Fixture.token(admin, ledger: ledger, role: .analyst, node: "nhs/north")
    for key in ["s1", "s"] {
      let refused = try await server.client.send(
        "GET", RemoteAPI.path(.items, ledger: ledger), query: ["story": key],
        token: south.token)
      #expect(refused.status == 403, "items of \(key) from nhs/south: \(refused.text)")
      #expect(refused.error?.code == "not-allowed")
      let answered = try await server.client.send(
        "GET", RemoteAPI.path(.items, ledger: ledger), query: ["story": key],
        token: north.token)
      #expect(answered.status == 200, "items of \(key) from nhs/north: \(answered.text)")
      #expect(try answered.decode(ItemList.self).items.map(\.story) == ["s1"])
    }
    // With a second story under nhs/south, "s" names two stories: the answer names neither,
    // since listing them would show the southern story's title to a northern token.
    let store = try PostgresEventStore(
      configuration: try admin.postgres.withTable(Directory.eventsTable(ledger)))
    defer { store.close() }
    let title = "Southern title only trust 9 may read"
    try Ledger(store: store, actor: "test").tellStory(
      Ledger.NewStory(
        node: try NodePath(parsing: "nhs/south/trust-9/ward-5"), title: title,
        narrative: "What happened on ward five.", on: try Day(parsing: "2026-04-11"),
        tellers: ["Ward five"], share: "organisation", key: "s2"))
    let facilitator = try await Fixture.token(
      admin, ledger: ledger, role: .facilitator, node: "nhs/north")
    for route in [RemoteRoute.items, .story] {
      let ambiguous = try await server.client.send(
        "GET", RemoteAPI.path(route, ledger: ledger), query: ["story": "s"],
        token: facilitator.token)
      #expect(ambiguous.status == 400, "\(route): \(ambiguous.text)")
      #expect(ambiguous.error?.field == "story")
      #expect(!ambiguous.text.contains(title) && !ambiguous.text.contains("s2"), "\(route)")
    }
  }

  @Test func tokensThatDoNotOpenTheLedger() async throws {
    let (ledger, admin) = try await Fixture.ledger()
    let (other, _) = try await Fixture.ledger()
    let server = try ServerProcess.start(postgres: try #require(Fixture.url))
    defer { server.stop() }
    let client = server.client
    // Long enough to be used once even when the tests running beside this one hold its
    // task pool for a few seconds.
    let expiry = Date().addingTimeInterval(5)
    let expiring = try await Fixture.token(
      admin, ledger: ledger, role: .keeper, node: nil, expires: expiry)
    let revoked = try await Fixture.token(admin, ledger: ledger, role: .keeper, node: nil)
    let elsewhere = try await Fixture.token(admin, ledger: other, role: .keeper, node: nil)
    // Both work first.
    #expect(try await client.get(.info, ledger: ledger, token: expiring.token).status == 200)
    #expect(try await client.get(.info, ledger: ledger, token: revoked.token).status == 200)
    let revokedNow = try await admin.withDirectory { try await $0.revokeToken(id: revoked.id) }
    #expect(revokedNow)
    try await Task.sleep(for: .seconds(max(expiry.timeIntervalSinceNow, 0) + 0.5))
    let unknown = Token.generate().text
    let bad: [(String, String?, String?)] = [
      ("no token", nil, nil), ("malformed", nil, "Bearer not-a-token"),
      ("not bearer", nil, "Basic dXNlcjpwYXNz"), ("unknown", unknown, nil),
      ("expired", expiring.token, nil), ("revoked", revoked.token, nil),
    ]
    for route in RemoteRoute.allCases where !route.isServerRoute {
      for (name, token, header) in bad {
        let answer = try await client.send(
          route.method, RemoteAPI.path(route, ledger: ledger), token: token,
          body: route.method == "POST" ? Data("{}".utf8) : nil, authorization: header)
        #expect(answer.status == 401, "\(route) with \(name): \(answer.status) \(answer.text)")
        #expect(answer.error?.exitCode == 77)
        #expect(!answer.text.contains(expiring.token) && !answer.text.contains(revoked.token))
      }
      let wrong = try await client.send(
        route.method, RemoteAPI.path(route, ledger: ledger), token: elsewhere.token,
        body: route.method == "POST" ? Data("{}".utf8) : nil)
      #expect(wrong.status == 403, "\(route) with another ledger's token: \(wrong.status)")
    }
    // No such ledger: 404 (after authentication fails, 401 first).
    let missing = try await client.get(.info, ledger: "nosuchledger", token: elsewhere.token)
    #expect(missing.status == 403 || missing.status == 404)
    // Health and metrics need no token.
    #expect(try await client.send("GET", "/health", token: nil).status == 200)
    let metrics = try await client.send("GET", "/metrics", token: nil)
    #expect(metrics.status == 200)
    #expect(metrics.text.contains("hb_requests") || metrics.text.contains("http"))
  }

  /// No answer to a token outside a story's share scope, nor to any analyst, holds its
  /// narrative or teller; a token inside it reads them.
  @Test func noNarrativeOrTellerAboveShareScope() async throws {
    let (ledger, admin) = try await Fixture.ledger()
    let server = try ServerProcess.start(postgres: try #require(Fixture.url))
    defer { server.stop() }
    let client = server.client
    let readers: [(RemoteRole, String?, Bool)] = [
      (.recorder, "nhs/north/trust-7/ward-2", true),  // same organisation: shared up to it
      (.facilitator, "nhs/north/trust-7", true),
      (.facilitator, "nhs/north", false),  // above the organisation
      (.keeper, "nhs", false),
      (.recorder, "nhs/south/trust-9/ward-5", false),
      (.analyst, "nhs/north/trust-7/ward-1", false),
      (.analyst, nil, false),
      (.keeper, nil, true),
    ]
    for (role, node, reads) in readers {
      let token = try await Fixture.token(admin, ledger: ledger, role: role, node: node).token
      var answers: [(String, Answer)] = []
      for route in RemoteRoute.allCases where route.method == "GET" && !route.isServerRoute {
        var query: [String: String] = [:]
        if let node { query["node"] = node }
        if route == .story { query = ["story": "s1"] }
        answers.append(
          (route.rawValue, try await client.get(route, ledger: ledger, query: query, token: token)))
      }
      // The records, decoded as the CLI decodes them.
      let page = try await client.get(
        .records, ledger: ledger, query: ["limit": "5000"], token: token
      )
      .decode(RemoteRecordPage.self)
      var decoded = ""
      for record in page.records { decoded += try record.event().jsonLine }
      answers.append(("decoded records", Answer(status: 200, body: Data(decoded.utf8))))
      let all = answers.map { $0.1.text }.joined(separator: "\n")
      let base64Secret = Data(Fixture.secret.utf8).base64EncodedString().prefix(24)
      if reads {
        #expect(decoded.contains(Fixture.secret), "\(role) at \(node ?? "/") should read s1")
        #expect(decoded.contains(Fixture.teller))
      } else {
        for (name, answer) in answers {
          #expect(!answer.text.contains(Fixture.secret), "\(name) to \(role) at \(node ?? "/")")
          #expect(!answer.text.contains(Fixture.teller), "\(name) to \(role) at \(node ?? "/")")
          #expect(!answer.text.contains(base64Secret), "\(name) to \(role) at \(node ?? "/")")
        }
        #expect(!all.contains("Ward one story") || role != .analyst)
      }
      // The event ids are the server's, withheld or not.
      #expect(page.records.count == Int(page.head.sequence))
    }
  }
}
