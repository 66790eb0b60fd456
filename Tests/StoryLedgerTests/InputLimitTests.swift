import Foundation
import Testing

@testable import StoryLedger

/// Issue 14, "Low": inputs that are not text, too-long header names, unsafe separators,
/// `.` and `..` segments and totals too large to add are clear errors.
@Suite("Input limits")
struct InputLimitTests {
  static func scratchFile(_ bytes: [UInt8]) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appending(
      path: "storyledger-limits-\(UUID().uuidString).csv")
    try Data(bytes).write(to: url)
    return url
  }

  /// A file of NUL bytes is refused at its first chunk, not after reading it all into one
  /// ever-growing record.
  @Test func nulBytesAreRefusedAtTheFirstChunk() throws {
    let url = try Self.scratchFile([UInt8](repeating: 0, count: 4 << 20))
    defer { try? FileManager.default.removeItem(at: url) }
    let reader = try CSVReader(contentsOf: url, fileName: "zeros.csv", chunkSize: 64 << 10)
    #expect(throws: ImportError.self) { _ = try reader.readHeader().count }
    #expect(reader.bytesRead <= 64 << 10, "read \(reader.bytesRead) bytes before refusing")
    do {
      try reader.readHeader()
    } catch {
      #expect(error.description.contains("NUL"), "\(error)")
      #expect(error.row == 1, "\(error)")
    }
    // In memory too, and after a valid start.
    let csv = Array("story,node\ns1,nhs\n".utf8) + [0] + Array("\n".utf8)
    let memory = CSVReader(bytes: csv, fileName: "mixed.csv")
    var records = 0
    do {
      while try memory.nextRecord() { records += 1 }
      Issue.record("the NUL byte was read")
    } catch {
      // The whole rows before it are read; the error names the row the NUL is in.
      #expect(records == 1 && error.row == 3, "\(records) records, \(error)")
    }
  }

  /// A file saved as UTF-16 (with or without its byte-order mark) is named as such, with
  /// what to do; a file of other binary bytes is not.
  @Test func aUTF16FileIsNamedAsSuch() throws {
    let header = "story,node,told_on,item,dimension,visibility\n"
    let little: [UInt8] =
      [0xFF, 0xFE] + header.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    let big: [UInt8] = header.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    func refusal(_ bytes: [UInt8]) -> ImportError? {
      do throws(ImportError) {
        _ = try CSVReader(bytes: bytes, fileName: "u.csv").readHeader()
        return nil
      } catch { return error }
    }
    for (bytes, nul) in [(little, 4), (big, 1)] {
      let error = refusal(bytes)
      #expect(error?.reason.contains("looks like UTF-16") == true, "\(String(describing: error))")
      #expect(error?.reason.contains("save it as CSV in UTF-8") == true)
      #expect(error?.reason.contains("(byte \(nul) of the file)") == true)
    }
    let binary = refusal(Array("story".utf8) + [0, 0, 0])
    #expect(binary?.reason.contains("UTF-16") == false, "\(String(describing: binary))")
    #expect(binary?.reason.contains("not a text file") == true)
  }

  /// One record may not grow without bound: a file with no line break is refused once the
  /// record passes the limit, with memory bounded by it.
  @Test func anEndlessRecordIsRefusedAtTheLimit() throws {
    let url = try Self.scratchFile([UInt8](repeating: UInt8(ascii: "a"), count: 3 << 20))
    defer { try? FileManager.default.removeItem(at: url) }
    let reader = try CSVReader(contentsOf: url, fileName: "long.csv", chunkSize: 64 << 10)
    reader.maximumRecordSize = 1 << 20
    #expect(throws: ImportError.self) { _ = try reader.readHeader().count }
    #expect(reader.bytesRead <= 2 << 20, "read \(reader.bytesRead) bytes before refusing")
  }

  @Test func anUnknownColumnIsCutInTheMessage() throws {
    let name = String(repeating: "x", count: 200_000)
    let csv = "story,node,told_on,item,dimension,visibility,\(name)\n"
    do {
      _ = try ImportPlanner.plan(csv: Array(csv.utf8), fileName: "wide.csv", against: LedgerState())
      Issue.record("the header was accepted")
    } catch {
      #expect(error.description.count < 1_000, "a message of \(error.description.count) characters")
      #expect(error.description.contains("unknown column"))
    }
  }

  @Test func aTellerWithAControlCharacterIsRefusedOnImport() throws {
    var state = LedgerState()
    try state.apply(.ledgerCreated(LedgerConfiguration()), sequence: 1)
    for teller in ["Asha\u{1F}Patel", "Asha\u{7}"] {
      let csv =
        "story,node,told_on,item,dimension,visibility,teller\ns1,nhs,2026-01-01,i1,calculating,visible,\(teller)\n"
      do {
        _ = try ImportPlanner.plan(csv: Array(csv.utf8), fileName: "t.csv", against: state)
        Issue.record("teller \(teller.debugDescription) was accepted")
      } catch {
        #expect(error.column == "teller", "\(error)")
        #expect(error.description.contains("control character"), "\(error)")
      }
    }
    // Every script is still welcome.
    let csv =
      "story,node,told_on,item,dimension,visibility,teller,tags\ns1,nhs,2026-01-01,i1,calculating,visible,أحمد; 李华,नमस्ते;Ходьба\n"
    _ = try ImportPlanner.plan(csv: Array(csv.utf8), fileName: "t.csv", against: state)
  }

  @Test func dotSegmentsAreRefused() throws {
    for text in ["nhs/.", "nhs/..", "./nhs", "..", "."] {
      #expect(throws: ValueError.self, "\(text)") { try NodePath(parsing: text) }
    }
    // A dot inside a segment is still fine.
    _ = try NodePath(parsing: "nhs/trust.07/...x")
  }

  /// Totals beyond 64 bits of cents are an error, never a wrapped figure.
  @Test func summaryTotalsTooLargeAreAnError() throws {
    var state = LedgerState()
    try state.apply(
      .ledgerCreated(LedgerConfiguration(levels: ["national", "region"], currency: "GBP")),
      sequence: 1)
    // Two regions, each holding 46,200 items of the largest value: each region's total fits
    // in 64 bits, their sum does not.
    var csv = "story,node,told_on,item,dimension,visibility,monetised\n"
    for region in ["a", "b"] {
      for item in 0..<46_200 {
        csv += "s\(region),nhs/\(region),2026-01-01,i\(item),calculating,visible,999999999999.99\n"
      }
    }
    let plan = try ImportPlanner.plan(csv: Array(csv.utf8), fileName: "big.csv", against: state)
    var sequence: UInt64 = 1
    for event in plan.events {
      sequence += 1
      try state.apply(event, sequence: sequence)
    }
    let nhs = try NodePath(parsing: "nhs")
    #expect(throws: LedgerError.self) { try state.summary(of: nhs) }
    #expect(throws: LedgerError.self) {
      try state.summary(of: nhs, asOf: Day(year: 2026, month: 6, day: 1))
    }
    #expect(throws: LedgerError.self) { try state.cascadeUp(of: nhs) }
    // Each region alone still sums.
    _ = try state.summary(of: NodePath(parsing: "nhs/a"))
  }
}
