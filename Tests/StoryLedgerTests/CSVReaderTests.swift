import Foundation
import Testing

@testable import StoryLedger

/// One record as the reader saw it.
private struct Record: Equatable, CustomStringConvertible {
  var row: Int
  var line: Int
  var fields: [String]
  var description: String { "row \(row) line \(line) \(fields)" }
}

/// Reads every record (the header first) from `reader`.
private func records(of reader: CSVReader) throws(ImportError) -> [Record] {
  let header = try reader.readHeader()
  var result = [Record(row: reader.row, line: reader.line, fields: header)]
  while try reader.nextRecord() {
    result.append(
      Record(
        row: reader.row, line: reader.line,
        fields: (0..<reader.fieldCount).map { reader.string(at: $0) }))
  }
  return result
}

private func records(_ bytes: [UInt8]) throws(ImportError) -> [Record] {
  try records(of: CSVReader(bytes: bytes, fileName: "test.csv"))
}

private func records(_ text: String) throws(ImportError) -> [Record] {
  try records(Array(text.utf8))
}

/// The error reading `text` throws, or `nil`.
private func readError(_ bytes: [UInt8]) -> ImportError? {
  do {
    _ = try records(bytes)
    return nil
  } catch {
    return error
  }
}

private func readError(_ text: String) -> ImportError? { readError(Array(text.utf8)) }

/// A temporary file holding `bytes`, removed by the caller.
private func temporaryFile(_ bytes: [UInt8]) throws -> URL {
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("csvreader-\(UUID().uuidString).csv")
  try Data(bytes).write(to: url)
  return url
}

@Suite("CSV reader")
struct CSVReaderTests {
  @Test("reads plain records with their row and line numbers")
  func plainRecords() throws {
    let result = try records("a,b,c\n1,2,3\nx,,z\n")
    #expect(
      result == [
        Record(row: 1, line: 1, fields: ["a", "b", "c"]),
        Record(row: 2, line: 2, fields: ["1", "2", "3"]),
        Record(row: 3, line: 3, fields: ["x", "", "z"]),
      ])
  }

  @Test("unescapes quoted fields with doubled quotes, commas and line breaks")
  func quotedFields() throws {
    let text = "a,b\n\"say \"\"hi\"\"\",\"one, two\"\n\"line 1\nline 2\",\"\"\nlast,row\n"
    let result = try records(text)
    #expect(
      result.map(\.fields) == [
        ["a", "b"], ["say \"hi\"", "one, two"], ["line 1\nline 2", ""], ["last", "row"],
      ])
    // The quoted line break makes the third record start on line 4.
    #expect(result.map(\.line) == [1, 2, 3, 5])
    #expect(result.map(\.row) == [1, 2, 3, 4])
  }

  @Test(
    "accepts every line end, with or without a final one",
    arguments: [
      "a,b\r\n1,2\r\n3,4\r\n", "a,b\n1,2\n3,4", "a,b\r1,2\r3,4\r", "a,b\r\n1,2\n3,4\r\n",
    ])
  func lineEnds(text: String) throws {
    let result = try records(text)
    #expect(result.map(\.fields) == [["a", "b"], ["1", "2"], ["3", "4"]])
    #expect(result.map(\.line) == [1, 2, 3])
  }

  @Test("keeps a quoted CRLF as it is")
  func quotedCarriageReturn() throws {
    let result = try records("a\r\n\"x\r\ny\"\r\n")
    #expect(result.map(\.fields) == [["a"], ["x\r\ny"]])
  }

  @Test("ignores a byte-order mark")
  func byteOrderMark() throws {
    let result = try records([0xEF, 0xBB, 0xBF] + Array("story,item\nS1,i1\n".utf8))
    #expect(result.map(\.fields) == [["story", "item"], ["S1", "i1"]])
  }

  @Test("skips empty lines, which still take a row number as in a spreadsheet")
  func emptyLines() throws {
    let result = try records("a,b\n\n1,2\r\n\r\n\n3,4\n\n")
    #expect(result.map(\.fields) == [["a", "b"], ["1", "2"], ["3", "4"]])
    #expect(result.map(\.row) == [1, 3, 6])
    #expect(result.map(\.line) == [1, 3, 6])
  }

  @Test("reads an empty last field after a trailing comma at the end of the input")
  func trailingComma() throws {
    let result = try records("a,b\n1,")
    #expect(result.map(\.fields) == [["a", "b"], ["1", ""]])
  }

  @Test("keeps valid multi-byte UTF-8")
  func unicode() throws {
    let result = try records("name,place\nZoë,\"Tromsø, 北\"\n")
    #expect(result[1].fields == ["Zoë", "Tromsø, 北"])
  }

  @Test("an empty file, or one with only a byte-order mark or empty lines, has no header")
  func emptyFile() {
    for bytes in [[], [0xEF, 0xBB, 0xBF], Array("\n\r\n".utf8)] as [[UInt8]] {
      let error = readError(bytes)
      #expect(error?.row == nil)
      #expect(error?.reason.contains("is empty") == true, "\(bytes)")
    }
  }

  @Test("an unterminated quote is named by row, line and column")
  func unterminatedQuote() throws {
    let error = try #require(readError("a,b\n1,2\n3,\"open\n4,5\n"))
    #expect(error.row == 3)
    #expect(error.line == 3)
    #expect(error.column == "b")
    #expect(error.reason.contains("never closed"))
    #expect(
      error.description.hasPrefix(
        "test.csv row 3 (line 3), column b: has a quote that is never closed"))
  }

  @Test("a quote inside an unquoted field is an error")
  func strayQuote() throws {
    let error = try #require(readError("a,b\n1,ab\"c\"\n"))
    #expect(error.row == 2)
    #expect(error.column == "b")
    #expect(error.value == "ab")
    #expect(error.reason.contains("quote inside an unquoted field"))
  }

  @Test("text after a closing quote is an error")
  func textAfterClosingQuote() throws {
    let error = try #require(readError("a,b\n\"x\"y,2\n"))
    #expect(error.row == 2)
    #expect(error.column == "a")
    #expect(error.reason.contains("after its closing quote"))
  }

  @Test(
    "invalid UTF-8 is named by row and column",
    arguments: [
      [0xFF], [0xC3], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82],
    ] as [[UInt8]])
  func invalidUTF8(bad: [UInt8]) throws {
    let bytes = Array("a,b,c\n1,2,3\nx,\"ok".utf8) + bad + Array("\",z\n".utf8)
    let error = try #require(readError(bytes))
    #expect(error.row == 3)
    #expect(error.column == "b")
    #expect(error.reason.contains("is not valid UTF-8"))
  }

  @Test("invalid UTF-8 in the header names the field")
  func invalidUTF8InHeader() throws {
    let error = try #require(readError([0x61, 0x2C, 0xFE, 0x0A]))
    #expect(error.row == 1)
    #expect(error.column == nil)
    #expect(error.reason.contains("field 2 is not valid UTF-8"))
  }

  @Test("a row with too many fields is an error")
  func tooManyFields() throws {
    let error = try #require(readError("a,b\n1,2\n1,2,3\n"))
    #expect(error.row == 3)
    #expect(error.line == 3)
    #expect(error.reason.contains("has 3 fields but the header names 2 columns"))
  }

  @Test("a row with too few fields names the first missing column")
  func tooFewFields() throws {
    let error = try #require(readError("a,b,c\n\"multi\nline\",2,3\n1\n"))
    #expect(error.row == 3)
    #expect(error.line == 4)
    #expect(error.column == "b")
    #expect(error.reason.contains("has 1 fields but the header names 3 columns; no value for b, c"))
  }

  @Test("gives field bytes without making strings")
  func fieldBytes() throws {
    let reader = CSVReader(bytes: Array("a,b\nxy,\n".utf8), fileName: "t.csv")
    #expect(try reader.nextRecord())
    #expect(reader.withUTF8(at: 0) { Array($0) } == Array("xy".utf8))
    #expect(reader.isEmpty(at: 1))
    #expect(!reader.isEmpty(at: 0))
    #expect(try !reader.nextRecord())
  }

  @Test(
    "reads a file in chunks of any size exactly as in memory", arguments: [1, 2, 3, 5, 8, 13, 64])
  func chunkedFile(chunkSize: Int) throws {
    let text =
      "\u{FEFF}story,narrative,item\r\n"
      + "S1,\"Told \"\"twice\"\",\r\nwith a break\",i1\r\n\r\n"
      + "S2,plain,i2\n"
      + "S3,\"ünïcödé 北京\",i3\r"
      + "S4,,\n"
    let bytes = Array(text.utf8)
    let expected = try records(bytes)
    let url = try temporaryFile(bytes)
    defer { try? FileManager.default.removeItem(at: url) }
    let reader = try CSVReader(contentsOf: url, fileName: nil, chunkSize: chunkSize)
    #expect(try records(of: reader) == expected)
    #expect(reader.fileName == url.lastPathComponent)
    #expect(reader.bytesRead == UInt64(bytes.count))
    #expect(reader.totalBytes == UInt64(bytes.count))
    #expect(expected.count == 5)
  }

  @Test("an unterminated quote is found across chunks")
  func chunkedUnterminatedQuote() throws {
    let url = try temporaryFile(Array("a,b\n1,\"never\nclosed\n".utf8))
    defer { try? FileManager.default.removeItem(at: url) }
    let reader = try CSVReader(contentsOf: url, fileName: "q.csv", chunkSize: 4)
    #expect(throws: ImportError.self) { _ = try records(of: reader) }
  }

  @Test("a missing file is an error with a read failure")
  func missingFile() throws {
    let url = URL(fileURLWithPath: "/nonexistent/\(UUID().uuidString).csv")
    do {
      _ = try CSVReader(contentsOf: url)
      Issue.record("expected an error")
    } catch {
      #expect(error.readFailure?.code == .notFound)
      #expect(error.file == url.lastPathComponent)
    }
  }

  @Test("the UTF-8 validator agrees with the standard library", arguments: 0..<64)
  func validatorAgreement(seed: Int) {
    var generator = SeededGenerator(seed: UInt64(seed))
    for _ in 0..<200 {
      let count = Int.random(in: 0..<8, using: &generator)
      // Mostly bytes at or above 0x80, so that multi-byte sequences, valid and not, are common.
      let bytes = (0..<count).map { _ in
        Bool.random(using: &generator)
          ? UInt8.random(in: 0x80...0xBF, using: &generator)
          : UInt8.random(in: 0x00...0xFF, using: &generator)
      }
      let valid = bytes.withUnsafeBufferPointer { UTF8Validation.firstInvalidOffset(in: $0) == nil }
      let standard = String(validating: bytes, as: UTF8.self) != nil
      #expect(valid == standard, "\(bytes)")
    }
  }
}

/// A small deterministic random generator (SplitMix64) for repeatable tests.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var value = state
    value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
    value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
    return value ^ (value >> 31)
  }
}
