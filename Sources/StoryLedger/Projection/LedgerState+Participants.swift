import Foundation

/// The dialogue's participants, and the erasure of their names.
extension LedgerState {
  /// Appends a dialogue event to ``dialogue``; a `participant.erased` event also empties the
  /// name in the events it lists, so that the state (and the snapshot written from it) no
  /// longer holds it.
  mutating func appendDialogue(_ record: DialogueRecord) {
    if case .participantErased(let event) = record.payload, !event.sequences.isEmpty {
      let erased = Set(event.sequences)
      for index in dialogue.indices where erased.contains(dialogue[index].sequence) {
        dialogue[index].payload = dialogue[index].payload.withParticipant("")
      }
    }
    dialogue.append(record)
  }

  /// The sequence numbers of the dialogue events that name `name` as their participant,
  /// compared as Unicode text (canonically equivalent spellings match: a precomposed "é"
  /// and "e" with a combining accent), after trimming spaces as names are trimmed when
  /// recorded.
  public func dialogueSequences(naming name: String) -> [UInt64] {
    let wanted = name.trimmingCharacters(in: .whitespaces)
    guard !wanted.isEmpty else { return [] }
    return dialogue.compactMap { record in
      record.payload.participants?.contains(wanted) == true ? record.sequence : nil
    }
  }

  /// The sequence numbers every `participant.erased` event lists: the dialogue events whose
  /// participant's name was erased (or is being erased).
  public func erasedParticipantSequences() -> [UInt64] {
    var sequences: [UInt64] = []
    for record in dialogue {
      if case .participantErased(let event) = record.payload {
        sequences.append(contentsOf: event.sequences)
      }
    }
    return sequences
  }
}
