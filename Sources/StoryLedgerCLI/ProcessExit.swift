import StoryLedger

/// Lets a run of the tool as a process skip freeing its ledgers' states.
///
/// A command ends by returning to `main()`, which exits the process: freeing the state of a
/// large ledger first (hundreds of MiB in many blocks) took a noticeable share of an
/// import's wall time, for memory the process returns anyway. The ledgers a command opens
/// are therefore kept here until the process exits. When the tool runs in a test's process
/// (`StoryLedgerTool.run`), nothing is kept.
enum ProcessExit {
  /// Whether the process exits when the command returns (set by `main()` only).
  nonisolated(unsafe) static var isImminent = false
  nonisolated(unsafe) private static var kept: [Ledger] = []

  /// Keeps `ledger` alive until the process exits, when the process exits after the command.
  static func keepUntilExit(_ ledger: Ledger) {
    guard isImminent else { return }
    kept.append(ledger)
  }
}
