import Foundation
import LedgerServer
import StoryLedger
import Testing

/// Group commit: the appends waiting at an instance are written in one transaction, each
/// checked on its own against the ledger with the earlier ones applied.
@Suite(.serialized, .enabled(if: Fixture.url != nil, "no PostgreSQL server configured"))
struct GroupCommitTests {
  /// An append and what it should get.
  enum Expected: Sendable {
    case recorded
    case invalid
    case notAllowed
    case conflict
    /// Sent twice at once with one key: recorded once, the other answered as a repeat.
    case twice
  }

  /// Requests that queue at one instance while the test holds the ledger's lock are written
  /// together once it is released: each valid one is acknowledged exactly once, with
  /// sequences that follow one another without a gap, while an invalid batch, a refused one
  /// and one against a stale head each get their own error and write nothing.
  @Test func appendsWaitingTogetherAreWrittenTogetherAndARefusalIsAlone() async throws {
    let (ledger, admin) = try await Fixture.ledger()
    let url = try #require(Fixture.url)
    let server = try ServerProcess.start(postgres: url)
    defer { server.stop() }
    let token = try await Fixture.token(admin, ledger: ledger, role: .recorder, node: "nhs").token
    let south = try await Fixture.token(
      admin, ledger: ledger, role: .recorder, node: "nhs/south"
    ).token
    let keeper = try await Fixture.token(admin, ledger: ledger, role: .keeper, node: nil).token
    let before = try await server.client.get(.head, ledger: ledger, token: keeper).decode(
      RemoteHead.self)
    // Warm the instance's ledger, so that the requests below only wait for the lock.
    #expect(try await server.client.get(.info, ledger: ledger, token: token).status == 200)

    let holder = LockHolder(
      try PostgresEventStore(
        configuration: try admin.postgres.withTable(Directory.eventsTable(ledger))))
    try await holder.waitUntilHeld()
    var plan: [(key: String, expected: Expected)] = (0..<40).map { ("g\($0)", .recorded) }
    plan.insert(("bad", .invalid), at: 13)
    plan.insert(("far", .notAllowed), at: 21)
    plan.insert(("stale", .conflict), at: 30)
    plan += [("twice", .twice), ("twice", .twice)]
    let client = server.client
    let requests = try plan.map { key, expected in
      let events: [EventPayload]
      var caller = token
      var head: RemoteHead?
      switch expected {
      case .invalid:
        events = [
          .tellingRecorded(
            TellingRecorded(story: "nope", on: try Day(parsing: "2026-05-02"), narrative: "x"))
        ]
      case .notAllowed:
        // A south recorder telling a story in the north.
        events = try InstanceTests.tell(key)
        caller = south
      case .conflict:
        events = try InstanceTests.tell(key)
        head = RemoteHead(sequence: 1, hash: SHA256Digest.zero.hex)
      case .recorded, .twice:
        events = try InstanceTests.tell(key)
      }
      return try client.appendRequest(
        events, ledger: ledger, token: caller, key: key, expectedHead: head)
    }
    // Every request is waiting at the instance a second after it was sent; then the lock is
    // released, by the thread that sent them.
    let answers = try await client.sendTogether(requests, thenAfter: 1) { holder.release() }

    var ranges: [ClosedRange<UInt64>] = []
    var twice: [RemoteAppendResponse] = []
    for (index, (key, expected)) in plan.enumerated() {
      let answer = answers[index]
      switch expected {
      case .recorded:
        #expect(answer.status == 201, "\(key): \(answer.text)")
        let response = try answer.decode(RemoteAppendResponse.self)
        let first = try #require(response.first)
        #expect(response.count == 3 && !response.isRepeat)
        #expect(response.head.sequence >= first + 2)
        ranges.append(first...(first + 2))
      case .invalid:
        #expect(answer.status == 400, "\(answer.text)")
        #expect(answer.error?.code == "invalid")
        #expect(answer.error?.exitCode == 65)
      case .notAllowed:
        #expect(answer.status == 403, "\(answer.text)")
      case .conflict:
        #expect(answer.status == 409, "\(answer.text)")
        #expect(answer.error?.code == "conflict")
      case .twice:
        #expect(answer.status == 201 || answer.status == 200, "\(answer.text)")
        twice.append(try answer.decode(RemoteAppendResponse.self))
      }
    }
    // The key sent twice: recorded once, the other answered as a repeat of it.
    let recordedTwice = try #require(twice.first { !$0.isRepeat })
    let repeated = try #require(twice.first { $0.isRepeat })
    #expect(repeated.first == recordedTwice.first && repeated.count == 0)
    ranges.append(try #require(recordedTwice.first)...(try #require(recordedTwice.first) + 2))
    // Acknowledged writes follow one another from the old head, without a gap or overlap.
    ranges.sort { $0.lowerBound < $1.lowerBound }
    var next = before.sequence + 1
    for range in ranges {
      #expect(range.lowerBound == next)
      next = range.upperBound + 1
    }
    let after = try await server.client.get(.head, ledger: ledger, token: keeper).decode(
      RemoteHead.self)
    #expect(after.sequence == before.sequence + 41 * 3)
    // Each story once in the log, and the refused ones not at all.
    let log = try await server.client.get(.log, ledger: ledger, token: keeper)
    for (key, expected) in plan {
      let count = log.text.components(separatedBy: #""story":"\#(key)""#).count - 1
      switch expected {
      case .recorded, .twice: #expect(count == 3, "\(key) is in the log \(count / 3) times")
      case .invalid, .notAllowed, .conflict: #expect(count == 0, "\(key) was recorded")
      }
    }
    let report = try await server.client.get(.verify, ledger: ledger, token: keeper).decode(
      VerificationReport.self)
    #expect(report.problem == nil, "\(String(describing: report.problem))")
    // They were written together: some transaction wrote several requests.
    let metrics = try await server.client.send("GET", "/metrics", token: nil).text
    let grouped = Self.metric("storyledger_append_grouped_requests", in: metrics)
    #expect(grouped >= 2, "no append was written in a group:\n\(metrics)")
  }

  /// Many clients append at once through two instances: every append is acknowledged once,
  /// the acknowledged sequences cover the log from the old head without a gap, the chain
  /// verifies, and each instance reads the other's writes.
  @Test func manyConcurrentAppendsMakeAGaplessChainThatVerifies() async throws {
    let servers = try await Fixture.twoInstances()
    defer { servers.stop() }
    let (ledger, first, second) = (servers.ledger, servers.first, servers.second)
    let token = try await servers.token(.recorder, node: "nhs")
    let keeper = try await servers.token(.keeper, node: nil)
    let before = try await first.client.get(.head, ledger: ledger, token: keeper).decode(
      RemoteHead.self)
    let stories = try await first.client.get(
      .summary, ledger: ledger, query: ["node": "nhs/north"], token: keeper
    ).decode(Summary.self).total.stories
    let clients = 30
    let appends = 10
    let ports = [first.port, second.port]
    let ranges = try await withThrowingTaskGroup(of: [ClosedRange<UInt64>].self) { group in
      for client in 0..<clients {
        group.addTask {
          var ranges: [ClosedRange<UInt64>] = []
          for number in 0..<appends {
            let answer = try await HTTPTestClient(port: ports[(client + number) % 2]).append(
              try InstanceTests.tell("m\(client)-\(number)"), ledger: ledger, token: token,
              key: "m\(client)-\(number)")
            #expect(answer.status == 201, "\(answer.text)")
            let response = try answer.decode(RemoteAppendResponse.self)
            let start = try #require(response.first)
            ranges.append(start...(start + UInt64(response.count) - 1))
          }
          return ranges
        }
      }
      var all: [ClosedRange<UInt64>] = []
      for try await ranges in group { all += ranges }
      return all
    }
    #expect(ranges.count == clients * appends)
    var next = before.sequence + 1
    for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
      #expect(range.lowerBound == next)
      next = range.upperBound + 1
    }
    let heads = [
      try await first.client.get(.head, ledger: ledger, token: keeper).decode(RemoteHead.self),
      try await second.client.get(.head, ledger: ledger, token: keeper).decode(RemoteHead.self),
    ]
    #expect(heads[0] == heads[1])
    #expect(heads[0].sequence == next - 1)
    for server in [first, second] {
      let summary = try await server.client.get(
        .summary, ledger: ledger, query: ["node": "nhs/north"], token: keeper
      ).decode(Summary.self)
      #expect(summary.total.stories == stories + clients * appends)
      let report = try await server.client.get(.verify, ledger: ledger, token: keeper).decode(
        VerificationReport.self)
      #expect(report.problem == nil, "\(String(describing: report.problem))")
    }
  }

  /// Appends queued while another writer holds the lock for longer than the server's lock
  /// timeout (5 s) are answered busy after that wait, and record nothing; retried once the
  /// lock is free, they are recorded.
  @Test func queuedAppendsAreAnsweredBusyAfterTheLockTimeout() async throws {
    let (ledger, admin) = try await Fixture.ledger()
    let url = try #require(Fixture.url)
    let server = try ServerProcess.start(postgres: url)
    defer { server.stop() }
    let token = try await Fixture.token(admin, ledger: ledger, role: .recorder, node: "nhs").token
    let before = try await server.client.get(.head, ledger: ledger, token: token).decode(
      RemoteHead.self)
    let holder = LockHolder(
      try PostgresEventStore(
        configuration: try admin.postgres.withTable(Directory.eventsTable(ledger))))
    try await holder.waitUntilHeld()
    let client = server.client
    // Sent from a thread of their own, so that each one's wait is the server's alone.
    let answers = try await client.sendTogether(
      try (0..<10).map { number in
        try client.appendRequest(
          try InstanceTests.tell("w\(number)"), ledger: ledger, token: token, key: "w\(number)")
      })
    holder.release()
    for answer in answers {
      #expect(answer.status == 423, "\(answer.text)")
      #expect(answer.error?.code == "busy")
      #expect(answer.error?.exitCode == 75)
      let waited = try #require(answer.waited)
      #expect(waited >= .milliseconds(4_500) && waited < .seconds(15), "\(waited)")
    }
    #expect(
      try await server.client.get(.head, ledger: ledger, token: token).decode(RemoteHead.self)
        == before)
    for number in 0..<10 {
      let retry = try await server.client.append(
        try InstanceTests.tell("w\(number)"), ledger: ledger, token: token, key: "w\(number)")
      #expect(retry.status == 201, "\(retry.text)")
    }
    let after = try await server.client.get(.head, ledger: ledger, token: token).decode(
      RemoteHead.self)
    #expect(after.sequence == before.sequence + 30)
  }

  /// The value of the counter `name` in a Prometheus text page (0 when absent).
  static func metric(_ name: String, in page: String) -> Double {
    for line in page.split(separator: "\n") where line.hasPrefix(name + " ") {
      return Double(line.split(separator: " ").last ?? "") ?? 0
    }
    return 0
  }
}
