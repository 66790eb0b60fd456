import Foundation

/// An instant the ledger recorded something, held as a `Date` and written as the ledger's
/// ISO 8601 text in UTC with milliseconds (`2026-04-10T09:30:00.000Z`).
///
/// Views use it as a property wrapper, so that Swift code reads a `Date` while the JSON the
/// views encode to keeps the ledger's timestamp text:
///
/// ```swift
/// let entry: InboxEntry = …
/// entry.recordedAt.timeIntervalSinceNow  // a Date
/// ```
@propertyWrapper
public struct Timestamp: Hashable, Sendable, Codable {
  /// The instant.
  public var wrappedValue: Date

  /// Wraps an instant.
  public init(wrappedValue: Date) { self.wrappedValue = wrappedValue }

  /// The instant `milliseconds` after 1970-01-01T00:00:00Z.
  init(milliseconds: Int64) {
    wrappedValue = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
  }

  /// The instant in whole milliseconds since 1970-01-01T00:00:00Z.
  var milliseconds: Int64 { Int64((wrappedValue.timeIntervalSince1970 * 1000).rounded()) }

  /// The ledger's text of the instant.
  public var text: String { RecordedEvent.timestamp(milliseconds) }

  /// Decodes the ledger's timestamp text.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    let text = try container.decode(String.self)
    guard let milliseconds = Timestamp.milliseconds(parsing: text) else {
      throw DecodingError.dataCorruptedError(
        in: container, debugDescription: "\(text) is not a timestamp YYYY-MM-DDTHH:MM:SS.mmmZ")
    }
    self.init(milliseconds: milliseconds)
  }

  /// Encodes the instant as the ledger's timestamp text.
  public func encode(to encoder: any Encoder) throws {
    try encoder.encodeText(text)
  }

  /// The milliseconds since 1970 that `YYYY-MM-DDTHH:MM:SS.mmmZ` names, or `nil`.
  static func milliseconds(parsing text: String) -> Int64? {
    let bytes = Array(text.utf8)
    guard bytes.count == 24, bytes[10] == UInt8(ascii: "T"), bytes[23] == UInt8(ascii: "Z"),
      let day = try? Day(parsing: String(decoding: bytes[0..<10], as: UTF8.self))
    else { return nil }
    func number(_ range: Range<Int>) -> Int64? {
      var value: Int64 = 0
      for byte in bytes[range] {
        guard byte >= 0x30, byte <= 0x39 else { return nil }
        value = value * 10 + Int64(byte - 0x30)
      }
      return value
    }
    guard let hours = number(11..<13), let minutes = number(14..<16),
      let seconds = number(17..<19), let millis = number(20..<23)
    else { return nil }
    return Int64(day.daysSinceEpoch) * 86_400_000 + hours * 3_600_000 + minutes * 60_000
      + seconds * 1000 + millis
  }
}

extension Date {
  /// The instant `milliseconds` after 1970-01-01T00:00:00Z, as the ledger records instants.
  init(ledgerMilliseconds milliseconds: Int64) {
    self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
  }
}
