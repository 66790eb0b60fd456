// swift-tools-version:6.1

import PackageDescription

// A small HTTP JSON service over StoryLedger, built with Hummingbird. Its own package: the
// main package depends on Foundation alone.
let package = Package(
  name: "LedgerService",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "ledger-service", targets: ["ledger-service"])
  ],
  dependencies: [
    .package(name: "StoryLedger", path: "../.."),
    .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
  ],
  targets: [
    .target(
      name: "LedgerService",
      dependencies: [
        .product(name: "StoryLedger", package: "StoryLedger"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
      ]),
    .executableTarget(name: "ledger-service", dependencies: ["LedgerService"]),
    .testTarget(
      name: "LedgerServiceTests",
      dependencies: [
        "LedgerService",
        .product(name: "StoryLedger", package: "StoryLedger"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdTesting", package: "hummingbird"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
      ]),
  ],
  swiftLanguageModes: [.v6]
)
