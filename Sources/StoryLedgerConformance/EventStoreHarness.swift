import Foundation
import StoryLedger

/// How the conformance checks get stores to test: a new ledger's store, and another
/// instance over the same log (as another process or service instance would open it).
///
/// ```swift
/// struct InMemoryHarness: EventStoreHarness {
///   func makeLedgerStore(configuration: LedgerConfiguration) throws -> any EventStore {
///     try Ledger.create(in: InMemoryLog(), configuration: configuration).store
///   }
///   func reopen(_ store: any EventStore) throws -> any EventStore { store }
/// }
/// try EventStoreConformance.check(.gaplessSequences, on: InMemoryHarness())
/// ```
public protocol EventStoreHarness: Sendable {
  /// A new store whose log holds one event: the `ledger.created` of `configuration`.
  func makeLedgerStore(configuration: LedgerConfiguration) throws -> any EventStore

  /// Another instance over the same log as `store`, with its own write lock and connection
  /// (a store kept only in memory returns `store` itself).
  func reopen(_ store: any EventStore) throws -> any EventStore
}

/// A conformance check that found the store breaking its contract.
///
/// ```swift
/// do { try check.run(on: harness) } catch let failure as ConformanceFailure {
///   print(failure)  // "gapless sequences: event 4 follows event 2"
/// }
/// ```
public struct ConformanceFailure: Error, CustomStringConvertible, Sendable {
  /// The check that failed.
  public var check: String
  /// What was wrong.
  public var message: String
  /// The line of the conformance source that found it.
  public var line: UInt

  /// For example `gapless sequences: event 4 follows event 2 (line 80)`.
  public var description: String { "\(check): \(message) (line \(line))" }
}

/// What the checks share: the check's name, for failures, and small assertions.
struct CheckContext {
  var name: String

  /// Throws a ``ConformanceFailure`` saying `message` unless `condition` holds.
  func expect(_ condition: Bool, _ message: @autoclosure () -> String, line: UInt = #line) throws {
    guard condition else {
      throw ConformanceFailure(check: name, message: message(), line: line)
    }
  }

  /// Throws a ``ConformanceFailure`` unless `body` throws a ``LedgerError`` with `code`.
  func expectError(
    _ code: LedgerError.Code, _ what: String, line: UInt = #line, _ body: () throws -> Void
  ) throws {
    do {
      try body()
    } catch let error as LedgerError {
      try expect(error.code == code, "\(what) failed with \(error.code) (\(error)), not \(code)")
      return
    } catch {
      throw ConformanceFailure(
        check: name, message: "\(what) failed with \(error), not a LedgerError", line: line)
    }
    throw ConformanceFailure(check: name, message: "\(what) did not fail", line: line)
  }
}
