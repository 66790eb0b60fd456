import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger

/// Issue 14: a snapshot is trusted for validation and answers only when its bytes are
/// proven, erasure is explained by the hashed log alone, and a writer checks the head
/// against the log before appending.
@Suite("Snapshot trust (issue 14)")
struct SnapshotTrustTests {
  static let csv = """
    story,node,told_on,item,dimension,visibility,narrative,teller,monetised
    trust-a,nhs/north/trust-1,2026-01-05,i1,calculating,visible,"A story told.",Quintessa Marlowe,10.50
    trust-b,nhs/north/trust-1,2026-01-06,i1,capacitating,invisible,"Another one.",Barnaby Tull,
    trust-c,nhs/south/trust-2,2026-01-07,i1,calculating,invisible,"A third.",Cordelia Vane,3.00

    """

  /// A small ledger with three stories and a snapshot of it.
  static func ledger(in directory: TemporaryDirectory) throws -> (Ledger, URL) {
    let location = directory.url.appending(path: "ledger")
    let ledger = try Ledger.create(at: location, configuration: LedgerConfiguration())
    let file = directory.url.appending(path: "first.csv")
    try Data(csv.utf8).write(to: file)
    try ledger.importCSV(contentsOf: file)
    try ledger.writeSnapshot()
    return (ledger, location)
  }

  /// The snapshot's section of `kind`: its byte offset and length.
  static func section(_ kind: Snapshot.Kind, in location: URL) throws -> (offset: Int, count: Int) {
    let file = try SystemFile(path: Snapshot.path(in: location.path), flags: O_RDONLY)
    let region = try MappedRegion(file: file)
    let header = try #require(Snapshot.header(of: region))
    let section = try #require(header.sections[kind])
    return (Int(section.offset), Int(section.count) * Int(max(section.stride, 1)))
  }

  /// The state a full replay of the log gives.
  static func replay(_ location: URL) throws -> LedgerState {
    let log = try FileLog(directory: location)
    var state = LedgerState()
    try log.read(after: .start(), upTo: try log.head()) { try state.apply($0) }
    return state
  }

  @Test func aFlippedStorySlotIsNeverUsedToValidateAnAppend() throws {
    let directory = try TemporaryDirectory()
    let (_, location) = try Self.ledger(in: directory)
    let slots = try Self.section(.storySlots, in: location)
    let path = Snapshot.path(in: location.path)
    var bytes = try Data(contentsOf: URL(filePath: path))
    // Flip a bit of the hash half of every occupied slot: no story key is found any more.
    for slot in stride(from: slots.offset, to: slots.offset + slots.count, by: 8) {
      let entry = bytes[slot..<(slot + 8)].enumerated().reduce(UInt64(0)) {
        $0 | UInt64($1.element) << (8 * UInt64($1.offset))
      }
      if entry != 0 { bytes[slot + 5] ^= 0x10 }
    }
    try bytes.write(to: URL(filePath: path))

    let reopened = try Ledger.open(at: location)
    let more = directory.url.appending(path: "more.csv")
    try Data(
      """
      story,node,told_on,item,dimension,visibility
      trust-a,nhs/north/trust-1,2026-02-01,i2,calculating,visible

      """.utf8
    ).write(to: more)
    _ = try? reopened.importCSV(contentsOf: more)
    // Whatever the import did, the log still replays and tells trust-a once.
    let state = try Self.replay(location)
    #expect(state.storyIndex(forKey: "trust-a") != nil)
    var told = 0
    try FileLog(directory: location).read(
      after: .start(), upTo: try FileLog(directory: location).head()
    ) {
      if case .storyTold(let event) = $0.payload, event.key == "trust-a" { told += 1 }
    }
    #expect(told == 1)
    #expect(
      try Ledger.open(at: location).summary(of: try NodePath(parsing: "nhs")).total.stories == 3)
  }

  @Test func damagedRunningTotalsGiveNoWrongFigureAndAreNotLaundered() throws {
    let directory = try TemporaryDirectory()
    let (ledger, location) = try Self.ledger(in: directory)
    let root = try NodePath(parsing: "nhs")
    let expected = try ledger.summary(of: root)
    let totals = try Self.section(.nodeTotals, in: location)
    let path = Snapshot.path(in: location.path)
    var bytes = try Data(contentsOf: URL(filePath: path))
    // The first node's story count, and a lane of its money.
    bytes[totals.offset] ^= 0x07
    bytes[totals.offset + 72] ^= 0x40
    try bytes.write(to: URL(filePath: path))

    let reopened = try Ledger.open(at: location)
    #expect(try reopened.summary(of: root) == expected)
    // Writing the next snapshot never launders damaged figures.
    try reopened.writeSnapshot()
    #expect(Snapshot.verifySections(at: location.path) == nil)
    #expect(try Ledger.open(at: location).summary(of: root) == expected)
    #expect(
      try Ledger.open(at: location).summary(of: root)
        == (try Self.replay(location).summary(of: root)))
  }

  @Test func aForgedErasureInTheSnapshotDoesNotPassVerify() throws {
    let directory = try TemporaryDirectory()
    let (ledger, location) = try Self.ledger(in: directory)
    let log = try FileLog(directory: location)
    // Mark the personal text of trust-a's story.told record erased, by hand (CRC fixed).
    var offsets: [UInt64] = []
    try RecordAccess.walk(
      from: UInt64(RecordFormat.fileHeaderSize), to: try log.head().offset,
      read: log.readFunction(), into: &offsets)
    var forged = false
    let writer = try SystemFile(path: log.logPath, flags: O_RDWR)
    for offset in offsets {
      guard let record = try RecordAccess.recordBytes(at: offset, read: log.readFunction()),
        let event = try RecordAccess.event(
          in: record, sequence: UInt64(offsets.firstIndex(of: offset)! + 1)),
        case .storyTold(let told) = event.payload, told.key == "trust-a",
        let erased = RecordAccess.erasingPersonalText(of: record)
      else { continue }
      try writer.write(erased, at: offset)
      forged = true
    }
    #expect(forged)
    #expect(try Ledger.open(at: location).verify().isIntact == false)
    // And a snapshot that says the story was withdrawn with erasure.
    var state = ledger.state
    let story = try #require(state.storyIndex(forKey: "trust-a"))
    state.withdrawals[story] = LedgerState.Withdrawal(sequence: 2, isErased: true)
    try Snapshot.write(state, at: ledger.head, to: location.path)
    #expect(try Ledger.open(at: location).verify().isIntact == false)
  }

  @Test func aWriterRefusesAHeadThatDoesNotMatchTheLog() throws {
    let directory = try TemporaryDirectory()
    let (_, location) = try Self.ledger(in: directory)
    let log = try FileLog(directory: location)
    let head = try log.head()
    let raised = LogPosition(sequence: head.sequence + 5, hash: head.hash, offset: head.offset)
    try log.writeHead(raised)
    #expect(throws: LedgerError.self) {
      let ledger = try Ledger.open(at: location)
      try ledger.addNode(try NodePath(parsing: "nhs/east"))
    }
    // Nothing was appended after the head the log does not hold.
    #expect(try log.reader.size() == head.offset)
    let plan = try log.recoveryPlan()
    #expect(plan.keep == head)
  }

  @Test func snapshotRecordsHoldNoPaddingAndSnapshotsAreDeterministic() throws {
    func fields<T>(_ value: T) -> Int {
      Mirror(reflecting: value).children.reduce(0) { sum, child in
        sum + size(of: child.value)
      }
    }
    func size<T>(of value: T) -> Int { MemoryLayout<T>.size }
    func isTight<T>(_ value: T) -> Bool {
      MemoryLayout<T>.size == MemoryLayout<T>.stride && fields(value) == MemoryLayout<T>.size
    }
    let directory = try TemporaryDirectory()
    let (ledger, location) = try Self.ledger(in: directory)
    let state = ledger.state
    #expect(isTight(state.stories[0]))
    #expect(isTight(state.items[0]))
    #expect(isTight(state.revisions[0]))
    #expect(isTight(state.tellings[0]))
    #expect(isTight(state.nodeTotals[0]))
    // Two replays of one log write the same snapshot, byte for byte.
    let first = try Data(contentsOf: URL(filePath: Snapshot.path(in: location.path)))
    let again = try Ledger(store: try FileLog(directory: location))
    try again.rebuild()
    try again.writeSnapshot()
    let second = try Data(contentsOf: URL(filePath: Snapshot.path(in: location.path)))
    #expect(first == second)
  }
}

@Suite("XXH64")
struct XXH64Tests {
  @Test func publishedVectors() {
    #expect(XXH64.hash([]) == 0xEF46_DB37_51D8_E999)
    #expect(XXH64.hash(Array("a".utf8)) == 0xD24E_C4F1_A98C_6E5B)
    #expect(XXH64.hash(Array("abc".utf8)) == 0x44BC_2CF5_AD77_0999)
    // Longer than one 32-byte stripe, with every tail length.
    let long = Array("Nobody inspects the spammish repetition".utf8)
    #expect(XXH64.hash(long) == 0xFBCE_A83C_8A37_8BF1)
  }
}
