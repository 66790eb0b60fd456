import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import Logging
import Metrics
import NIOCore
import NIOPosix
import PostgresNIO
import Prometheus
import StoryLedger

/// How to run the server.
public struct ServerOptions: Sendable {
  /// The database.
  public var postgres: PostgresConfiguration
  /// The address to listen on.
  public var host: String
  /// The port to listen on (0: any free port, see ``LedgerServer/run(onListening:)``).
  public var port: Int
  /// How long an append waits for another writer before answering busy.
  public var lockTimeout: Duration = .seconds(5)
  /// How long a connection may stay idle (a slow client is cut off; its request was never
  /// begun, since a body is read whole before any lock is taken).
  public var idleTimeout: Duration = .seconds(30)
  /// The largest body of an append or erasure.
  public var maximumBodyBytes = RemoteAPI.maximumBodyBytes
  /// The largest body of an import.
  public var maximumImportBytes = 1 << 30
  /// Threads that run the ledger's blocking work (database round trips, folds).
  public var blockingThreads = 16

  /// Options for `postgres`, listening on `host`:`port`.
  public init(postgres: PostgresConfiguration, host: String = "127.0.0.1", port: Int = 8080) {
    self.postgres = postgres
    self.host = host
    self.port = port
  }
}

/// The shared StoryLedger server: every ledger kept in one PostgreSQL database, served over
/// the `/v1` API of ``RemoteAPI`` to bearer tokens with a role over a subtree.
///
/// ```swift
/// let server = LedgerServer(options: ServerOptions(postgres: try PostgresConfiguration(url: url)))
/// try await server.run()   // until SIGTERM or SIGINT
/// ```
public struct LedgerServer: Sendable {
  /// The options.
  public let options: ServerOptions
  let logger: Logger

  /// A server with `options`.
  public init(options: ServerOptions, logger: Logger = Logger(label: "storyledger-server")) {
    self.options = options
    self.logger = logger
  }

  /// Creates the schema when missing, opens every ledger and serves until SIGTERM or
  /// SIGINT, then finishes the requests under way and closes the stores.
  ///
  /// `onListening` is called with the port once the server listens.
  public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
    let registry = Bootstrap.metrics()
    let directory = Directory(configuration: options.postgres, logger: logger)
    let blocking = NIOThreadPool(numberOfThreads: options.blockingThreads)
    blocking.start()
    let hosts = LedgerHosts(
      configuration: options.postgres, directory: directory, blocking: blocking, logger: logger)
    let api = ServerAPI(
      options: options, directory: directory, hosts: hosts, blocking: blocking, registry: registry,
      logger: logger)
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: LogRequestsMiddleware(.info))
    api.addRoutes(to: router)
    let logger = logger
    let app = Application(
      router: router,
      server: .http1(
        configuration: .init(
          idleTimeout: .nanoseconds(Int64(options.idleTimeout / .nanoseconds(1))))),
      configuration: .init(
        address: .hostname(options.host, port: options.port), serverName: "storyledger-server"),
      services: [directory.client],
      onServerRunning: { channel in
        let port = channel.localAddress?.port ?? 0
        logger.info("listening", metadata: ["port": "\(port)"])
        await onListening(port)
      },
      logger: logger)
    let warmUp = Task {
      // Wait for the pool to be running, then the schema, then the ledgers.
      await directory.awaitClientStart()
      for attempt in 0..<600 {
        do {
          try await directory.createSchema()
          break
        } catch {
          if attempt % 20 == 0 { logger.warning("database not ready: \(error)") }
          try? await Task.sleep(for: .milliseconds(100))
        }
      }
      // Listen for appends (until the server stops) while the ledgers open.
      await withTaskGroup(of: Void.self) { group in
        group.addTask {
          await ChangeFeed(client: directory.client, hosts: hosts, logger: logger).run()
        }
        await hosts.openAll()
      }
    }
    defer { warmUp.cancel() }
    try await app.runService()
    await hosts.closeAll()
    try? await blocking.shutdownGracefully()
  }
}

enum Bootstrap {
  static let registry = PrometheusCollectorRegistry()
  private static let lock = NSLock()
  nonisolated(unsafe) private static var done = false

  /// The process's metrics registry, made the metrics system's once (tests run several
  /// servers in one process).
  static func metrics() -> PrometheusCollectorRegistry {
    lock.lock()
    defer { lock.unlock() }
    if !done {
      MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
      done = true
    }
    return registry
  }
}
