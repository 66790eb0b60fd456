import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LedgerService
import StoryLedger
import Testing

/// Real HTTP requests to the service, started on a loopback port for each test.
@Suite struct LedgerServiceTests {
  /// A service over a new ledger in a temporary directory, started on 127.0.0.1 on a port
  /// the system picks; the directory is removed afterwards.
  func withService(_ test: @Sendable (any TestClientProtocol, Ledger) async throws -> Void)
    async throws
  {
    let directory = FileManager.default.temporaryDirectory.appending(
      path: "ledger-service-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let ledger = try Ledger.create(
      at: directory.appending(path: "ledger"),
      configuration: try LedgerConfiguration(
        levels: ["national", "region", "organisation", "team"], currency: "GBP"),
      actor: "tests")
    let app = LedgerService.application(ledger: ledger, host: "127.0.0.1", port: 0)
    try await app.test(.live) { client in try await test(client, ledger) }
  }

  static func json(_ object: [String: Any]) throws -> ByteBuffer {
    ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))
  }

  static func object(_ response: TestResponse) throws -> [String: Any] {
    let any = try JSONSerialization.jsonObject(with: Data(buffer: response.body))
    return try #require(any as? [String: Any])
  }

  /// The message of an error response: `{"error": {"message": ...}}`.
  static func message(_ response: TestResponse) throws -> String {
    let error = try #require(try object(response)["error"] as? [String: Any])
    return try #require(error["message"] as? String)
  }

  @discardableResult
  static func post(
    _ client: any TestClientProtocol, _ uri: String, _ body: [String: Any],
    headers: HTTPFields = [:], expecting status: HTTPResponse.Status = .created
  ) async throws -> [String: Any] {
    var headers = headers
    headers[.contentType] = "application/json"
    return try await client.execute(
      uri: uri, method: .post, headers: headers, body: try json(body)
    ) { response in
      #expect(response.status == status, "\(uri): \(String(buffer: response.body))")
      return try object(response)
    }
  }

  @Test func recordsStoriesAndItemsAndAnswersSummariesAndTimeSeries() async throws {
    try await withService { client, ledger in
      try await Self.post(client, "/nodes", ["path": "nhs/north/trust-7/ward-3"])
      let story = try await Self.post(
        client, "/stories",
        [
          "node": "nhs/north/trust-7/ward-3", "title": "Walking rounds",
          "narrative": "Families walk the ward with us.", "on": "2026-01-12", "key": "S1",
          "tellers": ["Sam"],
        ])
      #expect(story["key"] as? String == "S1")
      let item = try await Self.post(
        client, "/stories/S1/items",
        [
          "key": "savings", "dimension": "calculating", "visibility": "visible",
          "monetised": "1800.00", "on": "2026-01-20",
        ])
      #expect(item["key"] as? String == "savings")
      try await Self.post(
        client, "/stories/S1/items",
        [
          "key": "network", "dimension": "Capacitating", "visibility": "invisible",
          "on": "2026-02-02",
        ])

      try await client.execute(uri: "/summary/nhs/north", method: .get) { response in
        #expect(response.status == .ok)
        let summary = try JSONDecoder().decode(Summary.self, from: Data(buffer: response.body))
        #expect(summary.total.node.description == "nhs/north")
        #expect(summary.total.stories == 1)
        #expect(summary.total.boxes[.calculating].visible.items == 1)
        #expect(summary.total.boxes[.calculating].visible.monetised == Money(cents: 180_000))
        #expect(summary.total.boxes[.capacitating].invisible.items == 1)
        #expect(summary.children.map(\.node.description) == ["nhs/north/trust-7"])
      }

      try await client.execute(
        uri: "/timeseries?period=month&level=organisation", method: .get
      ) { response in
        #expect(response.status == .ok)
        let rows = try #require(
          try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]])
        // Two months times three dimensions for the one organisation.
        #expect(rows.count == 6)
        let january = rows.first { ($0["dimension"] as? String) == "calculating" }
        #expect(january?["period_start"] as? String == "2026-01-01")
        #expect(january?["monetised_visible"] as? String == "1800.00")
        #expect(january?["items_recorded"] as? Int == 1)
      }
      #expect(try ledger.verify().isIntact)
    }
  }

  @Test func aRepeatedIdempotencyKeyRecordsNothing() async throws {
    try await withService { client, ledger in
      try await Self.post(client, "/nodes", ["path": "nhs/north"])
      var headers = HTTPFields()
      if let name = HTTPField.Name("Idempotency-Key") { headers[name] = "tell-1" }
      let body: [String: Any] = [
        "node": "nhs/north", "title": "Reminders", "narrative": "Texts halved missed visits.",
        "on": "2026-02-03",
      ]
      let first = try await Self.post(client, "/stories", body, headers: headers)
      let head = ledger.head
      let again = try await Self.post(client, "/stories", body, headers: headers, expecting: .ok)
      #expect(again["isRepeat"] as? Bool == true)
      #expect(again["key"] as? String == first["key"] as? String)
      try ledger.refresh()
      #expect(ledger.head == head)
    }
  }

  @Test func badInputAndUnknownThingsAnswerWithTheLedgersMessage() async throws {
    try await withService { client, _ in
      try await Self.post(client, "/nodes", ["path": "nhs"])
      let error = try await Self.post(
        client, "/stories",
        ["node": "nhs/nowhere", "title": "T", "narrative": "N", "on": "2026-01-01"],
        expecting: .badRequest)
      let message = (error["error"] as? [String: Any])?["message"] as? String
      #expect(message?.contains("nhs/nowhere") == true)
      try await Self.post(
        client, "/stories/S9/items", ["dimension": "colour", "visibility": "visible"],
        expecting: .badRequest)
      try await client.execute(uri: "/summary/nhs/nowhere", method: .get) { response in
        let message = try Self.message(response)
        #expect(response.status == .badRequest)
        #expect(message.contains("no node nhs/nowhere"))
      }
      try await client.execute(uri: "/timeseries?period=fortnight", method: .get) { response in
        #expect(response.status == .badRequest)
        let message = try Self.message(response)
        #expect(message.contains("fortnight"))
      }
    }
  }
}
