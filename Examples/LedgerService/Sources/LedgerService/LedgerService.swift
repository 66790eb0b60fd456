import Foundation
import HTTPTypes
import Hummingbird
import StoryLedger

/// A small HTTP JSON service over a StoryLedger ledger: record nodes, stories and items of
/// value; read summaries and time series.
///
/// | method and path | does |
/// |---|---|
/// | `POST /nodes` `{"path", "name"?}` | adds a node (and its missing parents) |
/// | `POST /stories` `{"node", "title", "narrative", "on"?, "tellers"?, "tags"?, "key"?}` | tells a story |
/// | `POST /stories/{story}/items` `{"dimension", "visibility", "description"?, "monetised"?, ...}` | adds an item of value |
/// | `GET /summary/{node path}?asOf=DATE` | the six boxes of a node's subtree and of each child |
/// | `GET /timeseries?period=P&level=L&from=DATE&to=DATE` | SPEC §4.2's rows, as JSON |
///
/// Recording requests take an `Idempotency-Key` header (a repeat answers `200` with
/// `"isRepeat": true` and records nothing) and an `X-Actor` header (who records). Errors
/// answer with the ledger's message: `400` for bad input, `404` for an unknown node or
/// story, `409` for a conflict, `503` when the ledger stayed locked.
///
/// ```swift
/// let ledger = try Ledger.open(at: URL(filePath: "ledger"))
/// let app = LedgerService.application(ledger: ledger, host: "127.0.0.1", port: 8080)
/// try await app.runService()
/// ```
public enum LedgerService {
  /// The routes, over `ledger`.
  public static func router(ledger: Ledger) -> Router<BasicRequestContext> {
    let router = Router()
    let handlers = Handlers(ledger: ledger)
    router.post("nodes") { request, context in
      try await handlers.addNode(
        try await request.decode(as: NodeRequest.self, context: context), request)
    }
    router.post("stories") { request, context in
      try await handlers.tellStory(
        try await request.decode(as: StoryRequest.self, context: context), request)
    }
    router.post("stories/:story/items") { request, context in
      try await handlers.addItem(
        try await request.decode(as: ItemRequest.self, context: context),
        story: try context.parameters.require("story"), request)
    }
    router.get("summary/**") { request, context in
      try await handlers.summary(
        of: context.parameters.getCatchAll().joined(separator: "/"),
        asOf: request.uri.queryParameters.get("asOf"))
    }
    router.get("timeseries") { request, _ in
      let query = request.uri.queryParameters
      return try await handlers.timeSeries(
        period: query.get("period") ?? "month", level: query.get("level"),
        from: query.get("from"), to: query.get("to"))
    }
    return router
  }

  /// The service on `host`:`port`, ready for `runService()`.
  public static func application(
    ledger: Ledger, host: String = "127.0.0.1", port: Int = 8080
  ) -> some ApplicationProtocol {
    Application(
      router: router(ledger: ledger),
      configuration: .init(address: .hostname(host, port: port), serverName: "ledger-service"))
  }
}

/// The request handlers: decode, call the ledger off the concurrency pool, encode.
struct Handlers: Sendable {
  let ledger: Ledger

  func addNode(_ body: NodeRequest, _ request: Request) async throws -> Response {
    let options = appendOptions(request)
    return try await run(status: .created) {
      let recorded = try ledger.addNode(
        try NodePath(parsing: body.path), name: body.name, creatingParents: true, options: options)
      return RecordedResponse(recorded)
    }
  }

  func tellStory(_ body: StoryRequest, _ request: Request) async throws -> Response {
    let options = appendOptions(request)
    return try await run(status: .created) {
      let story = Ledger.NewStory(
        node: try NodePath(parsing: body.node), title: body.title, narrative: body.narrative,
        on: try body.on.map { try Day(parsing: $0, field: "on") }, tellers: body.tellers ?? [],
        tags: body.tags ?? [], share: body.share, key: body.key)
      return RecordedResponse(try ledger.tellStory(story, options: options))
    }
  }

  func addItem(_ body: ItemRequest, story: String, _ request: Request) async throws -> Response {
    let options = appendOptions(request)
    return try await run(status: .created) {
      let facts = ItemFacts(
        visibility: try Visibility(parsing: body.visibility), description: body.description,
        quantity: body.quantity, unit: body.unit,
        monetised: try body.monetised.map { try Money(parsing: $0) }, weight: body.weight,
        evidence: body.evidence)
      let recorded = try ledger.addItem(
        to: StoryRef(story), key: body.key, dimension: try Dimension(parsing: body.dimension),
        on: try body.on.map { try Day(parsing: $0, field: "on") }, facts: facts, options: options)
      return RecordedResponse(recorded, key: recorded.ref.key)
    }
  }

  func summary(of path: String, asOf: String?) async throws -> Response {
    try await run(status: .ok) {
      try ledger.summary(
        of: try NodePath(parsing: path), asOf: try asOf.map { try Day(parsing: $0, field: "asOf") })
    }
  }

  func timeSeries(period: String, level: String?, from: String?, to: String?) async throws
    -> Response
  {
    try await run(status: .ok) {
      let query = try TimeSeriesQuery(
        period: try Period(parsing: period), level: level ?? ledger.configuration.levels[0],
        from: try from.map { try Day(parsing: $0, field: "from") },
        to: try to.map { try Day(parsing: $0, field: "to") })
      var rows: [TimeSeriesEntry] = []
      try ledger.timeSeries(query) { rows.append(TimeSeriesEntry($0)) }
      return rows
    }
  }

  static let actorHeader = HTTPField.Name("X-Actor")
  static let idempotencyKeyHeader = HTTPField.Name("Idempotency-Key")

  /// The actor and idempotency key of a recording request, from its headers.
  func appendOptions(_ request: Request) -> Ledger.AppendOptions {
    Ledger.AppendOptions(
      actor: Self.actorHeader.flatMap { request.headers[$0] } ?? "ledger-service",
      idempotencyKey: Self.idempotencyKeyHeader.flatMap { request.headers[$0] })
  }

  /// Runs `body` on a dispatch queue (an append waits for the disk: it must not hold a
  /// thread of the concurrency pool) and encodes its result as JSON; a repeated idempotency
  /// key answers `200` rather than `201`.
  func run<Value: Encodable & Sendable>(
    status: HTTPResponse.Status, _ body: @escaping @Sendable () throws -> Value
  ) async throws -> Response {
    let value: Value
    do {
      value = try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
      }
    } catch let error as LedgerError {
      throw HTTPError(Self.status(of: error), message: error.message)
    } catch let error as ValueError {
      throw HTTPError(.badRequest, message: error.description)
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let data = try encoder.encode(value)
    let isRepeat = (value as? RecordedResponse)?.isRepeat ?? false
    return Response(
      status: isRepeat ? .ok : status, headers: [.contentType: "application/json"],
      body: .init(byteBuffer: ByteBuffer(bytes: data)))
  }

  static func status(of error: LedgerError) -> HTTPResponse.Status {
    switch error.code {
    case .invalid: .badRequest
    case .notFound: .notFound
    case .conflict: .conflict
    case .busy: .serviceUnavailable
    default: .internalServerError
    }
  }
}
