import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger

@Suite("Day")
struct DayTests {
  @Test(
    arguments: [
      ("1970-01-01", 0, 4),
      ("1969-12-31", -1, 3),
      ("2000-01-01", 10_957, 6),
      ("2024-02-29", 19_782, 4),
      ("2026-01-01", 20_454, 4),
      ("2026-06-15", 20_619, 1),
      ("0001-01-01", -719_162, 1),
      ("9999-12-31", 2_932_896, 5),
    ])
  func knownDays(text: String, daysSinceEpoch: Int32, isoWeekday: Int) throws {
    let parsed = try Day(parsing: text)
    #expect(parsed.daysSinceEpoch == daysSinceEpoch)
    #expect(parsed.isoWeekday == isoWeekday)
    #expect(parsed.description == text)
  }

  @Test func earliestAndLatestAreTheRepresentableEnds() {
    #expect(Day.earliest.description == "0001-01-01")
    #expect(Day.latest.description == "9999-12-31")
  }

  /// Walking day by day, the components advance exactly as the calendar does, and each
  /// day's text parses back to it.
  @Test func consecutiveDaysAdvanceTheCalendar() throws {
    var current = try day("1895-12-25")
    var (year, month, dayOfMonth) = (1895, 12, 25)
    var failures: [String] = []
    for _ in 0..<80_000 {
      let components = current.components
      if components != (year, month, dayOfMonth) {
        failures.append("\(current.daysSinceEpoch): \(components) != \((year, month, dayOfMonth))")
      }
      if (try? Day(parsing: current.description)) != current {
        failures.append("\(current.description) does not round-trip")
      }
      current = current.adding(days: 1)
      dayOfMonth += 1
      if dayOfMonth > Day.daysInMonth(year: year, month: month) {
        dayOfMonth = 1
        month += 1
        if month > 12 {
          month = 1
          year += 1
        }
      }
      if failures.count > 5 { break }
    }
    #expect(failures.isEmpty)
  }

  /// Across the whole representable range, text round-trips and weekdays cycle.
  @Test func roundTripAcrossTheWholeRange() {
    var failures: [String] = []
    var previousWeekday = Day.earliest.isoWeekday
    var previous = Day.earliest
    for days in stride(
      from: Day.earliest.daysSinceEpoch, through: Day.latest.daysSinceEpoch, by: 29)
    {
      let value = Day(daysSinceEpoch: days)
      let text = value.description
      if (try? Day(parsing: text)) != value { failures.append(text) }
      let (year, month, dayOfMonth) = value.components
      if Day(year: year, month: month, day: dayOfMonth) != value {
        failures.append("components \(text)")
      }
      let expectedWeekday = (previousWeekday - 1 + Int(days - previous.daysSinceEpoch)) % 7 + 1
      if value.isoWeekday != expectedWeekday { failures.append("weekday \(text)") }
      previousWeekday = value.isoWeekday
      previous = value
      if failures.count > 5 { break }
    }
    #expect(failures.isEmpty)
  }

  /// The calendar agrees with Foundation's Gregorian calendar (after the 1582 reform).
  @Test func agreesWithFoundationsCalendar() throws {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
    let first = try day("1600-03-01").daysSinceEpoch
    for days in stride(from: first, through: Day.latest.daysSinceEpoch, by: 1_009) {
      let value = Day(daysSinceEpoch: days)
      let date = Date(timeIntervalSince1970: Double(days) * 86_400)
      let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: date)
      #expect(
        parts.year == value.year && parts.month == value.month && parts.day == value.dayOfMonth)
      // Foundation numbers Sunday 1 ... Saturday 7.
      #expect(parts.weekday.map { ($0 + 5) % 7 + 1 } == value.isoWeekday, "\(value)")
      #expect(Day.day(of: date.addingTimeInterval(86_399), in: calendar.timeZone) == value)
    }
  }

  @Test(arguments: [
    ("2024-02-29", true), ("2000-02-29", true), ("1600-02-29", true), ("2026-02-29", false),
    ("1900-02-29", false), ("2100-02-29", false), ("2026-02-28", true), ("2026-04-30", true),
    ("2026-04-31", false), ("2026-12-31", true),
  ])
  func leapYearsAndMonthLengths(text: String, isValid: Bool) {
    #expect(((try? Day(parsing: text)) != nil) == isValid)
  }

  @Test(
    arguments: [
      "2026-02-29", "2026-13-01", "26-01-01", "2026-00-10", "2026-01-00", "2026-01-32",
      "2026-1-01", "2026-01-1", " 2026-01-01", "2026-01-01 ", "2026/01/01", "20260101", "",
      "0000-01-01", "+026-01-01", "2026-0a-01", "２０２６-01-01", "2026-01-01T00:00",
    ])
  func invalidDatesAreRejected(text: String) {
    #expect(throws: ValueError.self) { try Day(parsing: text) }
    do {
      _ = try Day(parsing: text, field: "told_on")
    } catch {
      #expect(error.field == "told_on")
      #expect(error.value == text)
      #expect(error.description.contains("YYYY-MM-DD"))
    }
  }

  @Test func orderingAndArithmetic() throws {
    let first = try day("2025-12-31")
    let second = first.adding(days: 1)
    #expect(second.description == "2026-01-01")
    #expect(first < second)
    #expect(second.adding(days: -366).description == "2024-12-31")
    #expect(try day("2024-03-01").adding(days: -1).description == "2024-02-29")
  }

  @Test func codableUsesTheText() throws {
    let value = try day("2026-05-14")
    let data = try JSONEncoder().encode([value])
    #expect(String(decoding: data, as: UTF8.self) == #"["2026-05-14"]"#)
    #expect(try JSONDecoder().decode([Day].self, from: data) == [value])
    #expect(throws: (any Error).self) {
      try JSONDecoder().decode([Day].self, from: Data(#"["2026-02-30"]"#.utf8))
    }
  }
}

@Suite("Period")
struct PeriodTests {
  @Test(
    arguments: [
      (Period.day, "2026-05-14", "2026-05-14", "2026-05-14"),
      (.week, "2026-05-14", "2026-05-11", "2026-05-17"),
      (.week, "2026-05-11", "2026-05-11", "2026-05-17"),
      (.week, "2026-05-17", "2026-05-11", "2026-05-17"),
      (.week, "2026-01-01", "2025-12-29", "2026-01-04"),
      (.week, "2024-12-31", "2024-12-30", "2025-01-05"),
      (.week, "2024-02-29", "2024-02-26", "2024-03-03"),
      (.month, "2026-05-14", "2026-05-01", "2026-05-31"),
      (.month, "2024-02-10", "2024-02-01", "2024-02-29"),
      (.month, "2026-02-28", "2026-02-01", "2026-02-28"),
      (.month, "2025-12-31", "2025-12-01", "2025-12-31"),
      (.quarter, "2026-05-14", "2026-04-01", "2026-06-30"),
      (.quarter, "2026-01-01", "2026-01-01", "2026-03-31"),
      (.quarter, "2026-09-30", "2026-07-01", "2026-09-30"),
      (.quarter, "2025-12-31", "2025-10-01", "2025-12-31"),
      (.year, "2026-05-14", "2026-01-01", "2026-12-31"),
      (.year, "2024-12-31", "2024-01-01", "2024-12-31"),
    ])
  func startAndEnd(period: Period, text: String, start: String, end: String) throws {
    let value = try day(text)
    #expect(period.start(of: value).description == start)
    #expect(period.end(of: value).description == end)
    #expect(period.next(after: period.start(of: value)) == period.end(of: value).adding(days: 1))
  }

  @Test(
    arguments: [
      (Period.day, "2025-12-31", "2026-01-01"),
      (.week, "2025-12-29", "2026-01-05"),
      (.month, "2025-12-01", "2026-01-01"),
      (.month, "2026-01-01", "2026-02-01"),
      (.quarter, "2025-10-01", "2026-01-01"),
      (.year, "2025-01-01", "2026-01-01"),
      (.year, "9998-01-01", "9999-01-01"),
    ])
  func nextCrossesYearBoundaries(period: Period, start: String, next: String) throws {
    #expect(period.next(after: try day(start)).description == next)
  }

  /// For every period kind and many days: the period holds the day, periods tile the
  /// calendar without gaps or overlaps, and each has the right shape.
  @Test(arguments: Period.allCases)
  func periodsTileTheCalendar(period: Period) throws {
    var failures: [String] = []
    let first = try day("2023-11-20")
    for offset in 0..<900 {
      let value = first.adding(days: offset)
      let start = period.start(of: value)
      let end = period.end(of: value)
      if !(start <= value && value <= end) { failures.append("\(value) not in \(start)...\(end)") }
      if period.start(of: start) != start || period.start(of: end) != start {
        failures.append("\(value): start not stable")
      }
      if period.start(of: end.adding(days: 1)) != end.adding(days: 1) {
        failures.append("\(value): the next period does not start after \(end)")
      }
      if period.start(of: start.adding(days: -1)) == start {
        failures.append("\(value): the period does not start at \(start)")
      }
      let length = Int(end.daysSinceEpoch - start.daysSinceEpoch) + 1
      switch period {
      case .day: if length != 1 { failures.append("\(value): day of \(length)") }
      case .week:
        if start.isoWeekday != 1 || end.isoWeekday != 7 || length != 7 {
          failures.append("\(value): week \(start)...\(end)")
        }
      case .month:
        if start.dayOfMonth != 1 || start.month != value.month || end.month != value.month
          || length != Day.daysInMonth(year: value.year, month: value.month)
        {
          failures.append("\(value): month \(start)...\(end)")
        }
      case .quarter:
        if start.dayOfMonth != 1 || ![1, 4, 7, 10].contains(start.month)
          || (value.month - start.month) / 3 != 0 || value.month < start.month
          || end.month != start.month + 2 || start.year != value.year
        {
          failures.append("\(value): quarter \(start)...\(end)")
        }
      case .year:
        if start.description != "\(value.year)-01-01" || end.description != "\(value.year)-12-31" {
          failures.append("\(value): year \(start)...\(end)")
        }
      }
      if failures.count > 5 { break }
    }
    #expect(failures.isEmpty)
  }

  @Test func parsingIgnoresCaseAndListsValidNames() throws {
    #expect(try Period(parsing: "Month") == .month)
    #expect(try Period(parsing: "WEEK") == .week)
    do {
      _ = try Period(parsing: "fortnight")
      Issue.record("fortnight parsed")
    } catch {
      #expect(error.validValues == ["day", "week", "month", "quarter", "year"])
      #expect(error.description.contains("valid values: day, week, month, quarter, year"))
    }
  }
}

@Suite("Money")
struct MoneyTests {
  @Test(
    arguments: [
      ("0", 0, "0.00"),
      ("12", 1_200, "12.00"),
      ("12.5", 1_250, "12.50"),
      ("-3.25", -325, "-3.25"),
      ("+1.00", 100, "1.00"),
      ("0.05", 5, "0.05"),
      ("-0.05", -5, "-0.05"),
      ("-0", 0, "0.00"),
      ("007.10", 710, "7.10"),
      ("1250", 125_000, "1250.00"),
      ("999999999999.99", 99_999_999_999_999, "999999999999.99"),
      ("-999999999999.99", -99_999_999_999_999, "-999999999999.99"),
    ])
  func validAmounts(text: String, cents: Int64, description: String) throws {
    let money = try Money(parsing: text)
    #expect(money.cents == cents)
    #expect(money.description == description)
    #expect(try Money(parsing: money.description) == money)
  }

  @Test(
    arguments: [
      ("1.234", "has 3 decimal places; at most 2 are allowed"),
      ("abc", "is not a decimal number"),
      ("1.", "is not a decimal number"),
      (".", "is not a decimal number"),
      ("", "is not a decimal number"),
      ("1e3", "is not a decimal number"),
      ("-", "is not a decimal number"),
      ("+-1", "is not a decimal number"),
      ("1,5", "is not a decimal number"),
      (" 1", "is not a decimal number"),
      ("1 ", "is not a decimal number"),
      ("1.2.3", "is not a decimal number"),
      ("£5", "is not a decimal number"),
      (".5", "is not a decimal number"),
      ("1000000000000", "is too large"),
      ("12345678901234567890", "is too large"),
    ])
  func invalidAmounts(text: String, reason: String) {
    do {
      let money = try Money(parsing: text)
      Issue.record("\"\(text)\" parsed as \(money)")
    } catch {
      #expect(error.field == "monetised")
      #expect(error.value == text)
      #expect(error.reason.hasPrefix(reason), "\(error)")
    }
  }

  @Test func descriptionIsExactForEveryCentValue() {
    for cents in Int64(-1_005)...1_005 {
      let money = Money(cents: cents)
      let magnitude = cents.magnitude
      let expected =
        (cents < 0 ? "-" : "") + "\(magnitude / 100)."
        + (magnitude % 100 < 10 ? "0" : "") + "\(magnitude % 100)"
      #expect(money.description == expected)
    }
    #expect(Money(cents: .min).description == "-92233720368547758.08")
  }

  @Test func arithmeticIsExact() throws {
    var total = Money.zero
    for _ in 0..<10 { total += try Money(parsing: "0.10") }
    #expect(total == (try Money(parsing: "1")))
    #expect((try Money(parsing: "1250.5") + Money(parsing: "0.75")).description == "1251.25")
    #expect((try Money(parsing: "1") - Money(parsing: "1.01")).description == "-0.01")
    #expect(try Money(parsing: "-1") < Money(parsing: "0.01"))
  }

  @Test func codableUsesTwoDecimalText() throws {
    let data = try JSONEncoder().encode([try Money(parsing: "12.5")])
    #expect(String(decoding: data, as: UTF8.self) == #"["12.50"]"#)
    #expect(try JSONDecoder().decode([Money].self, from: data).first?.cents == 1_250)
  }

  @Test(arguments: [
    ("3.5", true), ("12", true), ("-1", true), ("3,5", false), ("3.", false), (".5", false),
    ("", false), ("1e3", false),
  ])
  func decimalQuantities(text: String, isValid: Bool) {
    #expect(DecimalText.isValid(text) == isValid)
  }
}

@Suite("Node paths")
struct NodePathTests {
  @Test(
    arguments: [
      "england",
      "england/north-east/trust-07/team-03",
      "café/zürich",
      "日本/東京",
      "Ελλάδα/Αθήνα",
      "a.b_c-d/E_F",
      "١٢٣",
      String(repeating: "x", count: 64),
      String(repeating: "é", count: 64),
      // Words written with combining marks and joiners: a decomposed accent, Bengali and
      // Devanagari vowel signs, Thai, a Persian word with a zero-width non-joiner.
      "cafe\u{301}",
      "বাংলাদেশ/ঢাকা",
      "भारत/दिल्ली",
      "ไทย",
      "می\u{200C}خواهم",
      String(repeating: "কা", count: 64),
    ])
  func validPaths(text: String) throws {
    let path = try NodePath(parsing: text)
    #expect(path.description == text)
    #expect(path.segments.joined(separator: "/") == text)
    #expect(path.depth == text.split(separator: "/").count)
  }

  @Test(
    arguments: [
      ("", "is empty"),
      ("/england", "segment 1"),
      ("england/", "segment 2"),
      ("england//london", "segment 2"),
      ("/", "segment 1"),
      (String(repeating: "x", count: 65), "at most 64"),
      ("a/" + String(repeating: "é", count: 65), "at most 64"),
      ("team 3", "\" \" is not allowed"),
      ("team,3", "\",\" is not allowed"),
      ("team:3", "is not allowed"),
      ("team#3", "is not allowed"),
      ("a\\b", "is not allowed"),
      ("a+b", "is not allowed"),
      ("smile🙂", "is not allowed"),
      ("tab\there", "is not allowed"),
    ])
  func invalidPaths(text: String, reason: String) {
    do {
      let path = try NodePath(parsing: text)
      Issue.record("\"\(text)\" parsed as \(path)")
    } catch {
      #expect(error.field == "node")
      #expect(error.value == text)
      #expect(error.reason.contains(reason), "\(error)")
    }
  }

  @Test func structure() throws {
    let team = try NodePath(parsing: "england/north-east/trust-07/team-03")
    #expect(team.depth == 4)
    #expect(team.name == "team-03")
    #expect(team.parent?.description == "england/north-east/trust-07")
    #expect(try NodePath(parsing: "england").parent == nil)
    #expect(team.prefix(depth: 2).description == "england/north-east")
    #expect(team.prefix(depth: 4) == team)
    let england = try NodePath(parsing: "england")
    #expect(england.contains(team))
    #expect(team.contains(team))
    #expect(!team.contains(england))
    #expect(!(try NodePath(parsing: "england/north")).contains(team))
    #expect(try england.appending("london").description == "england/london")
    #expect(throws: ValueError.self) { try england.appending("a/b") }
    #expect(throws: ValueError.self) { try england.appending("") }
  }

  @Test func ordersByUTF8Bytes() throws {
    let texts = ["a/b", "a-b", "a.b", "a", "a/b/c", "ab", "Z", "z", "é", "a_b", "a0", "日本", "Ω"]
    let paths = try texts.map { try NodePath(parsing: $0) }
    let sorted = paths.sorted().map(\.description)
    let expected = texts.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    #expect(sorted == expected)
    // Byte order, not segment order: "-" (0x2D) and "." (0x2E) sort before "/" (0x2F).
    #expect(try NodePath(parsing: "a-b") < NodePath(parsing: "a/b"))
    #expect(try NodePath(parsing: "a.b") < NodePath(parsing: "a/b"))
    #expect(try NodePath(parsing: "Z") < NodePath(parsing: "a"))
    #expect(try NodePath(parsing: "z") < NodePath(parsing: "é"))
  }

  @Test func equalityAndHashingAreExact() throws {
    let set: Set<NodePath> = [
      try NodePath(parsing: "England"), try NodePath(parsing: "england"),
      try NodePath(parsing: "england"),
    ]
    #expect(set.count == 2)
    let data = try JSONEncoder().encode([try NodePath(parsing: "café/zürich")])
    #expect(
      try JSONDecoder().decode([NodePath].self, from: data).first?.description == "café/zürich")
    #expect(throws: (any Error).self) {
      try JSONDecoder().decode([NodePath].self, from: Data(#"["a//b"]"#.utf8))
    }
  }

  @Test func keys() {
    #expect(throws: Never.self) { try Key.validate("S000123", field: "story") }
    #expect(throws: Never.self) { try Key.validate("wellbeing.2", field: "item") }
    #expect(throws: ValueError.self) { try Key.validate("", field: "story") }
    #expect(throws: ValueError.self) { try Key.validate("a/b", field: "story") }
    #expect(throws: ValueError.self) {
      try Key.validate(String(repeating: "k", count: 65), field: "item")
    }
  }
}

@Suite("Dimensions and visibilities")
struct DimensionTests {
  @Test(arguments: [
    ("capacitating", StoryLedger.Dimension.capacitating), ("Calibrating", .calibrating),
    ("CALCULATING", .calculating), ("cAlCuLaTiNg", .calculating),
  ])
  func dimensionsParseIgnoringCase(text: String, expected: StoryLedger.Dimension) throws {
    #expect(try StoryLedger.Dimension(parsing: text) == expected)
  }

  @Test(arguments: ["", "calc", "capacity", " calculating", "calculating ", "visible", "1"])
  func unknownDimensionsListTheValidWords(text: String) {
    do {
      let dimension = try StoryLedger.Dimension(parsing: text)
      Issue.record("\"\(text)\" parsed as \(dimension)")
    } catch {
      #expect(error.field == "dimension")
      #expect(error.validValues == ["capacitating", "calibrating", "calculating"])
      #expect(
        error.description
          == "dimension \"\(text)\" is not a dimension; valid values: capacitating, calibrating, calculating"
      )
    }
  }

  @Test func dimensionsKeepTheirCanonicalOrder() {
    #expect(StoryLedger.Dimension.allCases == [.capacitating, .calibrating, .calculating])
    #expect(StoryLedger.Dimension.allCases.map(\.index) == [0, 1, 2])
    #expect(StoryLedger.Dimension.allCases.sorted() == StoryLedger.Dimension.allCases)
    #expect(
      [StoryLedger.Dimension.calculating, .capacitating, .calibrating].sorted()
        == StoryLedger.Dimension.allCases)
  }

  @Test(arguments: [
    ("visible", Visibility.visible), ("Invisible", .invisible), ("VISIBLE", .visible),
  ])
  func visibilitiesParseIgnoringCase(text: String, expected: Visibility) throws {
    #expect(try Visibility(parsing: text) == expected)
  }

  @Test(arguments: ["", "seen", "hidden", "visible!", "in visible"])
  func unknownVisibilitiesListTheValidWords(text: String) {
    do {
      let visibility = try Visibility(parsing: text)
      Issue.record("\"\(text)\" parsed as \(visibility)")
    } catch {
      #expect(error.validValues == ["visible", "invisible"])
      #expect(
        error.description
          == "visibility \"\(text)\" is not a visibility; valid values: visible, invisible")
    }
  }
}

@Suite("Ledger configuration")
struct LedgerConfigurationTests {
  @Test func defaults() throws {
    let configuration = try LedgerConfiguration()
    #expect(configuration.levels == ["national", "regional", "local", "personal"])
    #expect(configuration.currency == nil)
    #expect(configuration.timeZoneIdentifier == "UTC")
    #expect(configuration.timeZone.secondsFromGMT() == 0)
  }

  @Test func levelsAndDepths() throws {
    let configuration = try LedgerConfiguration(
      levels: ["national", "region", "organisation", "team"], currency: "GBP",
      timeZoneIdentifier: "Europe/London")
    #expect(configuration.level(ofDepth: 1) == "national")
    #expect(configuration.level(ofDepth: 4) == "team")
    #expect(configuration.level(ofDepth: 0) == nil)
    #expect(configuration.level(ofDepth: 5) == nil)
    #expect(configuration.depth(ofLevel: "organisation") == 3)
    #expect(configuration.depth(ofLevel: "Organisation") == nil)
    #expect(try configuration.depth(parsingLevel: "Organisation") == 3)
    do {
      _ = try configuration.depth(parsingLevel: "trust")
      Issue.record("trust parsed as a level")
    } catch {
      #expect(error.validValues == ["national", "region", "organisation", "team"])
    }
    #expect(throws: Never.self) {
      try configuration.validate(NodePath(parsing: "england/north-east/trust-07/team-03"))
    }
    #expect(throws: ValueError.self) {
      try configuration.validate(NodePath(parsing: "england/north-east/trust-07/team-03/x"))
    }
  }

  @Test(
    arguments: [
      ([], nil, "UTC", "levels"),
      (
        Array(repeating: "x", count: 33).enumerated().map { "level\($0.offset)" }, nil, "UTC",
        "levels"
      ),
      (["national", "National"], nil, "UTC", "levels"),
      (["national", ""], nil, "UTC", "levels"),
      (["national", "local area"], nil, "UTC", "levels"),
      (["national", "local.area"], nil, "UTC", "levels"),
      (["national", "a/b"], nil, "UTC", "levels"),
      ([String(repeating: "l", count: 65)], nil, "UTC", "levels"),
      (["national"], "gbp", "UTC", "currency"),
      (["national"], "GB", "UTC", "currency"),
      (["national"], "GBPX", "UTC", "currency"),
      (["national"], "G1P", "UTC", "currency"),
      (["national"], "", "UTC", "currency"),
      (["national"], "GBP", "Mars/Olympus", "timezone"),
    ] as [([String], String?, String, String)])
  func invalidConfigurations(levels: [String], currency: String?, zone: String, field: String) {
    do {
      let configuration = try LedgerConfiguration(
        levels: levels, currency: currency, timeZoneIdentifier: zone)
      Issue.record("accepted \(configuration)")
    } catch {
      #expect(error.field == field, "\(error)")
    }
  }

  @Test func validConfigurations() throws {
    let unicode = try LedgerConfiguration(
      levels: ["nation", "région", "local_area", "team-1"], currency: "EUR")
    #expect(unicode.levels.count == 4)
    let many = try LedgerConfiguration(levels: (1...32).map { "level\($0)" })
    #expect(many.level(ofDepth: 32) == "level32")
  }

  @Test func valueErrorMessagesNameFieldValueAndReason() {
    let error = ValueError(field: "weight", value: "6", reason: "is not an integer from 1 to 5")
    #expect(error.description == "weight \"6\" is not an integer from 1 to 5")
    let long = ValueError(
      field: "title", value: String(repeating: "a", count: 200), reason: "is too long")
    #expect(long.description == "title \"\(String(repeating: "a", count: 80))\" is too long")
  }
}
