import Foundation
import StoryLedgerNetworking

@testable import StoryLedgerCLI

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// A server that lives in the test process: a `URLProtocol` answers each request the
/// transport sends to the host `StubServer.host(_:)` gives, from the handler registered for
/// that host, and keeps every request it saw. Tests run in parallel, so each stub has a host
/// of its own.
final class StubServer: @unchecked Sendable {
  /// What the stub answers to one request.
  enum Reply {
    case status(Int, body: String = "", headers: [String: String] = [:])
    case json(Int, Data)
    case failure(URLError.Code)
  }

  /// One request as the stub received it.
  struct Request {
    var method: String
    var path: String
    var query: [String: String]
    var headers: [String: String]
    var body: Data
  }

  let host: String
  private let lock = NSLock()
  private var handler: (Request) -> Reply
  private var seen: [Request] = []

  init(_ handler: @escaping (Request) -> Reply) {
    host = "stub-\(UUID().uuidString.prefix(8).lowercased()).test"
    self.handler = handler
    StubServer.register(self)
  }

  deinit { StubServer.unregister(host) }

  /// The requests received so far, in order.
  var requests: [Request] { lock.withLock { seen } }

  /// The base of this stub's ledger URLs.
  func ledgerURL(_ name: String = "north", port: Int = 8080) -> String {
    "http://\(host):\(port)/ledgers/\(name)"
  }

  func answer(_ request: Request) -> Reply {
    lock.withLock { seen.append(request) }
    let handler = lock.withLock { self.handler }
    return handler(request)
  }

  func setHandler(_ handler: @escaping (Request) -> Reply) {
    lock.withLock { self.handler = handler }
  }

  // MARK: The registry of stubs, by host

  nonisolated(unsafe) private static var stubs: [String: StubServer] = [:]
  private static let registryLock = NSLock()

  private static func register(_ stub: StubServer) {
    registryLock.withLock { stubs[stub.host] = stub }
    installOnce
  }

  private static func unregister(_ host: String) { registryLock.withLock { stubs[host] = nil } }

  static func stub(for host: String) -> StubServer? { registryLock.withLock { stubs[host] } }

  /// The exchange through ``StubProtocol``: URLSession as `storyledger-remote` has it, with
  /// the stub in place of the network.
  static let exchange: URLSessionExchange = {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.protocolClasses = [StubProtocol.self]
    return URLSessionExchange(configuration: configuration)
  }()

  /// Routes every command the tool runs on a URL through ``StubProtocol``, with no waiting
  /// between attempts and short timeouts.
  private static let installOnce: Void = {
    var policy = RemotePolicy()
    policy.requestTimeout = 5
    StoryLedgerTool.httpExchange = exchange
    RemoteTransport.testSetup = RemoteTransport.TestSetup(policy: policy, sleep: { _ in })
  }()

  /// A transport to this stub, with its own record of the waits between attempts.
  func transport(token: String = "tok-123", policy: RemotePolicy = RemotePolicy(), sleeps: Sleeps)
    throws -> RemoteTransport
  {
    RemoteTransport(
      address: try RemoteLedgerAddress(parsing: ledgerURL(), source: "--ledger"), token: token,
      exchange: StubServer.exchange, policy: policy, sleep: { sleeps.add($0) })
  }
}

/// The waits a transport asked for.
final class Sleeps: @unchecked Sendable {
  private let lock = NSLock()
  private var list: [Duration] = []
  func add(_ duration: Duration) { lock.withLock { list.append(duration) } }
  var all: [Duration] { lock.withLock { list } }
}

/// Answers requests for a ``StubServer``'s host.
final class StubProtocol: URLProtocol, @unchecked Sendable {
  override class func canInit(with request: URLRequest) -> Bool { true }
  override class func canonicalRequest(for request: URLRequest) -> URLRequest { request }

  override func startLoading() {
    guard let url = request.url, let stub = StubServer.stub(for: url.host ?? "") else {
      client?.urlProtocol(self, didFailWithError: URLError(.cannotFindHost))
      return
    }
    var headers: [String: String] = [:]
    for (name, value) in request.allHTTPHeaderFields ?? [:] { headers[name.lowercased()] = value }
    var query: [String: String] = [:]
    for item in URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? [] {
      query[item.name] = item.value ?? ""
    }
    let received = StubServer.Request(
      method: request.httpMethod ?? "GET", path: url.path, query: query, headers: headers,
      body: request.httpBody ?? Self.read(request.httpBodyStream))
    switch stub.answer(received) {
    case .failure(let code):
      client?.urlProtocol(self, didFailWithError: URLError(code))
    case .status(let status, let body, let headers):
      respond(status, Data(body.utf8), headers)
    case .json(let status, let data):
      respond(status, data, ["Content-Type": "application/json"])
    }
  }

  private func respond(_ status: Int, _ body: Data, _ headers: [String: String]) {
    guard let url = request.url,
      let response = HTTPURLResponse(
        url: url, statusCode: status, httpVersion: "HTTP/1.1", headerFields: headers)
    else { return }
    client?.urlProtocol(self, didReceive: response, cacheStoragePolicy: .notAllowed)
    client?.urlProtocol(self, didLoad: body)
    client?.urlProtocolDidFinishLoading(self)
  }

  override func stopLoading() {}

  private static func read(_ stream: InputStream?) -> Data {
    guard let stream else { return Data() }
    stream.open()
    defer { stream.close() }
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while stream.hasBytesAvailable {
      let count = stream.read(&buffer, maxLength: buffer.count)
      if count <= 0 { break }
      data.append(buffer, count: count)
    }
    return data
  }
}
