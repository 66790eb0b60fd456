import Foundation
import LedgerServer
import StoryLedger
import Testing

/// The database stopped and started again under a running server: it answers 503 while the
/// database is away and recovers by itself. Needs shell commands that stop and start the
/// test database (`STORYLEDGER_PG_STOP`, `STORYLEDGER_PG_START`, as Scripts/examples.sh sets
/// them); run on its own, since it takes the database away from everything else.
@Suite(
  .serialized,
  .enabled(
    if: Fixture.url != nil && DatabaseCommands.commands != nil,
    "no PostgreSQL server to restart (STORYLEDGER_PG_STOP, STORYLEDGER_PG_START)"))
struct DatabaseRestartTests {
  @Test func theServerAnswers503WhileTheDatabaseIsAwayAndRecovers() async throws {
    try await DatabaseCommands.run()
  }
}

enum DatabaseCommands {
  static var commands: (stop: String, start: String)? {
    let environment = ProcessInfo.processInfo.environment
    guard let stop = environment["STORYLEDGER_PG_STOP"], !stop.isEmpty,
      let start = environment["STORYLEDGER_PG_START"], !start.isEmpty
    else { return nil }
    return (stop, start)
  }

  /// Runs `command` with `/bin/sh` and waits for that shell alone (a database it starts
  /// lives on: Foundation's `Process` would wait for it too).
  static func shell(_ command: String) throws {
    var pid: pid_t = 0
    let arguments = ["/bin/sh", "-c", command + " </dev/null >/dev/null 2>&1"]
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    let spawned = posix_spawn(&pid, "/bin/sh", nil, nil, &argv, environ)
    guard spawned == 0 else { throw TestFailure("cannot run \(command): \(spawned)") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    guard status == 0 else { throw TestFailure("\(command) exited with status \(status)") }
  }

  static func run() async throws {
    let commands = try #require(Self.commands)
    let (ledger, admin) = try await Fixture.ledger()
    let server = try ServerProcess.start(postgres: try #require(Fixture.url))
    defer { server.stop() }
    let client = server.client
    let token = try await Fixture.token(admin, ledger: ledger, role: .recorder, node: "nhs").token
    #expect(try await client.get(.info, ledger: ledger, token: token).status == 200)

    try Self.shell(commands.stop)
    var restarted = false
    defer { if !restarted { try? Self.shell(commands.start) } }
    // While it is away: 503 with code unavailable (exit 75), for reads, writes and health.
    var away = try await client.get(.head, ledger: ledger, token: token)
    #expect(away.status == 503, "\(away.text)")
    #expect(away.error?.code == "unavailable")
    #expect(away.error?.exitCode == 75)
    away = try await client.append(
      try InstanceTests.tell("while-away"), ledger: ledger, token: token, key: "away")
    #expect(away.status == 503)
    #expect(try await client.send("GET", "/health", token: nil).status == 503)

    try Self.shell(commands.start)
    restarted = true
    // Back, without restarting the server (bounded wait).
    let deadline = ContinuousClock.now + .seconds(60)
    var status = 0
    while ContinuousClock.now < deadline {
      status = (try? await client.get(.head, ledger: ledger, token: token).status) ?? 0
      if status == 200 { break }
      try await Task.sleep(for: .milliseconds(250))
    }
    #expect(status == 200)
    let answer = try await client.append(
      try InstanceTests.tell("after"), ledger: ledger, token: token, key: "after")
    #expect(answer.status == 201, "\(answer.text)")
    #expect(try await client.send("GET", "/health", token: nil).status == 200)
    // Listening again: another writer's append reaches the server's read models unasked.
    let store = try PostgresEventStore(
      configuration: try admin.postgres.withTable(Directory.eventsTable(ledger)))
    defer { store.close() }
    let other = try Ledger(store: store, actor: "another writer")
    try other.append(try InstanceTests.tell("elsewhere"))
    let head = other.head.sequence
    let held = try await server.waitUntilHolding(head, of: ledger)
    #expect(held == head, "after the restart the server holds \(held) of \(head) events")
  }
}
