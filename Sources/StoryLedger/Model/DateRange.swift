/// An inclusive range of days named the way people name periods: a year (`2026`), a quarter
/// (`2026-Q1`), a month (`2026-03`), an ISO week (`2026-W05`), a day (`2026-03-14`), or two
/// days joined by `..` (`2026-01-15..2026-02-14`).
///
/// ```swift
/// let quarter = try DateRange(parsing: "2026-Q2")
/// quarter.start.description  // "2026-04-01"
/// quarter.end.description    // "2026-06-30"
/// ```
public struct DateRange: Hashable, Sendable, Codable, CustomStringConvertible {
  /// The first day.
  public var start: Day
  /// The last day (inclusive).
  public var end: Day

  /// The forms ``init(parsing:field:)`` accepts, with an example each.
  public static let acceptedForms = [
    "2026 (a year)", "2026-Q1 (a quarter)", "2026-03 (a month)", "2026-W05 (an ISO week)",
    "2026-03-14 (a day)", "2026-01-15..2026-02-14 (a range of days)",
  ]

  /// Creates a range; `start` must not be after `end`.
  public init(start: Day, end: Day) {
    self.start = min(start, end)
    self.end = max(start, end)
  }

  /// Parses a period name; the error lists the accepted forms.
  public init(parsing text: String, field: String = "period") throws(ValueError) {
    func failure(_ reason: String = "is not a period") -> ValueError {
      ValueError(field: field, value: text, reason: reason, validValues: DateRange.acceptedForms)
    }
    if let separator = text.range(of: "..") {
      let first: Day
      let last: Day
      do {
        first = try Day(parsing: String(text[..<separator.lowerBound]), field: field)
        last = try Day(parsing: String(text[separator.upperBound...]), field: field)
      } catch { throw failure() }
      guard first <= last else { throw failure("ends before it starts") }
      self.init(start: first, end: last)
      return
    }
    let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
    guard let yearText = parts.first, yearText.count == 4, yearText.allSatisfy(\.isASCII),
      let year = Int(yearText), year >= 1
    else { throw failure() }
    func day(_ month: Int, _ dayOfMonth: Int) -> Day? {
      Day(year: year, month: month, day: dayOfMonth)
    }
    switch parts.count {
    case 1:
      guard let first = day(1, 1), let last = day(12, 31) else { throw failure() }
      self.init(start: first, end: last)
    case 2:
      let second = parts[1]
      if second.hasPrefix("Q"), let quarter = Int(second.dropFirst()), (1...4).contains(quarter),
        second.count == 2
      {
        let month = (quarter - 1) * 3 + 1
        guard let first = day(month, 1) else { throw failure() }
        self.init(start: first, end: Period.quarter.end(of: first))
      } else if second.hasPrefix("W"), second.count == 3, let week = Int(second.dropFirst()),
        week >= 1
      {
        // ISO week 1 holds the year's first Thursday.
        guard let january4 = day(1, 4) else { throw failure() }
        let first = Period.week.start(of: january4).adding(days: (week - 1) * 7)
        let thursday = first.adding(days: 3)
        guard thursday.year == year else { throw failure("has no such ISO week") }
        self.init(start: first, end: first.adding(days: 6))
      } else if second.count == 2, second.allSatisfy(\.isASCII), let month = Int(second),
        (1...12).contains(month), let first = day(month, 1)
      {
        self.init(start: first, end: Period.month.end(of: first))
      } else {
        throw failure()
      }
    case 3:
      let single: Day
      do { single = try Day(parsing: text, field: field) } catch { throw failure() }
      self.init(start: single, end: single)
    default:
      throw failure()
    }
  }

  /// Whether `day` is in the range.
  public func contains(_ day: Day) -> Bool { start <= day && day <= end }

  /// The shortest name that parses back to the range: `2026`, `2026-Q2`, `2026-04`, a day,
  /// or `2026-04-03..2026-05-17`.
  public var description: String {
    if start == end { return start.description }
    let (year, month, day) = start.components
    if day == 1, Period.year.start(of: start) == start, Period.year.end(of: start) == end {
      return String(year)
    }
    if day == 1, Period.quarter.start(of: start) == start, Period.quarter.end(of: start) == end {
      return "\(year)-Q\((month - 1) / 3 + 1)"
    }
    if day == 1, Period.month.end(of: start) == end {
      return String(start.description.prefix(7))
    }
    return "\(start)..\(end)"
  }
}
