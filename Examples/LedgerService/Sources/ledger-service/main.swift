// ledger-service [--ledger DIR] [--host HOST] [--port PORT]
//
// Serves the ledger in DIR (created when missing) over HTTP JSON; see `LedgerService`.
import Foundation
import LedgerService
import StoryLedger

var arguments = ArraySlice(CommandLine.arguments.dropFirst())
var directory = ProcessInfo.processInfo.environment["STORYLEDGER_DIR"] ?? ".storyledger"
var host = "127.0.0.1"
var port = 8080
while let argument = arguments.popFirst() {
  switch argument {
  case "--ledger": directory = arguments.popFirst() ?? directory
  case "--host": host = arguments.popFirst() ?? host
  case "--port": port = arguments.popFirst().flatMap { Int($0) } ?? port
  default:
    FileHandle.standardError.write(
      Data("usage: ledger-service [--ledger DIR] [--host HOST] [--port PORT]\n".utf8))
    exit(64)
  }
}

do {
  let url = URL(filePath: directory)
  let ledger =
    FileManager.default.fileExists(atPath: url.path)
    ? try Ledger.open(at: url)
    : try Ledger.create(at: url, configuration: try LedgerConfiguration(), actor: "ledger-service")
  try await LedgerService.application(ledger: ledger, host: host, port: port).runService()
} catch {
  FileHandle.standardError.write(Data("ledger-service: \(error)\n".utf8))
  exit(1)
}
