import Hummingbird

/// One route the server serves: an HTTP method and a path, written as OpenAPI writes paths
/// (`/v1/ledgers/{ledger}/summary`).
public struct ServerRoute: Hashable, Sendable, Comparable, CustomStringConvertible {
  /// The HTTP method, upper case (`GET`, `POST`).
  public var method: String
  /// The path, a captured segment in braces (`{ledger}`).
  public var path: String

  /// A route.
  public init(method: String, path: String) {
    self.method = method
    self.path = path
  }

  /// Orders by path, then method.
  public static func < (lhs: ServerRoute, rhs: ServerRoute) -> Bool {
    (lhs.path, lhs.method) < (rhs.path, rhs.method)
  }

  /// `METHOD PATH`.
  public var description: String { "\(method) \(path)" }
}

extension LedgerServer {
  /// Every route the server serves, sorted: read from a router on which the routes are
  /// registered exactly as ``run(onListening:)`` registers them, so that a route added to
  /// the server appears here (the OpenAPI test compares this table with the document).
  public static var routeTable: [ServerRoute] {
    let router = Router(context: BasicRequestContext.self)
    ServerAPI.register(on: router) { _, _, _ in Response(status: .notFound) }
    return router.routes.map { ServerRoute(method: $0.method.rawValue, path: "\($0.path)") }
      .sorted()
  }

  /// The server's OpenAPI 3.1 document (JSON), as `GET /v1/openapi.json` serves it.
  public static var openAPIDocument: [UInt8] { PackageResources.openapi_json }
}
