import Foundation

/// Erasing a participant's name from the dialogue.
extension Ledger {
  /// What ``eraseParticipant(_:reason:options:)`` did.
  public struct ParticipantErasure: Sendable {
    /// The events whose participant's name is now erased from the log (listed by the
    /// `participant.erased` event appended).
    public var erased: [UInt64]
    /// Events that name the participant but were recorded before names became erasable
    /// (schema version 1 of the dialogue's events): the name is in their hashed bytes, and
    /// erasing it would break the chain, so it stays.
    public var unerasable: [UInt64]
    /// Dialogue events the participant recorded themselves (their name is the event's actor,
    /// the recording account): the actor is part of every record's hashed bytes, so it stays
    /// even where the participant's name was erased.
    public var recordedBy: [UInt64]
    /// The append of the `participant.erased` event (no events when nothing was erasable).
    public var append: AppendResult
  }

  /// Erases a participant's name from every dialogue event that names them (who proposed,
  /// objected, responded, settled or reopened an account, selected stories, sent feedback,
  /// made, joined, fulfilled or withdrew a pledge, facilitated or took part in a session,
  /// rated an item, verified a story), and their description (``ParticipantAdded``: the
  /// attributes and consent go with the name). An event that names several people (a selection's
  /// panel, a session) keeps them in one erasable part, so all its names are erased with the
  /// participant's. It appends a `participant.erased` event
  /// listing those events (not the name), then erases the name in place in the log, as a
  /// story's narratives are erased (the chain still verifies), and writes a snapshot without
  /// it. Names are compared as Unicode text (canonically equivalent spellings match), after
  /// trimming spaces; the events, figures and the rest of the dialogue stay.
  ///
  /// Asking again finishes an erasure a crash interrupted (of this participant or another).
  ///
  /// ```swift
  /// let result = try ledger.eraseParticipant("Zoë Ångström", reason: "asked to be forgotten")
  /// print(result.erased.count, result.unerasable.count)
  /// ```
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` when `name` is empty.
  public func eraseParticipant(
    _ name: String, reason: String = "", options: AppendOptions = AppendOptions()
  ) throws -> ParticipantErasure {
    guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw LedgerError(.invalid, "the participant's name is empty")
    }
    var erasable: [UInt64] = []
    var unerasable: [UInt64] = []
    let append = try appendPlanned(options: options, writing: .participantErased) { state in
      erasable = []
      unerasable = []
      try store.read(sequences: state.dialogueSequences(naming: name)) { event in
        if event.schemaVersion >= 2 || event.type == .participantAdded
          || EventPayload.namesAreList(event.type, schemaVersion: event.schemaVersion)
        {
          erasable.append(event.sequence)
        } else {
          unerasable.append(event.sequence)
        }
      }
      guard !erasable.isEmpty else { return [] }
      return [.participantErased(ParticipantErased(sequences: erasable, reason: reason))]
    }
    // The earlier erasures too: any a crash interrupted is finished (erased records are
    // skipped).
    let sequences = state.erasedParticipantSequences()
    if !sequences.isEmpty {
      try erasePersonalText(sequences: sequences, lockTimeout: options.lockTimeout)
    }
    // The events they recorded themselves keep the name as their actor: say which.
    let wanted = name.trimmingCharacters(in: .whitespaces)
    var recordedBy: [UInt64] = []
    try store.read(sequences: state.dialogue.map(\.sequence)) { event in
      if event.actor.trimmingCharacters(in: .whitespaces) == wanted {
        recordedBy.append(event.sequence)
      }
    }
    return ParticipantErasure(
      erased: erasable, unerasable: unerasable, recordedBy: recordedBy, append: append)
  }
}
