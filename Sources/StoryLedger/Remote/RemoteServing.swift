import Foundation

extension LedgerState {
  /// The sequence number of the first event of the append that carried idempotency key
  /// `key`, or `nil` when no append did: how a server answers a retried append.
  public func firstSequence(ofIdempotencyKey key: String) -> UInt64? { idempotencyKeys[key] }
}

extension Ledger {
  /// The events among `sequences` whose personal text no recorded erasure explains (their
  /// story was not withdrawn with erasure; no `participant.erased` event lists them), or
  /// that do not exist: what a server refuses to erase.
  ///
  /// ```swift
  /// guard try ledger.unexplainedErasures(of: sequences).isEmpty else { throw refusal }
  /// ```
  public func unexplainedErasures(of sequences: [UInt64]) throws -> [UInt64] {
    let wanted = Set(sequences)
    guard !wanted.isEmpty else { return [] }
    let explained = try erasuresInLog()
    var found: Set<UInt64> = []
    var unexplained: [UInt64] = []
    try store.read(sequences: Array(wanted)) { event in
      found.insert(event.sequence)
      let key = event.payload.storyKey ?? ""
      let isExplained =
        explained.stories.contains(key)
        || (event.payload.isDialogue && explained.dialogueEvents.contains(event.sequence))
      if !isExplained { unexplained.append(event.sequence) }
    }
    unexplained += wanted.subtracting(found)
    return unexplained.sorted()
  }
}
