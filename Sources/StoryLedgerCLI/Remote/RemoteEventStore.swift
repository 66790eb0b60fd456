import Foundation
import StoryLedger

/// The log of a ledger kept by `storyledger-server`, read and appended over HTTP, so that
/// the library runs unchanged against it: the same commands, output and exit codes as for a
/// directory.
///
/// The server holds the write lock, not this process: ``withWriteLock(timeout:_:)`` runs its
/// body, and an append sends the head it was planned against. When another writer got
/// there first the server records nothing and answers `409`; the body is then run again
/// (the ledger catches up and plans anew) until ``Ledger/defaultLockTimeout`` or
/// `STORYLEDGER_LOCK_WAIT` runs out. Every append carries an idempotency key (the user's,
/// else one made here), so an append sent again after a lost answer is recorded once.
///
/// Records arrive as the server keeps them, but for texts the token may not read, which the
/// server withholds before sending.
final class RemoteEventStore: EventStore, @unchecked Sendable {
  let transport: RemoteTransport
  private let lock = NSLock()
  /// Whether the last append was refused because the head had moved.
  private var headMoved = false
  private let pause: @Sendable (Duration) -> Void

  init(
    transport: RemoteTransport,
    pause: @escaping @Sendable (Duration) -> Void = { Thread.sleep(forTimeInterval: $0.seconds) }
  ) {
    self.transport = transport
    self.pause = pause
  }

  private var address: RemoteLedgerAddress { transport.address }

  private func path(_ route: RemoteRoute) -> String {
    RemoteAPI.path(route, ledger: RemoteLedgerAddress.encode(address.name))
  }

  // MARK: Requests

  private func get<Answer: Decodable>(
    _ route: RemoteRoute, _ query: [URLQueryItem] = [], as type: Answer.Type = Answer.self
  ) throws(LedgerError) -> Answer {
    let response = try transport.send(RemoteRequest(method: "GET", path: path(route), query: query))
    return try decode(response, route)
  }

  private func post<Answer: Decodable>(
    _ route: RemoteRoute, body: Data, key: String, isUsersKey: Bool,
    as type: Answer.Type = Answer.self
  ) throws(LedgerError) -> Answer {
    let response = try transport.send(
      RemoteRequest(
        method: "POST", path: path(route), body: body, idempotencyKey: key, isUsersKey: isUsersKey))
    return try decode(response, route)
  }

  private func encode(_ value: some Encodable) throws(LedgerError) -> Data {
    do { return try RemoteAPI.encoder().encode(value) } catch {
      throw LedgerError(.invalid, "cannot encode the request to the server: \(error)")
    }
  }

  private func decode<Answer: Decodable>(_ response: RemoteResponse, _ route: RemoteRoute)
    throws(LedgerError) -> Answer
  {
    do { return try RemoteAPI.decoder().decode(Answer.self, from: response.body) } catch {
      throw LedgerError(
        .io,
        "the server \(address.hostAndPort) answered \(path(route)) with something other than the expected \(Answer.self) (\(error)); is it a storyledger-server of this version?"
      )
    }
  }

  /// The ledger's description and the token's role, node and name.
  func info() throws(LedgerError) -> RemoteLedgerInfo { try get(.info) }

  /// A key for an append the user gave none for.
  static func newKey() -> String { "cli-" + UUID().uuidString.lowercased() }

  // MARK: EventStore

  func head() throws(LedgerError) -> LogPosition {
    try logPosition(of: get(.head, as: RemoteHead.self))
  }

  private func logPosition(of head: RemoteHead) throws(LedgerError) -> LogPosition {
    do { return try head.position() } catch {
      throw LedgerError(
        .io, "the server \(address.hostAndPort) sent a head that is not one: \(error)")
    }
  }

  func read(
    after position: LogPosition, upTo end: LogPosition, _ body: (RecordedEvent) throws -> Void
  ) throws {
    var last = position.sequence
    while last < end.sequence {
      let limit = min(UInt64(RemoteAPI.maximumPageSize), end.sequence - last)
      let page = try get(
        .records,
        [
          URLQueryItem(name: "after", value: String(last)),
          URLQueryItem(name: "limit", value: String(limit)),
        ],
        as: RemoteRecordPage.self)
      guard !page.records.isEmpty else {
        throw LedgerError(
          .io,
          "the server \(address.hostAndPort) sent no events after event \(last), though the log reaches event \(end.sequence)"
        )
      }
      for record in page.records {
        guard record.sequence == last + 1 else {
          throw LedgerError(
            .corrupt,
            "the server \(address.hostAndPort) sent event \(record.sequence) where event \(last + 1) belongs"
          )
        }
        if record.sequence > end.sequence { return }
        try body(try record.event())
        last = record.sequence
      }
    }
  }

  func withWriteLock<Result>(timeout: Duration, _ body: () throws -> Result) throws -> Result {
    let deadline = ContinuousClock.now + timeout
    var attempt = 0
    while true {
      lock.withLock { headMoved = false }
      do {
        return try body()
      } catch let error as LedgerError where error.code == .conflict && lock.withLock({ headMoved })
      {
        attempt += 1
        guard ContinuousClock.now < deadline else {
          throw LedgerError(
            .busy,
            "other writers kept changing the ledger \(address) for \(String(format: "%g", timeout.seconds)) s, so this change was planned \(attempt) times against a head that had moved; nothing was recorded: run the command again (STORYLEDGER_LOCK_WAIT sets the wait)"
          )
        }
        let wait = Duration.milliseconds(10) * (1 << min(attempt, 6))
        pause(wait * Double.random(in: 0.5...1.0))
      }
    }
  }

  func append(_ batch: AppendBatch, after position: LogPosition) throws(LedgerError) -> (
    events: [RecordedEvent], head: LogPosition
  ) {
    if batch.events.count > RemoteAPI.maximumAppendEvents {
      // More than one append may hold: the import route takes any number, as one batch.
      let head = try append(
        contentsOf: Payloads(events: batch.events), actor: batch.actor,
        idempotencyKey: batch.idempotencyKey, after: position)
      return (try recorded(after: position, upTo: head), head)
    }
    let key = batch.idempotencyKey ?? Self.newKey()
    let request = try RemoteAppendRequest(
      events: batch.events, expectedHead: RemoteHead(position), idempotencyKey: key)
    let answer: RemoteAppendResponse
    do {
      answer = try post(
        .events, body: encode(request), key: key, isUsersKey: batch.idempotencyKey != nil)
    } catch  where error.code == .conflict {
      lock.withLock { headMoved = true }
      throw error
    }
    let head = try logPosition(of: answer.head)
    return (try recorded(after: position, upTo: head), head)
  }

  /// The events as recorded (the server's actor, time and chain), read back: for a repeat,
  /// those of the first sending, which this process has not seen either.
  private func recorded(after position: LogPosition, upTo head: LogPosition) throws(LedgerError)
    -> [RecordedEvent]
  {
    var events: [RecordedEvent] = []
    do {
      try read(after: position, upTo: head) { events.append($0) }
    } catch let error as LedgerError {
      throw error
    } catch {
      throw LedgerError(.io, "cannot read back the events just recorded: \(error)")
    }
    return events
  }

  /// Events held as an array, appended as a stream.
  private struct Payloads: EventBatchSource {
    var events: [EventPayload]
    var eventCount: Int { events.count }
    func forEachEvent(_ body: (EventPayload) throws -> Void) rethrows {
      for event in events { try body(event) }
    }
  }

  func append(
    contentsOf source: some EventBatchSource, actor: String, idempotencyKey: String?,
    after position: LogPosition
  ) throws(LedgerError) -> LogPosition {
    let key = idempotencyKey ?? Self.newKey()
    let header = RemoteImportHeader(
      expectedHead: RemoteHead(position), idempotencyKey: key, eventCount: source.eventCount)
    var body = try encode(header)
    var failure: LedgerError?
    var count = 0
    source.forEachEvent { payload in
      guard failure == nil else { return }
      do {
        let line = try RemoteAppendRequest.encode(payload)
        body.append(0x0A)
        body.append(0x22)
        body.append(contentsOf: line.utf8)
        body.append(0x22)
        count += 1
      } catch {
        failure = (error as? LedgerError) ?? LedgerError(.invalid, "\(error)")
      }
    }
    if let failure { throw failure }
    guard count == source.eventCount else {
      throw LedgerError(
        .invalid,
        "the batch said it holds \(source.eventCount) events but produced \(count); nothing was appended"
      )
    }
    body.append(0x0A)
    do {
      let answer = try post(
        .importEvents, body: body, key: key, isUsersKey: idempotencyKey != nil,
        as: RemoteAppendResponse.self)
      return try logPosition(of: answer.head)
    } catch  where error.code == .conflict {
      lock.withLock { headMoved = true }
      throw error
    }
  }

  func erasePersonalText(sequences: [UInt64]) throws(LedgerError) -> Int {
    guard !sequences.isEmpty else { return 0 }
    // Erasing twice erases nothing more, so the request may be sent again.
    let answer = try post(
      .erasures, body: encode(RemoteErasureRequest(sequences: sequences)), key: Self.newKey(),
      isUsersKey: false, as: RemoteErasureResponse.self)
    return answer.erased
  }

  func verify(progress: ((UInt64, UInt64) -> Void)?) throws(LedgerError) -> VerificationReport {
    try get(.verify, as: VerificationReport.self)
  }

  func takeNotices() -> [String] { [] }
}
