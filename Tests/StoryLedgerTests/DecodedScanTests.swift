import Foundation
import Testing

@testable import StoryLedger

/// Replaying checks the next chunk's records on another thread while this one decodes and
/// folds. These tests hold that to checking and decoding one record at a time: the same
/// records, events and failures, in order, the same end, and no thread left behind however
/// the caller stops.
@Suite("Decoding ahead")
struct DecodedScanTests {
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

    mutating func add(_ record: RecordScanner.DecodedRecord) {
      let event: String
      switch record.event {
      case .success(let decoded): event = "\(decoded)"
      case .failure(let failure): event = "failure: \(failure)"
      }
      records.append((record.offset, record.sequence, event))
    }
  }

  static let start = UInt64(RecordFormat.fileHeaderSize)

  /// One record at a time, checked by ``RecordScanner/scan(from:to:read:_:)``: the reference.
  static func plain(_ bytes: [UInt8], stopAfter limit: Int = .max) throws -> Delivery {
    var delivery = Delivery()
    delivery.end = try RecordScanner().scan(
      from: start, to: UInt64(bytes.count), read: ParallelVerifyTests.reader(bytes)
    ) { record, offset in
      delivery.add(
        RecordScanner.DecodedRecord(
          offset: offset, sequence: record.sequence,
          event: Result { () throws(DecodingFailure) in try RecordFormat.decode(record) }))
      return delivery.records.count < limit
    }
    return delivery
  }

  /// Checked ahead on another thread, in chunks of `chunkSize` bytes.
  static func piped(_ bytes: [UInt8], chunkSize: Int, stopAfter limit: Int = .max) throws
    -> Delivery
  {
    var delivery = Delivery()
    delivery.end = try RecordScanner(chunkSize: chunkSize, readsAhead: true).scanDecoded(
      from: start, to: UInt64(bytes.count), read: ParallelVerifyTests.reader(bytes)
    ) { record in
      delivery.add(record)
      return delivery.records.count < limit
    }
    return delivery
  }

  @Test(arguments: [1 << 10, 1 << 12, 1 << 20])
  func anIntactLogIsDeliveredWholeAndInOrder(chunkSize: Int) throws {
    let reference = try DecodedScanTests.plain(ParallelVerifyTests.log)
    #expect(reference.records.count == ParallelVerifyTests.eventCount)
    #expect(reference.records.map(\.sequence) == (1...300).map { UInt64($0) })
    #expect(reference.end == .clean)
    #expect(try DecodedScanTests.piped(ParallelVerifyTests.log, chunkSize: chunkSize) == reference)
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
    let reference = try DecodedScanTests.plain(bytes)
    #expect(try DecodedScanTests.piped(bytes, chunkSize: 1 << 12) == reference)
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
    let reference = try DecodedScanTests.plain(bytes)
    #expect(reference.records[39].event.hasPrefix("failure: "))
    #expect(reference.records.count == ParallelVerifyTests.eventCount)
    #expect(try DecodedScanTests.piped(bytes, chunkSize: 1 << 12) == reference)
  }

  /// Stopping early, in the first chunk or a later one, returns at once and cleanly.
  @Test(arguments: [1, 5, 100, 299])
  func theCallerCanStopAnywhere(after count: Int) throws {
    let reference = try DecodedScanTests.plain(ParallelVerifyTests.log, stopAfter: count)
    #expect(reference.records.count == count)
    let piped = try DecodedScanTests.piped(
      ParallelVerifyTests.log, chunkSize: 1 << 11, stopAfter: count)
    #expect(piped == reference)
  }

  struct Thrown: Error {}

  @Test func anErrorThrownByTheCallerComesOut() {
    var seen = 0
    #expect(throws: Thrown.self) {
      _ = try RecordScanner(chunkSize: 1 << 11, readsAhead: true).scanDecoded(
        from: DecodedScanTests.start, to: UInt64(ParallelVerifyTests.log.count),
        read: ParallelVerifyTests.reader(ParallelVerifyTests.log)
      ) { _ in
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
      _ = try RecordScanner(chunkSize: 1 << 11, readsAhead: true).scanDecoded(
        from: DecodedScanTests.start, to: UInt64(log.count), read: read
      ) { _ in
        delivered += 1
        return true
      }
    } throws: { error in
      (error as? LedgerError)?.code == .io
    }
    #expect(delivered > 0 && delivered <= 200)
  }
}
