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

/// A participant as the ledger describes them now (`storyledger participants`).
public struct ParticipantView: Hashable, Sendable, Codable {
  /// Their name.
  public var name: String
  /// Their attributes, by key.
  public var attributes: [String: String]
  /// The day their consent to be described was recorded (`nil`: not recorded).
  public var consent: Day?
  /// The active stories that name them as a teller.
  public var stories: Int
}

/// The participants' latest descriptions, by name (as Unicode text, after trimming spaces).
struct ParticipantDirectory {
  /// Each participant's latest `participant.added`, by name.
  var byName: [String: ParticipantAdded] = [:]
  /// The names in the order they were first described.
  var order: [String] = []

  /// The participant called `name` (trimmed), if described.
  subscript(name: String) -> ParticipantAdded? {
    byName[name.trimmingCharacters(in: .whitespaces)]
  }
}

extension LedgerState {
  /// The participants described so far (erased ones are gone: their events are empty).
  var participantDirectory: ParticipantDirectory {
    var directory = ParticipantDirectory()
    for record in dialogue {
      guard case .participantAdded(let added) = record.payload, !added.name.isEmpty else {
        continue
      }
      if directory.byName.updateValue(added, forKey: added.name) == nil {
        directory.order.append(added.name)
      }
    }
    return directory
  }

  /// The participants, in the order they were first described, with the active stories that
  /// name each as a teller.
  public var participantViews: [ParticipantView] {
    let directory = participantDirectory
    guard !directory.order.isEmpty else { return [] }
    var counts: [String: Int] = [:]
    for index in 0..<stories.count where !isWithdrawn(Int32(index)) {
      for teller in Set(storyFields(Int32(index)).tellers.map(Self.trimmedName)) {
        counts[teller, default: 0] += 1
      }
    }
    return directory.order.compactMap { name in
      directory.byName[name].map {
        ParticipantView(
          name: name,
          attributes: Dictionary(
            $0.attributes.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 }),
          consent: $0.consent, stories: counts[name] ?? 0)
      }
    }
  }

  static func trimmedName(_ name: String) -> String { name.trimmingCharacters(in: .whitespaces) }

  /// The description of `name` after a change: `attributes` set (an empty value removes the
  /// key) over the current description, and `consent` when given. `nil` when nothing would
  /// change. Keys match ignoring case, across the ledger: a key spelt as another participant's
  /// already is (`Role` where `role` is in use) takes the spelling in use, so that one
  /// attribute is one key everywhere.
  func participantChange(
    _ name: String, attributes: [(key: String, value: String)], consent: Day?
  ) throws(LedgerError) -> ParticipantAdded? {
    let name = Self.trimmedName(name)
    let directory = participantDirectory
    let current = directory.byName[name]
    var spelling: [String: String] = [:]
    for name in directory.order {
      for attribute in directory.byName[name]?.attributes ?? [] {
        spelling[attribute.key.lowercased()] = spelling[attribute.key.lowercased()] ?? attribute.key
      }
    }
    var result = current ?? ParticipantAdded(name: name)
    for (key, value) in attributes {
      let given = key.trimmingCharacters(in: .whitespaces)
      let key = spelling[given.lowercased()] ?? given
      let value = value.trimmingCharacters(in: .whitespaces)
      guard !key.isEmpty else {
        throw LedgerError.invalid(
          ValueError(
            field: "attribute", value: "=\(value)", reason: "has no key; write KEY=VALUE"))
      }
      result.attributes.removeAll { $0.key.lowercased() == key.lowercased() }
      if !value.isEmpty { result.attributes.append(.init(key: key, value: value)) }
    }
    result.attributes.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    if let consent { result.consent = consent }
    try validateParticipantAdded(result)
    return result == current ? nil : result
  }

  /// Checks a participant's description: a name, keys and values without control
  /// characters, each key once (ignoring case).
  func validateParticipantAdded(_ added: ParticipantAdded) throws(LedgerError) {
    guard !Self.trimmedName(added.name).isEmpty else {
      throw LedgerError(.invalid, "a participant needs a name")
    }
    if let problem = NameText.problem(in: added.name) {
      throw LedgerError.invalid(
        ValueError(field: "participant", value: added.name, reason: problem))
    }
    var keys = Set<String>()
    for attribute in added.attributes {
      for (field, text) in [("attribute key", attribute.key), ("attribute value", attribute.value)]
      {
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
          throw LedgerError.invalid(
            ValueError(
              field: field, value: "\(attribute.key)=\(attribute.value)", reason: "is empty"))
        }
        if let problem = NameText.problem(in: text) {
          throw LedgerError.invalid(ValueError(field: field, value: text, reason: problem))
        }
      }
      guard keys.insert(attribute.key.lowercased()).inserted else {
        throw LedgerError.invalid(
          ValueError(
            field: "attribute key", value: attribute.key,
            reason: "is given twice (keys are compared ignoring case)"))
      }
    }
  }
}
