import Foundation
import Testing

@testable import StoryLedgerCLI

/// Commands declare each option once and read it through the declaration; the parser and
/// the help are built from the same declarations.
@Suite("Typed option declarations")
struct OptionDeclarationTests {
  private func run(_ arguments: [String]) -> (ExitCode, Console.Capture) {
    let (console, capture) = Console.capturing()
    let status = StoryLedgerTool.run(
      arguments, environment: ["STORYLEDGER_DIR": "/nonexistent/storyledger-tests"],
      console: console)
    return (status, capture)
  }

  @Test func everyCommandDeclaresEachOptionOnceWithHelp() {
    for command in StoryLedgerTool.commands {
      let names = command.spec.allOptions.map(\.name)
      #expect(Set(names).count == names.count, "\(command.spec.name) declares \(names)")
      for option in command.spec.allOptions {
        #expect(option.name.hasPrefix("--"), "\(command.spec.name): \(option.name)")
        #expect(!option.help.isEmpty, "\(command.spec.name): \(option.name) has no help")
      }
    }
  }

  /// The positional arguments are the words of the usage line before its first option,
  /// so the usage line and the parser cannot disagree.
  @Test func positionalsAreTheUsageLinesLeadingWords() throws {
    let specs = Dictionary(
      StoryLedgerTool.commands.map { ($0.spec.name, $0.spec) }, uniquingKeysWith: { a, _ in a })
    let expected: [String: ([String], Int)] = [
      "summary": (["NODE"], 1), "node rename": (["PATH", "NAME"], 2),
      "items": (["NODE | STORY"], 0), "pledges": (["NODE"], 0), "account settle": (["NODE"], 1),
      "item rate": (["STORY/ITEM"], 1), "import": (["FILE.csv"], 1), "verify": ([], 0),
      "export timeseries": ([], 0),
    ]
    for (name, (names, required)) in expected {
      let spec = try #require(specs[name], "no command \(name)")
      #expect(spec.positionals.names == names, "\(name)")
      #expect(spec.positionals.required == required, "\(name)")
    }
    let (missing, missingOutput) = run(["node", "rename", "nhs"])
    #expect(missing == .usage)
    #expect(missingOutput.error.contains("missing NAME"), "\(missingOutput.error)")
    // A malformed node path is named as the usage line names the argument.
    let (malformed, malformedOutput) = run(["node", "move", "nhs//x", "nhs"])
    #expect(malformed == .dataError)
    #expect(malformedOutput.error.contains("PATH \"nhs//x\" has an invalid segment 2"))
    let (extra, extraOutput) = run(["pledges", "nhs", "more"])
    #expect(extra == .usage)
    #expect(
      extraOutput.error.contains("unexpected argument \"more\" for `storyledger pledges`"),
      "\(extraOutput.error)")
  }

  /// A value its declaration's parser rejects is a usage error naming the option.
  @Test(arguments: [
    (["tree", "--depth", "x"], "--depth \"x\" is not a whole number from 0 to 64"),
    (["items", "--visibility", "seen"], "--visibility \"seen\" is not a visibility"),
    (["export", "pledges", "--period", "fortnight", "--level", "x"], "--period \"fortnight\""),
    (["log", "--type", "story.sung"], "--type \"story.sung\" is not an event type"),
  ])
  func aRejectedValueIsAUsageErrorNamingTheOption(arguments: [String], message: String) {
    let (status, capture) = run(arguments)
    #expect(status == .usage)
    #expect(capture.error.contains(message), "\(capture.error)")
  }

  @Test func anUnknownOptionIsRefusedWithTheClosestDeclaredOne() {
    let (status, capture) = run(["account", "settle", "nhs", "--peroid", "2026"])
    #expect(status == .usage)
    #expect(capture.error.contains("unknown option --peroid for `storyledger account settle`"))
    #expect(capture.error.contains("did you mean --period?"))
  }

  /// The account steps share one spec builder; their help is as it was written by hand (with
  /// `--session`, which every recording command takes since issue 18, and the server's
  /// `--ledger DIR|URL` and `--token-file` since issue 16).
  @Test func anAccountStepsHelpIsUnchanged() {
    let (status, capture) = run(["help", "account", "object"])
    #expect(status == .success)
    #expect(
      capture.output == """
        object to a proposed account, with a reason

        usage: storyledger [--ledger DIR|URL] account object NODE --period P --reason TEXT [--by WHO]

        The reason says why, in any language. A settled account is reopened before anyone objects.

        options:
          --period P           the period: 2026, 2026-Q1, 2026-03, 2026-W05, a day, or FROM..TO
          --reason TEXT        why, in any language
          --by WHO             who takes this step (default: --actor or $USER)
          --idempotency-key K  a key for this change: repeating the command with it adds nothing
          --actor NAME         who is recording (default: $USER)
          --json               machine output as JSON
          --session KEY        record it in this session (see `session start`): the session's node must be this command's node or above it
          --ledger DIR|URL     the ledger directory or server URL (default: see `storyledger --help`)
          --token-file FILE    the token for a ledger on a server (default: $STORYLEDGER_TOKEN)
          --help               show this help

        examples:
          storyledger account object nhs/north-east --period 2026-Q1 --reason "The walking figures leave out the night teams." --by "Sam Reed"

        """)
  }
}
