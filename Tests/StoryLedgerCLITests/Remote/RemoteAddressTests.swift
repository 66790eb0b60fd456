import Foundation
import StoryLedger
import StoryLedgerTestSupport
import Testing

@testable import StoryLedgerCLI

/// `--ledger URL`, `STORYLEDGER_DIR` holding one, and the token: parsed and checked before
/// anything is sent.
@Suite("A ledger on a server: the URL and the token")
struct RemoteAddressTests {
  @Test func wellFormedURLsNameTheServerAndTheLedger() throws {
    let cases: [(String, String, String, String)] = [
      (
        "https://ledger.example.org/ledgers/nhs", "https://ledger.example.org", "nhs",
        "ledger.example.org"
      ),
      ("http://127.0.0.1:8080/ledgers/north", "http://127.0.0.1:8080", "north", "127.0.0.1:8080"),
      (
        "HTTPS://Ledger.Example.org:443/ledgers/trust_07/", "https://Ledger.Example.org:443",
        "trust_07", "Ledger.Example.org:443"
      ),
      ("http://[::1]:9000/ledgers/a1", "http://[::1]:9000", "a1", "[::1]:9000"),
    ]
    for (text, server, name, host) in cases {
      let address = try RemoteLedgerAddress(parsing: text, source: "--ledger")
      #expect(address.server.absoluteString == server, "\(text)")
      #expect(address.name == name, "\(text)")
      #expect(address.hostAndPort == host, "\(text)")
      #expect(address.description == server + "/ledgers/" + name, "\(text)")
    }
  }

  @Test func aDirectoryIsNotAURL() throws {
    for text in ["ledger", "./https", "/srv/ledgers/nhs", "http-ledger", "C:ledger"] {
      let location = try LedgerLocation.parse(text, source: "--ledger") {
        URL(filePath: "/base/" + $0)
      }
      guard case .directory = location else {
        Issue.record("\(text) was taken for a URL")
        continue
      }
    }
  }

  @Test func malformedURLsAreRefusedSayingWhyAndTheForm() {
    let cases: [(String, String)] = [
      ("ftp://host/ledgers/nhs", "not http or https"),
      ("https:/host/ledgers/nhs", "followed by //"),
      ("https://host", "names no ledger"),
      ("https://host/", "names no ledger"),
      ("https://host/ledger/nhs", "not /ledgers/NAME"),
      ("https://host/ledgers/nhs/extra", "not /ledgers/NAME"),
      ("https://host/ledgers/", "name is empty"),
      ("https://host:0/ledgers/nhs", "port 0"),
      ("https://host:70000/ledgers/nhs", "70000"),
      ("https://host:abc/ledgers/nhs", "well-formed"),
      ("https://user:secret@host/ledgers/nhs", "never in the URL"),
      ("https://host/ledgers/nhs?token=x", "query"),
      ("https://host/ledgers/nhs#top", "fragment"),
      ("https:///ledgers/nhs", "no host"),
      ("https://host/ledgers/n hs", "space"),
      ("https://host/ledgers/%2e%2e", "not a name"),
      ("https://host/ledgers/North", "lower-case letter"),
      ("https://host/ledgers/9lives", "lower-case letter"),
    ]
    for (text, reason) in cases {
      do {
        _ = try RemoteLedgerAddress(parsing: text, source: "STORYLEDGER_DIR")
        Issue.record("\(text) was accepted")
      } catch {
        #expect(error.message.contains(reason), "\(text): \(error.message)")
        #expect(error.message.hasPrefix("STORYLEDGER_DIR \"\(text)\""), "\(error.message)")
        #expect(error.message.contains("http(s)://HOST[:PORT]/ledgers/NAME"), "\(error.message)")
      }
    }
  }

  @Test func aMalformedURLExitsWithAUsageErrorBeforeAnythingIsSent() throws {
    let directory = try TemporaryDirectory()
    for (arguments, environment) in [
      (["--ledger", "https://host/ledger/nhs", "summary", "nhs"], [String: String]()),
      (["summary", "nhs", "--ledger=https://host:99999/ledgers/nhs"], [:]),
      (["summary", "nhs"], ["STORYLEDGER_DIR": "gopher://host/ledgers/nhs"]),
    ] {
      let (console, capture) = Console.capturing()
      let status = StoryLedgerTool.run(
        arguments, environment: environment.merging(["STORYLEDGER_TOKEN": "t"]) { a, _ in a },
        currentDirectory: directory.url.path, console: console)
      #expect(status == .usage, "\(arguments): \(capture.error)")
      #expect(capture.error.contains("is not a ledger on a server"), "\(capture.error)")
    }
  }

  @Test func commandsForADirectoryRefuseAURL() throws {
    let directory = try TemporaryDirectory()
    for command in [["init"], ["rebuild"], ["recover"], ["demo"]] {
      let (console, capture) = Console.capturing()
      let status = StoryLedgerTool.run(
        ["--ledger", "https://ledger.example.org/ledgers/nhs"] + command,
        environment: ["STORYLEDGER_TOKEN": "t"], currentDirectory: directory.url.path,
        console: console)
      #expect(status == .usage, "\(command): \(capture.error)")
      #expect(capture.error.contains("is a ledger on a server"), "\(capture.error)")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).isEmpty)
  }

  @Test func aTokenFileForADirectoryIsAUsageError() throws {
    let session = try Session()
    session.ok(["init"])
    let result = session.run(["--token-file", "token.txt", "tree"])
    #expect(result.status == 64, "\(result.error)")
    #expect(result.error.contains("--token-file token.txt is for a ledger on a server"))
  }

  // MARK: The token

  private let address = try? RemoteLedgerAddress(
    parsing: "https://ledger.example.org/ledgers/nhs", source: "--ledger")

  private func token(file: URL? = nil, environment: [String: String] = [:]) throws -> (
    String, String
  ) {
    let (console, capture) = Console.capturing()
    let token = try RemoteToken.read(
      file: file, fileOption: file?.lastPathComponent, environment: environment,
      address: try #require(address), console: console)
    return (token, capture.error)
  }

  @Test func theTokenFileWinsOverTheEnvironmentAndIsTrimmed() throws {
    let directory = try TemporaryDirectory()
    let file = directory.url.appending(path: "token")
    try Data("  from-file.ABC_123~\n".utf8).write(to: file)
    #expect(chmod(file.path, 0o600) == 0)
    let (fromFile, warning) = try token(file: file, environment: ["STORYLEDGER_TOKEN": "from-env"])
    #expect(fromFile == "from-file.ABC_123~")
    #expect(warning.isEmpty)
    #expect(try token(environment: ["STORYLEDGER_TOKEN": "from-env\n"]).0 == "from-env")
  }

  @Test func aTokenFileEveryoneCanReadIsWarnedAboutButUsed() throws {
    let directory = try TemporaryDirectory()
    let file = directory.url.appending(path: "token")
    try Data("secret-token-value".utf8).write(to: file)
    #expect(chmod(file.path, 0o644) == 0)
    let (value, warning) = try token(file: file)
    #expect(value == "secret-token-value")
    #expect(warning.contains("can be read by every user of this machine (mode 644)"), "\(warning)")
    #expect(warning.contains("chmod 600"))
    #expect(!warning.contains("secret-token-value"))
  }

  @Test func aMissingEmptyOrMalformedTokenIsRefusedWithoutShowingIt() throws {
    let directory = try TemporaryDirectory()
    #expect {
      _ = try token(file: directory.url.appending(path: "absent"))
    } throws: { ($0 as? LedgerError)?.code == .notFound }
    let empty = directory.url.appending(path: "empty")
    try Data("\n".utf8).write(to: empty)
    #expect {
      _ = try token(file: empty)
    } throws: { ($0 as? UsageError)?.message.contains("is empty") == true }
    #expect {
      _ = try token(environment: ["STORYLEDGER_TOKEN": "two words-secret"])
    } throws: { error in
      let message = (error as? UsageError)?.message ?? ""
      return message.contains("character 4") && !message.contains("secret")
    }
    #expect {
      _ = try token(environment: ["STORYLEDGER_TOKEN": "jeton-é-secret"])
    } throws: { ($0 as? UsageError)?.message.contains("not ASCII") == true }
    #expect {
      _ = try token(environment: [:])
    } throws: { error in
      guard let error = error as? LedgerError else { return false }
      return error.code == .notAllowed && error.message.contains("STORYLEDGER_TOKEN")
        && ExitCode(error.code) == .notAllowed
    }
  }
}
