import Foundation
import LedgerServer
import StoryLedger
import Testing

/// The OpenAPI document (`Sources/LedgerServer/Resources/openapi.json`) against the server:
/// its routes are exactly the router's, its roles are `RemoteAccess`'s, and a real server
/// process on a real PostgreSQL answers every documented operation with a documented status,
/// media type and body (validated against the documented schema), and the documented errors
/// (400 naming the field, 401, 403, 404) as documented.
@Suite(.serialized)
struct OpenAPITests {
  static let ledgerPath = "/v1/ledgers/{ledger}"

  /// The document as the repository keeps it.
  static func repositoryBytes() throws -> Data {
    let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appending(path: "../../Sources/LedgerServer/Resources/openapi.json").standardized
    return try Data(contentsOf: file)
  }

  static func document() throws -> JSONValue {
    try JSONDecoder().decode(JSONValue.self, from: Data(LedgerServer.openAPIDocument))
  }

  /// Every documented operation: `METHOD PATH` and the operation object.
  static func operations(_ document: JSONValue) -> [(route: ServerRoute, operation: JSONValue)] {
    var result: [(ServerRoute, JSONValue)] = []
    for (path, item) in document["paths"]?.object ?? [:] {
      for (method, operation) in item.object ?? [:] {
        result.append((ServerRoute(method: method.uppercased(), path: path), operation))
      }
    }
    return result.sorted { $0.0 < $1.0 }
  }

  /// The path of a ledger route in the document.
  static func path(_ route: RemoteRoute) -> String {
    route.isServerRoute
      ? route.serverPath : ledgerPath + (route.suffix.isEmpty ? "" : "/" + route.suffix)
  }

  // MARK: The document against the code

  @Test func theDocumentIsTheRepositorysFileAndOpenAPI31() throws {
    #expect(try Self.repositoryBytes() == Data(LedgerServer.openAPIDocument))
    let document = try Self.document()
    #expect(document["openapi"]?.string == "3.1.0")
    #expect(document["info"]?["version"]?.string == RemoteAPI.version)
  }

  @Test func everyRouteTheServerRegistersIsDocumentedAndNoOther() throws {
    let documented = Set(Self.operations(try Self.document()).map(\.route))
    let registered = Set(LedgerServer.routeTable)
    #expect(registered.count == RemoteRoute.allCases.count + 1)  // and the document itself
    for route in registered.subtracting(documented).sorted() {
      Issue.record("the server registers \(route) but the OpenAPI document does not describe it")
    }
    for route in documented.subtracting(registered).sorted() {
      Issue.record("the OpenAPI document describes \(route) but the server does not register it")
    }
  }

  @Test func everyOperationNamesTheRolesRemoteAccessAllowsAndItsErrors() throws {
    let document = try Self.document()
    var seen = Set<String>()
    for (route, operation) in Self.operations(document) {
      let id = try #require(operation["operationId"]?.string, "\(route) has no operationId")
      #expect(seen.insert(id).inserted, "operationId \(id) twice")
      #expect(operation["responses"]?.object?.isEmpty == false, "\(route) documents no response")
      guard route.path.hasPrefix(Self.ledgerPath) else {
        #expect(operation["security"]?.array?.isEmpty == true, "\(route) needs no token")
        continue
      }
      let remote = try #require(
        RemoteRoute.allCases.first { Self.path($0) == route.path && $0.method == route.method })
      let roles = Set(operation["x-storyledger-roles"]?.array?.compactMap(\.string) ?? [])
      let allowed = Set(
        RemoteRole.allCases.filter { RemoteAccess.allows($0, remote) }.map(\.rawValue))
      #expect(
        roles == allowed,
        "\(route): documented roles \(roles.sorted()), allowed \(allowed.sorted())")
      for status in ["401", "403", "404", "503"] {
        #expect(operation["responses"]?[status] != nil, "\(route) does not document \(status)")
      }
    }
  }

  // MARK: The document against a running server

  /// A request for an operation, and the status it must answer.
  struct Call {
    var query: [String: String] = [:]
    var body: Data? = nil
    var status = 200
  }

  /// A representative call of every operation, as a keeper of the whole ledger, on the
  /// fixture ledger (ward-1 with story `s1`, a pledge, feedback and an account).
  static func calls() throws -> [String: Call] {
    let ward = "nhs/north/trust-7/ward-1"
    let telling = try RemoteAPI.encoder().encode(
      try RemoteAppendRequest(
        events: [
          .tellingRecorded(
            TellingRecorded(story: "s1", on: try Day(parsing: "2026-05-02"), narrative: "again"))
        ], idempotencyKey: "openapi-append"))
    let header = try RemoteAPI.encoder().encode(
      RemoteImportHeader(expectedHead: nil, idempotencyKey: "openapi-import", eventCount: 1))
    let event = try RemoteAppendRequest.encode(
      .nodeAdded(NodeAdded(path: try NodePath(parsing: "nhs/north/imported"), name: "Imported")))
    let series = [
      "period": "month", "level": "organisation", "from": "2026-01-01", "to": "2026-12-31",
    ]
    return [
      "health": Call(), "metrics": Call(), "openapi": Call(), "info": Call(), "head": Call(),
      "records": Call(query: ["after": "0", "limit": "10"]),
      "append": Call(body: telling, status: 201),
      "erase": Call(body: try RemoteAPI.encoder().encode(RemoteErasureRequest(sequences: []))),
      "import": Call(body: header + Data("\n\"\(event)\"\n".utf8), status: 201),
      "verify": Call(), "summary": Call(query: ["node": "nhs", "as_of": "2026-12-31"]),
      "tree": Call(query: ["node": "nhs/north"]), "story": Call(query: ["story": "s1"]),
      "items": Call(query: ["node": "nhs", "period": "2026"]),
      "cascadeUp": Call(query: ["node": "nhs", "period": "2026-Q2"]),
      "cascadeDown": Call(query: ["node": ward]), "inbox": Call(query: ["node": ward]),
      "accounts": Call(query: ["node": ward]), "pledges": Call(query: ["node": "nhs"]),
      "log": Call(query: ["after": "0"]), "exportTimeseries": Call(query: series),
      "exportPledges": Call(query: series), "report": Call(query: ["node": "nhs"]),
    ]
  }

  @Test(.enabled(if: Fixture.url != nil, "no PostgreSQL server configured"))
  func theServerAnswersAsTheDocumentSays() async throws {
    let (name, admin) = try await Fixture.ledger()
    try Self.addDialogue(admin, ledger: name)
    let keeper = try await Fixture.token(admin, ledger: name, role: .keeper, node: nil).token
    let recorder = try await Fixture.token(
      admin, ledger: name, role: .recorder, node: "nhs/north/trust-7/ward-1"
    ).token
    let server = try ServerProcess.start(postgres: try #require(Fixture.url))
    defer { server.stop() }
    let client = server.client
    let document = try Self.document()

    // The server serves the repository's document.
    let served = try await client.send("GET", "/v1/openapi.json", token: nil)
    #expect(served.status == 200)
    #expect(served.body == (try Self.repositoryBytes()))

    // No such route: the router's own 404, which is not an ErrorBody; no documented
    // operation may answer that way.
    let nowhere = try await client.send("GET", "/v1/ledgers/\(name)/nowhere", token: keeper)
    #expect(nowhere.status == 404 && nowhere.error == nil)

    // Every operation, called as a keeper: the status expected, documented, with the
    // documented media type and a body valid against the documented schema.
    let calls = try Self.calls()
    var checkedBodies = 0
    for (route, operation) in Self.operations(document) {
      let id = operation["operationId"]?.string ?? ""
      guard let call = calls[id] else {
        Issue.record("no representative call of \(id) (\(route)) in OpenAPITests.calls()")
        continue
      }
      let path = route.path.replacingOccurrences(of: "{ledger}", with: name)
      let answer = try await client.send(
        route.method, path, query: call.query, token: keeper, body: call.body)
      #expect(answer.status == call.status, "\(route): \(answer.status) \(answer.text.prefix(300))")
      #expect(
        !(answer.status == 404 && answer.error == nil) && answer.status != 405,
        "\(route) is not routed")
      checkedBodies += try Self.check(answer, of: operation, in: document, route: route)
    }
    #expect(checkedBodies >= 15)

    // The documented errors, each answered as documented with an ErrorBody.
    let operations = Dictionary(
      Self.operations(document).map { ($0.operation["operationId"]?.string ?? "", $0) },
      uniquingKeysWith: { first, _ in first })
    func error(
      _ id: String, _ status: Int, field: String?, ledger: String = name,
      query: [String: String] = [:],
      token: String?, body: Data? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
      let (route, operation) = try #require(operations[id], sourceLocation: sourceLocation)
      let path = route.path.replacingOccurrences(of: "{ledger}", with: ledger)
      let answer = try await client.send(route.method, path, query: query, token: token, body: body)
      #expect(answer.status == status, "\(route): \(answer.text)", sourceLocation: sourceLocation)
      _ = try Self.check(answer, of: operation, in: document, route: route)
      if let field {
        #expect(answer.error?.field == field, "\(answer.text)", sourceLocation: sourceLocation)
      }
    }
    let badJSON = Data(#"{"events": 5}"#.utf8)
    try await error("append", 400, field: "events", token: keeper, body: badJSON)
    try await error("append", 400, field: "body", token: keeper, body: Data("{not json".utf8))
    try await error("summary", 400, field: "node", token: keeper)
    try await error("summary", 401, field: "Authorization", query: ["node": "nhs"], token: nil)
    try await error("verify", 403, field: nil, token: recorder)
    try await error("summary", 403, field: "node", query: ["node": "nhs/south"], token: recorder)
    try await error("head", 404, field: "ledger", ledger: "no-such-ledger", token: keeper)
  }

  /// Adds a pledge, feedback and a proposed account at ward-1, so that those views have
  /// entries to check.
  static func addDialogue(_ admin: Administration, ledger name: String) throws {
    let store = try PostgresEventStore(
      configuration: try admin.postgres.withTable(Directory.eventsTable(name)))
    defer { store.close() }
    let ledger = try Ledger(store: store, actor: "fixture")
    let ward = try NodePath(parsing: "nhs/north/trust-7/ward-1")
    try ledger.makePledge(
      at: ward, text: "Walk the wards weekly", on: try Day(parsing: "2026-04-12"))
    try ledger.sendFeedback(
      from: try NodePath(parsing: "nhs/north/trust-7"), to: ward, text: "Thank you",
      story: StoryRef("s1"))
    try ledger.proposeAccount(
      of: ward, period: try DateRange(parsing: "2026-04"), narrative: "April on ward one")
  }

  /// Checks an answer against the operation's documented responses: its status documented,
  /// its media type the documented one, a JSON body valid against the schema. Answers 1 when
  /// a JSON body was validated.
  static func check(
    _ answer: Answer, of operation: JSONValue, in document: JSONValue, route: ServerRoute
  ) throws -> Int {
    guard var response = operation["responses"]?["\(answer.status)"] else {
      Issue.record("\(route) answered \(answer.status), which the document does not list")
      return 0
    }
    if let reference = response["$ref"]?.string { response = try resolve(reference, in: document) }
    guard let content = response["content"]?.object, let (media, entry) = content.first else {
      return 0
    }
    let type = answer.contentType ?? ""
    #expect(
      type.hasPrefix(media), "\(route) \(answer.status): Content-Type \(type), documented \(media)")
    guard media == RemoteAPI.jsonMediaType, let schema = entry["schema"] else { return 0 }
    let body = try JSONDecoder().decode(JSONValue.self, from: answer.body)
    let problems = try SchemaCheck(document: document).problems(body, schema, at: "$")
    #expect(
      problems.isEmpty,
      "\(route) \(answer.status) does not match its schema:\n\(problems.prefix(10).joined(separator: "\n"))"
    )
    return 1
  }

  static func resolve(_ reference: String, in document: JSONValue) throws -> JSONValue {
    guard reference.hasPrefix("#/") else {
      throw TestFailure("not a local reference: \(reference)")
    }
    var value = document
    for key in reference.dropFirst(2).split(separator: "/") {
      guard let next = value[String(key)] else {
        throw TestFailure("no \(reference) in the document")
      }
      value = next
    }
    return value
  }
}

/// The part of JSON Schema the document uses: `$ref`, `type` (one or several), `enum`,
/// `pattern`, `minimum`, `required`, `properties` and `items`.
struct SchemaCheck {
  let document: JSONValue

  func problems(_ value: JSONValue, _ schema: JSONValue, at path: String) throws -> [String] {
    if let reference = schema["$ref"]?.string {
      return try problems(value, try OpenAPITests.resolve(reference, in: document), at: path)
    }
    var found: [String] = []
    if let type = schema["type"] {
      let types = type.array?.compactMap(\.string) ?? [type.string ?? ""]
      guard types.contains(where: { value.isOf(type: $0) }) else {
        return ["\(path): \(value.typeName), documented \(types.joined(separator: " or "))"]
      }
    }
    if let options = schema["enum"]?.array, !options.contains(value) {
      found.append("\(path): \(value) is not one of the documented values")
    }
    if let pattern = schema["pattern"]?.string, let text = value.string,
      text.range(of: pattern, options: .regularExpression) == nil
    {
      found.append("\(path): \"\(text)\" does not match \(pattern)")
    }
    if let minimum = schema["minimum"]?.number, let number = value.number, number < minimum {
      found.append("\(path): \(number) is below \(minimum)")
    }
    if let object = value.object {
      for key in schema["required"]?.array?.compactMap(\.string) ?? [] where object[key] == nil {
        found.append("\(path): the required property \(key) is missing")
      }
      for (key, property) in schema["properties"]?.object ?? [:] {
        if let member = object[key] {
          found += try problems(member, property, at: "\(path).\(key)")
        }
      }
    }
    if let array = value.array, let items = schema["items"] {
      for (index, element) in array.enumerated() {
        found += try problems(element, items, at: "\(path)[\(index)]")
      }
    }
    return found
  }
}

/// A JSON value, decoded with Foundation alone, keeping integers apart from other numbers
/// and booleans apart from numbers.
enum JSONValue: Decodable, Equatable, Sendable, CustomStringConvertible {
  case null
  case bool(Bool)
  case integer(Int64)
  case number(Double)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let value = try? container.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? container.decode(Int64.self) {
      self = .integer(value)
    } else if let value = try? container.decode(Double.self) {
      self = .number(value)
    } else if let value = try? container.decode(String.self) {
      self = .string(value)
    } else if let value = try? container.decode([JSONValue].self) {
      self = .array(value)
    } else {
      self = .object(try container.decode([String: JSONValue].self))
    }
  }

  subscript(key: String) -> JSONValue? { object?[key] }

  var object: [String: JSONValue]? {
    if case .object(let value) = self { value } else { nil }
  }
  var array: [JSONValue]? {
    if case .array(let value) = self { value } else { nil }
  }
  var string: String? {
    if case .string(let value) = self { value } else { nil }
  }
  var number: Double? {
    switch self {
    case .integer(let value): Double(value)
    case .number(let value): value
    default: nil
    }
  }

  /// The JSON Schema type name of the value.
  var typeName: String {
    switch self {
    case .null: "null"
    case .bool: "boolean"
    case .integer: "integer"
    case .number: "number"
    case .string: "string"
    case .array: "array"
    case .object: "object"
    }
  }

  /// Whether the value is of the JSON Schema type `type` (an integer is a number too).
  func isOf(type: String) -> Bool {
    type == typeName || (type == "number" && typeName == "integer")
  }

  var description: String {
    switch self {
    case .string(let value): "\"\(value)\""
    case .integer(let value): "\(value)"
    case .number(let value): "\(value)"
    case .bool(let value): "\(value)"
    default: typeName
    }
  }
}
