/// The events a CSV import appends, with counts of what they add.
///
/// A plan is made by ``ImportPlanner`` from a whole file, after every row has been checked
/// against the ledger, so appending its events (in order, in one batch) is the import.
///
/// The plan keeps its rows compactly (their facts already encoded as the log encodes
/// them) and produces its events in order on demand: ``forEachEvent(_:)`` hands them out
/// one at a time, and a store writes them straight from the plan's bytes
/// (``EventStore/append(contentsOf:actor:idempotencyKey:after:)``), so that even a large
/// import never holds all its events at once. ``events`` builds them all, for small plans
/// and tests.
///
/// ```swift
/// let plan = try ImportPlanner.plan(contentsOf: url, against: state)
/// print("\(plan.rowCount) rows: \(plan.storiesAdded) stories, \(plan.itemsAdded) items")
/// ```
public struct ImportPlan: Sendable, Hashable, EventBatchSource {
  let storage: ImportPlanStorage?
  /// The number of data rows read (the header not counted).
  public internal(set) var rowCount: Int
  /// The number of `node.added` events.
  public internal(set) var nodesAdded: Int
  /// The number of `story.told` events.
  public internal(set) var storiesAdded: Int
  /// The number of `story.telling` events.
  public internal(set) var tellingsAdded: Int
  /// The number of `item.recorded` events.
  public internal(set) var itemsAdded: Int
  /// The number of `item.revised` events (an item's recording is not counted here).
  public internal(set) var revisionsAdded: Int

  /// A plan that adds nothing.
  static let empty = ImportPlan(
    storage: nil, rowCount: 0, nodesAdded: 0, storiesAdded: 0, tellingsAdded: 0, itemsAdded: 0,
    revisionsAdded: 0)

  /// The number of events in the plan.
  public var eventCount: Int {
    nodesAdded + storiesAdded + tellingsAdded + itemsAdded + revisionsAdded
  }

  /// The events to append, in order: new nodes (parents first), then story by story in
  /// the order stories first appear in the file: the story (when new), its tellings by
  /// date, then its items, each item's recording and revisions by date.
  ///
  /// Each access builds them all; a large plan is better read with ``forEachEvent(_:)``.
  public var events: [EventPayload] {
    var events: [EventPayload] = []
    events.reserveCapacity(eventCount)
    forEachEvent { events.append($0) }
    return events
  }

  /// Calls `body` with each of the plan's ``events``, in order, building one at a time.
  ///
  /// ```swift
  /// var sequence = head.sequence
  /// try plan.forEachEvent { event in
  ///   sequence += 1
  ///   print(sequence, event.type.name)
  /// }
  /// ```
  public func forEachEvent(_ body: (EventPayload) throws -> Void) rethrows {
    guard let storage else { return }
    for path in storage.nodesAdded { try body(.nodeAdded(NodeAdded(path: path, name: path.name))) }
    for reference in storage.storyOrder {
      try storage.shards[Int(reference.shard)].forEachPayload(
        story: Int(reference.story), body)
    }
  }

  /// Plans are equal when they add the same events.
  public static func == (left: ImportPlan, right: ImportPlan) -> Bool {
    left.rowCount == right.rowCount && left.eventCount == right.eventCount
      && left.nodesAdded == right.nodesAdded && left.storiesAdded == right.storiesAdded
      && left.tellingsAdded == right.tellingsAdded && left.itemsAdded == right.itemsAdded
      && left.events == right.events
  }

  /// Hashes the plan's counts.
  public func hash(into hasher: inout Hasher) {
    hasher.combine(rowCount)
    hasher.combine(nodesAdded)
    hasher.combine(storiesAdded)
    hasher.combine(tellingsAdded)
    hasher.combine(itemsAdded)
    hasher.combine(revisionsAdded)
  }
}

extension ImportPlan: EncodedEventSource {
  func encodeEvents(
    into encoder: RecordEncoder, _ emit: (_ type: EventType, _ hasPersonalPart: Bool) throws -> Void
  ) rethrows {
    guard let storage else { return }
    try storage.walk(
      nodes: { path in
        EventCodec.encodePublic(
          .nodeAdded(NodeAdded(path: path, name: path.name)), into: &encoder.publicPart)
        try emit(.nodeAdded, false)
      },
      steps: { shard, step in
        let type = shard.encode(step, into: encoder)
        try emit(type, EventCodec.hasPersonalPart(type))
      })
  }
}

/// What an ``ImportPlan`` holds: the nodes it adds and, for each planner that made it,
/// that planner's stories (see ``ImportShards``), with the order of the stories across
/// them. Built once, never changed after.
final class ImportPlanStorage: @unchecked Sendable {
  /// A story: the planner that planned it and its index there.
  struct StoryReference {
    var shard: UInt32
    var story: UInt32
  }

  let nodesAdded: [NodePath]
  let shards: [ImportShardStorage]
  let storyOrder: [StoryReference]

  init(nodesAdded: [NodePath], shards: [ImportShardStorage], storyOrder: [StoryReference]) {
    self.nodesAdded = nodesAdded
    self.shards = shards
    self.storyOrder = storyOrder
  }

  /// Calls `node` with each new node, then `step` with each other event's planner and
  /// step: story by story the story, its tellings, and item by item its recording and
  /// revisions. That is the plan's order.
  @inline(__always)
  func walk(
    nodes node: (NodePath) throws -> Void,
    steps step: (ImportShardStorage, ImportShardStorage.Step) throws -> Void
  ) rethrows {
    for path in nodesAdded { try node(path) }
    for reference in storyOrder {
      let shard = shards[Int(reference.shard)]
      try shard.walk(story: Int(reference.story)) { try step(shard, $0) }
    }
  }
}

/// One planner's part of an ``ImportPlan``: its stories, their tellings, items and rows,
/// grouped in the order the plan's events take them, and the bytes they point into.
final class ImportShardStorage: @unchecked Sendable {
  /// One event of the plan, by the records it comes from.
  enum Step {
    case story(Int)
    case telling(Int)
    case itemRecorded(item: Int, row: Int)
    case itemRevised(item: Int, row: Int)
  }

  let bytes: ImportBytes
  let topLevel: String
  let nodePaths: [NodePath]
  let stories: [ImportPlanning.Story]
  let tellings: [ImportPlanning.Telling]
  let tellingOrder: [Int32]
  let tellingStarts: [Int]
  let items: [ImportPlanning.Item]
  let storyItems: [Int32]
  let itemStarts: [Int]
  let rows: [ImportPlanning.Row]
  let rowOrder: [Int32]
  let rowStarts: [Int]

  init(
    bytes: ImportBytes, topLevel: String, nodePaths: [NodePath],
    stories: [ImportPlanning.Story], tellings: [ImportPlanning.Telling],
    tellingOrder: [Int32], tellingStarts: [Int], items: [ImportPlanning.Item],
    storyItems: [Int32], itemStarts: [Int], rows: [ImportPlanning.Row], rowOrder: [Int32],
    rowStarts: [Int]
  ) {
    self.bytes = bytes
    self.topLevel = topLevel
    self.nodePaths = nodePaths
    self.stories = stories
    self.tellings = tellings
    self.tellingOrder = tellingOrder
    self.tellingStarts = tellingStarts
    self.items = items
    self.storyItems = storyItems
    self.itemStarts = itemStarts
    self.rows = rows
    self.rowOrder = rowOrder
    self.rowStarts = rowStarts
  }

  /// Calls `body` with the steps of the story at `storyIndex`: the story (when new), its
  /// tellings, and item by item its recording (when new) and revisions.
  @inline(__always)
  func walk(story storyIndex: Int, _ body: (Step) throws -> Void) rethrows {
    if stories[storyIndex].ledgerIndex < 0 { try body(.story(storyIndex)) }
    for position in tellingStarts[storyIndex]..<tellingStarts[storyIndex + 1] {
      try body(.telling(Int(tellingOrder[position])))
    }
    for position in itemStarts[storyIndex]..<itemStarts[storyIndex + 1] {
      let item = Int(storyItems[position])
      var first = rowStarts[item]
      let end = rowStarts[item + 1]
      if !items[item].isInLedger {
        try body(.itemRecorded(item: item, row: Int(rowOrder[first])))
        first += 1
      }
      for slot in first..<end {
        let row = Int(rowOrder[slot])
        if !rows[row].hasNoFacts { try body(.itemRevised(item: item, row: row)) }
      }
    }
  }

  // MARK: Payloads

  /// The payload of `step`.
  func payload(_ step: Step) -> EventPayload {
    switch step {
    case .story(let index):
      let story = stories[index]
      return .storyTold(
        StoryTold(
          key: story.key, node: nodePaths[Int(story.node)], on: story.earliest,
          title: story.title ?? "", tellers: story.tellers ?? [], tags: story.tags ?? [],
          share: story.share ?? topLevel))
    case .telling(let index):
      let telling = tellings[index]
      return .tellingRecorded(
        TellingRecorded(
          story: stories[Int(telling.story)].key, on: telling.day,
          narrative: bytes.string(telling.narrativeOffset, Int(telling.narrativeCount))))
    case .itemRecorded(let itemIndex, let rowIndex):
      let item = items[itemIndex]
      let row = rows[rowIndex]
      return .itemRecorded(
        ItemRecorded(
          story: stories[Int(item.story)].key, item: key(of: item), on: row.day,
          // Every new item has a dimension: the planner checked its first row.
          dimension: item.dimension ?? .capacitating, facts: facts(of: row)))
    case .itemRevised(let itemIndex, let rowIndex):
      let item = items[itemIndex]
      let row = rows[rowIndex]
      return .itemRevised(
        ItemRevised(
          story: stories[Int(item.story)].key, item: key(of: item), on: row.day,
          facts: facts(of: row)))
    }
  }

  func key(of item: ImportPlanning.Item) -> String {
    bytes.string(item.keyOffset, Int(item.keyCount))
  }

  /// Calls `body` with the payloads of the story at `storyIndex`, in the plan's order; the
  /// same as the payloads of ``walk(story:_:)``'s steps, with each key made once.
  func forEachPayload(story storyIndex: Int, _ body: (EventPayload) throws -> Void) rethrows {
    let story = stories[storyIndex]
    if story.ledgerIndex < 0 { try body(payload(.story(storyIndex))) }
    for position in tellingStarts[storyIndex]..<tellingStarts[storyIndex + 1] {
      let telling = tellings[Int(tellingOrder[position])]
      try body(
        .tellingRecorded(
          TellingRecorded(
            story: story.key, on: telling.day,
            narrative: bytes.string(telling.narrativeOffset, Int(telling.narrativeCount)))))
    }
    for position in itemStarts[storyIndex]..<itemStarts[storyIndex + 1] {
      let itemIndex = Int(storyItems[position])
      let item = items[itemIndex]
      let key = key(of: item)
      var first = rowStarts[itemIndex]
      if !item.isInLedger {
        let row = rows[Int(rowOrder[first])]
        try body(
          .itemRecorded(
            ItemRecorded(
              story: story.key, item: key, on: row.day,
              dimension: item.dimension ?? .capacitating, facts: facts(of: row))))
        first += 1
      }
      for slot in first..<rowStarts[itemIndex + 1] {
        let row = rows[Int(rowOrder[slot])]
        guard !row.hasNoFacts else { continue }
        try body(
          .itemRevised(ItemRevised(story: story.key, item: key, on: row.day, facts: facts(of: row)))
        )
      }
    }
  }

  /// The row's item facts, decoded from the bytes the planner encoded them into (with the
  /// codec's encoding, from text already checked to be UTF-8).
  func facts(of row: ImportPlanning.Row) -> ItemFacts {
    let raw = bytes.bytes(row.factsOffset, Int(row.factsCount))
    var offset = 0
    func byte() -> UInt8 {
      guard offset < raw.count else { return 0 }
      defer { offset += 1 }
      return raw[offset]
    }
    func varint() -> UInt64 {
      var value: UInt64 = 0
      var shift: UInt64 = 0
      while shift < 64 {
        let next = byte()
        value |= UInt64(next & 0x7F) << shift
        if next < 0x80 { break }
        shift += 7
      }
      return value
    }
    func string() -> String {
      let count = min(Int(clamping: varint()), raw.count - offset)
      defer { offset += count }
      return String(
        decoding: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + count)]), as: UTF8.self)
    }
    let mask = byte()
    var facts = ItemFacts()
    if mask & 1 != 0 { facts.visibility = byte() == 1 ? .visible : .invisible }
    if mask & 2 != 0 { facts.description = string() }
    if mask & 4 != 0 { facts.quantity = string() }
    if mask & 8 != 0 { facts.unit = string() }
    if mask & 16 != 0 {
      let raw = varint()
      facts.monetised = Money(cents: Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1))
    }
    if mask & 32 != 0 { facts.weight = Int(byte()) }
    if mask & 64 != 0 { facts.evidence = string() }
    return facts
  }

  // MARK: Encoding

  /// Writes the parts of `step`'s event into `encoder`, exactly as ``EventCodec`` encodes
  /// its payload, from the plan's bytes; returns the event's type.
  @inline(__always)
  func encode(_ step: Step, into encoder: RecordEncoder) -> EventType {
    switch step {
    case .story(let index):
      let story = stories[index]
      encoder.publicPart.appendString(story.key)
      encoder.publicPart.appendString(nodePaths[Int(story.node)].description)
      encoder.publicPart.appendDay(story.earliest)
      encoder.publicPart.appendString(story.title ?? "")
      encoder.publicPart.appendStrings(story.tags ?? [])
      encoder.publicPart.appendString(story.share ?? topLevel)
      encoder.personalPart.appendStrings(story.tellers ?? [])
      return .storyTold
    case .telling(let index):
      let telling = tellings[index]
      encoder.publicPart.appendString(stories[Int(telling.story)].key)
      encoder.publicPart.appendDay(telling.day)
      encoder.personalPart.appendString(
        utf8: bytes.bytes(telling.narrativeOffset, Int(telling.narrativeCount)))
      return .tellingRecorded
    case .itemRecorded(let itemIndex, let rowIndex):
      let item = items[itemIndex]
      let row = rows[rowIndex]
      encoder.publicPart.appendString(stories[Int(item.story)].key)
      encoder.publicPart.appendString(utf8: bytes.bytes(item.keyOffset, Int(item.keyCount)))
      encoder.publicPart.appendDay(row.day)
      encoder.publicPart.append(UInt8((item.dimension ?? .capacitating).index))
      encoder.publicPart.append(bytes.bytes(row.factsOffset, Int(row.factsCount)))
      return .itemRecorded
    case .itemRevised(let itemIndex, let rowIndex):
      let item = items[itemIndex]
      let row = rows[rowIndex]
      encoder.publicPart.appendString(stories[Int(item.story)].key)
      encoder.publicPart.appendString(utf8: bytes.bytes(item.keyOffset, Int(item.keyCount)))
      encoder.publicPart.appendDay(row.day)
      encoder.publicPart.append(bytes.bytes(row.factsOffset, Int(row.factsCount)))
      return .itemRevised
    }
  }
}
