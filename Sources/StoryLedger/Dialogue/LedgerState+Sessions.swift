import Foundation

/// A session as the ledger holds it: where and when, who, and the events recorded in it.
public struct SessionView: Hashable, Sendable {
  /// The session's key.
  public var key: String
  /// The node it is held at (its path now).
  public var node: NodePath
  /// The date it is held.
  public var on: Day
  /// Who facilitates it (`(erased)` once erased).
  public var facilitator: String
  /// Who else takes part (empty once erased).
  public var with: [String]
  /// The note (may be empty).
  public var note: String
  /// The sequence number of its `session.started` event.
  public var sequence: UInt64
  /// The sequence numbers of the events recorded in it, in order.
  public var events: [UInt64]
  /// Whether its names were erased (`erase person`).
  public var isErased = false
}

extension LedgerState {
  /// The sessions, in the order they were started, each with the events recorded in it.
  func sessionTable() -> (sessions: [SessionView], index: [String: Int]) {
    var sessions: [SessionView] = []
    var index: [String: Int] = [:]
    for record in dialogue {
      switch record.payload {
      case .sessionStarted(let event):
        index[event.key] = sessions.count
        let isErased = event.facilitator.isEmpty
        sessions.append(
          SessionView(
            key: event.key, node: event.node, on: event.on,
            facilitator: isErased ? "(erased)" : event.facilitator, with: event.with,
            note: event.note, sequence: record.sequence, events: [], isErased: isErased))
      case .sessionLinked(let link):
        guard let position = index[link.session], record.sequence > UInt64(link.count) else {
          continue
        }
        let first = record.sequence - UInt64(link.count)
        sessions[position].events.append(contentsOf: first..<record.sequence)
      default:
        continue
      }
    }
    return (sessions, index)
  }

  /// The sessions held at `node`'s subtree (every session when `nil`), in the order they
  /// were started.
  ///
  /// - Throws: ``LedgerError`` when there is no node at `node`.
  public func sessions(under node: NodePath? = nil) throws(LedgerError) -> [SessionView] {
    if let node { _ = try self.node(at: node) }
    return sessionTable().sessions.filter { node?.contains($0.node) ?? true }
  }

  /// The session `key`.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` when there is none.
  public func session(_ key: String) throws(LedgerError) -> SessionView {
    let table = sessionTable()
    guard let position = table.index[key] else {
      throw LedgerError(
        .invalid, "no session \(key); `storyledger sessions` lists them")
    }
    return table.sessions[position]
  }

  /// The session each event recorded in one was recorded in: sequence number → session key.
  public func sessionOfEvents() -> [UInt64: String] {
    var result: [UInt64: String] = [:]
    for session in sessionTable().sessions {
      for sequence in session.events { result[sequence] = session.key }
    }
    return result
  }

  /// Checks that `events`, about to be appended, may be recorded in session `key`: the
  /// session exists, and each event is about the session's node or a node in its subtree (a
  /// story's node for the events about a story, the pledge's node for a pledge's steps, the
  /// sending node for feedback). A workshop at a trust records stories told at its wards; a
  /// ward's session does not record a selection at the region above it.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` naming the event and the rule.
  public func validateSession(_ key: String, for events: [EventPayload]) throws(LedgerError) {
    let session = try session(key)
    guard !events.isEmpty else { return }
    var newStories: [String: NodePath] = [:]
    let pledges = dialogueModel().pledges
    for event in events {
      let node: NodePath?
      switch event {
      case .storyTold(let told):
        newStories[told.key] = told.node
        node = told.node
      case .nodeAdded(let added): node = added.path
      case .nodeRenamed(let renamed): node = currentPath(of: renamed.path) ?? renamed.path
      case .nodeMoved(let moved): node = moved.path
      case .nodeRetired(let retired): node = retired.path
      case .tellingRecorded, .storyUpdated, .storyWithdrawn, .storyAnswered, .itemRecorded,
        .itemRevised, .itemRated, .itemAgreed, .storyVerified, .storyGrouped:
        let story = event.storyKey ?? ""
        node = newStories[story] ?? self.node(ofStory: story)
      case .accountProposed, .accountObjected, .accountResponded, .accountSettled,
        .accountReopened, .storiesSelected, .feedbackSent, .pledgeMade:
        node = event.nodePath
      case .pledgeJoined(let step), .pledgeFulfilled(let step), .pledgeWithdrawn(let step):
        node = pledges[step.pledge]?.made.node
      // A participant described in a workshop belongs to no node.
      case .participantAdded: node = nil
      case .ledgerCreated, .participantErased, .sessionStarted, .sessionLinked, .domainAdded,
        .campaignAdded, .proxySet:
        throw LedgerError(
          .invalid, "a \(event.type.name) event is not recorded in a session")
      }
      guard let node else { continue }  // an unknown story or pledge: its own check says so
      guard session.node.contains(node) else {
        throw LedgerError(
          .invalid,
          "session \(key) is held at \(session.node): the \(event.type.name) event is about \(node), which is not \(session.node) or under it; record it without --session or in a session held at \(node) or above it"
        )
      }
    }
  }

  /// Checks a `session.started` event: a new key, an existing open node, a facilitator,
  /// names without control characters, a note that is no more than a note.
  func validateSessionStarted(_ event: SessionStarted) throws(LedgerError) {
    do { try Key.validate(event.key, field: "session") } catch { throw LedgerError.invalid(error) }
    if sessionTable().index[event.key] != nil {
      throw LedgerError(.invalid, "session \(event.key) already exists")
    }
    let index = try node(at: event.node)
    if isClosed(index) {
      throw LedgerError(.invalid, "node \(event.node) is retired; it holds no new sessions")
    }
    guard !event.facilitator.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw LedgerError(.invalid, "a session needs a facilitator", remedy: .namePerson)
    }
    try LedgerState.validateNames([event.facilitator], field: "facilitator")
    try LedgerState.validateNames(event.with, field: "with")
    for name in event.with where name.trimmingCharacters(in: .whitespaces).isEmpty {
      throw LedgerError.invalid(
        ValueError(field: "with", value: name, reason: "is empty; name who took part"))
    }
  }
}
