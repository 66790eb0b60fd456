import Foundation
import StoryLedgerCLI

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// The ``HTTPExchange`` of `storyledger-remote`: URLSession (FoundationNetworking on Linux),
/// without cookies or caches, with a request's timeout as it asks and a whole exchange's at
/// most ten minutes.
///
/// ```swift
/// StoryLedgerTool.httpExchange = URLSessionExchange()
/// ```
public final class URLSessionExchange: HTTPExchange, @unchecked Sendable {
  private let session: URLSession

  /// Creates an exchange over a session made from `configuration` (tests give one whose
  /// protocol classes answer in place of a server).
  public init(configuration: URLSessionConfiguration = .ephemeral) {
    configuration.timeoutIntervalForResource = 600
    configuration.httpCookieStorage = nil
    configuration.urlCache = nil
    configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
    session = URLSession(configuration: configuration)
  }

  deinit { session.finishTasksAndInvalidate() }

  /// Sends `request` and waits for the answer.
  public func send(_ request: HTTPExchangeRequest) -> Result<
    HTTPExchangeResponse, HTTPExchangeFailure
  > {
    var urlRequest = URLRequest(url: request.url, timeoutInterval: request.timeout)
    urlRequest.httpMethod = request.method
    for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
    urlRequest.httpBody = request.body
    let outcome = Outcome()
    let done = DispatchSemaphore(value: 0)
    let task = session.dataTask(with: urlRequest) { data, response, error in
      if let error {
        outcome.result = .failure(URLSessionExchange.failure(error))
      } else if let http = response as? HTTPURLResponse {
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
          if let name = name as? String, let value = value as? String {
            headers[name.lowercased()] = value
          }
        }
        outcome.result = .success(
          HTTPExchangeResponse(status: http.statusCode, headers: headers, body: data ?? Data()))
      } else {
        outcome.result = .failure(.other("the answer was not HTTP"))
      }
      done.signal()
    }
    task.resume()
    done.wait()
    return outcome.result ?? .failure(.other("no answer"))
  }

  /// The failure a URLSession error stands for.
  static func failure(_ error: any Error) -> HTTPExchangeFailure {
    guard let code = (error as? URLError)?.code else { return .other("\(error)") }
    switch code {
    case .cannotConnectToHost: return .connectionRefused
    case .cannotFindHost, .dnsLookupFailed: return .hostNotFound
    case .notConnectedToInternet: return .offline
    case .timedOut: return .timedOut
    case .networkConnectionLost: return .connectionLost
    case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
      .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot,
      .clientCertificateRejected, .clientCertificateRequired:
      return .insecure(error.localizedDescription)
    default: return .other(error.localizedDescription)
    }
  }

  /// The result a data task hands over from URLSession's queue.
  private final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Result<HTTPExchangeResponse, HTTPExchangeFailure>?
    var result: Result<HTTPExchangeResponse, HTTPExchangeFailure>? {
      get { lock.withLock { stored } }
      set { lock.withLock { stored = newValue } }
    }
  }
}
