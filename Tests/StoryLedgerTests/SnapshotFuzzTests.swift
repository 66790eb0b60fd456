import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger
@testable import StoryLedgerDemo

/// What the snapshot fuzzer saw.
struct SnapshotFuzzFigures: CustomStringConvertible {
  var mutations = 0
  var ofSnapshot = 0
  var ofHead = 0
  var recomputed = 0
  var exact = 0
  var exactAfterNotice = 0
  var refused = 0
  var appendsAcknowledged = 0
  var appendsRefused = 0
  var wrong = 0
  var lost = 0

  var description: String {
    "snapshot fuzz: \(mutations) mutations (\(ofSnapshot) of state.snapshot, \(ofHead) of events.head, \(recomputed) with checksums recomputed): \(exact) answered with a full replay's figures (\(exactAfterNotice) after a notice), \(refused) refused; appends \(appendsAcknowledged) acknowledged, \(appendsRefused) refused; wrong figures \(wrong), crashes 0, lost \(lost)"
  }
}

/// Issue 14: random mutations of `state.snapshot` and `events.head`, some with their
/// checksums recomputed as the format defines them (the snapshot's seal cannot be, without
/// the ledger's key). Every outcome must be the figures of a full replay or a clear refusal,
/// never a crash (the test process would die), never a wrong figure, never a later loss.
@Suite("Snapshot fuzzer: mutated snapshots and heads")
struct SnapshotFuzzTests {
  /// `STORYLEDGER_FUZZ_ITERATIONS` / 100 under the soak script, else 24.
  static var iterations: Int {
    (Int(ProcessInfo.processInfo.environment["STORYLEDGER_FUZZ_ITERATIONS"] ?? "")
      .map { max(24, $0 / 100) }) ?? 24
  }

  /// Every node's summary: the figures a mutation must never change.
  static func figures(_ state: LedgerState) throws -> [String] {
    try state.nodes.map(\.path).sorted().map { "\($0) \(try state.summary(of: $0))" }
  }

  /// Recomputes the section digests and the header checksum of the snapshot `bytes` (as far
  /// as its header can still be read), leaving the seal as it is.
  static func recomputeChecksums(_ bytes: inout [UInt8]) {
    guard bytes.count >= 104 else { return }
    func load32(_ offset: Int) -> UInt64 {
      (0..<4).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
    }
    func load64(_ offset: Int) -> UInt64 {
      (0..<8).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
    }
    func store(_ value: UInt64, at offset: Int, count: Int) {
      for index in 0..<count {
        bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index))
      }
    }
    let headerSize = Int(load32(12))
    let sectionCount = Int(load32(64))
    guard headerSize <= bytes.count, headerSize == 68 + sectionCount * 32 + 36 else { return }
    for index in 0..<sectionCount {
      let entry = 68 + index * 32
      let stride = max(load32(entry + 4), 1)
      let offset = load64(entry + 8)
      let (size, overflow) = load64(entry + 16).multipliedReportingOverflow(by: stride)
      guard !overflow, offset <= UInt64(bytes.count), size <= UInt64(bytes.count) - offset else {
        continue
      }
      let digest = bytes.withUnsafeBytes { raw in
        Snapshot.digests(of: [
          UnsafeRawBufferPointer(rebasing: raw[Int(offset)..<Int(offset + size)])
        ])[0]
      }
      store(digest, at: entry + 24, count: 8)
    }
    let crcOffset = headerSize - 36
    store(UInt64(CRC32C.checksum(Array(bytes[0..<crcOffset]))), at: crcOffset, count: 4)
  }

  @Test func mutatedSnapshotsAndHeadsNeverGiveAWrongFigureOrLoseAnEvent() throws {
    let directory = try TemporaryDirectory()
    let pristine = directory.url.appending(path: "ledger")
    let ledger = try Ledger.create(at: pristine, configuration: DemoCorpus.configuration)
    let corpus = directory.url.appending(path: "corpus.csv")
    try DemoCorpus(rows: 300, seed: 14).write(to: corpus)
    try ledger.importCSV(contentsOf: corpus)
    try ledger.writeSnapshot()
    let expected = try Self.figures(SnapshotTrustTests.replay(pristine))
    let snapshotBytes = try [UInt8](
      Data(contentsOf: URL(filePath: Snapshot.path(in: pristine.path))))
    let headBytes = try [UInt8](Data(contentsOf: pristine.appending(path: "events.head")))

    var generator = SeededGenerator(seed: 1414)
    var figures = SnapshotFuzzFigures()
    for trial in 0..<Self.iterations {
      let copy = directory.url.appending(path: "trial-\(trial)")
      try FileManager.default.copyItem(at: pristine, to: copy)
      defer { try? FileManager.default.removeItem(at: copy) }
      let recompute = Bool.random(using: &generator)
      figures.mutations += 1
      if recompute { figures.recomputed += 1 }
      if Int.random(in: 0..<10, using: &generator) < 7 {
        figures.ofSnapshot += 1
        var bytes = snapshotBytes
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
          let position =
            Int.random(in: 0..<10, using: &generator) < 2
            ? Int.random(in: 0..<min(400, bytes.count), using: &generator)
            : Int.random(in: 0..<bytes.count, using: &generator)
          if Bool.random(using: &generator) {
            bytes[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &generator)
          } else {
            bytes[position] = UInt8.random(in: 0...255, using: &generator)
          }
        }
        if recompute { Self.recomputeChecksums(&bytes) }
        try Data(bytes).write(to: URL(filePath: Snapshot.path(in: copy.path)))
      } else {
        figures.ofHead += 1
        var bytes = headBytes
        switch Int.random(in: 0..<3, using: &generator) {
        case 0:  // the sequence number moved a little
          bytes[16] = bytes[16] &+ UInt8.random(in: 1...9, using: &generator)
        case 1:  // the offset moved a little
          bytes[8] = bytes[8] &- UInt8.random(in: 1...200, using: &generator)
        default:
          let position = Int.random(in: 8..<56, using: &generator)
          bytes[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &generator)
        }
        if recompute {
          let crc = CRC32C.checksum(Array(bytes[0..<56]))
          for index in 0..<4 { bytes[56 + index] = UInt8(truncatingIfNeeded: crc >> (8 * index)) }
        }
        try Data(bytes).write(to: copy.appending(path: "events.head"))
      }

      // Answer: a full replay's figures, or a clear refusal.
      var opened: Ledger?
      do {
        let reader = try Ledger.open(at: copy)
        let answer = try Self.figures(reader.state)
        if answer == expected {
          figures.exact += 1
          if !reader.takeNotices().isEmpty { figures.exactAfterNotice += 1 }
        } else {
          figures.wrong += 1
          Issue.record("trial \(trial): the figures differ from a full replay's")
        }
        opened = reader
      } catch is LedgerError {
        figures.refused += 1
      }
      // Write: acknowledged, or refused.
      let node = try NodePath(parsing: "nhs/fuzz-\(trial)")
      var acknowledged = false
      do {
        let writer = try opened ?? Ledger.open(at: copy)
        try writer.addNode(node)
        acknowledged = true
        figures.appendsAcknowledged += 1
      } catch is LedgerError {
        figures.appendsRefused += 1
      }
      // Later: after any recovery, the log replays and holds what was acknowledged.
      let log = try FileLog(directory: copy)
      let plan = try log.recoveryPlan()
      if plan.verdict == .recoverable { try log.recover(plan) }
      var replayed = LedgerState()
      do {
        try log.read(after: .start(), upTo: try log.head()) { try replayed.apply($0) }
        if acknowledged && !replayed.hasNode(node) {
          figures.lost += 1
          Issue.record("trial \(trial): an acknowledged append was lost")
        }
      } catch {
        figures.lost += 1
        Issue.record("trial \(trial): the log no longer replays: \(error)")
      }
    }
    #expect(figures.wrong == 0)
    #expect(figures.lost == 0)
    #expect(figures.refused + figures.exact == figures.mutations)
    print(figures)
  }
}
