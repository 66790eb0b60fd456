// swift-tools-version:6.1

import PackageDescription

// The shared StoryLedger server: many ledgers kept in one PostgreSQL database, a versioned
// JSON API over HTTP, bearer tokens with a role over a subtree. Its own package: the main
// package depends on Foundation alone.
let package = Package(
  name: "LedgerServer",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "storyledger-server", targets: ["storyledger-server"]),
    .executable(name: "storyledger-load", targets: ["storyledger-load"]),
    .library(name: "LedgerServer", targets: ["LedgerServer"]),
  ],
  dependencies: [
    .package(name: "StoryLedger", path: "../.."),
    .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
    .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    // Already resolved for HummingbirdTesting; the load client uses it directly.
    .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
  ],
  targets: [
    .target(
      name: "LedgerServer",
      dependencies: [
        .product(name: "StoryLedger", package: "StoryLedger"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
        .product(name: "PostgresNIO", package: "postgres-nio"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ],
      // The API's OpenAPI document, served at GET /v1/openapi.json from the binary itself.
      resources: [.embedInCode("Resources/openapi.json")]),
    .executableTarget(
      name: "storyledger-server",
      dependencies: [
        "LedgerServer",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    // The load client of Scripts/load.sh: recording clients, summary latency, start-up time,
    // and the command line linked in to make and import the demo corpus.
    .executableTarget(
      name: "storyledger-load",
      dependencies: [
        .product(name: "StoryLedger", package: "StoryLedger"),
        .product(name: "StoryLedgerCLI", package: "StoryLedger"),
        .product(name: "StoryLedgerNetworking", package: "StoryLedger"),
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .testTarget(
      name: "LedgerServerTests",
      dependencies: [
        "LedgerServer",
        // Depending on it makes `swift build --build-tests` build the server the tests run.
        "storyledger-server",
        .product(name: "StoryLedger", package: "StoryLedger"),
        .product(name: "StoryLedgerConformance", package: "StoryLedger"),
        // The command line, run in process against the server (CLIAgainstServerTests).
        .product(name: "StoryLedgerCLI", package: "StoryLedger"),
        .product(name: "StoryLedgerNetworking", package: "StoryLedger"),
        .product(name: "HummingbirdTesting", package: "hummingbird"),
      ]),
  ],
  swiftLanguageModes: [.v6]
)
