import Foundation
import Logging
import PostgresNIO
import StoryLedger

/// What the server keeps beside the ledgers in its database: which ledgers there are and
/// the tokens that open them.
///
/// Two tables, created when missing: `storyledger_ledgers` (one row per ledger, naming the
/// table of its events) and `storyledger_tokens` (one row per token: its id, the SHA-256 of
/// the token, the ledger, role, node, name, expiry and revocation). A token itself is never
/// stored, logged or shown again after ``createToken(ledger:role:node:name:expires:)``.
public final class Directory: Sendable {
  /// The database.
  public let client: PostgresClient
  let logger: Logger

  /// The table of a ledger's events: `sl_events_NAME`.
  public static func eventsTable(_ ledger: String) -> String { "sl_events_\(ledger)" }

  /// A directory over `configuration`'s database; run ``client`` (it is a service) while
  /// using it.
  public init(configuration: PostgresConfiguration, logger: Logger) {
    self.logger = logger
    client = PostgresClient(
      configuration: .init(
        host: configuration.host, port: configuration.port, username: configuration.username,
        password: configuration.password, database: configuration.database, tls: .disable),
      backgroundLogger: logger)
  }

  /// Waits a moment for ``client``'s `run()`, started just now in another task, to begin:
  /// PostgresNIO warns of a connection asked for before it has (and then serves it anyway).
  public func awaitClientStart() async {
    try? await Task.sleep(for: .milliseconds(25))
  }

  /// Creates the two tables when they are missing (safe when several instances start at
  /// once: a transaction lock serialises them).
  public func createSchema() async throws {
    try await client.withConnection { connection in
      try await connection.query("BEGIN", logger: self.logger)
      do {
        try await connection.query(
          "SELECT pg_advisory_xact_lock(1397506119, 1)", logger: self.logger)
        try await connection.query(
          """
          CREATE TABLE IF NOT EXISTS storyledger_ledgers (
            name text PRIMARY KEY,
            events_table text NOT NULL UNIQUE,
            created_at timestamptz NOT NULL DEFAULT now()
          )
          """, logger: self.logger)
        try await connection.query(
          """
          CREATE TABLE IF NOT EXISTS storyledger_tokens (
            id text PRIMARY KEY,
            token_hash bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
            ledger text NOT NULL REFERENCES storyledger_ledgers (name),
            role text NOT NULL CHECK (role IN ('recorder', 'facilitator', 'analyst', 'keeper')),
            node text,
            name text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz,
            revoked_at timestamptz
          )
          """, logger: self.logger)
        try await connection.query("COMMIT", logger: self.logger)
      } catch {
        _ = try? await connection.query("ROLLBACK", logger: self.logger)
        throw error
      }
    }
  }

  /// The names of the ledgers kept in the database, in order.
  public func ledgers() async throws -> [String] {
    var names: [String] = []
    let rows = try await client.query(
      "SELECT name FROM storyledger_ledgers ORDER BY name", logger: logger)
    for try await name in rows.decode(String.self) { names.append(name) }
    return names
  }

  /// Whether the database keeps a ledger called `name`.
  public func hasLedger(_ name: String) async throws -> Bool {
    let rows = try await client.query(
      "SELECT 1 FROM storyledger_ledgers WHERE name = \(name)", logger: logger)
    for try await _ in rows.decode(Int32.self) { return true }
    return false
  }

  /// Registers the ledger `name` (its events table exists already).
  ///
  /// - Throws: ``ServerError`` `cannot-create` when a ledger has that name.
  public func addLedger(_ name: String) async throws {
    let table = Self.eventsTable(name)
    let rows = try await client.query(
      """
      INSERT INTO storyledger_ledgers (name, events_table) VALUES (\(name), \(table))
      ON CONFLICT DO NOTHING RETURNING name
      """, logger: logger)
    for try await _ in rows.decode(String.self) { return }
    throw ServerError(.cannotCreate, "a ledger called \(name) exists already")
  }

  /// Makes a token for `ledger` with `role` over `node`'s subtree (`nil`: the whole ledger),
  /// for `name`, valid until `expires` (`nil`: until revoked). Returns the token, which
  /// only its holder keeps from now on, and its record.
  public func createToken(
    ledger: String, role: RemoteRole, node: NodePath?, name: String, expires: Date?
  ) async throws -> (token: String, record: TokenRecord) {
    guard try await hasLedger(ledger) else {
      throw ServerError(.notFound, "no ledger called \(ledger) in this database")
    }
    let token = Token.generate()
    let hash = ByteBuffer(bytes: token.hash)
    let nodeText = node?.description
    try await client.query(
      """
      INSERT INTO storyledger_tokens (id, token_hash, ledger, role, node, name, expires_at)
      VALUES (\(token.id), \(hash), \(ledger), \(role.rawValue), \(nodeText), \(name), \(expires))
      """, logger: logger)
    let record = TokenRecord(
      id: token.id, ledger: ledger, role: role, node: node, name: name, createdAt: Date(),
      expiresAt: expires, revokedAt: nil)
    return (token.text, record)
  }

  /// Revokes the token `id`; `false` when there is no such token or it was revoked already.
  public func revokeToken(id: String) async throws -> Bool {
    let rows = try await client.query(
      """
      UPDATE storyledger_tokens SET revoked_at = now()
      WHERE id = \(id) AND revoked_at IS NULL RETURNING id
      """, logger: logger)
    for try await _ in rows.decode(String.self) { return true }
    return false
  }

  /// The tokens (of `ledger`, or every ledger), oldest first, without the tokens themselves.
  public func tokens(ledger: String?) async throws -> [TokenRecord] {
    let rows = try await client.query(
      """
      SELECT id, ledger, role, node, name, created_at, expires_at, revoked_at
      FROM storyledger_tokens WHERE \(ledger) IS NULL OR ledger = \(ledger)
      ORDER BY created_at, id
      """, logger: logger)
    var records: [TokenRecord] = []
    for try await row in rows.decode(
      (String, String, String, String?, String, Date, Date?, Date?).self)
    {
      records.append(try TokenRecord(row))
    }
    return records
  }

  /// The record of the token whose SHA-256 is `hash`, if there is one (expired and revoked
  /// ones included: the caller says why it refuses them).
  public func token(hash: [UInt8]) async throws -> TokenRecord? {
    let rows = try await client.query(
      """
      SELECT id, ledger, role, node, name, created_at, expires_at, revoked_at
      FROM storyledger_tokens WHERE token_hash = \(ByteBuffer(bytes: hash))
      """, logger: logger)
    for try await row in rows.decode(
      (String, String, String, String?, String, Date, Date?, Date?).self)
    {
      return try TokenRecord(row)
    }
    return nil
  }
}

/// A token as the database keeps it: everything but the token.
public struct TokenRecord: Hashable, Sendable, Codable {
  /// The token's id (its second part), for `token revoke` and `token list`.
  public var id: String
  /// The ledger it opens.
  public var ledger: String
  /// Its role.
  public var role: RemoteRole
  /// Its node (`nil`: the whole ledger).
  public var node: NodePath?
  /// Who it was made for; the actor of what it records.
  public var name: String
  /// When it was made.
  public var createdAt: Date
  /// When it stops working, if ever.
  public var expiresAt: Date?
  /// When it was revoked, if it was.
  public var revokedAt: Date?

  init(
    id: String, ledger: String, role: RemoteRole, node: NodePath?, name: String, createdAt: Date,
    expiresAt: Date?, revokedAt: Date?
  ) {
    self.id = id
    self.ledger = ledger
    self.role = role
    self.node = node
    self.name = name
    self.createdAt = createdAt
    self.expiresAt = expiresAt
    self.revokedAt = revokedAt
  }

  init(_ row: (String, String, String, String?, String, Date, Date?, Date?)) throws {
    let role = try RemoteRole(parsing: row.2)
    self.init(
      id: row.0, ledger: row.1, role: role, node: try row.3.map { try NodePath(parsing: $0) },
      name: row.4, createdAt: row.5, expiresAt: row.6, revokedAt: row.7)
  }

  /// Why the token may not be used at `now`, or `nil` when it may.
  public func refusal(at now: Date = Date()) -> String? {
    if let revokedAt {
      return
        "the token was revoked on \(Self.format(revokedAt)); ask the ledger's keeper for a new one"
    }
    if let expiresAt, expiresAt <= now {
      return "the token expired on \(Self.format(expiresAt)); ask the ledger's keeper for a new one"
    }
    return nil
  }

  static func format(_ date: Date) -> String {
    date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false))
  }
}

/// A bearer token: `slt_ID_SECRET`, ID 12 hex digits, SECRET 64 (32 random bytes).
public struct Token: Hashable, Sendable {
  /// The whole token.
  public var text: String
  /// Its id.
  public var id: String

  /// A new random token.
  public static func generate() -> Token {
    var generator = SystemRandomNumberGenerator()
    let id = (0..<6).map { _ in UInt8.random(in: 0...255, using: &generator) }
    let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    let idText = hex(id)
    return Token(text: "slt_\(idText)_\(hex(secret))", id: idText)
  }

  /// Parses a token; `nil` when it is not of the token's shape.
  public init?(parsing text: String) {
    let parts = text.split(separator: "_", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0] == "slt", parts[1].count == 12, parts[2].count == 64,
      parts[1].allSatisfy(\.isHexDigit), parts[2].allSatisfy(\.isHexDigit)
    else { return nil }
    self.init(text: text, id: String(parts[1]))
  }

  init(text: String, id: String) {
    self.text = text
    self.id = id
  }

  /// The SHA-256 of the token: what the database keeps.
  public var hash: [UInt8] {
    Array(text.utf8).withUnsafeBytes { SHA256.hash($0).bytes }
  }

  static func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    var text = ""
    for byte in bytes {
      text.append(digits[Int(byte >> 4)])
      text.append(digits[Int(byte & 0xF)])
    }
    return text
  }
}

/// An error the server answers with a ``RemoteErrorBody``.
public struct ServerError: Error, Sendable, CustomStringConvertible {
  /// The body.
  public var body: RemoteErrorBody
  /// The HTTP status (``RemoteErrorBody/status`` unless set: 401 for a missing token).
  public var status: Int

  /// An error with `code` and `message`.
  public init(_ code: LedgerError.Code, _ message: String, field: String? = nil) {
    body = RemoteErrorBody(error: message, field: field, code: code)
    status = body.status
  }

  /// A `401`: no usable token.
  public static func unauthorized(_ message: String) -> ServerError {
    var error = ServerError(.notAllowed, message, field: RemoteAPI.authorizationHeader)
    error.status = 401
    return error
  }

  /// The message.
  public var description: String { body.error }
}
