import Foundation

/// A lenient reader of delimited text (comma, semicolon or tab) as other tools write it, in
/// the manner of d3's `dsv.parseRows`, which NarraFirma reads its own files with.
///
/// Differences from ``CSVReader`` (which is strict RFC 4180, comma only, for StoryLedger's own
/// import file):
/// - any one-byte delimiter;
/// - a quote inside an unquoted field is literal (`He said "hi"` stays as written);
/// - a field that starts with a quote but has text after its closing quote is read literally
///   from its first byte to the next delimiter or line end (NarraFirma writes a field that
///   holds quotes but neither the delimiter nor a line break unquoted: `"Hi" she said`);
/// - each field records whether it started with three quotes, for NarraFirma's
///   double-escaping repair.
///
/// Line ends are CRLF, LF or CR. A UTF-8 byte-order mark is skipped. Rows are numbered as a
/// spreadsheet numbers them: the first row is 1 and every line end outside quotes starts the
/// next row, so an empty line still takes a number; rows with only empty fields are left out.
struct DelimitedText {
  /// One row of fields.
  struct Row {
    /// The row number (the first row is 1).
    var number: Int
    /// The line the row starts on (line ends inside quotes count).
    var line: Int
    /// The fields, unescaped.
    var fields: [String]
    /// Whether each field started with `"""` in the file.
    var startedWithThreeQuotes: [Bool]

    /// The field at `index`, or `""` past the end.
    subscript(index: Int) -> String { index < fields.count ? fields[index] : "" }
  }

  /// The rows with at least one non-empty field.
  var rows: [Row]

  /// Reads `bytes` split at `delimiter`.
  ///
  /// - Throws: ``ImportError`` naming the row for text that is not UTF-8, a NUL byte, or a
  ///   quote never closed.
  init(bytes: [UInt8], delimiter: UInt8, fileName: String) throws(ImportError) {
    let start = DelimitedText.contentStart(bytes)
    if let offset = UTF8Validation.firstInvalidOffset(in: Array(bytes[start...])) {
      let row = DelimitedText.rowNumber(in: bytes, before: start + offset)
      throw ImportError(
        file: fileName, row: row,
        reason:
          "is not valid UTF-8 (byte \(start + offset + 1) of the file); export the file again, or save it as UTF-8"
      )
    }
    if let nul = bytes[start...].firstIndex(of: 0) {
      throw ImportError(
        file: fileName, row: DelimitedText.rowNumber(in: bytes, before: nul),
        reason: "has a NUL byte (byte \(nul + 1) of the file): it is not a text file")
    }
    let quote = UInt8(ascii: "\"")
    let lineFeed = UInt8(ascii: "\n")
    let carriageReturn = UInt8(ascii: "\r")
    var rows: [Row] = []
    var cursor = start
    var rowNumber = 1
    var lineNumber = 1
    let end = bytes.count

    func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
    func isFieldEnd(_ index: Int) -> Bool {
      index == end || bytes[index] == delimiter || bytes[index] == lineFeed
        || bytes[index] == carriageReturn
    }
    /// The index of the next delimiter or line end from `index`.
    func nextFieldEnd(_ index: Int) -> Int {
      var index = index
      while !isFieldEnd(index) { index += 1 }
      return index
    }

    while cursor < end {
      var fields: [String] = []
      var threeQuotes: [Bool] = []
      let rowStartLine = lineNumber
      var rowEnded = false
      while !rowEnded {
        let fieldStart = cursor
        if cursor < end, bytes[cursor] == quote {
          // A quoted field: "" is a quote; the field closes at a quote not followed by one.
          var content: [UInt8] = []
          var index = cursor + 1
          var closed = false
          var lineFeedsInside = 0
          while index < end {
            let byte = bytes[index]
            if byte == quote {
              if index + 1 < end, bytes[index + 1] == quote {
                content.append(quote)
                index += 2
                continue
              }
              closed = true
              index += 1
              break
            }
            if byte == lineFeed || (byte == carriageReturn && bytes[safe: index + 1] != lineFeed) {
              lineFeedsInside += 1
            }
            content.append(byte)
            index += 1
          }
          guard closed else {
            throw ImportError(
              file: fileName, row: rowNumber, line: rowStartLine,
              reason:
                "has a quote that is never closed (the field runs to the end of the file); close it with \""
            )
          }
          if isFieldEnd(index) {
            fields.append(String(decoding: content, as: UTF8.self))
            lineNumber += lineFeedsInside
            cursor = index
          } else {
            // Text after the closing quote: the field was not quoted, read it as written.
            cursor = nextFieldEnd(fieldStart)
            fields.append(text(fieldStart..<cursor))
          }
          threeQuotes.append(
            fieldStart + 2 < end && bytes[fieldStart + 1] == quote && bytes[fieldStart + 2] == quote
          )
        } else {
          cursor = nextFieldEnd(cursor)
          fields.append(text(fieldStart..<cursor))
          threeQuotes.append(false)
        }
        // At a delimiter, a line end or the end.
        if cursor == end {
          rowEnded = true
        } else if bytes[cursor] == delimiter {
          cursor += 1
        } else {
          if bytes[cursor] == carriageReturn, cursor + 1 < end, bytes[cursor + 1] == lineFeed {
            cursor += 1
          }
          cursor += 1
          rowEnded = true
        }
      }
      if fields.contains(where: { !$0.isEmpty }) {
        rows.append(
          Row(
            number: rowNumber, line: rowStartLine, fields: fields,
            startedWithThreeQuotes: threeQuotes))
      }
      rowNumber += 1
      lineNumber += 1
    }
    self.rows = rows
  }

  /// Where the text starts: after a UTF-8 byte-order mark, if there is one.
  static func contentStart(_ bytes: [UInt8]) -> Int {
    bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
  }

  /// The delimiter among comma, semicolon and tab that splits the first line into cells
  /// that start with `expected`, or `nil`.
  static func sniffDelimiter(_ bytes: [UInt8], expecting expected: [[String]]) -> UInt8? {
    let start = contentStart(bytes)
    let lineEnd =
      bytes[start...].firstIndex { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
      ?? bytes.count
    let line = Array(bytes[start..<lineEnd])
    for delimiter in [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t")] {
      guard let text = try? DelimitedText(bytes: line, delimiter: delimiter, fileName: ""),
        let first = text.rows.first
      else { continue }
      let cells = first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
      for prefix in expected where cells.starts(with: prefix) {
        return delimiter
      }
    }
    return nil
  }

  /// The spreadsheet row number of the byte at `offset` (line ends before it, plus one;
  /// quotes are not considered: used for errors in bytes that could not be read).
  static func rowNumber(in bytes: [UInt8], before offset: Int) -> Int {
    var row = 1
    var index = 0
    while index < offset {
      if bytes[index] == UInt8(ascii: "\n") {
        row += 1
      } else if bytes[index] == UInt8(ascii: "\r") {
        row += 1
        if index + 1 < offset, bytes[index + 1] == UInt8(ascii: "\n") { index += 1 }
      }
      index += 1
    }
    return row
  }

  /// A printable name for a delimiter in messages.
  static func name(of delimiter: UInt8) -> String {
    switch delimiter {
    case UInt8(ascii: ","): "comma"
    case UInt8(ascii: ";"): "semicolon"
    case UInt8(ascii: "\t"): "tab"
    default: "\"\(Character(Unicode.Scalar(delimiter)))\""
    }
  }
}

extension Array where Element == UInt8 {
  /// The byte at `index`, or `nil` past the end.
  fileprivate subscript(safe index: Int) -> UInt8? {
    index >= 0 && index < count ? self[index] : nil
  }
}
