import Foundation

/// A StoryLedger ledger: an event store and the read models folded from it.
///
/// `Ledger` is the library's front door. It opens or creates a ledger, replays its log
/// into a ``LedgerState``, validates and appends new events (durably, under the store's
/// write lock, with optional idempotency keys and expected story versions) and answers
/// queries: summaries, time series, verification.
///
/// ```swift
/// let ledger = try Ledger.create(
///   at: URL(filePath: "ledger"), configuration: LedgerConfiguration(currency: "GBP"))
/// try ledger.append([
///   .nodeAdded(NodeAdded(path: try NodePath(parsing: "england"), name: "England")),
/// ])
/// let summary = try ledger.summary(of: try NodePath(parsing: "england"))
/// print(summary.total.boxes[.calculating].visible.items)
/// ```
///
/// A `Ledger` is safe to share between threads: its state is behind a lock, and appends
/// from several processes are serialised by the store.
public final class Ledger: @unchecked Sendable {
  /// The event store the ledger reads and appends to.
  public let store: any EventStore
  /// The directory where the ledger keeps its projection snapshot: the ledger directory of
  /// a ``FileLog``; `nil` for a store that keeps no snapshot (see ``SnapshotStoring``).
  public let directory: URL?
  // Recursive, so that code run under it (an append's plan) may read `state` too.
  private let lock = NSRecursiveLock()
  private var current: LedgerState
  private var position: LogPosition
  private var snapshotSequence: UInt64 = 0
  private var notices: [String] = []
  /// Which streamed batches are folded while they are written (see
  /// ``Ledger/isWorthStreamFolding(_:into:)``); a test may fold every batch this way.
  var streamFoldPolicy: (_ eventCount: Int, _ state: LedgerState) -> Bool =
    Ledger.isWorthStreamFolding
  private var defaultActor: String
  private var readBoundary: NodePath?

  /// Who records when an append's ``AppendOptions/actor`` is `nil`: set it once for the
  /// embedding service or user (default: ``defaultActor``, the login name).
  ///
  /// ```swift
  /// ledger.actor = "facilitator@trust-07"
  /// try ledger.retellStory("k3f9", narrative: "…")  // recorded by facilitator@trust-07
  /// ```
  public var actor: String {
    get { locked { defaultActor } }
    set { locked { defaultActor = newValue } }
  }

  private func locked<Value>(_ body: () throws -> Value) rethrows -> Value {
    lock.lock()
    defer { lock.unlock() }
    return try body()
  }

  /// The subtree this ledger's views and exports are limited to (`nil`, the default: the
  /// whole ledger).
  ///
  /// Set it when the ledger is read on behalf of someone who may read only a part of the
  /// system, as the command-line tool does for a token over a subtree of a shared ledger:
  /// a view of a node outside it (a summary, items, a cascade, accounts, an inbox,
  /// selections, a report) then fails with ``LedgerError/Code/notAllowed``, the tree and the
  /// pledges default to it, and the series give only the rows of nodes within it. A story's
  /// history and the log are not limited by it: share scopes decide which of their texts
  /// are read, and a story's history is read by default as the scope's node reads it.
  ///
  /// It bounds the views of this `Ledger` and of its ``view(as:)`` readers (not ``state``),
  /// and it is one setting for every caller of this instance: a service that reads one
  /// ledger for several people at once leaves it `nil` and checks each request's node
  /// itself, as the shared server does.
  ///
  /// ```swift
  /// ledger.readScope = "nhs/north"
  /// _ = try ledger.summary(of: "nhs/north/trust-07")  // within: answered
  /// _ = try ledger.summary(of: "nhs/south")  // throws: outside nhs/north
  /// ```
  public var readScope: NodePath? {
    get { locked { readBoundary } }
    set { locked { readBoundary = newValue } }
  }

  /// The actor an append with `options` records: the options' own, else the ledger's.
  func actor(of options: AppendOptions) -> String { options.actor ?? actor }

  /// How long an append waits for another writer's lock before failing with
  /// ``LedgerError/Code/busy``.
  public static let defaultLockTimeout: Duration = .seconds(10)

  /// Opens a ledger kept in `store`.
  ///
  /// A ledger whose store keeps snapshots (``EventStore/snapshotStorage``, a ``FileLog``)
  /// starts from its projection snapshot when the log proves it (see
  /// ``SnapshotStoring/proves(_:)``) and folds in only the events recorded after it;
  /// otherwise the whole log is replayed. When many events had to be folded in, a new
  /// snapshot is written for the next opening.
  ///
  /// - Parameters:
  ///   - store: the event store holding the log.
  ///   - actor: who records when an append names no actor (see ``actor``).
  ///   - progress: called now and then with the events read so far.
  /// - Throws: ``LedgerError`` when the log cannot be read or is corrupt.
  public init(
    store: any EventStore, actor: String = Ledger.defaultActor,
    progress: ((UInt64) -> Void)? = nil
  ) throws {
    self.store = store
    self.defaultActor = actor
    let snapshots = store.snapshotStorage
    self.directory = snapshots?.snapshotDirectory
    let head = try store.head()
    var state = LedgerState()
    var start = LogPosition.start()
    if let snapshots {
      switch Snapshot.load(
        from: snapshots.snapshotDirectory.path,
        isProven: { (try? snapshots.proves($0)) ?? false })
      {
      case .state(let loaded, let position):
        state = loaded
        start = position
      case .none: break
      case .rejected(let reason):
        // Never answer from, validate against or re-snapshot unproven bytes: replay instead.
        notices.append(
          "\(reason): it is ignored and the state is replayed from the log; rebuilding the ledger replaces it"
        )
      }
    }
    try Ledger.fold(store, after: start, upTo: head, into: &state, progress: progress)
    guard state.isConfigured else {
      throw LedgerError(.corrupt, "the log has no ledger.created event", path: directory?.path)
    }
    current = state
    position = head
    snapshotSequence = start.sequence
    if head.sequence - start.sequence >= Ledger.snapshotInterval {
      // A reader does not wait for a writer: if the lock is busy, the next opening snapshots.
      try? writeSnapshot(lockTimeout: .zero)
    }
  }

  /// Folds the events after `start` up to `end` into `state`.
  ///
  /// The state is an `inout` parameter rather than a local captured by the closure: a
  /// captured variable lives in a box whose every access is checked for exclusivity at run
  /// time, on the replay's hottest path.
  static func fold(
    _ store: any EventStore, after start: LogPosition, upTo end: LogPosition,
    into state: inout LedgerState, progress: ((UInt64) -> Void)?
  ) throws {
    if let records = store.recordScanning {
      // From the records' bytes: the same state, without decoding most events.
      try records.fold(after: start, upTo: end, into: &state, progress: progress)
      return
    }
    try store.read(after: start, upTo: end) { event in
      try state.apply(event)
      if event.sequence % 131_072 == 0 { progress?(event.sequence) }
    }
  }

  /// How many events past the snapshot make the ledger write a new one.
  public static let snapshotInterval: UInt64 = 4096

  /// Writes the projection snapshot of the current state (for a store that keeps one, see
  /// ``SnapshotStoring``), so that the next opening maps it instead of replaying the log.
  ///
  /// The snapshot is written under the writer lock, from the state brought up to the log's
  /// head first: a ledger opened before other processes appended or erased never puts its
  /// older state (or text erased since) over a newer snapshot.
  public func writeSnapshot() throws {
    try writeSnapshot(lockTimeout: Ledger.defaultLockTimeout)
  }

  func writeSnapshot(lockTimeout: Duration) throws {
    guard let directory, let snapshots = store.snapshotStorage else { return }
    try snapshots.withSnapshotLock(timeout: lockTimeout) {
      lock.lock()
      defer { lock.unlock() }
      try catchUp()
      try Snapshot.write(current, at: position, to: directory.path)
      snapshotSequence = position.sequence
    }
  }

  /// Replays the whole log into fresh projections, ignoring any snapshot; returns the number
  /// of events replayed. Call ``writeSnapshot()`` after it to keep the result for the next
  /// opening.
  ///
  /// - Parameter progress: called now and then with the events replayed so far and the
  ///   total.
  @discardableResult
  public func rebuild(progress: ((UInt64, UInt64) -> Void)? = nil) throws -> UInt64 {
    let head = try store.head()
    var state = LedgerState()
    try Ledger.fold(store, after: .start(), upTo: head, into: &state) { done in
      progress?(done, head.sequence)
    }
    lock.lock()
    current = state
    position = head
    lock.unlock()
    return head.sequence
  }

  /// Opens the ledger in `directory`.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/notFound`` when there is no ledger there.
  public static func open(
    at directory: URL, actor: String = Ledger.defaultActor, progress: ((UInt64) -> Void)? = nil
  ) throws -> Ledger {
    try Ledger(store: try FileLog(directory: directory), actor: actor, progress: progress)
  }

  /// Creates a ledger in `directory`, which must not exist yet (its parent must).
  public static func create(
    at directory: URL, configuration: LedgerConfiguration, actor: String = Ledger.defaultActor
  ) throws -> Ledger {
    try Ledger(
      store: try FileLog.create(at: directory, configuration: configuration, actor: actor),
      actor: actor)
  }

  /// Creates a ledger in an empty `store` (an ``InMemoryLog`` for tests, or your own store).
  public static func create(
    in store: any EventStore, configuration: LedgerConfiguration,
    actor: String = Ledger.defaultActor
  ) throws -> Ledger {
    try store.withWriteLock(timeout: defaultLockTimeout) {
      let head = try store.head()
      guard head.sequence == 0 else {
        throw LedgerError(
          .cannotCreate, "the store already holds a ledger (\(head.sequence) events)")
      }
      _ = try store.append(
        AppendBatch(events: [.ledgerCreated(configuration)], actor: actor), after: head)
    }
    return try Ledger(store: store, actor: actor)
  }

  /// The actor recorded when none is given: the user's login name, or `storyledger`.
  public static var defaultActor: String {
    let name = ProcessInfo.processInfo.environment["USER"] ?? ""
    return name.isEmpty ? "storyledger" : name
  }

  /// A copy of the current read models (cheap: the state is copied on write).
  public var state: LedgerState {
    lock.lock()
    defer { lock.unlock() }
    return current
  }

  /// The ledger's configuration: levels, currency, time zone.
  public var configuration: LedgerConfiguration { state.configuration }

  /// The position of the last event the state reflects.
  public var head: LogPosition {
    lock.lock()
    defer { lock.unlock() }
    return position
  }

  /// Folds in the events other writers appended since the state was last brought up to date.
  public func refresh() throws {
    lock.lock()
    defer { lock.unlock() }
    try catchUp()
  }

  private func catchUp() throws {
    let head = try store.head()
    guard head != position else { return }
    try store.read(after: position, upTo: head) { event in try current.apply(event) }
    position = head
  }

  // MARK: Appending

  /// A story version an append expects: the append fails with
  /// ``LedgerError/Code/conflict`` when the story has changed since.
  public struct ExpectedVersion: Hashable, Sendable {
    /// The story's key.
    public var story: String
    /// The version the caller last saw: the number of events about the story so far.
    public var version: Int
    /// Creates an expectation.
    public init(story: String, version: Int) {
      self.story = story
      self.version = version
    }
  }

  /// How to append: who records, a client key, an expected version, how long to wait.
  public struct AppendOptions: Sendable {
    /// Who is recording (`nil`: the ledger's ``Ledger/actor``).
    public var actor: String?
    /// A client key: repeating an append with the same key adds nothing.
    public var idempotencyKey: String?
    /// The story version the append expects.
    public var expectedVersion: ExpectedVersion?
    /// How long to wait for another writer's lock.
    public var lockTimeout: Duration
    /// The session the events are recorded in (`nil`: none): the ledger checks it (see
    /// ``LedgerState/validateSession(_:for:)``) and appends a `session.linked` event after
    /// them, in the same durable batch.
    public var session: String?

    /// Creates options.
    public init(
      actor: String? = nil, idempotencyKey: String? = nil,
      expectedVersion: ExpectedVersion? = nil, lockTimeout: Duration = Ledger.defaultLockTimeout,
      session: String? = nil
    ) {
      self.actor = actor
      self.idempotencyKey = idempotencyKey
      self.expectedVersion = expectedVersion
      self.lockTimeout = lockTimeout
      self.session = session
    }
  }

  /// What an append did.
  public struct AppendResult: Sendable {
    /// The events recorded (empty when the append repeated an idempotency key).
    public var events: [RecordedEvent]
    /// Whether the idempotency key had been used before, so nothing was added.
    public var isRepeat: Bool
    /// For a repeat, the sequence number of the first event of the original append.
    public var originalSequence: UInt64?
  }

  /// Validates `events` against the ledger and appends them as one durable batch.
  ///
  /// The events are checked against the state brought up to date under the write lock,
  /// so a batch that contradicts another process's newer events is refused, never
  /// half-written.
  ///
  /// ```swift
  /// let result = try ledger.append(
  ///   [.tellingRecorded(TellingRecorded(story: "S1", on: try Day(parsing: "2026-03-01"), narrative: "…"))],
  ///   options: .init(idempotencyKey: "retell-S1-2026-03-01"))
  /// ```
  ///
  /// - Throws: ``LedgerError`` with code ``LedgerError/Code/invalid`` for events the ledger
  ///   does not allow, ``LedgerError/Code/conflict`` for a stale expected version,
  ///   ``LedgerError/Code/busy`` when the lock is not had in time, or an I/O error.
  @discardableResult
  public func append(_ events: [EventPayload], options: AppendOptions = AppendOptions()) throws
    -> AppendResult
  {
    try appendPlanned(options: options, writing: events.first?.type) { state in
      try state.validate(events)
      return events
    }
  }

  /// Appends the events that `plan` makes from the state brought up to date under the write
  /// lock; `plan` validates them (it throws to append nothing). `writing` is the type of the
  /// first event the write appends (`nil` when it varies): a repeated idempotency key whose
  /// original append began with another type is refused, and `plan` does not run on a
  /// repeat.
  func appendPlanned(
    options: AppendOptions, writing: EventType?, _ plan: (LedgerState) throws -> [EventPayload]
  ) throws -> AppendResult {
    try withAppendChecks(options) { sequence in
      try checkRepeat(of: options.idempotencyKey, at: sequence, writing: writing)
      return AppendResult(events: [], isRepeat: true, originalSequence: sequence)
    } append: {
      var events = try plan(current)
      guard !events.isEmpty else { return AppendResult(events: [], isRepeat: false) }
      if let session = options.session {
        try current.validateSession(session, for: events)
        events.append(.sessionLinked(SessionLinked(session: session, count: events.count)))
      }
      let batch = AppendBatch(
        events: events, actor: actor(of: options), idempotencyKey: options.idempotencyKey)
      let (recorded, newHead) = try store.append(batch, after: position)
      for event in recorded { try current.apply(event) }
      position = newHead
      return AppendResult(events: recorded, isRepeat: false, originalSequence: nil)
    }
  }

  /// What a streamed append did: the source appended (if any), the sequence numbers its
  /// events got, and whether the idempotency key had been used already.
  struct StreamedAppend<Source: EventBatchSource> {
    var source: Source?
    var sequences: ClosedRange<UInt64>?
    var isRepeat: Bool
  }

  /// Appends the batch that `plan` makes from the state brought up to date under the write
  /// lock, streaming it to the store (for batches too large to hold as recorded events),
  /// then folds its events into the state one at a time from the source.
  func appendStreamed<Source: EventBatchSource>(
    options: AppendOptions, _ plan: (LedgerState) throws -> Source
  ) throws -> StreamedAppend<Source> {
    try withAppendChecks(options) { _ in
      StreamedAppend(source: nil, sequences: nil, isRepeat: true)
    } append: {
      guard options.session == nil else {
        throw LedgerError(
          .invalid, "an import is not recorded in a session: import without a session")
      }
      let source = try plan(current)
      guard source.eventCount > 0 else {
        return StreamedAppend(source: source, sequences: nil, isRepeat: false)
      }
      // A large batch is folded into a copy of the state while it is written.
      var resolved = options
      resolved.actor = actor(of: options)
      let (newHead, folded) = try Ledger.appendFolding(
        source, to: store, options: resolved, after: position, state: current,
        shouldFold: streamFoldPolicy)
      let first = position.sequence + 1
      if let folded {
        current = folded
      } else {
        var sequence = position.sequence
        try source.forEachEvent { payload in
          sequence += 1
          try current.apply(payload, sequence: sequence)
        }
      }
      current.noteAppended(first...newHead.sequence, idempotencyKey: options.idempotencyKey)
      position = newHead
      return StreamedAppend(source: source, sequences: first...newHead.sequence, isRepeat: false)
    }
  }

  /// Runs `append` under the write lock with the state brought up to date and `options`
  /// checked: an idempotency key used already returns `repeated(original sequence)` without
  /// running it; a stale expected version throws ``LedgerError/Code/conflict``. Afterwards a
  /// snapshot is written when one is due.
  private func withAppendChecks<Result>(
    _ options: AppendOptions, repeated: (UInt64) throws -> Result, append: () throws -> Result
  ) throws -> Result {
    try store.withWriteLock(timeout: options.lockTimeout) {
      lock.lock()
      defer { lock.unlock() }
      try catchUp()
      if let key = options.idempotencyKey, let sequence = current.idempotencyKeys[key] {
        return try repeated(sequence)
      }
      if let expected = options.expectedVersion {
        let actual = try current.storyVersion(forKey: expected.story)
        guard actual == expected.version else {
          throw LedgerError(
            .conflict,
            expected.version > actual
              ? "story \(expected.story) is at version \(actual), not \(expected.version): it has not reached that version; look at it again for its version"
              : "story \(expected.story) is at version \(actual), not \(expected.version): someone changed it since you read it; look at it again and retry",
            remedy: .reviewStory(StoryRef(expected.story)))
        }
      }
      let result = try append()
      snapshotIfDue()
      return result
    }
  }

  /// Refuses an idempotency key that an earlier append of another kind used: a retry writes
  /// what the original wrote, so when the original append at `sequence` began with another
  /// type of event than `writing`, the key was given to a different write, whose events
  /// would otherwise be dropped in silence.
  private func checkRepeat(of key: String?, at sequence: UInt64, writing: EventType?) throws {
    guard let key, let writing, let original = try originalEvent(at: sequence),
      original.type != writing
    else { return }
    throw LedgerError(
      .invalid,
      "the idempotency key \(key) was used by another write (\(original.type.name), event \(sequence)); give this write (\(writing.name)) a key of its own"
    )
  }

  /// The payload of the event at `sequence` (the first of an earlier append).
  func originalEvent(at sequence: UInt64) throws -> EventPayload? {
    var payload: EventPayload?
    try store.read(sequences: [sequence]) { payload = $0.payload }
    return payload
  }

  /// Writes a snapshot when enough events were appended since the last one; call it with
  /// the lock held. The events are durable already: a snapshot that cannot be written (a
  /// read-only directory, a full disk) only makes the next opening slower.
  private func snapshotIfDue() {
    guard let directory, position.sequence - snapshotSequence >= Ledger.snapshotInterval else {
      return
    }
    if (try? Snapshot.write(current, at: position, to: directory.path)) != nil {
      snapshotSequence = position.sequence
    }
  }

  // MARK: Reading

  /// Calls `body` with every event from sequence number `first` on, in order.
  public func forEachEvent(from first: UInt64 = 1, _ body: (RecordedEvent) throws -> Void) throws {
    let end = try store.head()
    try store.read(after: .start(), upTo: end) { event in
      if event.sequence >= first { try body(event) }
    }
  }

  /// Checks every record and the whole chain; see ``EventStore/verify(progress:)``.
  ///
  /// When the records check out, each record whose personal text is marked erased must
  /// belong to a story withdrawn with erasure by a `story.withdrawn` event of the log: the
  /// erased flag sits outside the hashed bytes (so that erasure keeps the chain), and this
  /// check is what stops a flag set by hand from passing as an erasure (see
  /// ``unexplainedErasures()``). The projection snapshot is never consulted for it.
  public func verify(progress: ((UInt64, UInt64) -> Void)? = nil) throws -> VerificationReport {
    var report = try store.verify(progress: progress)
    if report.isIntact, let problem = try unexplainedErasures().first {
      report.problem = problem
    }
    return report
  }

  /// The records whose personal text is marked erased although their story was not
  /// withdrawn with erasure, nor their participant erased (the store lists the erased
  /// records: ``EventStore/erasedRecords()``).
  public func unexplainedErasures() throws -> [VerificationReport.Problem] {
    let erased = try store.erasedRecords()
    guard !erased.isEmpty else { return [] }
    let offsets = Dictionary(
      erased.map { ($0.sequence, $0.offset) }, uniquingKeysWith: { a, _ in a })
    let explained = try erasuresInLog()
    var problems: [VerificationReport.Problem] = []
    try store.read(sequences: erased.map(\.sequence)) { event in
      let key = event.payload.storyKey ?? ""
      let isExplained =
        explained.stories.contains(key)
        || (event.payload.isDialogue && explained.dialogueEvents.contains(event.sequence))
      if !isExplained {
        problems.append(
          VerificationReport.Problem(
            sequence: event.sequence, offset: offsets[event.sequence] ?? 0,
            reason:
              event.payload.isDialogue
              ? "its participant's name is marked erased, but no participant.erased event lists it: the record was changed outside StoryLedger"
              : "its personal text is marked erased, but story \(key) was not withdrawn with erasure: the record was changed outside StoryLedger"
          ))
      }
    }
    return problems
  }

  /// The erasures the hashed log explains: the keys of the stories it withdraws with
  /// erasure (`story.withdrawn`) and the dialogue events whose participant's name it erases
  /// (`participant.erased`). Read from the events themselves, never from a projection (a
  /// snapshot is a cache whose say-so must not explain an erasure).
  func erasuresInLog() throws -> (stories: Set<String>, dialogueEvents: Set<UInt64>) {
    var stories: Set<String> = []
    var dialogueEvents: Set<UInt64> = []
    func note(_ payload: EventPayload) {
      switch payload {
      case .storyWithdrawn(let withdrawal) where withdrawal.erase: stories.insert(withdrawal.story)
      case .participantErased(let erasure): dialogueEvents.formUnion(erasure.sequences)
      default: break
      }
    }
    let head = try store.head()
    let types: Set<UInt16> = [
      EventType.storyWithdrawn.rawValue, EventType.participantErased.rawValue,
    ]
    if let records = store.recordScanning {
      try records.forEachRecord(after: .start(), upTo: head) { record in
        guard types.contains(record.view.type) else { return }
        note(try records.decode(record).payload)
      }
    } else {
      try store.read(after: .start(), upTo: head) { event in note(event.payload) }
    }
    return (stories, dialogueEvents)
  }

  /// What is wrong with the projection snapshot of the ledger in `directory`, or `nil` when
  /// it is whole (or absent): a damaged section, or a snapshot the log does not prove (taken
  /// from another ledger, or past the log's end). A damaged snapshot is mended by
  /// ``rebuild(progress:)`` and ``writeSnapshot()``; the log itself is checked by
  /// ``verify(progress:)``.
  public static func snapshotProblem(in directory: URL) -> String? {
    Snapshot.provenanceProblem(in: directory.path)
      ?? Snapshot.verifySections(at: directory.path)
  }

  /// Notices of repairs the store made (an incomplete tail cut off), for the caller to show.
  public func takeNotices() -> [String] {
    lock.lock()
    let own = notices
    notices = []
    lock.unlock()
    return own + store.takeNotices()
  }

  /// The six boxes of `node`'s subtree and of each of its children, as of the end of `day`
  /// (everything recorded when `nil`).
  ///
  /// When items were rated (``rateItem(_:by:weight:on:options:)``), each entry carries the
  /// spread of its subtree's ratings (``Summary/Entry/ratings``). With a domain of change
  /// or a campaign in `stories`, only its stories count.
  public func summary(
    of node: NodePath, asOf day: Day? = nil, stories filter: StoryGroupFilter = StoryGroupFilter()
  ) throws -> Summary {
    try requireReadable(node)
    let state = self.state
    let (filter, mask) = try state.storyMask(filter)
    return try addingRatings(
      to: try state.summary(of: node, asOf: day, stories: filter, mask: mask), state: state,
      stories: mask)
  }

  /// The time series of `query`, row by row in the order <doc:TimeSeries> gives (the rows
  /// of nodes within ``readScope``).
  public func timeSeries(_ query: TimeSeriesQuery, _ body: (TimeSeriesRow) throws -> Void) throws {
    try state.timeSeries(query) { row in if isReadable(row.node) { try body(row) } }
  }
}
