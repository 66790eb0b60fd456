import Foundation
import StoryLedger
import Testing

/// Every series is a ``SeriesRow``: its CSV header is its columns, each CSV line has one
/// field per column, and each JSON line has exactly the columns as keys, in their order
/// (on the shared demo ledger, whose stories answer no question: the series by answer has
/// the rows of stories with no answer).
@Suite("Series rows")
struct SeriesRowTests {
  /// The CSV fields of one line (RFC 4180 quoting).
  private static func fields(_ line: Substring) -> [String] {
    var fields: [String] = []
    var field = ""
    var quoted = false
    var previous: Character?
    for character in line {
      if character == "\"" {
        quoted.toggle()
        if quoted, previous == "\"" { field.append("\"") }
      } else if character == ",", !quoted {
        fields.append(field)
        field = ""
      } else {
        field.append(character)
      }
      previous = character
    }
    fields.append(field)
    return fields
  }

  private func check<Row: SeriesRow>(
    _ name: String, _ series: (Ledger, TimeSeriesQuery, (Row) throws -> Void) throws -> Void
  ) throws {
    let ledger = try DemoLedger.ledger()
    var rows: [Row] = []
    try series(ledger, try TimeSeriesQuery(period: .quarter, level: "region")) { rows.append($0) }
    #expect(!rows.isEmpty, "\(name) has no rows")
    var csv = Row.csvHeader
    for row in rows { row.append(as: .csv, to: &csv) }
    let lines = String(decoding: csv, as: UTF8.self).split(separator: "\n")
    #expect(lines.first.map(String.init) == Row.columns.joined(separator: ","), "\(name)")
    for line in lines.dropFirst() {
      #expect(Self.fields(line).count == Row.columns.count, "\(name): \(line)")
    }
    var jsonl: [UInt8] = []
    for row in rows { row.append(as: .jsonl, to: &jsonl) }
    for line in String(decoding: jsonl, as: UTF8.self).split(separator: "\n") {
      let object = try #require(
        try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      #expect(Set(object.keys) == Set(Row.columns), "\(name): \(line)")
      let order = Row.columns.compactMap { line.range(of: "\"\($0)\":")?.lowerBound }
      #expect(order == order.sorted(), "\(name): keys out of column order in \(line)")
    }
  }

  @Test func everySeriesWritesItsColumns() throws {
    try check("timeseries") { (ledger, query, body: (TimeSeriesRow) throws -> Void) in
      try ledger.timeSeries(query, body)
    }
    try check("timeseries --by") { (ledger, query, body: (AnswerSeriesRow) throws -> Void) in
      try ledger.answerSeries(query, by: "Mood", body)
    }
    try check("pledges") { (ledger, query, body: (PledgeSeriesRow) throws -> Void) in
      try ledger.pledgeSeries(query, body)
    }
    try check("ratings") { (ledger, query, body: (RatingSeriesRow) throws -> Void) in
      try ledger.ratingSeries(query, body)
    }
    try check("sessions") { (ledger, query, body: (SessionSeriesRow) throws -> Void) in
      try ledger.sessionSeries(query, body)
    }
    try check("voices") { (ledger, query, body: (VoiceSeriesRow) throws -> Void) in
      try ledger.voiceSeries(query, body)
    }
  }

  /// The "Time series" article's one writer for every series.
  @Test func oneGenericWriterWritesAnySeries() throws {
    let ledger = try DemoLedger.ledger()
    func write<Row: SeriesRow>(
      _ series: ((Row) throws -> Void) throws -> Void, as format: ExportFormat
    ) rethrows -> [UInt8] {
      var bytes = format == .csv ? Row.csvHeader : []
      try series { $0.append(as: format, to: &bytes) }
      return bytes
    }
    let query = try TimeSeriesQuery(period: .quarter, level: "region")
    let pledges = try write({ try ledger.pledgeSeries(query, $0) }, as: .jsonl)
    var expected: [UInt8] = []
    try ledger.pledgeSeries(query) { $0.append(as: .jsonl, to: &expected) }
    #expect(!pledges.isEmpty)
    #expect(pledges == expected)
    let csv = try write({ try ledger.timeSeries(query, $0) }, as: .csv)
    #expect(
      String(decoding: csv, as: UTF8.self).hasPrefix(
        TimeSeriesRow.columns.joined(separator: ",") + "\n"))
  }
}
