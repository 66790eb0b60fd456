import Foundation
import Metrics
import NIOPosix
import StoryLedger

/// The appends waiting at this instance for one ledger, written together: group commit.
///
/// While one group is being written, the appends that arrive wait here; the next group is
/// all of them (up to ``maximumRequests`` requests and ``maximumEvents`` events), written
/// in one transaction under the ledger's lock by one thread of the server's pool. Within a
/// group each request is checked in arrival order against the state with the earlier ones
/// applied: its access, its idempotency key, its expected head, then the ledger's own
/// validation. A request that fails is refused alone; the others are written, and every
/// request is answered only after the transaction has committed (or failed as a whole).
///
/// A request waits here and for the lock at most the server's lock timeout, counted from
/// when it arrived, then is answered busy.
final class AppendQueue: @unchecked Sendable {
  /// One append, as the route received it.
  struct Request: Sendable {
    let caller: Caller
    let payloads: [EventPayload]
    let expectedHead: RemoteHead?
    let idempotencyKey: String?
    /// When it must have the lock by, or be answered busy.
    let deadline: ContinuousClock.Instant
  }

  /// Writes a group, answering each of its requests in order.
  typealias Writer = @Sendable ([Request]) -> [Result<RemoteAppendResponse, any Error>]

  private struct Waiter {
    let request: Request
    let continuation: CheckedContinuation<RemoteAppendResponse, any Error>
  }

  /// The most requests written in one transaction.
  static let maximumRequests = 500
  /// The most events written in one transaction (unless one request holds more).
  static let maximumEvents = RemoteAPI.maximumAppendEvents

  /// Transactions that wrote a group of several requests (in `/metrics`).
  static let groups = Counter(label: "storyledger_append_groups")
  /// The requests those transactions wrote.
  static let groupedRequests = Counter(label: "storyledger_append_grouped_requests")

  private let lock = NSLock()
  private var waiting: [Waiter] = []
  private var isWriting = false

  /// Queues `request` and waits for its answer; `write` writes the groups (the first caller
  /// that finds no group being written starts writing on `pool`, until none waits).
  func append(_ request: Request, on pool: NIOThreadPool, write: @escaping Writer) async throws
    -> RemoteAppendResponse
  {
    try await withCheckedThrowingContinuation { continuation in
      lock.lock()
      waiting.append(Waiter(request: request, continuation: continuation))
      let start = !isWriting
      isWriting = true
      lock.unlock()
      guard start else { return }
      pool.submit { state in
        guard state == .active else {
          self.failAll(ServerError(.unavailable, "the server is shutting down; try again"))
          return
        }
        self.writeWhileWaiting(write)
      }
    }
  }

  /// Writes groups until no request waits.
  private func writeWhileWaiting(_ write: Writer) {
    while true {
      lock.lock()
      guard !waiting.isEmpty else {
        isWriting = false
        lock.unlock()
        return
      }
      var count = 0
      var events = 0
      for waiter in waiting {
        let size = waiter.request.payloads.count
        guard count < Self.maximumRequests, count == 0 || events + size <= Self.maximumEvents
        else { break }
        count += 1
        events += size
      }
      let group = Array(waiting.prefix(count))
      waiting.removeFirst(count)
      lock.unlock()
      let answers = write(group.map(\.request))
      var again: [Waiter] = []
      for (index, waiter) in group.enumerated() {
        let answer =
          index < answers.count
          ? answers[index]
          : .failure(LedgerError(LedgerError.Code(rawValue: "internal"), "no answer was written"))
        if case .failure(let error) = answer, Self.isBusy(error),
          waiter.request.deadline - ContinuousClock.now > .milliseconds(1)
        {
          // The group's wait ran out at its oldest request's deadline: the younger ones
          // wait on, ahead of those that came later.
          again.append(waiter)
          continue
        }
        waiter.continuation.resume(with: answer)
      }
      if !again.isEmpty {
        lock.lock()
        waiting.insert(contentsOf: again, at: 0)
        lock.unlock()
      }
    }
  }

  private func failAll(_ error: any Error) {
    lock.lock()
    let all = waiting
    waiting = []
    isWriting = false
    lock.unlock()
    for waiter in all { waiter.continuation.resume(throwing: error) }
  }

  static func isBusy(_ error: any Error) -> Bool {
    (error as? LedgerError)?.code == .busy
  }
}

extension ServerAPI {
  /// Appends `payloads` for the caller through the ledger's ``AppendQueue``, written with the
  /// appends waiting beside it.
  func queueAppend(
    _ caller: Caller, _ payloads: [EventPayload], expectedHead: RemoteHead?, idempotencyKey: String?
  ) async throws -> RemoteAppendResponse {
    let request = AppendQueue.Request(
      caller: caller, payloads: payloads, expectedHead: expectedHead,
      idempotencyKey: idempotencyKey,
      deadline: ContinuousClock.now.advanced(by: options.lockTimeout)
    )
    return try await caller.host.appends.append(request, on: blocking) { group in
      writeGroup(group)
    }
  }

  /// Writes a group of appends to one ledger (see ``AppendQueue``), answering each.
  ///
  /// A request whose wait has run out is answered busy; one alone is written as before
  /// (``appendEvents(_:_:expectedHead:idempotencyKey:expectedVersion:timeout:)``); several
  /// are written in one transaction under the ledger's lock, waiting for it until the oldest
  /// one's deadline.
  func writeGroup(_ requests: [AppendQueue.Request]) -> [Result<RemoteAppendResponse, any Error>] {
    let now = ContinuousClock.now
    var answers = [Result<RemoteAppendResponse, any Error>](
      repeating: .failure(LedgerError(LedgerError.Code(rawValue: "internal"), "not written")),
      count: requests.count)
    var live: [Int] = []
    for (index, request) in requests.enumerated() {
      if request.deadline <= now {
        answers[index] = .failure(busyAfterTheWholeWait)
      } else {
        live.append(index)
      }
    }
    guard let oldest = live.map({ requests[$0].deadline }).min() else {
      return answers
    }
    if live.count == 1 {
      let request = requests[live[0]]
      answers[live[0]] = Result {
        try appendEvents(
          request.caller, request.payloads, expectedHead: request.expectedHead,
          idempotencyKey: request.idempotencyKey, expectedVersion: nil,
          timeout: request.deadline - now)
      }.mapError(busyForTheWholeWait)
      return answers
    }
    let host = requests[live[0]].caller.host
    do {
      let outcomes = try host.store.appendHoldingLock(timeout: oldest - now) { head in
        try host.catchUp()
        guard host.ledger.head == head else {
          throw LedgerError(
            .conflict, "the ledger moved on to \(host.ledger.head) during the append; try again")
        }
        var state = host.ledger.state
        var position = head
        var records: [EventRecordCodec.Record] = []
        var outcomes: [Result<RemoteAppendResponse, any Error>] = []
        for index in live {
          do {
            outcomes.append(
              .success(
                try Self.plan(requests[index], state: &state, at: &position, into: &records)))
          } catch let failure as GroupFailure {
            throw failure.error
          } catch {
            outcomes.append(.failure(error))
          }
        }
        return (records, outcomes)
      }
      for (index, outcome) in zip(live, outcomes) { answers[index] = outcome }
      AppendQueue.groups.increment()
      AppendQueue.groupedRequests.increment(by: live.count)
    } catch {
      for index in live { answers[index] = .failure(busyForTheWholeWait(error)) }
    }
    return answers
  }

  /// `error`, when it is busy, told as the request sees it: the lock was busy for the whole
  /// of the server's lock timeout (what was left of it when the group was written is no
  /// concern of the client's).
  func busyForTheWholeWait(_ error: any Error) -> any Error {
    AppendQueue.isBusy(error) ? busyAfterTheWholeWait : error
  }

  /// The answer to a request that waited the whole of the server's lock timeout.
  var busyAfterTheWholeWait: LedgerError {
    LedgerError(
      .busy,
      "another writer held the ledger's lock for longer than \(Self.seconds(options.lockTimeout)) s; try again"
    )
  }

  /// A failure that leaves the group's state half changed: the whole group fails.
  struct GroupFailure: Error {
    let error: any Error
  }

  /// Checks one request of a group against `state` (the ledger with the group's earlier
  /// requests applied) as ``appendEvents(_:_:expectedHead:idempotencyKey:expectedVersion:timeout:)``
  /// does, and when it passes, encodes its events after `position`, adds them to `records`
  /// and applies them to `state`.
  ///
  /// - Throws: the request's own refusal, leaving `state`, `position` and `records` as they
  ///   were; ``GroupFailure`` when applying its events failed half way.
  static func plan(
    _ request: AppendQueue.Request, state: inout LedgerState, at position: inout LogPosition,
    into records: inout [EventRecordCodec.Record]
  ) throws -> RemoteAppendResponse {
    let caller = request.caller
    if let repeated = try admit(
      caller, request.payloads, idempotencyKey: request.idempotencyKey,
      expectedHead: request.expectedHead, state: state, head: position)
    {
      return repeated
    }
    try state.validate(request.payloads)
    let batch = AppendBatch(
      events: request.payloads, actor: caller.token.name, idempotencyKey: request.idempotencyKey)
    let encoded = try EventRecordCodec.encode(batch, after: position)
    guard let last = encoded.last else {
      return RemoteAppendResponse(first: nil, count: 0, isRepeat: false, head: RemoteHead(position))
    }
    do {
      for record in encoded { try state.apply(record.event) }
    } catch {
      throw GroupFailure(error: error)
    }
    records += encoded
    position = LogPosition(sequence: last.sequence, hash: last.hash, offset: last.sequence)
    return RemoteAppendResponse(
      first: encoded.first?.sequence, count: encoded.count, isRepeat: false,
      head: RemoteHead(position))
  }

  /// The checks every append passes before the ledger validates it, for one request alone or
  /// in a group: the token may record the events, then a used idempotency key answers as a
  /// repeat (returned), then the request's expected head must be `head`.
  static func admit(
    _ caller: Caller, _ payloads: [EventPayload], idempotencyKey: String?,
    expectedHead: RemoteHead?, state: LedgerState, head: LogPosition
  ) throws -> RemoteAppendResponse? {
    if let refusal = RemoteAccess.refusal(
      for: payloads, role: caller.role, scope: caller.scope, in: state)
    {
      throw refusal
    }
    if let key = idempotencyKey, let first = state.firstSequence(ofIdempotencyKey: key) {
      return RemoteAppendResponse(first: first, count: 0, isRepeat: true, head: RemoteHead(head))
    }
    if let expected = expectedHead { try checkExpectedHead(expected, head) }
    return nil
  }

  /// Refuses an append made against `expected` when the ledger is at `head`.
  static func checkExpectedHead(_ expected: RemoteHead, _ head: LogPosition) throws {
    guard expected.sequence == head.sequence, expected.hash == head.hash.hex else {
      throw LedgerError(
        .conflict,
        "the ledger moved on to event \(head.sequence) since event \(expected.sequence), which the request was made against; catch up and try again"
      )
    }
  }

  static func seconds(_ duration: Duration) -> Double {
    Double(duration / .milliseconds(1)) / 1000
  }
}
