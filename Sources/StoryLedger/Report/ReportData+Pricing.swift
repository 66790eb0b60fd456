/// The report's section on how money figures were calculated: the proxies that price the
/// subtree's items at the end of the range, with their values and sources.
public struct ReportPricing: Hashable, Sendable, Codable {
  /// One proxy and the items it prices.
  public struct Proxy: Hashable, Sendable, Codable {
    /// The proxy, with every dated value and its source.
    public var proxy: ProxyView
    /// The subtree's items whose figure at the end of the range it computes.
    public var items: Int
    /// The sum of those figures.
    public var monetised: Money
  }

  /// The proxies used, in the order they were first set.
  public var proxies: [Proxy]
  /// The subtree's items with a monetised value at the end of the range.
  public var monetisedItems: Int
  /// Of those, the items whose figure was entered by hand.
  public var byHand: Int
}

extension Ledger {
  /// The pricing section of a report of `path` at the end of `range`, or `nil` when no
  /// item of its subtree is priced by a proxy then.
  func reportPricing(of path: NodePath, range: DateRange) throws -> ReportPricing? {
    // Only a ledger with proxies has priced items: no scan of the revisions without one.
    guard state.dialogue.contains(where: { $0.payload.type == .proxySet }) else { return nil }
    let list = try items(
      ItemQuery(scope: .node(path), range: DateRange(start: .earliest, end: range.end)))
    var counts: [String: (items: Int, cents: Int64)] = [:]
    var monetised = 0
    var byHand = 0
    for item in list.items {
      guard let figure = item.monetised else { continue }
      monetised += 1
      guard let pricing = item.pricing else {
        byHand += 1
        continue
      }
      counts[pricing.proxy, default: (0, 0)].items += 1
      counts[pricing.proxy, default: (0, 0)].cents += figure.cents
    }
    guard !counts.isEmpty else { return nil }
    let proxies = self.proxies.compactMap { view -> ReportPricing.Proxy? in
      guard let count = counts[view.name] else { return nil }
      return ReportPricing.Proxy(
        proxy: view, items: count.items, monetised: Money(cents: count.cents))
    }
    return ReportPricing(proxies: proxies, monetisedItems: monetised, byHand: byHand)
  }
}

extension ReportPage {
  /// The section on how money figures were calculated.
  mutating func pricing() {
    guard let pricing = report.pricing else { return }
    let priced = pricing.monetisedItems - pricing.byHand
    output += """
      <section id="pricing" aria-labelledby="pricing-heading">
      <h2 id="pricing-heading">How money figures were calculated</h2>
      <p class="lead">Of the \(pricing.monetisedItems) item\(pricing.monetisedItems == 1 ? "" : "s") with a money figure at \(report.range.end), <span data-key="pricing.priced">\(priced)</span> \(priced == 1 ? "is" : "are") computed as quantity × a proxy's value × a multiplier, and \(pricing.byHand) \(pricing.byHand == 1 ? "was" : "were") entered by hand. Each figure uses the proxy's value on its date; when a proxy was revised, the figures follow from the revision's date.</p>
      <div class="table-wrap wide"><table>
      <caption>Proxies and the figures they compute</caption>
      <thead><tr><th scope="col">proxy</th><th scope="col">value per unit</th><th scope="col">from</th><th scope="col">source</th><th scope="col">items</th><th scope="col">monetised</th></tr></thead>
      <tbody>

      """
    for entry in pricing.proxies {
      for (index, value) in entry.proxy.values.enumerated() {
        let name = index == 0 ? esc(entry.proxy.name) : ""
        let figures =
          index == 0
          ? cell(entry.items) + cell(entry.monetised) : "<td></td><td></td>"
        output +=
          "<tr><th scope=\"row\">\(name)</th><td class=\"num\">\(esc(value.value.description)) per \(esc(entry.proxy.unit))</td><td>\(value.from)</td><td class=\"text\">\(esc(value.source))</td>\(figures)</tr>\n"
      }
    }
    output += "</tbody></table></div>\n</section>\n"
  }
}
