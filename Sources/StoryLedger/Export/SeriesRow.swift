/// A row of an exported time series: a period and a node at the query's level, written as a
/// CSV line or a JSON Lines object with the same keys.
///
/// Every series of the ledger (``TimeSeriesRow``, ``AnswerSeriesRow``, ``PledgeSeriesRow``,
/// ``RatingSeriesRow``, ``SessionSeriesRow``, ``VoiceSeriesRow``) is one, so a program can
/// write any of them the same way:
///
/// ```swift
/// func csv<Row: SeriesRow>(_ rows: [Row]) -> String {
///   var bytes = Row.csvHeader
///   for row in rows { row.append(as: .csv, to: &bytes) }
///   return String(decoding: bytes, as: UTF8.self)
/// }
/// ```
public protocol SeriesRow: Sendable {
  /// The CSV column names, in order (<doc:TimeSeries>).
  static var columns: [String] { get }
  /// The node of the row (its whole subtree is counted).
  var node: NodePath { get }
  /// Appends the row in `format`, ending with a line feed: CSV with text fields guarded
  /// against formula injection, or a JSON object with the CSV's column names as keys.
  func append(as format: ExportFormat, to bytes: inout [UInt8])
}

extension SeriesRow {
  /// The CSV header line: ``columns`` in order, with a line feed.
  public static var csvHeader: [UInt8] { Array((columns.joined(separator: ",") + "\n").utf8) }
}
