import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger

/// Mutates byte strings the way damaged or hostile input does: flipped bits, bytes that
/// matter to the parsers, deletions, duplicated runs, truncation.
private struct Mutator {
  var generator: SeededGenerator
  static let interesting: [UInt8] = [
    0x22, 0x2C, 0x0A, 0x0D, 0x00, 0xFF, 0xC3, 0xE2, 0xF0, 0x80, 0xBF, 0x3D, 0x2D, 0x7F, 0x1B,
  ]

  mutating func mutate(_ input: [UInt8]) -> [UInt8] {
    var bytes = input
    for _ in 0..<Int.random(in: 1...6, using: &generator) {
      guard !bytes.isEmpty else {
        bytes.append(Self.interesting.randomElement(using: &generator) ?? 0)
        continue
      }
      let position = Int.random(in: 0..<bytes.count, using: &generator)
      switch Int.random(in: 0..<6, using: &generator) {
      case 0: bytes[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &generator)
      case 1: bytes[position] = Self.interesting.randomElement(using: &generator) ?? 0
      case 2: bytes.insert(Self.interesting.randomElement(using: &generator) ?? 0, at: position)
      case 3: bytes.remove(at: position)
      case 4:
        let end = min(bytes.count, position + Int.random(in: 1...64, using: &generator))
        bytes.insert(contentsOf: bytes[position..<end], at: position)
      default: bytes.removeLast(Int.random(in: 0...(bytes.count - position), using: &generator))
      }
    }
    return bytes
  }
}

/// Iterations of each fuzz loop: `STORYLEDGER_FUZZ_ITERATIONS` (the soak script raises it),
/// else a number that keeps the normal test run fast.
private func iterations(_ normal: Int) -> Int {
  Int(ProcessInfo.processInfo.environment["STORYLEDGER_FUZZ_ITERATIONS"] ?? "") ?? normal
}

@Suite("Hostile input: fuzzed CSV and logs, long fields, deep paths, control characters")
struct FuzzTests {
  static let seedCSV = Array(
    """
    \u{FEFF}story,node,told_on,item,dimension,visibility,narrative,teller,tags,monetised,weight,quantity,unit
    S1,nhs/north/t1,2026-01-02,i1,calculating,invisible,"Told, ""quoted""
    over two lines",Ana,a;b,12.50,3,4,meals
    S1,nhs/north/t1,2026-02-02,i1,,visible,,,,13.00,,,\r
    S2,nhs/south,2026-03-01,i9,capacitating,visible,Café ☕,Bo,,,,,

    """.utf8)

  /// Reads every record of `bytes`, as the importer does; returns the number of records or
  /// the error, and fails the test if the reader makes no progress.
  static func readAll(_ bytes: [UInt8]) -> Result<Int, ImportError> {
    let reader = CSVReader(bytes: bytes, fileName: "fuzz.csv")
    do throws(ImportError) {
      _ = try reader.readHeader()
      var count = 0
      while try reader.nextRecord() {
        count += 1
        for index in 0..<reader.fieldCount { _ = reader.string(at: index) }
        // Each record takes at least one byte: more records than bytes is a loop.
        if count > bytes.count + 1 { return .success(-1) }
      }
      return .success(count)
    } catch {
      return .failure(error)
    }
  }

  /// Mutated CSV never crashes or hangs the reader or the import planner: every input is
  /// read to its end or refused with an error that names a row.
  @Test(.timeLimit(.minutes(5))) func fuzzedCSVIsReadOrRefusedWithARow() throws {
    let ledger = try Ledger.create(
      in: InMemoryLog(), configuration: try LedgerConfiguration(levels: ["a", "b", "c", "d"]))
    let state = ledger.state
    #expect(
      try ImportPlanner.plan(csv: Self.seedCSV, fileName: "seed.csv", against: state).events.count
        > 0)
    var mutator = Mutator(generator: SeededGenerator(seed: 61))
    var problems: [String] = []
    var refused = 0
    let count = iterations(1500)
    for iteration in 0..<count {
      let input = mutator.mutate(Self.seedCSV)
      switch Self.readAll(input) {
      case .success(let records):
        if records < 0 { problems.append("iteration \(iteration): the reader loops") }
      case .failure(let error):
        refused += 1
        if !error.description.contains("row") && !error.description.contains("header")
          && !error.description.contains("empty")
        {
          problems.append("iteration \(iteration): \(error)")
        }
      }
      // The planner validates every field; it must answer too.
      if iteration % 3 == 0 {
        _ = try? ImportPlanner.plan(csv: input, fileName: "fuzz.csv", against: state)
      }
      if problems.count > 3 { break }
    }
    #expect(problems.isEmpty, "\(problems)")
    #expect(refused > 0 && refused < count, "the mutations reach both outcomes")
  }

  /// A log with mutated bytes (flips, insertions, deletions, duplicated runs, truncation)
  /// never crashes the readers: opening, reading, reading by sequence, verifying and
  /// planning recovery each return or throw a ``LedgerError``; and a mutated log that
  /// differs from the original is never read back as the original events.
  @Test(.timeLimit(.minutes(5))) func fuzzedLogsAreReadOrRefused() throws {
    let scratch = try TemporaryDirectory(prefix: "storyledger-fuzz")
    let root = scratch.url
    let directory = root.appending(path: "ledger")
    let ledger = try Ledger.create(
      at: directory, configuration: try LedgerConfiguration(levels: ["a", "b", "c", "d"]))
    _ = try ledger.importCSV(
      contentsOf: try {
        let url = root.appending(path: "seed.csv")
        try Data(Self.seedCSV).write(to: url)
        return url
      }())
    let logURL = directory.appending(path: "events.log")
    let original = Array(try Data(contentsOf: logURL))
    var originalEvents: [RecordedEvent] = []
    try ledger.forEachEvent { originalEvents.append($0) }
    var mutator = Mutator(generator: SeededGenerator(seed: 62))
    var problems: [String] = []
    var detected = 0
    let count = iterations(600)
    for iteration in 0..<count {
      let mutated = mutator.mutate(original)
      try Data(mutated).write(to: logURL)
      try? FileManager.default.removeItem(at: directory.appending(path: "events.index"))
      guard let log = try? FileLog(directory: directory) else {
        detected += 1
        continue
      }
      var events: [RecordedEvent] = []
      let read = Result {
        try log.read(after: .start(), upTo: try log.head()) { events.append($0) }
      }
      _ = try? log.read(sequences: [1, 3, 5]) { _ in }
      let report = try? log.verify(progress: nil)
      _ = try? log.recoveryPlan()
      if case .success = read, mutated != original, report?.isIntact == true,
        events != originalEvents
      {
        // Intact after mutation: only bytes past the head changed, which are never read.
        if mutated.count < Int(try log.head().offset) {
          problems.append("iteration \(iteration): a shorter log verified")
        }
      }
      if report?.isIntact == false || (try? log.head()) == nil { detected += 1 }
      if problems.count > 3 { break }
    }
    #expect(problems.isEmpty, "\(problems)")
    #expect(detected > count / 2, "most mutations are detected: \(detected) of \(count)")
  }

  /// Random bytes framed as records (a plausible length, a matching checksum) never crash
  /// the record parser or the decoder.
  @Test func randomRecordsNeverCrashTheDecoder() {
    var generator = SeededGenerator(seed: 63)
    for _ in 0..<iterations(3000) {
      let size = Int.random(in: 0..<400, using: &generator)
      var bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
      if bytes.count >= 8 {
        // A plausible length word, so that the parser gets past the frame.
        let length = UInt32(bytes.count - 8)
        for index in 0..<4 { bytes[index] = UInt8(truncatingIfNeeded: length >> (8 * index)) }
      }
      if bytes.count >= 8 {
        // A matching checksum, so that the parser and the decoder see the bytes.
        let checksum = CRC32C.checksum(Array(bytes[8...]))
        for index in 0..<4 { bytes[4 + index] = UInt8(truncatingIfNeeded: checksum >> (8 * index)) }
      }
      bytes.withUnsafeBytes { raw in
        if case .record(let record) = RecordFormat.scan(raw, at: 0) {
          _ = try? RecordFormat.decode(record)
        }
      }
    }
  }

  /// Very long fields and lines, deep and long node paths, control characters and invalid
  /// UTF-8: each is imported whole or refused with the row and column, never a crash.
  @Test func extremeFieldsAreImportedOrRefusedClearly() throws {
    let header = "story,node,told_on,item,dimension,visibility,narrative\n"
    let ledger = try Ledger.create(
      in: InMemoryLog(), configuration: try LedgerConfiguration(levels: ["a", "b", "c", "d"]))
    func plan(_ body: [UInt8]) -> Result<ImportPlan, ImportError> {
      Result { () throws(ImportError) in
        try ImportPlanner.plan(
          csv: Array(header.utf8) + body, fileName: "x.csv", against: ledger.state)
      }
    }
    // A 3 MiB narrative on one line is kept whole.
    let long = String(repeating: "value grows ", count: 3 << 18)
    let longRow = Array("S1,n,2026-01-01,i1,calculating,visible,\(long)\n".utf8)
    if case .failure(let error) = plan(longRow) { Issue.record("a long field: \(error)") }
    _ = try ledger.importCSV(contentsOf: try temporaryCSV(Array(header.utf8) + longRow))
    #expect(ledger.state.storyCount == 1)

    for (body, mention) in [
      // A path deeper than the levels, and one of thousands of segments.
      ("S2,a/b/c/d/e,2026-01-01,i1,calculating,visible,x\n", "node"),
      (
        "S2,\(Array(repeating: "a", count: 5000).joined(separator: "/")),2026-01-01,i1,calculating,visible,x\n",
        "node"
      ),
      // A segment of 65 characters.
      ("S2,\(String(repeating: "s", count: 65)),2026-01-01,i1,calculating,visible,x\n", "node"),
      // Control characters in a key and a path.
      ("S\u{7},n,2026-01-01,i1,calculating,visible,x\n", "story"),
      ("S2,n\u{1B}[2J,2026-01-01,i1,calculating,visible,x\n", "node"),
    ] {
      guard case .failure(let error) = plan(Array(body.utf8)) else {
        Issue.record("accepted: \(body.prefix(60))")
        continue
      }
      #expect(error.description.contains("row 2"), "\(error)")
      #expect(error.description.contains(mention), "\(error)")
    }
    // Invalid UTF-8 in a field is refused with its row and column.
    let invalid = Array("S3,n,2026-01-01,i1,calculating,visible,".utf8) + [0xC3, 0x28, 0x0A]
    guard case .failure(let error) = plan(invalid) else {
      Issue.record("invalid UTF-8 accepted")
      return
    }
    #expect(
      error.description.contains("row 2") && error.description.contains("narrative"), "\(error)")
    // A line of 200,000 columns is refused as too many fields, not read forever.
    let wide = Array(("S4," + String(repeating: ",", count: 200_000) + "\n").utf8)
    if case .success = plan(wide) { Issue.record("a 200,000-field row was accepted") }
  }
}

/// Writes `bytes` to a temporary CSV file.
private func temporaryCSV(_ bytes: [UInt8]) throws -> URL {
  let url = FileManager.default.temporaryDirectory.appending(path: "fuzz-\(UUID().uuidString).csv")
  try Data(bytes).write(to: url)
  return url
}
