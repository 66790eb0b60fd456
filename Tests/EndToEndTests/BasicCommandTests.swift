import Foundation
import Testing

@Suite("storyledger basics")
struct BasicCommandTests {
  @Test func initVerifyAndDiscoveryFromASubdirectory() throws {
    let scratch = try Scratch()
    let created = try ToolProcess.run(
      ["init", "--levels", "national,region,organisation,team", "--currency", "GBP"],
      in: scratch.url)
    #expect(created.status == 0, "\(created.error)")
    #expect(
      FileManager.default.fileExists(
        atPath: scratch.url.appending(path: ".storyledger/events.log").path))
    let nested = scratch.url.appending(path: "a/b")
    try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
    let verified = try ToolProcess.run(["verify"], in: nested)
    #expect(verified.status == 0)
    #expect(verified.output.hasPrefix("intact: 1 events"))
    let again = try ToolProcess.run(["init"], in: scratch.url)
    #expect(again.status == 73)
    #expect(again.error.contains("already exists"))
  }

  @Test(arguments: [
    (["frobnicate"], Int32(64), "unknown command"),
    (["summry", "nhs"], 64, "did you mean `summary`"),
    (["verify", "--jsn"], 64, "did you mean --json"),
    (
      ["export", "timeseries", "--period", "fortnight", "--level", "team"], 64,
      "valid values: day, week"
    ),
    (["summary"], 64, "missing NODE"),
  ])
  func usageErrorsExit64(arguments: [String], status: Int32, message: String) throws {
    let scratch = try Scratch()
    let result = try ToolProcess.run(arguments, in: scratch.url)
    #expect(result.status == status)
    #expect(result.error.contains(message), "\(result.error)")
    #expect(!result.error.contains("Fatal error"))
    #expect(result.output.isEmpty)
  }

  @Test func missingLedgerExits66() throws {
    let scratch = try Scratch()
    let result = try ToolProcess.run(["summary", "nhs"], in: scratch.url)
    #expect(result.status == 66)
    #expect(result.error.contains("no ledger found"))
    let named = try ToolProcess.run([
      "--ledger", scratch.url.appending(path: "nope").path, "verify",
    ])
    #expect(named.status == 66)
    let variable = try ToolProcess.run(
      ["verify"], environment: ["STORYLEDGER_DIR": scratch.url.appending(path: "nope").path])
    #expect(variable.status == 66)
  }

  @Test func helpForEveryCommandHasAnExample() throws {
    let overview = try ToolProcess.run(["--help"])
    #expect(overview.status == 0)
    let commands = ["init", "import", "export timeseries", "summary", "verify", "log", "demo"]
    for command in commands {
      #expect(overview.output.contains("  \(command) "), "overview lists \(command)")
      let help = try ToolProcess.run(command.split(separator: " ").map(String.init) + ["--help"])
      #expect(help.status == 0, "\(command) --help")
      #expect(help.output.contains("examples:"), "\(command) --help has examples")
      #expect(help.output.contains("storyledger \(command)"), "\(command) --help shows a call")
    }
  }
}
