import Foundation
import Testing

@testable import StoryLedger

/// `verify` frames the log a chunk at a time and checks each chunk's records in slices on
/// several cores. These tests hold it to the one-record-at-a-time check: the same first bad
/// record, the same reason, the same good records before it, in order.
@Suite("Parallel verification")
struct ParallelVerifyTests {
  /// How a record is damaged.
  enum Damage: String, CaseIterable, Sendable {
    /// A body byte flipped: the checksum fails.
    case checksum
    /// A hashed byte changed and the checksum recomputed: the chain fails.
    case chain
    /// A personal byte changed and the checksum recomputed: the personal digest fails.
    case personal
    /// The sequence number changed and the checksum recomputed.
    case sequence
    /// The length word made impossible: framing stops there.
    case length
    /// An unknown flag set and the checksum recomputed.
    case flags
  }

  static let eventCount = 300

  /// A log of ``eventCount`` events of every type, personal text included, in batches.
  static let log: [UInt8] = {
    var bytes = RecordFormat.fileHeader
    var position = LogPosition.start()
    let node = NodePath(validSegments: ["england", "north-east"])
    // Without its configuration the log starts wrongly, and the intact test says so.
    var payloads: [EventPayload] = (try? LedgerConfiguration()).map { [.ledgerCreated($0)] } ?? []
    payloads.append(
      .nodeAdded(NodeAdded(path: NodePath(validSegments: ["england"]), name: "England")))
    var story = 0
    while payloads.count < eventCount {
      story += 1
      let day = Day(daysSinceEpoch: Int32(20_000 + story))
      let key = "S\(story)"
      payloads += [
        .storyTold(
          StoryTold(
            key: key, node: node, on: day, title: "Story \(story) · café", tellers: ["Ana Díaz"],
            tags: ["t\(story % 7)"], share: "regional")),
        .tellingRecorded(
          TellingRecorded(story: key, on: day, narrative: "Told \(story) times, in full.")),
        .itemRecorded(
          ItemRecorded(
            story: key, item: "i1", on: day, dimension: .calculating,
            facts: ItemFacts(
              visibility: .invisible, description: "Meals", quantity: "12", unit: "meals",
              monetised: Money(cents: Int64(story) * 100), weight: 3))),
        .itemRevised(
          ItemRevised(
            story: key, item: "i1", on: day.adding(days: 9),
            facts: ItemFacts(visibility: .visible, evidence: "Receipts"))),
      ]
    }
    payloads.removeLast(payloads.count - eventCount)
    var index = 0
    while index < payloads.count {
      let batch = Array(payloads[index..<min(index + 5, payloads.count)])
      // Small events never exceed the record limit; a failure leaves the log short, which
      // the tests that count its events report.
      let events =
        (try? RecordFormat.encode(
          AppendBatch(events: batch, actor: "tester", idempotencyKey: "k\(index)"),
          after: position, recordedAt: 1_700_000_000_000, saltKey: .zero, into: &bytes)) ?? []
      if let last = events.last {
        position = LogPosition(sequence: last.sequence, hash: last.hash, offset: 0)
      }
      index += batch.count
    }
    return bytes
  }()

  /// The start and size of every record of ``log``.
  static let extents: [(offset: Int, size: Int)] = log.withUnsafeBytes { raw in
    var extents: [(offset: Int, size: Int)] = []
    var offset = RecordFormat.fileHeaderSize
    while offset < raw.count, case .record(let record) = RecordFormat.scan(raw, at: offset) {
      extents.append((offset, record.totalSize))
      offset += record.totalSize
    }
    return extents
  }

  /// What a verification saw: the good records in order, the first problem (found by the
  /// checks or by the framing, as `FileLog.verify` merges them), and where the chain stood.
  struct Outcome: Equatable, CustomStringConvertible {
    var accepted: [UInt64] = []
    var problem: VerificationReport.Problem?
    var expectedSequence: UInt64 = 0
    var lastHash = SHA256Digest.zero

    init(_ verifier: ChainVerifier, end: RecordScanner.End, accepted: [UInt64]) {
      self.accepted = accepted
      expectedSequence = verifier.expectedSequence
      lastHash = verifier.previousHash
      problem = verifier.problem
      guard problem == nil else { return }
      switch end {
      case .clean: break
      case .incomplete(let offset):
        problem = .init(sequence: expectedSequence, offset: offset, reason: "cut short")
      case .damaged(let offset, let reason):
        problem = .init(sequence: expectedSequence, offset: offset, reason: reason)
      }
    }

    var description: String {
      "\(accepted.count) accepted, problem \(String(describing: problem))"
    }
  }

  /// The reference: one record at a time, as ``InMemoryLog`` checks.
  static func sequential(_ bytes: [UInt8]) throws -> Outcome {
    var accepted: [UInt64] = []
    var verifier = ChainVerifier()
    let end = try RecordScanner(chunkSize: 1 << 12).scan(
      from: UInt64(RecordFormat.fileHeaderSize), to: UInt64(bytes.count), read: reader(bytes)
    ) { record, offset in
      guard verifier.check(record, at: offset) else { return false }
      accepted.append(offset)
      return true
    }
    return Outcome(verifier, end: end, accepted: accepted)
  }

  /// Chunks of `chunkSize` bytes, each split into slices of at least `recordsPerSlice`
  /// records for `cores` cores.
  static func sliced(
    _ bytes: [UInt8], chunkSize: Int, cores: Int, recordsPerSlice: Int, readsAhead: Bool = true
  ) throws -> Outcome {
    var accepted: [UInt64] = []
    var verifier = ChainVerifier()
    let end = try RecordScanner(chunkSize: chunkSize, readsAhead: readsAhead).scanChunks(
      from: UInt64(RecordFormat.fileHeaderSize), to: UInt64(bytes.count), read: reader(bytes)
    ) { chunk in
      let good = verifier.check(chunk, cores: cores, recordsPerSlice: recordsPerSlice)
      accepted += chunk.records.prefix(good).map { chunk.start + UInt64($0) }
      return good == chunk.records.count
    }
    return Outcome(verifier, end: end, accepted: accepted)
  }

  static func reader(_ bytes: [UInt8]) -> RecordScanner.ReadFunction {
    { (buffer, count, offset) throws(LedgerError) -> Int in
      let start = Int(offset)
      let available = max(0, min(count, bytes.count - start))
      bytes.withUnsafeBytes { raw in
        guard let base = raw.baseAddress else { return }
        buffer.copyMemory(from: base + start, byteCount: available)
      }
      return available
    }
  }

  /// `bytes` with record `index` damaged as `damage` says.
  static func damaged(_ damage: Damage, record index: Int) throws -> [UInt8] {
    var bytes = log
    let extent = extents[index]
    let body = extent.offset + RecordFormat.frameSize
    let record = try #require(
      bytes.withUnsafeBytes { raw -> RecordFormat.RecordView? in
        guard case .record(let record) = RecordFormat.scan(raw, at: extent.offset) else {
          return nil
        }
        return record
      })
    switch damage {
    case .checksum:
      bytes[body + 5 + record.hashed.count / 2] ^= 0x10
      return bytes
    case .length:
      bytes[extent.offset + 3] = 0xFF
      return bytes
    case .chain: bytes[body + 5 + record.hashed.count - 40] ^= 0x01
    case .personal:
      // Records without personal text have none to change; their last hashed byte instead.
      bytes[body + 5 + record.hashed.count + (record.personal.isEmpty ? -1 : 16)] ^= 0x01
    case .sequence: bytes[body + 5 + 4] ^= 0x02
    case .flags: bytes[body] |= 0x40
    }
    let checksum = CRC32C.checksum(Array(bytes[body..<(extent.offset + extent.size)]))
    for byte in 0..<4 {
      bytes[extent.offset + 4 + byte] = UInt8(truncatingIfNeeded: checksum >> (8 * byte))
    }
    return bytes
  }

  @Test func anIntactLogIsAcceptedWholeAndInOrder() throws {
    let reference = try ParallelVerifyTests.sequential(ParallelVerifyTests.log)
    #expect(reference.problem == nil)
    #expect(reference.accepted.count == ParallelVerifyTests.eventCount)
    #expect(reference.accepted == ParallelVerifyTests.extents.map { UInt64($0.offset) })
    for (chunkSize, cores) in [(1 << 12, 2), (1 << 14, 3), (1 << 20, 4), (1 << 20, 1)] {
      for readsAhead in [false, true] {
        let outcome = try ParallelVerifyTests.sliced(
          ParallelVerifyTests.log, chunkSize: chunkSize, cores: cores, recordsPerSlice: 5,
          readsAhead: readsAhead)
        #expect(outcome == reference, "chunks of \(chunkSize) on \(cores) cores, \(readsAhead)")
      }
    }
  }

  /// Records at the edges: the first, group, slice and chunk boundaries, the last.
  @Test(arguments: Damage.allCases, [0, 31, 32, 299])
  func theFirstBadRecordIsNamedAsOneAtATime(damage: Damage, record: Int) throws {
    let bytes = try ParallelVerifyTests.damaged(damage, record: record)
    let reference = try ParallelVerifyTests.sequential(bytes)
    #expect(reference.problem?.offset == UInt64(ParallelVerifyTests.extents[record].offset))
    #expect(reference.problem?.sequence == UInt64(record + 1))
    #expect(reference.accepted.count == record)
    for (chunkSize, cores) in [(1 << 12, 3), (1 << 20, 1)] {
      let outcome = try ParallelVerifyTests.sliced(
        bytes, chunkSize: chunkSize, cores: cores, recordsPerSlice: 6)
      #expect(outcome == reference, "chunks of \(chunkSize) on \(cores) cores")
    }
  }

  /// Two bad records: the earlier is named even when a later slice finishes first.
  @Test func theEarlierOfTwoBadRecordsIsNamed() throws {
    var bytes = try ParallelVerifyTests.damaged(.chain, record: 250)
    let early = ParallelVerifyTests.extents[120]
    bytes[early.offset + RecordFormat.frameSize + 7] ^= 0x04
    let reference = try ParallelVerifyTests.sequential(bytes)
    #expect(reference.problem?.offset == UInt64(early.offset))
    #expect(reference.problem?.sequence == 121)
    let outcome = try ParallelVerifyTests.sliced(
      bytes, chunkSize: 1 << 20, cores: 8, recordsPerSlice: 4)
    #expect(outcome == reference)
  }

  /// The framing alone, read ahead or not: the same chunks and the same end for a range the
  /// file does not fill, a torn last record, and a record larger than the chunk size.
  @Test(arguments: [false, true])
  func framingIsTheSameReadAheadOrNot(readsAhead: Bool) throws {
    let log = ParallelVerifyTests.log
    let start = UInt64(RecordFormat.fileHeaderSize)
    let torn = Array(log.dropLast(7))
    // 100 bytes: smaller than most records, so the buffer grows.
    for (bytes, end, chunkSize) in [
      (log, UInt64(log.count), 100), (log, UInt64(log.count) + 100, 1 << 12),
      (torn, UInt64(torn.count), 1 << 12), (log, UInt64(log.count), 1 << 12),
    ] {
      var plain: [[UInt64]] = []
      let plainEnd = try RecordScanner(chunkSize: chunkSize).scanChunks(
        from: start, to: end, read: ParallelVerifyTests.reader(bytes)
      ) { chunk in
        plain.append(chunk.records.map { chunk.start + UInt64($0) })
        return true
      }
      var ahead: [[UInt64]] = []
      let aheadEnd = try RecordScanner(chunkSize: chunkSize, readsAhead: readsAhead).scanChunks(
        from: start, to: end, read: ParallelVerifyTests.reader(bytes)
      ) { chunk in
        ahead.append(chunk.records.map { chunk.start + UInt64($0) })
        return true
      }
      #expect(
        ahead.flatMap { $0 }
          == ParallelVerifyTests.extents.prefix(
            bytes.count == log.count
              ? ParallelVerifyTests.eventCount : ParallelVerifyTests.eventCount - 1
          ).map { UInt64($0.offset) })
      #expect(ahead == plain)
      #expect(aheadEnd == plainEnd)
      if bytes.count == log.count && end == UInt64(log.count) {
        #expect(aheadEnd == .clean)
      } else {
        #expect(aheadEnd != .clean)
      }
    }
  }

  /// What `verify` reads of the good records of a chunk without parsing them again.
  @Test func chunkAccessorsAgreeWithParsing() throws {
    let log = ParallelVerifyTests.log
    var seen = 0
    _ = try RecordScanner(chunkSize: 1 << 13).scanChunks(
      from: UInt64(RecordFormat.fileHeaderSize), to: UInt64(log.count),
      read: ParallelVerifyTests.reader(log)
    ) { chunk in
      let all = 0..<chunk.records.count
      for index in all {
        guard
          case .record(let record) = RecordFormat.scan(chunk.bytes, at: chunk.records[index])
        else {
          Issue.record("record \(index) does not scan")
          return false
        }
        let end = chunk.records[index] + record.totalSize
        #expect(chunk.end(of: index) == end)
        #expect(chunk.storedHash(of: index) == record.storedHash)
        #expect(chunk.flags(of: index) == record.flags)
        #expect(chunk.record(endingAt: end, among: all) == index)
        #expect(chunk.record(endingAt: end - 1, among: all) == nil)
        #expect(chunk.record(endingAt: end, among: 0..<index) == nil)
      }
      seen += chunk.records.count
      return true
    }
    #expect(seen == ParallelVerifyTests.eventCount)
  }
}
