import Foundation

/// One HTTP request to a ledger server: what ``HTTPExchange`` sends.
public struct HTTPExchangeRequest: Sendable {
  /// `GET` or `POST`.
  public var method: String
  /// The whole URL, with its query.
  public var url: URL
  /// The headers.
  public var headers: [String: String]
  /// The body, if any.
  public var body: Data?
  /// How long to wait for the server's next bytes, in seconds.
  public var timeout: TimeInterval

  /// Creates a request.
  public init(
    method: String, url: URL, headers: [String: String], body: Data?, timeout: TimeInterval
  ) {
    self.method = method
    self.url = url
    self.headers = headers
    self.body = body
    self.timeout = timeout
  }
}

/// The server's answer to an ``HTTPExchangeRequest``.
public struct HTTPExchangeResponse: Sendable {
  /// The HTTP status.
  public var status: Int
  /// The headers, with lower-case names.
  public var headers: [String: String]
  /// The body.
  public var body: Data

  /// Creates an answer.
  public init(status: Int, headers: [String: String], body: Data) {
    self.status = status
    self.headers = headers
    self.body = body
  }
}

/// Why an exchange got no answer.
public enum HTTPExchangeFailure: Error, Hashable, Sendable {
  /// Nothing listens at the host's port: the request was not sent.
  case connectionRefused
  /// The host name does not resolve: the request was not sent.
  case hostNotFound
  /// The machine has no network: the request was not sent.
  case offline
  /// No secure connection could be made (the certificate, TLS): the request was not sent.
  case insecure(String)
  /// The server did not answer in time: the request may have been handled.
  case timedOut
  /// The connection closed before the answer: the request may have been handled.
  case connectionLost
  /// Anything else, described.
  case other(String)

  /// Whether the request never left this machine.
  public var wasNeverSent: Bool {
    switch self {
    case .connectionRefused, .hostNotFound, .offline, .insecure: true
    case .timedOut, .connectionLost, .other: false
    }
  }

  /// Whether another try may get an answer.
  public var isTransient: Bool {
    switch self {
    case .connectionRefused, .hostNotFound, .offline, .timedOut, .connectionLost: true
    case .insecure, .other: false
    }
  }
}

/// Sends one HTTP request and waits for its answer: how the tool reaches a ledger server.
///
/// The `storyledger-remote` executable installs one over URLSession
/// (`StoryLedgerNetworking`); `storyledger` itself links no networking, so that commands on a
/// directory start as fast as before, and hands a command on a server to
/// `storyledger-remote`.
public protocol HTTPExchange: Sendable {
  /// Sends `request`; the answer whatever its status, or why none came.
  func send(_ request: HTTPExchangeRequest) -> Result<HTTPExchangeResponse, HTTPExchangeFailure>
}

extension StoryLedgerTool {
  /// How commands reach a ledger server; `nil` in a process without networking, which hands
  /// such a command to `storyledger-remote` (see ``HTTPExchange``).
  nonisolated(unsafe) public static var httpExchange: (any HTTPExchange)?
}
