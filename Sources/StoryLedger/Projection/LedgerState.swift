/// The read models of a ledger, folded from its events: the hierarchy, the stories with
/// their tellings, and the items with their dated revisions.
///
/// The state is a value: ``apply(_:)`` folds one event into it. Every query the library
/// answers (summaries, time series, histories) reads it. Items keep their revisions in
/// date order, each with the effective visibility and monetised value it leaves, so the
/// value of any subtree can be read as of any date.
///
/// ```swift
/// var state = LedgerState()
/// try ledger.forEachEvent { try state.apply($0) }
/// print(state.storyCount, state.itemCount)
/// ```
public struct LedgerState: Sendable {
  /// The ledger's configuration (from its first event).
  public internal(set) var configuration = LedgerConfiguration.placeholder
  /// Whether the `ledger.created` event has been applied.
  public internal(set) var isConfigured = false

  var nodes: [NodeRecord] = []
  var nodeIndex: [NodePath: Int32] = [:]
  var stories: [StoryRecord] = []
  var storyIndex: [String: Int32] = [:]
  var items: [ItemRecord] = []
  var itemIndex: [ItemAddress: Int32] = [:]
  var revisions: [RevisionRecord] = []
  var revisionFacts: [ItemFacts] = []
  var idempotencyKeys: [String: UInt64] = [:]
  /// The sequence number of the last event applied.
  public internal(set) var lastSequence: UInt64 = 0

  /// Creates an empty state.
  public init() {}

  /// The number of nodes in the hierarchy.
  public var nodeCount: Int { nodes.count }
  /// The number of stories.
  public var storyCount: Int { stories.count }
  /// The number of value items.
  public var itemCount: Int { items.count }
  /// The number of item revisions (including each item's first).
  public var revisionCount: Int { revisions.count }

  // MARK: Records

  struct NodeRecord: Sendable {
    var path: NodePath
    var name: String
    var parent: Int32
    var children: [Int32] = []
    var depth: Int { path.depth }
  }

  struct StoryRecord: Sendable {
    var key: String
    var node: Int32
    var toldOn: Day
    var title: String
    var tellers: [String]
    var tags: [String]
    var share: String
    var tellings: [Telling] = []
    var items: [Int32] = []
    /// The number of events about the story: its version for expected-version appends.
    var version: Int = 1
  }

  struct ItemAddress: Hashable, Sendable {
    var story: Int32
    var key: String
  }

  struct ItemRecord: Sendable {
    var story: Int32
    var key: String
    var dimension: Dimension
    /// The first and last revision in (date, sequence) order; `next` links the rest.
    var first: Int32
    var last: Int32
  }

  /// The numbers of one revision, packed for fast scans: the revision's own date and, as
  /// effective values, the visibility and monetised value the item has from then on.
  struct RevisionRecord: Sendable {
    var day: Day
    var item: Int32
    var next: Int32
    var sequence: UInt64
    var monetisedDelta: Int64
    var effectiveMonetised: Int64
    var visibilityDelta: UInt8  // 0 unchanged, 1 visible, 2 invisible
    var hasMonetisedDelta: Bool
    var isVisible: Bool
  }

  // MARK: Folding

  /// Folds one event into the state.
  ///
  /// Events in a log were validated before they were written; an event that contradicts
  /// the state (a story at an unknown node, say) means the log is not what this ledger
  /// wrote, and is reported as corruption.
  public mutating func apply(_ event: RecordedEvent) throws(LedgerError) {
    if let key = event.idempotencyKey, idempotencyKeys[key] == nil {
      idempotencyKeys[key] = event.sequence
    }
    try apply(event.payload, sequence: event.sequence)
    lastSequence = event.sequence
  }

  mutating func apply(_ payload: EventPayload, sequence: UInt64) throws(LedgerError) {
    func corrupt(_ message: String) -> LedgerError {
      LedgerError(.corrupt, "event \(sequence) cannot be applied: \(message)")
    }
    switch payload {
    case .ledgerCreated(let configuration):
      guard !isConfigured else { throw corrupt("the ledger was already created") }
      self.configuration = configuration
      isConfigured = true
    case .nodeAdded(let event):
      guard nodeIndex[event.path] == nil else { throw corrupt("node \(event.path) already exists") }
      var parent: Int32 = -1
      if let parentPath = event.path.parent {
        guard let index = nodeIndex[parentPath] else {
          throw corrupt("no parent for node \(event.path)")
        }
        parent = index
      }
      let index = Int32(nodes.count)
      nodes.append(NodeRecord(path: event.path, name: event.name, parent: parent))
      if parent >= 0 { nodes[Int(parent)].children.append(index) }
      nodeIndex[event.path] = index
    case .storyTold(let event):
      guard storyIndex[event.key] == nil else { throw corrupt("story \(event.key) already exists") }
      guard let node = nodeIndex[event.node] else { throw corrupt("unknown node \(event.node)") }
      storyIndex[event.key] = Int32(stories.count)
      stories.append(
        StoryRecord(
          key: event.key, node: node, toldOn: event.on, title: event.title, tellers: event.tellers,
          tags: event.tags, share: event.share))
    case .tellingRecorded(let event):
      guard let story = storyIndex[event.story] else {
        throw corrupt("unknown story \(event.story)")
      }
      let telling = Telling(on: event.on, narrative: event.narrative, sequence: sequence)
      var tellings = stories[Int(story)].tellings
      stories[Int(story)].tellings = []
      let position = tellings.lastIndex(where: { $0.on <= event.on }).map { $0 + 1 } ?? 0
      tellings.insert(telling, at: position)
      stories[Int(story)].tellings = tellings
      stories[Int(story)].version += 1
    case .itemRecorded(let event):
      guard let story = storyIndex[event.story] else {
        throw corrupt("unknown story \(event.story)")
      }
      let address = ItemAddress(story: story, key: event.item)
      guard itemIndex[address] == nil else {
        throw corrupt("item \(event.story)/\(event.item) already exists")
      }
      let item = Int32(items.count)
      let revision = Int32(revisions.count)
      items.append(
        ItemRecord(
          story: story, key: event.item, dimension: event.dimension, first: revision, last: revision
        ))
      itemIndex[address] = item
      stories[Int(story)].items.append(item)
      stories[Int(story)].version += 1
      appendRevision(item: item, day: event.on, sequence: sequence, facts: event.facts)
    case .itemRevised(let event):
      guard let story = storyIndex[event.story],
        let item = itemIndex[ItemAddress(story: story, key: event.item)]
      else { throw corrupt("unknown item \(event.story)/\(event.item)") }
      stories[Int(story)].version += 1
      appendRevision(item: item, day: event.on, sequence: sequence, facts: event.facts)
    }
  }

  private mutating func appendRevision(item: Int32, day: Day, sequence: UInt64, facts: ItemFacts) {
    let index = Int32(revisions.count)
    var record = RevisionRecord(
      day: day, item: item, next: -1, sequence: sequence,
      monetisedDelta: facts.monetised?.cents ?? 0,
      effectiveMonetised: 0,
      visibilityDelta: facts.visibility.map { $0 == .visible ? 1 : 2 } ?? 0,
      hasMonetisedDelta: facts.monetised != nil, isVisible: false)
    revisionFacts.append(facts)
    let itemRecord = items[Int(item)]
    if itemRecord.first == index {
      // The item's first revision.
      record.isVisible = record.visibilityDelta == 1
      record.effectiveMonetised = record.monetisedDelta
      revisions.append(record)
      return
    }
    let last = revisions[Int(itemRecord.last)]
    if last.day <= day {
      // The usual case: the newest date so far goes at the end.
      record.isVisible = record.visibilityDelta == 0 ? last.isVisible : record.visibilityDelta == 1
      record.effectiveMonetised =
        record.hasMonetisedDelta ? record.monetisedDelta : last.effectiveMonetised
      revisions.append(record)
      revisions[Int(itemRecord.last)].next = index
      items[Int(item)].last = index
      return
    }
    // A late entry dated before later revisions: insert it in date order and recompute
    // the effective values that follow.
    revisions.append(record)
    var previous: Int32 = -1
    var cursor = itemRecord.first
    while cursor >= 0, revisions[Int(cursor)].day <= day {
      previous = cursor
      cursor = revisions[Int(cursor)].next
    }
    revisions[Int(index)].next = cursor
    if previous >= 0 {
      revisions[Int(previous)].next = index
    } else {
      items[Int(item)].first = index
    }
    recomputeEffectiveValues(item: item)
  }

  private mutating func recomputeEffectiveValues(item: Int32) {
    var visible = false
    var monetised: Int64 = 0
    var cursor = items[Int(item)].first
    while cursor >= 0 {
      let revision = revisions[Int(cursor)]
      if revision.visibilityDelta != 0 { visible = revision.visibilityDelta == 1 }
      if revision.hasMonetisedDelta { monetised = revision.monetisedDelta }
      revisions[Int(cursor)].isVisible = visible
      revisions[Int(cursor)].effectiveMonetised = monetised
      cursor = revision.next
    }
  }

  // MARK: Shared helpers for queries

  /// The index of the ancestor of `node` at `depth` (the node itself at its own depth), or
  /// -1 when the node is shallower.
  func ancestor(of node: Int32, atDepth depth: Int) -> Int32 {
    var current = node
    var currentDepth = nodes[Int(node)].depth
    guard currentDepth >= depth else { return -1 }
    while currentDepth > depth {
      current = nodes[Int(current)].parent
      currentDepth -= 1
    }
    return current
  }

  /// The item's revision in effect at the end of `day`, or -1 when it did not exist yet.
  func revision(of item: Int32, asOf day: Day) -> Int32 {
    var found: Int32 = -1
    var cursor = items[Int(item)].first
    while cursor >= 0 {
      let revision = revisions[Int(cursor)]
      if revision.day > day { break }
      found = cursor
      cursor = revision.next
    }
    return found
  }

  /// The earliest and latest item revision dates, or `nil` when there are no items.
  func revisionDateRange() -> ClosedRange<Day>? {
    guard var low = revisions.first?.day else { return nil }
    var high = low
    for revision in revisions {
      if revision.day < low { low = revision.day }
      if revision.day > high { high = revision.day }
    }
    return low...high
  }

  /// The node at `path`, or an error naming the path (with the closest existing ancestor).
  func node(at path: NodePath) throws(LedgerError) -> Int32 {
    if let index = nodeIndex[path] { return index }
    var hint = ""
    var ancestor = path.parent
    while let candidate = ancestor {
      if let index = nodeIndex[candidate] {
        let children = nodes[Int(index)].children.prefix(8).map { nodes[Int($0)].path.name }
        hint =
          "; \(candidate) has "
          + (children.isEmpty ? "no children" : "children: \(children.joined(separator: ", "))")
        break
      }
      ancestor = candidate.parent
    }
    if hint.isEmpty {
      let tops = nodes.filter { $0.parent < 0 }.prefix(8).map(\.path.description)
      hint =
        tops.isEmpty
        ? "; the ledger has no nodes yet" : "; top-level nodes: \(tops.joined(separator: ", "))"
    }
    throw LedgerError(.invalid, "no node \(path)\(hint)")
  }
}

/// A telling of a story: what was told on a date.
public struct Telling: Hashable, Sendable {
  /// The date it was told.
  public var on: Day
  /// The narrative (empty once erased).
  public var narrative: String
  /// The sequence number of the event that recorded it.
  public var sequence: UInt64
}

extension LedgerConfiguration {
  /// A configuration for a state that has not yet seen its `ledger.created` event.
  static let placeholder = LedgerConfiguration(
    validLevels: LedgerConfiguration.defaultLevels, currency: nil, timeZoneIdentifier: "UTC")
}
