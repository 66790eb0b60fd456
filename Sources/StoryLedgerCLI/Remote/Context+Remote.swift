import Foundation
import StoryLedger

extension Context {
  /// The ledger the user named with `--ledger`, else `STORYLEDGER_DIR`: a directory or a
  /// server's URL; `nil` when neither is given.
  ///
  /// - Throws: ``UsageError`` for a malformed URL.
  func namedLocation() throws -> LedgerLocation? {
    if let option = ledgerOption {
      return try LedgerLocation.parse(option, source: "--ledger", directory: url(for:))
    }
    if let variable = environment["STORYLEDGER_DIR"], !variable.isEmpty {
      return try LedgerLocation.parse(variable, source: "STORYLEDGER_DIR", directory: url(for:))
    }
    return nil
  }

  /// Checks, before the command runs, that the ledger's URL is well formed, that the command
  /// can work on a ledger on a server, and that `--token-file` is given only for one.
  ///
  /// A process without networking (the `storyledger` executable) hands a command on a ledger
  /// at a URL, run with `commandLine`, to `storyledger-remote` here, before it reads anything.
  func checkLocation(for command: String, _ arguments: ParsedArguments, commandLine: [String])
    throws
  {
    // A corpus written to a file needs no ledger.
    if command == DemoCommand.spec.name,
      arguments.isGiven(DemoCommand.csv) || arguments.isGiven(DemoCommand.into)
    {
      return
    }
    guard case .remote(let address)? = try namedLocation() else {
      if let file = tokenFileOption {
        throw UsageError(
          "--token-file \(file) is for a ledger on a server (--ledger \(RemoteLedgerAddress.form)); this command's ledger is a directory",
          usage: arguments.usage)
      }
      return
    }
    if let reason = Context.directoryOnly[command] {
      throw UsageError(
        "`storyledger \(command)` \(reason), and \(address) is a ledger on a server",
        usage: arguments.usage)
    }
    if StoryLedgerTool.httpExchange == nil, ProcessExit.isImminent {
      throw RemoteHandOff.exec(commandLine)
    }
  }

  /// The commands that work only on a ledger directory, and why.
  static let directoryOnly: [String: String] = [
    "init":
      "creates a ledger directory (a ledger on the server is created with `storyledger-server ledger create`)",
    "rebuild":
      "rebuilds the projection snapshot of a ledger directory (the server keeps its own projections)",
    "recover":
      "repairs the log file of a ledger directory (the server keeps its log in PostgreSQL)",
    "demo":
      "builds a demo ledger directory (`demo --csv FILE` writes a corpus that `storyledger import` records on the server)",
  ]

  /// The transport to the server at `address`, with the token of `--token-file` or
  /// `STORYLEDGER_TOKEN`.
  func remoteTransport(_ address: RemoteLedgerAddress) throws -> RemoteTransport {
    let token = try RemoteToken.read(
      file: tokenFileOption.map(url(for:)), fileOption: tokenFileOption, environment: environment,
      address: address, console: console)
    guard let exchange = StoryLedgerTool.httpExchange else {
      throw LedgerError(
        .io,
        "this process cannot reach \(address.hostAndPort): it has no networking (run storyledger-remote)"
      )
    }
    guard let setup = RemoteTransport.testSetup else {
      return RemoteTransport(
        address: address, token: token, exchange: exchange, policy: RemotePolicy(environment))
    }
    return RemoteTransport(
      address: address, token: token, exchange: exchange, policy: setup.policy,
      sleep: setup.sleep)
  }

  /// Opens the ledger on the server at `address`: reads its log (as the token may read it)
  /// into the library's projections, as for a directory, with reads limited to the token's
  /// subtree (``Ledger/readScope``), as the server's own views are.
  func openRemoteLedger(_ address: RemoteLedgerAddress, reading route: RemoteRoute? = nil)
    throws -> Ledger
  {
    let store = RemoteEventStore(transport: try remoteTransport(address))
    let token = try store.info()
    if let route, !RemoteAccess.allows(token.role, route) {
      throw LedgerError(
        .notAllowed,
        "a token with the role \(token.role) may not read this (the server refuses that role its \(route.rawValue) route): an analyst reads figures and exports, never a story's history or an inbox"
      )
    }
    let ledger = try Ledger(store: store) { events in
      console.progress("reading the ledger from \(address.hostAndPort): \(events) events")
    }
    console.clearProgress()
    ledger.readScope = token.node
    return ledger
  }
}
