import Foundation
import StoryLedger
import Testing

@testable import StoryLedgerCLI

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// The transport: the bearer token, retries with backoff for what may be sent again, and
/// each failure mapped to the exit code and message the "Exit codes" table gives.
@Suite("Talking to the server: retries and failures")
struct RemoteTransportTests {
  private let read = RemoteRequest(method: "GET", path: "/v1/ledgers/north/head")
  private func write(key: String? = "cli-k1", usersKey: Bool = false) -> RemoteRequest {
    RemoteRequest(
      method: "POST", path: "/v1/ledgers/north/events", body: Data("{}".utf8),
      idempotencyKey: key, isUsersKey: usersKey)
  }

  @Test func theTokenGoesInTheAuthorizationHeaderAndTheKeyInItsOwn() throws {
    let stub = StubServer { _ in .status(200, body: "{}") }
    let transport = try stub.transport(token: "abc.DEF-123", sleeps: Sleeps())
    _ = try transport.send(write())
    let request = try #require(stub.requests.first)
    #expect(request.method == "POST")
    #expect(request.path == "/v1/ledgers/north/events")
    #expect(request.headers["authorization"] == "Bearer abc.DEF-123")
    #expect(request.headers["idempotency-key"] == "cli-k1")
    #expect(request.headers["content-type"] == "application/json")
    #expect(request.body == Data("{}".utf8))
  }

  @Test func aReadIsRetriedWithGrowingWaitsUntilTheServerAnswers() throws {
    let stub = StubServer { _ in .status(503, body: #"{"error":"the database is away"}"#) }
    let sleeps = Sleeps()
    var policy = RemotePolicy()
    policy.firstBackoff = .milliseconds(100)
    policy.longestBackoff = .seconds(10)
    let transport = try stub.transport(policy: policy, sleeps: sleeps)
    var calls = 0
    stub.setHandler { _ in
      calls += 1
      return calls < 4 ? .failure(.timedOut) : .status(200, body: "ok")
    }
    let response = try transport.send(read)
    #expect(String(decoding: response.body, as: UTF8.self) == "ok")
    #expect(stub.requests.count == 4)
    let waits = sleeps.all
    #expect(waits.count == 3)
    // Each wait is between half and all of 100 ms doubled per attempt.
    for (index, wait) in waits.enumerated() {
      let full = Duration.milliseconds(100) * (1 << index)
      #expect(wait >= full / 2 && wait <= full, "wait \(index): \(wait)")
    }
  }

  @Test func aBusyServerIsGivenUpOnAfterTheAttemptsWithExit75() throws {
    let stub = StubServer { _ in
      .status(503, body: #"{"error":"the database does not answer","code":"unavailable"}"#)
    }
    let sleeps = Sleeps()
    let transport = try stub.transport(sleeps: sleeps)
    #expect {
      _ = try transport.send(read)
    } throws: { error in
      guard let error = error as? LedgerError else { return false }
      return ExitCode(error.code) == .busy && error.message.contains("the database does not answer")
        && error.message.contains(stub.host)
    }
    #expect(stub.requests.count == transport.policy.attempts)
    #expect(sleeps.all.count == transport.policy.attempts - 1)
  }

  @Test func retryAfterIsHonoured() throws {
    var calls = 0
    let stub = StubServer { _ in
      calls += 1
      return calls == 1 ? .status(429, headers: ["Retry-After": "2"]) : .status(200)
    }
    let sleeps = Sleeps()
    _ = try stub.transport(sleeps: sleeps).send(read)
    #expect(sleeps.all == [.seconds(2)])
  }

  @Test func aWriteWithItsKeyIsSentAgainWithTheSameKey() throws {
    var calls = 0
    let stub = StubServer { _ in
      calls += 1
      switch calls {
      case 1: return .failure(.networkConnectionLost)
      case 2: return .status(502)
      default: return .status(200, body: "{}")
      }
    }
    _ = try stub.transport(sleeps: Sleeps()).send(write(key: "cli-abc"))
    #expect(stub.requests.count == 3)
    #expect(stub.requests.allSatisfy { $0.headers["idempotency-key"] == "cli-abc" })
  }

  @Test func aWriteWithoutAKeyIsNeverSentTwice() throws {
    let stub = StubServer { _ in .failure(.timedOut) }
    #expect {
      _ = try stub.transport(sleeps: Sleeps()).send(write(key: nil))
    } throws: { error in
      guard let error = error as? LedgerError else { return false }
      return error.code == .busy && error.message.contains("may or may not have been recorded")
    }
    #expect(stub.requests.count == 1)
  }

  @Test func aWriteWhoseAnswerNeverCameSaysHowToRepeatItSafely() throws {
    let stub = StubServer { _ in .failure(.timedOut) }
    let transport = try stub.transport(sleeps: Sleeps())
    #expect {
      _ = try transport.send(write(key: "cli-7f3a"))
    } throws: { error in
      guard let error = error as? LedgerError else { return false }
      return ExitCode(error.code) == .busy
        && error.message.contains("did not answer")
        && error.message.contains(
          "may or may not have been recorded: run the same command again with --idempotency-key cli-7f3a, it will not be recorded twice"
        )
    }
    #expect(stub.requests.count == transport.policy.attempts)
    #expect {
      _ = try transport.send(write(key: "mine", usersKey: true))
    } throws: { error in
      (error as? LedgerError)?.message.contains("with the same --idempotency-key") == true
    }
  }

  @Test func aRefusedConnectionIsAnIOErrorAndNothingWasRecorded() throws {
    let stub = StubServer { _ in .failure(.cannotConnectToHost) }
    let transport = try stub.transport(sleeps: Sleeps())
    #expect {
      _ = try transport.send(write())
    } throws: { error in
      guard let error = error as? LedgerError else { return false }
      return ExitCode(error.code) == .ioError && error.message.contains("connection was refused")
        && error.message.contains("nothing was recorded")
    }
    // Nothing left the machine, so it was tried again, all the attempts.
    #expect(stub.requests.count == transport.policy.attempts)
  }

  @Test func refusalsMapToTheirExitCodesWithTheServersMessage() throws {
    let cases: [(Int, String, ExitCode, String)] = [
      (
        401, #"{"error":"the token has expired","code":"not-allowed"}"#, .notAllowed,
        "does not accept the token (the token has expired)"
      ),
      (
        403, #"{"error":"a recorder may not settle accounts","code":"not-allowed"}"#, .notAllowed,
        "refused: a recorder may not settle accounts"
      ),
      (404, #"{"error":"no ledger south","code":"not-found"}"#, .noInput, "no ledger south"),
      (
        422, #"{"error":{"message":"the story k3f9 is withdrawn"}}"#, .dataError,
        "the story k3f9 is withdrawn"
      ),
      (413, "request body too large", .dataError, "request body too large"),
      (500, "<html>oops</html>", .ioError, "failed (HTTP 500"),
    ]
    for (status, body, exit, message) in cases {
      let stub = StubServer { _ in .status(status, body: body) }
      let transport = try stub.transport(token: "tok-secret-1", sleeps: Sleeps())
      do {
        _ = try transport.send(read)
        Issue.record("\(status) was taken for success")
      } catch {
        #expect(ExitCode(error.code) == exit, "\(status): \(error.code)")
        #expect(error.message.contains(message), "\(status): \(error.message)")
        #expect(!error.message.contains("tok-secret-1"))
      }
      // A refusal is an answer: it is not asked again.
      #expect(stub.requests.count == 1, "\(status)")
    }
  }
}
