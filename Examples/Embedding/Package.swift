// swift-tools-version:6.1

import PackageDescription

// An example of embedding StoryLedger: a small program over the library, its own package.
let package = Package(
  name: "Embedding",
  products: [
    .executable(name: "embedding", targets: ["Embedding"])
  ],
  dependencies: [
    .package(name: "StoryLedger", path: "../..")
  ],
  targets: [
    .executableTarget(
      name: "Embedding",
      dependencies: [.product(name: "StoryLedger", package: "StoryLedger")])
  ],
  swiftLanguageModes: [.v6]
)
