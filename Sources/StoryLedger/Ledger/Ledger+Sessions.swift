import Foundation

/// Sessions: the workshops and meetings where stories are told, sorted, selected, and
/// accounts negotiated.
///
/// Start a session with ``startSession(at:on:facilitator:with:note:key:options:)``, then
/// name it in the ``AppendOptions/session`` of any recording call; ``sessionRecord(_:as:)``
/// lists what came out of it.
///
/// ```swift
/// let workshop = try ledger.startSession(
///   at: try NodePath(parsing: "nhs/north"), facilitator: "Amina Yusuf", with: ["Jo", "Kwame"])
/// try ledger.tellStory(
///   NewStory(node: try NodePath(parsing: "nhs/north"), title: "Walking clinic", narrative: "…"),
///   options: .init(session: workshop.ref))
/// let record = try ledger.sessionRecord(workshop.ref)
/// print(record.events.map(\.type.name))  // ["story.told", "story.telling"]
/// ```
extension Ledger {
  /// Starts a session at `node` on `on` (default: today), facilitated by `facilitator`, with
  /// the others who take part and a note; returns its key (generated unless `key` is given).
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` for no such node, a retired node,
  ///   an empty facilitator, a name with control characters, or a key in use.
  @discardableResult
  public func startSession(
    at node: NodePath, on: Day? = nil, facilitator: String, with others: [String] = [],
    note: String = "", key: String? = nil, options: AppendOptions = AppendOptions()
  ) throws -> Recorded<String> {
    let day = on ?? today
    let trim = { (name: String) in name.trimmingCharacters(in: .whitespaces) }
    var chosenKey = key ?? ""
    var sessionOptions = options
    // The session.started event is not itself recorded in a session.
    sessionOptions.session = nil
    let result = try appendPlanned(options: sessionOptions, writing: .sessionStarted) { state in
      chosenKey = key ?? state.newSessionKey()
      let events: [EventPayload] = [
        .sessionStarted(
          SessionStarted(
            key: chosenKey, node: node, on: day, facilitator: trim(facilitator),
            with: others.map(trim), note: note.trimmingCharacters(in: .whitespacesAndNewlines)))
      ]
      try state.validate(events)
      return events
    }
    if result.isRepeat, let sequence = result.originalSequence,
      case .sessionStarted(let started) = try originalEvent(at: sequence)
    {
      chosenKey = started.key
    }
    return Recorded(ref: chosenKey, version: 0, append: result)
  }

  /// What came out of a session: the session and the events recorded in it, in order.
  public struct SessionRecord: Sendable {
    /// The session.
    public var session: SessionView
    /// The events recorded in it, as the viewer may read them (a story's title, tellers
    /// and narratives withheld where its share scope does not reach the viewer).
    public var events: [RecordedEvent]
    /// How many of them tell of stories whose text the viewer may not read (their text is
    /// `(withheld)`).
    public var withheld: Int
  }

  /// The sessions held in the subtree of `node` (every session when `nil`; with a
  /// ``readScope``, the scope's), oldest first.
  public func sessions(under node: NodePath? = nil) throws -> [SessionView] {
    if let node { try requireReadable(node) }
    return try state.sessions(under: node ?? readScope)
  }

  /// The session `key` and every event recorded in it, read as `viewer` may read them
  /// (default: the session's own node).
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` when there is no such session,
  ///   ``LedgerError/Code/notAllowed`` when it was held outside ``readScope``.
  public func sessionRecord(_ key: String, as viewer: Viewer? = nil) throws -> SessionRecord {
    let state = self.state
    let session = try state.session(key)
    try requireReadable(session.node)
    let reader = viewer ?? .node(session.node)
    var events: [RecordedEvent] = []
    var withheld = 0
    try store.read(sequences: session.events) { event in
      let scoped = try state.scoped(event, for: reader)
      if scoped != event { withheld += 1 }
      events.append(scoped)
    }
    events.sort { $0.sequence < $1.sequence }
    return SessionRecord(session: session, events: events, withheld: withheld)
  }
}

extension LedgerState {
  /// A new session key: `s`, then six characters of the story keys' alphabet, not yet used.
  func newSessionKey() -> String {
    var generator = SystemRandomNumberGenerator()
    let used = sessionTable().index
    while true {
      let key =
        "s" + String((0..<6).map { _ in Self.keyAlphabet[Int(generator.next() % 32)] })
      if used[key] == nil { return key }
    }
  }
}
