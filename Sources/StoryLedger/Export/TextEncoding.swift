/// Writing CSV fields and JSON values by hand: exports are hot paths, and the same rules
/// (quoting, formula-injection guard, JSON escapes) apply everywhere.
public enum TextEncoding {
  /// Appends `text` as one CSV field (RFC 4180 quoting), guarded against spreadsheet formula
  /// injection: a field that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is
  /// prefixed with `'` so that a spreadsheet shows it as text.
  ///
  /// ```swift
  /// var bytes: [UInt8] = []
  /// TextEncoding.appendCSVField("=HYPERLINK(\"x\")", to: &bytes)
  /// String(decoding: bytes, as: UTF8.self)  // "\"'=HYPERLINK(\"\"x\"\")\""
  /// ```
  public static func appendCSVField(_ text: String, to bytes: inout [UInt8]) {
    let utf8 = text.utf8
    let isFormula: Bool
    switch utf8.first {
    case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D:
      isFormula = true
    default: isFormula = false
    }
    let needsQuotes = utf8.contains {
      $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D
    }
    if needsQuotes { bytes.append(UInt8(ascii: "\"")) }
    if isFormula { bytes.append(UInt8(ascii: "'")) }
    for byte in utf8 {
      if byte == UInt8(ascii: "\"") { bytes.append(byte) }
      bytes.append(byte)
    }
    if needsQuotes { bytes.append(UInt8(ascii: "\"")) }
  }

  /// Appends `text` as a JSON string literal, with quotes and escapes.
  public static func appendJSONString(_ text: String, to bytes: inout [UInt8]) {
    let hex = Array("0123456789abcdef".utf8)
    bytes.append(UInt8(ascii: "\""))
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "\""): bytes.append(contentsOf: [92, 34])
      case UInt8(ascii: "\\"): bytes.append(contentsOf: [92, 92])
      case 0x0A: bytes.append(contentsOf: [92, UInt8(ascii: "n")])
      case 0x0D: bytes.append(contentsOf: [92, UInt8(ascii: "r")])
      case 0x09: bytes.append(contentsOf: [92, UInt8(ascii: "t")])
      case 0..<0x20:
        bytes.append(contentsOf: [
          92, UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)],
        ])
      default: bytes.append(byte)
      }
    }
    bytes.append(UInt8(ascii: "\""))
  }

  /// Appends the first columns of a series row by dimension as CSV,
  /// `period_start,period_end,node,level,dimension`, then a comma and each of `counts`
  /// (no line feed).
  static func appendCSVDimensionRow(
    _ start: Day, _ end: Day, node: NodePath, level: String, dimension: Dimension,
    counts: [Int], to bytes: inout [UInt8]
  ) {
    bytes.append(contentsOf: start.description.utf8)
    bytes.append(UInt8(ascii: ","))
    bytes.append(contentsOf: end.description.utf8)
    bytes.append(UInt8(ascii: ","))
    appendCSVField(node.description, to: &bytes)
    bytes.append(UInt8(ascii: ","))
    appendCSVField(level, to: &bytes)
    bytes.append(UInt8(ascii: ","))
    bytes.append(contentsOf: dimension.rawValue.utf8)
    for count in counts {
      bytes.append(UInt8(ascii: ","))
      appendInteger(count, to: &bytes)
    }
  }

  /// Appends the decimal digits of `value`.
  public static func appendInteger<T: BinaryInteger>(_ value: T, to bytes: inout [UInt8]) {
    bytes.append(contentsOf: String(value).utf8)
  }
}

/// The formats a time series is written in.
public enum ExportFormat: String, CaseIterable, Sendable {
  /// Comma-separated values with a header row.
  case csv
  /// One JSON object per line.
  case jsonl
}

extension TimeSeriesRow {
  /// Appends the row in `format`, ending with a line feed.
  ///
  /// CSV writes text fields guarded against formula injection; JSON Lines writes the same
  /// keys as the CSV columns, counts as numbers and money as strings with two decimals.
  public func append(as format: ExportFormat, to bytes: inout [UInt8]) {
    let counts = [stories, itemsRecorded, madeVisible, visibleItems, invisibleItems]
    switch format {
    case .csv:
      TextEncoding.appendCSVDimensionRow(
        periodStart, periodEnd, node: node, level: level, dimension: dimension, counts: counts,
        to: &bytes)
      bytes.append(UInt8(ascii: ","))
      bytes.append(contentsOf: monetisedVisible.description.utf8)
      bytes.append(UInt8(ascii: ","))
      bytes.append(contentsOf: monetisedInvisible.description.utf8)
      bytes.append(0x0A)
    case .jsonl:
      let columns = TimeSeriesRow.columns
      func key(_ index: Int) {
        if index > 0 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: columns[index].utf8)
        bytes.append(contentsOf: "\":".utf8)
      }
      bytes.append(UInt8(ascii: "{"))
      key(0)
      TextEncoding.appendJSONString(periodStart.description, to: &bytes)
      key(1)
      TextEncoding.appendJSONString(periodEnd.description, to: &bytes)
      key(2)
      TextEncoding.appendJSONString(node.description, to: &bytes)
      key(3)
      TextEncoding.appendJSONString(level, to: &bytes)
      key(4)
      TextEncoding.appendJSONString(dimension.rawValue, to: &bytes)
      for (offset, count) in counts.enumerated() {
        key(5 + offset)
        TextEncoding.appendInteger(count, to: &bytes)
      }
      key(10)
      TextEncoding.appendJSONString(monetisedVisible.description, to: &bytes)
      key(11)
      TextEncoding.appendJSONString(monetisedInvisible.description, to: &bytes)
      bytes.append(contentsOf: "}\n".utf8)
    }
  }
}
