// swift-tools-version:6.1

import PackageDescription

// The StoryLedger event log kept in PostgreSQL, so that many service instances share one
// ledger. Its own package: the main package depends on Foundation alone.
let package = Package(
  name: "PostgresLedger",
  products: [
    .library(name: "PostgresLedger", targets: ["PostgresLedger"])
  ],
  dependencies: [
    .package(name: "StoryLedger", path: "../.."),
    .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
  ],
  targets: [
    .target(
      name: "PostgresLedger",
      dependencies: [
        .product(name: "StoryLedger", package: "StoryLedger"),
        .product(name: "PostgresNIO", package: "postgres-nio"),
      ]),
    .testTarget(
      name: "PostgresLedgerTests",
      dependencies: [
        "PostgresLedger",
        .product(name: "StoryLedger", package: "StoryLedger"),
        .product(name: "StoryLedgerConformance", package: "StoryLedger"),
      ]),
  ],
  swiftLanguageModes: [.v6]
)
