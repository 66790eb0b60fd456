/// The read models of a ledger, folded from its events: the hierarchy, the stories with
/// their tellings, and the items with their dated revisions.
///
/// The state is a value: ``apply(_:)`` folds one event into it. Every query the library
/// answers (summaries, time series, validation) reads it. Items keep their revisions in
/// date order, each with the effective visibility and monetised value it leaves, so the
/// value of any subtree can be read as of any date.
///
/// The records are plain values in columns, with keys and short texts in one byte arena and
/// hash tables of record numbers, so that a snapshot stores the state as it is in memory
/// and opening a large ledger maps it instead of rebuilding it. Long personal texts
/// (narratives) stay in the log; the state keeps their events' sequence numbers.
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
  /// The sequence number of the last event applied.
  public internal(set) var lastSequence: UInt64 = 0

  var nodes: [NodeRecord] = []
  var nodeIndex: [NodePath: Int32] = [:]
  var text = Column<UInt8>()
  var stories = Column<StoryRecord>()
  var storyTable = HashIndex()
  var items = Column<ItemRecord>()
  var itemTable = HashIndex()
  var revisions = Column<RevisionRecord>()
  var tellings = Column<TellingRecord>()
  var idempotencyKeys: [String: UInt64] = [:]
  /// Per node, the stories told there and the current figures of their items.
  var nodeTotals = Column<NodeTotals>()
  /// The story the last event was about: events come in runs about one story.
  private var recentStory: (key: String, index: Int32)?
  /// Old paths of moved nodes, each to the path it moved to (follow the chain for moves
  /// since).
  var movedPaths: [NodePath: NodePath] = [:]
  /// Withdrawn stories: they count in no figure and take no more events.
  var withdrawals: [Int32: Withdrawal] = [:]
  /// The sequence numbers of each story's rare events (updates, withdrawal), for its history.
  var storyEvents: [Int32: [UInt64]] = [:]
  /// The dialogue's events (accounts, selections, feedback, pledges), in order: few enough
  /// to keep whole, and read by ``dialogueModel()``.
  var dialogue: [DialogueRecord] = []

  /// A dialogue event as recorded.
  struct DialogueRecord: Sendable {
    var sequence: UInt64
    var milliseconds: Int64
    var actor: String
    var payload: EventPayload
  }

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
  /// The number of tellings.
  public var tellingCount: Int { tellings.count }

  // MARK: Records

  struct NodeRecord: Sendable {
    var path: NodePath
    var name: String
    var parent: Int32
    var children: [Int32] = []
    var isRetired = false
    var depth: Int { path.depth }
  }

  /// How a story was withdrawn.
  struct Withdrawal: Sendable, Hashable {
    var sequence: UInt64
    var isErased: Bool
  }

  struct StoryRecord: Sendable, BitwiseCopyable {
    var key: TextReference
    var title: TextReference
    /// Teller names joined by U+001F.
    var tellers: TextReference
    /// Tags joined by U+001F.
    var tags: TextReference
    var node: Int32
    var toldOn: Day
    /// The number of events about the story: its version for expected-version appends.
    var version: Int32 = 1
    var firstItem: Int32 = -1
    var lastItem: Int32 = -1
    /// The first telling in date order; `TellingRecord.next` links the rest.
    var firstTelling: Int32 = -1
    var tellingCount: Int32 = 0
    /// The share scope, as an index into the configuration's levels.
    var share: UInt8
    // Explicit padding, always zero: a snapshot stores records as they are in memory, and
    // implicit padding would carry whatever bytes were there before (see issue 14).
    var padding0: UInt8 = 0
    var padding1: UInt16 = 0
    /// The sequence number of the `story.told` event.
    var toldSequence: UInt64 = 0
  }

  struct ItemRecord: Sendable, BitwiseCopyable {
    var key: TextReference
    var story: Int32
    /// The first and last revision in (date, sequence) order; `next` links the rest.
    var first: Int32
    var last: Int32
    /// The story's next item, in the order they were recorded.
    var nextInStory: Int32 = -1
    var dimensionIndex: UInt8
    var padding0: UInt8 = 0
    var padding1: UInt16 = 0

    var dimension: Dimension { Dimension.allCases[Int(dimensionIndex)] }
  }

  /// The numbers of one revision, packed for fast scans: the revision's own date and, as
  /// effective values, the visibility and monetised value the item has from then on.
  struct RevisionRecord: Sendable, BitwiseCopyable {
    var day: Day
    var item: Int32
    var next: Int32
    var padding0: UInt32 = 0
    var sequence: UInt64
    var monetisedDelta: Int64
    var effectiveMonetised: Int64
    var visibilityDelta: UInt8  // 0 unchanged, 1 visible, 2 invisible
    var hasMonetisedDelta: Bool
    var isVisible: Bool
    var padding1: UInt8 = 0
    var padding2: UInt32 = 0
  }

  struct TellingRecord: Sendable, BitwiseCopyable {
    var story: Int32
    var day: Day
    var next: Int32
    var padding0: UInt32 = 0
    var sequence: UInt64
    /// A hash of the narrative, to recognise the same telling again without the log.
    var narrativeHash: UInt64
  }

  /// The current figures of the stories told at one node (not its subtree): six boxes of
  /// item counts and monetised cents, lane `dimension * 2 + (visible ? 0 : 1)`.
  struct NodeTotals: Sendable, BitwiseCopyable {
    var stories: Int64 = 0
    var padding0: Int64 = 0
    var items = SIMD8<Int64>()
    var cents = SIMD8<Int64>()

    static func lane(_ dimension: UInt8, isVisible: Bool) -> Int {
      Int(dimension) * 2 + (isVisible ? 0 : 1)
    }
  }

  static let separator: Character = "\u{1F}"

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
    if event.payload.isDialogue {
      appendDialogue(
        DialogueRecord(
          sequence: event.sequence, milliseconds: event.recordedAtMilliseconds, actor: event.actor,
          payload: event.payload))
    } else {
      try apply(event.payload, sequence: event.sequence)
    }
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
      nodeTotals.append(NodeTotals())
      if parent >= 0 { nodes[Int(parent)].children.append(index) }
      nodeIndex[event.path] = index
    case .nodeRenamed(let event):
      guard let index = nodeIndex[event.path] else { throw corrupt("unknown node \(event.path)") }
      nodes[Int(index)].name = event.name
    case .nodeMoved(let event):
      guard let index = nodeIndex[event.path] else { throw corrupt("unknown node \(event.path)") }
      var parent: Int32 = -1
      if let parentPath = event.parent {
        guard let found = nodeIndex[parentPath] else { throw corrupt("unknown node \(parentPath)") }
        parent = found
      }
      moveNode(index, under: parent, to: event.newPath)
      relocateDialogue(from: event.path, to: event.newPath)
    case .nodeRetired(let event):
      guard let index = nodeIndex[event.path] else { throw corrupt("unknown node \(event.path)") }
      nodes[Int(index)].isRetired = true
    case .storyUpdated(let event):
      guard let story = story(forKey: event.story) else {
        throw corrupt("unknown story \(event.story)")
      }
      var record = stories[story]
      if let title = event.title { record.title = text.appendText(title) }
      if let tags = event.tags {
        record.tags = text.appendText(tags.joined(separator: String(Self.separator)))
      }
      if let share = event.share {
        record.share = configuration.depth(ofLevel: share).map { UInt8($0 - 1) } ?? record.share
      }
      record.version += 1
      stories[story] = record
      storyEvents[story, default: []].append(sequence)
    case .storyWithdrawn(let event):
      guard let story = story(forKey: event.story) else {
        throw corrupt("unknown story \(event.story)")
      }
      if let earlier = withdrawals[story] {
        // Only a withdrawn story's erasure may follow its withdrawal.
        guard event.erase, !earlier.isErased else {
          throw corrupt("story \(event.story) is withdrawn already")
        }
        withdrawals[story] = Withdrawal(sequence: sequence, isErased: true)
        storyEvents[story, default: []].append(sequence)
        var record = stories[story]
        record.version += 1
        text.zero(record.tellers)
        record.tellers = .empty
        stories[story] = record
      } else {
        withdraw(story, sequence: sequence, erase: event.erase)
      }
    case .storyTold(let event):
      guard storyIndex(forKey: event.key) == nil else {
        throw corrupt("story \(event.key) already exists")
      }
      guard let node = nodeIndex[event.node] else { throw corrupt("unknown node \(event.node)") }
      let share = configuration.depth(ofLevel: event.share).map { UInt8($0 - 1) } ?? 0
      let record = StoryRecord(
        key: text.appendText(event.key), title: text.appendText(event.title),
        tellers: text.appendText(event.tellers.joined(separator: String(Self.separator))),
        tags: text.appendText(event.tags.joined(separator: String(Self.separator))),
        node: node, toldOn: event.on, share: share, toldSequence: sequence)
      let index = Int32(stories.count)
      stories.append(record)
      storyTable.insert(index, hash: HashIndex.hash(event.key))
      nodeTotals[node].stories += 1
    case .tellingRecorded(let event):
      guard let story = story(forKey: event.story) else {
        throw corrupt("unknown story \(event.story)")
      }
      insertTelling(
        TellingRecord(
          story: story, day: event.on, next: -1, sequence: sequence,
          narrativeHash: HashIndex.hash(event.narrative)))
      stories[story].version += 1
    case .itemRecorded(let event):
      guard let story = story(forKey: event.story) else {
        throw corrupt("unknown story \(event.story)")
      }
      let itemKeyHash = HashIndex.hash(event.item, seed: UInt64(story))
      guard itemIndex(story: story, key: event.item, hash: itemKeyHash) == nil else {
        throw corrupt("item \(event.story)/\(event.item) already exists")
      }
      let item = Int32(items.count)
      let revision = Int32(revisions.count)
      items.append(
        ItemRecord(
          key: text.appendText(event.item), story: story, first: revision, last: revision,
          dimensionIndex: UInt8(event.dimension.index)))
      itemTable.insert(item, hash: itemKeyHash)
      var record = stories[story]
      if record.lastItem >= 0 {
        items[record.lastItem].nextInStory = item
      } else {
        record.firstItem = item
      }
      record.lastItem = item
      record.version += 1
      stories[story] = record
      appendRevision(item: item, day: event.on, sequence: sequence, facts: event.facts)
    case .itemRevised(let event):
      guard let story = story(forKey: event.story),
        let item = itemIndex(story: story, key: event.item)
      else { throw corrupt("unknown item \(event.story)/\(event.item)") }
      stories[story].version += 1
      appendRevision(item: item, day: event.on, sequence: sequence, facts: event.facts)
    default:
      appendDialogue(
        DialogueRecord(sequence: sequence, milliseconds: 0, actor: "", payload: payload))
    }
  }

  /// Moves node `index` and its subtree under `parent` (-1: the top), its new path `path`.
  private mutating func moveNode(_ index: Int32, under parent: Int32, to path: NodePath) {
    let old = nodes[Int(index)]
    if old.parent >= 0 { nodes[Int(old.parent)].children.removeAll { $0 == index } }
    if parent >= 0 { nodes[Int(parent)].children.append(index) }
    nodes[Int(index)].parent = parent
    let oldDepth = old.path.depth
    var pending = [index]
    while let node = pending.popLast() {
      let oldPath = nodes[Int(node)].path
      let newPath = NodePath(validSegments: path.segments + oldPath.segments.dropFirst(oldDepth))
      nodeIndex[oldPath] = nil
      nodeIndex[newPath] = node
      movedPaths[oldPath] = newPath
      movedPaths[newPath] = nil
      nodes[Int(node)].path = newPath
      pending.append(contentsOf: nodes[Int(node)].children)
    }
  }

  /// Withdraws a story: its figures leave its node's totals; with `erase`, its teller names
  /// leave the state's text.
  private mutating func withdraw(_ story: Int32, sequence: UInt64, erase: Bool) {
    withdrawals[story] = Withdrawal(sequence: sequence, isErased: erase)
    storyEvents[story, default: []].append(sequence)
    var record = stories[story]
    record.version += 1
    var totals = nodeTotals[record.node]
    totals.stories -= 1
    var item = record.firstItem
    while item >= 0 {
      let itemRecord = items[item]
      let last = revisions[itemRecord.last]
      let lane = NodeTotals.lane(itemRecord.dimensionIndex, isVisible: last.isVisible)
      totals.items[lane] -= 1
      totals.cents[lane] -= last.effectiveMonetised
      item = itemRecord.nextInStory
    }
    nodeTotals[record.node] = totals
    if erase {
      text.zero(record.tellers)
      record.tellers = .empty
    }
    stories[story] = record
  }

  /// Whether the story at `index` was withdrawn.
  func isWithdrawn(_ index: Int32) -> Bool {
    !withdrawals.isEmpty && withdrawals[index] != nil
  }

  /// Inserts a telling in its story's date order (after tellings of the same date).
  mutating func insertTelling(_ telling: TellingRecord) {
    let index = Int32(tellings.count)
    tellings.append(telling)
    var story = stories[telling.story]
    var previous: Int32 = -1
    var cursor = story.firstTelling
    while cursor >= 0, tellings[cursor].day <= telling.day {
      previous = cursor
      cursor = tellings[cursor].next
    }
    tellings[index].next = cursor
    if previous >= 0 {
      tellings[previous].next = index
    } else {
      story.firstTelling = index
    }
    story.tellingCount += 1
    stories[telling.story] = story
  }

  mutating func appendRevision(item: Int32, day: Day, sequence: UInt64, facts: ItemFacts) {
    let itemRecord = items[item]
    let isFirst = itemRecord.first == Int32(revisions.count)
    let before = isFirst ? nil : revisions[itemRecord.last]
    insertRevision(item: item, day: day, sequence: sequence, facts: facts)
    // The item's current figures are those of its last revision.
    let node = stories[itemRecord.story].node
    var totals = nodeTotals[node]
    if let before {
      let lane = NodeTotals.lane(itemRecord.dimensionIndex, isVisible: before.isVisible)
      totals.items[lane] -= 1
      totals.cents[lane] -= before.effectiveMonetised
    }
    let after = revisions[items[item].last]
    let lane = NodeTotals.lane(itemRecord.dimensionIndex, isVisible: after.isVisible)
    totals.items[lane] += 1
    totals.cents[lane] += after.effectiveMonetised
    nodeTotals[node] = totals
  }

  private mutating func insertRevision(item: Int32, day: Day, sequence: UInt64, facts: ItemFacts) {
    let index = Int32(revisions.count)
    var record = RevisionRecord(
      day: day, item: item, next: -1, sequence: sequence,
      monetisedDelta: facts.monetised?.cents ?? 0, effectiveMonetised: 0,
      visibilityDelta: facts.visibility.map { $0 == .visible ? 1 : 2 } ?? 0,
      hasMonetisedDelta: facts.monetised != nil, isVisible: false)
    let itemRecord = items[item]
    if itemRecord.first == index {
      // The item's first revision.
      record.isVisible = record.visibilityDelta == 1
      record.effectiveMonetised = record.monetisedDelta
      revisions.append(record)
      return
    }
    let last = revisions[itemRecord.last]
    if last.day <= day {
      // The usual case: the newest date so far goes at the end.
      record.isVisible = record.visibilityDelta == 0 ? last.isVisible : record.visibilityDelta == 1
      record.effectiveMonetised =
        record.hasMonetisedDelta ? record.monetisedDelta : last.effectiveMonetised
      revisions.append(record)
      revisions[itemRecord.last].next = index
      items[item].last = index
      return
    }
    // A late entry dated before later revisions: insert it in date order and recompute
    // the effective values that follow.
    revisions.append(record)
    var previous: Int32 = -1
    var cursor = itemRecord.first
    while cursor >= 0, revisions[cursor].day <= day {
      previous = cursor
      cursor = revisions[cursor].next
    }
    revisions[index].next = cursor
    if previous >= 0 {
      revisions[previous].next = index
    } else {
      items[item].first = index
    }
    recomputeEffectiveValues(item: item)
  }

  private mutating func recomputeEffectiveValues(item: Int32) {
    var visible = false
    var monetised: Int64 = 0
    var cursor = items[item].first
    while cursor >= 0 {
      var revision = revisions[cursor]
      if revision.visibilityDelta != 0 { visible = revision.visibilityDelta == 1 }
      if revision.hasMonetisedDelta { monetised = revision.monetisedDelta }
      revision.isVisible = visible
      revision.effectiveMonetised = monetised
      revisions[cursor] = revision
      cursor = revision.next
    }
  }

  // MARK: Lookups

  /// The index of the story whose key is `key`.
  ///
  /// The remembered story is compared byte for byte, as the table compares keys: `==` on
  /// strings would also match a canonically equivalent spelling, so what a key found would
  /// depend on the events just before it.
  func storyIndex(forKey key: String) -> Int32? {
    if let recentStory, recentStory.key.utf8.elementsEqual(key.utf8) { return recentStory.index }
    return storyTable.find(hash: HashIndex.hash(key)) { text.matches(stories[$0].key, key) }
  }

  /// The story whose key is `key`, remembered for the events that follow about it.
  private mutating func story(forKey key: String) -> Int32? {
    let index = storyIndex(forKey: key)
    if let index { recentStory = (key, index) }
    return index
  }

  /// The index of the item `key` of the story at index `story`.
  func itemIndex(story: Int32, key: String, hash: UInt64? = nil) -> Int32? {
    itemTable.find(hash: hash ?? HashIndex.hash(key, seed: UInt64(story))) {
      let record = items[$0]
      return record.story == story && text.matches(record.key, key)
    }
  }

  /// The key of the story at `index`.
  func storyKey(_ index: Int32) -> String { text.string(stories[index].key) }

  /// The item indices of a story, in the order they were recorded.
  func itemsOfStory(_ story: Int32) -> [Int32] {
    var result: [Int32] = []
    var cursor = stories[story].firstItem
    while cursor >= 0 {
      result.append(cursor)
      cursor = items[cursor].nextInStory
    }
    return result
  }

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
    let record = items[item]
    if revisions[record.last].day <= day { return record.last }
    var found: Int32 = -1
    var cursor = record.first
    while cursor >= 0 {
      let revision = revisions[cursor]
      if revision.day > day { break }
      found = cursor
      cursor = revision.next
    }
    return found
  }

  /// Where the node that was at `path` is now, when it was moved (following later moves
  /// of it or its ancestors).
  func currentPath(ofMoved path: NodePath) -> NodePath? {
    guard !movedPaths.isEmpty else { return nil }
    var probe = path
    var suffix: [String] = []
    while true {
      if var target = movedPaths[probe] {
        var steps = 0
        while nodeIndex[target] == nil, let next = movedPaths[target], steps < 10_000 {
          target = next
          steps += 1
        }
        let result = NodePath(validSegments: target.segments + suffix.reversed())
        return nodeIndex[result] != nil ? result : nil
      }
      // An existing node that was not moved: the path was never there.
      if nodeIndex[probe] != nil { return nil }
      guard let parent = probe.parent else { return nil }
      suffix.append(probe.name)
      probe = parent
    }
  }

  /// The earliest and latest item revision dates, or `nil` when there are no items.
  func revisionDateRange() -> ClosedRange<Day>? {
    guard !revisions.isEmpty else { return nil }
    if !withdrawals.isEmpty {
      var range: ClosedRange<Day>?
      items.forEachElement { _, item in
        guard withdrawals[item.story] == nil else { return }
        var cursor = item.first
        while cursor >= 0 {
          let day = revisions[cursor].day
          range = range.map { min($0.lowerBound, day)...max($0.upperBound, day) } ?? day...day
          cursor = revisions[cursor].next
        }
      }
      return range
    }
    var low = revisions[0].day
    var high = low
    revisions.forEachElement { _, revision in
      if revision.day < low { low = revision.day }
      if revision.day > high { high = revision.day }
    }
    return low...high
  }

  /// The node at `path`, or an error naming the path (with the closest existing ancestor).
  func node(at path: NodePath) throws(LedgerError) -> Int32 {
    if let index = nodeIndex[path] { return index }
    if let moved = currentPath(ofMoved: path) {
      throw LedgerError(.invalid, "node \(path) was moved; it is now \(moved)")
    }
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

extension Day: BitwiseCopyable {}

extension LedgerConfiguration {
  /// A configuration for a state that has not yet seen its `ledger.created` event.
  static let placeholder = LedgerConfiguration(
    validLevels: LedgerConfiguration.defaultLevels, currency: nil, timeZoneIdentifier: "UTC")
}
