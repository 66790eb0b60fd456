// swift-tools-version:6.1

import PackageDescription

let package = Package(
  name: "StoryLedger",
  products: [
    .library(name: "StoryLedger", targets: ["StoryLedger"]),
    // The demo corpus: a synthetic national ledger, and a NarraFirma export, for trying the
    // tool, benchmarks and tests.
    .library(name: "StoryLedgerDemo", targets: ["StoryLedgerDemo"]),
    .executable(name: "storyledger", targets: ["storyledger"]),
    // `storyledger` for ledgers on a server: URLSession linked in (see HTTPExchange).
    .executable(name: "storyledger-remote", targets: ["storyledger-remote"]),
    // The checks every EventStore must pass, for embedders testing their own store.
    .library(name: "StoryLedgerConformance", targets: ["StoryLedgerConformance"]),
    // The commands, run in process: Examples/LedgerServer's tests run them against a server.
    .library(name: "StoryLedgerCLI", targets: ["StoryLedgerCLI"]),
    .library(name: "StoryLedgerNetworking", targets: ["StoryLedgerNetworking"]),
  ],
  targets: [
    // The library: Foundation only.
    .target(name: "StoryLedger"),
    // The demo corpus, on the library's public API.
    .target(name: "StoryLedgerDemo", dependencies: ["StoryLedger"]),
    // The commands, as a library so that tests can run them in process.
    .target(name: "StoryLedgerCLI", dependencies: ["StoryLedger", "StoryLedgerDemo"]),
    // The executable: one call into StoryLedgerCLI.
    .executableTarget(name: "storyledger", dependencies: ["StoryLedgerCLI"]),
    // URLSession for the commands, and the executable that links it: `storyledger` hands a
    // command on a ledger at a URL to it, so that it starts without loading networking.
    .target(name: "StoryLedgerNetworking", dependencies: ["StoryLedgerCLI"]),
    .executableTarget(
      name: "storyledger-remote", dependencies: ["StoryLedgerCLI", "StoryLedgerNetworking"]),
    // The event store conformance checks: test support, reused by Examples/LedgerServer.
    .target(name: "StoryLedgerConformance", dependencies: ["StoryLedger"]),
    // What the test targets share: temporary directories, `day(_:)` and `path(_:)`.
    .target(
      name: "StoryLedgerTestSupport", dependencies: ["StoryLedger"],
      path: "Tests/StoryLedgerTestSupport"),
    .testTarget(
      name: "StoryLedgerTests",
      dependencies: [
        "StoryLedger", "StoryLedgerDemo", "StoryLedgerConformance", "StoryLedgerTestSupport",
      ]),
    .testTarget(
      name: "StoryLedgerCLITests",
      dependencies: [
        "StoryLedgerCLI", "StoryLedgerNetworking", "StoryLedger", "StoryLedgerDemo",
        "StoryLedgerTestSupport",
      ]),
    // Runs the built `storyledger` executable; depending on it makes `swift test` build it.
    .testTarget(
      name: "EndToEndTests",
      dependencies: ["StoryLedger", "storyledger", "storyledger-remote", "StoryLedgerTestSupport"]),
  ],
  swiftLanguageModes: [.v6]
)

// The same settings for every target.
for target in package.targets {
  var settings = target.swiftSettings ?? []
  settings.append(.enableUpcomingFeature("ExistentialAny"))
  target.swiftSettings = settings
}
