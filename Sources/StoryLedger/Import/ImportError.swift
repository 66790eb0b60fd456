import Foundation

/// A CSV import that cannot go ahead: where the problem is and why.
///
/// Every error names the file and, where it applies, the row (the header is row 1, as in
/// a spreadsheet), the line the row starts on, the column, the value as given, the reason
/// and, where the valid values are few, which they are. An import that throws has written
/// nothing.
///
/// ```swift
/// do {
///   _ = try ImportPlanner.plan(csv: bytes, fileName: "items.csv", against: state)
/// } catch {
///   print(error)
///   // items.csv row 12 (line 14), column weight: "6" is not an integer from 1 to 5
/// }
/// ```
public struct ImportError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The name of the file being imported, as given to the planner.
  public var file: String
  /// The row number (the header is row 1), when the problem is in one row.
  public var row: Int?
  /// The line the row starts on (rows with quoted line breaks span several lines).
  public var line: Int?
  /// The name of the column, when the problem is in one field.
  public var column: String?
  /// The value as given, when there is one.
  public var value: String?
  /// Why the import cannot go ahead, as a phrase that follows the value when there is one.
  public var reason: String
  /// The valid values, when they are a short list.
  public var validValues: [String]
  /// The failure to read the file, when the problem is reading rather than its content.
  ///
  /// Its ``LedgerError/code`` says whether the file is missing (``LedgerError/Code/notFound``)
  /// or could not be read (``LedgerError/Code/io``); it is `nil` for bad content.
  public var readFailure: LedgerError?

  /// Creates an error.
  public init(
    file: String, row: Int? = nil, line: Int? = nil, column: String? = nil, value: String? = nil,
    reason: String, validValues: [String] = [], readFailure: LedgerError? = nil
  ) {
    self.file = file
    self.row = row
    self.line = line
    self.column = column
    self.value = value
    self.reason = reason
    self.validValues = validValues
    self.readFailure = readFailure
  }

  /// What `JSONSerialization` found wrong with a file, as it says it ("Unexpected end of
  /// file during JSON parse."), rather than its generic localized description.
  static func jsonProblem(_ error: any Error) -> String {
    let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
    return detail.map { $0.hasSuffix(".") ? String($0.dropLast()) : $0 }
      ?? error.localizedDescription
  }

  /// Creates an error from a ``ValueError`` that a model parser threw for one field.
  ///
  /// The value, reason and valid values are the value error's; the column is `column`.
  public init(file: String, row: Int?, line: Int?, column: String, _ error: ValueError) {
    self.init(
      file: file, row: row, line: line, column: column, value: error.value, reason: error.reason,
      validValues: error.validValues)
  }

  /// The message, for example
  /// `items.csv row 12 (line 14), column weight: "6" is not an integer from 1 to 5`.
  public var description: String {
    var text = file
    if let row {
      text += " row \(row)"
      if let line { text += " (line \(line))" }
    } else if let line {
      text += " line \(line)"
    }
    if let column {
      // A column name comes from the file: cut as values are (a header can be megabytes).
      var name = ImportError.shown(column)
      // Spaces at either end of a column name would not show: quote it.
      if column.first?.isWhitespace == true || column.last?.isWhitespace == true {
        name = "\"\(name)\""
      }
      text += row == nil && line == nil ? " column \(name)" : ", column \(name)"
    }
    text += ": "
    if let value { text += "\"\(ImportError.shown(value))\" " }
    text += reason
    if !validValues.isEmpty { text += "; valid values: \(validValues.joined(separator: ", "))" }
    return text
  }

  /// The value as a message shows it: at most 80 characters, on one line.
  static func shown(_ value: String) -> String {
    var text = ""
    for character in value.prefix(80) {
      switch character {
      case "\n": text += "\\n"
      case "\r\n": text += "\\r\\n"
      case "\r": text += "\\r"
      case "\t": text += "\\t"
      default: text.append(character)
      }
    }
    return value.count > 80 ? text + "..." : text
  }
}
