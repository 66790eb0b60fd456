import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Prometheus
import StoryLedger

/// Who is asking: the ledger and the token's record.
struct Caller: Sendable {
  let host: LedgerHost
  let token: TokenRecord

  var role: RemoteRole { token.role }
  var scope: NodePath? { token.node }
  var viewer: Viewer { RemoteAccess.viewer(role: role, scope: scope) }
}

/// The `/v1` routes: authentication, the event channel, the views, health and metrics.
struct ServerAPI: Sendable {
  let options: ServerOptions
  let directory: Directory
  let hosts: LedgerHosts
  let blocking: NIOThreadPool
  let registry: PrometheusCollectorRegistry
  let logger: Logger

  /// What a registered route serves.
  enum Endpoint: Sendable {
    /// `GET /health` or `GET /metrics`.
    case server(RemoteRoute)
    /// `GET /v1/openapi.json`: the API's OpenAPI document.
    case openAPI
    /// A route under `/v1/ledgers/:ledger`.
    case ledger(RemoteRoute)
  }

  typealias Handler = @Sendable (Endpoint, Request, BasicRequestContext) async throws -> Response

  /// The path of the OpenAPI document, outside any ledger.
  static let openAPIPath = "/\(RemoteAPI.version)/openapi.json"

  /// Registers every route the server serves on `router`, each answered by `handler`: the one
  /// list both the running server and ``LedgerServer/routeTable`` read.
  static func register(on router: Router<BasicRequestContext>, _ handler: @escaping Handler) {
    for route in [RemoteRoute.health, .metrics] {
      router.get(RouterPath(route.serverPath)) { try await handler(.server(route), $0, $1) }
    }
    router.get(RouterPath(openAPIPath)) { try await handler(.openAPI, $0, $1) }
    let ledgers = router.group("\(RemoteAPI.version)/ledgers/:ledger")
    for route in RemoteRoute.allCases where !route.isServerRoute {
      let answer: @Sendable (Request, BasicRequestContext) async throws -> Response = {
        try await handler(.ledger(route), $0, $1)
      }
      switch route.method {
      case "POST": ledgers.post(RouterPath(route.suffix), use: answer)
      default: ledgers.get(RouterPath(route.suffix), use: answer)
      }
    }
  }

  func addRoutes(to router: Router<BasicRequestContext>) {
    Self.register(on: router) { endpoint, request, context in
      switch endpoint {
      case .server(.health): return try await health()
      case .server: return metrics()
      case .openAPI: return Self.openAPIDocument()
      case .ledger(let route): return try await respond(route, request, context)
      }
    }
  }

  /// The OpenAPI document, as kept in the package (`Resources/openapi.json`).
  static func openAPIDocument() -> Response {
    Response(
      status: .ok, headers: [.contentType: RemoteAPI.jsonMediaType],
      body: .init(byteBuffer: ByteBuffer(bytes: LedgerServer.openAPIDocument)))
  }

  /// Authenticates, checks the route against the role, runs it, and turns every failure
  /// into a ``RemoteErrorBody``.
  func respond(_ route: RemoteRoute, _ request: Request, _ context: BasicRequestContext)
    async throws -> Response
  {
    do {
      let name = context.parameters.get("ledger") ?? ""
      let caller = try await authenticate(request, ledger: name, route: route)
      return try await handle(route, caller, request, context)
    } catch {
      return errorResponse(Self.serverError(error))
    }
  }

  // MARK: Authentication

  func authenticate(_ request: Request, ledger name: String, route: RemoteRoute) async throws
    -> Caller
  {
    guard RemoteAPI.isValidLedgerName(name) else {
      throw ServerError(.notFound, "no ledger called \(name) on this server", field: "ledger")
    }
    guard request.headers[.authorization] != nil else {
      throw ServerError.unauthorized(
        "no token: send Authorization: Bearer TOKEN (the CLI reads STORYLEDGER_TOKEN or --token-file)"
      )
    }
    guard let bearer = request.headers.bearer, let token = Token(parsing: bearer.token) else {
      throw ServerError.unauthorized(
        "the Authorization header does not hold a StoryLedger token (Bearer slt_…)")
    }
    let hash = token.hash
    guard let record = try await Self.databaseCall({ try await directory.token(hash: hash) }) else {
      throw ServerError.unauthorized("the token is not known to this server")
    }
    if let refusal = record.refusal() { throw ServerError.unauthorized(refusal) }
    guard record.ledger == name else {
      throw ServerError(
        .notAllowed, "the token opens the ledger \(record.ledger), not \(name)", field: "ledger")
    }
    guard RemoteAccess.allows(record.role, route) else {
      throw ServerError(
        .notAllowed,
        "\(record.role == .analyst ? "an analyst" : "a \(record.role)") may not use \(route.method) \(route.rawValue): \(Self.whoMay(route))"
      )
    }
    let host = try await Self.databaseCall { try await hosts.host(name) }
    return Caller(host: host, token: record)
  }

  /// Runs `body`, a call that needs the database, giving up after `seconds`: the pool
  /// waits for a connection while the database is away, and a request must answer 503
  /// rather than hang.
  static func databaseCall<Value: Sendable>(
    seconds: Int = 3, _ body: @escaping @Sendable () async throws -> Value
  ) async throws -> Value {
    try await withThrowingTaskGroup(of: Value?.self) { group in
      group.addTask { try await body() }
      group.addTask {
        try await Task.sleep(for: .seconds(seconds))
        return nil
      }
      defer { group.cancelAll() }
      guard let first = try await group.next(), let value = first else {
        throw ServerError(
          .unavailable, "the database did not answer within \(seconds) s; try again")
      }
      return value
    }
  }

  static func whoMay(_ route: RemoteRoute) -> String {
    let roles = RemoteRole.allCases.filter { RemoteAccess.allows($0, route) }.map(\.rawValue)
    return "it is for " + roles.joined(separator: ", ")
  }

  // MARK: Handling

  func handle(
    _ route: RemoteRoute, _ caller: Caller, _ request: Request, _ context: BasicRequestContext
  ) async throws -> Response {
    let query = request.uri.queryParameters
    switch route {
    case .info: return try await json(try await blockingRun { try info(caller) })
    case .head:
      return try await json(
        try await blockingRun { RemoteHead(try caller.host.readModels().head) })
    case .records:
      let after = try Self.number(query, "after") ?? 0
      let limit = min(try Self.number(query, "limit") ?? 1_000, UInt64(RemoteAPI.maximumPageSize))
      return try await json(
        try await blockingRun { try records(caller, after: after, limit: Int(limit)) })
    case .events:
      let body = try await request.body.collect(upTo: options.maximumBodyBytes)
      let append = try Self.decode(RemoteAppendRequest.self, body)
      guard append.events.count <= RemoteAPI.maximumAppendEvents else {
        throw ServerError(
          .badRequest,
          "\(append.events.count) events in one append; at most \(RemoteAPI.maximumAppendEvents) (import larger batches)",
          field: "events")
      }
      let payloads = try append.payloads()
      let answer: RemoteAppendResponse
      if append.expectedVersion == nil, !payloads.isEmpty {
        // Written with the other appends waiting at this instance, in one transaction.
        answer = try await queueAppend(
          caller, payloads, expectedHead: append.expectedHead,
          idempotencyKey: append.idempotencyKey)
      } else {
        // An expected story version is checked by the ledger itself, on its own.
        answer = try await blockingRun {
          try appendEvents(
            caller, payloads, expectedHead: append.expectedHead,
            idempotencyKey: append.idempotencyKey, expectedVersion: append.expectedVersion)
        }
      }
      return try await json(answer, status: answer.isRepeat ? .ok : .created)
    case .erasures:
      let body = try await request.body.collect(upTo: options.maximumBodyBytes)
      let erasure = try Self.decode(RemoteErasureRequest.self, body)
      return try await json(try await blockingRun { try erase(caller, erasure.sequences) })
    case .importEvents:
      let (header, payloads) = try await readImport(request)
      let answer = try await blockingRun {
        try appendEvents(
          caller, payloads, expectedHead: header.expectedHead,
          idempotencyKey: header.idempotencyKey, expectedVersion: nil)
      }
      return try await json(answer, status: answer.isRepeat ? .ok : .created)
    case .verify:
      return try await json(try await blockingRun { try verify(caller) })
    default:
      return try await view(route, caller, query)
    }
  }

  func info(_ caller: Caller) throws -> RemoteLedgerInfo {
    let (state, head) = try caller.host.readModels()
    let configuration = state.configuration
    return RemoteLedgerInfo(
      name: caller.host.name, levels: configuration.levels, currency: configuration.currency,
      timeZone: configuration.timeZoneIdentifier, head: RemoteHead(head), role: caller.role,
      node: caller.scope, actor: caller.token.name)
  }

  /// A page of records as the caller may read them.
  func records(_ caller: Caller, after: UInt64, limit: Int) throws -> RemoteRecordPage {
    let (state, head) = try caller.host.readModels()
    let rows = try caller.host.store.records(after: after, through: head.sequence, limit: limit)
    let whole = caller.role != .analyst && caller.scope == nil
    var records: [RemoteRecord] = []
    records.reserveCapacity(rows.count)
    var previous = SHA256Digest.zero
    for row in rows {
      guard !whole else {
        records.append(RemoteRecord(sequence: row.sequence, bytes: row.bytes))
        continue
      }
      let event = try EventRecordCodec.decode(row.bytes)
      let readable = RemoteAccess.readable(
        event, role: caller.role, scope: caller.scope, in: state)
      if readable == event {
        records.append(RemoteRecord(sequence: row.sequence, bytes: row.bytes))
      } else {
        records.append(try RemoteRecord(withheld: readable, previousHash: previous))
      }
      previous = event.hash
    }
    return RemoteRecordPage(records: records, head: RemoteHead(head))
  }

  /// Appends `payloads` for the caller under the write lock (waiting for it at most
  /// `timeout`, by default the server's lock timeout), against the state brought up to date
  /// there: access, a repeated key, the expected head, then the ledger's own validation;
  /// nothing is recorded unless all pass.
  func appendEvents(
    _ caller: Caller, _ payloads: [EventPayload], expectedHead: RemoteHead?,
    idempotencyKey: String?, expectedVersion: RemoteAppendRequest.ExpectedVersion?,
    timeout: Duration? = nil
  ) throws -> RemoteAppendResponse {
    let host = caller.host
    return try host.store.withWriteLock(timeout: timeout ?? options.lockTimeout) {
      try host.catchUp()
      if let repeated = try Self.admit(
        caller, payloads, idempotencyKey: idempotencyKey, expectedHead: expectedHead,
        state: host.ledger.state, head: host.ledger.head)
      {
        return repeated
      }
      let options = Ledger.AppendOptions(
        actor: caller.token.name, idempotencyKey: idempotencyKey,
        expectedVersion: expectedVersion.map {
          Ledger.ExpectedVersion(story: $0.story, version: $0.version)
        }, lockTimeout: self.options.lockTimeout)
      let result = try host.ledger.append(payloads, options: options)
      return RemoteAppendResponse(
        first: result.events.first?.sequence ?? result.originalSequence,
        count: result.events.count, isRepeat: result.isRepeat,
        head: RemoteHead(host.ledger.head))
    }
  }

  /// Erases the personal text of events a recorded erasure explains.
  func erase(_ caller: Caller, _ sequences: [UInt64]) throws -> RemoteErasureResponse {
    let host = caller.host
    return try host.store.withWriteLock(timeout: options.lockTimeout) {
      try host.catchUp()
      let unexplained = try host.ledger.unexplainedErasures(of: sequences)
      guard unexplained.isEmpty else {
        let list = unexplained.prefix(10).map(String.init).joined(separator: ", ")
        throw ServerError(
          .invalid,
          "no recorded erasure explains erasing event(s) \(list): withdraw the story with erasure or erase the participant first",
          field: "sequences")
      }
      return RemoteErasureResponse(erased: try host.store.erasePersonalText(sequences: sequences))
    }
  }

  func verify(_ caller: Caller) throws -> VerificationReport {
    var report = try caller.host.ledger.verify()
    if report.problem == nil, let problem = try caller.host.ledger.unexplainedErasures().first {
      report.problem = problem
    }
    return report
  }

  /// Reads an import: a header line, then one JSON string per event, streamed.
  func readImport(_ request: Request) async throws -> (RemoteImportHeader, [EventPayload]) {
    var header: RemoteImportHeader?
    var payloads: [EventPayload] = []
    var pending: [UInt8] = []
    var received = 0
    var lineNumber = 0
    func line(_ bytes: ArraySlice<UInt8>) throws {
      lineNumber += 1
      guard !bytes.isEmpty else { return }
      if header == nil {
        header = try Self.decode(RemoteImportHeader.self, ByteBuffer(bytes: bytes))
        payloads.reserveCapacity(min(header?.eventCount ?? 0, 2_000_000))
        return
      }
      let text = try Self.decode(String.self, ByteBuffer(bytes: bytes), field: "line \(lineNumber)")
      payloads.append(try RemoteAppendRequest.decode(text, index: payloads.count))
    }
    for try await buffer in request.body {
      received += buffer.readableBytes
      guard received <= options.maximumImportBytes else {
        throw ServerError(
          .badRequest, "the import is larger than \(options.maximumImportBytes) bytes",
          field: "body")
      }
      pending.append(contentsOf: buffer.readableBytesView)
      var start = 0
      while let end = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
        try line(pending[start..<end])
        start = end + 1
      }
      pending.removeFirst(start)
    }
    if !pending.isEmpty { try line(pending[...]) }
    guard let header else {
      throw ServerError(.badRequest, "the import has no header line", field: "header")
    }
    guard payloads.count == header.eventCount else {
      throw ServerError(
        .invalid,
        "the header announced \(header.eventCount) events but \(payloads.count) arrived; nothing was recorded",
        field: "event_count")
    }
    return (header, payloads)
  }

  // MARK: Health and metrics

  func health() async throws -> Response {
    do {
      let count = try await Self.databaseCall(seconds: 2) { try await directory.ledgers().count }
      return try await json(RemoteHealth(status: "ok", ledgers: count))
    } catch {
      var response = try await json(RemoteHealth(status: "unavailable", ledgers: 0))
      response.status = .serviceUnavailable
      return response
    }
  }

  func metrics() -> Response {
    var bytes: [UInt8] = []
    registry.emit(into: &bytes)
    return Response(
      status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
      body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
  }

  // MARK: Helpers

  /// Runs blocking ledger work on the server's threads, never the concurrency pool's.
  func blockingRun<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws
    -> Value
  {
    try await blocking.runIfActive(body)
  }

  func json<Value: Encodable>(_ value: Value, status: HTTPResponse.Status = .ok) async throws
    -> Response
  {
    let data = try RemoteAPI.encoder().encode(value)
    return Response(
      status: status, headers: [.contentType: RemoteAPI.jsonMediaType],
      body: .init(byteBuffer: ByteBuffer(bytes: data)))
  }

  func errorResponse(_ error: ServerError) -> Response {
    if error.status >= 500 && error.status != 503 {
      logger.error("request failed: \(error.body.error)")
    }
    let data = (try? RemoteAPI.encoder().encode(error.body)) ?? Data()
    var headers: HTTPFields = [.contentType: RemoteAPI.jsonMediaType]
    if error.status == 401 { headers[.wwwAuthenticate] = "Bearer realm=\"storyledger\"" }
    if error.status == 503 || error.status == 423 { headers[.retryAfter] = "1" }
    return Response(
      status: HTTPResponse.Status(code: error.status), headers: headers,
      body: .init(byteBuffer: ByteBuffer(bytes: data)))
  }

  /// The server error for anything a handler threw.
  static func serverError(_ error: any Error) -> ServerError {
    switch error {
    case let error as ServerError: return error
    case let error as LedgerError:
      // The database is the server's only I/O: an I/O failure means it is away.
      if error.code == .io {
        return ServerError(
          .unavailable, "the database is not available: \(error.message); try again")
      }
      var server = ServerError(error.code, error.message)
      server.body = RemoteErrorBody(error)
      return server
    case let error as ValueError:
      var server = ServerError(.invalid, error.description, field: error.field)
      server.body = RemoteErrorBody(error)
      return server
    case let error as HTTPError:
      return ServerError(
        error.status == .contentTooLarge ? .badRequest : .badRequest,
        error.status == .contentTooLarge
          ? "the request body is larger than the server takes" : (error.body ?? "bad request"),
        field: "body")
    case is PSQLError, is PostgresError:
      return ServerError(.unavailable, "the database is not available; try again")
    case is CancellationError:
      return ServerError(.unavailable, "the server is shutting down; try again")
    default:
      if String(describing: type(of: error)).contains("PoolError")
        || String(describing: error).contains("connection")
      {
        return ServerError(.unavailable, "the database is not available; try again")
      }
      return ServerError(LedgerError.Code(rawValue: "internal"), "\(error)")
    }
  }

  /// Decodes a JSON body, naming the bad field in a 400.
  static func decode<Value: Decodable>(
    _ type: Value.Type, _ body: ByteBuffer, field: String? = nil
  ) throws -> Value {
    do {
      return try RemoteAPI.decoder().decode(Value.self, from: Data(body.readableBytesView))
    } catch let error as DecodingError {
      let (path, reason) = Self.describe(error)
      throw ServerError(
        .badRequest, "the body is not the JSON this route takes: \(reason)",
        field: field ?? (path.isEmpty ? "body" : path))
    }
  }

  static func describe(_ error: DecodingError) -> (String, String) {
    func path(_ keys: [any CodingKey]) -> String {
      keys.map { key in key.intValue.map { "[\($0)]" } ?? "." + Self.snake(key.stringValue) }
        .joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
    switch error {
    case .keyNotFound(let key, let context):
      let parent = path(context.codingPath)
      let name = Self.snake(key.stringValue)
      return (parent.isEmpty ? name : parent + "." + name, "\(name) is missing")
    case .typeMismatch(let type, let context):
      return (path(context.codingPath), "expected \(type)")
    case .valueNotFound(let type, let context):
      return (path(context.codingPath), "expected \(type), found null")
    case .dataCorrupted(let context):
      return (path(context.codingPath), context.debugDescription)
    @unknown default:
      return ("", "\(error)")
    }
  }

  static func snake(_ name: String) -> String {
    var result = ""
    for character in name {
      if character.isUppercase {
        result += "_" + character.lowercased()
      } else {
        result.append(character)
      }
    }
    return result
  }

  static func number(_ query: Parameters, _ name: String) throws -> UInt64? {
    guard let text = query.get(name) else { return nil }
    guard let value = UInt64(text) else {
      throw ServerError(
        .badRequest, "\(name)=\(text) is not a whole number ≥ 0", field: name)
    }
    return value
  }
}

extension HTTPField.Name {
  static let retryAfter = HTTPField.Name("Retry-After") ?? .server
}
