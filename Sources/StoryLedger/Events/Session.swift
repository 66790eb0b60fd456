/// A session started at a node: a workshop where stories are told and sorted into boxes, or
/// a meeting where stories are selected and accounts negotiated.
///
/// The facilitator and the people who took part are personal: they live in the record's
/// erasable part, and `erase person` erases them (together: they share that part). The
/// note is kept in the hashed part, like a reason: it should hold no personal details.
public struct SessionStarted: Hashable, Sendable {
  /// The session's key, unique in the ledger.
  public var key: String
  /// The node the session is held at.
  public var node: NodePath
  /// The date it is held.
  public var on: Day
  /// Who facilitates it (personal text; empty once erased).
  public var facilitator: String
  /// Who else takes part, in the order given (personal text; empty once erased).
  public var with: [String]
  /// A note about the session (may be empty; no personal details).
  public var note: String

  /// Creates the event.
  public init(
    key: String, node: NodePath, on: Day, facilitator: String, with: [String] = [],
    note: String = ""
  ) {
    self.key = key
    self.node = node
    self.on = on
    self.facilitator = facilitator
    self.with = with
    self.note = note
  }

  /// The facilitator, then the others: every name the session records.
  public var names: [String] { facilitator.isEmpty && with.isEmpty ? [] : [facilitator] + with }
}

/// The events just before this one, in the same append, were recorded in a session.
///
/// The ledger writes it itself after the events an append records with
/// ``Ledger/AppendOptions/session``, in the same durable batch, so that any recording
/// event, of any type, can name a session without a field of its own.
public struct SessionLinked: Hashable, Sendable {
  /// The session's key.
  public var session: String
  /// How many events immediately before this one belong to the session (at least 1).
  public var count: Int

  /// Creates the event.
  public init(session: String, count: Int) {
    self.session = session
    self.count = count
  }
}

/// The byte layouts of the session events.
///
/// `session.started`: public part key, node, date, note; personal part the names
/// (facilitator first). `session.linked`: the session's key and the count, public only.
extension EventCodec {
  static func writeSessionStarted<Sink: ByteSink>(
    _ event: SessionStarted, into writer: inout Sink
  ) {
    writer.appendString(event.key)
    writer.appendString(event.node.description)
    writer.appendDay(event.on)
    writer.appendString(event.note)
  }

  static func readSessionStarted(_ reader: inout ByteReader) throws(DecodingFailure)
    -> SessionStarted
  {
    let key = try reader.string()
    let text = try reader.string()
    let node = NodePath(
      validSegments: text.split(separator: "/", omittingEmptySubsequences: false).map(String.init))
    let on = try reader.day()
    let note = try reader.string()
    return SessionStarted(key: key, node: node, on: on, facilitator: "", note: note)
  }

  static func writeSessionLinked<Sink: ByteSink>(_ event: SessionLinked, into writer: inout Sink) {
    writer.appendString(event.session)
    writer.appendVarint(UInt64(max(0, event.count)))
  }

  static func readSessionLinked(_ reader: inout ByteReader) throws(DecodingFailure)
    -> SessionLinked
  {
    let session = try reader.string()
    let count = try reader.varint()
    guard count >= 1, count <= 1 << 32 else {
      throw DecodingFailure(description: "a session link covers \(count) events")
    }
    return SessionLinked(session: session, count: Int(count))
  }
}
