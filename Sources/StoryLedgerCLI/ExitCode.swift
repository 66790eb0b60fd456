import StoryLedger

/// The tool's exit status, with the documented values (BSD `sysexits` numbers).
public struct ExitCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
  /// The process exit status.
  public var rawValue: Int32
  /// Creates an exit code.
  public init(rawValue: Int32) { self.rawValue = rawValue }

  /// The command did its job.
  public static let success = ExitCode(rawValue: 0)
  /// Anything not covered below.
  public static let failure = ExitCode(rawValue: 1)
  /// The command line was wrong: unknown command or option, bad option value.
  public static let usage = ExitCode(rawValue: 64)
  /// The input data was wrong, or the ledger fails verification.
  public static let dataError = ExitCode(rawValue: 65)
  /// A file or the ledger does not exist.
  public static let noInput = ExitCode(rawValue: 66)
  /// A file or directory could not be created.
  public static let cannotCreate = ExitCode(rawValue: 73)
  /// Reading or writing failed.
  public static let ioError = ExitCode(rawValue: 74)
  /// Another process held the ledger's lock past the wait.
  public static let busy = ExitCode(rawValue: 75)
  /// The server refused: the token's role or subtree does not permit it (`sysexits`' NOPERM).
  public static let notAllowed = ExitCode(rawValue: 77)

  /// The exit code for a ledger error.
  public init(_ code: LedgerError.Code) {
    switch code {
    case .notFound: self = .noInput
    case .cannotCreate: self = .cannotCreate
    case .io: self = .ioError
    case .busy: self = .busy
    case .corrupt, .invalid, .conflict: self = .dataError
    case .notAllowed: self = .notAllowed
    case .badRequest: self = .usage
    case .unavailable: self = .busy
    default: self = .failure
    }
  }

  /// The number.
  public var description: String { String(rawValue) }
}

/// A wrong command line: what was wrong, and the usage of the command it concerns.
public struct UsageError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What was wrong.
  public var message: String
  /// The usage line(s) of the command, shown after the message.
  public var usage: String

  /// Creates a usage error.
  public init(_ message: String, usage: String = "") {
    self.message = message
    self.usage = usage
  }

  /// The message.
  public var description: String { message }
}
