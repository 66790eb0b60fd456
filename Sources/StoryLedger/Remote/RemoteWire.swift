import Foundation

/// The wire contract of the shared server (`storyledger-server`) and the command-line tool
/// run against it: route paths, and the `Codable` bodies both sides send.
///
/// The tool runs the library unchanged over a remote ``EventStore``: it reads the log as
/// pages of records (``RemoteRecordPage``) and appends batches (``RemoteAppendRequest``);
/// the server checks every event against the token's role and subtree
/// (``RemoteAccess``), validates it against its up-to-date state and records it. Every body
/// is JSON (`application/json`) with `snake_case` keys, written and read with
/// ``encoder()`` and ``decoder()``; an error is a ``RemoteErrorBody``.
///
/// ```swift
/// let url = try RemoteLedgerURL(parsing: "https://ledger.example.org/ledgers/north")
/// var request = URLRequest(url: url.url(for: .head))
/// request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
/// ```
public enum RemoteAPI {
  /// The API version: the first segment of every route (`/v1/...`).
  public static let version = "v1"
  /// The media type of every request and response body but streamed exports.
  public static let jsonMediaType = "application/json"
  /// The header carrying the token: `Authorization: Bearer TOKEN`.
  public static let authorizationHeader = "Authorization"
  /// The header a client may set to name its request in the server's log.
  public static let requestIDHeader = "X-Request-ID"
  /// The most records one page of ``RemoteRecordPage`` holds.
  public static let maximumPageSize = 5_000
  /// The most events one ``RemoteAppendRequest`` may hold (larger batches go to
  /// ``RemoteRoute/importEvents``).
  public static let maximumAppendEvents = 10_000
  /// The largest request body the server reads, in bytes, but for imports.
  public static let maximumBodyBytes = 16 << 20

  /// A JSON encoder with the wire's conventions: `snake_case` keys, sorted keys.
  public static func encoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.sortedKeys]
    return encoder
  }

  /// A JSON decoder with the wire's conventions (`snake_case` keys).
  public static func decoder() -> JSONDecoder {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return decoder
  }

  /// Whether `name` may name a ledger on the server: a lower-case ASCII letter, then at most
  /// 47 lower-case letters, digits or `_` (the server keeps each ledger in a table of its
  /// own, named after it).
  public static func isValidLedgerName(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    guard let first = bytes.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first),
      bytes.count <= 48
    else { return false }
    return bytes.allSatisfy { byte in
      (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
    }
  }

  /// The path of `route` for the ledger `name`, for example `/v1/ledgers/north/records`.
  public static func path(_ route: RemoteRoute, ledger name: String) -> String {
    let base = "/\(version)/ledgers/\(name)"
    return route.suffix.isEmpty ? base : base + "/" + route.suffix
  }
}

/// The server's routes under `/v1/ledgers/NAME` (and two outside it, ``health`` and
/// ``metrics``; the server also publishes its OpenAPI document at `GET /v1/openapi.json`,
/// which the CLI does not call): each with its method, its body and who may call it
/// (``RemoteAccess``).
///
/// Query parameters are named in each case's documentation; a node or story is always a
/// query parameter (`node=england/north`), never a path segment, so that any script reaches
/// the server unchanged.
public enum RemoteRoute: String, CaseIterable, Codable, Sendable {
  /// `GET`: the ledger's ``RemoteLedgerInfo``: configuration, head, the token's role.
  case info
  /// `GET`: the head alone, as ``RemoteHead``.
  case head
  /// `GET ?after=N&limit=M`: a ``RemoteRecordPage`` of the records after sequence `N`.
  case records
  /// `POST` a ``RemoteAppendRequest``: append a batch; answers ``RemoteAppendResponse``.
  case events
  /// `POST` a ``RemoteErasureRequest``: erase the personal text of events (keeper);
  /// answers ``RemoteErasureResponse``.
  case erasures
  /// `POST` JSON Lines: a ``RemoteImportHeader`` line, then one line per event (the
  /// base64 of ``RemoteAppendRequest/encode(_:)``): one batch, all or nothing (keeper);
  /// answers ``RemoteAppendResponse``.
  case importEvents = "import"
  /// `GET`: the library's ``VerificationReport`` of the whole log (keeper).
  case verify
  /// `GET ?node=P[&as_of=D]`: the library's ``Summary``.
  case summary
  /// `GET [?node=P]`: the hierarchy as the library's ``TreeEntry`` rows.
  case tree
  /// `GET ?story=K`: the library's ``StoryHistory`` as the token's node may read it.
  case story
  /// `GET ?node=P | ?story=K`: the library's ``ItemList``.
  case items
  /// `GET ?node=P`: the library's ``CascadeUp``.
  case cascadeUp = "cascade/up"
  /// `GET ?node=P`: the library's ``CascadeDown``.
  case cascadeDown = "cascade/down"
  /// `GET ?node=P`: the node's ``InboxEntry`` list.
  case inbox
  /// `GET ?node=P`: the node's ``AccountView`` list.
  case accounts
  /// `GET [?node=P]`: the ``PledgeView`` list of the subtree.
  case pledges
  /// `GET [?after=N]`: the log as JSON Lines (`application/x-ndjson`), as the token may
  /// read it, streamed.
  case log
  /// `GET [?period=P][&level=L][&from=D][&to=D]`: the time series (<doc:TimeSeries>) as
  /// CSV (`text/csv`), the rows of nodes within the token's subtree, streamed (a month and
  /// the top level by default).
  case exportTimeseries = "export/timeseries"
  /// `GET [?period=P][&level=L][&from=D][&to=D]`: the pledge series as CSV (`text/csv`),
  /// as ``exportTimeseries``.
  case exportPledges = "export/pledges"
  /// `GET ?node=P`: the self-contained HTML report (`text/html`).
  case report
  /// `GET /health` (no ledger, no token): `200` with ``RemoteHealth`` when the database
  /// answers, `503` when it does not.
  case health
  /// `GET /metrics` (no ledger, no token): Prometheus text.
  case metrics

  /// The path after `/v1/ledgers/NAME/` (empty for ``info``).
  public var suffix: String { self == .info ? "" : rawValue }

  /// The HTTP method of the route.
  public var method: String {
    switch self {
    case .events, .erasures, .importEvents: "POST"
    default: "GET"
    }
  }

  /// Whether the route is outside `/v1/ledgers/NAME` and needs no token.
  public var isServerRoute: Bool { self == .health || self == .metrics }

  /// The full path of a server route (``health``, ``metrics``).
  public var serverPath: String { "/" + rawValue }
}

/// A ledger on a server, as a URL names it: `http(s)://HOST[:PORT]/ledgers/NAME`.
///
/// ```swift
/// let remote = try RemoteLedgerURL(parsing: "http://127.0.0.1:8080/ledgers/north")
/// remote.name                       // "north"
/// remote.url(for: .records).path    // "/v1/ledgers/north/records"
/// ```
public struct RemoteLedgerURL: Hashable, Sendable, CustomStringConvertible {
  /// The server: scheme, host and port, without a path.
  public var server: URL
  /// The ledger's name.
  public var name: String

  /// Whether `text` looks like a server URL rather than a directory (`http://` or
  /// `https://`).
  public static func isRemote(_ text: String) -> Bool {
    let lower = text.lowercased()
    return lower.hasPrefix("http://") || lower.hasPrefix("https://")
  }

  /// Parses a ledger URL.
  ///
  /// - Throws: ``ValueError`` (field `ledger`) when it is not
  ///   `http(s)://HOST[:PORT]/ledgers/NAME` with a valid name.
  public init(parsing text: String) throws(ValueError) {
    let shape = "is not http(s)://HOST[:PORT]/ledgers/NAME"
    guard let components = URLComponents(string: text),
      let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
      let host = components.host, !host.isEmpty
    else { throw ValueError(field: "ledger", value: text, reason: shape) }
    let parts = components.path.split(separator: "/").map(String.init)
    guard parts.count == 2, parts[0] == "ledgers" else {
      throw ValueError(field: "ledger", value: text, reason: shape)
    }
    guard RemoteAPI.isValidLedgerName(parts[1]) else {
      throw ValueError(
        field: "ledger", value: text,
        reason:
          "names the ledger \"\(parts[1])\"; a name is a lower-case letter then lower-case letters, digits or _ (at most 48)"
      )
    }
    var server = URLComponents()
    server.scheme = scheme
    server.host = host
    server.port = components.port
    guard let url = server.url else {
      throw ValueError(field: "ledger", value: text, reason: shape)
    }
    self.server = url
    self.name = parts[1]
  }

  /// The URL of `route` for this ledger, with `query` as its query string.
  public func url(for route: RemoteRoute, query: [URLQueryItem] = []) -> URL {
    var components = URLComponents()
    components.scheme = server.scheme
    components.host = server.host
    components.port = server.port
    components.path = route.isServerRoute ? route.serverPath : RemoteAPI.path(route, ledger: name)
    if !query.isEmpty { components.queryItems = query }
    return components.url ?? server
  }

  /// `SCHEME://HOST[:PORT]/ledgers/NAME`.
  public var description: String {
    server.absoluteString.trimmingSuffix("/") + "/ledgers/" + name
  }
}

extension String {
  fileprivate func trimmingSuffix(_ suffix: String) -> String {
    hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
  }
}

/// A position in the server's log: a sequence number and its chain hash (hex).
public struct RemoteHead: Hashable, Sendable, Codable {
  /// The last event's sequence number (0 for an empty log).
  public var sequence: UInt64
  /// Its chain hash, 64 hex digits (all zeros for an empty log).
  public var hash: String

  /// Creates a head.
  public init(sequence: UInt64, hash: String) {
    self.sequence = sequence
    self.hash = hash
  }

  /// The head at `position`.
  public init(_ position: LogPosition) {
    self.init(sequence: position.sequence, hash: position.hash.hex)
  }

  /// The position this head names (its offset is its sequence number).
  ///
  /// - Throws: ``ValueError`` (field `hash`) when the hash is not 64 hex digits.
  public func position() throws(ValueError) -> LogPosition {
    guard let digest = SHA256Digest(hex: hash) else {
      throw ValueError(field: "hash", value: hash, reason: "is not 64 hex digits")
    }
    return LogPosition(sequence: sequence, hash: digest, offset: sequence)
  }
}

/// What `GET /v1/ledgers/NAME` answers: the ledger and who is asking.
public struct RemoteLedgerInfo: Hashable, Sendable, Codable {
  /// The ledger's name.
  public var name: String
  /// Its level names, top first.
  public var levels: [String]
  /// Its currency, if it has one.
  public var currency: String?
  /// Its time zone identifier.
  public var timeZone: String
  /// The head of its log.
  public var head: RemoteHead
  /// The role of the token asking.
  public var role: RemoteRole
  /// The token's node (`nil`: the whole ledger).
  public var node: NodePath?
  /// The token's name (who it was made for), recorded as the actor of its appends.
  public var actor: String

  /// Creates the answer.
  public init(
    name: String, levels: [String], currency: String?, timeZone: String, head: RemoteHead,
    role: RemoteRole, node: NodePath?, actor: String
  ) {
    self.name = name
    self.levels = levels
    self.currency = currency
    self.timeZone = timeZone
    self.head = head
    self.role = role
    self.node = node
    self.actor = actor
  }
}

/// One record of a ``RemoteRecordPage``.
///
/// `record` is the base64 of the record's bytes. A record the token may read whole is sent
/// as stored; one with texts the token may not read (a story outside its share scope, any
/// story for an analyst) is re-encoded with those texts withheld (`(withheld)`, see
/// ``LedgerState/scoped(_:for:)``), and `hash` then gives the original chain hash, which
/// ``event()`` puts back, so event ids and positions stay those of the server's log.
public struct RemoteRecord: Hashable, Sendable, Codable {
  /// The event's sequence number.
  public var sequence: UInt64
  /// The base64 of the record's bytes.
  public var record: String
  /// For a withheld record, the original event's chain hash (hex); `nil` for a whole one.
  public var hash: String?

  /// Creates a record entry.
  public init(sequence: UInt64, record: String, hash: String? = nil) {
    self.sequence = sequence
    self.record = record
    self.hash = hash
  }

  /// The record of `event` as stored (`bytes`).
  public init(sequence: UInt64, bytes: [UInt8]) {
    self.init(sequence: sequence, record: Data(bytes).base64EncodedString())
  }

  /// The entry for `event` with its texts withheld: the scoped event re-encoded at its
  /// place, with its original hash alongside.
  ///
  /// - Throws: ``LedgerError`` when the event cannot be encoded.
  public init(withheld event: RecordedEvent, previousHash: SHA256Digest) throws(LedgerError) {
    let batch = AppendBatch(
      events: [event.payload], actor: event.actor, idempotencyKey: event.idempotencyKey)
    let position = LogPosition(
      sequence: event.sequence - 1, hash: previousHash, offset: event.sequence - 1)
    let records = try EventRecordCodec.encode(
      batch, after: position, recordedAt: event.recordedAt)
    self.init(
      sequence: event.sequence, record: Data(records[0].bytes).base64EncodedString(),
      hash: event.hash.hex)
  }

  /// The event the entry holds, with its original hash.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/corrupt`` when the record does not
  ///   decode or is not the event `sequence` names.
  public func event() throws(LedgerError) -> RecordedEvent {
    guard let bytes = Data(base64Encoded: record) else {
      throw LedgerError(
        .corrupt, "the server sent event \(sequence) in a record that is not base64")
    }
    let decoded = try EventRecordCodec.decode(Array(bytes))
    guard decoded.sequence == sequence else {
      throw LedgerError(
        .corrupt, "the server sent event \(decoded.sequence) where event \(sequence) belongs")
    }
    guard let hash else { return decoded }
    guard let original = SHA256Digest(hex: hash) else {
      throw LedgerError(.corrupt, "the server sent event \(sequence) with a hash that is not hex")
    }
    return RecordedEvent(
      sequence: decoded.sequence, recordedAtMilliseconds: decoded.recordedAtMilliseconds,
      actor: decoded.actor, idempotencyKey: decoded.idempotencyKey,
      schemaVersion: decoded.schemaVersion, payload: decoded.payload, hash: original,
      isPersonalTextErased: decoded.isPersonalTextErased)
  }
}

/// What `GET /v1/ledgers/NAME/records?after=N&limit=M` answers: the records after `N`, in
/// order, at most `M` (at most ``RemoteAPI/maximumPageSize``), and the head when read.
///
/// Read on from the last record's sequence until a page ends at ``head``.
public struct RemoteRecordPage: Hashable, Sendable, Codable {
  /// The records, in order, without gaps.
  public var records: [RemoteRecord]
  /// The head of the log when the page was read.
  public var head: RemoteHead

  /// Creates a page.
  public init(records: [RemoteRecord], head: RemoteHead) {
    self.records = records
    self.head = head
  }
}

/// What `POST /v1/ledgers/NAME/events` takes: one batch, appended all or nothing.
///
/// Each event is the base64 of ``encode(_:)``: the library's own record of the payload
/// (numbered from 1, unchained; the server keeps only the payload). The server records the
/// events with the token's name as actor.
public struct RemoteAppendRequest: Hashable, Sendable, Codable {
  /// The head the client planned the batch against. When given and the server's head is
  /// elsewhere, nothing is recorded and the answer is `409` with code `conflict` (the client
  /// catches up, plans again and retries). When `nil`, the server validates the events
  /// against its own up-to-date state, which is enough for events that stand on their own.
  public var expectedHead: RemoteHead?
  /// A key the client makes for the batch: a repeat of an acknowledged batch with the same
  /// key records nothing and answers as the first time did (``RemoteAppendResponse/isRepeat``).
  public var idempotencyKey: String?
  /// The story version the batch expects (as ``Ledger/ExpectedVersion``), if any.
  public var expectedVersion: ExpectedVersion?
  /// The events, each the base64 of ``encode(_:)``.
  public var events: [String]

  /// A story version expected by a batch.
  public struct ExpectedVersion: Hashable, Sendable, Codable {
    /// The story's key.
    public var story: String
    /// The version expected.
    public var version: Int
    /// Creates an expectation.
    public init(story: String, version: Int) {
      self.story = story
      self.version = version
    }
  }

  /// Creates a request from payloads.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` when an event is larger than a
  ///   record may be.
  public init(
    events: [EventPayload], expectedHead: RemoteHead? = nil, idempotencyKey: String? = nil,
    expectedVersion: ExpectedVersion? = nil
  ) throws(LedgerError) {
    var encoded: [String] = []
    encoded.reserveCapacity(events.count)
    for payload in events { encoded.append(try Self.encode(payload)) }
    self.init(
      encodedEvents: encoded, expectedHead: expectedHead, idempotencyKey: idempotencyKey,
      expectedVersion: expectedVersion)
  }

  /// Creates a request from events encoded already.
  public init(
    encodedEvents: [String], expectedHead: RemoteHead? = nil, idempotencyKey: String? = nil,
    expectedVersion: ExpectedVersion? = nil
  ) {
    self.events = encodedEvents
    self.expectedHead = expectedHead
    self.idempotencyKey = idempotencyKey
    self.expectedVersion = expectedVersion
  }

  /// The base64 of the record of `payload` alone (sequence 1, no chain, no actor).
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` when the event is larger than
  ///   a record may be.
  public static func encode(_ payload: EventPayload) throws(LedgerError) -> String {
    let records = try EventRecordCodec.encode(
      AppendBatch(events: [payload], actor: ""), after: .start(),
      recordedAt: Date(timeIntervalSince1970: 0))
    return Data(records[0].bytes).base64EncodedString()
  }

  /// The payload of one encoded event.
  ///
  /// - Throws: ``ValueError`` naming the field `events[index]` when it is not base64 of
  ///   one whole record.
  public static func decode(_ text: String, index: Int) throws(ValueError) -> EventPayload {
    let field = "events[\(index)]"
    guard let bytes = Data(base64Encoded: text) else {
      throw ValueError(field: field, value: String(text.prefix(40)), reason: "is not base64")
    }
    do {
      return try EventRecordCodec.decode(Array(bytes)).payload
    } catch {
      throw ValueError(
        field: field, value: String(text.prefix(40)),
        reason: "is not one whole event record: \(error.message)")
    }
  }

  /// The payloads of ``events``, in order.
  ///
  /// - Throws: ``ValueError`` naming the first bad event.
  public func payloads() throws(ValueError) -> [EventPayload] {
    var payloads: [EventPayload] = []
    payloads.reserveCapacity(events.count)
    for (index, text) in events.enumerated() {
      payloads.append(try Self.decode(text, index: index))
    }
    return payloads
  }
}

/// What an append (or an import) answers.
public struct RemoteAppendResponse: Hashable, Sendable, Codable {
  /// The sequence number of the first event recorded, or of the first event of the
  /// original append for a repeat; `nil` when nothing was recorded (an empty batch).
  public var first: UInt64?
  /// How many events were recorded (0 for a repeat).
  public var count: Int
  /// Whether the idempotency key had been used: nothing was recorded this time.
  public var isRepeat: Bool
  /// The head after the append.
  public var head: RemoteHead

  /// Creates the answer.
  public init(first: UInt64?, count: Int, isRepeat: Bool, head: RemoteHead) {
    self.first = first
    self.count = count
    self.isRepeat = isRepeat
    self.head = head
  }
}

/// What `POST /v1/ledgers/NAME/erasures` takes: the events whose personal text to erase
/// (``EventStore/erasePersonalText(sequences:)``). Keeper only; each event must be one a
/// recorded erasure explains (a story withdrawn with erasure, a participant erased).
public struct RemoteErasureRequest: Hashable, Sendable, Codable {
  /// The events' sequence numbers.
  public var sequences: [UInt64]
  /// Creates a request.
  public init(sequences: [UInt64]) { self.sequences = sequences }
}

/// What an erasure answers: how many events were erased now.
public struct RemoteErasureResponse: Hashable, Sendable, Codable {
  /// Events erased by this request (those erased already are not counted).
  public var erased: Int
  /// Creates the answer.
  public init(erased: Int) { self.erased = erased }
}

/// The first line of an import (`POST /v1/ledgers/NAME/import`, JSON Lines); each line
/// after it is one event, a JSON string holding the base64 of
/// ``RemoteAppendRequest/encode(_:)``.
public struct RemoteImportHeader: Hashable, Sendable, Codable {
  /// As ``RemoteAppendRequest/expectedHead``.
  public var expectedHead: RemoteHead?
  /// As ``RemoteAppendRequest/idempotencyKey``.
  public var idempotencyKey: String?
  /// How many event lines follow: the import is refused (nothing recorded) when fewer or
  /// more arrive.
  public var eventCount: Int

  /// Creates a header.
  public init(expectedHead: RemoteHead?, idempotencyKey: String?, eventCount: Int) {
    self.expectedHead = expectedHead
    self.idempotencyKey = idempotencyKey
    self.eventCount = eventCount
  }
}

/// What `GET /health` answers.
public struct RemoteHealth: Hashable, Sendable, Codable {
  /// `ok`, or `unavailable` (with status 503) when the database does not answer.
  public var status: String
  /// The ledgers the server serves.
  public var ledgers: Int
  /// Creates the answer.
  public init(status: String, ledgers: Int) {
    self.status = status
    self.ledgers = ledgers
  }
}
