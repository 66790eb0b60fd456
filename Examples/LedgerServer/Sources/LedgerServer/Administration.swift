import Foundation
import Logging
import NIOPosix
import PostgresNIO
import StoryLedger

/// The server's administration: ledgers and tokens, run against the database directly
/// (`storyledger-server ledger …`, `token …`).
public struct Administration: Sendable {
  /// The database.
  public let postgres: PostgresConfiguration
  let logger: Logger

  /// Administration of `postgres`.
  public init(postgres: PostgresConfiguration, logger: Logger? = nil) {
    self.postgres = postgres
    self.logger =
      logger
      ?? {
        // The connection pool's chatter when it stops is not news to an administrator.
        var logger = Logger(label: "storyledger-server")
        logger.logLevel = .warning
        return logger
      }()
  }

  /// Runs `body` with a directory whose client runs meanwhile, its schema created.
  public func withDirectory<Result: Sendable>(
    _ body: @Sendable (Directory) async throws -> Result
  ) async throws -> Result {
    let directory = Directory(configuration: postgres, logger: logger)
    return try await withThrowingTaskGroup(of: Result?.self) { group in
      group.addTask {
        await directory.client.run()
        return nil
      }
      defer { group.cancelAll() }
      await directory.awaitClientStart()
      try await directory.createSchema()
      return try await body(directory)
    }
  }

  /// Creates the ledger `name` with `configuration`: its events table, its first event,
  /// its row among the ledgers.
  ///
  /// - Throws: ``ServerError`` `cannot-create` when the ledger exists, `invalid` for a bad
  ///   name.
  public func createLedger(_ name: String, configuration: LedgerConfiguration) async throws {
    guard RemoteAPI.isValidLedgerName(name) else {
      throw ServerError(
        .invalid,
        "\(name) is not a ledger name: a lower-case letter, then lower-case letters, digits or _ (at most 48)",
        field: "NAME")
    }
    let postgres = postgres
    let logger = logger
    try await withDirectory { directory in
      guard try await !directory.hasLedger(name) else {
        throw ServerError(.cannotCreate, "a ledger called \(name) exists already")
      }
      try await NIOThreadPool.singleton.runIfActive {
        let store = try PostgresEventStore(
          configuration: try postgres.withTable(Directory.eventsTable(name)), logger: logger)
        defer { store.close() }
        guard try store.head().sequence == 0 else {
          throw ServerError(
            .cannotCreate, "the table \(Directory.eventsTable(name)) holds events already")
        }
        _ = try Ledger.create(in: store, configuration: configuration, actor: "storyledger-server")
      }
      try await directory.addLedger(name)
    }
  }
}
