import Foundation
import StoryLedger

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where a command's ledger is: a directory on this machine, or a ledger kept by the shared
/// server.
enum LedgerLocation: Hashable, Sendable {
  case directory(URL)
  case remote(RemoteLedgerAddress)

  /// The location `text` names (from `source`, `--ledger` or `STORYLEDGER_DIR`): a URL when
  /// it has a scheme (`https://…`), else a directory resolved by `directory`.
  static func parse(_ text: String, source: String, directory: (String) -> URL) throws
    -> LedgerLocation
  {
    if RemoteLedgerAddress.looksLikeURL(text) {
      return .remote(try RemoteLedgerAddress(parsing: text, source: source))
    }
    return .directory(directory(text))
  }
}

/// A ledger kept by the shared server: `http(s)://HOST[:PORT]/ledgers/NAME`.
struct RemoteLedgerAddress: Hashable, Sendable, CustomStringConvertible {
  /// The server: scheme, host and port, without a path.
  var server: URL
  /// The ledger's name on the server.
  var name: String
  /// `HOST[:PORT]`, for messages.
  var hostAndPort: String

  /// The address as the user gives it.
  var description: String { server.absoluteString + "/ledgers/" + Self.encode(name) }

  static let form = "http(s)://HOST[:PORT]/ledgers/NAME"
  static let example = "https://ledger.example.org/ledgers/nhs"

  /// Whether `text` is meant as a URL rather than a directory: it has a scheme.
  static func looksLikeURL(_ text: String) -> Bool {
    let lowered = text.lowercased()
    return lowered.contains("://") || lowered.hasPrefix("http:") || lowered.hasPrefix("https:")
  }

  /// Parses and checks `text`, naming `source` in the error.
  ///
  /// - Throws: ``UsageError`` saying what is wrong and the valid form.
  init(parsing text: String, source: String) throws(UsageError) {
    func refuse(_ reason: String) -> UsageError {
      UsageError(
        "\(source) \"\(text)\" is not a ledger on a server: \(reason); give \(Self.form) (for example \(Self.example))"
      )
    }
    guard text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }) else {
      throw refuse("it has a space or a control character")
    }
    guard let separator = text.range(of: "://") else {
      throw refuse("the scheme must be followed by //")
    }
    let scheme = text[..<separator.lowerBound].lowercased()
    guard scheme == "http" || scheme == "https" else {
      throw refuse(
        "the scheme is \(scheme.isEmpty ? "missing" : "\"\(scheme)\""), not http or https")
    }
    guard let components = URLComponents(string: text) else {
      throw refuse("it is not a well-formed URL")
    }
    if components.user != nil || components.password != nil {
      throw refuse(
        "it holds a user name or password; the token goes in STORYLEDGER_TOKEN or --token-file, never in the URL"
      )
    }
    if components.query != nil { throw refuse("it has a query (?…)") }
    if components.fragment != nil { throw refuse("it has a fragment (#…)") }
    guard let host = components.host, !host.isEmpty else { throw refuse("it names no host") }
    if let port = components.port, !(1...65535).contains(port) {
      throw refuse("the port \(port) is not from 1 to 65535")
    }
    var segments = components.percentEncodedPath.split(
      separator: "/", omittingEmptySubsequences: false
    )
    .map(String.init)
    // "/ledgers/NAME" splits into "", "ledgers", "NAME"; a trailing slash adds "".
    if segments.last == "", segments.count == 4 { segments.removeLast() }
    guard segments.count == 3, segments[0] == "", segments[1] == "ledgers" else {
      throw refuse(
        components.path.isEmpty || components.path == "/"
          ? "it names no ledger (the path must be /ledgers/NAME)"
          : "the path is \"\(components.percentEncodedPath)\", not /ledgers/NAME")
    }
    guard let name = segments[2].removingPercentEncoding, !name.isEmpty else {
      throw refuse("the ledger's name is empty or badly percent-encoded")
    }
    guard name != ".", name != "..", !name.contains("/"),
      name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && !(0x7F...0x9F).contains($0.value) })
    else {
      throw refuse("the ledger's name \"\(name)\" is not a name")
    }
    guard RemoteAPI.isValidLedgerName(name) else {
      throw refuse(
        "the ledger's name \"\(name)\" is not one a server gives: a lower-case letter, then at most 47 lower-case letters, digits or _"
      )
    }
    var base = URLComponents()
    base.scheme = scheme
    base.percentEncodedHost = components.percentEncodedHost
    base.port = components.port
    guard let server = base.url else { throw refuse("it is not a well-formed URL") }
    self.server = server
    self.name = name
    let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    self.hostAndPort = shownHost + (components.port.map { ":\($0)" } ?? "")
  }

  /// `name` percent-encoded as one path segment.
  static func encode(_ name: String) -> String {
    var allowed = CharacterSet.urlPathAllowed
    allowed.remove(charactersIn: "/;?#%")
    return name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name
  }
}

/// The bearer token a command sends to the server: from `--token-file FILE`, else
/// `STORYLEDGER_TOKEN`. The token is never printed.
enum RemoteToken {
  /// The token for `address`, read from `file` (resolved) when given, else the environment.
  ///
  /// Warns on `console` when the file can be read by every user of the machine.
  static func read(
    file: URL?, fileOption: String?, environment: [String: String], address: RemoteLedgerAddress,
    console: Console
  ) throws -> String {
    if let file, let fileOption {
      var status = stat()
      guard stat(file.path, &status) == 0 else {
        throw LedgerError(
          .notFound, "the token file \(fileOption) (--token-file) does not exist", path: file.path)
      }
      guard (status.st_mode & S_IFMT) == S_IFREG else {
        throw LedgerError(
          .notFound, "the token file \(fileOption) (--token-file) is not a regular file",
          path: file.path)
      }
      if status.st_mode & S_IROTH != 0 {
        let mode = String(status.st_mode & 0o777, radix: 8)
        console.message(
          "storyledger: warning: the token file \(fileOption) can be read by every user of this machine (mode \(mode)); `chmod 600 \(fileOption)` keeps the token yours"
        )
      }
      guard let data = FileManager.default.contents(atPath: file.path) else {
        throw LedgerError(
          .io, "cannot read the token file \(fileOption) (--token-file)", path: file.path)
      }
      return try check(
        String(decoding: data, as: UTF8.self), source: "the token file \(fileOption)")
    }
    if let variable = environment["STORYLEDGER_TOKEN"],
      !variable.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    {
      return try check(variable, source: "STORYLEDGER_TOKEN")
    }
    throw LedgerError(
      .notAllowed,
      "the ledger \(address) is on a server and no token was given: set STORYLEDGER_TOKEN or give --token-file FILE (a keeper creates tokens with `storyledger-server token create`)"
    )
  }

  /// The token in `text` without surrounding white space, checked to fit in an HTTP header:
  /// visible ASCII only. The message never shows the token.
  static func check(_ text: String, source: String) throws -> String {
    let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !token.isEmpty else {
      throw UsageError(
        "\(source) is empty; it must hold the token `storyledger-server token create` printed")
    }
    guard token.utf8.count <= 4096 else {
      throw UsageError(
        "\(source) holds \(token.utf8.count) bytes, more than a token (at most 4096)")
    }
    if let index = token.unicodeScalars.firstIndex(where: { !(0x21...0x7E).contains($0.value) }) {
      let position = token.unicodeScalars.distance(from: token.unicodeScalars.startIndex, to: index)
      throw UsageError(
        "\(source) is not a token: character \(position + 1) is a space, a control character or not ASCII (a token is one word of visible ASCII characters)"
      )
    }
    return token
  }
}
