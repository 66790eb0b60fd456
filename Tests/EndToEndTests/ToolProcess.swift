import Foundation
import StoryLedgerTestSupport
import Testing

/// The built `storyledger` executable, run as a separate process.
///
/// `swift test` builds it beside the test bundle; the tests find it there.
enum ToolProcess {
  /// The path of the built executable.
  static let executable: URL = {
    let candidates = [
      URL(filePath: CommandLine.arguments[0]).deletingLastPathComponent(),
      Bundle.main.bundleURL,
      Bundle.main.bundleURL.deletingLastPathComponent(),
    ]
    for directory in candidates {
      var url = directory
      // Walk up out of an .xctest bundle if the arguments point inside one.
      for _ in 0..<4 {
        let candidate = url.appending(path: "storyledger")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        url = url.deletingLastPathComponent()
      }
    }
    return URL(filePath: ".build/debug/storyledger")
  }()

  /// What a run produced.
  struct Result {
    var status: Int32
    var output: String
    var error: String
  }

  /// Starts the tool; the caller reads and waits (or kills it).
  static func start(
    _ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil
  ) throws -> (Process, Pipe, Pipe) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    var merged = ProcessInfo.processInfo.environment
    merged["STORYLEDGER_DIR"] = nil
    for (key, value) in environment { merged[key] = value }
    process.environment = merged
    if let directory { process.currentDirectoryURL = directory }
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    process.standardInput = FileHandle.nullDevice
    try process.run()
    return (process, output, error)
  }

  /// Runs the tool to completion, reading both pipes before waiting so that a large output
  /// never blocks it.
  static func run(
    _ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil
  ) throws -> Result {
    let (process, output, error) = try start(arguments, environment: environment, in: directory)
    let collected = Collected()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      collected.setError(error.fileHandleForReading.readDataToEndOfFile())
      group.leave()
    }
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
      error: String(decoding: collected.error, as: UTF8.self))
  }

  final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func setError(_ value: Data) {
      lock.lock()
      data = value
      lock.unlock()
    }
    var error: Data {
      lock.lock()
      defer { lock.unlock() }
      return data
    }
  }
}

/// A temporary directory removed when the value is dropped.
final class Scratch {
  let url: URL
  init() throws {
    url = try makeTemporaryDirectory(prefix: "storyledger-e2e")
  }
  deinit { try? FileManager.default.removeItem(at: url) }

  func write(_ text: String, to name: String) throws -> URL {
    let file = url.appending(path: name)
    try Data(text.utf8).write(to: file)
    return file
  }
}
