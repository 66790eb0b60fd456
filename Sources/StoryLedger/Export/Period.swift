/// A calendar period for time series: a day, an ISO week (Monday first), a month, a
/// quarter or a year.
///
/// ```swift
/// let day = try Day(parsing: "2026-05-14")
/// Period.quarter.start(of: day).description  // "2026-04-01"
/// Period.week.end(of: day).description       // "2026-05-17"
/// ```
public enum Period: String, CaseIterable, Sendable, Hashable, Codable {
  /// One calendar day.
  case day
  /// An ISO week, Monday to Sunday.
  case week
  /// A calendar month.
  case month
  /// A calendar quarter: January, April, July or October to the end of the third month.
  case quarter
  /// A calendar year.
  case year

  /// Parses a period name, throwing an error that lists the valid names.
  public init(parsing text: String) throws(ValueError) {
    self = try ValueError.word(text, field: "period", reason: "is not a period")
  }

  /// The first day of the period holding `day`.
  public func start(of day: Day) -> Day {
    switch self {
    case .day: return day
    case .week: return day.adding(days: 1 - day.isoWeekday)
    case .month:
      let (year, month, _) = day.components
      return Day(daysSinceEpoch: Int32(Day.daysFromCivil(year: year, month: month, day: 1)))
    case .quarter:
      let (year, month, _) = day.components
      let first = (month - 1) / 3 * 3 + 1
      return Day(daysSinceEpoch: Int32(Day.daysFromCivil(year: year, month: first, day: 1)))
    case .year:
      return Day(daysSinceEpoch: Int32(Day.daysFromCivil(year: day.year, month: 1, day: 1)))
    }
  }

  /// The first day of the period after the one starting on `start`.
  public func next(after start: Day) -> Day {
    switch self {
    case .day: return start.adding(days: 1)
    case .week: return start.adding(days: 7)
    case .month, .quarter, .year:
      let (year, month, _) = start.components
      let step = self == .month ? 1 : self == .quarter ? 3 : 12
      let total = year * 12 + (month - 1) + step
      return Day(
        daysSinceEpoch: Int32(Day.daysFromCivil(year: total / 12, month: total % 12 + 1, day: 1)))
    }
  }

  /// The last day of the period holding `day`.
  public func end(of day: Day) -> Day { next(after: start(of: day)).adding(days: -1) }
}
