import Foundation

/// Storage for the ledger's event log: the protocol an embedder implements to keep the log
/// somewhere other than a file (a database, an object store).
///
/// The library ships ``FileLog`` (the default) and ``InMemoryLog`` (for tests). A store
/// keeps records in the byte format of the file log (see <doc:LedgerFormat>), chained by SHA-256, and
/// guarantees:
///
/// - ``append(_:after:)`` is durable when it returns, and all or nothing;
/// - appends are serialised by ``withWriteLock(timeout:_:)``, also across processes;
/// - readers see only whole appends and are never blocked by a writer.
///
/// ```swift
/// let store = InMemoryLog()
/// let head = try store.head()
/// try store.read(after: .start(), upTo: head) { event in print(event.type.name) }
/// ```
public protocol EventStore: AnyObject, Sendable {
  /// The position after the last committed event.
  func head() throws(LedgerError) -> LogPosition

  /// Calls `body` with every committed event after `position` up to `end`, in order.
  func read(
    after position: LogPosition, upTo end: LogPosition, _ body: (RecordedEvent) throws -> Void
  ) throws

  /// Runs `body` holding the store's exclusive write lock, waiting at most `timeout` for it.
  ///
  /// - Throws: ``LedgerError`` with code ``LedgerError/Code/busy`` when the wait runs out.
  func withWriteLock<Result>(timeout: Duration, _ body: () throws -> Result) throws -> Result

  /// Appends `batch` after `position`, which must be the current head; call it inside
  /// ``withWriteLock(timeout:_:)``.
  ///
  /// - Returns: the recorded events and the new head.
  func append(_ batch: AppendBatch, after position: LogPosition) throws(LedgerError) -> (
    events: [RecordedEvent], head: LogPosition
  )

  /// Appends the events of `source` after `position`, which must be the current head, as
  /// one batch: durable when it returns, all or nothing. Call it inside
  /// ``withWriteLock(timeout:_:)``.
  ///
  /// Unlike ``append(_:after:)`` it does not return the recorded events: it is meant for
  /// batches too large to hold twice, such as an import, and writes them as `source`
  /// produces them. The events get the sequence numbers after `position.sequence`, in
  /// order; the first carries `idempotencyKey`.
  ///
  /// A store that does not stream can rely on the default implementation, which gathers
  /// the events and calls ``append(_:after:)``.
  ///
  /// - Returns: the new head.
  func append(
    contentsOf source: some EventBatchSource, actor: String, idempotencyKey: String?,
    after position: LogPosition
  ) throws(LedgerError) -> LogPosition

  /// Calls `body` with the committed events whose sequence numbers are in `sequences`, in
  /// ascending order, each once; numbers past the head are ignored.
  ///
  /// For the few events a view needs (a story's tellings, an item's revisions). The
  /// default implementation reads the whole log; a store with an index should do better.
  func read(sequences: [UInt64], _ body: (RecordedEvent) throws -> Void) throws

  /// Erases the personal text (narratives, teller names) of the events `sequences` in
  /// place, keeping their hashed bytes so the chain still verifies; returns how many
  /// events were erased (those already erased, or without personal text, are skipped).
  /// Call it inside ``withWriteLock(timeout:_:)``.
  ///
  /// The one exception to append-only: erasure on request (<doc:Guarantees>).
  func erasePersonalText(sequences: [UInt64]) throws(LedgerError) -> Int

  /// Checks every record, every checksum and the whole chain.
  func verify(progress: ((UInt64, UInt64) -> Void)?) throws(LedgerError) -> VerificationReport

  /// Things the store noticed and repaired as it is allowed to (an incomplete tail cut off),
  /// for the caller to report. Reading it clears it.
  func takeNotices() -> [String]

  /// The committed events whose personal text is marked erased, each with where its record
  /// starts (the place ``VerificationReport/Problem/offset`` gives), in order, so that
  /// ``Ledger/unexplainedErasures()`` can check that an event of the log explains each.
  ///
  /// The default implementation reads every event; a ``RecordScanning`` store reads only
  /// the records' flags.
  func erasedRecords() throws -> [(sequence: UInt64, offset: UInt64)]

  /// The store's records, for a replay that folds them from their bytes; `nil` (the
  /// default) for a store that hands out decoded events only. A ``RecordScanning`` store
  /// returns itself.
  var recordScanning: (any RecordScanning)? { get }

  /// Where the ledger keeps the projection snapshot of this store's log; `nil` (the
  /// default) for none, so that every opening replays the whole log. A ``SnapshotStoring``
  /// store returns itself.
  var snapshotStorage: (any SnapshotStoring)? { get }
}

extension EventStore {
  /// Reads every event and keeps those whose personal text is erased; the offset given is
  /// the sequence number.
  public func erasedRecords() throws -> [(sequence: UInt64, offset: UInt64)] {
    var erased: [(sequence: UInt64, offset: UInt64)] = []
    try read(after: .start(), upTo: try head()) { event in
      if event.isPersonalTextErased { erased.append((event.sequence, event.sequence)) }
    }
    return erased
  }

  /// The sequence numbers of the committed events whose personal text is marked erased.
  ///
  /// ```swift
  /// if try !store.erasedSequences().isEmpty { print(try ledger.unexplainedErasures()) }
  /// ```
  public func erasedSequences() throws -> [UInt64] { try erasedRecords().map(\.sequence) }

  /// None.
  public var recordScanning: (any RecordScanning)? { nil }

  /// None.
  public var snapshotStorage: (any SnapshotStoring)? { nil }

  /// Reads the whole log and keeps the events `sequences` names.
  public func read(sequences: [UInt64], _ body: (RecordedEvent) throws -> Void) throws {
    let wanted = Set(sequences)
    guard !wanted.isEmpty else { return }
    let last = wanted.max() ?? 0
    let end = try head()
    do {
      try read(after: .start(), upTo: end) { event in
        if wanted.contains(event.sequence) { try body(event) }
        if event.sequence >= last { throw StopReading() }
      }
    } catch is StopReading {}
  }

  /// Gathers the events of `source` and appends them with ``append(_:after:)``.
  public func append(
    contentsOf source: some EventBatchSource, actor: String, idempotencyKey: String?,
    after position: LogPosition
  ) throws(LedgerError) -> LogPosition {
    var events: [EventPayload] = []
    events.reserveCapacity(source.eventCount)
    source.forEachEvent { events.append($0) }
    guard events.count == source.eventCount else {
      throw EventBatchSourceMismatch.error(expected: source.eventCount, produced: events.count)
    }
    let batch = AppendBatch(events: events, actor: actor, idempotencyKey: idempotencyKey)
    return try append(batch, after: position).head
  }
}

/// Events appended as one batch and produced in order as they are written, rather than
/// held as an array: a large import.
///
/// ``EventStore/append(contentsOf:actor:idempotencyKey:after:)`` takes one. A source is
/// read once per append; ``eventCount`` must be the number of events it produces.
///
/// ```swift
/// struct Nodes: EventBatchSource {
///   var paths: [NodePath]
///   var eventCount: Int { paths.count }
///   func forEachEvent(_ body: (EventPayload) throws -> Void) rethrows {
///     for path in paths { try body(.nodeAdded(NodeAdded(path: path, name: path.name))) }
///   }
/// }
/// let head = try store.append(
///   contentsOf: Nodes(paths: paths), actor: "me", idempotencyKey: nil, after: store.head())
/// ```
public protocol EventBatchSource: Sendable {
  /// The number of events the source produces.
  var eventCount: Int { get }
  /// Calls `body` with each event, in order.
  func forEachEvent(_ body: (EventPayload) throws -> Void) rethrows
}

/// Thrown by a reading closure to stop the read early; never escapes the library.
struct StopReading: Error {}

enum EventBatchSourceMismatch {
  /// The error for a source that produced `produced` events (`nil`: more) where it said
  /// it holds `expected`.
  static func error(expected: Int, produced: Int?) -> LedgerError {
    let count = produced.map(String.init) ?? "more"
    return LedgerError(
      .invalid,
      "the batch said it holds \(expected) events but produced \(count); nothing was appended")
  }
}

/// What ``EventStore/verify(progress:)`` found.
public struct VerificationReport: Hashable, Sendable, Codable {
  /// The first problem found.
  public struct Problem: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The sequence number the bad record has or should have had.
    public var sequence: UInt64
    /// Where the bad record starts (a byte offset for the file log).
    public var offset: UInt64
    /// What is wrong with it.
    public var reason: String
    /// For example `event 12 at byte 2048: chain hash mismatch`.
    public var description: String { "event \(sequence) at byte \(offset): \(reason)" }

    /// Creates a problem report, for a store that checks more than its records (a row's
    /// columns against its record, say).
    ///
    /// ```swift
    /// report.problem = .init(sequence: 12, offset: 12, reason: "event 12 is missing")
    /// ```
    public init(sequence: UInt64, offset: UInt64, reason: String) {
      self.sequence = sequence
      self.offset = offset
      self.reason = reason
    }
  }

  /// The number of intact events checked.
  public var eventCount: UInt64
  /// The number of bytes checked.
  public var byteCount: UInt64
  /// The chain hash of the last intact event.
  public var lastHash: String
  /// The first problem, or `nil` when the ledger is intact.
  public var problem: Problem?
  /// Remarks that are not failures (an unacknowledged tail awaiting the next writer).
  public var notes: [String]

  /// Whether every record and the whole chain checked out.
  public var isIntact: Bool { problem == nil }
}

/// Checks a sequence of records as ``EventStore/verify(progress:)`` requires: checksums,
/// gapless sequence numbers, chain hashes, personal digests, decodability.
///
/// Each record's checks need only the record and the chain hash stored in the record before
/// it: the chain holds when every record's stored hash is the hash of the previous stored
/// hash and its own hashed bytes. So the records of a chunk can be checked on several
/// cores at once, and the first bad one found is the one with the smallest index.
struct ChainVerifier {
  var expectedSequence: UInt64 = 1
  var previousHash = SHA256Digest.zero
  var problem: VerificationReport.Problem?

  /// The first problem of a scan that ended with `outcome`: the bad record ``problem``
  /// names, or else the record that is cut short or damaged where the scan stopped.
  func problem(endingWith outcome: RecordScanner.End) -> VerificationReport.Problem? {
    if let problem { return problem }
    switch outcome {
    case .clean: return nil
    case .incomplete(let offset), .damaged(let offset, _):
      return .init(sequence: expectedSequence, offset: offset, reason: outcome.reason)
    }
  }

  /// Checks one record; returns `false` (and sets ``problem``) at the first bad one.
  mutating func check(_ record: RecordFormat.RecordView, at offset: UInt64) -> Bool {
    if let reason = ChainVerifier.problem(
      with: record, sequence: expectedSequence, after: previousHash)
    {
      problem = .init(sequence: expectedSequence, offset: offset, reason: reason)
      return false
    }
    previousHash = record.storedHash
    expectedSequence += 1
    return true
  }

  /// What is wrong with `record`, checked as event `sequence` chained after `previousHash`,
  /// or `nil` when it is sound.
  static func problem(
    with record: RecordFormat.RecordView, sequence: UInt64, after previousHash: SHA256Digest
  ) -> String? {
    problem(
      with: record, sequence: sequence,
      chainHash: RecordFormat.chainHash(of: record, after: previousHash),
      personalDigest: RecordFormat.hasPersonalDigest(record)
        ? SHA256.hash(record.personal) : nil)
  }

  /// What is wrong with `record`, checked as event `sequence` given the chain hash it should
  /// carry and the digest of its personal bytes (when
  /// ``RecordFormat/hasPersonalDigest(_:)``), or `nil` when it is sound. The order of the
  /// checks fixes which reason is given.
  static func problem(
    with record: RecordFormat.RecordView, sequence: UInt64, chainHash: SHA256Digest,
    personalDigest: SHA256Digest?
  ) -> String? {
    guard record.sequence == sequence else {
      return "sequence number \(record.sequence) where \(sequence) was expected"
    }
    guard chainHash == record.storedHash else {
      return "chain hash mismatch: the record was changed after it was written"
    }
    guard RecordFormat.personalTextMatches(record, digest: personalDigest) else {
      return "personal text does not match its digest"
    }
    do {
      let type = try RecordFormat.checkDecodes(record)
      if sequence == 1, type != .ledgerCreated {
        return "the first event is \(type.name), not ledger.created"
      }
    } catch {
      return "cannot decode: \(error)"
    }
    return nil
  }

  /// Checks the records of `chunk`, in slices on `cores` cores when it holds at least two
  /// slices of `recordsPerSlice`, and moves ``expectedSequence`` and ``previousHash`` past
  /// the good records at its start.
  ///
  /// - Returns: the number of good records at the start of the chunk: all of them, or up
  ///   to the first bad one, which ``problem`` then names.
  mutating func check(
    _ chunk: RecordScanner.Chunk, cores: Int = ChainVerifier.cores,
    recordsPerSlice: Int = ChainVerifier.recordsPerSlice
  ) -> Int {
    let count = chunk.records.count
    // A few slices per core, so that a core slowed by other work holds up little.
    let slices =
      cores > 1 && count >= recordsPerSlice * 2 ? min(cores * 4, count / recordsPerSlice) : 1
    let first = expectedSequence
    let initialHash = previousHash
    let firstBad: SliceResult
    if slices == 1 {
      firstBad = ChainVerifier.firstProblem(
        in: chunk, 0..<count, firstSequence: first, initialHash: initialHash)
    } else {
      let found = [SliceResult](unsafeUninitializedCapacity: slices) { results, initialized in
        let shared = SharedSlices(chunk: chunk, results: results)
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
          let range = (count * slice / slices)..<(count * (slice + 1) / slices)
          shared.results.initializeElement(
            at: slice,
            to: ChainVerifier.firstProblem(
              in: shared.chunk, range, firstSequence: first, initialHash: initialHash))
        }
        initialized = slices
      }
      firstBad = found.lazy.compactMap { $0 }.first
    }
    let good = firstBad?.index ?? count
    if good > 0 {
      previousHash = chunk.storedHash(of: good - 1)
      expectedSequence += UInt64(good)
    }
    if let firstBad {
      problem = .init(
        sequence: first + UInt64(firstBad.index),
        offset: chunk.start + UInt64(chunk.records[firstBad.index]), reason: firstBad.reason)
    }
    return good
  }

  /// The first bad record of a slice: its index in the chunk and what is wrong with it.
  typealias SliceResult = (index: Int, reason: String)?

  /// What the slices of a chunk share: each reads the chunk and writes only its own result.
  private struct SharedSlices: @unchecked Sendable {
    let chunk: RecordScanner.Chunk
    let results: UnsafeMutableBufferPointer<SliceResult>
  }

  /// Records per slice below which a chunk is checked on one core.
  static let recordsPerSlice = 512

  /// The cores to check on.
  static let cores = ProcessInfo.processInfo.activeProcessorCount

  /// The records checked together: their hashes are computed four at a time.
  static let recordsPerGroup = 32

  /// The first bad record among `range` of `chunk`, the record at `range.lowerBound` being
  /// event `firstSequence + range.lowerBound` and chaining after `initialHash` when it is
  /// the chunk's first record.
  ///
  /// Records are taken a group at a time: each is scanned (checksum, flags, lengths), the
  /// chain and personal hashes of the group are computed together by ``SHA256Lanes``, and
  /// then each record is checked in order as ``problem(with:sequence:after:)`` would.
  private static func firstProblem(
    in chunk: RecordScanner.Chunk, _ range: Range<Int>, firstSequence: UInt64,
    initialHash: SHA256Digest
  ) -> SliceResult {
    guard let base = chunk.bytes.baseAddress else { return nil }
    var scans: [RecordFormat.ScanResult] = []
    var messages: [SHA256Lanes.Message] = []
    var digests: [SHA256Digest] = []
    scans.reserveCapacity(recordsPerGroup)
    messages.reserveCapacity(2 * recordsPerGroup)
    var groupStart = range.lowerBound
    while groupStart < range.upperBound {
      let group = groupStart..<min(groupStart + recordsPerGroup, range.upperBound)
      scans.removeAll(keepingCapacity: true)
      messages.removeAll(keepingCapacity: true)
      for index in group {
        let offset = chunk.records[index]
        let scan = RecordFormat.scan(chunk.bytes, at: offset)
        scans.append(scan)
        guard case .record(let record) = scan else { break }
        // A record's predecessor ends where it starts, with its stored chain hash.
        let previous = index == 0 ? initialHash : SHA256Digest(reading: base + offset - 32)
        messages.append(SHA256Lanes.Message(prefix: previous, bytes: record.hashed))
        if RecordFormat.hasPersonalDigest(record) {
          messages.append(SHA256Lanes.Message(prefix: nil, bytes: record.personal))
        }
      }
      if digests.count < messages.count {
        digests.append(contentsOf: repeatElement(.zero, count: messages.count - digests.count))
      }
      messages.withUnsafeBufferPointer { list in
        digests.withUnsafeMutableBufferPointer { SHA256Lanes.hash(list, into: $0) }
      }
      var message = 0
      for (index, scan) in zip(group, scans) {
        switch scan {
        case .record(let record):
          let chainHash = digests[message]
          message += 1
          var personalDigest: SHA256Digest?
          if RecordFormat.hasPersonalDigest(record) {
            personalDigest = digests[message]
            message += 1
          }
          if let reason = problem(
            with: record, sequence: firstSequence + UInt64(index), chainHash: chainHash,
            personalDigest: personalDigest)
          {
            return (index, reason)
          }
        case .damaged(let reason): return (index, reason)
        case .incomplete: return (index, "the record is cut short")
        }
      }
      groupStart = group.upperBound
    }
    return nil
  }
}
