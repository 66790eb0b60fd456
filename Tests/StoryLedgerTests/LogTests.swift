import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger

/// Messages collected from several threads.
private final class Failures: @unchecked Sendable {
  private let lock = NSLock()
  private var messages: [String] = []
  func add(_ message: String) { lock.withLock { messages.append(message) } }
  var all: [String] { lock.withLock { messages } }
}

/// Events that exercise every payload type, personal text and idempotency keys.
private enum Sample {
  static func configuration() throws -> LedgerConfiguration {
    try LedgerConfiguration(
      levels: ["national", "regional", "local", "personal"], currency: "GBP")
  }

  static func batches() throws -> [AppendBatch] {
    let england = try NodePath(parsing: "england")
    let northEast = try NodePath(parsing: "england/north-east")
    let day = try Day(parsing: "2026-03-02")
    return [
      AppendBatch(
        events: [
          .nodeAdded(NodeAdded(path: england, name: "England")),
          .nodeAdded(NodeAdded(path: northEast, name: "North East")),
        ], actor: "ana", idempotencyKey: "batch-1"),
      AppendBatch(
        events: [
          .storyTold(
            StoryTold(
              key: "S1", node: northEast, on: day, title: "Café mornings",
              tellers: ["Ana Díaz", "Bo"], tags: ["community", "food"], share: "regional")),
          .tellingRecorded(
            TellingRecorded(story: "S1", on: day, narrative: "We opened a café.\nPeople came.")),
        ], actor: "bo"),
      AppendBatch(
        events: [
          .itemRecorded(
            ItemRecorded(
              story: "S1", item: "i1", on: day, dimension: .calculating,
              facts: ItemFacts(
                visibility: .invisible, description: "Meals served", quantity: "120",
                unit: "meals", monetised: Money(cents: 125_050), weight: 4))),
          .itemRevised(
            ItemRevised(
              story: "S1", item: "i1", on: day.adding(days: 30),
              facts: ItemFacts(visibility: .visible, evidence: "Till receipts"))),
          .tellingRecorded(
            TellingRecorded(story: "S1", on: day.adding(days: 30), narrative: "It grew.")),
        ], actor: "ana", idempotencyKey: "batch-3"),
    ]
  }

  /// A batch for a writer that dies mid-append.
  static func extraBatch(_ number: Int) throws -> AppendBatch {
    let day = try Day(parsing: "2026-05-01").adding(days: number)
    return AppendBatch(
      events: [
        .itemRevised(
          ItemRevised(
            story: "S1", item: "i1", on: day,
            facts: ItemFacts(monetised: Money(cents: Int64(number))))),
        .tellingRecorded(
          TellingRecorded(story: "S1", on: day, narrative: "Retold, part \(number).")),
        .itemRecorded(
          ItemRecorded(
            story: "S1", item: "x\(number)", on: day, dimension: .capacitating,
            facts: ItemFacts(visibility: .visible))),
      ], actor: "crash", idempotencyKey: "extra-\(number)")
  }
}

@discardableResult
private func append(_ batch: AppendBatch, to store: any EventStore) throws -> [RecordedEvent] {
  try store.withWriteLock(timeout: .seconds(5)) {
    try store.append(batch, after: store.head()).events
  }
}

private func readAll(_ store: any EventStore) throws -> [RecordedEvent] {
  var events: [RecordedEvent] = []
  try store.read(after: .start(), upTo: store.head()) { events.append($0) }
  return events
}

/// The start offset and size of every record in `bytes` (a whole, intact log).
private func recordExtents(_ bytes: [UInt8]) -> [(offset: Int, size: Int)] {
  var extents: [(offset: Int, size: Int)] = []
  bytes.withUnsafeBytes { raw in
    var offset = RecordFormat.fileHeaderSize
    while offset < raw.count, case .record(let record) = RecordFormat.scan(raw, at: offset) {
      extents.append((offset, record.totalSize))
      offset += record.totalSize
    }
  }
  return extents
}

/// Rewrites the CRC of the record at `offset` so that only the chain can catch a change.
private func refreshChecksum(_ bytes: inout [UInt8], recordAt offset: Int, size: Int) {
  let body = Array(bytes[(offset + 8)..<(offset + size)])
  let checksum = CRC32C.checksum(body)
  for index in 0..<4 {
    bytes[offset + 4 + index] = UInt8(truncatingIfNeeded: checksum >> (8 * index))
  }
}

private func writeFile(_ bytes: [UInt8], to url: URL) throws {
  try Data(bytes).write(to: url)
}

private func readFile(_ url: URL) throws -> [UInt8] { Array(try Data(contentsOf: url)) }

/// Creates a file ledger holding the sample batches; returns it with its events.
private func makeSampleLedger(in root: URL) throws -> (FileLog, [RecordedEvent]) {
  let log = try FileLog.create(
    at: root.appending(path: "ledger"), configuration: Sample.configuration(), actor: "setup")
  for batch in try Sample.batches() { try append(batch, to: log) }
  return (log, try readAll(log))
}

@Suite("File log")
struct FileLogTests {
  @Test func createAppendReopenAndReadBack() throws {
    try withTemporaryDirectory { root in
      let directory = root.appending(path: "ledger")
      let log = try FileLog.create(
        at: directory, configuration: Sample.configuration(), actor: "setup")
      #expect(try log.head().sequence == 1)
      var written: [RecordedEvent] = []
      for batch in try Sample.batches() { written += try append(batch, to: log) }

      let reopened = try FileLog(directory: directory)
      let events = try readAll(reopened)
      #expect(events.count == 8)
      #expect(events.map(\.sequence) == Array(1...8))
      #expect(events.first?.payload == .ledgerCreated(try Sample.configuration()))
      #expect(events.first?.actor == "setup")
      #expect(Array(events.dropFirst()) == written)
      let expected = try Sample.batches().flatMap(\.events)
      #expect(events.dropFirst().map(\.payload) == expected)
      #expect(
        events.allSatisfy {
          $0.schemaVersion == $0.payload.type.currentSchemaVersion && !$0.isPersonalTextErased
        })
      #expect(Set(events.map(\.hash)).count == events.count)
      #expect(Set(events.map(\.id)).count == events.count)
      let head = try reopened.head()
      #expect(head.sequence == 8)
      #expect(head.hash == events.last?.hash)

      // Every stored chain hash is SHA-256(previous hash ‖ hashed bytes).
      let bytes = try readFile(directory.appending(path: "events.log"))
      #expect(head.offset == UInt64(bytes.count))
      var previous = SHA256Digest.zero
      var chained = 0
      bytes.withUnsafeBytes { raw in
        for (index, extent) in recordExtents(bytes).enumerated() {
          guard case .record(let record) = RecordFormat.scan(raw, at: extent.offset) else { return }
          var hasher = SHA256()
          hasher.update(previous)
          hasher.update(record.hashed)
          let hash = hasher.finalize()
          if hash == record.storedHash && hash == events[index].hash { chained += 1 }
          previous = hash
        }
      }
      #expect(chained == 8)
    }
  }

  @Test func readingFromAPositionReadsOnlyWhatFollows() throws {
    try withTemporaryDirectory { root in
      let log = try FileLog.create(
        at: root.appending(path: "ledger"), configuration: Sample.configuration(), actor: "setup")
      var heads: [LogPosition] = [try log.head()]
      for batch in try Sample.batches() {
        try log.withWriteLock(timeout: .seconds(5)) {
          heads.append(try log.append(batch, after: log.head()).head)
        }
      }
      let all = try readAll(log)
      for (index, position) in heads.enumerated() {
        var events: [RecordedEvent] = []
        try log.read(after: position, upTo: log.head()) { events.append($0) }
        #expect(events == Array(all.drop(while: { $0.sequence <= position.sequence })))
        var upTo: [RecordedEvent] = []
        try log.read(after: .start(), upTo: position) { upTo.append($0) }
        #expect(upTo.count == Int(position.sequence), "head \(index)")
      }
    }
  }

  /// A position at or past the end reads nothing (a stale cached position must not trap).
  @Test func readingAnEmptyOrInvertedRangeReadsNothing() throws {
    try withTemporaryDirectory { root in
      let (log, _) = try makeSampleLedger(in: root)
      let head = try log.head()
      for (after, upTo) in [(head, head), (head, .start()), (.start(), .start())] {
        var count = 0
        try log.read(after: after, upTo: upTo) { _ in count += 1 }
        #expect(count == 0)
      }
      let memory = InMemoryLog()
      try memory.read(after: head, upTo: .start()) { _ in Issue.record("read an event") }
    }
  }

  @Test func idempotencyKeyIsStoredOnTheFirstEventOfItsBatch() throws {
    try withTemporaryDirectory { root in
      let (_, events) = try makeSampleLedger(in: root)
      #expect(events.map(\.idempotencyKey) == [nil, "batch-1", nil, nil, nil, "batch-3", nil, nil])
      #expect(events.map(\.actor) == ["setup", "ana", "ana", "bo", "bo", "ana", "ana", "ana"])
    }
  }

  @Test func appendsNeedTheLockAndTheCurrentHead() throws {
    try withTemporaryDirectory { root in
      let (log, _) = try makeSampleLedger(in: root)
      let batch = try Sample.extraBatch(1)
      let head = try log.head()
      #expect(throws: LedgerError.self) { try log.append(batch, after: head) }
      try log.withWriteLock(timeout: .seconds(5)) {
        let stale = LogPosition(sequence: head.sequence - 1, hash: head.hash, offset: head.offset)
        do {
          _ = try log.append(batch, after: stale)
          Issue.record("an append after a stale position succeeded")
        } catch let error as LedgerError {
          #expect(error.code == .conflict)
        }
        let empty = try log.append(AppendBatch(events: [], actor: "x"), after: head)
        #expect(empty.events.isEmpty && empty.head == head)
        // The lock is re-entrant within a process.
        try log.withWriteLock(timeout: .seconds(1)) {
          let appended = try log.append(batch, after: head)
          #expect(appended.head.sequence == head.sequence + 3)
        }
      }
      #expect(try log.verify(progress: nil).isIntact)
    }
  }

  /// Threads sharing one log take turns: the lock is re-entrant only on the thread that
  /// holds it.
  @Test func threadsSharingALogTakeTurns() throws {
    try withTemporaryDirectory { root in
      let log = try FileLog.create(
        at: root.appending(path: "ledger"), configuration: Sample.configuration(), actor: "setup")
      let node = EventPayload.nodeAdded(NodeAdded(path: try NodePath(parsing: "x"), name: "X"))
      let failures = Failures()
      DispatchQueue.concurrentPerform(iterations: 2) { thread in
        for _ in 0..<15 {
          do {
            try log.withWriteLock(timeout: .seconds(30)) {
              _ = try log.append(
                AppendBatch(events: [node], actor: "t\(thread)"), after: log.head())
            }
          } catch {
            failures.add("\(error)")
          }
        }
      }
      #expect(failures.all.isEmpty)
      let report = try log.verify(progress: nil)
      #expect(report.isIntact && report.eventCount == 31, "\(report)")
    }
  }

  @Test func missingAndExistingLedgers() throws {
    try withTemporaryDirectory { root in
      let directory = root.appending(path: "ledger")
      do {
        _ = try FileLog(directory: directory)
      } catch let error as LedgerError {
        #expect(error.code == .notFound)
      }
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
      do {
        _ = try FileLog(directory: directory)
        Issue.record("an empty directory opened as a ledger")
      } catch let error as LedgerError {
        #expect(error.code == .notFound)
      }
      do {
        _ = try FileLog.create(at: directory, configuration: Sample.configuration(), actor: "a")
        Issue.record("a ledger was created over an existing directory")
      } catch let error as LedgerError {
        #expect(error.code == .cannotCreate)
      }
      do {
        _ = try FileLog.create(
          at: root.appending(path: "no/such/parent"), configuration: Sample.configuration(),
          actor: "a")
        Issue.record("a ledger was created under a missing parent")
      } catch let error as LedgerError {
        #expect(error.code == .cannotCreate)
      }
    }
  }

  @Test func verifyPassesOnAnIntactLedger() throws {
    try withTemporaryDirectory { root in
      let (log, events) = try makeSampleLedger(in: root)
      var progress: [(UInt64, UInt64)] = []
      let report = try log.verify { progress.append(($0, $1)) }
      #expect(report.isIntact)
      #expect(report.problem == nil)
      #expect(report.notes.isEmpty)
      #expect(report.eventCount == 8)
      #expect(report.lastHash == events.last?.hash.hex)
      #expect(report.byteCount == (try log.head().offset))
      #expect(progress.last.map { $0.0 == $0.1 } == true)
    }
  }

  /// A byte flipped anywhere in `events.log` is caught: the header on open, a record by
  /// `verify` naming that record (and by reading).
  @Test func everyFlippedByteIsDetected() throws {
    try withTemporaryDirectory { root in
      let (log, _) = try makeSampleLedger(in: root)
      let directory = log.directory
      let logURL = directory.appending(path: "events.log")
      let original = try readFile(logURL)
      let extents = recordExtents(original)
      #expect(extents.count == 8)
      var silent: [Int] = []
      var misnamed: [String] = []
      for offset in original.indices {
        // Every byte with a low bit flipped; every fifth with its high bit too.
        for mask: UInt8 in offset % 5 == 0 ? [0x01, 0x80] : [0x01] {
          var damaged = original
          damaged[offset] ^= mask
          try writeFile(damaged, to: logURL)
          let record = extents.firstIndex { $0.offset <= offset && offset < $0.offset + $0.size }
          let opened: FileLog
          do {
            opened = try FileLog(directory: directory)
          } catch let error as LedgerError {
            if record != nil || error.code != .corrupt {
              misnamed.append("open at \(offset): \(error)")
            }
            continue
          }
          guard let record else {
            silent.append(offset)
            continue
          }
          let report = try opened.verify(progress: nil)
          guard let problem = report.problem else {
            silent.append(offset)
            continue
          }
          if problem.sequence != UInt64(record + 1)
            || problem.offset != UInt64(extents[record].offset)
          {
            misnamed.append("byte \(offset) in event \(record + 1): \(problem)")
          }
          // Reading checks every record's CRC too (tried on every third byte, for time).
          guard offset % 3 == 0 else { continue }
          do {
            _ = try readAll(opened)
            silent.append(offset)
          } catch let error as LedgerError {
            if error.code != .corrupt { misnamed.append("read at \(offset): \(error)") }
          }
        }
      }
      try writeFile(original, to: logURL)
      #expect(silent.isEmpty, "undetected flips at \(silent.prefix(20))")
      #expect(misnamed.isEmpty, "\(misnamed.prefix(5))")
      #expect(try FileLog(directory: directory).verify(progress: nil).isIntact)
    }
  }

  /// A change that keeps the record's CRC valid (a deliberate edit) is caught by the chain
  /// or the personal digest: `verify` names the record changed. (Every third byte here;
  /// the in-memory log, which shares the checks, tries every byte.)
  @Test func editsWithARecomputedChecksumAreDetected() throws {
    try withTemporaryDirectory { root in
      let (log, _) = try makeSampleLedger(in: root)
      let directory = log.directory
      let logURL = directory.appending(path: "events.log")
      let original = try readFile(logURL)
      let extents = recordExtents(original)
      var failures: [String] = []
      for (index, extent) in extents.enumerated() {
        let flagsOffset = extent.offset + 8
        for offset in stride(from: flagsOffset, to: extent.offset + extent.size, by: 3) {
          // The end-of-batch and erased flags are outside the hash by design (erasure must
          // verify); an unknown flag is tried instead.
          let masks: [UInt8] =
            offset == flagsOffset ? [0x08, 0x02] : [offset % 2 == 0 ? 0x01 : 0x40]
          for mask in masks {
            var damaged = original
            damaged[offset] ^= mask
            refreshChecksum(&damaged, recordAt: extent.offset, size: extent.size)
            try writeFile(damaged, to: logURL)
            let report = try FileLog(directory: directory).verify(progress: nil)
            if report.problem?.sequence != UInt64(index + 1)
              || report.problem?.offset != UInt64(extent.offset)
            {
              failures.append(
                "byte \(offset - extent.offset) of event \(index + 1) ^ \(mask): \(String(describing: report.problem))"
              )
            }
          }
        }
      }
      try writeFile(original, to: logURL)
      #expect(failures.isEmpty, "\(failures.count) undetected: \(failures.prefix(5))")
    }
  }

  /// Personal text erased in place (the erased flag set, the bytes zeroed) leaves the
  /// chain intact: `verify` passes, the events keep their ids, and read as erased.
  @Test func erasedPersonalTextStillVerifies() throws {
    try withTemporaryDirectory { root in
      let (log, events) = try makeSampleLedger(in: root)
      let logURL = log.directory.appending(path: "events.log")
      var bytes = try readFile(logURL)
      // Events 4 (story.told: tellers) and 5 (story.telling: narrative).
      for extent in recordExtents(bytes)[3...4] {
        let hashedSize = bytes.withUnsafeBytes { raw in
          Int(raw.loadUnaligned(fromByteOffset: extent.offset + 9, as: UInt32.self).littleEndian)
        }
        let personalStart = extent.offset + 8 + 5 + hashedSize
        let personalEnd = extent.offset + extent.size - 32
        #expect(personalEnd - personalStart > 16)
        for index in personalStart..<personalEnd { bytes[index] = 0 }
        bytes[extent.offset + 8] |= 0x04
        refreshChecksum(&bytes, recordAt: extent.offset, size: extent.size)
      }
      try writeFile(bytes, to: logURL)
      let erased = try readAll(FileLog(directory: log.directory))
      #expect(try FileLog(directory: log.directory).verify(progress: nil).isIntact)
      #expect(erased.map(\.id) == events.map(\.id))
      #expect(
        erased.map(\.isPersonalTextErased) == [
          false, false, false, true, true, false, false, false,
        ])
      guard case .storyTold(let story) = erased[3].payload,
        case .tellingRecorded(let telling) = erased[4].payload
      else {
        Issue.record("unexpected payloads \(erased[3].payload) \(erased[4].payload)")
        return
      }
      #expect(story.tellers.isEmpty && story.title == "Café mornings")
      #expect(telling.narrative.isEmpty && telling.story == "S1")
      #expect(Array(erased[5...]) == Array(events[5...]))
    }
  }

  /// A damaged `events.head` stops readers and writers, and `verify` does not call the
  /// ledger intact.
  @Test func everyFlippedByteOfTheHeadIsDetected() throws {
    try withTemporaryDirectory { root in
      let (log, _) = try makeSampleLedger(in: root)
      let headURL = log.directory.appending(path: "events.head")
      let original = try readFile(headURL)
      #expect(original.count == FileLog.headSize)
      var failures: [String] = []
      // Each field: magic, committed length, sequence, chain hash, checksum. (A damaged
      // head is re-read a few times before it is judged, so not every byte is tried.)
      for offset in [0, 7, 8, 9, 15, 16, 20, 23, 24, 31, 40, 55, 56, 59] {
        var damaged = original
        damaged[offset] ^= 0x10
        try writeFile(damaged, to: headURL)
        let opened = try FileLog(directory: log.directory)
        do {
          let head = try opened.head()
          failures.append("head read as \(head) with byte \(offset) flipped")
        } catch let error as LedgerError {
          if error.code != .corrupt { failures.append("head at \(offset): \(error)") }
        }
        if try opened.verify(progress: nil).isIntact {
          failures.append("verify passed with byte \(offset) of the head flipped")
        }
      }
      try writeFile(original, to: headURL)
      #expect(failures.isEmpty, "\(failures.prefix(5))")
    }
  }

  /// A head with a valid checksum that does not match the log is a problem; a head at an
  /// earlier batch end (an append that synced its records but not its head) is not.
  @Test func headsInconsistentWithTheLogAreProblems() throws {
    try withTemporaryDirectory { root in
      let (log, events) = try makeSampleLedger(in: root)
      let headURL = log.directory.appending(path: "events.head")
      let head = try log.head()
      let extents = recordExtents(try readFile(log.directory.appending(path: "events.log")))
      let wrongHeads = [
        LogPosition(sequence: head.sequence - 1, hash: head.hash, offset: head.offset),
        LogPosition(sequence: head.sequence + 1, hash: head.hash, offset: head.offset),
        LogPosition(sequence: head.sequence, hash: events[6].hash, offset: head.offset),
        LogPosition(sequence: head.sequence, hash: head.hash, offset: head.offset - 1),
        LogPosition(sequence: head.sequence, hash: head.hash, offset: head.offset + 1),
        LogPosition(sequence: 7, hash: events[6].hash, offset: UInt64(extents[7].offset + 1)),
      ]
      for wrong in wrongHeads {
        try writeFile(FileLog.encodeHead(wrong), to: headURL)
        #expect(try !FileLog(directory: log.directory).verify(progress: nil).isIntact, "\(wrong)")
      }
      // The head after the second batch: the third is whole, so the next writer keeps it.
      let earlier = LogPosition(
        sequence: 5, hash: events[4].hash, offset: UInt64(extents[5].offset))
      try writeFile(FileLog.encodeHead(earlier), to: headURL)
      let reopened = try FileLog(directory: log.directory)
      #expect(try readAll(reopened) == Array(events.prefix(5)))
      let report = try reopened.verify(progress: nil)
      #expect(report.isIntact && report.eventCount == 8 && report.notes.count == 1, "\(report)")
      try reopened.withWriteLock(timeout: .seconds(5)) {}
      #expect(
        reopened.takeNotices() == [
          "kept 3 events of a complete append whose head was not yet recorded"
        ])
      #expect(try reopened.head() == head)
      #expect(try readAll(reopened) == events)
    }
  }

  /// A writer killed mid-append leaves part of a batch past the head: the ledger opens,
  /// reads its committed events, verifies with a note, and the next writer cuts the tail
  /// and says so.
  @Test func tornTailAtEveryOffsetIsCutByTheNextWriter() throws {
    try withTemporaryDirectory { root in
      let (log, committed) = try makeSampleLedger(in: root)
      let directory = log.directory
      let logURL = directory.appending(path: "events.log")
      let headURL = directory.appending(path: "events.head")
      let committedBytes = try readFile(logURL)
      let headBytes = try readFile(headURL)
      let head = try log.head()
      var extra: [UInt8] = []
      _ = try RecordFormat.encode(
        try Sample.extraBatch(1), after: head, recordedAt: 0, saltKey: .zero, into: &extra)
      let boundaries = Set(recordExtents(committedBytes + extra).map(\.offset))
      var failures: [String] = []
      for cut in 1..<extra.count {
        try writeFile(committedBytes + extra[..<cut], to: logURL)
        try writeFile(headBytes, to: headURL)
        let reader = try FileLog(directory: directory)
        if try readAll(reader) != committed { failures.append("cut \(cut): read differs") }
        let report = try reader.verify(progress: nil)
        if !report.isIntact || report.notes.isEmpty || report.eventCount != head.sequence
          || report.lastHash != head.hash.hex
        {
          failures.append("cut \(cut): verify \(report)")
        }
        // The whole write path at record boundaries and a spread of other cuts.
        let absolute = committedBytes.count + cut
        guard cut % 9 == 0 || boundaries.contains(absolute) || boundaries.contains(absolute - 1)
        else { continue }
        let writer = try FileLog(directory: directory)
        let added = try append(
          AppendBatch(events: [committed[1].payload], actor: "next"), to: writer)
        let notices = writer.takeNotices()
        if added.first?.sequence != head.sequence + 1 { failures.append("cut \(cut): \(added)") }
        if notices.count != 1 || !(notices.first?.contains("cut off \(cut) bytes") ?? false) {
          failures.append("cut \(cut): notices \(notices)")
        }
        if !writer.takeNotices().isEmpty { failures.append("cut \(cut): notices not cleared") }
        if try readAll(writer) != committed + added { failures.append("cut \(cut): reread") }
        let after = try writer.verify(progress: nil)
        if !after.isIntact || !after.notes.isEmpty { failures.append("cut \(cut): after \(after)") }
        if failures.count > 5 { break }
      }
      #expect(failures.isEmpty, "\(failures)")
    }
  }

  /// Whole batches past the head (an append that synced its records but died before its
  /// head) are kept by the next writer; the incomplete rest is cut.
  @Test func wholeBatchesPastTheHeadAreKept() throws {
    try withTemporaryDirectory { root in
      let (log, committed) = try makeSampleLedger(in: root)
      let logURL = log.directory.appending(path: "events.log")
      let head = try log.head()
      var extra: [UInt8] = []
      let first = try RecordFormat.encode(
        try Sample.extraBatch(1), after: head, recordedAt: 1_000, saltKey: .zero, into: &extra)
      let firstEnd = LogPosition(
        sequence: first[2].sequence, hash: first[2].hash, offset: head.offset + UInt64(extra.count))
      let second = try RecordFormat.encode(
        try Sample.extraBatch(2), after: firstEnd, recordedAt: 2_000, saltKey: .zero, into: &extra)
      let keptCount = extra.count
      let secondEnd = LogPosition(
        sequence: second[2].sequence, hash: second[2].hash,
        offset: head.offset + UInt64(extra.count))
      var torn: [UInt8] = []
      _ = try RecordFormat.encode(
        try Sample.extraBatch(3), after: secondEnd, recordedAt: 3_000, saltKey: .zero, into: &torn)
      extra += torn.prefix(torn.count - 5)
      try writeFile(try readFile(logURL) + extra, to: logURL)

      let reader = try FileLog(directory: log.directory)
      #expect(try readAll(reader) == committed)
      let report = try reader.verify(progress: nil)
      #expect(report.isIntact)
      #expect(report.notes.count == 2, "\(report.notes)")

      try reader.withWriteLock(timeout: .seconds(5)) {}
      let notices = reader.takeNotices()
      #expect(notices.contains { $0.contains("kept 6 events") }, "\(notices)")
      #expect(notices.contains { $0.contains("cut off \(torn.count - 5) bytes") }, "\(notices)")
      #expect(try reader.head() == secondEnd)
      #expect(try readFile(logURL).count == Int(head.offset) + keptCount)
      let events = try readAll(reader)
      #expect(events == committed + first + second)
      #expect(events.map(\.idempotencyKey).suffix(6) == ["extra-1", nil, nil, "extra-2", nil, nil])
      let after = try reader.verify(progress: nil)
      #expect(after.isIntact && after.notes.isEmpty && after.eventCount == 14)
      let next = try append(try Sample.extraBatch(4), to: reader)
      #expect(next.map(\.sequence) == [15, 16, 17])
      #expect(try reader.verify(progress: nil).isIntact)
    }
  }

  /// A log cut short below its recorded head lost acknowledged events: corrupt, never cut.
  @Test func truncationBelowTheHeadIsCorruption() throws {
    try withTemporaryDirectory { root in
      let (log, _) = try makeSampleLedger(in: root)
      let logURL = log.directory.appending(path: "events.log")
      let original = try readFile(logURL)
      var failures: [String] = []
      for cut in stride(from: 0, to: original.count, by: 3) {
        try writeFile(Array(original.prefix(cut)), to: logURL)
        let opened: FileLog
        do {
          opened = try FileLog(directory: log.directory)
        } catch let error as LedgerError {
          if error.code != .corrupt || cut >= RecordFormat.fileHeaderSize {
            failures.append("open at \(cut): \(error)")
          }
          continue
        }
        do {
          let head = try opened.head()
          failures.append("cut \(cut): head \(head)")
        } catch let error as LedgerError {
          if error.code != .corrupt { failures.append("cut \(cut): \(error)") }
        }
        if try opened.verify(progress: nil).isIntact { failures.append("cut \(cut): verified") }
        do {
          try opened.withWriteLock(timeout: .seconds(1)) {}
          failures.append("cut \(cut): a writer took the lock")
        } catch let error as LedgerError {
          if error.code != .corrupt { failures.append("cut \(cut): lock \(error)") }
        }
        if try readFile(logURL).count != cut { failures.append("cut \(cut): the file changed") }
      }
      #expect(failures.isEmpty, "\(failures.prefix(5))")
    }
  }
}

@Suite("In-memory log")
struct InMemoryLogTests {
  private func makeSampleLog() throws -> (InMemoryLog, [RecordedEvent]) {
    let log = InMemoryLog()
    try append(
      AppendBatch(events: [.ledgerCreated(try Sample.configuration())], actor: "setup"), to: log)
    for batch in try Sample.batches() { try append(batch, to: log) }
    return (log, try readAll(log))
  }

  @Test func appendsReadBackAndVerify() throws {
    let (log, events) = try makeSampleLog()
    #expect(events.map(\.sequence) == Array(1...8))
    #expect(events.dropFirst().map(\.payload) == (try Sample.batches().flatMap(\.events)))
    #expect(events.map(\.idempotencyKey) == [nil, "batch-1", nil, nil, nil, "batch-3", nil, nil])
    #expect(try log.head().hash == events.last?.hash)
    let report = try log.verify(progress: nil)
    #expect(report.isIntact && report.eventCount == 8 && report.lastHash == events.last?.hash.hex)
    #expect(log.takeNotices().isEmpty)
    let stale = LogPosition.start(offset: UInt64(RecordFormat.fileHeaderSize))
    #expect(throws: LedgerError.self) { try log.append(Sample.extraBatch(1), after: stale) }
  }

  @Test func everyDamagedByteIsDetected() throws {
    let (log, _) = try makeSampleLog()
    let original = log.storedBytes
    let extents = recordExtents(original)
    var failures: [String] = []
    for offset in original.indices {
      var damaged = original
      damaged[offset] ^= 0x04
      log.storedBytes = damaged
      let record = extents.firstIndex { $0.offset <= offset && offset < $0.offset + $0.size }
      let report = try log.verify(progress: nil)
      guard let problem = report.problem else {
        failures.append("byte \(offset): verified")
        continue
      }
      if let record,
        problem.sequence != UInt64(record + 1) || problem.offset != UInt64(extents[record].offset)
      {
        failures.append("byte \(offset): \(problem)")
      }
      do {
        _ = try readAll(log)
        if record != nil { failures.append("byte \(offset): read") }
      } catch let error as LedgerError {
        if error.code != .corrupt { failures.append("byte \(offset): \(error)") }
      } catch {
        failures.append("byte \(offset): read threw \(error)")
      }
    }
    log.storedBytes = original
    #expect(failures.isEmpty, "\(failures.prefix(5))")
    #expect(try log.verify(progress: nil).isIntact)
  }

  @Test func everyEditWithARecomputedChecksumIsDetected() throws {
    let (log, _) = try makeSampleLog()
    let original = log.storedBytes
    var failures: [String] = []
    for (index, extent) in recordExtents(original).enumerated() {
      for offset in (extent.offset + 9)..<(extent.offset + extent.size) {
        var damaged = original
        damaged[offset] ^= 0x20
        refreshChecksum(&damaged, recordAt: extent.offset, size: extent.size)
        log.storedBytes = damaged
        let problem = try log.verify(progress: nil).problem
        if problem?.sequence != UInt64(index + 1) || problem?.offset != UInt64(extent.offset) {
          failures.append(
            "event \(index + 1) byte \(offset - extent.offset): \(String(describing: problem))")
        }
      }
    }
    log.storedBytes = original
    #expect(failures.isEmpty, "\(failures.count): \(failures.prefix(5))")
  }
}
