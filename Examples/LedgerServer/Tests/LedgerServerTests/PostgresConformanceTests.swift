import Foundation
import LedgerServer
import StoryLedger
import StoryLedgerConformance
import Testing

/// The PostgreSQL server the tests use, from `STORYLEDGER_PG_URL` or `PGHOST` and friends
/// (Scripts/examples.sh starts one and sets them).
enum TestServer {
  static let configuration: PostgresConfiguration? = try? PostgresConfiguration.fromEnvironment()

  /// Whether a missing server fails the run instead of skipping these tests
  /// (`STORYLEDGER_REQUIRE_POSTGRES=1`, as `.ci/run` sets it).
  static let isRequired = ProcessInfo.processInfo.environment["STORYLEDGER_REQUIRE_POSTGRES"] == "1"

  /// A table name no other test uses: each ledger gets its own table.
  static func freshTable() -> String {
    "ledger_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
  }
}

@Test func aServerIsConfiguredWhenOneIsRequired() throws {
  if TestServer.isRequired {
    #expect(
      TestServer.configuration != nil,
      "STORYLEDGER_REQUIRE_POSTGRES=1 but neither STORYLEDGER_PG_URL nor PGHOST names a server")
  }
}

/// Stores on a real PostgreSQL server, a new table for each ledger.
struct PostgresHarness: EventStoreHarness {
  let server: PostgresConfiguration

  func makeLedgerStore(configuration: LedgerConfiguration) throws -> any EventStore {
    let store = try PostgresEventStore(
      configuration: try server.withTable(TestServer.freshTable()))
    return try Ledger.create(in: store, configuration: configuration, actor: "conformance").store
  }

  /// Another instance over the same table, with its own connections: another service
  /// instance.
  func reopen(_ store: any EventStore) throws -> any EventStore {
    let postgres = try #require(store as? PostgresEventStore)
    return try PostgresEventStore(configuration: postgres.configuration)
  }
}

@Suite(
  .serialized,
  .enabled(if: TestServer.configuration != nil, "no PostgreSQL server configured"))
struct PostgresConformanceTests {
  @Test(arguments: EventStoreConformance.Check.allCases)
  func postgres(_ check: EventStoreConformance.Check) throws {
    let server = try #require(TestServer.configuration)
    try EventStoreConformance.check(check, on: PostgresHarness(server: server))
  }
}
