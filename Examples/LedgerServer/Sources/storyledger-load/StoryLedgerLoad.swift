// storyledger-load: load for a running storyledger-server, measured from the client's side
// (Scripts/load.sh runs it).
import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import StoryLedger
import StoryLedgerCLI
import StoryLedgerNetworking

@main
struct StoryLedgerLoad: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "storyledger-load",
    abstract: "Put a storyledger-server under load and measure it from the client's side.",
    discussion: """
      Each measuring command prints one line of KEY=VALUE pairs on standard output (times in
      milliseconds, rates per second) and exits 1 when a request it needed failed.

      Examples:
        storyledger-load record --server http://127.0.0.1:8080 --server http://127.0.0.1:8081 --ledger load --token-file recorder.token --node nhs/load --clients 100 --seconds 30
        storyledger-load summary --server http://127.0.0.1:8080 --ledger demo --token-file keeper.token --node nhs --requests 200
        storyledger-load first-summary --server http://127.0.0.1:8082 --ledger demo --token-file keeper.token --node nhs --since 1765000000000000000
        storyledger-load cli demo --rows 1000000 --csv corpus.csv
      """,
    subcommands: [Record.self, SummaryLatency.self, FirstSummary.self, Passthrough.self])
}

/// The ledger and token every measuring command takes.
struct Target: ParsableArguments {
  @Option(help: "The ledger's name on the server.")
  var ledger: String
  @Option(help: "A file holding the token (slt_…).")
  var tokenFile: String
  @Option(help: "The node the requests concern.")
  var node: String

  func token() throws -> String {
    let text = try String(contentsOfFile: tokenFile, encoding: .utf8)
    return text.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  func url(_ server: String, _ route: RemoteRoute, query: String = "") -> String {
    let base = server.hasSuffix("/") ? String(server.dropLast()) : server
    return base + RemoteAPI.path(route, ledger: ledger) + (query.isEmpty ? "" : "?" + query)
  }

  var nodeQuery: String {
    "node=" + (node.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? node)
  }
}

/// Latencies in seconds, and their percentiles in milliseconds.
struct Latencies {
  var seconds: [Double] = []

  mutating func add(_ duration: Duration) {
    let (whole, fraction) = duration.components
    seconds.append(Double(whole) + Double(fraction) / 1e18)
  }

  /// The nearest-rank percentile `p` (0 to 100), in milliseconds.
  func percentile(_ p: Double) -> Double {
    guard !seconds.isEmpty else { return .nan }
    let sorted = seconds.sorted()
    let rank = max(1, Int((p / 100 * Double(sorted.count)).rounded(.up)))
    return sorted[min(rank, sorted.count) - 1] * 1000
  }

  var line: String {
    String(
      format: "p50_ms=%.1f p99_ms=%.1f max_ms=%.1f", percentile(50), percentile(99),
      percentile(100))
  }
}

func makeClient(connections: Int) -> HTTPClient {
  var configuration = HTTPClient.Configuration()
  configuration.connectionPool = .init(
    idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
  configuration.timeout = .init(connect: .seconds(5), read: .seconds(60))
  return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}

/// Sends one request, a `POST` of `body` or else a `GET`; answers the status and the body.
func exchange(
  _ client: HTTPClient, _ url: String, token: String, body: Data? = nil
) async throws -> (status: Int, body: ByteBuffer) {
  var request = HTTPClientRequest(url: url)
  request.method = body == nil ? .GET : .POST
  request.headers.add(name: "Authorization", value: "Bearer \(token)")
  if let body {
    request.headers.add(name: "Content-Type", value: RemoteAPI.jsonMediaType)
    request.body = .bytes(ByteBuffer(bytes: body))
  }
  let response = try await client.execute(request, timeout: .seconds(60))
  let bytes = try await response.body.collect(upTo: 256 << 20)
  return (Int(response.status.code), bytes)
}

/// Concurrent clients telling stories through the API (each request a `story.told` and its
/// telling, as `storyledger story tell` sends), spread over the servers, for a while.
struct Record: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Concurrent recording clients: acknowledged appends per second and latency.")

  @Option(help: "A server's base URL (repeat for several instances; clients are spread over them).")
  var server: [String]
  @OptionGroup var target: Target
  @Option(help: "Concurrent clients, each sending one request at a time.")
  var clients = 100
  @Option(help: "How long to record, in seconds.")
  var seconds = 30
  @Option(help: "The most requests to send in all.")
  var maxRequests = 1_000_000

  func run() async throws {
    guard !server.isEmpty else { throw ValidationError("give --server URL at least once") }
    guard (1...1_000).contains(clients), (1...3_600).contains(seconds) else {
      throw ValidationError("--clients is 1 to 1000, --seconds 1 to 3600")
    }
    let token = try target.token()
    let node = try NodePath(parsing: target.node)
    let day = try Day(parsing: "2026-12-05")
    let client = makeClient(connections: clients)
    let run = UUID().uuidString.prefix(8).lowercased()
    let sent = Counter()
    let start = ContinuousClock.now
    let deadline = start + .seconds(seconds)
    let results = await withTaskGroup(of: ClientResult.self) { group in
      for index in 0..<clients {
        let server = self.server[index % self.server.count]
        let url = target.url(server, .events)
        group.addTask {
          var result = ClientResult()
          var number = 0
          while ContinuousClock.now < deadline, sent.next() <= maxRequests {
            number += 1
            let key = "l\(run)c\(index)n\(number)"
            do {
              let append = try RemoteAppendRequest(
                events: [
                  .storyTold(
                    StoryTold(
                      key: key, node: node, on: day,
                      title: "Load story \(number) of client \(index)",
                      tellers: ["Load Client \(index)"], tags: ["load"], share: "organisation")),
                  .tellingRecorded(
                    TellingRecorded(
                      story: key, on: day, narrative: "Told by the load client, request \(number).")
                  ),
                ], idempotencyKey: "load-\(key)")
              let body = try RemoteAPI.encoder().encode(append)
              let began = ContinuousClock.now
              let answer = try await exchange(client, url, token: token, body: body)
              if answer.status == 201 {
                result.latencies.add(ContinuousClock.now - began)
              } else {
                result.failures["\(answer.status)", default: 0] += 1
                if result.example == nil {
                  result.example = String(buffer: answer.body)
                }
              }
            } catch {
              result.failures["error", default: 0] += 1
              if result.example == nil { result.example = "\(error)" }
            }
          }
          return result
        }
      }
      var all = ClientResult()
      for await result in group {
        all.latencies.seconds += result.latencies.seconds
        all.failures.merge(result.failures, uniquingKeysWith: +)
        if all.example == nil { all.example = result.example }
      }
      return all
    }
    let elapsed = ContinuousClock.now - start
    try? await client.shutdown()
    let (whole, fraction) = elapsed.components
    let wall = Double(whole) + Double(fraction) / 1e18
    let acknowledged = results.latencies.seconds.count
    let failed = results.failures.values.reduce(0, +)
    print(
      String(
        format: "acknowledged=%d failed=%d seconds=%.2f appends_per_second=%.1f ", acknowledged,
        failed, wall, Double(acknowledged) / wall) + results.latencies.line)
    if failed > 0 {
      let kinds = results.failures.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
      FileHandle.standardError.write(
        Data(
          "storyledger-load: \(failed) requests failed (\(kinds.joined(separator: ", "))), for example: \(results.example ?? "")\n"
            .utf8))
    }
    if acknowledged == 0 { throw ArgumentParser.ExitCode(1) }
  }
}

struct ClientResult: Sendable {
  var latencies = Latencies()
  var failures: [String: Int] = [:]
  var example: String?
}

extension Latencies: Sendable {}

/// A shared count of requests sent.
final class Counter: @unchecked Sendable {
  private let lock = NSLock()
  private var value = 0

  /// Counts one more and answers the count.
  func next() -> Int {
    lock.lock()
    defer { lock.unlock() }
    value += 1
    return value
  }
}

/// `GET summary` again and again: its latency.
struct SummaryLatency: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "summary", abstract: "The latency of GET summary, one request at a time.")

  @Option(help: "The server's base URL.")
  var server: String
  @OptionGroup var target: Target
  @Option(help: "How many requests to time (after five untimed ones).")
  var requests = 200
  @Option(help: "Requests in flight at once.")
  var concurrency = 1

  func run() async throws {
    guard (1...100_000).contains(requests), (1...1_000).contains(concurrency) else {
      throw ValidationError("--requests is 1 to 100000, --concurrency 1 to 1000")
    }
    let token = try target.token()
    let url = target.url(server, .summary, query: target.nodeQuery)
    let client = makeClient(connections: concurrency)
    defer { _ = client.shutdown() }
    for _ in 0..<5 {
      let answer = try await exchange(client, url, token: token)
      guard answer.status == 200 else {
        FileHandle.standardError.write(
          Data(
            "storyledger-load: summary answered \(answer.status): \(String(buffer: answer.body))\n"
              .utf8))
        throw ArgumentParser.ExitCode(1)
      }
    }
    let sent = Counter()
    let start = ContinuousClock.now
    let latencies = try await withThrowingTaskGroup(of: Latencies.self) { group in
      for _ in 0..<concurrency {
        group.addTask {
          var latencies = Latencies()
          while sent.next() <= requests {
            let began = ContinuousClock.now
            let answer = try await exchange(client, url, token: token)
            guard answer.status == 200 else {
              throw ValidationError(
                "summary answered \(answer.status): \(String(buffer: answer.body))")
            }
            latencies.add(ContinuousClock.now - began)
          }
          return latencies
        }
      }
      var all = Latencies()
      for try await part in group { all.seconds += part.seconds }
      return all
    }
    let (whole, fraction) = (ContinuousClock.now - start).components
    let wall = Double(whole) + Double(fraction) / 1e18
    print(
      String(
        format: "requests=%d seconds=%.2f per_second=%.1f ", latencies.seconds.count, wall,
        Double(latencies.seconds.count) / wall) + latencies.line)
  }
}

/// How long a server just started takes to answer its first summary of a ledger: start-up,
/// connecting to the database and folding the ledger's whole log.
struct FirstSummary: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "first-summary",
    abstract: "Poll GET summary until it answers 200; print the time since --since.")

  @Option(help: "The server's base URL.")
  var server: String
  @OptionGroup var target: Target
  @Option(help: "When the server was started, in nanoseconds since 1970 (date +%s%N).")
  var since: UInt64
  @Option(help: "How long to wait at most, in seconds.")
  var timeout = 900

  func run() async throws {
    let token = try target.token()
    let url = target.url(server, .summary, query: target.nodeQuery)
    let client = makeClient(connections: 1)
    defer { _ = client.shutdown() }
    let deadline = ContinuousClock.now + .seconds(timeout)
    var attempts = 0
    var last = "no answer yet"
    while ContinuousClock.now < deadline {
      attempts += 1
      do {
        let answer = try await exchange(client, url, token: token)
        if answer.status == 200 {
          let now = Date().timeIntervalSince1970
          let seconds = now - Double(since) / 1e9
          print(
            String(
              format: "seconds=%.2f attempts=%d bytes=%d", seconds, attempts,
              answer.body.readableBytes))
          return
        }
        last = "\(answer.status): \(String(buffer: answer.body))"
      } catch {
        last = "\(error)"
      }
      try await Task.sleep(for: .milliseconds(100))
    }
    FileHandle.standardError.write(
      Data("storyledger-load: no summary within \(timeout) s; last: \(last)\n".utf8))
    throw ArgumentParser.ExitCode(1)
  }
}

/// The `storyledger` command line, linked in: to make the demo corpus and import it into
/// the server without building the main package as well.
struct Passthrough: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cli", abstract: "Run the storyledger command line with the arguments that follow."
  )

  @Argument(parsing: .captureForPassthrough, help: "The storyledger command line's arguments.")
  var arguments: [String] = []

  func run() throws {
    StoryLedgerTool.httpExchange = URLSessionExchange()
    let status = StoryLedgerTool.run(arguments)
    if status.rawValue != 0 { throw ArgumentParser.ExitCode(status.rawValue) }
  }
}
