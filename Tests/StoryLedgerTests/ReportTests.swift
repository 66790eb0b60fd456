import Foundation
import Testing

@testable import StoryLedger
@testable import StoryLedgerDemo

/// A demo ledger (3,000 rows and a round of the dialogue) in memory, built once and only
/// read by the tests that share it.
enum DemoLedger {
  static let shared: Result<Ledger, any Error> = Result {
    let ledger = try Ledger.create(in: InMemoryLog(), configuration: DemoCorpus.configuration)
    let csv = FileManager.default.temporaryDirectory.appending(
      path: "report-tests-\(UUID().uuidString).csv")
    defer { try? FileManager.default.removeItem(at: csv) }
    try Data(DemoCorpus(rows: 3_000).csvBytes()).write(to: csv)
    _ = try ledger.importCSV(contentsOf: csv)
    _ = try DemoDialogue.record(on: ledger, period: try DateRange(parsing: "2026-Q1"))
    return ledger
  }

  static func ledger() throws -> Ledger { try shared.get() }
}

/// Every `data-key`/`data-value` pair of a page.
func dataValues(in html: String) -> [String: String] {
  var values: [String: String] = [:]
  let pattern = /data-key="([^"]*)" data-value="([^"]*)"/
  for match in html.matches(of: pattern) {
    values[String(match.output.1)] = String(match.output.2)
  }
  return values
}

@Suite("Movement through periods")
struct MovementTests {
  @Test func movementAtALevelEqualsTheTimeSeriesExport() throws {
    let state = try DemoLedger.ledger().state
    let range = try DateRange(parsing: "2025-01-01..2026-12-31")
    for period in [Period.month, .quarter] {
      let query = try TimeSeriesQuery(
        period: period, level: "region", from: range.start, to: range.end)
      var rows: [NodePath: [TimeSeriesRow]] = [:]
      try state.timeSeries(query) { rows[$0.node, default: []].append($0) }
      #expect(rows.count == 7)
      let periods = LedgerState.periods(covering: range, by: period)
      let movements = try state.movement(of: rows.keys.sorted(), through: periods)
      for movement in movements {
        let expected = try #require(rows[movement.node])
        #expect(expected.count == periods.count * 3)
        for row in expected {
          let index = try #require(periods.firstIndex { $0.start == row.periodStart })
          let figures = movement.periods[index]
          let boxes = figures.boxes[row.dimension]
          #expect(figures.end == row.periodEnd)
          #expect(boxes.visible.items == row.visibleItems, "\(movement.node) \(row.periodStart)")
          #expect(boxes.invisible.items == row.invisibleItems)
          #expect(boxes.visible.monetised == row.monetisedVisible)
          #expect(boxes.invisible.monetised == row.monetisedInvisible)
          #expect(figures.madeVisible[row.dimension.index] == row.madeVisible)
          #expect(figures.itemsRecorded[row.dimension.index] == row.itemsRecorded)
        }
      }
    }
  }

  @Test(arguments: ["2025-06-30", "2026-02-14", "2026-12-31"])
  func eachPeriodEndsWithTheSummaryOfThatDay(_ text: String) throws {
    let state = try DemoLedger.ledger().state
    let end = try Day(parsing: text)
    let node = try NodePath(parsing: "nhs")
    let summary = try state.summary(of: node, asOf: end)
    let children = summary.children.map(\.node)
    let months = LedgerState.periods(5, by: .month, endingOn: end)
    #expect(months.count == 5)
    #expect(months.last?.end == end)
    let movements = try state.movement(of: [node] + children, through: months)
    #expect(movements[0].periods.last?.boxes == summary.total.boxes)
    for (child, movement) in zip(summary.children, movements.dropFirst()) {
      #expect(movement.node == child.node)
      #expect(movement.periods.last?.boxes == child.boxes)
    }
  }

  @Test func periodsEndingOnADayWalkBackWholePeriods() throws {
    let months = LedgerState.periods(12, by: .month, endingOn: try Day(parsing: "2026-06-15"))
    #expect(months.map(\.description).first == "2025-07")
    #expect(months.last?.description == "2026-06-01..2026-06-15")
    #expect(zip(months, months.dropFirst()).allSatisfy { $0.end.adding(days: 1) == $1.start })
    let quarters = LedgerState.periods(covering: try DateRange(parsing: "2026"), by: .quarter)
    #expect(quarters.map(\.description) == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"])
  }

  @Test(arguments: [
    ("2026-03-01..2026-03-20", Period.day), ("2026-Q1", .week), ("2026", .month),
    ("2025-01-01..2027-12-31", .month), ("2020-01-01..2029-12-31", .quarter),
    ("2000-01-01..2029-12-31", .year),
  ])
  func granularityFollowsTheLengthOfTheRange(_ text: String, _ expected: Period) throws {
    #expect(LedgerState.reportGranularity(for: try DateRange(parsing: text)) == expected)
  }
}

@Suite("The report's figures")
struct ReportFigureTests {
  @Test func theReportAgreesWithTheSummaryAndTheCascade() throws {
    let ledger = try DemoLedger.ledger()
    let node = try NodePath(parsing: "nhs/midlands")
    let report = try ledger.report(of: node)
    #expect(report.range.description == "2025-01-01..2026-12-31")
    #expect(report.granularity == .month)
    #expect(report.movement.periods.count == 24)
    let summary = try ledger.summary(of: node, asOf: report.range.end)
    #expect(report.boxes == summary.total.boxes)
    #expect(report.stories == summary.total.stories)
    #expect(report.pledgeCounts == summary.total.pledges)
    #expect(report.children.map(\.figures.node) == summary.children.map(\.node))
    #expect(report.children.map(\.figures.boxes) == summary.children.map(\.boxes))
    #expect(report.movement.periods.last?.boxes == report.boxes)
    for dimension in Dimension.allCases {
      let flow = report.movement.periods.reduce(0) { $0 + $1.madeVisible[dimension.index] }
      #expect(flow == report.madeVisible[dimension.index])
    }
    let cascade = try ledger.state.cascadeUp(of: node, range: report.range)
    #expect(report.madeVisible == cascade.levels[0].total.madeVisible)
  }

  @Test func aRangeCutsTheFirstAndLastPeriods() throws {
    let ledger = try DemoLedger.ledger()
    let range = try DateRange(parsing: "2025-11-15..2026-02-10")
    let report = try ledger.report(of: try NodePath(parsing: "nhs"), range: range, by: .month)
    #expect(
      report.movement.periods.map(\.start.description) == [
        "2025-11-15", "2025-12-01", "2026-01-01", "2026-02-01",
      ])
    #expect(report.movement.periods.last?.end == range.end)
    #expect(report.label(of: report.movement.periods[0]) == "2025-11-15..2025-11-30")
    #expect(report.label(of: report.movement.periods[1]) == "2025-12")
    let before = try ledger.summary(
      of: try NodePath(parsing: "nhs"), asOf: try Day(parsing: "2025-11-14"))
    #expect(report.before == before.total.boxes)
  }

  @Test func thePageCarriesTheFiguresInItsTables() throws {
    let ledger = try DemoLedger.ledger()
    let report = try ledger.report(of: try NodePath(parsing: "nhs"))
    let html = report.html()
    let values = dataValues(in: html)
    for dimension in Dimension.allCases {
      let name = dimension.rawValue
      for visibility in Visibility.allCases {
        let box = report.boxes[dimension][visibility]
        #expect(values["end.\(name).\(visibility.rawValue).items"] == String(box.items))
        #expect(values["end.\(name).\(visibility.rawValue).monetised"] == box.monetised.description)
      }
      #expect(values["made-visible.\(name)"] == String(report.madeVisible[dimension.index]))
      for period in report.movement.periods {
        #expect(
          values["series.\(period.start).\(name).visible"]
            == String(period.boxes[dimension].visible.items))
      }
      for child in report.children {
        #expect(
          values["child.\(child.figures.node).\(name).invisible.items"]
            == String(child.figures.boxes[dimension].invisible.items))
      }
    }
    #expect(values["pledges.made"] == String(report.pledgeCounts.made))
    #expect(values["account.2026-Q1.status"] == "settled")
    #expect(values["stories"] == String(report.stories))
  }

  @Test func thePageIsSelfContainedAndAccessible() throws {
    let html = try DemoLedger.ledger().report(of: try NodePath(parsing: "nhs")).html()
    #expect(
      html.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
      ))
    #expect(!html.contains("<script"))
    #expect(!html.contains("<link"))
    #expect(!html.contains("src="))
    #expect(!html.contains("@import"))
    // The only URL is SVG's namespace, which is a name, not something fetched.
    let urls = html.matches(of: /https?:\/\/[^"\s]*/).map { String($0.output) }
    #expect(Set(urls) == ["http://www.w3.org/2000/svg"])
    #expect(html.contains("@media print"))
    // Every chart is an image with a title and description that aria-labelledby names.
    let charts = html.matches(of: /<svg [^>]*aria-labelledby="([^" ]+) ([^"]+)"[^>]*>/)
    #expect(charts.count >= 5 + 7 * 2)
    for chart in charts {
      #expect(chart.output.0.contains("role=\"img\""))
      #expect(html.contains("<title id=\"\(chart.output.1)\">"))
      #expect(html.contains("<desc id=\"\(chart.output.2)\">"))
    }
    // Ids are unique in the page.
    let ids = html.matches(of: /\sid="([^"]+)"/).map { String($0.output.1) }
    #expect(Set(ids).count == ids.count)
    // A table beside every chart of the six boxes and of the movement.
    #expect(html.matches(of: /<table/).count >= 6)
  }
}

@Suite("Charts and escaping")
struct ChartTests {
  @Test func escapingLeavesNoMarkup() {
    let hostile = "<script>alert(\"x\")</script>\"><img src=x onerror=alert(1)>&amp;'\u{0007}"
    let escaped = HTMLText.escape(hostile)
    #expect(
      escaped
        == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&amp;amp;&#39;\u{FFFD}"
    )
    for character in ["<", ">", "\"", "'"] { #expect(!escaped.contains(character)) }
    #expect(HTMLText.escape("Łódź — 東京\nline two\ttab") == "Łódź — 東京\nline two\ttab")
    #expect(HTMLText.identifier("a b\"<c>") == "a-b--c-")
    #expect(HTMLText.identifier("9lives") == "id-9lives")
  }

  @Test(arguments: [
    ([0, 2, 4, 8], "▁▃▅█"), ([5, 5, 5], "▄▄▄"), ([0, 0], "▁▁"), ([], ""),
    ([3, 1, 2], "█▁▅"),
  ])
  func sparklinesRunFromLowestToHighest(_ values: [Int], _ expected: String) {
    #expect(SVGChart.sparkline(values) == expected)
  }

  @Test func chartsEscapeTheirTextAndDrawEveryValue() {
    let chart = SVGChart.Chart(
      id: "x\"><script>", title: "<b>T</b>", description: "D & d",
      categories: ["<jan>", "feb"],
      series: [
        SVGChart.Series(name: "vis<i>ble", values: [3, 4], colour: "#000\"/><script>"),
        SVGChart.Series(name: "invisible", values: [1, 0], colour: "#123456", fill: .hatched),
      ])
    for svg in [
      SVGChart.bars(chart), SVGChart.bars(chart, isStacked: false), SVGChart.lines(chart),
    ] {
      #expect(!svg.contains("<script"))
      #expect(!svg.contains("<b>"))
      #expect(!svg.contains("<i>"))
      #expect(!svg.contains("<jan>"))
      #expect(svg.contains("&lt;jan&gt;"))
      #expect(svg.contains("<title id=\"x---script--title\">&lt;b&gt;T&lt;/b&gt;</title>"))
      #expect(svg.contains("<desc id=\"x---script--desc\">D &amp; d</desc>"))
    }
    // Bars: one rectangle per non-zero value, plus the legend's two swatches and the hatching.
    #expect(SVGChart.bars(chart).matches(of: /<rect\s/).count == 3 + 2 + 1)
    #expect(SVGChart.bars(chart).contains("url(#x---script--hatch-1)"))
    // Lines: one point marker per value.
    #expect(SVGChart.lines(chart).matches(of: /<path [^>]*><title>/).count == 4)
  }

  @Test func theSixBoxesShowEveryBox() {
    var boxes = SixBoxes()
    boxes[.capacitating].visible = BoxFigures(items: 11, monetised: Money(cents: 123_456))
    boxes[.calculating].invisible = BoxFigures(items: 7, monetised: .zero)
    let svg = SVGChart.sixBoxes(
      id: "six", title: "Six", boxes: boxes, madeVisible: [4, 0, 2], currency: "GBP")
    #expect(svg.contains(">11</text>"))
    #expect(svg.contains(">7</text>"))
    #expect(svg.contains("GBP 1,234.56"))
    #expect(svg.contains("4 made visible"))
    #expect(svg.contains("capacitating: 11 visible, 0 invisible, 4 made visible"))
    #expect(SVGChart.grouped(Money(cents: -123_456_789)) == "-1,234,567.89")
  }
}
