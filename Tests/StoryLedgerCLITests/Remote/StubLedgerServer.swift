import Foundation
import StoryLedger

@testable import StoryLedgerCLI

/// A deliberately small server for one ledger, in the test process: it keeps the log in an
/// ``InMemoryLog`` and answers the wire routes the tool's remote store uses (head, records,
/// events, import, erasures, verify) as the roles table and the wire types say, checking the
/// expected head and the idempotency key. Faults are injected per request.
final class StubLedgerServer: @unchecked Sendable {
  let log = InMemoryLog()
  let stub = StubServer { _ in .failure(.cannotFindHost) }
  private let lock = NSLock()
  /// Runs before each append is handled: a test appends "another writer's" events here.
  var beforeAppend: ((InMemoryLog) -> Void)?
  /// Whether ``beforeAppend`` runs before every append rather than once.
  var keepsMovingHead = false
  /// Answers in place of the server for the request, or `nil` to let it answer.
  var fault: ((StubServer.Request, _ committed: Bool) -> StubServer.Reply?)?
  /// The actor the server records (the token's name).
  var actor = "token-holder"
  /// The token's node (`nil`: the whole ledger) and role, which `info` gives.
  var node: NodePath?
  var role = RemoteRole.keeper
  private let levels: [String]

  init(levels: [String] = ["nation", "region", "organisation"]) throws {
    self.levels = levels
    _ = try Ledger.create(
      in: log, configuration: LedgerConfiguration(levels: levels, currency: "GBP"),
      actor: "keeper")
    stub.setHandler { [unowned self] request in self.handle(request) }
  }

  var url: String { stub.ledgerURL() }
  var requests: [StubServer.Request] { stub.requests }

  /// Every event of the log.
  func events() throws -> [RecordedEvent] {
    var events: [RecordedEvent] = []
    try log.read(after: .start(), upTo: try log.head()) { events.append($0) }
    return events
  }

  private func json(_ status: Int, _ value: some Encodable) -> StubServer.Reply {
    .json(status, (try? RemoteAPI.encoder().encode(value)) ?? Data())
  }

  private func refuse(_ status: Int, _ message: String, _ code: LedgerError.Code)
    -> StubServer.Reply
  {
    json(status, RemoteErrorBody(error: message, code: code))
  }

  private func handle(_ request: StubServer.Request) -> StubServer.Reply {
    lock.lock()
    defer { lock.unlock() }
    if let reply = fault?(request, false) { return reply }
    let prefix = "/v1/ledgers/north/"
    guard request.headers["authorization"]?.hasPrefix("Bearer ") == true else {
      return refuse(401, "no token", .notAllowed)
    }
    guard request.path.hasPrefix(prefix) || request.path + "/" == prefix else {
      return refuse(404, "no such route", .notFound)
    }
    let route = request.path + "/" == prefix ? "info" : String(request.path.dropFirst(prefix.count))
    do {
      switch (request.method, route) {
      case ("GET", "head"): return json(200, RemoteHead(try log.head()))
      case ("GET", "info"):
        return json(
          200,
          RemoteLedgerInfo(
            name: "north", levels: levels, currency: "GBP", timeZone: "UTC",
            head: RemoteHead(try log.head()), role: role, node: node, actor: actor))
      case ("GET", "records"): return try records(request)
      case ("POST", "events"):
        let append = try RemoteAPI.decoder().decode(RemoteAppendRequest.self, from: request.body)
        return try self.append(
          try append.payloads(), expected: append.expectedHead, key: append.idempotencyKey,
          request: request)
      case ("POST", "import"):
        let lines = request.body.split(separator: 0x0A)
        let header = try RemoteAPI.decoder().decode(RemoteImportHeader.self, from: Data(lines[0]))
        let payloads = try lines.dropFirst().enumerated().map { index, line in
          try RemoteAppendRequest.decode(
            try JSONDecoder().decode(String.self, from: Data(line)), index: index)
        }
        guard payloads.count == header.eventCount else {
          return refuse(400, "the import said \(header.eventCount) events", .badRequest)
        }
        return try self.append(
          payloads, expected: header.expectedHead, key: header.idempotencyKey, request: request)
      case ("POST", "erasures"):
        let erasure = try RemoteAPI.decoder().decode(RemoteErasureRequest.self, from: request.body)
        return json(
          200,
          RemoteErasureResponse(erased: try log.erasePersonalText(sequences: erasure.sequences)))
      case ("GET", "verify"): return json(200, try log.verify(progress: nil))
      default: return refuse(404, "no route \(request.method) \(route)", .notFound)
      }
    } catch let error as LedgerError {
      return json(RemoteErrorBody.status(for: error.code), RemoteErrorBody(error))
    } catch {
      return refuse(400, "\(error)", .badRequest)
    }
  }

  private func records(_ request: StubServer.Request) throws -> StubServer.Reply {
    let after = UInt64(request.query["after"] ?? "0") ?? 0
    let limit = min(Int(request.query["limit"] ?? "") ?? 5000, RemoteAPI.maximumPageSize)
    let head = try log.head()
    var records: [RemoteRecord] = []
    var previous = SHA256Digest.zero
    try log.read(after: .start(), upTo: head) { event in
      if event.sequence > after, records.count < limit {
        records.append(try RemoteRecord(withheld: event, previousHash: previous))
      }
      previous = event.hash
    }
    return json(200, RemoteRecordPage(records: records, head: RemoteHead(head)))
  }

  private func append(
    _ payloads: [EventPayload], expected: RemoteHead?, key: String?, request: StubServer.Request
  ) throws -> StubServer.Reply {
    if let key, let first = try events().first(where: { $0.idempotencyKey == key }) {
      if let reply = fault?(request, true) { return reply }
      return json(
        200,
        RemoteAppendResponse(
          first: first.sequence, count: 0, isRepeat: true, head: RemoteHead(try log.head())))
    }
    beforeAppend?(log)
    if !keepsMovingHead { beforeAppend = nil }
    let head = try log.head()
    if let expected, expected != RemoteHead(head) {
      return refuse(
        409, "the log moved on to event \(head.sequence); catch up and retry", .conflict)
    }
    let (recorded, newHead) = try log.withWriteLock(timeout: .seconds(1)) {
      try log.append(AppendBatch(events: payloads, actor: actor, idempotencyKey: key), after: head)
    }
    if let reply = fault?(request, true) { return reply }
    return json(
      200,
      RemoteAppendResponse(
        first: recorded.first?.sequence, count: recorded.count, isRepeat: false,
        head: RemoteHead(newHead)))
  }
}
