import Foundation
import StoryLedger

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Hands a command on a ledger at a URL to `storyledger-remote`, the same tool with
/// networking linked in, which sits beside the `storyledger` executable: `storyledger` itself
/// loads no networking library, so that a command on a directory starts as fast as ever.
enum RemoteHandOff {
  /// Replaces this process with `storyledger-remote` run with `arguments`; returns only when
  /// that fails, with the error to report.
  static func exec(_ arguments: [String]) -> LedgerError {
    guard let executable = currentExecutable() else {
      return LedgerError(.io, "cannot find this executable, to run storyledger-remote beside it")
    }
    let helper = executable.deletingLastPathComponent().appending(path: "storyledger-remote")
    guard FileManager.default.isExecutableFile(atPath: helper.path) else {
      return LedgerError(
        .io,
        "a ledger at a URL is reached by storyledger-remote, which is not beside \(executable.path): install it with storyledger (swift build builds both)"
      )
    }
    var argv: [UnsafeMutablePointer<CChar>?] = ([helper.path] + arguments).map { strdup($0) }
    argv.append(nil)
    execv(helper.path, argv)
    let reason = String(cString: strerror(errno))
    for pointer in argv { free(pointer) }
    return LedgerError(.io, "cannot run \(helper.path): \(reason)")
  }

  /// The running executable, its links resolved.
  static func currentExecutable() -> URL? {
    #if os(Linux)
      if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        return URL(filePath: path)
      }
    #endif
    return Bundle.main.executableURL?.resolvingSymlinksInPath()
  }
}
