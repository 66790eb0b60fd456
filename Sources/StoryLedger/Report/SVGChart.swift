import Foundation

/// Charts as SVG text from plain data: bars, lines, the six boxes and sparklines.
///
/// Every chart is a self-contained `<svg>` element with `role="img"`, a `<title>` and a
/// `<desc>` that `aria-labelledby` names, so screen readers announce it; all text in it is
/// escaped with ``HTMLText/escape(_:)``. Colours come from the Okabe–Ito palette, which
/// readers with any common colour-vision deficiency can tell apart, and visible and
/// invisible value differ by pattern (solid or hatched) and line style as well as colour,
/// so charts also read in grey on paper. A service that embeds StoryLedger can serve the
/// same pictures as the `report` command.
///
/// ```swift
/// let chart = SVGChart.Chart(
///   id: "made-visible", title: "Value made visible", description: "Per month.",
///   categories: ["2026-01", "2026-02"],
///   series: [SVGChart.Series(name: "calculating", values: [3, 5], colour: SVGChart.colour(of: .calculating))])
/// let svg = SVGChart.lines(chart)
/// SVGChart.sparkline([1, 3, 2, 8])  // "▁▃▂█"
/// ```
public enum SVGChart {
  /// How a series' marks are filled.
  public enum Fill: String, Hashable, Sendable, CaseIterable {
    /// A solid fill: visible value.
    case solid
    /// Diagonal hatching over a pale tint: invisible value.
    case hatched
  }

  /// The shape of a line series' points.
  public enum Marker: String, Hashable, Sendable, CaseIterable {
    /// A circle.
    case circle
    /// A square.
    case square
    /// A triangle.
    case triangle
    /// A diamond.
    case diamond
  }

  /// One named series of values, one per category.
  public struct Series: Hashable, Sendable {
    /// The name the legend shows.
    public var name: String
    /// The values, one per category.
    public var values: [Double]
    /// A CSS colour (`#0072B2`).
    public var colour: String
    /// The fill of its bars (and legend swatch).
    public var fill: Fill
    /// The shape of its points in a line chart.
    public var marker: Marker
    /// The dash pattern of its line (`""` for solid, `"6 3"` for dashes).
    public var dash: String

    /// Creates a series.
    public init(
      name: String, values: [Double], colour: String, fill: Fill = .solid,
      marker: Marker = .circle, dash: String = ""
    ) {
      self.name = name
      self.values = values
      self.colour = colour
      self.fill = fill
      self.marker = marker
      self.dash = dash
    }
  }

  /// What a bar or line chart shows.
  public struct Chart: Hashable, Sendable {
    /// A prefix for the element ids in the chart; unique within the page.
    public var id: String
    /// The title, announced by screen readers and shown above the chart.
    public var title: String
    /// A text alternative: what the chart shows, in a sentence or two.
    public var description: String
    /// The labels along the horizontal axis.
    public var categories: [String]
    /// The series.
    public var series: [Series]
    /// The label of the vertical axis.
    public var valueLabel: String
    /// The width of the drawing, in CSS pixels (it scales to its container).
    public var width: Int
    /// The height of the drawing, in CSS pixels.
    public var height: Int

    /// Creates a chart.
    public init(
      id: String, title: String, description: String, categories: [String], series: [Series],
      valueLabel: String = "items", width: Int = 640, height: Int = 300
    ) {
      self.id = id
      self.title = title
      self.description = description
      self.categories = categories
      self.series = series
      self.valueLabel = valueLabel
      self.width = width
      self.height = height
    }
  }

  // MARK: Palette

  /// The Okabe–Ito palette, safe for readers with colour-vision deficiencies.
  public enum Palette {
    /// Blue.
    public static let blue = "#0072B2"
    /// Orange.
    public static let orange = "#E69F00"
    /// Bluish green.
    public static let green = "#009E73"
    /// Vermillion.
    public static let vermillion = "#D55E00"
    /// Sky blue.
    public static let skyBlue = "#56B4E9"
    /// Reddish purple.
    public static let purple = "#CC79A7"
    /// Yellow.
    public static let yellow = "#F0E442"
    /// Near black, for text and axes.
    public static let ink = "#1a1a1a"
  }

  /// The colour of a dimension: blue, orange, bluish green.
  public static func colour(of dimension: Dimension) -> String {
    switch dimension {
    case .capacitating: Palette.blue
    case .calibrating: Palette.orange
    case .calculating: Palette.green
    }
  }

  /// The marker of a dimension in line charts, so lines differ by shape as well as colour.
  public static func marker(of dimension: Dimension) -> Marker {
    switch dimension {
    case .capacitating: .circle
    case .calibrating: .square
    case .calculating: .triangle
    }
  }

  /// The dash pattern of a dimension's line.
  public static func dash(of dimension: Dimension) -> String {
    switch dimension {
    case .capacitating: ""
    case .calibrating: "7 4"
    case .calculating: "2 3"
    }
  }

  static let fontFamily =
    "system-ui, -apple-system, &quot;Segoe UI&quot;, Roboto, &quot;Helvetica Neue&quot;, Arial, sans-serif"

  // MARK: Sparklines

  /// The values as a line of block characters from `▁` (the smallest) to `█` (the largest),
  /// one per value; a flat series is all `▄` (all `▁` when every value is zero).
  ///
  /// ```swift
  /// SVGChart.sparkline([0, 2, 4, 8])  // "▁▃▅█"
  /// ```
  public static func sparkline(_ values: [Int]) -> String {
    let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    guard let low = values.min(), let high = values.max() else { return "" }
    if low == high { return String(repeating: high == 0 ? "▁" : "▄", count: values.count) }
    return String(
      values.map { value in
        blocks[min(7, Int((Double(value - low) / Double(high - low) * 7).rounded()))]
      })
  }

  /// A small line chart with no axes: the shape of a series, for a table cell or a card.
  public static func sparklineImage(
    id: String, title: String, values: [Double], colour: String, width: Int = 160,
    height: Int = 36
  ) -> String {
    let ids = Identifiers(id)
    var svg = open(ids: ids, width: width, height: height, title: title, description: title)
    guard values.count > 1, let low = values.min(), let high = values.max() else {
      return svg + "</svg>"
    }
    let span = high - low == 0 ? 1 : high - low
    let points = values.enumerated().map { index, value -> (Double, Double) in
      let x = 3 + Double(index) / Double(values.count - 1) * Double(width - 6)
      let y = Double(height - 4) - (value - low) / span * Double(height - 8)
      return (x, y)
    }
    let path = points.map { "\(number($0.0)),\(number($0.1))" }.joined(separator: " ")
    let area =
      "3,\(height - 2) " + path + " \(number(points.last?.0 ?? 0)),\(height - 2)"
    svg += "<polygon points=\"\(area)\" fill=\"\(attribute(colour))\" fill-opacity=\"0.15\"/>"
    svg +=
      "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(attribute(colour))\" stroke-width=\"2\" stroke-linejoin=\"round\"/>"
    if let last = points.last {
      svg +=
        "<circle cx=\"\(number(last.0))\" cy=\"\(number(last.1))\" r=\"3\" fill=\"\(attribute(colour))\"/>"
    }
    return svg + "</svg>"
  }

  // MARK: Bars and lines

  /// A bar chart: one group per category, the series side by side, or stacked (the first
  /// series at the bottom) when `isStacked`.
  public static func bars(_ chart: Chart, isStacked: Bool = true) -> String {
    let ids = Identifiers(chart.id)
    let frame = Frame(chart: chart)
    let count = chart.categories.count
    var maximum = 0.0
    for index in 0..<count {
      let values = chart.series.map { index < $0.values.count ? $0.values[index] : 0 }
      maximum = max(maximum, isStacked ? values.reduce(0, +) : (values.max() ?? 0))
    }
    let scale = Scale(maximum: maximum)
    var svg = open(
      ids: ids, width: chart.width, height: chart.height, title: chart.title,
      description: chart.description)
    svg += patterns(ids: ids, series: chart.series)
    svg += axes(frame: frame, scale: scale, chart: chart)
    let band = frame.plotWidth / Double(max(count, 1))
    let groupWidth = band * 0.72
    for index in 0..<count {
      let left = frame.left + band * Double(index) + (band - groupWidth) / 2
      var base = 0.0
      for (position, series) in chart.series.enumerated() {
        let value = index < series.values.count ? max(0, series.values[index]) : 0
        let x: Double
        let width: Double
        let bottom: Double
        if isStacked {
          x = left
          width = groupWidth
          bottom = base
          base += value
        } else {
          width = groupWidth / Double(max(chart.series.count, 1))
          x = left + width * Double(position)
          bottom = 0
        }
        guard value > 0 else { continue }
        let top = frame.y(bottom + value, scale)
        let height = frame.y(bottom, scale) - top
        svg +=
          "<rect x=\"\(number(x))\" y=\"\(number(top))\" width=\"\(number(width))\" height=\"\(number(height))\" \(paint(series, position: position, ids: ids))>"
          + "<title>\(HTMLText.escape("\(chart.categories[index]): \(series.name) \(label(value))"))</title></rect>"
      }
    }
    svg += legend(series: chart.series, ids: ids, frame: frame, isLine: false)
    return svg + "</svg>"
  }

  /// A line chart: one line per series through the categories, each with its own colour,
  /// dash pattern and point shape.
  public static func lines(_ chart: Chart) -> String {
    let ids = Identifiers(chart.id)
    let frame = Frame(chart: chart)
    let count = chart.categories.count
    let maximum = chart.series.flatMap(\.values).max() ?? 0
    let scale = Scale(maximum: maximum)
    var svg = open(
      ids: ids, width: chart.width, height: chart.height, title: chart.title,
      description: chart.description)
    svg += axes(frame: frame, scale: scale, chart: chart)
    let band = frame.plotWidth / Double(max(count, 1))
    for series in chart.series {
      let points = series.values.prefix(count).enumerated().map { index, value in
        (frame.left + band * (Double(index) + 0.5), frame.y(max(0, value), scale))
      }
      let list = points.map { "\(number($0.0)),\(number($0.1))" }.joined(separator: " ")
      let dash = series.dash.isEmpty ? "" : " stroke-dasharray=\"\(attribute(series.dash))\""
      svg +=
        "<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(attribute(series.colour))\" stroke-width=\"2.5\"\(dash) stroke-linejoin=\"round\"/>"
      for (index, point) in points.enumerated() {
        svg += shape(
          series.marker, x: point.0, y: point.1, size: 4, colour: series.colour,
          tooltip: "\(chart.categories[index]): \(series.name) \(label(series.values[index]))")
      }
    }
    svg += legend(series: chart.series, ids: ids, frame: frame, isLine: true)
    return svg + "</svg>"
  }

  // MARK: Six boxes

  /// The six boxes as a grid: a column per dimension, visible value above invisible, with
  /// the items and monetised totals of each box; with `before`, each box's change since
  /// then, and with `madeVisible`, the movement from invisible to visible per dimension.
  ///
  /// With `isCompact`, a small grid of item counts only, for a card.
  public static func sixBoxes(
    id: String, title: String, boxes: SixBoxes, before: SixBoxes? = nil,
    madeVisible: [Int]? = nil, currency: String? = nil, isCompact: Bool = false
  ) -> String {
    let ids = Identifiers(id)
    let width = isCompact ? 216 : 660
    let height = isCompact ? 104 : 300
    let labelWidth = isCompact ? 0.0 : 78.0
    let header = isCompact ? 16.0 : 30.0
    let gap = isCompact ? 4.0 : 34.0
    let columnWidth = (Double(width) - labelWidth) / 3
    let rowHeight = (Double(height) - header - gap) / 2
    var lines: [String] = []
    for dimension in Dimension.allCases {
      let figures = boxes[dimension]
      var line =
        "\(dimension.rawValue): \(figures.visible.items) visible, \(figures.invisible.items) invisible"
      if let madeVisible, dimension.index < madeVisible.count {
        line += ", \(madeVisible[dimension.index]) made visible"
      }
      lines.append(line)
    }
    var svg = open(
      ids: ids, width: width, height: height, title: title,
      description: lines.joined(separator: "; ") + ".")
    svg += patterns(
      ids: ids,
      series: Dimension.allCases.map {
        Series(name: $0.rawValue, values: [], colour: colour(of: $0), fill: .hatched)
      }, lineOpacity: 0.3)
    if !isCompact {
      for (row, name) in ["visible", "invisible"].enumerated() {
        let y = header + Double(row) * (rowHeight + gap) + rowHeight / 2
        svg +=
          "<text x=\"0\" y=\"\(number(y))\" font-size=\"13\" font-weight=\"600\" dominant-baseline=\"middle\">\(name)</text>"
        svg +=
          "<text x=\"0\" y=\"\(number(y + 16))\" font-size=\"10\" fill=\"#555\" dominant-baseline=\"middle\">\(row == 0 ? "known, evidenced" : "knowable")</text>"
      }
    }
    for dimension in Dimension.allCases {
      let x = labelWidth + Double(dimension.index) * columnWidth
      let centre = x + columnWidth / 2
      let tone = colour(of: dimension)
      svg +=
        "<text x=\"\(number(centre))\" y=\"\(number(header - (isCompact ? 4 : 10)))\" text-anchor=\"middle\" font-size=\"\(isCompact ? 10 : 14)\" font-weight=\"700\" fill=\"\(Palette.ink)\">\(dimension.rawValue)</text>"
      for visibility in Visibility.allCases {
        let row = visibility == .visible ? 0.0 : 1.0
        let y = header + row * (rowHeight + gap)
        let box = boxes[dimension][visibility]
        let isVisible = visibility == .visible
        let fill =
          isVisible
          ? "fill=\"\(tone)\" fill-opacity=\"0.22\""
          : "fill=\"url(#\(ids.pattern(dimension.index)))\""
        let stroke =
          "stroke=\"\(tone)\" stroke-width=\"\(isVisible ? 3 : 2)\""
          + (isVisible ? "" : " stroke-dasharray=\"6 4\"")
        svg +=
          "<rect x=\"\(number(x + 3))\" y=\"\(number(y))\" width=\"\(number(columnWidth - 6))\" height=\"\(number(rowHeight))\" rx=\"6\" \(fill) \(stroke)/>"
        let itemsY = y + rowHeight * (isCompact ? 0.62 : 0.4)
        svg +=
          "<text x=\"\(number(centre))\" y=\"\(number(itemsY))\" text-anchor=\"middle\" font-size=\"\(isCompact ? 16 : 30)\" font-weight=\"700\" fill=\"\(Palette.ink)\">\(box.items)</text>"
        if !isCompact {
          svg +=
            "<text x=\"\(number(centre))\" y=\"\(number(itemsY + 18))\" text-anchor=\"middle\" font-size=\"11\" fill=\"#333\">items · \(visibility.rawValue)</text>"
          let money = HTMLText.escape((currency.map { "\($0) " } ?? "") + grouped(box.monetised))
          svg +=
            "<text x=\"\(number(centre))\" y=\"\(number(itemsY + 36))\" text-anchor=\"middle\" font-size=\"12\" fill=\"#333\">\(money)</text>"
          if let before {
            let change = box.items - before[dimension][visibility].items
            svg +=
              "<text x=\"\(number(centre))\" y=\"\(number(itemsY + 53))\" text-anchor=\"middle\" font-size=\"11\" fill=\"#555\">\(change >= 0 ? "+" : "−")\(abs(change)) over the range</text>"
          }
        }
      }
      if !isCompact, let madeVisible, dimension.index < madeVisible.count {
        let top = header + rowHeight + 4
        let bottom = top + gap - 8
        svg +=
          "<path d=\"M\(number(centre - 60)) \(number(bottom)) L\(number(centre - 60)) \(number(top + 6)) M\(number(centre - 65)) \(number(top + 11)) L\(number(centre - 60)) \(number(top + 4)) L\(number(centre - 55)) \(number(top + 11))\" stroke=\"\(Palette.vermillion)\" stroke-width=\"2.5\" fill=\"none\"/>"
        svg +=
          "<text x=\"\(number(centre - 48))\" y=\"\(number((top + bottom) / 2 + 4))\" font-size=\"12\" font-weight=\"600\" fill=\"\(Palette.vermillion)\">\(madeVisible[dimension.index]) made visible</text>"
      }
    }
    return svg + "</svg>"
  }

  // MARK: Drawing helpers

  /// The ids a chart uses, all derived from its prefix.
  struct Identifiers {
    var prefix: String
    init(_ id: String) { prefix = HTMLText.identifier(id) }
    var title: String { prefix + "-title" }
    var description: String { prefix + "-desc" }
    func pattern(_ index: Int) -> String { prefix + "-hatch-\(index)" }
  }

  /// The drawing area of a bar or line chart.
  struct Frame {
    var left = 58.0
    var top = 40.0
    var right: Double
    var bottom: Double
    init(chart: Chart) {
      right = Double(chart.width) - 12
      bottom = Double(chart.height) - 42
    }
    var plotWidth: Double { right - left }
    func y(_ value: Double, _ scale: Scale) -> Double {
      bottom - (bottom - top) * (value / scale.top)
    }
  }

  /// A vertical scale with round ticks.
  struct Scale {
    var top: Double
    var step: Double
    init(maximum: Double) {
      guard maximum > 0 else {
        top = 1
        step = 1
        return
      }
      let rough = maximum / 4
      let power = pow(10, floor(log10(rough)))
      let fraction = rough / power
      let nice = fraction <= 1 ? 1.0 : fraction <= 2 ? 2.0 : fraction <= 5 ? 5.0 : 10.0
      step = max(1, nice * power)
      top = (maximum / step).rounded(.up) * step
    }
    var ticks: [Double] {
      stride(from: 0.0, through: top + step / 2, by: step).map { $0 }
    }
  }

  static func open(ids: Identifiers, width: Int, height: Int, title: String, description: String)
    -> String
  {
    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-labelledby=\"\(ids.title) \(ids.description)\" font-family=\"\(fontFamily)\" style=\"max-width:100%;height:auto\">"
      + "<title id=\"\(ids.title)\">\(HTMLText.escape(title))</title>"
      + "<desc id=\"\(ids.description)\">\(HTMLText.escape(description))</desc>"
  }

  /// Hatching patterns for the hatched series, one per series position.
  static func patterns(ids: Identifiers, series: [Series], lineOpacity: Double = 1) -> String {
    var defs = ""
    for (index, series) in series.enumerated() where series.fill == .hatched {
      let tone = attribute(series.colour)
      defs +=
        "<pattern id=\"\(ids.pattern(index))\" width=\"7\" height=\"7\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
        + "<rect width=\"7\" height=\"7\" fill=\"\(tone)\" fill-opacity=\"0.12\"/>"
        + "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"7\" stroke=\"\(tone)\" stroke-width=\"3\" stroke-opacity=\"\(number(lineOpacity))\"/></pattern>"
    }
    return defs.isEmpty ? "" : "<defs>\(defs)</defs>"
  }

  static func paint(_ series: Series, position: Int, ids: Identifiers) -> String {
    switch series.fill {
    case .solid:
      "fill=\"\(attribute(series.colour))\""
    case .hatched:
      "fill=\"url(#\(ids.pattern(position)))\" stroke=\"\(attribute(series.colour))\" stroke-width=\"1.5\""
    }
  }

  static func axes(frame: Frame, scale: Scale, chart: Chart) -> String {
    var svg = "<g font-size=\"11\" fill=\"#333\">"
    for tick in scale.ticks {
      let y = frame.y(tick, scale)
      svg +=
        "<line x1=\"\(number(frame.left))\" x2=\"\(number(frame.right))\" y1=\"\(number(y))\" y2=\"\(number(y))\" stroke=\"#d0d0d0\" stroke-width=\"1\"/>"
      svg +=
        "<text x=\"\(number(frame.left - 6))\" y=\"\(number(y + 4))\" text-anchor=\"end\">\(label(tick))</text>"
    }
    svg +=
      "<line x1=\"\(number(frame.left))\" x2=\"\(number(frame.left))\" y1=\"\(number(frame.top))\" y2=\"\(number(frame.bottom))\" stroke=\"#333\"/>"
    svg +=
      "<line x1=\"\(number(frame.left))\" x2=\"\(number(frame.right))\" y1=\"\(number(frame.bottom))\" y2=\"\(number(frame.bottom))\" stroke=\"#333\"/>"
    svg +=
      "<text transform=\"translate(14 \(number((frame.top + frame.bottom) / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">\(HTMLText.escape(chart.valueLabel))</text>"
    let count = chart.categories.count
    let band = frame.plotWidth / Double(max(count, 1))
    let every = max(1, Int((Double(count) * 52 / frame.plotWidth).rounded(.up)))
    for (index, category) in chart.categories.enumerated()
    where index % every == 0 || index == count - 1 && count <= 3 {
      let x = frame.left + band * (Double(index) + 0.5)
      svg +=
        "<line x1=\"\(number(x))\" x2=\"\(number(x))\" y1=\"\(number(frame.bottom))\" y2=\"\(number(frame.bottom + 4))\" stroke=\"#333\"/>"
      svg +=
        "<text x=\"\(number(x))\" y=\"\(number(frame.bottom + 17))\" text-anchor=\"middle\">\(HTMLText.escape(category))</text>"
    }
    return svg + "</g>"
  }

  static func legend(series: [Series], ids: Identifiers, frame: Frame, isLine: Bool) -> String {
    var svg = "<g font-size=\"12\" fill=\"\(Palette.ink)\">"
    var x = frame.left
    for (position, item) in series.enumerated() {
      if isLine {
        let dash = item.dash.isEmpty ? "" : " stroke-dasharray=\"\(attribute(item.dash))\""
        svg +=
          "<line x1=\"\(number(x))\" x2=\"\(number(x + 26))\" y1=\"14\" y2=\"14\" stroke=\"\(attribute(item.colour))\" stroke-width=\"2.5\"\(dash)/>"
        svg += shape(item.marker, x: x + 13, y: 14, size: 4, colour: item.colour)
      } else {
        svg +=
          "<rect x=\"\(number(x))\" y=\"6\" width=\"22\" height=\"16\" \(paint(item, position: position, ids: ids))/>"
      }
      svg += "<text x=\"\(number(x + 32))\" y=\"18\">\(HTMLText.escape(item.name))</text>"
      x += 44 + Double(item.name.count) * 7
    }
    return svg + "</g>"
  }

  static func shape(
    _ marker: Marker, x: Double, y: Double, size: Double, colour: String, tooltip: String? = nil
  ) -> String {
    let s = size
    let d: String
    switch marker {
    case .circle:
      d =
        "M\(number(x - s)) \(number(y)) a\(number(s)) \(number(s)) 0 1 0 \(number(2 * s)) 0 a\(number(s)) \(number(s)) 0 1 0 \(number(-2 * s)) 0"
    case .square:
      d =
        "M\(number(x - s)) \(number(y - s)) h\(number(2 * s)) v\(number(2 * s)) h\(number(-2 * s)) z"
    case .triangle:
      d =
        "M\(number(x)) \(number(y - s * 1.2)) L\(number(x + s * 1.2)) \(number(y + s)) L\(number(x - s * 1.2)) \(number(y + s)) z"
    case .diamond:
      d =
        "M\(number(x)) \(number(y - s * 1.3)) L\(number(x + s * 1.3)) \(number(y)) L\(number(x)) \(number(y + s * 1.3)) L\(number(x - s * 1.3)) \(number(y)) z"
    }
    let open = "<path d=\"\(d)\" fill=\"\(attribute(colour))\" stroke=\"#fff\" stroke-width=\"1\""
    guard let tooltip else { return open + "/>" }
    return open + "><title>\(HTMLText.escape(tooltip))</title></path>"
  }

  /// A coordinate with at most one decimal.
  static func number(_ value: Double) -> String {
    let rounded = (value * 10).rounded() / 10
    if rounded == rounded.rounded() { return String(Int(rounded)) }
    return String(format: "%.1f", rounded)
  }

  /// A value as an axis or tooltip label: whole numbers as they are, large ones shortened.
  static func label(_ value: Double) -> String {
    if abs(value) >= 1_000_000 { return String(format: "%.1fM", value / 1_000_000) }
    if abs(value) >= 10_000 { return String(format: "%.0fk", value / 1000) }
    if value == value.rounded() { return String(Int(value)) }
    return String(format: "%.2f", value)
  }

  static func attribute(_ text: String) -> String { HTMLText.escape(text) }

  /// An amount with thousands separated by commas: `1,234,567.89`.
  static func grouped(_ money: Money) -> String {
    let text = money.description
    let negative = text.hasPrefix("-")
    let digits = negative ? String(text.dropFirst()) : text
    let parts = digits.split(separator: ".", maxSplits: 1)
    let whole = Array(parts.first ?? "0")
    var result = ""
    for (index, character) in whole.enumerated() {
      if index > 0, (whole.count - index) % 3 == 0 { result.append(",") }
      result.append(character)
    }
    if parts.count > 1 { result += "." + parts[1] }
    return (negative ? "-" : "") + result
  }
}
