/// An error from the ledger: a missing or corrupt ledger, a busy lock, a failed write, a
/// conflicting append, or a request the ledger's data does not allow.
///
/// Each error has a ``Code`` (which the command-line tool maps to an exit code), a message a
/// facilitator can act on, and the file involved where there is one.
///
/// ```swift
/// do { _ = try Ledger.open(at: URL(filePath: "/nowhere")) } catch let error as LedgerError {
///   print(error.code == .notFound, error)
/// }
/// ```
public struct LedgerError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What kind of failure this is. New codes may be added.
  public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The code's name.
    public var rawValue: String
    /// Creates a code.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The ledger or a file it needs does not exist.
    public static let notFound = Code(rawValue: "not-found")
    /// A file or directory could not be created (it exists, or permission is denied).
    public static let cannotCreate = Code(rawValue: "cannot-create")
    /// Reading or writing failed (disk full, I/O error, permission).
    public static let io = Code(rawValue: "io")
    /// The ledger's files fail their checks.
    public static let corrupt = Code(rawValue: "corrupt")
    /// Another process held the write lock for longer than the wait.
    public static let busy = Code(rawValue: "busy")
    /// An expected version did not match: someone else changed the story first.
    public static let conflict = Code(rawValue: "conflict")
    /// The request is not valid for the ledger's data (unknown node, bad value, ...).
    public static let invalid = Code(rawValue: "invalid")
    /// The code's name.
    public var description: String { rawValue }
  }

  /// What kind of failure this is.
  public var code: Code
  /// A sentence saying what went wrong and what to do.
  public var message: String
  /// The file or directory involved, if any.
  public var path: String?

  /// What would put it right, when the library knows (a front end words it for its users).
  public var remedy: Remedy?

  /// Creates an error.
  public init(_ code: Code, _ message: String, path: String? = nil, remedy: Remedy? = nil) {
    self.code = code
    self.message = message
    self.path = path
    self.remedy = remedy
  }

  /// The message, with the path when there is one.
  public var description: String {
    guard let path, !message.contains(path) else { return message }
    return "\(path): \(message)"
  }
}

extension LedgerError {
  /// An invalid request built from a ``ValueError``.
  static func invalid(_ error: ValueError) -> LedgerError {
    LedgerError(.invalid, error.description)
  }
}
