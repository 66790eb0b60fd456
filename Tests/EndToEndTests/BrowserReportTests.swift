import Foundation
import Testing

/// The demo report in a real browser, through `Scripts/browser-check.sh`.
///
/// Runs when Chromium is on PATH (or named by `CHROMIUM`). With
/// `STORYLEDGER_REQUIRE_BROWSER=1` (as `.ci/run` sets after installing Chromium) a missing
/// browser fails the test instead of leaving it out.
@Suite("The report in a browser")
struct BrowserReportTests {
  static var isRequired: Bool {
    ProcessInfo.processInfo.environment["STORYLEDGER_REQUIRE_BROWSER"] == "1"
  }

  /// The browser the script would use, if any.
  static var chromium: String? {
    let environment = ProcessInfo.processInfo.environment
    if let named = environment["CHROMIUM"], !named.isEmpty { return named }
    let directories = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
    for name in ["chromium", "chromium-browser", "google-chrome"] {
      for directory in directories {
        let path = directory + "/" + name
        if FileManager.default.isExecutableFile(atPath: path) { return path }
      }
    }
    return nil
  }

  /// The package's root directory.
  static let root = URL(filePath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  @Test(
    .enabled(
      if: chromium != nil || isRequired,
      "needs Chromium: run Scripts/browser-check.sh --install-only"),
    .timeLimit(.minutes(3)))
  func theDemoReportLoadsCleanlyAndShowsTheLedgersFigures() throws {
    _ = try #require(
      Self.chromium,
      "STORYLEDGER_REQUIRE_BROWSER=1 but no Chromium is installed: run Scripts/browser-check.sh --install-only"
    )
    let process = Process()
    process.executableURL = URL(filePath: "/usr/bin/env")
    process.arguments = [
      "bash", Self.root.appending(path: "Scripts/browser-check.sh").path, "--storyledger",
      ToolProcess.executable.path, "--rows", "3000",
    ]
    process.currentDirectoryURL = Self.root
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read both pipes before waiting, so that neither can fill and block the script.
    let collected = ToolProcess.Collected()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      collected.setError(error.fileHandleForReading.readDataToEndOfFile())
      group.leave()
    }
    let outputText = String(
      decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    group.wait()
    process.waitUntilExit()
    let errorText = String(decoding: collected.error, as: UTF8.self)
    #expect(process.terminationStatus == 0, "\(outputText)\n\(errorText)")
    #expect(outputText.contains("figures in the page equal the ledger's"), "\(outputText)")
    #expect(outputText.contains("with no console errors"), "\(outputText)")
  }
}
