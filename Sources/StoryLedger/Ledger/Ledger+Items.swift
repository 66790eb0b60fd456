import Foundation

/// An item of value as it stands at a date: its box and every fact its revisions gave it.
public struct ItemView: Hashable, Sendable, Codable {
  /// The story's key.
  public var story: String
  /// The item's key within the story.
  public var item: String
  /// The node the story is told at.
  public var node: NodePath
  /// The item's dimension.
  public var dimension: Dimension
  /// Its visibility at the date.
  public var visibility: Visibility
  /// What the item of value is.
  public var description: String?
  /// A decimal quantity.
  public var quantity: Quantity?
  /// The quantity's unit.
  public var unit: String?
  /// Its monetised proxy value.
  public var monetised: Money?
  /// Its weight, 1 to 5.
  public var weight: Int?
  /// Its evidence.
  public var evidence: String?
  /// Where its evidence can be checked (a URL), if given.
  public var evidenceLink: String?
  /// The SHA-256 digest (hexadecimal) of its evidence file, kept outside the ledger, if given.
  public var evidenceDigest: String?
  /// The date of its first revision.
  public var recordedOn: Day
  /// The date of its latest revision at the date.
  public var revisedOn: Day
  /// How many revisions it has at the date (its first included).
  public var revisions: Int
  /// The date it was last made visible (from invisible), if it was.
  public var madeVisibleOn: Day?
  /// Its ratings by several people and the group's agreed value, as of the same date; `nil`
  /// when it has no rating and no value agreed by `item agree`.
  public var calibration: ItemCalibration?
  /// How its monetised value was computed from a proxy; `nil` for a figure entered by hand.
  public var pricing: ItemPricing?
}

/// How an item's monetised value was reached: *quantity × the proxy's value × multiplier*,
/// with the proxy's value as it applied on the date of the revision that gave the figure.
public struct ItemPricing: Hashable, Sendable, Codable {
  /// The proxy's name.
  public var proxy: String
  /// The item's quantity.
  public var quantity: String
  /// The value of one unit.
  public var value: Money
  /// The unit.
  public var unit: String
  /// The multiplier (`1` when none was given).
  public var multiplier: String
  /// The first day of the proxy's value used.
  public var from: Day
  /// Where that value comes from.
  public var source: String
  /// The date of the revision that gave the figure.
  public var pricedOn: Day

  /// The figure's making, in a line: `13 × 400.00 per bed-day × 1.5 (bed-day from
  /// 2024-04-01; source: NHS reference costs 2024)`.
  public var description: String {
    "\(quantity) × \(value) per \(unit) × \(multiplier) (\(proxy) from \(from); source: \(source))"
  }
}

/// Which items ``Ledger/items(_:viewer:)`` lists.
public struct ItemQuery: Sendable, Hashable {
  /// Where the items come from.
  public enum Scope: Sendable, Hashable {
    /// The stories of a node's subtree (withdrawn stories left out).
    case node(NodePath)
    /// One story (a key or an unambiguous prefix).
    case story(StoryRef)
    /// What `text` names, as a person typed it: the node at that path when there is one,
    /// else a story key or prefix (text with a `/` is always a node path, so that the error
    /// names the nearest node or where a node moved).
    case named(String)
    /// Every active story (within ``Ledger/readScope``, when one is set).
    case everything
  }

  /// Where the items come from.
  public var scope: Scope
  /// Only items of this dimension.
  public var dimension: Dimension?
  /// Only items with this visibility at the end of the range.
  public var visibility: Visibility?
  /// Only items revised during this range; facts are as of its end.
  public var range: DateRange?
  /// At most this many items (`nil`: all).
  public var limit: Int?
  /// Only items of stories whose current answers match every filter.
  public var answers: [AnswerFilter] = []

  /// Creates a query.
  public init(
    scope: Scope, dimension: Dimension? = nil, visibility: Visibility? = nil,
    range: DateRange? = nil, limit: Int? = nil
  ) {
    self.scope = scope
    self.dimension = dimension
    self.visibility = visibility
    self.range = range
    self.limit = limit
  }
}

/// What ``Ledger/items(_:viewer:)`` found: the items, and how many matched in all.
public struct ItemList: Hashable, Sendable, Codable {
  /// The items, by node path, then story, then the order they were recorded.
  public var items: [ItemView]
  /// How many items matched (more than `items.count` when a limit cut the list).
  public var matched: Int
}

extension Ledger {
  /// The items of a subtree or a story, filtered, with their facts as of the end of the
  /// query's range.
  ///
  /// ```swift
  /// let list = try ledger.items(
  ///   ItemQuery(scope: .node(try NodePath(parsing: "nhs/london")), visibility: .invisible))
  /// for item in list.items { print(item.story, item.item, item.description ?? "") }
  /// ```
  ///
  /// Raters' names (``ItemView/calibration``) are withheld from a `viewer` outside a story's
  /// share scope (default: no viewer, every name shown).
  public func items(_ query: ItemQuery, viewer: Viewer? = nil) throws -> ItemList {
    let state = self.state
    let cutoff = query.range?.end ?? Day.latest
    var storyIndices: [Int32] = []
    var scope = query.scope
    if case .named(let text) = scope {
      if let path = try? NodePath(parsing: text), state.hasNodeAt(path) {
        scope = .node(path)
      } else if text.contains("/") {
        scope = .node(try NodePath(parsing: text, field: "NODE"))
      } else {
        scope = .story(StoryRef(text))
      }
    }
    switch scope {
    case .named: break
    case .story(let story):
      let key = try state.resolveStory(story.key)
      if let node = state.node(ofStory: key) { try requireReadable(node) }
      if let index = state.storyIndex(forKey: key) { storyIndices = [index] }
    case .node(let path):
      try requireReadable(path)
      storyIndices = try state.storiesInSubtree(of: path)
    case .everything:
      let tops = readScope.map { [$0] } ?? state.topLevelNodes
      storyIndices = tops.flatMap { (try? state.storiesInSubtree(of: $0)) ?? [] }
    }
    var selected: [Int32] = []
    var matched = 0
    for story in storyIndices {
      if !query.answers.isEmpty, !query.answers.allSatisfy({ state.matches(story, $0) }) {
        continue
      }
      for item in state.itemsOfStory(story) {
        let record = state.items[item]
        if let dimension = query.dimension, record.dimension != dimension { continue }
        let current = state.revision(of: item, asOf: cutoff)
        guard current >= 0 else { continue }
        if let visibility = query.visibility,
          state.revisions[current].isVisible != (visibility == .visible)
        {
          continue
        }
        if let range = query.range, !state.hasRevision(of: item, in: range) { continue }
        matched += 1
        if let limit = query.limit, selected.count >= limit { continue }
        selected.append(item)
      }
    }
    let facts = try recordedFacts(of: selected, through: cutoff, in: state)
    let ratingIndex = state.ratingIndex()
    let proxies = state.proxyTable
    let viewerNode: Int32? = viewer == nil ? nil : try state.readerIndex(viewer, default: -1)
    let views = selected.compactMap { item -> ItemView? in
      var view = state.itemView(item, asOf: cutoff, facts: facts[item] ?? [], proxies: proxies)
      view?.calibration = state.calibration(
        of: item, asOf: cutoff, index: ratingIndex,
        weights: state.weightMarks(of: item, facts: facts[item] ?? []),
        showNames: state.canRead(state.items[item].story, by: viewerNode))
      return view
    }
    return ItemList(items: views, matched: matched)
  }

  /// The facts of a revision, in words, for a history.
  static func describe(_ facts: ItemFacts) -> String {
    var parts: [String] = []
    if let visibility = facts.visibility { parts.append(visibility.rawValue) }
    if let description = facts.description { parts.append("\"\(description)\"") }
    if let quantity = facts.quantity {
      parts.append("quantity \(quantity)" + (facts.unit.map { " \($0)" } ?? ""))
    } else if let unit = facts.unit {
      parts.append("unit \(unit)")
    }
    if let monetised = facts.monetised {
      parts.append(
        "monetised \(monetised)"
          + (facts.proxy.map { " from proxy \($0) × \(facts.multiplier ?? "1")" } ?? ""))
    }
    if let weight = facts.weight { parts.append("weight \(weight)") }
    if let evidence = facts.evidence { parts.append("evidence: \(evidence)") }
    if let link = facts.evidenceLink { parts.append("evidence link: \(link)") }
    if let digest = facts.evidenceDigest { parts.append("evidence file SHA-256: \(digest)") }
    // A revision that changes nothing is a dated mention of the item in a telling.
    return parts.isEmpty ? "mentioned, unchanged" : parts.joined(separator: "; ")
  }
}

extension LedgerState {
  /// The active stories told in the subtree of `path`, by node path then the order told.
  func storiesInSubtree(of path: NodePath) throws(LedgerError) -> [Int32] {
    let target = try node(at: path)
    var inSubtree = [Bool](repeating: false, count: nodes.count)
    var pending = [target]
    while let next = pending.popLast() {
      inSubtree[Int(next)] = true
      pending.append(contentsOf: nodes[Int(next)].children)
    }
    var result: [Int32] = []
    stories.forEachElement { index, story in
      if inSubtree[Int(story.node)], !isWithdrawn(Int32(index)) { result.append(Int32(index)) }
    }
    result.sort { left, right in
      let leftPath = nodes[Int(stories[left].node)].path
      let rightPath = nodes[Int(stories[right].node)].path
      return leftPath == rightPath ? left < right : leftPath < rightPath
    }
    return result
  }

  /// Whether the revision at `index` made its item visible: visible where the item's
  /// previous revision (in date order) was invisible.
  func madeVisible(_ index: Int32) -> Bool {
    let revision = revisions[index]
    guard revision.isVisible else { return false }
    var previous: Int32 = -1
    var cursor = items[revision.item].first
    while cursor >= 0, cursor != index {
      previous = cursor
      cursor = revisions[cursor].next
    }
    return previous >= 0 && !revisions[previous].isVisible
  }

  /// Whether the item has a revision dated in `range`.
  func hasRevision(of item: Int32, in range: DateRange) -> Bool {
    var cursor = items[item].first
    while cursor >= 0 {
      let day = revisions[cursor].day
      if range.contains(day) { return true }
      if day > range.end { return false }
      cursor = revisions[cursor].next
    }
    return false
  }

  /// The view of an item as of the end of `day`, from the facts of its revisions (each
  /// with its event's sequence number), applied in date order; `nil` when it did not exist.
  func itemView(
    _ item: Int32, asOf day: Day, facts: [(sequence: UInt64, facts: ItemFacts)],
    proxies: ProxyTable? = nil
  ) -> ItemView? {
    let record = items[item]
    let bySequence = Dictionary(
      facts.map { ($0.sequence, $0.facts) }, uniquingKeysWith: { a, _ in a })
    var merged = ItemFacts()
    var count = 0
    var first: Day?
    var last: Day?
    var madeVisibleOn: Day?
    var pricedOn: Day?
    var previousVisible = false
    var cursor = record.first
    while cursor >= 0 {
      let revision = revisions[cursor]
      guard revision.day <= day else { break }
      if let given = bySequence[revision.sequence] {
        if let value = given.visibility { merged.visibility = value }
        if let value = given.description { merged.description = value }
        if let value = given.quantity { merged.quantity = value }
        if let value = given.unit { merged.unit = value }
        if let value = given.monetised {
          merged.monetised = value
          merged.proxy = given.proxy
          merged.multiplier = given.multiplier
          pricedOn = revision.day
        }
        if let value = given.weight { merged.weight = value }
        if let value = given.evidence { merged.evidence = value }
        if let value = given.evidenceLink { merged.evidenceLink = value }
        if let value = given.evidenceDigest { merged.evidenceDigest = value }
      }
      if count > 0, revision.isVisible, !previousVisible { madeVisibleOn = revision.day }
      previousVisible = revision.isVisible
      first = first ?? revision.day
      last = revision.day
      count += 1
      cursor = revision.next
    }
    guard let first, let last else { return nil }
    let story = stories[record.story]
    return ItemView(
      story: text.string(story.key), item: text.string(record.key),
      node: nodes[Int(story.node)].path, dimension: record.dimension,
      visibility: previousVisible ? .visible : .invisible, description: merged.description,
      quantity: merged.quantity.map(Quantity.init(validText:)), unit: merged.unit,
      monetised: merged.monetised,
      weight: merged.weight, evidence: merged.evidence, evidenceLink: merged.evidenceLink,
      evidenceDigest: merged.evidenceDigest, recordedOn: first, revisedOn: last,
      revisions: count, madeVisibleOn: madeVisibleOn,
      pricing: pricing(
        proxy: merged.proxy, multiplier: merged.multiplier,
        quantity: merged.quantity, on: pricedOn, in: proxies))
  }

  /// How a figure computed from `proxy` on `day` was reached; `nil` without a proxy.
  private func pricing(
    proxy: String?, multiplier: String?, quantity: String?, on day: Day?, in table: ProxyTable?
  ) -> ItemPricing? {
    guard let proxy, let quantity, let day, let value = table?.value(of: proxy, on: day) else {
      return nil
    }
    return ItemPricing(
      proxy: proxy, quantity: quantity, value: value.value, unit: value.unit,
      multiplier: multiplier ?? "1", from: value.from, source: value.source, pricedOn: day)
  }
}

extension Ledger {
  /// The facts recorded for each of `items` by its revisions up to `cutoff`, read from the
  /// log, in log order.
  func recordedFacts(of items: [Int32], through cutoff: Day = .latest, in state: LedgerState)
    throws -> [Int32: [(sequence: UInt64, facts: ItemFacts)]]
  {
    var itemOfSequence: [UInt64: Int32] = [:]
    for item in items {
      var cursor = state.items[item].first
      while cursor >= 0, state.revisions[cursor].day <= cutoff {
        itemOfSequence[state.revisions[cursor].sequence] = item
        cursor = state.revisions[cursor].next
      }
    }
    var facts: [Int32: [(sequence: UInt64, facts: ItemFacts)]] = [:]
    try store.read(sequences: itemOfSequence.keys.sorted()) { event in
      guard let item = itemOfSequence[event.sequence] else { return }
      switch event.payload {
      case .itemRecorded(let recorded):
        facts[item, default: []].append((event.sequence, recorded.facts))
      case .itemRevised(let revised):
        facts[item, default: []].append((event.sequence, revised.facts))
      default: break
      }
    }
    return facts
  }
}
