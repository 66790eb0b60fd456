import Foundation

/// A calendar date in the proleptic Gregorian calendar, without a time or a zone.
///
/// Every dated fact in the ledger (a telling, an item revision) carries the `Day` it is
/// about. A `Day` counts days since 1970-01-01, so comparing and subtracting days is
/// integer arithmetic. Its text form is `YYYY-MM-DD`.
///
/// ```swift
/// let day = try Day(parsing: "2026-03-31")
/// day.year          // 2026
/// day.adding(days: 1).description  // "2026-04-01"
/// ```
public struct Day: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
  /// Days since 1970-01-01 (negative before it).
  public var daysSinceEpoch: Int32

  /// The first representable day, 0001-01-01.
  public static let earliest = Day(daysSinceEpoch: -719_162)
  /// The last representable day, 9999-12-31.
  public static let latest = Day(daysSinceEpoch: 2_932_896)

  /// Creates a day from a count of days since 1970-01-01.
  public init(daysSinceEpoch: Int32) { self.daysSinceEpoch = daysSinceEpoch }

  /// Creates a day from its calendar components, or `nil` when they name no date.
  public init?(year: Int, month: Int, day: Int) {
    guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
      day <= Day.daysInMonth(year: year, month: month)
    else { return nil }
    self.daysSinceEpoch = Int32(Day.daysFromCivil(year: year, month: month, day: day))
  }

  /// Parses `YYYY-MM-DD` strictly (four-digit year, two-digit month and day).
  ///
  /// - Throws: ``ValueError`` when the text is not a real date in that form.
  public init(parsing text: String, field: String = "date") throws(ValueError) {
    var copy = text
    let parsed = copy.withUTF8 { Day(utf8: UnsafeRawBufferPointer($0)) }
    guard let parsed else {
      throw ValueError(field: field, value: text, reason: "is not a date in the form YYYY-MM-DD")
    }
    self = parsed
  }

  /// Parses `YYYY-MM-DD` from UTF-8 bytes, or returns `nil`.
  public init?(utf8 bytes: UnsafeRawBufferPointer) {
    guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else {
      return nil
    }
    func digits(_ range: Range<Int>) -> Int? {
      var value = 0
      for index in range {
        let byte = bytes[index]
        guard byte >= 48, byte <= 57 else { return nil }
        value = value * 10 + Int(byte - 48)
      }
      return value
    }
    guard let year = digits(0..<4), let month = digits(5..<7), let day = digits(8..<10) else {
      return nil
    }
    self.init(year: year, month: month, day: day)
  }

  /// The calendar components of the day.
  public var components: (year: Int, month: Int, day: Int) {
    Day.civilFromDays(Int(daysSinceEpoch))
  }

  /// The year, for example 2026.
  public var year: Int { components.year }
  /// The month, 1 to 12.
  public var month: Int { components.month }
  /// The day of the month, 1 to 31.
  public var dayOfMonth: Int { components.day }

  /// The ISO weekday: 1 for Monday through 7 for Sunday.
  public var isoWeekday: Int {
    // 1970-01-01 was a Thursday (ISO 4).
    let offset = (Int(daysSinceEpoch) + 3) % 7
    return (offset < 0 ? offset + 7 : offset) + 1
  }

  /// The day `days` later (earlier when negative).
  public func adding(days: Int) -> Day { Day(daysSinceEpoch: daysSinceEpoch + Int32(days)) }

  /// The text form `YYYY-MM-DD`.
  public var description: String {
    let (year, month, day) = components
    var bytes = [UInt8](repeating: 48, count: 10)
    var value = year
    for index in stride(from: 3, through: 0, by: -1) {
      bytes[index] = UInt8(48 + value % 10)
      value /= 10
    }
    bytes[4] = UInt8(ascii: "-")
    bytes[5] = UInt8(48 + month / 10)
    bytes[6] = UInt8(48 + month % 10)
    bytes[7] = UInt8(ascii: "-")
    bytes[8] = UInt8(48 + day / 10)
    bytes[9] = UInt8(48 + day % 10)
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Today's date in `timeZone`.
  public static func today(in timeZone: TimeZone = TimeZone(identifier: "UTC") ?? .current) -> Day {
    day(of: Date(), in: timeZone)
  }

  /// The date of `instant` in `timeZone`.
  public static func day(of instant: Date, in timeZone: TimeZone) -> Day {
    let seconds = instant.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: instant))
    return Day(daysSinceEpoch: Int32((seconds / 86_400).rounded(.down)))
  }

  /// Orders days chronologically.
  public static func < (lhs: Day, rhs: Day) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

  /// Encodes the day as its `YYYY-MM-DD` text.
  public func encode(to encoder: any Encoder) throws {
    try encoder.encodeText(description)
  }

  /// Decodes a day from its `YYYY-MM-DD` text.
  public init(from decoder: any Decoder) throws {
    self = try Day(parsing: decoder.decodedText())
  }

  /// Whether `year` is a leap year in the Gregorian calendar.
  public static func isLeapYear(_ year: Int) -> Bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
  }

  /// The number of days in `month` of `year`.
  public static func daysInMonth(year: Int, month: Int) -> Int {
    switch month {
    case 2: isLeapYear(year) ? 29 : 28
    case 4, 6, 9, 11: 30
    default: 31
    }
  }

  // Howard Hinnant's civil calendar algorithms.
  static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
    let adjustedYear = month <= 2 ? year - 1 : year
    let era = (adjustedYear >= 0 ? adjustedYear : adjustedYear - 399) / 400
    let yearOfEra = adjustedYear - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }

  static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
    let shifted = days + 719_468
    let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
    let dayOfEra = shifted - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthPrime = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
    let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
  }
}
