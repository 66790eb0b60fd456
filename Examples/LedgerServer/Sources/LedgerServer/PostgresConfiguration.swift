import Foundation

/// Where a ``PostgresEventStore`` keeps its ledger: the server, the database and the table.
///
/// ```swift
/// let configuration = try PostgresConfiguration(
///   url: "postgres://ledger@127.0.0.1:5432/ledgers", table: "north_ledger")
/// let store = try PostgresEventStore(configuration: configuration)
/// ```
public struct PostgresConfiguration: Hashable, Sendable {
  /// The server's host name or address.
  public var host: String
  /// The server's port.
  public var port: Int
  /// The user to connect as.
  public var username: String
  /// The user's password, if the server asks for one.
  public var password: String?
  /// The database holding the ledger's table.
  public var database: String
  /// The table holding the ledger's events: one ledger per table.
  public var table: String

  /// Creates a configuration.
  ///
  /// - Throws: ``PostgresLedgerError`` when `table` is not a plain lower-case SQL name
  ///   (letters, digits and `_`, at most 63 bytes): it is written into statements as is.
  public init(
    host: String = "127.0.0.1", port: Int = 5432, username: String, password: String? = nil,
    database: String, table: String = "storyledger_events"
  ) throws {
    guard PostgresConfiguration.isPlainName(table) else {
      throw PostgresLedgerError(
        "table name \(table) is not a plain SQL name (a-z, 0-9 and _, starting with a letter)")
    }
    self.host = host
    self.port = port
    self.username = username
    self.password = password
    self.database = database
    self.table = table
  }

  /// Creates a configuration from a URL such as `postgres://user:password@host:port/database`.
  public init(url text: String, table: String = "storyledger_events") throws {
    guard let url = URLComponents(string: text),
      url.scheme == "postgres" || url.scheme == "postgresql",
      let user = url.user, !user.isEmpty
    else {
      throw PostgresLedgerError("\(text) is not a postgres://user@host:port/database URL")
    }
    let database = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
    try self.init(
      host: url.host ?? "127.0.0.1", port: url.port ?? 5432, username: user,
      password: url.password, database: database.isEmpty ? user : database, table: table)
  }

  /// The configuration the environment gives: `STORYLEDGER_PG_URL`, else libpq's `PGHOST`,
  /// `PGPORT`, `PGUSER`, `PGPASSWORD` and `PGDATABASE` (when at least `PGHOST` is set);
  /// `nil` when neither is there.
  public static func fromEnvironment(
    _ environment: [String: String] = ProcessInfo.processInfo.environment,
    table: String = "storyledger_events"
  ) throws -> PostgresConfiguration? {
    if let url = environment["STORYLEDGER_PG_URL"], !url.isEmpty {
      return try PostgresConfiguration(url: url, table: table)
    }
    guard let host = environment["PGHOST"], !host.isEmpty else { return nil }
    let user = environment["PGUSER"] ?? environment["USER"] ?? "postgres"
    return try PostgresConfiguration(
      host: host, port: Int(environment["PGPORT"] ?? "") ?? 5432, username: user,
      password: environment["PGPASSWORD"], database: environment["PGDATABASE"] ?? user,
      table: table)
  }

  /// The same server and database with another table: another ledger.
  public func withTable(_ table: String) throws -> PostgresConfiguration {
    try PostgresConfiguration(
      host: host, port: port, username: username, password: password, database: database,
      table: table)
  }

  static func isPlainName(_ name: String) -> Bool {
    guard let first = name.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first),
      name.utf8.count <= 63
    else { return false }
    return name.utf8.allSatisfy { byte in
      (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
    }
  }
}

/// A configuration that cannot be used.
public struct PostgresLedgerError: Error, CustomStringConvertible, Sendable {
  /// What is wrong.
  public var description: String

  init(_ description: String) { self.description = description }
}
