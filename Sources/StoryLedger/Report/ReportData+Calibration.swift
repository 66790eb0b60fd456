/// The report's calibrating section: how several people rated the subtree's items, and how
/// far the agreed values lie from their ratings.
public struct ReportCalibration: Hashable, Sendable, Codable {
  /// One rated item of the subtree.
  public struct Item: Hashable, Sendable, Codable {
    /// `STORY/ITEM`.
    public var reference: String
    /// The item's dimension.
    public var dimension: Dimension
    /// What the item of value is, if described.
    public var description: String?
    /// Its ratings and agreed value at the end of the range (raters' names left out).
    public var calibration: ItemCalibration
  }

  /// The spread over all the subtree's rated items at the end of the range.
  public var counts: RatingCounts
  /// The rated items, those whose agreed value lies furthest from their ratings first
  /// (then the most rated), at most ``limit``.
  public var items: [Item]
  /// How many items were rated or agreed (``items`` lists at most ``limit``).
  public var total: Int

  /// The most items the report lists.
  public static let limit = 20
}

extension Ledger {
  /// The calibrating section of a report of `path` at the end of `range`, or `nil` when no
  /// item of its subtree was rated or given a value by `item agree`.
  func reportCalibration(of path: NodePath, range: DateRange) throws -> ReportCalibration? {
    guard state.dialogue.contains(where: { $0.payload.type == .itemRated }) else { return nil }
    let list = try items(
      ItemQuery(scope: .node(path), range: DateRange(start: .earliest, end: range.end)))
    var rated: [ReportCalibration.Item] = []
    for item in list.items {
      guard var calibration = item.calibration else { continue }
      calibration.ratings = calibration.ratings.map {
        ItemCalibration.Rating(by: "", weight: $0.weight, on: $0.on)
      }
      rated.append(
        ReportCalibration.Item(
          reference: "\(item.story)/\(item.item)", dimension: item.dimension,
          description: item.description, calibration: calibration))
    }
    guard !rated.isEmpty else { return nil }
    let counts = RatingCounts(rated.map(\.calibration))
    rated.sort {
      let left = ($0.calibration.distance?.magnitude ?? -1, $0.calibration.count)
      let right = ($1.calibration.distance?.magnitude ?? -1, $1.calibration.count)
      return left != right ? left > right : $0.reference < $1.reference
    }
    return ReportCalibration(
      counts: counts, items: Array(rated.prefix(ReportCalibration.limit)), total: rated.count)
  }
}

extension ReportPage {
  /// The calibrating section: the spread of the subtree's ratings, and the items whose
  /// agreed value lies furthest from their ratings.
  mutating func calibration() {
    guard let calibration = report.calibration else { return }
    let counts = calibration.counts
    func text(_ value: Double?) -> String { value.map(ItemCalibration.text) ?? "—" }
    output += """
      <section id="calibration" aria-labelledby="calibration-heading">
      <h2 id="calibration-heading">Calibrating by many people</h2>
      <p class="lead">By \(report.range.end), \(counts.ratings) rating\(counts.ratings == 1 ? "" : "s") of \(counts.itemsRated) item\(counts.itemsRated == 1 ? "" : "s") count (each person's latest): median <span data-key="ratings.median">\(text(counts.median))</span>, from \(counts.minimum.map(String.init) ?? "—") to \(counts.maximum.map(String.init) ?? "—"). \(counts.itemsCompared) item\(counts.itemsCompared == 1 ? " has" : "s have") an agreed value; the median distance between agreed value and ratings is <span data-key="ratings.median-distance">\(text(counts.medianDistance))</span>.</p>
      <div class="table-wrap wide"><table>
      <caption>Rated items, the agreed value furthest from the ratings first\(calibration.total > calibration.items.count ? " (\(calibration.items.count) of \(calibration.total))" : "")</caption>
      <thead><tr><th scope="col">item</th><th scope="col">dimension</th><th scope="col">description</th><th scope="col">ratings</th><th scope="col">median</th><th scope="col">range</th><th scope="col">agreed</th><th scope="col">distance</th></tr></thead>
      <tbody>

      """
    for item in calibration.items {
      let spread = item.calibration
      let range = spread.minimum.map { low in "\(low)–\(spread.maximum ?? low)" } ?? "—"
      let distance = spread.distance.map { ($0 > 0 ? "+" : "") + ItemCalibration.text($0) } ?? "—"
      output +=
        "<tr><th scope=\"row\">\(esc(item.reference))</th><td>\(dot(item.dimension))\(item.dimension.rawValue)</td><td class=\"text\">\(esc(item.description ?? ""))</td>"
        + cell(spread.count)
        + "<td class=\"num\">\(text(spread.median))</td><td class=\"num\">\(range)</td><td class=\"num\">\(spread.agreed.map(String.init) ?? "—")</td><td class=\"num\">\(distance)</td></tr>\n"
    }
    output += "</tbody></table></div>\n</section>\n"
  }

  /// The verifications of a selected story, as a paragraph (empty when there are none).
  func verified(_ verifications: [VerificationView]) -> String {
    guard !verifications.isEmpty else { return "" }
    let parts = verifications.map { verification in
      let who = verification.by.isEmpty ? "(name erased)" : verification.by
      return "\(verification.on) by \(esc(who)): \(esc(verification.how))"
    }
    return "<p class=\"verified\"><strong>Verified:</strong> \(parts.joined(separator: "; "))</p>"
  }
}
