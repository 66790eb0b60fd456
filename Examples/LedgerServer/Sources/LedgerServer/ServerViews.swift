import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import StoryLedger

/// The views for other programs: each the library's own `Codable` view, read as the token's
/// viewer, of a node within the token's subtree.
extension ServerAPI {
  func view(_ route: RemoteRoute, _ caller: Caller, _ query: Parameters) async throws -> Response {
    switch route {
    case .log: return try await log(caller, after: try Self.number(query, "after") ?? 0)
    case .exportTimeseries: return try await timeSeries(caller, query)
    case .exportPledges: return try await pledgeSeries(caller, query)
    default: break
    }
    let node = try Self.node(query, "node")
    let asOf = try query.get("as_of").map { try Day(parsing: $0, field: "as_of") }
    let story = query.get("story")
    let range = try query.get("period").map { try DateRange(parsing: $0, field: "period") }
    return try await blockingRun { () throws -> Response in
      let (state, _) = try caller.host.readModels()
      _ = state
      let reader = caller.host.ledger.view(as: caller.viewer)
      func required() throws -> NodePath {
        guard let node = try inside(true) else {
          throw ServerError(
            .badRequest, "give node=PATH (a node within your subtree)", field: "node")
        }
        return node
      }
      func inside(_ required: Bool = true) throws -> NodePath? {
        guard let node else {
          if required {
            throw ServerError(
              .badRequest, "give node=PATH (a node within your subtree)", field: "node")
          }
          return caller.scope
        }
        guard RemoteAccess.contains(caller.scope, node) else {
          throw ServerError(
            .notAllowed,
            "\(node) is outside your subtree \(caller.scope?.description ?? ""); your token reads only within it",
            field: "node")
        }
        return node
      }
      switch route {
      case .summary: return try Self.encoded(try reader.summary(of: try required(), asOf: asOf))
      case .tree: return try Self.encoded(try caller.host.ledger.tree(of: try inside(false)))
      case .story:
        guard let story else {
          throw ServerError(.badRequest, "give story=KEY", field: "story")
        }
        let key = try Self.storyKey(story, in: caller.host.ledger.state)
        return try Self.encoded(try reader.storyHistory(StoryRef(key)))
      case .items:
        let scope: ItemQuery.Scope
        if let story {
          // The key may be a prefix: resolve it before asking where the story was told.
          let key = try Self.storyKey(story, in: caller.host.ledger.state)
          if let scopeNode = caller.scope,
            let storyNode = caller.host.ledger.state.node(ofStory: key),
            !scopeNode.contains(storyNode)
          {
            throw ServerError(
              .notAllowed, "story \(story) is outside your subtree \(scopeNode)", field: "story")
          }
          scope = .story(StoryRef(key))
        } else if let node = try inside(false) {
          scope = .node(node)
        } else {
          scope = .everything
        }
        return try Self.encoded(try reader.items(ItemQuery(scope: scope, range: range)))
      case .cascadeUp:
        return try Self.encoded(try reader.cascadeUp(of: try required(), range: range))
      case .cascadeDown:
        return try Self.encoded(try reader.cascadeDown(of: try required(), asOf: asOf))
      case .inbox: return try Self.encoded(try reader.inbox(of: try required()))
      case .accounts: return try Self.encoded(try reader.accounts(of: try required()))
      case .pledges:
        return try Self.encoded(try reader.pledges(under: try inside(false), asOf: asOf))
      case .report:
        let data = try reader.report(of: try required(), range: range)
        return Response(
          status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
          body: .init(byteBuffer: ByteBuffer(string: data.html())))
      default:
        throw ServerError(.notFound, "no route \(route.rawValue)")
      }
    }
  }

  /// The full key of the one story whose key is or starts with `text`. The answer when
  /// there is none, or several, names no story: the library's message lists the matching
  /// stories with their titles, which a token may not be allowed to read.
  static func storyKey(_ text: String, in state: LedgerState) throws -> String {
    do {
      return try state.resolveStory(text)
    } catch {
      throw ServerError(
        .invalid, "no one story's key is or starts with \"\(text)\"; give the whole key",
        field: "story")
    }
  }

  static func encoded<Value: Encodable>(_ value: Value) throws -> Response {
    let data = try RemoteAPI.encoder().encode(value)
    return Response(
      status: .ok, headers: [.contentType: RemoteAPI.jsonMediaType],
      body: .init(byteBuffer: ByteBuffer(bytes: data)))
  }

  static func node(_ query: Parameters, _ name: String) throws -> NodePath? {
    guard let text = query.get(name) else { return nil }
    return try NodePath(parsing: text, field: name)
  }

  /// The log as JSON Lines, as the token may read it, a page at a time.
  func log(_ caller: Caller, after: UInt64) async throws -> Response {
    let (_, head) = try await blockingRun { try caller.host.readModels() }
    let first = try await blockingRun { try logPage(caller, after: after, through: head.sequence) }
    let body = ResponseBody { writer in
      var page = first
      while !page.bytes.isEmpty {
        try await writer.write(ByteBuffer(bytes: page.bytes))
        let next = page.last
        guard next < head.sequence else { break }
        page = try await blockingRun { try logPage(caller, after: next, through: head.sequence) }
      }
      try await writer.finish(nil)
    }
    return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: body)
  }

  func logPage(_ caller: Caller, after: UInt64, through last: UInt64) throws
    -> (bytes: [UInt8], last: UInt64)
  {
    let state = caller.host.ledger.state
    let rows = try caller.host.store.records(after: after, through: last, limit: 2_000)
    var bytes: [UInt8] = []
    for row in rows {
      let event = try EventRecordCodec.decode(row.bytes)
      RemoteAccess.readable(event, role: caller.role, scope: caller.scope, in: state)
        .appendJSON(to: &bytes)
      bytes.append(UInt8(ascii: "\n"))
    }
    return (bytes, rows.last?.sequence ?? last)
  }

  /// The time series (the "Time series" article) as CSV, the rows of nodes within the
  /// token's subtree.
  func timeSeries(_ caller: Caller, _ query: Parameters) async throws -> Response {
    try await series(caller, query) { try $0.timeSeries($1, $2) }
  }

  /// The pledge series as CSV, the rows of nodes within the token's subtree.
  func pledgeSeries(_ caller: Caller, _ query: Parameters) async throws -> Response {
    try await series(caller, query) { try $0.pledgeSeries($1, $2) }
  }

  /// A series as CSV for `period`, `level`, `from` and `to` (a month and the top level by
  /// default), the rows of nodes within the token's subtree.
  func series<Row: SeriesRow>(
    _ caller: Caller, _ query: Parameters,
    _ rows: @escaping @Sendable (Ledger, TimeSeriesQuery, (Row) throws -> Void) throws -> Void
  ) async throws -> Response {
    let levels = caller.host.ledger.configuration.levels
    let period = try Period(parsing: query.get("period") ?? "month")
    let level = query.get("level") ?? levels.first ?? ""
    guard levels.contains(level) else {
      throw ServerError(
        .invalid,
        "level \(level) is not one of the ledger's levels: \(levels.joined(separator: ", "))",
        field: "level")
    }
    let seriesQuery = try TimeSeriesQuery(
      period: period, level: level,
      from: try query.get("from").map { try Day(parsing: $0, field: "from") },
      to: try query.get("to").map { try Day(parsing: $0, field: "to") })
    let bytes = try await blockingRun { () throws -> [UInt8] in
      _ = try caller.host.readModels()
      var bytes = Row.csvHeader
      try rows(caller.host.ledger, seriesQuery) { row in
        if RemoteAccess.contains(caller.scope, row.node) { row.append(as: .csv, to: &bytes) }
      }
      return bytes
    }
    return Self.csv(bytes)
  }

  static func csv(_ bytes: [UInt8]) -> Response {
    // Written in pieces so that a large export streams rather than arriving at once.
    let body = ResponseBody { writer in
      var start = 0
      while start < bytes.count {
        let end = min(bytes.count, start + 64 * 1024)
        try await writer.write(ByteBuffer(bytes: bytes[start..<end]))
        start = end
      }
      try await writer.finish(nil)
    }
    return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: body)
  }
}
