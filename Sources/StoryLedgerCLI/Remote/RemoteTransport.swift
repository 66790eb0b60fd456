import Foundation
import StoryLedger

/// A request to the shared server.
struct RemoteRequest: Sendable {
  /// `GET` or `POST`.
  var method: String
  /// The path on the server, percent-encoded, starting with `/`.
  var path: String
  /// The query's items.
  var query: [URLQueryItem] = []
  /// The JSON body.
  var body: Data?
  /// Sent as the `Idempotency-Key` header: the server records a request sent again with it
  /// once, so a write that carries one may be retried.
  var idempotencyKey: String?
  /// Whether the user gave the key (`--idempotency-key`) rather than the tool making it.
  var isUsersKey = false

  /// Whether the request changes the ledger.
  var isWrite: Bool { method != "GET" && method != "HEAD" }
  /// Whether sending it again does no harm: a read, or a write with an idempotency key.
  var isRetryable: Bool { !isWrite || idempotencyKey != nil }
}

/// The server's answer.
struct RemoteResponse: Sendable {
  var status: Int
  var body: Data
  /// The headers, with lower-case names.
  var headers: [String: String]
}

/// How often and how long the transport tries.
struct RemotePolicy: Sendable {
  /// Attempts of a retryable request before giving up.
  var attempts = 5
  /// The wait before the second attempt; it doubles for each further one, up to
  /// ``longestBackoff``.
  var firstBackoff: Duration = .milliseconds(200)
  var longestBackoff: Duration = .seconds(3)
  /// How long a request waits for the server's next bytes.
  var requestTimeout: TimeInterval = 30
  /// How long a whole request may take (a large read).
  var resourceTimeout: TimeInterval = 600

  /// The default policy, with the request timeout from `STORYLEDGER_TIMEOUT` (seconds, 1 to
  /// 3600) when it is set to such a number.
  init(_ environment: [String: String] = [:]) {
    if let text = environment["STORYLEDGER_TIMEOUT"], let seconds = Double(text),
      (1...3600).contains(seconds)
    {
      requestTimeout = seconds
    }
  }

  /// The wait before attempt `attempt + 1`, with jitter so that clients turned away together
  /// do not come back together; a `Retry-After` of the server is honoured up to twice the
  /// longest backoff.
  func backoff(after attempt: Int, retryAfter: String?) -> Duration {
    if let retryAfter, let seconds = Double(retryAfter.trimmingCharacters(in: .whitespaces)),
      seconds >= 0
    {
      return min(.milliseconds(Int(seconds * 1000)), longestBackoff * 2)
    }
    let doubled = firstBackoff * (1 << min(attempt - 1, 16))
    let capped = min(doubled, longestBackoff)
    return capped * Double.random(in: 0.5...1.0)
  }
}

/// Sends requests to the server through an ``HTTPExchange``, synchronously (the tool runs
/// one command at a time): bearer token, timeouts, retries with backoff for reads and for
/// writes that carry an idempotency key, and every failure turned into a ``LedgerError``
/// whose code gives the tool's exit code.
final class RemoteTransport: @unchecked Sendable {
  let address: RemoteLedgerAddress
  private let token: String
  private let exchange: any HTTPExchange
  let policy: RemotePolicy
  private let sleep: @Sendable (Duration) -> Void

  /// Creates a transport; tests give an exchange whose protocol classes answer in place of a
  /// server, and a `sleep` that does not wait.
  init(
    address: RemoteLedgerAddress, token: String, exchange: any HTTPExchange,
    policy: RemotePolicy = RemotePolicy(),
    sleep: @escaping @Sendable (Duration) -> Void = { Thread.sleep(forTimeInterval: $0.seconds) }
  ) {
    self.address = address
    self.token = token
    self.exchange = exchange
    self.policy = policy
    self.sleep = sleep
  }

  /// What tests put in place of the waits and timeouts. `nil` outside tests.
  struct TestSetup: Sendable {
    var policy: RemotePolicy
    var sleep: @Sendable (Duration) -> Void
  }
  nonisolated(unsafe) static var testSetup: TestSetup?

  /// Sends `request`, retrying what may be retried, and returns a 2xx answer.
  ///
  /// - Throws: ``LedgerError``: `notAllowed` for 401/403, `invalid` for 400/413/422,
  ///   `notFound` for 404, `conflict` for 409, `busy` for 429/503 and for a write whose
  ///   outcome is unknown, `io` for a server that cannot be reached or fails.
  func send(_ request: RemoteRequest) throws(LedgerError) -> RemoteResponse {
    let exchangeRequest = try makeRequest(request)
    // Whether an earlier attempt of this write may have reached the server unanswered.
    var mayHaveBeenRecorded = false
    var attempt = 0
    while true {
      attempt += 1
      let canRetry = attempt < policy.attempts
      switch exchange.send(exchangeRequest) {
      case .success(let response):
        if (200..<300).contains(response.status) {
          return RemoteResponse(
            status: response.status, body: response.body, headers: response.headers)
        }
        let answer = RemoteResponse(
          status: response.status, body: response.body, headers: response.headers)
        if [423, 429, 502, 503, 504].contains(response.status), request.isRetryable, canRetry {
          if response.status == 502 || response.status == 504 { mayHaveBeenRecorded = true }
          sleep(policy.backoff(after: attempt, retryAfter: response.headers["retry-after"]))
          continue
        }
        throw failure(for: answer, request, mayHaveBeenRecorded: mayHaveBeenRecorded)
      case .failure(let failure):
        if !failure.wasNeverSent { mayHaveBeenRecorded = true }
        if failure.isTransient, canRetry, request.isRetryable || failure.wasNeverSent {
          sleep(policy.backoff(after: attempt, retryAfter: nil))
          continue
        }
        throw self.failure(for: failure, request, mayHaveBeenRecorded: mayHaveBeenRecorded)
      }
    }
  }

  private func makeRequest(_ request: RemoteRequest) throws(LedgerError) -> HTTPExchangeRequest {
    var components = URLComponents(url: address.server, resolvingAgainstBaseURL: false)
    components?.percentEncodedPath = request.path
    if !request.query.isEmpty { components?.queryItems = request.query }
    guard let url = components?.url else {
      throw LedgerError(.invalid, "cannot make a URL of \(address.server)\(request.path)")
    }
    var headers = [
      "Authorization": "Bearer \(token)", "Accept": "application/json",
      "User-Agent": "storyledger/\(StoryLedgerTool.version)",
    ]
    if let key = request.idempotencyKey { headers["Idempotency-Key"] = key }
    if request.body != nil { headers["Content-Type"] = "application/json" }
    return HTTPExchangeRequest(
      method: request.method, url: url, headers: headers, body: request.body,
      timeout: policy.requestTimeout)
  }

  // MARK: Failures

  /// What the server said in a refusal: the message of its ``RemoteErrorBody`` (with the
  /// field at fault), or of another JSON error body (`{"error": {"message": …}}`,
  /// `{"message": …}`), else a short text body, else the status's name.
  static func serverMessage(_ response: RemoteResponse) -> String {
    if let body = try? RemoteAPI.decoder().decode(RemoteErrorBody.self, from: response.body) {
      return body.ledgerError.message
    }
    if let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any] {
      if let error = object["error"] as? [String: Any], let message = error["message"] as? String {
        return message
      }
      if let message = object["message"] as? String { return message }
      if let message = object["error"] as? String { return message }
      if let reason = object["reason"] as? String { return reason }
    }
    let text = String(decoding: response.body, as: UTF8.self)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    if !text.isEmpty, text.count <= 500, !text.hasPrefix("<"),
      !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" })
    {
      return text
    }
    return "HTTP \(response.status)"
  }

  /// The code of the server's ``RemoteErrorBody``, if it sent one.
  static func errorCode(_ response: RemoteResponse) -> LedgerError.Code? {
    (try? RemoteAPI.decoder().decode(RemoteErrorBody.self, from: response.body))?.ledgerCode
  }

  /// What to do when the outcome of a write is unknown.
  static func unknownOutcome(_ request: RemoteRequest) -> String {
    guard let key = request.idempotencyKey else {
      return "the change may or may not have been recorded: look before running the command again"
    }
    if request.isUsersKey {
      return
        "the change may or may not have been recorded: run the same command again with the same --idempotency-key, it will not be recorded twice"
    }
    return
      "the change may or may not have been recorded: run the same command again with --idempotency-key \(key), it will not be recorded twice"
  }

  func failure(for response: RemoteResponse, _ request: RemoteRequest, mayHaveBeenRecorded: Bool)
    -> LedgerError
  {
    let message = RemoteTransport.serverMessage(response)
    let server = "the server \(address.hostAndPort)"
    let uncertain =
      request.isWrite && mayHaveBeenRecorded ? "; " + RemoteTransport.unknownOutcome(request) : ""
    switch response.status {
    case 401:
      return LedgerError(
        .notAllowed,
        "\(server) does not accept the token (\(message)); check STORYLEDGER_TOKEN or --token-file, or ask a keeper for a new token"
      )
    case 403: return LedgerError(.notAllowed, "\(server) refused: \(message)")
    case 400, 413, 422:
      let code = RemoteTransport.errorCode(response)
      return LedgerError(code == .badRequest ? .badRequest : .invalid, message + uncertain)
    case 404: return LedgerError(.notFound, "\(server): \(message)")
    case 409: return LedgerError(.conflict, message)
    case 423, 429, 503:
      let nothing = request.isWrite && !mayHaveBeenRecorded ? "; nothing was recorded" : uncertain
      return LedgerError(
        .busy,
        "\(server) is busy or unavailable (HTTP \(response.status): \(message))\(nothing); try again in a moment"
      )
    default:
      let outcome = request.isWrite ? "; " + RemoteTransport.unknownOutcome(request) : ""
      return LedgerError(
        .io, "\(server) failed (HTTP \(response.status): \(message))\(outcome)")
    }
  }

  func failure(
    for failure: HTTPExchangeFailure, _ request: RemoteRequest, mayHaveBeenRecorded: Bool
  ) -> LedgerError {
    let host = address.hostAndPort
    let uncertain =
      request.isWrite && mayHaveBeenRecorded ? "; " + RemoteTransport.unknownOutcome(request) : ""
    let nothing =
      request.isWrite ? (mayHaveBeenRecorded ? uncertain : "; nothing was recorded") : ""
    switch failure {
    case .connectionRefused:
      return LedgerError(
        .io,
        "cannot reach the server \(host): the connection was refused (is storyledger-server running there?)\(nothing)"
      )
    case .hostNotFound:
      return LedgerError(.io, "cannot find the server \(host): no such host\(nothing)")
    case .offline:
      return LedgerError(.io, "cannot reach the server \(host): this machine is offline\(nothing)")
    case .timedOut, .connectionLost:
      let what =
        failure == .timedOut
        ? "did not answer within \(Int(policy.requestTimeout)) s"
        : "closed the connection before answering"
      let next =
        request.isWrite ? "; " + RemoteTransport.unknownOutcome(request) : "; try again in a moment"
      return LedgerError(.busy, "the server \(host) \(what)\(next)")
    case .insecure(let reason):
      return LedgerError(.io, "cannot make a secure connection to \(host) (\(reason))\(nothing)")
    case .other(let reason):
      return LedgerError(
        .io, "the connection to the server \(host) failed: \(reason)\(uncertain)")
    }
  }
}

extension Duration {
  /// The duration in seconds, as a decimal.
  var seconds: Double {
    Double(components.seconds) + Double(components.attoseconds) / 1e18
  }
}
