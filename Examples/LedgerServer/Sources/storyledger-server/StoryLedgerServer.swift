// storyledger-server: the shared StoryLedger server and its administration.
import ArgumentParser
import Foundation
import LedgerServer
import Logging
import StoryLedger

@main
struct StoryLedgerServer: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "storyledger-server",
    abstract: "Serve StoryLedger ledgers kept in PostgreSQL, and administer them.",
    discussion: """
      Every option can also come from the environment: --postgres from STORYLEDGER_PG_URL,
      --port from STORYLEDGER_PORT, --host from STORYLEDGER_HOST, --ledger from
      STORYLEDGER_LEDGER. Exit codes: 64 usage, 65 bad data, 66 missing, 73 cannot create,
      75 database unavailable, 1 anything else.

      Examples:
        storyledger-server ledger create north --postgres postgres://ledger@127.0.0.1/ledgers --levels national,region,organisation,team --currency GBP
        storyledger-server token create --postgres … --ledger north --role facilitator --node nhs/north --name "Ana Ruiz" --expires 2027-06-30
        storyledger-server serve --postgres … --port 8080
      """,
    subcommands: [Serve.self, LedgerCommand.self, TokenCommand.self])
}

/// The database option shared by every command.
struct DatabaseOptions: ParsableArguments {
  @Option(
    help: "The database: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (or STORYLEDGER_PG_URL).")
  var postgres: String?

  func configuration() throws -> PostgresConfiguration {
    guard let text = postgres ?? environment("STORYLEDGER_PG_URL") else {
      throw ValidationError("give --postgres URL (or set STORYLEDGER_PG_URL)")
    }
    do {
      return try PostgresConfiguration(url: text)
    } catch {
      throw ValidationError("--postgres: \(error)")
    }
  }
}

func environment(_ name: String) -> String? {
  guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
  return value
}

/// Runs `body`, turning its failure into a message on standard error and an exit code.
func reporting(_ body: () async throws -> Void) async throws {
  do {
    try await body()
  } catch let error as ValidationError {
    throw error
  } catch {
    let code: Int32
    let message: String
    switch error {
    case let error as ServerError:
      code = error.body.exitCode
      message = error.body.error
    case let error as LedgerError:
      code = RemoteErrorBody.exitCode(for: error.code)
      message = error.description
    case let error as ValueError:
      code = 65
      message = error.description
    default:
      code = 75
      message = "the database is not available: \(error)"
    }
    FileHandle.standardError.write(Data("storyledger-server: \(message)\n".utf8))
    throw ExitCode(code)
  }
}

struct Serve: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Serve every ledger in the database until SIGTERM or SIGINT.",
    discussion: """
      Creates the server's tables when they are missing. Several instances may serve one
      database: each keeps the ledgers' read models in memory and catches up before every
      request. Put a TLS reverse proxy in front of it.

      Example: storyledger-server serve --postgres postgres://ledger@127.0.0.1/ledgers --port 8080
      """)

  @OptionGroup var database: DatabaseOptions
  @Option(help: "The port to listen on (or STORYLEDGER_PORT; 0 picks a free one).")
  var port: Int?
  @Option(help: "The address to listen on (or STORYLEDGER_HOST; default 127.0.0.1).")
  var host: String?

  func run() async throws {
    let postgres = try database.configuration()
    guard let port = port ?? environment("STORYLEDGER_PORT").flatMap({ Int($0) }),
      (0...65535).contains(port)
    else { throw ValidationError("give --port N (0 to 65535), or set STORYLEDGER_PORT") }
    var options = ServerOptions(
      postgres: postgres, host: host ?? environment("STORYLEDGER_HOST") ?? "127.0.0.1",
      port: port)
    options.blockingThreads = 16
    LoggingSystem.bootstrap(StreamLogHandler.standardError)
    try await reporting {
      try await LedgerServer(options: options).run { port in
        // For scripts that start it on port 0.
        FileHandle.standardError.write(Data("storyledger-server: listening on port \(port)\n".utf8))
      }
    }
  }
}

struct LedgerCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ledger", abstract: "Create and list ledgers.",
    subcommands: [Create.self, List.self])

  struct Create: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Create a ledger.",
      discussion:
        "Example: storyledger-server ledger create north --postgres URL --levels national,region,organisation,team --currency GBP"
    )
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The ledger's name: a lower-case letter, then lower-case letters, digits or _.")
    var name: String
    @Option(help: "The level names, top first, comma-separated.")
    var levels: String
    @Option(help: "The currency of monetised values (three letters).")
    var currency: String?
    @Option(help: "The time zone of the ledger's dates (default UTC).")
    var timezone: String = "UTC"

    func run() async throws {
      let postgres = try database.configuration()
      try await reporting {
        let configuration = try LedgerConfiguration(
          levels: levels.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
          currency: currency, timeZoneIdentifier: timezone)
        try await Administration(postgres: postgres).createLedger(
          name, configuration: configuration)
        FileHandle.standardError.write(Data("created ledger \(name)\n".utf8))
      }
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the ledgers, one a line.")
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
      let postgres = try database.configuration()
      try await reporting {
        let names = try await Administration(postgres: postgres).withDirectory {
          try await $0.ledgers()
        }
        for name in names { print(name) }
      }
    }
  }
}

struct TokenCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "token", abstract: "Create, revoke and list tokens.",
    subcommands: [Create.self, Revoke.self, List.self])

  struct Create: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Create a token and print it on standard output (and nothing else).",
      discussion: """
        The token is shown once: the database keeps only its SHA-256. Roles: recorder,
        facilitator, analyst, keeper, each over the subtree of --node (/ for the whole ledger).

        Example: storyledger-server token create --postgres URL --ledger north --role recorder --node nhs/north/trust-7 --name "Ana Ruiz" --expires 2027-06-30
        """)
    @OptionGroup var database: DatabaseOptions
    @Option(help: "The ledger the token opens (or STORYLEDGER_LEDGER).")
    var ledger: String?
    @Option(help: "recorder, facilitator, analyst or keeper.")
    var role: String
    @Option(help: "The node whose subtree the token reaches; / for the whole ledger.")
    var node: String
    @Option(help: "Who the token is for: recorded as the actor of what it records.")
    var name: String?
    @Option(help: "The last day the token works (YYYY-MM-DD, UTC), or an ISO 8601 instant.")
    var expires: String?

    func run() async throws {
      let postgres = try database.configuration()
      guard let ledger = ledger ?? environment("STORYLEDGER_LEDGER") else {
        throw ValidationError("give --ledger NAME (or set STORYLEDGER_LEDGER)")
      }
      try await reporting {
        let role = try RemoteRole(parsing: role)
        let scope = node == "/" ? nil : try NodePath(parsing: node)
        let expiry = try expires.map { try Self.expiry($0) }
        if let expiry, expiry <= Date() {
          throw ValueError(field: "expires", value: expires ?? "", reason: "is in the past")
        }
        let who = name ?? "\(role.rawValue)@\(scope?.description ?? "/")"
        let (token, _) = try await Administration(postgres: postgres).withDirectory {
          try await $0.createToken(
            ledger: ledger, role: role, node: scope, name: who, expires: expiry)
        }
        print(token)
      }
    }

    /// A day means the end of that day (UTC); an instant is taken as it is.
    static func expiry(_ text: String) throws -> Date {
      if let day = try? Day(parsing: text, field: "expires") {
        let start = try Date(day.description + "T00:00:00Z", strategy: .iso8601)
        return start.addingTimeInterval(86_400)
      }
      guard let instant = try? Date(text, strategy: .iso8601) else {
        throw ValueError(
          field: "expires", value: text,
          reason: "is neither a day (YYYY-MM-DD) nor an ISO 8601 instant (2027-06-30T18:00:00Z)")
      }
      return instant
    }
  }

  struct Revoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Revoke a token by its id (as token list shows it).",
      discussion: "Example: storyledger-server token revoke 3fa2c1d09b7e --postgres URL")
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The token's id (12 hex digits).")
    var id: String

    func run() async throws {
      let postgres = try database.configuration()
      try await reporting {
        let revoked = try await Administration(postgres: postgres).withDirectory {
          try await $0.revokeToken(id: id)
        }
        guard revoked else {
          throw ServerError(.notFound, "no token \(id) that is not revoked already")
        }
        FileHandle.standardError.write(Data("revoked token \(id)\n".utf8))
      }
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List tokens (never the tokens themselves).",
      discussion: "Example: storyledger-server token list --postgres URL --ledger north --json")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Only the tokens of this ledger (or STORYLEDGER_LEDGER).")
    var ledger: String?
    @Flag(help: "One JSON object per line.")
    var json = false

    func run() async throws {
      let postgres = try database.configuration()
      let ledger = ledger ?? environment("STORYLEDGER_LEDGER")
      try await reporting {
        let records = try await Administration(postgres: postgres).withDirectory {
          try await $0.tokens(ledger: ledger)
        }
        let encoder = RemoteAPI.encoder()
        encoder.dateEncodingStrategy = .iso8601
        for record in records {
          if json {
            print(String(decoding: try encoder.encode(record), as: UTF8.self))
          } else {
            let state =
              record.revokedAt != nil
              ? "revoked" : (record.expiresAt.map { $0 <= Date() } ?? false) ? "expired" : "active"
            let expires = record.expiresAt.map { TokenRecordFormat.day($0) } ?? "-"
            print(
              [
                record.id, record.ledger, record.role.rawValue, record.node?.description ?? "/",
                state, expires, record.name,
              ].joined(separator: "\t"))
          }
        }
      }
    }
  }
}

enum TokenRecordFormat {
  static func day(_ date: Date) -> String {
    date.formatted(.iso8601.year().month().day())
  }
}
