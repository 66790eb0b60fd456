import Foundation

/// Participants: who tells stories and who is heard.
///
/// A participant's attributes (role, group, age band, …) say which groups they belong to, so
/// that a programme can see whose voice is missing: ``voiceSeries(_:_:)`` counts, per period
/// and level, which groups tell stories and whose stories get selected. Attributes are used
/// once consent is recorded; they are personal, and `eraseParticipant(_:reason:options:)`
/// erases them with the name.
///
/// ```swift
/// try ledger.addParticipant(
///   "Amaka Obi", attributes: [("role", "patient"), ("group", "carers")],
///   consent: Day(year: 2026, month: 3, day: 2))
/// for person in ledger.participants { print(person.name, person.attributes) }
/// ```
extension Ledger {
  /// Describes a participant, or changes their description: each attribute given sets its
  /// key (an empty value removes the key), the others stay; keys match ignoring case across
  /// the ledger, the spelling first used staying;
  /// `consent` records the day consent was given. Appends a `participant.added` event
  /// holding the whole description, in the record's erasable part; appends nothing when the
  /// description would not change.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` when the name is empty, a key or
  ///   value has a control character, a key is empty or given twice.
  @discardableResult
  public func addParticipant(
    _ name: String, attributes: [(key: String, value: String)] = [], consent: Day? = nil,
    options: AppendOptions = AppendOptions()
  ) throws -> Recorded<String> {
    let trimmed = LedgerState.trimmedName(name)
    let result = try appendPlanned(options: options, writing: .participantAdded) { state in
      guard
        let change = try state.participantChange(
          trimmed, attributes: attributes, consent: consent)
      else { return [] }
      let events = [EventPayload.participantAdded(change)]
      try state.validate(events)
      return events
    }
    return Recorded(ref: trimmed, version: 0, append: result)
  }

  /// The participants, in the order they were first described, with their active stories.
  public var participants: [ParticipantView] { state.participantViews }
}
