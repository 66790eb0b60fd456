import Foundation

/// A proxy and its dated values, as `storyledger proxies` lists them.
public struct ProxyView: Hashable, Sendable, Codable {
  /// One value and the day it applies from.
  public struct Value: Hashable, Sendable, Codable {
    /// What one unit is worth.
    public var value: Money
    /// The first day it applies.
    public var from: Day
    /// Where the figure comes from.
    public var source: String
  }

  /// The proxy's name.
  public var name: String
  /// The unit it is a value of.
  public var unit: String
  /// Its values, by the day they apply from (one per day: a later one for the same day
  /// replaces it).
  public var values: [Value]
}

/// The ledger's proxies with their dated values (``ProxySet``), as the dialogue holds them.
struct ProxyTable {
  /// Each proxy's values by name, in the order they apply.
  var values: [String: [ProxySet]] = [:]
  /// The names, in the order they were first set.
  var order: [String] = []

  /// Adds a value: it applies from its day, replacing a value set for the same day.
  mutating func add(_ set: ProxySet) {
    var list = values[set.name] ?? []
    if list.isEmpty { order.append(set.name) }
    list.removeAll { $0.from == set.from }
    list.append(set)
    list.sort { $0.from < $1.from }
    values[set.name] = list
  }

  /// The defined name that `name` spells, ignoring case, if any.
  func defined(_ name: String) -> String? {
    let wanted = name.trimmingCharacters(in: .whitespaces).lowercased()
    return order.first { $0.lowercased() == wanted }
  }

  /// The value of the proxy `name` that applies on `day`: the latest dated on or before it.
  func value(of name: String, on day: Day) -> ProxySet? {
    values[name]?.last { $0.from <= day }
  }

  /// The day after `day` on which the proxy `name` takes its next value, if any.
  func nextChange(of name: String, after day: Day) -> Day? {
    values[name]?.first { $0.from > day }?.from
  }

  /// The views, in the order the proxies were first set.
  var views: [ProxyView] {
    order.compactMap { name in
      guard let list = values[name], let first = list.first else { return nil }
      return ProxyView(
        name: name, unit: first.unit,
        values: list.map { ProxyView.Value(value: $0.value, from: $0.from, source: $0.source) })
    }
  }

  /// Checks a new value: a name spelt as the proxy's (if it has one), the same unit, a
  /// source in words, a figure the ledger can hold.
  func validate(_ set: ProxySet) throws(LedgerError) {
    guard !set.name.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw LedgerError(.invalid, "a proxy needs a name")
    }
    for (field, text) in [("proxy", set.name), ("per", set.unit)] {
      if let problem = NameText.problem(in: text) {
        throw LedgerError.invalid(ValueError(field: field, value: text, reason: problem))
      }
    }
    guard !set.unit.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw LedgerError.invalid(
        ValueError(
          field: "per", value: set.unit,
          reason: "is empty: say what one unit is (bed-day, GP appointment)"))
    }
    if let existing = defined(set.name), existing != set.name {
      throw LedgerError.invalid(
        ValueError(
          field: "proxy", value: set.name, reason: "is spelt \(existing) in this ledger",
          validValues: [existing]))
    }
    if let unit = values[set.name]?.first?.unit, unit != set.unit {
      throw LedgerError.invalid(
        ValueError(
          field: "per", value: set.unit,
          reason:
            "differs from the unit of proxy \(set.name), \(unit): a proxy keeps its unit (set another proxy for another unit)",
          validValues: [unit]))
    }
    if set.value.cents.magnitude > UInt64(Money.maximumMagnitude) {
      throw LedgerError.invalid(
        ValueError(field: "value", value: set.value.description, reason: "is too large"))
    }
    try Prose.check(set.source, field: "source")
  }

  /// Checks facts priced by a proxy: a defined proxy with a value on `day`, the quantity
  /// given with it, and the monetised value it makes.
  func validatePricing(_ facts: ItemFacts, on day: Day) throws(LedgerError) {
    guard let proxy = facts.proxy else {
      if let multiplier = facts.multiplier {
        throw LedgerError.invalid(
          ValueError(
            field: "multiplier", value: multiplier,
            reason: "multiplies a proxy's value: give the proxy with it"))
      }
      return
    }
    guard values[proxy] != nil else {
      throw LedgerError.invalid(
        ValueError(
          field: "proxy", value: proxy, reason: "is not a proxy of this ledger",
          validValues: order))
    }
    guard let value = value(of: proxy, on: day) else {
      let first = values[proxy]?.first?.from.description ?? ""
      throw LedgerError.invalid(
        ValueError(
          field: "proxy", value: proxy,
          reason:
            "has no value on \(day): its first applies from \(first) (set one from an earlier date with proxy set --from)"
        ))
    }
    guard let quantity = facts.quantity else {
      throw LedgerError.invalid(
        ValueError(
          field: "proxy", value: proxy,
          reason: "prices a quantity: give the item's quantity with it"))
    }
    let computed: Money
    do {
      computed = try ProxyArithmetic.monetised(
        quantity: quantity, value: value.value, multiplier: facts.multiplier)
    } catch { throw LedgerError.invalid(error) }
    guard facts.monetised == computed else {
      throw LedgerError.invalid(
        ValueError(
          field: "monetised", value: facts.monetised?.description ?? "(none)",
          reason:
            "is not \(quantity) × \(value.value) (\(proxy) on \(day)) × \(facts.multiplier ?? "1") = \(computed): a figure priced by a proxy is the product"
        ))
    }
  }
}

extension LedgerState {
  /// The proxies and their values recorded so far.
  var proxyTable: ProxyTable {
    var table = ProxyTable()
    for record in dialogue {
      if case .proxySet(let set) = record.payload { table.add(set) }
    }
    return table
  }

  /// The ledger's proxies, in the order they were first set, each with its dated values.
  public var proxyViews: [ProxyView] { proxyTable.views }

  /// Whether a revision of `item` was priced by a proxy.
  func hasPricedRevision(_ item: Int32) -> Bool {
    var cursor = items[item].first
    while cursor >= 0 {
      if revisions[cursor].isPriced { return true }
      cursor = revisions[cursor].next
    }
    return false
  }

  /// The items with at least one revision priced by a proxy, by index.
  var pricedItems: [Int32] {
    var seen = Set<Int32>()
    revisions.forEachElement { _, revision in
      if revision.isPriced { seen.insert(revision.item) }
    }
    return seen.sorted()
  }
}
