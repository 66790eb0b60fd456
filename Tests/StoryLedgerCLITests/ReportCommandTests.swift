import Foundation
import StoryLedger
import StoryLedgerCLI
import Testing

@Suite("The report command")
struct ReportCommandTests {
  static let hostile =
    "<script>alert(\"pwned\")</script>\"><img src=x onerror=alert(1)> & 'quoted' <b>bold</b>"

  /// A ledger whose every piece of user text the report shows is `text`: node names, story
  /// titles, tellers, narratives, reasons, feedback, account narratives, objections, pledges
  /// and who took each step.
  private func ledger(with text: String) throws -> Session {
    let session = try Session()
    session.ok(["init", "--levels", "national,region,organisation,team", "--currency", "GBP"])
    session.ok(["node", "add", "nhs", "--name", text])
    session.ok(["node", "add", "nhs/north", "--name", text])
    session.ok(["node", "add", "nhs/north/trust-7", "--name", text])
    let q2 = ["--period", "2026-Q2"]
    // Reasons must be sentences.
    let reason = "Reason: \(text)."
    session.ok([
      "story", "tell", "nhs/north", "--key", "walk", "--title", text, "--teller", text,
      "--text", text, "--on", "2026-04-10",
    ])
    session.ok([
      "item", "add", "walk", "--dimension", "calibrating", "--visibility", "invisible",
      "--description", text, "--on", "2026-04-10",
    ])
    session.ok(["item", "evidence", "walk/i1", "--evidence", text, "--on", "2026-05-02"])
    session.ok(
      ["select", "nhs/north"] + q2 + ["--story", "walk", "--reason", reason, "--by", text])
    session.ok(["account", "propose", "nhs/north"] + q2 + ["--text", text, "--by", text])
    session.ok(["account", "object", "nhs/north"] + q2 + ["--reason", reason, "--by", text])
    session.ok(["feedback", "nhs", "--to", "nhs/north", "--text", text, "--by", text])
    session.ok([
      "pledge", "make", "nhs/north/trust-7", "--text", text, "--by", text, "--on", "2026-04-20",
    ])
    return session
  }

  private func page(_ session: Session, _ node: String) throws -> String {
    session.ok([
      "report", node, "--output", "\(node.replacingOccurrences(of: "/", with: "-")).html",
    ])
    return try String(
      contentsOf: session.root.appending(
        path: "\(node.replacingOccurrences(of: "/", with: "-")).html"), encoding: .utf8)
  }

  /// The names of the page's tags, in order: its structure without its text.
  private func tags(_ html: String) -> [String] {
    html.matches(of: /<(\/?[A-Za-z][A-Za-z0-9-]*)/).map { String($0.output.1) }
  }

  @Test(arguments: ["nhs", "nhs/north"])
  func userTextFullOfMarkupIsShownAsText(_ node: String) throws {
    let hostile = try page(try ledger(with: Self.hostile), node)
    let plain = try page(try ledger(with: "Plain words"), node)
    // The text reached the page, escaped...
    #expect(hostile.contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;"))
    #expect(hostile.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt; &amp; &#39;quoted&#39;"))
    // ...and added no element or attribute: the page has the same tags as with plain text.
    #expect(!hostile.contains("<script"))
    #expect(!hostile.contains("<img"))
    #expect(!hostile.contains("<b>"))
    #expect(tags(hostile) == tags(plain))
    #expect(
      hostile.matches(of: /\s[a-z-]+="/).count == plain.matches(of: /\s[a-z-]+="/).count)
  }

  @Test func theHostilePageShowsEveryKindOfText() throws {
    let north = try page(try ledger(with: Self.hostile), "nhs/north")
    let escaped = HTMLText.escape(Self.hostile)
    // Name, title, narrative, reason, selector, account narrative, feedback, pledge.
    #expect(north.components(separatedBy: escaped).count - 1 >= 8)
  }

  @Test func aNarrativeAppearsOnlyWhereItsShareScopeReaches() throws {
    let session = try Session()
    session.ok(["init", "--levels", "national,region,organisation,team"])
    session.ok(["node", "add", "nhs/north/trust-7", "--parents"])
    session.ok([
      "story", "tell", "nhs/north/trust-7", "--key", "quiet", "--title", "Secret title",
      "--text", "Secret narrative", "--share", "organisation", "--on", "2026-04-10",
    ])
    session.ok([
      "item", "add", "quiet", "--dimension", "capacitating", "--visibility", "visible", "--on",
      "2026-04-10",
    ])
    session.ok([
      "select", "nhs/north/trust-7", "--period", "2026-Q2", "--story", "quiet", "--reason",
      "It was a quiet reason.",
    ])
    let trust = try page(session, "nhs/north/trust-7")
    #expect(trust.contains("Secret title"))
    #expect(trust.contains("Secret narrative"))
    for node in ["nhs/north", "nhs"] {
      let above = try page(session, node)
      #expect(!above.contains("Secret"), "\(node)")
      // The figures still aggregate.
      #expect(above.contains("data-key=\"end.capacitating.visible.items\" data-value=\"1\""))
    }
  }

  @Test func theDemoReportAgreesWithSummaryAndCascade() throws {
    let session = try Session()
    session.ok(["demo", "--rows", "1500", "--into", "ledger"])
    let html = try page(session, "nhs")
    let values = dataValues(in: html)
    let summary = try session.json(["summary", "nhs", "--as-of", "2026-12-31"])
    let total = try #require(summary["total"] as? [String: Any])
    let boxes = try #require(total["boxes"] as? [String: [String: [String: Any]]])
    for dimension in Dimension.allCases {
      for visibility in Visibility.allCases {
        let box = try #require(boxes[dimension.rawValue]?[visibility.rawValue])
        let key = "end.\(dimension.rawValue).\(visibility.rawValue)"
        #expect(values["\(key).items"] == "\(box["items"] ?? "")")
        #expect(values["\(key).monetised"] == box["monetised"] as? String)
      }
    }
    let cascade = try session.json([
      "cascade", "up", "nhs", "--period", "2025-01-01..2026-12-31", "--depth", "1",
    ])
    let levels = try #require(cascade["levels"] as? [[String: Any]])
    let made = try #require(
      (levels.first?["total"] as? [String: Any])?["made_visible"] as? [Int])
    for dimension in Dimension.allCases {
      #expect(values["made-visible.\(dimension.rawValue)"] == String(made[dimension.index]))
    }
    let regions = try #require(levels.last?["nodes"] as? [[String: Any]])
    #expect(regions.count == 7)
    for region in regions {
      let node = try #require(region["node"] as? String)
      #expect(values["child.\(node).stories"] == "\(region["stories"] ?? "")")
    }
  }

  @Test func optionsAreCheckedBeforeAnythingIsWritten() throws {
    let session = try Session()
    session.ok(["demo", "--rows", "200", "--into", "ledger"])
    let cases: [([String], String)] = [
      (["report", "nhs"], "missing --output"),
      (
        ["report", "nhs", "--output", "r.html", "--period", "2026", "--from", "2026-01-01"],
        "not both"
      ),
      (["report", "nhs", "--output", "r.html", "--by", "fortnight"], "day, week"),
      (["report", "nhs", "--output", "r.html", "--period", "2026-Q5"], "--period"),
      (
        ["report", "nhs", "--output", "r.html", "--from", "2026-05-01", "--to", "2026-04-01"],
        "after --to"
      ),
    ]
    for (arguments, message) in cases {
      let result = session.run(arguments)
      #expect(result.status == 64, "\(arguments)")
      #expect(result.error.contains(message), "\(arguments): \(result.error)")
    }
    let missing = session.run(["report", "nhs/nowhere", "--output", "r.html"])
    #expect(missing.status != 0)
    #expect(!FileManager.default.fileExists(atPath: session.root.appending(path: "r.html").path))
  }

  @Test func theRangeAndGranularityOptionsShapeThePage() throws {
    let session = try Session()
    session.ok(["demo", "--rows", "300", "--into", "ledger"])
    let quarter = session.ok(["report", "nhs", "--period", "2026-Q1", "--output", "-"])
    #expect(
      quarter.contains("data-from=\"2026-01-01\" data-to=\"2026-03-31\" data-granularity=\"week\""))
    let byMonth = session.ok([
      "report", "nhs", "--from", "2026-02-10", "--to", "2026-04-30", "--by", "month", "--output",
      "-",
    ])
    #expect(byMonth.contains("data-granularity=\"month\""))
    #expect(byMonth.contains("data-key=\"series.2026-02-10.capacitating.visible\""))
    #expect(byMonth.contains("data-key=\"series.2026-04-01.capacitating.visible\""))
    #expect(!byMonth.contains("data-key=\"series.2026-05-01"))
  }

  @Test func summaryAndCascadeShowSparklines() throws {
    let session = try Session()
    session.ok(["demo", "--rows", "600", "--into", "ledger"])
    let text = session.ok(["summary", "nhs"])
    #expect(text.contains("visible items at each month end, 2026-01 to 2026-12:"))
    let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("  capacitating") })
    #expect(line.contains(where: { "▁▂▃▄▅▆▇█".contains($0) }))
    let json = try session.json(["summary", "nhs"])
    // Every field the summary had, and the trend.
    #expect(Set(json.keys) == ["children", "currency", "total", "trend"])
    let trend = try #require(json["trend"] as? [String: Any])
    #expect((trend["period_ends"] as? [String])?.count == 12)
    let visible = try #require(trend["visible"] as? [String: [Int]])
    let boxes = try #require((json["total"] as? [String: Any])?["boxes"] as? [String: Any])
    let calculating = try #require(boxes["calculating"] as? [String: [String: Any]])
    #expect(visible["calculating"]?.last == calculating["visible"]?["items"] as? Int)
    // --no-trend leaves it out (a summary of running totals only), --trend forces it.
    #expect(
      !session.ok(["summary", "nhs", "--no-trend"]).contains("visible items at each month end"))
    #expect(
      Set(try session.json(["summary", "nhs", "--no-trend"]).keys) == [
        "children", "currency", "total",
      ])
    #expect(try session.json(["summary", "nhs", "--trend"])["trend"] != nil)
    #expect(session.run(["summary", "nhs", "--trend", "--no-trend"]).status == 64)
    let cascade = session.ok(["cascade", "up", "nhs", "--depth", "1"])
    #expect(cascade.contains("visible by month"))
    #expect(cascade.contains("visible items at each month end"))
  }
}

/// Every `data-key`/`data-value` pair of a page.
private func dataValues(in html: String) -> [String: String] {
  var values: [String: String] = [:]
  for match in html.matches(of: /data-key="([^"]*)" data-value="([^"]*)"/) {
    values[String(match.output.1)] = String(match.output.2)
  }
  return values
}
