import Foundation
import StoryLedger

/// The `storyledger` command-line tool, as a library so that tests run it in process.
///
/// ```swift
/// let (console, capture) = Console.capturing()
/// let status = StoryLedgerTool.run(["verify"], environment: ["STORYLEDGER_DIR": "/tmp/l"], console: console)
/// print(status, capture.error)
/// ```
public enum StoryLedgerTool {
  /// The tool's version.
  public static let version = "0.1.0"

  static let commands: [CommandEntry] = [
    CommandEntry(InitCommand.self), CommandEntry(ImportCommand.self),
    CommandEntry(ExportTimeSeriesCommand.self),
    CommandEntry(SummaryCommand.self), CommandEntry(VerifyCommand.self),
    CommandEntry(NodeAddCommand.self), CommandEntry(NodeRenameCommand.self),
    CommandEntry(NodeMoveCommand.self), CommandEntry(NodeRetireCommand.self),
    CommandEntry(TreeCommand.self),
    CommandEntry(StoryTellCommand.self), CommandEntry(StoryRetellCommand.self),
    CommandEntry(StoryUpdateCommand.self), CommandEntry(StoryShowCommand.self),
    CommandEntry(StoryWithdrawCommand.self), CommandEntry(ErasePersonCommand.self),
    CommandEntry(StoryAnswerCommand.self), CommandEntry(StoryVerifiedCommand.self),
    CommandEntry(StoryGroupCommand.self),
    CommandEntry(DomainAddCommand.self), CommandEntry(DomainsCommand.self),
    CommandEntry(CampaignAddCommand.self), CommandEntry(CampaignsCommand.self),
    CommandEntry(ParticipantAddCommand.self), CommandEntry(ParticipantsCommand.self),
    CommandEntry(ExportVoicesCommand.self),
    CommandEntry(ProxySetCommand.self), CommandEntry(ProxiesCommand.self),
    CommandEntry(ItemAddCommand.self), CommandEntry(ItemReviseCommand.self),
    CommandEntry(ItemEvidenceCommand.self), CommandEntry(ItemRateCommand.self),
    CommandEntry(ItemAgreeCommand.self), CommandEntry(ItemsCommand.self),
    CommandEntry(CascadeUpCommand.self), CommandEntry(CascadeDownCommand.self),
    CommandEntry(AccountProposeCommand.self), CommandEntry(AccountObjectCommand.self),
    CommandEntry(AccountRespondCommand.self), CommandEntry(AccountSettleCommand.self),
    CommandEntry(AccountReopenCommand.self), CommandEntry(AccountsCommand.self),
    CommandEntry(SelectCommand.self), CommandEntry(FeedbackCommand.self),
    CommandEntry(InboxCommand.self),
    CommandEntry(SessionStartCommand.self), CommandEntry(SessionShowCommand.self),
    CommandEntry(SessionsCommand.self), CommandEntry(ExportSessionsCommand.self),
    CommandEntry(PledgeMakeCommand.self), CommandEntry(PledgeJoinCommand.self),
    CommandEntry(PledgeFulfilCommand.self), CommandEntry(PledgeWithdrawCommand.self),
    CommandEntry(PledgesCommand.self), CommandEntry(ExportPledgesCommand.self),
    CommandEntry(ExportRatingsCommand.self),
    CommandEntry(ReportCommand.self),
    CommandEntry(LogCommand.self), CommandEntry(RebuildCommand.self),
    CommandEntry(RecoverCommand.self),
    CommandEntry(DemoCommand.self),
  ]

  /// Runs the tool with `arguments` (without the program name) and returns its exit code.
  public static func run(
    _ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
    currentDirectory: String = FileManager.default.currentDirectoryPath,
    console: Console = .standard()
  ) -> ExitCode {
    var context = Context(
      console: console, environment: environment, currentDirectory: currentDirectory)
    do {
      var rest = arguments[...]
      // Global options before the command.
      while let first = rest.first, first.hasPrefix("-") {
        rest = rest.dropFirst()
        switch first {
        case "--help", "-h":
          console.write(overview)
          return .success
        case "--version":
          console.write("storyledger \(version)\n")
          return .success
        case "--ledger":
          guard let directory = rest.first else {
            throw UsageError("--ledger needs a directory or a server URL", usage: usageLine)
          }
          context.ledgerOption = directory
          rest = rest.dropFirst()
        case "--token-file":
          guard let file = rest.first else {
            throw UsageError("--token-file needs a file", usage: usageLine)
          }
          context.tokenFileOption = file
          rest = rest.dropFirst()
        default:
          if first.hasPrefix("--ledger=") {
            context.ledgerOption = String(first.dropFirst("--ledger=".count))
          } else if first.hasPrefix("--token-file=") {
            context.tokenFileOption = String(first.dropFirst("--token-file=".count))
          } else {
            throw UsageError("unknown option \(first)", usage: usageLine)
          }
        }
      }
      guard let word = rest.first else {
        console.message(overview)
        return .usage
      }
      if word == "help" {
        let topic = rest.dropFirst().joined(separator: " ")
        if topic.isEmpty {
          console.write(overview)
          return .success
        }
        if let command = commands.first(where: { $0.spec.name == topic }) {
          console.write(command.spec.help)
          return .success
        }
        if let group = groupHelp(topic) {
          console.write(group)
          return .success
        }
        throw unknownCommand(topic)
      }
      // Two-word commands first (`export timeseries`).
      let words = rest.prefix(2).joined(separator: " ")
      let command: CommandEntry
      let commandArguments: [String]
      if let match = commands.first(where: { $0.spec.name == words }) {
        command = match
        commandArguments = Array(rest.dropFirst(2))
      } else if let match = commands.first(where: { $0.spec.name == word }) {
        command = match
        commandArguments = Array(rest.dropFirst())
      } else {
        throw unknownCommand(rest.prefix(2).joined(separator: " "))
      }
      var parsed = try ArgumentParser.parse(commandArguments, for: command.spec)
      parsed.lockTimeout = try lockWait(in: environment)
      if parsed.has(Flag.help) {
        console.write(command.spec.help)
        return .success
      }
      if let directory = try parsed.value(Option.ledger) { context.ledgerOption = directory }
      if let file = try parsed.value(Option.tokenFile) { context.tokenFileOption = file }
      if context.ledgerOption == "" {
        throw UsageError(
          "--ledger is empty; give the ledger directory (for example --ledger .storyledger)",
          usage: usageLine)
      }
      try context.checkLocation(for: command.spec.name, parsed, commandLine: arguments)
      do {
        try command.run(parsed, context)
      } catch {
        // Repairs made on the way (a torn tail cut off) are news even when the command fails.
        context.showNotices()
        throw error
      }
      context.showNotices()
      return .success
    } catch {
      return report(error, console: console)
    }
  }

  static let usageLine =
    "usage: storyledger [--ledger DIR|URL] [--token-file FILE] COMMAND [OPTIONS]"

  /// How long writes wait for another writer's lock: `STORYLEDGER_LOCK_WAIT` seconds (a
  /// decimal from 0 to 3600), else ``Ledger/defaultLockTimeout``.
  static func lockWait(in environment: [String: String]) throws -> Duration {
    guard let text = environment["STORYLEDGER_LOCK_WAIT"], !text.isEmpty else {
      return Ledger.defaultLockTimeout
    }
    guard text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
      let seconds = Double(text), seconds <= 3600
    else {
      throw UsageError(
        "STORYLEDGER_LOCK_WAIT is \"\(text)\"; give the seconds a write waits for another writer's lock, from 0 to 3600 (for example 2.5)",
        usage: usageLine)
    }
    return .milliseconds(Int((seconds * 1000).rounded()))
  }

  static func unknownCommand(_ words: String) -> UsageError {
    let names = commands.map(\.spec.name) + ["help"]
    let first = String(words.split(separator: " ").first ?? "")
    let group = commands(inGroup: first).map(\.spec.name)
    if !group.isEmpty, words.split(separator: " ").count == 1 || first == words {
      return UsageError(
        "`\(first)` needs one of: "
          + group.map { String($0.dropFirst(first.count + 1)) }.joined(separator: ", ")
          + "\nRun `storyledger help \(group[0])` for its options and examples.",
        usage: usageLine)
    }
    let suggestion =
      Suggestions.closest(to: words, among: names) ?? Suggestions.closest(to: first, among: names)
    // A second word is part of the command only after a group's name (`export timeserie`);
    // otherwise it is the command's argument (`sumary nhs`).
    let unknown = group.isEmpty ? first : words
    return UsageError(
      "unknown command \"\(unknown)\"" + (suggestion.map { "; did you mean `\($0)`?" } ?? "")
        + "\nRun `storyledger help` to list the commands.",
      usage: usageLine)
  }

  /// The commands whose name starts with the word `name` (`pledge make`, `pledge join`, …).
  static func commands(inGroup name: String) -> [CommandEntry] {
    commands.filter { $0.spec.name.hasPrefix(name + " ") }
  }

  /// The help of a group of commands (`storyledger help pledge`): each command of the group
  /// with what it does; `nil` when `name` is not a group's.
  static func groupHelp(_ name: String) -> String? {
    let group = commands(inGroup: name)
    guard !name.isEmpty, !name.contains(" "), !group.isEmpty else { return nil }
    let width = (group.map(\.spec.name.count).max() ?? 0) + 2
    let list = group.map {
      "  storyledger " + $0.spec.name.padding(toLength: width, withPad: " ", startingAt: 0)
        + $0.spec.abstract
    }
    return """
      the \(name) commands:
      \(list.joined(separator: "\n"))

      Run `storyledger help \(group[0].spec.name)` for a command's options and examples.

      """
  }

  /// The tool's overview: what it is, the commands, where the ledger is found.
  static var overview: String {
    let entries =
      commands.map { ($0.spec.name, $0.spec.abstract) } + [
        ("help COMMAND", "show a command's help, with examples")
      ]
    let width = (entries.map(\.0.count).max() ?? 0) + 2
    let list = entries.map { "  " + $0.padding(toLength: width, withPad: " ", startingAt: 0) + $1 }
    return """
      storyledger \(version): keep stories of value in a tamper-evident ledger and make value visible.

      \(usageLine)

      commands:
      \(list.joined(separator: "\n"))

      The ledger is the directory given by --ledger, else $STORYLEDGER_DIR, else the first
      .storyledger/ found in the current directory or its parents. A URL
      http(s)://HOST[:PORT]/ledgers/NAME names a ledger kept by storyledger-server: every
      command works the same there, with the token from --token-file FILE or
      $STORYLEDGER_TOKEN; a request waits STORYLEDGER_TIMEOUT seconds (default 30).

      Writes from several processes take turns: a write waits up to STORYLEDGER_LOCK_WAIT
      seconds (default \(Int(Ledger.defaultLockTimeout.components.seconds))) for another writer's lock, then exits 75.

      Exit codes: 0 success, 64 usage error, 65 bad input data or a ledger that fails
      verification, 66 missing file or ledger, 73 cannot create, 74 I/O error, 75 ledger
      busy (or a server that did not answer), 77 not allowed (the token's role or subtree),
      1 anything else.

      Start with `storyledger demo`.

      """
  }

  /// Writes `error` as a message and returns its exit code.
  static func report(_ error: any Error, console: Console) -> ExitCode {
    console.clearProgress()
    switch error {
    case let usage as UsageError:
      var text = "storyledger: error: \(usage.message)"
      if !usage.usage.isEmpty { text += "\n\(usage.usage)" }
      console.message(text)
      return .usage
    case let failure as CommandFailure:
      if !failure.message.isEmpty { console.message("storyledger: \(failure.message)") }
      return failure.code
    case let ledger as LedgerError:
      let hint = ledger.remedy.map { "; \(StoryLedgerTool.hint(for: $0))" } ?? ""
      console.message("storyledger: error: \(ledger.description)\(hint)")
      return ExitCode(ledger.code)
    case let importError as ImportError:
      console.message("storyledger: error: \(importError.description)\nnothing was imported")
      return .dataError
    case let value as ValueError:
      console.message("storyledger: error: \(value.description)")
      return .dataError
    default:
      console.message("storyledger: error: \(error)")
      return .failure
    }
  }

  /// How to put right what a library error's remedy names, in this tool's commands and flags.
  static func hint(for remedy: LedgerError.Remedy) -> String {
    switch remedy {
    case .giveNarrative: "give it with --text, --file, or on standard input"
    case .giveTitle: "give it with --title"
    case .retireAnyway: "to retire it anyway, add --force"
    case .reviewStory(let story): "`storyledger story show \(story)` shows it"
    case .listStories: "`storyledger items NODE` lists stories"
    case .listPledges: "`storyledger pledges NODE` lists them"
    case .namePerson: "give it with --by"
    case .proposeAccount: "`storyledger account propose` proposes one"
    case .reopenAccount: "`storyledger account reopen` reopens it"
    case .answerOrSettleOverObjections:
      "`storyledger account respond` answers; `account settle --over-objections NOTE` settles over them"
    case .rebuildSnapshot: "run `storyledger rebuild`"
    }
  }

  /// Runs the tool on the process's arguments and exits with its code.
  public static func main() -> Never {
    ProcessExit.isImminent = true
    let status = run(Array(CommandLine.arguments.dropFirst()))
    exit(status.rawValue)
  }
}

/// A command that ends with a given exit code and message (for example `verify` finding
/// a bad record).
struct CommandFailure: Error {
  var code: ExitCode
  var message: String
}

/// A command of the tool.
protocol Command: Sendable {
  static var spec: CommandSpec { get }
  static func run(_ arguments: ParsedArguments, in context: Context) throws
}

/// A command in the tool's table: its spec and how to run it.
struct CommandEntry: Sendable {
  var spec: CommandSpec
  var run: @Sendable (ParsedArguments, Context) throws -> Void

  init<C: Command>(_ command: C.Type) {
    spec = C.spec
    run = { arguments, context in try C.run(arguments, in: context) }
  }
}

/// What a command runs with: the console, the environment, where the ledger is.
struct Context {
  var console: Console
  var environment: [String: String]
  var currentDirectory: String
  var ledgerOption: String?
  /// `--token-file`: where the token for a ledger on a server is.
  var tokenFileOption: String?

  /// Resolves a path given on the command line against the current directory.
  func url(for path: String) -> URL {
    if path.hasPrefix("/") { return URL(filePath: path) }
    return URL(filePath: currentDirectory).appending(path: path)
  }

  /// The ledger directory the user named: `--ledger`, else `STORYLEDGER_DIR`; `nil` when
  /// neither is given, or when it is a server's URL (see ``namedLocation()``).
  func namedLedgerDirectory() -> URL? {
    if let option = ledgerOption {
      return RemoteLedgerAddress.looksLikeURL(option) ? nil : url(for: option)
    }
    if let variable = environment["STORYLEDGER_DIR"], !variable.isEmpty {
      return RemoteLedgerAddress.looksLikeURL(variable) ? nil : url(for: variable)
    }
    return nil
  }

  /// The ledger directory: `--ledger`, else `STORYLEDGER_DIR`, else `.storyledger/` in the
  /// current directory or its nearest parent that has one.
  func ledgerDirectory() throws -> URL {
    if case .remote(let address)? = try namedLocation() {
      throw UsageError("this command works on a ledger directory, and \(address) is on a server")
    }
    if let named = namedLedgerDirectory() { return named }
    var directory = URL(filePath: currentDirectory).standardizedFileURL
    while true {
      let candidate = directory.appending(path: ".storyledger")
      if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
      let parent = directory.deletingLastPathComponent()
      if parent.path == directory.path { break }
      directory = parent
    }
    throw LedgerError(
      .notFound,
      "no ledger found: give --ledger DIR, set STORYLEDGER_DIR, or run `storyledger init` to create .storyledger/ here"
    )
  }

  /// The ledgers this run opened, whose notices the tool shows when the command ends.
  let opened = OpenedLedgers()

  /// Opens the ledger, showing progress while its log is read and any repair it made.
  ///
  /// On a ledger on a server, a command that reads what the server's `route` answers is
  /// refused (77) to a token whose role may not call it, as the server refuses the route.
  func openLedger(reading route: RemoteRoute? = nil) throws -> Ledger {
    if case .remote(let address)? = try namedLocation() {
      let ledger = try openRemoteLedger(address, reading: route)
      opened.add(ledger)
      return ledger
    }
    let ledger = try Ledger.open(at: try ledgerDirectory()) { events in
      console.progress("reading the ledger: \(events) events")
    }
    console.clearProgress()
    ProcessExit.keepUntilExit(ledger)
    opened.add(ledger)
    return ledger
  }

  /// Shows the notices of repairs the ledger made (a torn tail cut off).
  func showNotices(of ledger: Ledger) {
    for notice in ledger.takeNotices() { console.message("storyledger: note: \(notice)") }
  }

  /// Shows the notices of every ledger this run opened: every writer cuts a torn tail
  /// before it appends, and whichever command it was, the person who ran it hears of it.
  func showNotices() {
    for ledger in opened.all { showNotices(of: ledger) }
  }
}

/// The ledgers a run of the tool opened.
final class OpenedLedgers: @unchecked Sendable {
  private let lock = NSLock()
  private var ledgers: [Ledger] = []

  func add(_ ledger: Ledger) {
    lock.lock()
    ledgers.append(ledger)
    lock.unlock()
  }

  var all: [Ledger] {
    lock.lock()
    defer { lock.unlock() }
    return ledgers
  }
}
