import Foundation

extension ReportData {
  /// The report as one self-contained HTML page: inline CSS and SVG, no script, no network.
  ///
  /// The page carries a Content-Security-Policy that forbids scripts and every fetch, so it
  /// shows the same wherever it is opened, emailed or printed. Every chart has a text
  /// alternative and a table of the same numbers beside it; table cells carry their figure
  /// in `data-key`/`data-value` attributes for checks by machine. All user text (names,
  /// titles, narratives, reasons, feedback, pledges) is escaped with
  /// ``HTMLText/escape(_:)``.
  ///
  /// ```swift
  /// let page = try ledger.report(of: try NodePath(parsing: "nhs")).html()
  /// ```
  public func html() -> String {
    var page = ReportPage(report: self)
    page.render()
    return page.output
  }
}

/// Renders a ``ReportData`` as HTML, section by section.
struct ReportPage {
  let report: ReportData
  var output = ""

  init(report: ReportData) {
    self.report = report
    output.reserveCapacity(256 * 1024)
  }

  /// Escaped text.
  func esc(_ text: String) -> String { HTMLText.escape(text) }

  var money: String { report.currency.map { " (\(esc($0)))" } ?? "" }

  func periodLabels() -> [String] { report.movement.periods.map { report.label(of: $0) } }

  mutating func render() {
    let range = "\(report.range.start) to \(report.range.end)"
    output += """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <meta name="generator" content="StoryLedger">
      <title>Value made visible: \(esc(report.name)) · \(range)</title>
      <style>\(Self.styles)</style>
      </head>
      <body>
      <main id="report" data-node="\(esc(report.node.description))" data-from="\(report.range.start)" data-to="\(report.range.end)" data-granularity="\(report.granularity.rawValue)">

      """
    header()
    sixBoxes()
    movement()
    cascade()
    calibration()
    pricing()
    voices()
    dialogue()
    output += """
      <footer><p>Made by StoryLedger from the ledger's tamper-evident log. Figures are as of the
      end of each period, by the date each fact is about; a story's title and narrative appear
      only where its share scope reaches the \(esc(report.level)) level. Charts use the
      Okabe–Ito palette; visible value is solid, invisible value hatched.</p></footer>
      </main>
      </body>
      </html>

      """
  }

  // MARK: Header

  mutating func header() {
    let total = report.boxes.total
    var visible = 0
    var invisible = 0
    for dimension in Dimension.allCases {
      visible += report.boxes[dimension].visible.items
      invisible += report.boxes[dimension].invisible.items
    }
    let made = report.madeVisible.reduce(0, +)
    let granularity = report.granularity.rawValue
    output += """
      <header>
      <p class="eyebrow">StoryLedger report · \(esc(report.level)) · \(esc(report.node.description))</p>
      <h1>Value made visible: \(esc(report.name))</h1>
      <p class="meta">\(report.range.start) to \(report.range.end) · movement by \(granularity) · <span data-key="stories" data-value="\(report.stories)">\(report.stories)</span> stories · \(total.items) items of value\(report.currency.map { " · money in \(esc($0))" } ?? "")</p>
      <dl class="headline">
      <div><dt>visible items</dt><dd data-key="total.visible" data-value="\(visible)">\(visible)</dd></div>
      <div><dt>invisible items</dt><dd data-key="total.invisible" data-value="\(invisible)">\(invisible)</dd></div>
      <div class="made"><dt>made visible in the range</dt><dd data-key="total.made-visible" data-value="\(made)">\(made)</dd></div>
      <div><dt>pledges fulfilled</dt><dd>\(report.pledgeCounts.fulfilled) <small>of \(report.pledgeCounts.made)</small></dd></div>
      </dl>
      <nav aria-label="Contents"><a href="#six-boxes">The six boxes</a><a href="#movement">Movement over time</a><a href="#cascade">The cascade</a><a href="#dialogue">The dialogue</a></nav>
      </header>

      """
  }

  // MARK: Six boxes

  mutating func sixBoxes() {
    let svg = SVGChart.sixBoxes(
      id: "six-boxes-chart", title: "The six boxes of \(report.name) at \(report.range.end)",
      boxes: report.boxes, before: report.before, madeVisible: report.madeVisible,
      currency: report.currency)
    output += """
      <section id="six-boxes" aria-labelledby="six-boxes-heading">
      <h2 id="six-boxes-heading">The six boxes</h2>
      <p class="lead">Every item of value sits in one of three dimensions, visible (known, with
      evidence) or invisible (knowable, not yet evidenced). Here is the whole subtree of
      \(esc(report.name)) at the end of \(report.range.end), how each box changed since
      \(report.range.start), and how much value became visible.</p>
      <div class="stack">
      <figure>\(svg)<figcaption>Solid boxes hold visible value, hatched boxes invisible value; the arrows count the items made visible in the range.</figcaption></figure>
      <div class="table-wrap"><table>
      <caption>The six boxes at \(report.range.end), with the start of the range</caption>
      <thead><tr><th scope="col">dimension</th><th scope="col">visible</th><th scope="col">invisible</th><th scope="col">made visible</th><th scope="col">visible at start</th><th scope="col">invisible at start</th><th scope="col">monetised visible\(money)</th><th scope="col">monetised invisible\(money)</th></tr></thead>
      <tbody>

      """
    var sumEnd = DimensionFigures()
    var sumStart = DimensionFigures()
    for dimension in Dimension.allCases {
      let end = report.boxes[dimension]
      let start = report.before[dimension]
      let name = dimension.rawValue
      let made =
        dimension.index < report.madeVisible.count ? report.madeVisible[dimension.index] : 0
      for visibility in Visibility.allCases {
        sumEnd[visibility].items += end[visibility].items
        sumEnd[visibility].monetised += end[visibility].monetised
        sumStart[visibility].items += start[visibility].items
      }
      output +=
        "<tr><th scope=\"row\">\(dot(dimension))\(name)</th>"
        + cell(end.visible.items, key: "end.\(name).visible.items")
        + cell(end.invisible.items, key: "end.\(name).invisible.items")
        + cell(made, key: "made-visible.\(name)")
        + cell(start.visible.items, key: "start.\(name).visible.items")
        + cell(start.invisible.items, key: "start.\(name).invisible.items")
        + cell(end.visible.monetised, key: "end.\(name).visible.monetised")
        + cell(end.invisible.monetised, key: "end.\(name).invisible.monetised") + "</tr>\n"
    }
    output +=
      "<tr class=\"sum\"><th scope=\"row\">all</th>" + cell(sumEnd.visible.items)
      + cell(sumEnd.invisible.items) + cell(report.madeVisible.reduce(0, +))
      + cell(sumStart.visible.items) + cell(sumStart.invisible.items)
      + cell(sumEnd.visible.monetised) + cell(sumEnd.invisible.monetised) + "</tr>\n"
    output += "</tbody></table></div>\n</div>\n</section>\n"
  }

  // MARK: Movement

  mutating func movement() {
    let labels = periodLabels()
    let periods = report.movement.periods
    output += """
      <section id="movement" aria-labelledby="movement-heading">
      <h2 id="movement-heading">Movement over time</h2>
      <p class="lead">For each dimension, the visible and invisible items at the end of each
      \(report.granularity.rawValue), and the items made visible during it: value moving
      from hatched to solid is value becoming visible.</p>

      """
    for dimension in Dimension.allCases {
      let name = dimension.rawValue
      let visible = report.movement.visibleItems(of: dimension)
      let invisible = report.movement.invisibleItems(of: dimension)
      let tone = SVGChart.colour(of: dimension)
      let chart = SVGChart.Chart(
        id: "movement-\(name)",
        title: "\(name): visible and invisible items by \(report.granularity.rawValue)",
        description: describe(name: name, visible: visible, invisible: invisible, labels: labels),
        categories: labels,
        series: [
          SVGChart.Series(name: "visible", values: visible.map(Double.init), colour: tone),
          SVGChart.Series(
            name: "invisible", values: invisible.map(Double.init), colour: tone, fill: .hatched),
        ])
      output += """
        <div class="pair">
        <figure><h3>\(dot(dimension))\(name)</h3>\(SVGChart.bars(chart))</figure>
        <div class="table-wrap"><table>
        <caption>\(name) by \(report.granularity.rawValue)</caption>
        <thead><tr><th scope="col">\(report.granularity.rawValue)</th><th scope="col">visible</th><th scope="col">invisible</th><th scope="col">made visible</th><th scope="col">recorded</th><th scope="col">monetised visible\(money)</th></tr></thead>
        <tbody>

        """
      for (index, period) in periods.enumerated() {
        let key = "series.\(period.start).\(name)"
        let box = period.boxes[dimension]
        output +=
          "<tr><th scope=\"row\">\(esc(labels[index]))</th>"
          + cell(box.visible.items, key: "\(key).visible")
          + cell(box.invisible.items, key: "\(key).invisible")
          + cell(period.madeVisible[dimension.index], key: "\(key).made-visible")
          + cell(period.itemsRecorded[dimension.index], key: "\(key).recorded")
          + cell(box.visible.monetised, key: "\(key).monetised-visible") + "</tr>\n"
      }
      output += "</tbody></table></div>\n</div>\n"
    }
    let made = SVGChart.Chart(
      id: "made-visible", title: "Items made visible per \(report.granularity.rawValue)",
      description:
        "Items that moved from invisible to visible in each \(report.granularity.rawValue): "
        + Dimension.allCases.map { dimension in
          "\(dimension.rawValue) \(periods.reduce(0) { $0 + $1.madeVisible[dimension.index] })"
        }.joined(separator: ", ") + " in all. The table beside the chart gives every period.",
      categories: labels,
      series: Dimension.allCases.map { dimension in
        SVGChart.Series(
          name: dimension.rawValue,
          values: periods.map { Double($0.madeVisible[dimension.index]) },
          colour: SVGChart.colour(of: dimension), marker: SVGChart.marker(of: dimension),
          dash: SVGChart.dash(of: dimension))
      }, valueLabel: "items made visible")
    output += """
      <div class="pair">
      <figure><h3>Value made visible</h3>\(SVGChart.lines(made))</figure>
      <div class="table-wrap"><table>
      <caption>Items made visible by \(report.granularity.rawValue)</caption>
      <thead><tr><th scope="col">\(report.granularity.rawValue)</th>\(Dimension.allCases.map { "<th scope=\"col\">\($0.rawValue)</th>" }.joined())<th scope="col">all</th></tr></thead>
      <tbody>

      """
    for (index, period) in periods.enumerated() {
      output += "<tr><th scope=\"row\">\(esc(labels[index]))</th>"
      for dimension in Dimension.allCases {
        output += cell(period.madeVisible[dimension.index])
      }
      output += cell(period.madeVisible.reduce(0, +)) + "</tr>\n"
    }
    output += "</tbody></table></div>\n</div>\n</section>\n"
  }

  func describe(name: String, visible: [Int], invisible: [Int], labels: [String]) -> String {
    guard let first = labels.first, let last = labels.last, let v0 = visible.first,
      let v1 = visible.last, let i0 = invisible.first, let i1 = invisible.last
    else { return "\(name): no periods." }
    return
      "\(name): visible items went from \(v0) at the end of \(first) to \(v1) at the end of \(last); invisible items from \(i0) to \(i1). The table beside the chart gives every period."
  }

  // MARK: Cascade

  mutating func cascade() {
    output += """
      <section id="cascade" aria-labelledby="cascade-heading">
      <h2 id="cascade-heading">The cascade</h2>

      """
    guard !report.children.isEmpty else {
      output +=
        "<p class=\"lead\">\(esc(report.name)) has no nodes below it: its stories are told here.</p>\n</section>\n"
      return
    }
    let shown = report.children.sorted {
      ($0.figures.boxes.total.items, $1.figures.node) > (
        $1.figures.boxes.total.items, $0.figures.node
      )
    }.prefix(24)
    output += """
      <p class="lead">Each of the \(report.children.count) \(report.children.count == 1 ? "node" : "nodes") below \(esc(report.name)) with its own six boxes at \(report.range.end) and the trend of its visible items: where value is moving, and where it is still invisible.\(shown.count < report.children.count ? " The cards show the \(shown.count) with most items; the table lists every one." : "")</p>
      <div class="cards">

      """
    for (index, child) in shown.enumerated() {
      let figures = child.figures
      let visible = child.movement.visibleItems.map(Double.init)
      let grid = SVGChart.sixBoxes(
        id: "child-\(index)-boxes", title: "The six boxes of \(figures.name)",
        boxes: figures.boxes, isCompact: true)
      let trend = SVGChart.sparklineImage(
        id: "child-\(index)-trend",
        title:
          "Visible items of \(figures.name) by \(report.granularity.rawValue): \(child.movement.visibleItems.first ?? 0) to \(child.movement.visibleItems.last ?? 0)",
        values: visible, colour: SVGChart.Palette.blue, width: 216, height: 34)
      output += """
        <article class="card"><h3>\(esc(figures.name))</h3><p class="path">\(esc(figures.node.description)) · \(figures.stories) stories · \(figures.totalMadeVisible) made visible</p>\(grid)<p class="trend-label">visible items, \(esc(labels.first ?? "")) to \(esc(labels.last ?? ""))</p>\(trend)\(child.account.map(accountBadge) ?? "")</article>

        """
    }
    output += """
      </div>
      <div class="table-wrap wide"><table>
      <caption>The nodes below \(esc(report.name)) at \(report.range.end)</caption>
      <thead><tr><th scope="col">node</th><th scope="col">stories</th>\(Dimension.allCases.map { "<th scope=\"col\">\($0.rawValue)<br><small>visible / invisible</small></th>" }.joined())<th scope="col">monetised\(money)<br><small>visible / invisible</small></th><th scope="col">made visible</th><th scope="col">visible items trend</th><th scope="col">account</th></tr></thead>
      <tbody>

      """
    for child in report.children {
      let figures = child.figures
      let key = "child.\(figures.node)"
      output +=
        "<tr><th scope=\"row\">\(esc(figures.name))<br><small>\(esc(figures.node.description))</small></th>"
        + cell(figures.stories, key: "\(key).stories")
      var visibleMoney = Money.zero
      var invisibleMoney = Money.zero
      for dimension in Dimension.allCases {
        let box = figures.boxes[dimension]
        output +=
          "<td class=\"num\">"
          + span(box.visible.items, key: "\(key).\(dimension.rawValue).visible.items") + " / "
          + span(box.invisible.items, key: "\(key).\(dimension.rawValue).invisible.items")
          + "</td>"
        visibleMoney += box.visible.monetised
        invisibleMoney += box.invisible.monetised
      }
      let trend = child.movement.visibleItems
      output +=
        "<td class=\"num\">\(SVGChart.grouped(visibleMoney)) / \(SVGChart.grouped(invisibleMoney))</td>"
        + cell(figures.totalMadeVisible, key: "\(key).made-visible")
        + "<td class=\"spark\" aria-label=\"visible items from \(trend.first ?? 0) to \(trend.last ?? 0)\">\(SVGChart.sparkline(trend))</td>"
        + "<td>\(child.account.map(accountBadge) ?? "—")</td></tr>\n"
    }
    output += "</tbody></table></div>\n</section>\n"
  }

  var labels: [String] { periodLabels() }

  func accountBadge(_ account: AccountView) -> String {
    "<span class=\"badge status-\(account.status.rawValue)\(account.isStale ? " stale" : "")\">account \(account.period): \(account.status.rawValue)\(account.isStale ? " · stale" : "")</span>"
  }

  // MARK: Dialogue

  mutating func dialogue() {
    output += """
      <section id="dialogue" aria-labelledby="dialogue-heading">
      <h2 id="dialogue-heading">The dialogue</h2>
      <h3>Accounts</h3>

      """
    if report.accounts.isEmpty {
      output +=
        "<p class=\"empty\">No account of \(esc(report.name)) for a period in the range yet.</p>\n"
    } else {
      output += """
        <div class="table-wrap wide"><table>
        <caption>Accounts of \(esc(report.name)): a stale account's figures differ from the ledger's now</caption>
        <thead><tr><th scope="col">period</th><th scope="col">state</th><th scope="col">version</th><th scope="col">proposed by</th><th scope="col">narrative</th><th scope="col">objections</th><th scope="col">takes in</th></tr></thead>
        <tbody>

        """
      for account in report.accounts {
        let open = account.objections.filter(\.isOpen).count
        let stale =
          account.isStale
          ? " <span class=\"badge stale\" title=\"\(esc(account.differences.joined(separator: "; ")))\">stale</span>"
          : ""
        output +=
          "<tr><th scope=\"row\">\(account.period)</th><td data-key=\"account.\(account.period).status\" data-value=\"\(account.status.rawValue)\"><span class=\"badge status-\(account.status.rawValue)\">\(account.status.rawValue)</span>\(stale)</td>"
          + cell(account.version) + "<td>\(esc(account.proposedBy))</td>"
          + "<td class=\"text\">\(paragraphs(account.narrative))\(account.isStale ? "<p class=\"note\">changed since: \(esc(account.differences.prefix(4).joined(separator: "; ")))\(account.differences.count > 4 ? "; …" : "")</p>" : "")</td>"
          + "<td>\(account.objections.count)\(open > 0 ? " (\(open) open)" : "")</td>"
          + "<td>\(account.children.map { esc($0.node.description) }.joined(separator: "<br>"))</td></tr>\n"
      }
      output += "</tbody></table></div>\n"
    }
    output += "<h3>Stories selected as most significant</h3>\n"
    if report.selections.isEmpty {
      output +=
        "<p class=\"empty\">No stories selected at \(esc(report.name)) for the range yet.</p>\n"
    } else {
      output += "<div class=\"stories\">\n"
      for selected in report.selections {
        let selection = selected.selection
        let title =
          selected.isShared
          ? esc(selection.title ?? selection.story)
          : "<span class=\"withheld\">(title withheld: the story is not shared up to the \(esc(report.level)) level)</span>"
        output += """
          <article class="story"><h4>\(title)</h4><p class="path">story \(esc(selection.story)) · \(selection.period) · selected by \(esc(selection.by))</p><p><strong>Why:</strong> \(esc(selection.reason))</p>\(verified(selected.verifications))\(selected.narrative.map { "<blockquote>\(paragraphs($0))</blockquote>" } ?? "")\(storyPath(selected))</article>

          """
      }
      output += "</div>\n"
    }
    output += "<h3>Feedback sent down</h3>\n"
    output += entries(
      report.feedbackSent, empty: "No feedback sent from \(report.name) to the nodes below yet.")
    output += "<h3>What came down to \(esc(report.name))</h3>\n"
    output += entries(
      report.inbox, empty: "Nothing has come down to \(report.name) from above yet.")
    pledges()
    output += "</section>\n"
  }

  /// A selected story's path as a list of steps, in time order.
  func storyPath(_ selected: ReportData.SelectedStory) -> String {
    guard !selected.path.isEmpty || selected.pathLeftOut > 0 else { return "" }
    var text = "<details class=\"story-path\"><summary>Its path</summary><ol>"
    for step in selected.path {
      var about =
        step.node.map { (step.kind == .feedback ? "from " : "at ") + $0.description } ?? ""
      if let to = step.to { about += " to \(to)" }
      if let period = step.period { about += " · \(period)" }
      if let by = step.by { about += " · \(by)" }
      if let session = step.session { about += " · session \(session)" }
      text +=
        "<li><span class=\"badge\">\(esc(step.kind.rawValue))</span> <span class=\"path\">\(step.on) · \(esc(about))</span> \(esc(step.text))</li>"
    }
    text += "</ol>"
    if selected.pathLeftOut > 0 {
      text +=
        "<p class=\"note\">\(selected.pathLeftOut) more \(selected.pathLeftOut == 1 ? "step was" : "steps were") made at nodes outside this part of the hierarchy and \(selected.pathLeftOut == 1 ? "is" : "are") left out.</p>"
    }
    return text + "</details>"
  }

  func entries(_ list: [InboxEntry], empty: String) -> String {
    guard !list.isEmpty else { return "<p class=\"empty\">\(esc(empty))</p>\n" }
    var text = "<ul class=\"entries\">\n"
    for entry in list.prefix(40) {
      let about =
        entry.story.map { story in
          " · story \(esc(story))" + (entry.title.map { " “\(esc($0))”" } ?? "")
        } ?? ""
      text +=
        "<li><span class=\"badge\">\(esc(entry.kind.rawValue))</span> <span class=\"path\">from \(esc(entry.from.description)) · \(esc(entry.by)) · \(esc(String(Timestamp(wrappedValue: entry.recordedAt).text.prefix(10))))\(entry.period.map { " · \($0)" } ?? "")\(about)</span>\(paragraphs(entry.text))</li>\n"
    }
    if list.count > 40 { text += "<li class=\"more\">… and \(list.count - 40) more</li>\n" }
    return text + "</ul>\n"
  }

  mutating func pledges() {
    let counts = report.pledgeCounts
    output += """
      <h3>Pledges</h3>
      <div class="table-wrap"><table class="counts">
      <caption>Pledges made in the subtree by \(report.range.end), by where they stand then</caption>
      <thead><tr><th scope="col">made</th><th scope="col">active</th><th scope="col">waiting for others</th><th scope="col">fulfilled</th><th scope="col">lapsed</th><th scope="col">withdrawn</th></tr></thead>
      <tbody><tr>\(cell(counts.made, key: "pledges.made"))\(cell(counts.active, key: "pledges.active"))\(cell(counts.conditional, key: "pledges.conditional"))\(cell(counts.fulfilled, key: "pledges.fulfilled"))\(cell(counts.lapsed, key: "pledges.lapsed"))\(cell(counts.withdrawn, key: "pledges.withdrawn"))</tr></tbody>
      </table></div>

      """
    guard !report.pledges.isEmpty else { return }
    output += """
      <div class="table-wrap wide"><table>
      <caption>The pledges, newest first</caption>
      <thead><tr><th scope="col">made on</th><th scope="col">pledge</th><th scope="col">by</th><th scope="col">node</th><th scope="col">due</th><th scope="col">joined</th><th scope="col">stands</th></tr></thead>
      <tbody>

      """
    for pledge in report.pledges.prefix(50) {
      output +=
        "<tr><th scope=\"row\">\(pledge.on)</th><td class=\"text\">\(esc(pledge.text))</td><td>\(esc(pledge.by))</td><td>\(esc(pledge.node.description))</td><td>\(pledge.due.map(\.description) ?? "—")</td>"
        + cell(pledge.joined.count)
        + "<td><span class=\"badge pledge-\(pledge.status.rawValue)\">\(pledge.status.rawValue)</span>\(pledge.fulfilledBy.map { " by story \(esc($0))" } ?? "")</td></tr>\n"
    }
    if report.pledges.count > 50 {
      output += "<tr><td colspan=\"7\">… and \(report.pledges.count - 50) more</td></tr>\n"
    }
    output += "</tbody></table></div>\n"
  }

  // MARK: Pieces

  /// A coloured dot naming a dimension's colour, hidden from screen readers.
  func dot(_ dimension: Dimension) -> String {
    "<span class=\"dot\" style=\"background:\(SVGChart.colour(of: dimension))\" aria-hidden=\"true\"></span>"
  }

  /// Text as paragraphs, escaped.
  func paragraphs(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: true).map {
      "<p>\(esc(String($0)))</p>"
    }.joined()
  }

  /// A figure inside a cell, with its key.
  func span(_ value: Int, key: String) -> String {
    "<span data-key=\"\(esc(key))\" data-value=\"\(value)\">\(value)</span>"
  }

  func cell(_ value: Int, key: String? = nil) -> String {
    "<td class=\"num\"\(key.map { " data-key=\"\(esc($0))\" data-value=\"\(value)\"" } ?? "")>\(value)</td>"
  }

  func cell(_ value: Money, key: String? = nil) -> String {
    "<td class=\"num\"\(key.map { " data-key=\"\(esc($0))\" data-value=\"\(value)\"" } ?? "")>\(SVGChart.grouped(value))</td>"
  }

  static let styles = """
    :root{--ink:#1a1a1a;--muted:#555;--rule:#d9d9d9;--paper:#fff;--wash:#f5f6f8;--accent:#0072B2;--made:#D55E00}
    *{box-sizing:border-box}
    body{margin:0;background:var(--wash);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
    main{max-width:1240px;margin:0 auto;padding:28px 28px 40px;background:var(--paper)}
    header{border-bottom:3px solid var(--ink);padding-bottom:14px;margin-bottom:10px}
    .eyebrow{margin:0;color:var(--muted);font-size:13px;letter-spacing:.04em;text-transform:uppercase}
    h1{margin:4px 0 2px;font-size:32px;line-height:1.15}
    h2{font-size:24px;margin:34px 0 6px;padding-top:8px;border-top:1px solid var(--rule)}
    h3{font-size:17px;margin:18px 0 6px}
    h4{font-size:16px;margin:0 0 4px}
    .meta,.lead{color:var(--muted);margin:4px 0 12px;max-width:80ch}
    .headline{display:flex;flex-wrap:wrap;gap:12px;margin:14px 0 10px;padding:0}
    .headline div{border:1px solid var(--rule);border-radius:8px;padding:8px 16px;min-width:150px}
    .headline dt{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
    .headline dd{margin:0;font-size:28px;font-weight:700}
    .headline .made{border-color:var(--made)}
    .headline .made dd{color:var(--made)}
    .headline small{font-size:14px;color:var(--muted);font-weight:400}
    nav{display:flex;gap:18px;font-size:14px}
    nav a{color:var(--accent)}
    .stack{display:grid;grid-template-columns:minmax(0,1fr);gap:14px;margin:10px 0 18px;max-width:960px}
    .stack figure{text-align:center}
    tbody th{white-space:nowrap}
    .pair{display:grid;grid-template-columns:minmax(0,5fr) minmax(0,4fr);gap:24px;align-items:start;margin:10px 0 18px}
    figure{margin:0}
    figure h3{margin-top:0}
    figcaption{font-size:13px;color:var(--muted)}
    .table-wrap{max-height:330px;overflow:auto;border:1px solid var(--rule);border-radius:6px}
    .table-wrap.wide{max-height:none;margin:8px 0 14px}
    table{border-collapse:collapse;width:100%;font-size:13px}
    caption{text-align:left;font-weight:600;padding:6px 8px;background:var(--wash)}
    th,td{padding:4px 8px;border-bottom:1px solid var(--rule);text-align:left;vertical-align:top}
    thead th{position:sticky;top:0;background:#eef0f3;font-weight:600}
    td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
    tr.sum th,tr.sum td{font-weight:700;border-top:2px solid var(--ink)}
    td.spark{font-size:15px;letter-spacing:-1px;white-space:nowrap;color:var(--accent)}
    td.text p{margin:0 0 4px}
    small,.path{color:var(--muted);font-size:12px}
    .dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px}
    .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:14px;margin:10px 0 16px}
    .card{border:1px solid var(--rule);border-radius:8px;padding:10px 12px}
    .card h3{margin:0;font-size:15px}
    .card .path{margin:0 0 6px}
    .trend-label{margin:6px 0 0;font-size:11px;color:var(--muted)}
    .badge{display:inline-block;border:1px solid var(--muted);border-radius:10px;padding:0 8px;font-size:12px;white-space:nowrap}
    .status-settled{border-color:#009E73;background:#e6f5f0}
    .status-objected{border-color:#D55E00;background:#fbece3}
    .stale{border-style:dashed;border-color:#D55E00;color:#8a3a00}
    .pledge-fulfilled{background:#e6f5f0}
    .pledge-lapsed,.pledge-withdrawn{background:#eee}
    .stories{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:14px}
    .story{border-left:4px solid var(--accent);padding:6px 12px;background:var(--wash)}
    blockquote{margin:8px 0 0;padding-left:10px;border-left:2px solid var(--rule);color:#333;font-style:italic}
    blockquote p{margin:0 0 4px}
    .withheld,.empty,.note{color:var(--muted);font-style:italic}
    .entries{padding-left:18px}
    .entries li{margin-bottom:6px}
    .entries p{margin:2px 0 0}
    footer{margin-top:36px;padding-top:10px;border-top:1px solid var(--rule);color:var(--muted);font-size:12px}
    @media (max-width:900px){.pair{grid-template-columns:1fr}}
    @media print{
    @page{margin:14mm}
    body{background:#fff;font-size:10pt}
    main{max-width:none;padding:0}
    nav{display:none}
    .table-wrap{max-height:none;overflow:visible;border:none}
    thead th{position:static}
    .pair{grid-template-columns:1fr 1fr;break-inside:avoid}
    figure,.card,.story,tr{break-inside:avoid}
    h2{break-after:avoid}
    a{color:inherit;text-decoration:none}
    }
    """
}
