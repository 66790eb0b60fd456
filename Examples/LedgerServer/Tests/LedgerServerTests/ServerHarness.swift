import Foundation
import LedgerServer
import StoryLedger
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// A real `storyledger-server serve` process on 127.0.0.1, on a port the kernel picked.
final class ServerProcess: @unchecked Sendable {
  let process: Process
  let port: Int
  let errors: Pipe

  /// The executable the tests were built with: beside the test bundle.
  static var executable: URL {
    let runner = URL(fileURLWithPath: CommandLine.arguments[0])
    var directory = runner.deletingLastPathComponent()
    while !directory.path.isEmpty, directory.path != "/" {
      let candidate = directory.appending(path: "storyledger-server")
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
      directory = directory.deletingLastPathComponent()
    }
    return runner.deletingLastPathComponent().appending(path: "storyledger-server")
  }

  /// Starts a server on `postgres` and waits (at most 60 s) until it listens.
  static func start(postgres: String, port: Int = 0) throws -> ServerProcess {
    let process = Process()
    process.executableURL = executable
    process.arguments = ["serve", "--postgres", postgres, "--port", String(port)]
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(60)
    var text = ""
    let handle = errors.fileHandleForReading
    while Date() < deadline {
      let chunk = handle.availableData
      if chunk.isEmpty {
        guard process.isRunning else { break }
        continue
      }
      text += String(decoding: chunk, as: UTF8.self)
      if let range = text.range(of: "listening on port ") {
        let digits = text[range.upperBound...].prefix { $0.isNumber }
        if let port = Int(digits), text[range.upperBound...].contains("\n") {
          let server = ServerProcess(process: process, port: port, errors: errors)
          server.drain()
          return server
        }
      }
    }
    process.terminate()
    throw TestFailure("the server did not start listening: \(text)")
  }

  private init(process: Process, port: Int, errors: Pipe) {
    self.process = process
    self.port = port
    self.errors = errors
  }

  /// Keeps reading the server's log so that it never blocks on a full pipe.
  private func drain() {
    let handle = errors.fileHandleForReading
    Thread.detachNewThread {
      while !handle.availableData.isEmpty {}
    }
  }

  var client: HTTPTestClient { HTTPTestClient(port: port) }

  /// Sends `signal` and waits for the process to end (at most 30 s).
  func stop(signal: Int32 = SIGTERM) {
    guard process.isRunning else { return }
    kill(process.processIdentifier, signal)
    let deadline = Date().addingTimeInterval(30)
    while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
  }

  deinit { stop(signal: SIGKILL) }
}

struct TestFailure: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// An HTTP answer.
struct Answer: Sendable {
  var status: Int
  var body: Data
  /// The `Content-Type` header, when there is one.
  var contentType: String? = nil
  /// How long the request took, from being started to being answered (set by
  /// ``HTTPTestClient/sendTogether(_:thenAfter:_:)``).
  var waited: Duration? = nil
  var text: String { String(decoding: body, as: UTF8.self) }

  func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
    try RemoteAPI.decoder().decode(type, from: body)
  }

  var error: RemoteErrorBody? { try? decode(RemoteErrorBody.self) }
}

extension Answer {
  /// The answer `response` gave with `data`.
  init(_ data: Data, _ response: URLResponse?) {
    let http = response as? HTTPURLResponse
    self.init(
      status: http?.statusCode ?? 0, body: data,
      contentType: http?.value(forHTTPHeaderField: "Content-Type"))
  }
}

/// Requests to one server on loopback.
struct HTTPTestClient: Sendable {
  let port: Int

  static let session: URLSession = {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.timeoutIntervalForRequest = 30
    configuration.httpMaximumConnectionsPerHost = 64
    return URLSession(configuration: configuration)
  }()

  func url(_ path: String, _ query: [String: String] = [:]) -> URL {
    var components = URLComponents()
    components.scheme = "http"
    components.host = "127.0.0.1"
    components.port = port
    components.path = path
    if !query.isEmpty {
      components.queryItems = query.sorted { $0.key < $1.key }.map {
        URLQueryItem(name: $0.key, value: $0.value)
      }
    }
    return components.url ?? URL(fileURLWithPath: "/")
  }

  func send(
    _ method: String, _ path: String, query: [String: String] = [:], token: String?,
    body: Data? = nil, authorization: String? = nil
  ) async throws -> Answer {
    let request = request(
      method, path, query: query, token: token, body: body, authorization: authorization)
    let (data, response) = try await Self.session.data(for: request)
    return Answer(data, response)
  }

  /// The request ``send(_:_:query:token:body:authorization:)`` sends.
  func request(
    _ method: String, _ path: String, query: [String: String] = [:], token: String?,
    body: Data? = nil, authorization: String? = nil
  ) -> URLRequest {
    var request = URLRequest(url: url(path, query))
    request.httpMethod = method
    if let authorization {
      request.setValue(authorization, forHTTPHeaderField: "Authorization")
    } else if let token {
      request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
    }
    if let body {
      request.httpBody = body
      request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    }
    return request
  }

  /// Starts every one of `requests` at once from a thread of its own, runs `then` on that
  /// thread `delay` seconds later, and answers each request in order, with how long it took.
  ///
  /// Nothing here waits for the test's task pool. The tests run in parallel, and some of
  /// them block a thread of that pool while a process runs, so a task's start (or its
  /// `Task.sleep`) may be late by seconds; a test whose requests must all wait at the server
  /// while it holds a lock, and be released well within the server's lock timeout, cannot
  /// depend on it.
  func sendTogether(
    _ requests: [URLRequest], thenAfter delay: TimeInterval = 0,
    _ then: @escaping @Sendable () -> Void = {}
  ) async throws -> [Answer] {
    let answers = Answers(count: requests.count)
    try await withCheckedThrowingContinuation {
      (continuation: CheckedContinuation<Void, any Error>) in
      Thread.detachNewThread {
        let group = DispatchGroup()
        for (index, request) in requests.enumerated() {
          group.enter()
          let started = ContinuousClock.now
          Self.session.dataTask(with: request) { data, response, error in
            var answer = Answer(data ?? Data(), response)
            answer.waited = ContinuousClock.now - started
            answers.set(index, error.map { .failure($0) } ?? .success(answer))
            group.leave()
          }.resume()
        }
        Thread.sleep(forTimeInterval: delay)
        then()
        group.wait()
        continuation.resume()
      }
    }
    return try answers.all()
  }

  /// The answers of ``sendTogether(_:thenAfter:_:)``, filled in as they come.
  private final class Answers: @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [Result<Answer, any Error>?]

    init(count: Int) { answers = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ answer: Result<Answer, any Error>) {
      lock.lock()
      defer { lock.unlock() }
      answers[index] = answer
    }

    func all() throws -> [Answer] {
      lock.lock()
      defer { lock.unlock() }
      return try answers.map { answer in
        guard let answer else { throw TestFailure("a request was not answered") }
        return try answer.get()
      }
    }
  }

  func get(
    _ route: RemoteRoute, ledger: String, query: [String: String] = [:], token: String?
  ) async throws -> Answer {
    try await send("GET", RemoteAPI.path(route, ledger: ledger), query: query, token: token)
  }

  func append(
    _ events: [EventPayload], ledger: String, token: String?, key: String? = nil,
    expectedHead: RemoteHead? = nil
  ) async throws -> Answer {
    let request = try appendRequest(
      events, ledger: ledger, token: token, key: key, expectedHead: expectedHead)
    let (data, response) = try await Self.session.data(for: request)
    return Answer(data, response)
  }

  /// The request ``append(_:ledger:token:key:expectedHead:)`` sends.
  func appendRequest(
    _ events: [EventPayload], ledger: String, token: String?, key: String? = nil,
    expectedHead: RemoteHead? = nil
  ) throws -> URLRequest {
    let body = try RemoteAppendRequest(
      events: events, expectedHead: expectedHead, idempotencyKey: key)
    return request(
      "POST", RemoteAPI.path(.events, ledger: ledger), token: token,
      body: try RemoteAPI.encoder().encode(body))
  }
}

/// The database the tests use, and a fresh ledger in it.
enum Fixture {
  static var url: String? {
    let value = ProcessInfo.processInfo.environment["STORYLEDGER_PG_URL"] ?? ""
    return value.isEmpty ? nil : value
  }

  static let levels = ["national", "region", "organisation", "team"]
  static let nodes = [
    "nhs/north/trust-7/ward-1", "nhs/north/trust-7/ward-2", "nhs/south/trust-9/ward-5",
  ]
  static let secret = "Nobody above the trust may read this narrative"
  static let teller = "Ana Ruiz-Secret-Teller"

  static func freshName() -> String {
    "t" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
  }

  /// A new ledger with the nodes and one story at ward-1 shared up to the organisation.
  static func ledger() async throws -> (name: String, admin: Administration) {
    let url = try #require(url)
    let admin = Administration(postgres: try PostgresConfiguration(url: url))
    let name = freshName()
    try await admin.createLedger(
      name, configuration: try LedgerConfiguration(levels: levels, currency: "GBP"))
    let store = try PostgresEventStore(
      configuration: try admin.postgres.withTable(Directory.eventsTable(name)))
    defer { store.close() }
    let ledger = try Ledger(store: store, actor: "fixture")
    for node in nodes { try ledger.addNode(try NodePath(parsing: node), creatingParents: true) }
    try ledger.tellStory(
      Ledger.NewStory(
        node: try NodePath(parsing: "nhs/north/trust-7/ward-1"), title: "Ward one story",
        narrative: secret, on: try Day(parsing: "2026-04-10"), tellers: [teller],
        share: "organisation", key: "s1"))
    try ledger.addItem(
      to: "s1", dimension: .capacitating, on: try Day(parsing: "2026-04-10"),
      facts: ItemFacts(visibility: .invisible))
    return (name, admin)
  }

  /// A new ledger (``ledger()``) and two server processes on the database, which the caller
  /// stops (``TwoInstances/stop()``).
  static func twoInstances() async throws -> TwoInstances {
    let (ledger, admin) = try await self.ledger()
    let url = try #require(url)
    let first = try ServerProcess.start(postgres: url)
    do {
      return TwoInstances(
        ledger: ledger, admin: admin, first: first,
        second: try ServerProcess.start(postgres: url))
    } catch {
      first.stop()
      throw error
    }
  }

  static func token(
    _ admin: Administration, ledger: String, role: RemoteRole, node: String?,
    expires: Date? = nil
  ) async throws -> (token: String, id: String) {
    let scope = try node.map { try NodePath(parsing: $0) }
    let (token, record) = try await admin.withDirectory {
      try await $0.createToken(
        ledger: ledger, role: role, node: scope, name: "\(role)-\(node ?? "all")", expires: expires)
    }
    return (token, record.id)
  }
}

/// Two server processes on one database and a ledger in it.
struct TwoInstances {
  let ledger: String
  let admin: Administration
  let first: ServerProcess
  let second: ServerProcess

  /// A new token for the ledger, with `role` over `node`'s subtree (`nil`: the whole ledger).
  func token(_ role: RemoteRole, node: String?) async throws -> String {
    try await Fixture.token(admin, ledger: ledger, role: role, node: node).token
  }

  /// Stops both processes.
  func stop() {
    first.stop()
    second.stop()
  }
}

extension ServerProcess {
  /// The events this instance holds of `ledger` (its `storyledger_ledger_events` gauge), read
  /// from `/metrics`, which touches no ledger.
  func eventsHeld(of ledger: String) async throws -> UInt64 {
    let page = try await client.send("GET", "/metrics", token: nil).text
    return UInt64(
      GroupCommitTests.metric("storyledger_ledger_events{ledger=\"\(ledger)\"}", in: page))
  }

  /// Waits up to 5 s, asking nothing of the ledger, until this instance holds `count` events
  /// of `ledger`; returns the count it last read.
  func waitUntilHolding(_ count: UInt64, of ledger: String) async throws -> UInt64 {
    var held: UInt64 = 0
    for _ in 0..<100 {
      held = try await eventsHeld(of: ledger)
      if held == count { break }
      try await Task.sleep(for: .milliseconds(50))
    }
    return held
  }
}
