import Foundation
import StoryLedger

/// The checks every ``EventStore`` must pass: the contract the ledger relies on, run
/// against a real store through an ``EventStoreHarness``.
///
/// The library runs them against ``FileLog`` and ``InMemoryLog``; an embedder runs them
/// against their own store, one test per check:
///
/// ```swift
/// import StoryLedgerConformance
/// import Testing
///
/// @Test(arguments: EventStoreConformance.Check.allCases)
/// func conformance(_ check: EventStoreConformance.Check) throws {
///   try EventStoreConformance.check(check, on: MyStoreHarness())
/// }
/// ```
///
/// A failing check throws a ``ConformanceFailure`` naming the check and what was wrong; a
/// store error the check did not expect is rethrown as it is.
public enum EventStoreConformance {
  /// One property of the contract.
  public enum Check: String, CaseIterable, Sendable, CustomStringConvertible {
    /// An append returns the events as recorded, and reading gives back exactly those.
    case appendReadRoundTrip = "append and read round trip"
    /// Sequence numbers run from 1 without gaps, and a reader catches up from a position.
    case gaplessSequences = "gapless sequences and catch-up"
    /// A batch is all or nothing: readers never see part of one, a stale append adds nothing.
    case batchAtomicity = "batch atomicity"
    /// Through ``Ledger``: repeating an idempotency key adds nothing, from any instance.
    case idempotencyKeys = "idempotency keys"
    /// Through ``Ledger``: a stale expected story version fails with a conflict.
    case expectedVersionConflicts = "expected-version conflicts"
    /// Writers on several threads, each with its own store instance, lose and duplicate
    /// nothing, and the chain holds.
    case concurrentWriters = "concurrent writers"
    /// ``EventStore/verify(progress:)`` passes and matches the head.
    case chainVerifies = "chain verifies"
    /// Erasing personal text removes it, keeps every hash, and keeps verify passing.
    case erasureKeepsChain = "erasure keeps the chain"
    /// ``EventStore/read(sequences:_:)`` gives the events named, in order, each once.
    case readSequences = "read by sequence numbers"
    /// Another instance opened over the log sees the same head, events and projections.
    case headAfterReopen = "head after reopen"

    /// The check's name.
    public var description: String { rawValue }
  }

  /// Runs every check against stores from `harness`, stopping at the first failure.
  public static func checkAll(on harness: some EventStoreHarness) throws {
    for check in Check.allCases { try self.check(check, on: harness) }
  }

  /// Runs one check against stores from `harness`.
  ///
  /// - Throws: ``ConformanceFailure`` when the store breaks the contract, or the error the
  ///   store threw where the check expected none.
  public static func check(_ check: Check, on harness: some EventStoreHarness) throws {
    let context = CheckContext(name: check.rawValue)
    switch check {
    case .appendReadRoundTrip: try appendReadRoundTrip(harness, context)
    case .gaplessSequences: try gaplessSequences(harness, context)
    case .batchAtomicity: try batchAtomicity(harness, context)
    case .idempotencyKeys: try idempotencyKeys(harness, context)
    case .expectedVersionConflicts: try expectedVersionConflicts(harness, context)
    case .concurrentWriters: try concurrentWriters(harness, context)
    case .chainVerifies: try chainVerifies(harness, context)
    case .erasureKeepsChain: try erasureKeepsChain(harness, context)
    case .readSequences: try readSequences(harness, context)
    case .headAfterReopen: try headAfterReopen(harness, context)
    }
  }
}
