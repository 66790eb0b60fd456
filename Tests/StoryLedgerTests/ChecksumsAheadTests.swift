import Foundation
import Testing

@testable import StoryLedger

/// Replaying reads, frames and checksums the next chunk on another thread while this one
/// is decoded and folded. These tests hold that to checking each record as it comes: the
/// same records, events and failures, in order, the same end, and no thread left behind
/// however the caller stops.
@Suite("Checksums ahead")
struct ChecksumsAheadTests {
  /// What a scan delivered: each record's offset, sequence and event (or failure text),
  /// and how it ended.
  struct Delivery: Equatable {
    var records: [(offset: UInt64, sequence: UInt64, event: String)] = []
    var end: RecordScanner.End = .clean

    static func == (lhs: Delivery, rhs: Delivery) -> Bool {
      lhs.end == rhs.end && lhs.records.count == rhs.records.count
        && zip(lhs.records, rhs.records).allSatisfy {
          $0.offset == $1.offset && $0.sequence == $1.sequence && $0.event == $1.event
        }
    }

    mutating func add(_ record: RecordFormat.RecordView, at offset: UInt64) {
      let event: String
      do {
        event = "\(try RecordFormat.decode(record))"
      } catch {
        event = "failure: \(error)"
      }
      records.append((offset, record.sequence, event))
    }
  }

  static let start = UInt64(RecordFormat.fileHeaderSize)

  /// Scans `bytes`, checksums ahead or not, in chunks of `chunkSize` bytes.
  static func scan(
    _ bytes: [UInt8], ahead: Bool, chunkSize: Int = 1 << 12, stopAfter limit: Int = .max
  ) throws -> Delivery {
    var delivery = Delivery()
    let scanner = RecordScanner(chunkSize: chunkSize, readsAhead: ahead, checksumsAhead: ahead)
    delivery.end = try scanner.scan(
      from: start, to: UInt64(bytes.count), read: ParallelVerifyTests.reader(bytes)
    ) { record, offset in
      delivery.add(record, at: offset)
      return delivery.records.count < limit
    }
    return delivery
  }

  static func plain(_ bytes: [UInt8], stopAfter limit: Int = .max) throws -> Delivery {
    try scan(bytes, ahead: false, stopAfter: limit)
  }

  static func piped(_ bytes: [UInt8], chunkSize: Int, stopAfter limit: Int = .max) throws
    -> Delivery
  {
    try scan(bytes, ahead: true, chunkSize: chunkSize, stopAfter: limit)
  }

  @Test(arguments: [1 << 10, 1 << 12, 1 << 20])
  func anIntactLogIsDeliveredWholeAndInOrder(chunkSize: Int) throws {
    let reference = try ChecksumsAheadTests.plain(ParallelVerifyTests.log)
    #expect(reference.records.count == ParallelVerifyTests.eventCount)
    #expect(reference.records.map(\.sequence) == (1...300).map { UInt64($0) })
    #expect(reference.end == .clean)
    #expect(
      try ChecksumsAheadTests.piped(ParallelVerifyTests.log, chunkSize: chunkSize) == reference)
  }

  /// A record whose checksum fails ends the scan there; one whose checksum holds but whose
  /// bytes are changed is delivered, as a failure if it no longer decodes.
  @Test(
    arguments: [ParallelVerifyTests.Damage.checksum, .length, .chain, .sequence, .flags],
    [0, 31, 150, 299])
  func damageEndsTheScanAtTheSameRecord(damage: ParallelVerifyTests.Damage, record: Int)
    throws
  {
    let bytes = try ParallelVerifyTests.damaged(damage, record: record)
    let reference = try ChecksumsAheadTests.plain(bytes)
    #expect(try ChecksumsAheadTests.piped(bytes, chunkSize: 1 << 12) == reference)
  }

  @Test func aPayloadThatDoesNotDecodeIsDeliveredAsAFailure() throws {
    var bytes = ParallelVerifyTests.log
    // The actor's length of event 40 made longer than its record: the CRC is recomputed.
    let extent = ParallelVerifyTests.extents[39]
    let body = extent.offset + RecordFormat.frameSize
    bytes[body + 5 + 20] = 0x7F
    let checksum = CRC32C.checksum(Array(bytes[body..<(extent.offset + extent.size)]))
    for byte in 0..<4 {
      bytes[extent.offset + 4 + byte] = UInt8(truncatingIfNeeded: checksum >> (8 * byte))
    }
    let reference = try ChecksumsAheadTests.plain(bytes)
    #expect(reference.records[39].event.hasPrefix("failure: "))
    #expect(reference.records.count == ParallelVerifyTests.eventCount)
    #expect(try ChecksumsAheadTests.piped(bytes, chunkSize: 1 << 12) == reference)
  }

  /// Stopping early, in the first chunk or a later one, returns at once and cleanly.
  @Test(arguments: [1, 5, 100, 299])
  func theCallerCanStopAnywhere(after count: Int) throws {
    let reference = try ChecksumsAheadTests.plain(ParallelVerifyTests.log, stopAfter: count)
    #expect(reference.records.count == count)
    let piped = try ChecksumsAheadTests.piped(
      ParallelVerifyTests.log, chunkSize: 1 << 11, stopAfter: count)
    #expect(piped == reference)
  }

  struct Thrown: Error {}

  @Test func anErrorThrownByTheCallerComesOut() {
    var seen = 0
    #expect(throws: Thrown.self) {
      _ = try RecordScanner(chunkSize: 1 << 11, readsAhead: true, checksumsAhead: true).scan(
        from: ChecksumsAheadTests.start, to: UInt64(ParallelVerifyTests.log.count),
        read: ParallelVerifyTests.reader(ParallelVerifyTests.log)
      ) { _, _ in
        seen += 1
        if seen == 50 { throw Thrown() }
        return true
      }
    }
    #expect(seen == 50)
  }

  /// A read that fails part way: the records read before it are delivered, then its error.
  @Test func aReadErrorComesOutAfterTheRecordsBeforeIt() {
    let log = ParallelVerifyTests.log
    let failAt = UInt64(ParallelVerifyTests.extents[200].offset)
    let read: RecordScanner.ReadFunction = { buffer, count, offset throws(LedgerError) in
      guard offset + UInt64(count) <= failAt else { throw LedgerError(.io, "disk on fire") }
      return try ParallelVerifyTests.reader(log)(buffer, count, offset)
    }
    var delivered = 0
    #expect {
      _ = try RecordScanner(chunkSize: 1 << 11, readsAhead: true, checksumsAhead: true).scan(
        from: ChecksumsAheadTests.start, to: UInt64(log.count), read: read
      ) { _, _ in
        delivered += 1
        return true
      }
    } throws: { error in
      (error as? LedgerError)?.code == .io
    }
    #expect(delivered > 0 && delivered <= 200)
  }
}
