import Foundation

extension LedgerError.Code {
  /// The token's role or subtree does not permit the request (HTTP `403`), or there is no
  /// valid token (`401`): sysexits' NOPERM, exit 77.
  public static let notAllowed = LedgerError.Code(rawValue: "not-allowed")
  /// The server cannot reach its database, or is shutting down (HTTP `503`): try again
  /// later (exit 75, as for a busy ledger).
  public static let unavailable = LedgerError.Code(rawValue: "unavailable")
  /// The request itself is malformed: a body that is not the JSON the route takes, a query
  /// parameter missing or wrong (HTTP `400` with the field named; exit 64).
  public static let badRequest = LedgerError.Code(rawValue: "bad-request")
}

/// The body of every error the server answers: what went wrong, the field at fault if one
/// is, and a code saying which kind of failure it is.
///
/// ```json
/// {"code": "not-allowed", "error": "a recorder may not settle accounts ...", "field": null}
/// ```
///
/// The code is a ``LedgerError/Code`` name; ``status`` and ``exitCode`` give the HTTP
/// status and the command-line tool's exit code (<doc:CommandLine>, "Exit codes") it maps to.
public struct RemoteErrorBody: Error, Hashable, Sendable, Codable, CustomStringConvertible {
  /// A sentence saying what went wrong and what to do.
  public var error: String
  /// The request field (JSON key or query parameter, such as `events[3]` or `node`) at
  /// fault, when one is.
  public var field: String?
  /// The kind of failure: a ``LedgerError/Code`` name (`invalid`, `conflict`, `busy`,
  /// `not-found`, `not-allowed`, `unavailable`, `bad-request`, ...).
  public var code: String

  /// Creates a body.
  public init(error: String, field: String? = nil, code: LedgerError.Code) {
    self.error = error
    self.field = field
    self.code = code.rawValue
  }

  /// The body for a ledger error.
  public init(_ error: LedgerError) {
    self.init(error: error.message, code: error.code)
  }

  /// The body for a bad value: `invalid`, naming its field.
  public init(_ error: ValueError) {
    self.init(error: error.description, field: error.field, code: .invalid)
  }

  /// The error code.
  public var ledgerCode: LedgerError.Code { LedgerError.Code(rawValue: code) }

  /// The ledger error a client raises for this body (a field is named in its message).
  public var ledgerError: LedgerError {
    guard let field, !error.contains(field) else { return LedgerError(ledgerCode, error) }
    return LedgerError(ledgerCode, "\(field): \(error)")
  }

  /// The HTTP status the server answers with this body.
  public var status: Int { Self.status(for: ledgerCode) }

  /// The command-line tool's exit code for this body.
  public var exitCode: Int32 { Self.exitCode(for: ledgerCode) }

  /// The HTTP status of an error with `code`: 400 bad request or invalid data, 401 no valid
  /// token (``RemoteErrorBody/unauthorized(_:)``, sent as `not-allowed`), 403 not allowed,
  /// 404 not found, 409 conflict, 423 busy, 503 unavailable, 500 anything else.
  public static func status(for code: LedgerError.Code) -> Int {
    switch code {
    case .badRequest, .invalid: 400
    case .notAllowed: 403
    case .notFound: 404
    case .conflict: 409
    case .cannotCreate: 409
    case .busy: 423
    case .unavailable: 503
    default: 500
    }
  }

  /// The exit code (<doc:CommandLine>, "Exit codes") of an error with `code`: 64 bad
  /// request, 65 invalid data or a conflict, 66 not found, 73 cannot create, 74 I/O, 75 busy
  /// or unavailable, 77 not allowed, 1 anything else.
  public static func exitCode(for code: LedgerError.Code) -> Int32 {
    switch code {
    case .badRequest: 64
    case .invalid, .conflict, .corrupt: 65
    case .notFound: 66
    case .cannotCreate: 73
    case .io: 74
    case .busy, .unavailable: 75
    case .notAllowed: 77
    default: 1
    }
  }

  /// The body of a `401`: no token, or one that is malformed, unknown, expired or revoked.
  public static func unauthorized(_ reason: String) -> RemoteErrorBody {
    RemoteErrorBody(error: reason, field: RemoteAPI.authorizationHeader, code: .notAllowed)
  }

  /// The message.
  public var description: String { ledgerError.description }
}
