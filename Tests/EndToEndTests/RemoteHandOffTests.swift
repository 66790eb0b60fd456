import Foundation
import StoryLedgerTestSupport
import Testing

/// `storyledger` links no networking: a command on a ledger at a URL is handed to
/// `storyledger-remote` beside it, which reaches the server.
@Suite("The hand-off to storyledger-remote")
struct RemoteHandOffTests {
  /// A loopback port nothing listens on (port 1 needs root to serve).
  private let url = "http://127.0.0.1:1/ledgers/north"

  @Test func aCommandOnAURLIsRunByTheHelperAndSaysWhatHappened() throws {
    let directory = try TemporaryDirectory()
    let refused = try ToolProcess.run(
      ["--ledger", url, "node", "add", "nhs"],
      environment: ["STORYLEDGER_TOKEN": "abc123"], in: directory.url)
    // Only the helper's transport words this: the hand-off happened and it tried the server.
    #expect(refused.status == 74, "\(refused.error)")
    #expect(
      refused.error.contains("cannot reach the server 127.0.0.1:1: the connection was refused"))
    #expect(!refused.error.contains("abc123"))
    // No token: refused before anything is sent.
    let noToken = try ToolProcess.run(["--ledger", url, "tree"], in: directory.url)
    #expect(noToken.status == 77, "\(noToken.error)")
    #expect(noToken.error.contains("STORYLEDGER_TOKEN"))
    // A malformed URL is the tool's own usage error, with nothing handed over.
    let malformed = try ToolProcess.run(
      ["--ledger", "http://127.0.0.1:1/ledger/north", "tree"], in: directory.url)
    #expect(malformed.status == 64, "\(malformed.error)")
  }

  @Test func storyledgerItselfLoadsNoNetworking() throws {
    #if os(Linux)
      // The executable names no networking library to load (an ELF DT_NEEDED entry holds
      // the library's file name), and a command on a directory works.
      let directory = try TemporaryDirectory()
      let ledger = directory.url.appending(path: "l").path
      #expect(try ToolProcess.run(["--ledger", ledger, "init"]).status == 0)
      let binary = try String(contentsOf: ToolProcess.executable, encoding: .isoLatin1)
      #expect(!binary.contains("libFoundationNetworking.so"))
      let helper = ToolProcess.executable.deletingLastPathComponent().appending(
        path: "storyledger-remote")
      #expect(FileManager.default.isExecutableFile(atPath: helper.path))
    #endif
  }
}
