// swift-tools-version:6.1

import PackageDescription

// An example of embedding StoryLedger: a small program over the library, its own package.
let package = Package(
  name: "CustomProjection",
  products: [
    .executable(name: "custom-projection", targets: ["CustomProjection"])
  ],
  dependencies: [
    .package(name: "StoryLedger", path: "../..")
  ],
  targets: [
    .executableTarget(
      name: "CustomProjection",
      dependencies: [.product(name: "StoryLedger", package: "StoryLedger")])
  ],
  swiftLanguageModes: [.v6]
)
