import Foundation

/// Proxies: how a money figure is calculated.
///
/// A proxy is a named unit value with its source and the date it applies from ("bed-day,
/// £400, source: NHS reference costs 2024, from 2024-04-01"). An item priced by it has the
/// monetised value *quantity × the proxy's value on the item's date × multiplier*, recorded
/// with the proxy's name and multiplier (``ItemFacts/proxy``, ``ItemFacts/multiplier``), so
/// `story show` and the report can say how each figure was reached. When a proxy takes a new
/// value from a date, the items priced by it are revised from that date in the same append.
/// Hand-entered monetised values stay possible.
///
/// ```swift
/// try ledger.setProxy(
///   "bed-day", value: Money(cents: 40_000), per: "bed-day",
///   source: "NHS reference costs 2024", from: Day(year: 2024, month: 4, day: 1)!)
/// try ledger.addItem(
///   to: story, dimension: .calculating, on: Day(year: 2024, month: 5, day: 2)!,
///   facts: ItemFacts(visibility: .visible, quantity: "13", proxy: "bed-day"))  // £5,200.00
/// ```
extension Ledger {
  /// What ``setProxy(_:value:per:source:from:options:)`` did.
  public struct ProxyChange: Sendable {
    /// The proxy's name as the ledger spells it.
    public var name: String
    /// The items whose figures the new value revised (one `item.revised` each date).
    public var revised: [ItemRef]
    /// The append: the `proxy.set` event, then the items' revisions.
    public var append: AppendResult
  }

  /// Sets a proxy's value from a date (default: today): the value one unit of `unit` is
  /// worth, and where the figure comes from. A name differing only in case is the proxy's.
  /// The figures of the items priced by the proxy follow from that date (until the proxy's
  /// next value): each is revised, in the same append, where its figure changes.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` when the name or unit is empty or
  ///   has a control character, the unit differs from the proxy's, the source says nothing,
  ///   or a revised figure would be too large.
  @discardableResult
  public func setProxy(
    _ name: String, value: Money, per unit: String, source: String, from: Day? = nil,
    options: AppendOptions = AppendOptions()
  ) throws -> ProxyChange {
    let day = from ?? today
    var set = ProxySet(
      name: name.trimmingCharacters(in: .whitespaces), value: value,
      unit: unit.trimmingCharacters(in: .whitespaces),
      source: source.trimmingCharacters(in: .whitespacesAndNewlines), from: day)
    var revised: [ItemRef] = []
    let append = try appendPlanned(options: options, writing: .proxySet) { state in
      var table = state.proxyTable
      if let defined = table.defined(set.name) { set.name = defined }
      try table.validate(set)
      table.add(set)
      let revisions = try proxyRevisions(after: set, table: table, in: state)
      revised = revisions.compactMap {
        guard case .itemRevised(let event) = $0 else { return nil }
        return ItemRef(story: StoryRef(event.story), key: event.item)
      }
      let events = [EventPayload.proxySet(set)] + revisions
      try state.validate(events)
      return events
    }
    var seen = Set<ItemRef>()
    return ProxyChange(
      name: set.name, revised: revised.filter { seen.insert($0).inserted }, append: append)
  }

  /// The ledger's proxies, in the order they were first set, each with its dated values.
  public var proxies: [ProxyView] { state.proxyViews }

  /// The revisions that make the figures of the items priced by `set.name` follow its new
  /// value (`table` holds it): for each item, at the value's first day if the item is priced
  /// by the proxy then, and at each of its revisions priced by it before the proxy's next
  /// value, where the figure would change.
  func proxyRevisions(after set: ProxySet, table: ProxyTable, in state: LedgerState) throws
    -> [EventPayload]
  {
    let until = table.nextChange(of: set.name, after: set.from)
    var events: [EventPayload] = []
    let chains = try factsChains(of: state.pricedItems, in: state)
    for (item, chain) in chains {
      guard !state.isWithdrawn(state.items[item].story), let first = chain.first else {
        continue
      }
      var dates = Set<Day>()
      if first.day <= set.from { dates.insert(set.from) }
      for entry in chain where entry.day > set.from && until.map({ entry.day < $0 }) ?? true {
        dates.insert(entry.day)
      }
      var added: [(day: Day, facts: ItemFacts)] = []
      for day in dates.sorted() {
        // The item on `day`: its revisions up to then in date order, each added here after
        // the item's own of the same date.
        let upTo =
          (chain.filter { $0.day <= day }.map { ($0.day, 0, $0.facts) })
          + added.map { ($0.day, 1, $0.facts) }
        let pricing = ItemPricingState(
          upTo.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2))
        guard let proxy = pricing.proxy, proxy == set.name, let quantity = pricing.quantity
        else { continue }
        let figure: Money
        do {
          figure = try ProxyArithmetic.monetised(
            quantity: quantity, value: set.value, multiplier: pricing.multiplier)
        } catch { throw LedgerError.invalid(error) }
        guard figure != pricing.monetised else { continue }
        added.append(
          (
            day,
            ItemFacts(
              quantity: quantity, monetised: figure, proxy: proxy,
              multiplier: pricing.multiplier)
          ))
      }
      let record = state.items[item]
      let story = state.text.string(state.stories[record.story].key)
      let key = state.text.string(record.key)
      events += added.map {
        .itemRevised(ItemRevised(story: story, item: key, on: $0.day, facts: $0.facts))
      }
    }
    return events
  }

  /// The facts of each item's revisions, in date order, read from the log.
  func factsChains(of items: [Int32], in state: LedgerState) throws
    -> [(item: Int32, chain: [(day: Day, facts: ItemFacts)])]
  {
    var sequences: [UInt64] = []
    for item in items {
      var cursor = state.items[item].first
      while cursor >= 0 {
        sequences.append(state.revisions[cursor].sequence)
        cursor = state.revisions[cursor].next
      }
    }
    var facts: [UInt64: ItemFacts] = [:]
    try store.read(sequences: sequences) { event in
      switch event.payload {
      case .itemRecorded(let recorded): facts[event.sequence] = recorded.facts
      case .itemRevised(let revised): facts[event.sequence] = revised.facts
      default: break
      }
    }
    return items.map { item in
      var chain: [(day: Day, facts: ItemFacts)] = []
      var cursor = state.items[item].first
      while cursor >= 0 {
        let revision = state.revisions[cursor]
        chain.append((revision.day, facts[revision.sequence] ?? ItemFacts()))
        cursor = revision.next
      }
      return (item, chain)
    }
  }

  /// `facts` as they are recorded for an item (`item` `nil`: a new one) on `day`: a proxy
  /// named (in any case) prices the quantity, given or the item's; a new quantity or
  /// multiplier for an item priced by a proxy is priced again; a hand-entered figure is
  /// kept as it is.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` when both a figure and a proxy
  ///   are given, the proxy is unknown or has no value on `day`, there is no quantity to
  ///   price, or a multiplier is given for an item no proxy prices.
  func priced(_ facts: ItemFacts, item: Int32?, on day: Day, in state: LedgerState) throws
    -> ItemFacts
  {
    guard facts.proxy != nil || facts.multiplier != nil || facts.quantity != nil else {
      return facts
    }
    if let given = facts.monetised, let proxy = facts.proxy {
      throw LedgerError.invalid(
        ValueError(
          field: "monetised", value: given.description,
          reason:
            "is computed from proxy \(proxy) when one is named: give a monetised value or a proxy, not both"
        ))
    }
    guard facts.monetised == nil else { return facts }
    let table = state.proxyTable
    var current = ItemPricingState([])
    // The item's own pricing, read from the log only when a proxy priced it (or one is
    // named without a quantity).
    if let item, facts.proxy != nil ? facts.quantity == nil : state.hasPricedRevision(item) {
      let chain = try factsChains(of: [item], in: state).first?.chain ?? []
      current = ItemPricingState(chain.filter { $0.day <= day }.map(\.facts))
    }
    var result = facts
    if let proxy = facts.proxy {
      guard let defined = table.defined(proxy) else {
        throw LedgerError.invalid(
          ValueError(
            field: "proxy", value: proxy, reason: "is not a proxy of this ledger",
            validValues: table.order))
      }
      result.proxy = defined
    } else if let proxy = current.proxy {
      guard facts.quantity != nil || facts.multiplier != nil else { return facts }
      result.proxy = proxy
      result.multiplier = facts.multiplier ?? current.multiplier
    } else {
      if let multiplier = facts.multiplier {
        throw LedgerError.invalid(
          ValueError(
            field: "multiplier", value: multiplier,
            reason: "multiplies a proxy's value, and no proxy prices this item: name one"))
      }
      return facts
    }
    guard let quantity = facts.quantity ?? current.quantity else {
      throw LedgerError.invalid(
        ValueError(
          field: "proxy", value: result.proxy ?? "",
          reason: "prices a quantity, and the item has none: give its quantity"))
    }
    result.quantity = quantity
    guard let value = table.value(of: result.proxy ?? "", on: day) else {
      try table.validatePricing(result, on: day)  // names the first date it has a value
      return result
    }
    do {
      result.monetised = try ProxyArithmetic.monetised(
        quantity: quantity, value: value.value, multiplier: result.multiplier)
    } catch { throw LedgerError.invalid(error) }
    return result
  }
}

/// What an item's revisions, applied in order, say of its pricing: its quantity, its
/// figure, and the proxy and multiplier the figure was computed from (none when the latest
/// figure was entered by hand).
struct ItemPricingState {
  var quantity: String?
  var monetised: Money?
  var proxy: String?
  var multiplier: String?

  init(_ revisions: [ItemFacts]) {
    for facts in revisions {
      if let value = facts.quantity { quantity = value }
      if let value = facts.monetised {
        monetised = value
        proxy = facts.proxy
        multiplier = facts.proxy == nil ? nil : facts.multiplier
      }
    }
  }
}
