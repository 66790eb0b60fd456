import Foundation
import StoryLedger
import Testing

/// The public record codec: what a store that keeps one record per row relies on.
@Suite struct EventRecordCodecTests {
  static func batch(key: String? = "k1") throws -> AppendBatch {
    let north = try NodePath(parsing: "england/north")
    let day = try Day(parsing: "2026-03-02")
    return AppendBatch(
      events: [
        .nodeAdded(NodeAdded(path: try NodePath(parsing: "england"), name: "England")),
        .nodeAdded(NodeAdded(path: north, name: "North")),
        .storyTold(
          StoryTold(
            key: "S1", node: north, on: day, title: "Clinic", tellers: ["Ana"], tags: [],
            share: "national")),
        .tellingRecorded(TellingRecorded(story: "S1", on: day, narrative: "We walked.")),
      ], actor: "ana", idempotencyKey: key)
  }

  /// Records for a ledger: its `ledger.created`, then `batch`.
  static func records() throws -> [EventRecordCodec.Record] {
    let created = try EventRecordCodec.encode(
      AppendBatch(events: [.ledgerCreated(try LedgerConfiguration())], actor: "ana"),
      after: .start())
    let last = try #require(created.last)
    let head = LogPosition(sequence: last.sequence, hash: last.hash, offset: 0)
    return created + (try EventRecordCodec.encode(try batch(), after: head))
  }

  /// Checks one record (a mutating call cannot sit inside `#expect`).
  static func feed(_ verifier: inout RecordChainVerifier, _ bytes: [UInt8]) -> Bool {
    verifier.check(bytes)
  }

  @Test func encodedRecordsDecodeToTheirEvents() throws {
    let records = try Self.records()
    #expect(records.map(\.sequence) == [1, 2, 3, 4, 5])
    #expect(records[1].event.idempotencyKey == "k1")
    #expect(records[2].event.idempotencyKey == nil)
    for record in records {
      #expect(try EventRecordCodec.decode(record.bytes) == record.event)
    }
  }

  @Test func theVerifierAcceptsTheChainAndNamesTheFirstBadRecord() throws {
    let records = try Self.records()
    var verifier = RecordChainVerifier()
    for record in records { #expect(Self.feed(&verifier, record.bytes)) }
    let last = try #require(records.last)
    let head = LogPosition(sequence: last.sequence, hash: last.hash, offset: 0)
    #expect(verifier.report(head: head).isIntact)
    #expect(verifier.report(head: head).eventCount == 5)

    // A record taken out: the next one is out of sequence.
    var gap = RecordChainVerifier()
    #expect(Self.feed(&gap, records[0].bytes))
    #expect(Self.feed(&gap, records[1].bytes))
    #expect(!Self.feed(&gap, records[3].bytes))
    #expect(gap.problem?.sequence == 3)

    // A byte changed: the checksum no longer matches.
    var damaged = records[2].bytes
    damaged[20] ^= 1
    var tampered = RecordChainVerifier()
    #expect(Self.feed(&tampered, records[0].bytes))
    #expect(Self.feed(&tampered, records[1].bytes))
    #expect(!Self.feed(&tampered, damaged))
    #expect(tampered.report(head: head).problem?.sequence == 3)
    #expect(throws: LedgerError.self) { try EventRecordCodec.decode(damaged) }
  }

  @Test func aHeadPastTheRecordsIsReported() throws {
    let records = try Self.records()
    var verifier = RecordChainVerifier()
    for record in records.dropLast() { #expect(Self.feed(&verifier, record.bytes)) }
    let last = try #require(records.last)
    let head = LogPosition(sequence: last.sequence, hash: last.hash, offset: 0)
    #expect(verifier.report(head: head).problem != nil)
  }

  @Test func erasureRemovesPersonalTextAndKeepsTheChain() throws {
    let records = try Self.records()
    let told = records[3]
    let erased = try #require(EventRecordCodec.erasingPersonalText(of: told.bytes))
    #expect(erased.count == told.bytes.count)
    let event = try EventRecordCodec.decode(erased)
    #expect(event.isPersonalTextErased)
    #expect(event.hash == told.hash)
    guard case .storyTold(let story) = event.payload else {
      Issue.record("erasure changed the event's type")
      return
    }
    #expect(story.tellers.allSatisfy { $0 != "Ana" })
    #expect(EventRecordCodec.erasingPersonalText(of: erased) == nil)
    #expect(EventRecordCodec.erasingPersonalText(of: records[1].bytes) == nil)

    var verifier = RecordChainVerifier()
    for (index, record) in records.enumerated() {
      #expect(Self.feed(&verifier, index == 3 ? erased : record.bytes))
    }
    #expect(verifier.problem == nil)
  }
}
