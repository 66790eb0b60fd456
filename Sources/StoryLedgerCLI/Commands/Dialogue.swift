import Foundation
import StoryLedger

/// What the dialogue commands (accounts, selection, feedback, pledges) share.
enum Dialogue {
  static let period = Option.range(
    "--period", "P", "the period: 2026, 2026-Q1, 2026-03, 2026-W05, a day, or FROM..TO")
  static let by = Option("--by", "WHO", "who takes this step (default: --actor or $USER)")

  /// The required `--period`.
  static func period(_ arguments: ParsedArguments) throws -> DateRange {
    guard let period = try arguments.value(period) else {
      throw UsageError(
        "missing --period (\(DateRange.acceptedForms.joined(separator: ", ")))",
        usage: arguments.usage)
    }
    return period
  }

  /// The required text of `option`, not blank; `what` says what it is in the message.
  static func text(_ arguments: ParsedArguments, _ option: Option<String>, what: String) throws
    -> String
  {
    guard let text = try arguments.value(option), !text.trimmingCharacters(in: .whitespaces).isEmpty
    else {
      throw UsageError("missing \(option.name) (\(what))", usage: arguments.usage)
    }
    return text
  }
}
