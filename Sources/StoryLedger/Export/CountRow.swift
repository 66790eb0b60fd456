/// The layout of a series row made of a period, texts (node, level, …) and whole counts, in
/// CSV or JSON Lines: the pledge, session and voices series share it.
enum CountRow {
  /// Appends the row: `period_start`, `period_end`, the `texts` (CSV fields guarded against
  /// formula injection) and the `counts`, named in JSON by `columns` in that order.
  static func append(
    start: Day, end: Day, texts: [String], counts: [Int], columns: [String],
    as format: ExportFormat, to bytes: inout [UInt8]
  ) {
    switch format {
    case .csv:
      bytes.append(contentsOf: Array("\(start),\(end)".utf8))
      for text in texts {
        bytes.append(UInt8(ascii: ","))
        TextEncoding.appendCSVField(text, to: &bytes)
      }
      for count in counts {
        bytes.append(UInt8(ascii: ","))
        TextEncoding.appendInteger(count, to: &bytes)
      }
      bytes.append(0x0A)
    case .jsonl:
      var object = JSONObjectWriter(bytes: bytes)
      object.string(columns[0], start.description)
      object.string(columns[1], end.description)
      for (name, text) in zip(columns.dropFirst(2), texts) { object.string(name, text) }
      for (name, count) in zip(columns.dropFirst(2 + texts.count), counts) {
        object.number(name, count)
      }
      bytes = object.finish()
      bytes.append(0x0A)
    }
  }
}
