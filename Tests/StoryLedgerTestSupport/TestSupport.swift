import Foundation
import StoryLedger

/// Creates a fresh, empty directory under the system's temporary directory, named
/// `prefix-UUID`; the caller removes it.
public func makeTemporaryDirectory(prefix: String = "storyledger-tests") throws -> URL {
  let url = FileManager.default.temporaryDirectory.appending(path: "\(prefix)-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// A temporary directory removed when the value is dropped.
public final class TemporaryDirectory {
  /// The directory.
  public let url: URL

  /// Creates the directory (see ``makeTemporaryDirectory(prefix:)``).
  public init(prefix: String = "storyledger-tests") throws {
    url = try makeTemporaryDirectory(prefix: prefix)
  }

  deinit { try? FileManager.default.removeItem(at: url) }
}

/// Runs `body` with a fresh temporary directory, removed after.
public func withTemporaryDirectory<Result>(
  prefix: String = "storyledger-tests", _ body: (URL) throws -> Result
) throws -> Result {
  let directory = try TemporaryDirectory(prefix: prefix)
  return try body(directory.url)
}

/// The day `text` (`YYYY-MM-DD`) names.
public func day(_ text: String) throws -> Day { try Day(parsing: text) }

/// The node path `text` names.
public func path(_ text: String) throws -> NodePath { try NodePath(parsing: text) }
