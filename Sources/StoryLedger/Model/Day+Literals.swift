/// Dates written in code: from components, or from a `YYYY-MM-DD` string literal.
///
/// Text from outside the program goes through the throwing ``Day/init(parsing:field:)``.
///
/// ```swift
/// let told: Day = "2026-04-10"
/// let due = try Day(2026, 6, 30)
/// ```
extension Day: ExpressibleByStringLiteral {
  /// Creates a day from a `YYYY-MM-DD` string literal written in the program.
  ///
  /// A literal is part of the program, not input: an invalid one (`"2026-02-30"`) is a
  /// programming error and stops the program with the reason. Parse text from elsewhere
  /// with ``init(parsing:field:)``.
  public init(stringLiteral value: StaticString) {
    self = parsedLiteral(value, "date") { try Day(parsing: $0) }
  }

  /// Creates the day `year`-`month`-`day` of the proleptic Gregorian calendar.
  ///
  /// - Throws: ``ValueError`` when there is no such day (a month past 12, 30 February…).
  public init(_ year: Int, _ month: Int, _ day: Int) throws(ValueError) {
    guard let value = Day(year: year, month: month, day: day) else {
      throw ValueError(
        field: "date", value: "\(year)-\(month)-\(day)", reason: "is not a day of the calendar")
    }
    self = value
  }
}

/// Periods written in code as string literals (`"2026-Q1"`, `"2026-03"`,
/// `"2026-01-01..2026-03-31"`).
///
/// ```swift
/// let q1: DateRange = "2026-Q1"
/// ```
extension DateRange: ExpressibleByStringLiteral {
  /// Creates a period from a string literal written in the program; an invalid literal is a
  /// programming error and stops the program. Parse text from elsewhere with
  /// ``init(parsing:field:)``.
  public init(stringLiteral value: StaticString) {
    self = parsedLiteral(value, "period") { try DateRange(parsing: $0) }
  }
}
