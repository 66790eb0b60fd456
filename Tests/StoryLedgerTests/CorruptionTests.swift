import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger

/// A file ledger with several batches of events (personal text among them), its pristine
/// bytes, and the extent of every record, for tests that damage it.
private struct DamageFixture {
  let root: URL
  let directory: URL
  let events: [RecordedEvent]
  /// The head after each batch, in order (the first is the `ledger.created` batch).
  let batchEnds: [LogPosition]
  let logBytes: [UInt8]
  let headBytes: [UInt8]
  /// Each record's offset, size and sequence number.
  let records: [(offset: Int, size: Int, sequence: UInt64)]

  var logURL: URL { directory.appending(path: "events.log") }
  var headURL: URL { directory.appending(path: "events.head") }

  init() throws {
    root = try makeTemporaryDirectory(prefix: "storyledger-corruption")
    directory = root.appending(path: "ledger")
    let log = try FileLog.create(
      at: directory,
      configuration: try LedgerConfiguration(levels: ["national", "regional", "local"]),
      actor: "setup")
    var ends = [try log.head()]
    for batch in try DamageFixture.batches() {
      let head = try log.withWriteLock(timeout: .seconds(5)) {
        try log.append(batch, after: log.head()).head
      }
      ends.append(head)
    }
    batchEnds = ends
    var read: [RecordedEvent] = []
    try log.read(after: .start(), upTo: log.head()) { read.append($0) }
    events = read
    logBytes = Array(try Data(contentsOf: directory.appending(path: "events.log")))
    headBytes = Array(try Data(contentsOf: directory.appending(path: "events.head")))
    var extents: [(Int, Int, UInt64)] = []
    logBytes.withUnsafeBytes { raw in
      var offset = RecordFormat.fileHeaderSize
      while offset < raw.count, case .record(let record) = RecordFormat.scan(raw, at: offset) {
        extents.append((offset, record.totalSize, record.sequence))
        offset += record.totalSize
      }
    }
    records = extents
  }

  static func batches() throws -> [AppendBatch] {
    let england = try NodePath(parsing: "england")
    let north = try NodePath(parsing: "england/north")
    let south = try NodePath(parsing: "england/south")
    let day = try Day(parsing: "2026-04-01")
    return [
      AppendBatch(
        events: [
          .nodeAdded(NodeAdded(path: england, name: "England")),
          .nodeAdded(NodeAdded(path: north, name: "North")),
        ], actor: "ana"),
      AppendBatch(
        events: [
          .storyTold(
            StoryTold(
              key: "S1", node: north, on: day, title: "Walking clinics", tellers: ["Ana Díaz"],
              tags: ["walks"], share: "regional")),
          .tellingRecorded(
            TellingRecorded(story: "S1", on: day, narrative: "We walked to the clinic together.")
          ),
          .nodeAdded(NodeAdded(path: south, name: "South")),
        ], actor: "bo", idempotencyKey: "batch-2"),
      AppendBatch(events: [.nodeAdded(NodeAdded(path: south.child("x"), name: "X"))], actor: "ana"),
      AppendBatch(
        events: [
          .tellingRecorded(
            TellingRecorded(story: "S1", on: day.adding(days: 7), narrative: "It grew weekly.")),
          .nodeAdded(NodeAdded(path: north.child("y"), name: "Y")),
          .nodeAdded(NodeAdded(path: north.child("z"), name: "Z")),
        ], actor: "cy"),
    ]
  }

  func restore() throws {
    try Data(logBytes).write(to: logURL)
    try Data(headBytes).write(to: headURL)
  }

  func writeLog(_ bytes: [UInt8]) throws { try Data(bytes).write(to: logURL) }

  /// The sequence number of the record holding byte `offset`.
  func sequence(holding offset: Int) -> UInt64? {
    records.first { offset >= $0.offset && offset < $0.offset + $0.size }?.sequence
  }

  /// The last batch end strictly before event `sequence`.
  func batchEnd(before sequence: UInt64) -> LogPosition {
    batchEnds.last { $0.sequence < sequence } ?? .start()
  }

  func remove() { try? FileManager.default.removeItem(at: root) }
}

private func readAll(_ log: FileLog) throws -> [RecordedEvent] {
  var events: [RecordedEvent] = []
  try log.read(after: .start(), upTo: log.head()) { events.append($0) }
  return events
}

extension NodePath {
  fileprivate func child(_ segment: String) -> NodePath {
    (try? NodePath(parsing: description + "/" + segment)) ?? self
  }
}

@Suite("Corruption is detected, named, and only a damaged tail is recovered")
struct CorruptionTests {
  /// A flipped bit anywhere in a record (its frame, payload, personal text or chain hash) is
  /// named by `verify` as exactly that record; opening the ledger refuses it; a recovery
  /// plan cuts it only when it is the last record, and refuses otherwise.
  @Test func aFlippedBitAtRandomPositionsIsNamedAndRefused() throws {
    let fixture = try DamageFixture()
    defer { fixture.remove() }
    var generator = SeededGenerator(seed: 2026)
    let lastRecord = try #require(fixture.records.last)
    // Every region of a record: frame, flags, hashed fields, personal text, chain hash.
    var positions: [Int] = []
    for record in fixture.records {
      positions += [record.offset, record.offset + 5, record.offset + 9, record.offset + 20]
      positions += [record.offset + record.size - 1, record.offset + record.size - 20]
      positions.append(
        Int.random(in: record.offset..<(record.offset + record.size), using: &generator))
    }
    for _ in 0..<40 {
      positions.append(
        Int.random(in: RecordFormat.fileHeaderSize..<fixture.logBytes.count, using: &generator))
    }
    var failures: [String] = []
    for position in positions {
      let bit = UInt8(1) << UInt8.random(in: 0..<8, using: &generator)
      var bytes = fixture.logBytes
      bytes[position] ^= bit
      try fixture.writeLog(bytes)
      let expected = try #require(fixture.sequence(holding: position))
      let log = try FileLog(directory: fixture.directory)
      let report = try log.verify(progress: nil)
      if report.problem?.sequence != expected || report.eventCount != expected - 1 {
        failures.append("byte \(position) bit \(bit): verify \(report)")
      }
      do {
        _ = try Ledger.open(at: fixture.directory)
        failures.append("byte \(position): the ledger opened")
      } catch let error as LedgerError {
        if error.code != .corrupt || !error.message.contains("storyledger verify") {
          failures.append("byte \(position): open \(error)")
        }
      }
      let plan = try log.recoveryPlan()
      if plan.problem?.sequence != expected { failures.append("byte \(position): plan \(plan)") }
      if expected == lastRecord.sequence {
        let keep = fixture.batchEnd(before: expected)
        if plan.verdict != .recoverable || plan.keep != keep
          || plan.acknowledgedEventsLost != fixture.events.count - Int(keep.sequence)
        {
          failures.append("byte \(position): tail plan \(plan)")
        }
      } else if plan.verdict != .refused {
        failures.append("byte \(position): damage before the tail, plan \(plan)")
      } else {
        let refusal = Result { () throws(LedgerError) in try log.recover(plan) }
        if case .success = refusal {
          failures.append("byte \(position): recovered damage before the tail")
        }
        if Array(try Data(contentsOf: fixture.logURL)) != bytes {
          failures.append("byte \(position): a refused recovery changed the log")
        }
      }
      if failures.count > 5 { break }
    }
    #expect(failures.isEmpty, "\(failures)")
    // The 16-byte file header: the ledger is not opened at all.
    for position in 0..<RecordFormat.fileHeaderSize {
      var bytes = fixture.logBytes
      bytes[position] ^= 0x10
      try fixture.writeLog(bytes)
      #expect(throws: LedgerError.self) { _ = try FileLog(directory: fixture.directory) }
    }
  }

  /// A log cut short anywhere inside its last two batches (a truncated tail, a torn last
  /// record) is refused by readers and writers; the recovery plan keeps exactly the batches
  /// before the cut, says how many acknowledged events it drops, and after `recover` the
  /// ledger verifies, reads the kept events and takes new appends.
  @Test func aTruncatedTailIsCutBackToTheLastWholeBatch() throws {
    let fixture = try DamageFixture()
    defer { fixture.remove() }
    let start = Int(fixture.batchEnds[fixture.batchEnds.count - 3].offset)
    var failures: [String] = []
    let boundaries = Set(fixture.records.flatMap { [$0.offset - 1, $0.offset, $0.offset + 1] })
    for cut in start..<fixture.logBytes.count where cut % 3 == 0 || boundaries.contains(cut) {
      try fixture.restore()
      try fixture.writeLog(Array(fixture.logBytes.prefix(cut)))
      let log = try FileLog(directory: fixture.directory)
      if (try? log.head()) != nil { failures.append("cut \(cut): head accepted") }
      if (try? log.withWriteLock(timeout: .seconds(1)) {}) != nil {
        failures.append("cut \(cut): a writer took the lock")
      }
      let keep = fixture.batchEnds.last { $0.offset <= UInt64(cut) } ?? .start()
      let plan = try log.recoveryPlan()
      let lost = fixture.events.count - Int(keep.sequence)
      if plan.verdict != .recoverable || plan.keep != keep || plan.acknowledgedEventsLost != lost
        || plan.droppedBytes != UInt64(cut) - keep.offset || !plan.rewritesHead
      {
        failures.append("cut \(cut): plan \(plan)")
        continue
      }
      // Cuts a spread of them; recovery is the same code for all.
      guard cut % 4 == 0 || UInt64(cut) == keep.offset else { continue }
      try log.recover(plan)
      let report = try log.verify(progress: nil)
      if !report.isIntact || !report.notes.isEmpty || report.eventCount != keep.sequence {
        failures.append("cut \(cut): after recovery \(report)")
      }
      if try readAll(log) != Array(fixture.events.prefix(Int(keep.sequence))) {
        failures.append("cut \(cut): events after recovery differ")
      }
      if try log.recoveryPlan().verdict != .intact { failures.append("cut \(cut): not intact") }
      let appended = try log.withWriteLock(timeout: .seconds(1)) {
        try log.append(
          AppendBatch(events: [fixture.events[1].payload], actor: "next"), after: log.head())
      }
      if appended.events.first?.sequence != keep.sequence + 1 {
        failures.append("cut \(cut): next append \(appended.events.map(\.sequence))")
      }
      if failures.count > 5 { break }
    }
    #expect(failures.isEmpty, "\(failures)")
  }

  /// A record copied in after itself: `verify` names the copy (its sequence number repeats),
  /// and recovery refuses because intact records follow. A copy appended after the last
  /// record lies past the head: an append that never returned, which `verify` notes and
  /// recovery drops without losing an acknowledged event.
  @Test func aDuplicatedRecordIsNamed() throws {
    let fixture = try DamageFixture()
    defer { fixture.remove() }
    for record in fixture.records.dropLast() {
      let copy = Array(fixture.logBytes[record.offset..<(record.offset + record.size)])
      var bytes = fixture.logBytes
      bytes.insert(contentsOf: copy, at: record.offset + record.size)
      try fixture.writeLog(bytes)
      let log = try FileLog(directory: fixture.directory)
      let report = try log.verify(progress: nil)
      #expect(report.problem?.sequence == record.sequence + 1, "\(report)")
      #expect(report.problem?.offset == UInt64(record.offset + record.size))
      #expect(report.problem?.reason.contains("sequence number \(record.sequence) where") == true)
      #expect(try log.recoveryPlan().verdict == .refused)
      #expect(throws: LedgerError.self) { _ = try Ledger.open(at: fixture.directory) }
    }
    let last = try #require(fixture.records.last)
    try fixture.writeLog(
      fixture.logBytes + fixture.logBytes[last.offset..<(last.offset + last.size)])
    let log = try FileLog(directory: fixture.directory)
    let report = try log.verify(progress: nil)
    #expect(report.isIntact && report.notes.count == 1, "\(report)")
    let plan = try log.recoveryPlan()
    #expect(plan.verdict == .recoverable && plan.acknowledgedEventsLost == 0)
    #expect(plan.droppedBytes == UInt64(last.size) && !plan.rewritesHead)
    try log.recover(plan)
    #expect(Array(try Data(contentsOf: fixture.logURL)) == fixture.logBytes)
  }

  /// A damaged or missing head over an intact log: recovery rewrites the head from the log
  /// and drops nothing.
  @Test(arguments: [false, true])
  func aDamagedHeadIsRewrittenFromTheLog(isMissing: Bool) throws {
    let fixture = try DamageFixture()
    defer { fixture.remove() }
    if isMissing {
      try FileManager.default.removeItem(at: fixture.headURL)
    } else {
      var head = fixture.headBytes
      head[20] ^= 0xFF
      try Data(head).write(to: fixture.headURL)
    }
    let log = try FileLog(directory: fixture.directory)
    #expect(throws: LedgerError.self) { _ = try log.head() }
    let plan = try log.recoveryPlan()
    #expect(plan.verdict == .recoverable && plan.droppedBytes == 0 && plan.rewritesHead)
    #expect(plan.keep == fixture.batchEnds.last)
    try log.recover(plan)
    #expect(Array(try Data(contentsOf: fixture.headURL)) == fixture.headBytes)
    #expect(try readAll(log) == fixture.events)
  }

  /// A plan is carried out only on the ledger it describes: after another append it is
  /// refused as a conflict and nothing changes.
  @Test func aStalePlanIsNotCarriedOut() throws {
    let fixture = try DamageFixture()
    defer { fixture.remove() }
    try fixture.writeLog(fixture.logBytes + [1, 2, 3])
    let log = try FileLog(directory: fixture.directory)
    let plan = try log.recoveryPlan()
    #expect(plan.verdict == .recoverable && plan.droppedBytes == 3)
    _ = try log.withWriteLock(timeout: .seconds(1)) {
      try log.append(
        AppendBatch(events: [fixture.events[1].payload], actor: "next"), after: log.head())
    }
    let before = Array(try Data(contentsOf: fixture.logURL))
    let error = #expect(throws: LedgerError.self) { try log.recover(plan) }
    #expect(error?.code == .conflict)
    #expect(Array(try Data(contentsOf: fixture.logURL)) == before)
  }

  /// A snapshot copied from another ledger is never trusted: opening replays the log, and
  /// `verify` reports the snapshot. Recovery removes a snapshot taken past its cut.
  @Test func aSnapshotFromAnotherLedgerIsIgnoredAndReported() throws {
    let first = try DamageFixture()
    let second = try DamageFixture()
    defer {
      first.remove()
      second.remove()
    }
    let other = try Ledger.open(at: first.directory)
    _ = try other.append([.nodeAdded(NodeAdded(path: try NodePath(parsing: "wales"), name: "W"))])
    try other.writeSnapshot()
    #expect(Ledger.snapshotProblem(in: first.directory) == nil)
    try FileManager.default.copyItem(
      at: first.directory.appending(path: "state.snapshot"),
      to: second.directory.appending(path: "state.snapshot"))
    let opened = try Ledger.open(at: second.directory)
    #expect(opened.head.sequence == UInt64(second.events.count))
    #expect(throws: (any Error).self) { _ = try opened.summary(of: try NodePath(parsing: "wales")) }
    let problem = try #require(Ledger.snapshotProblem(in: second.directory))
    #expect(problem.contains("not taken from this log"), "\(problem)")

    // Recovery after a torn tail removes a snapshot taken past the cut.
    let own = try Ledger.open(at: first.directory)
    try own.writeSnapshot()
    let size = try #require(
      try FileManager.default.attributesOfItem(atPath: first.logURL.path)[.size] as? Int)
    try first.writeLog(Array(Array(try Data(contentsOf: first.logURL)).prefix(size - 1)))
    let log = try FileLog(directory: first.directory)
    try log.recover(try log.recoveryPlan())
    #expect(
      !FileManager.default.fileExists(
        atPath: first.directory.appending(path: "state.snapshot").path))
    #expect(try Ledger.open(at: first.directory).head.sequence == UInt64(first.events.count))
  }
}

@Suite("Erasure finishes after a crash")
struct ErasureCompletionTests {
  /// A process that died after recording a withdrawal with erasure but before erasing left
  /// the text in the log; asking for the withdrawal with erasure again erases it (instead of
  /// refusing a story already withdrawn), and the ledger still verifies.
  @Test func askingAgainFinishesAnInterruptedErasure() throws {
    let fixture = try DamageFixture()
    defer { fixture.remove() }
    let ledger = try Ledger.open(at: fixture.directory)
    // What the interrupted command had done: the withdrawal alone.
    try ledger.append([.storyWithdrawn(StoryWithdrawn(story: "S1", reason: "asked", erase: true))])
    let secret = Data("walked to the clinic".utf8)
    #expect(try Data(contentsOf: fixture.logURL).range(of: secret) != nil)
    let again = try ledger.withdrawStory("S1", erase: true)
    #expect(again.append.isRepeat && again.append.events.isEmpty)
    #expect(try Data(contentsOf: fixture.logURL).range(of: secret) == nil)
    #expect(try Data(contentsOf: fixture.logURL).range(of: Data("Ana Díaz".utf8)) == nil)
    #expect(try ledger.verify().isIntact)
    // A story withdrawn without erasure is still refused a second withdrawal.
    #expect(throws: LedgerError.self) { try ledger.withdrawStory("S1") }
  }
}
