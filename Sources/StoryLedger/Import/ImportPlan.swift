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
    into encoder: inout RecordEncoder,
    _ emit: (_ encoder: inout RecordEncoder, _ type: EventType, _ hasPersonalPart: Bool) throws ->
      Void
  ) rethrows {
    guard let storage else { return }
    for path in storage.nodesAdded {
      EventCodec.encodePublic(
        .nodeAdded(NodeAdded(path: path, name: path.name)), into: &encoder.publicPart)
      try emit(&encoder, .nodeAdded, false)
    }
    for reference in storage.storyOrder {
      try storage.shards[Int(reference.shard)].encodeEvents(
        story: Int(reference.story), into: &encoder, emit)
    }
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
}

/// One planner's part of an ``ImportPlan``: its stories, their tellings, items and rows,
/// grouped in the order the plan's events take them, and the bytes they point into.
final class ImportShardStorage: @unchecked Sendable {
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

  // MARK: Payloads

  /// The `story.told` payload of the story at `index`.
  func storyPayload(_ index: Int) -> EventPayload {
    let story = stories[index]
    return .storyTold(
      StoryTold(
        key: story.key, node: nodePaths[Int(story.node)], on: story.earliest,
        title: story.title ?? "", tellers: story.tellers ?? [], tags: story.tags ?? [],
        share: story.share ?? topLevel))
  }

  func key(of item: ImportPlanning.Item) -> String {
    bytes.string(item.keyOffset, Int(item.keyCount))
  }

  /// Calls `body` with the payloads of the story at `storyIndex`, in the plan's order: the
  /// story (when new), its tellings by date, then item by item its recording (when new)
  /// and revisions by date.
  func forEachPayload(story storyIndex: Int, _ body: (EventPayload) throws -> Void) rethrows {
    let story = stories[storyIndex]
    if story.ledgerIndex < 0 { try body(storyPayload(storyIndex)) }
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
        try body(
          .itemRevised(ItemRevised(story: story.key, item: key, on: row.day, facts: facts(of: row)))
        )
      }
    }
  }

  /// The row's item facts, decoded from the bytes the planner encoded them into (checked
  /// when planned, so they decode).
  func facts(of row: ImportPlanning.Row) -> ItemFacts {
    var reader = ByteReader(bytes.bytes(row.factsOffset, Int(row.factsCount)))
    return (try? ItemFactsCodec.read(&reader)) ?? ItemFacts()
  }

  /// The row's item facts as the planner encoded them.
  @inline(__always)
  func encodedFacts(of row: ImportPlanning.Row) -> EncodedItemFacts {
    EncodedItemFacts(bytes: bytes.bytes(row.factsOffset, Int(row.factsCount)))
  }

  // MARK: Encoding

  /// Writes the parts of the events of the story at `storyIndex` into `encoder` with the
  /// codecs ``EventCodec`` encodes their payloads with, from the plan's bytes, in the order of
  /// ``forEachPayload(story:_:)``, calling `emit` after each.
  @inline(__always)
  func encodeEvents(
    story storyIndex: Int, into encoder: inout RecordEncoder,
    _ emit: (_ encoder: inout RecordEncoder, _ type: EventType, _ hasPersonalPart: Bool) throws ->
      Void
  ) rethrows {
    let story = stories[storyIndex]
    let key = bytes.bytes(story.keyOffset, Int(story.keyCount))
    if story.ledgerIndex < 0 {
      StoryToldCodec.write(
        key: key, node: nodePaths[Int(story.node)], on: story.earliest, title: story.title ?? "",
        tags: story.tags ?? [], share: story.share ?? topLevel, into: &encoder.publicPart)
      StoryToldCodec.writePersonal(tellers: story.tellers ?? [], into: &encoder.personalPart)
      try emit(&encoder, .storyTold, true)
    }
    for position in tellingStarts[storyIndex]..<tellingStarts[storyIndex + 1] {
      let telling = tellings[Int(tellingOrder[position])]
      TellingCodec.write(story: key, on: telling.day, into: &encoder.publicPart)
      TellingCodec.writePersonal(
        narrative: bytes.bytes(telling.narrativeOffset, Int(telling.narrativeCount)),
        into: &encoder.personalPart)
      try emit(&encoder, .tellingRecorded, true)
    }
    for position in itemStarts[storyIndex]..<itemStarts[storyIndex + 1] {
      let itemIndex = Int(storyItems[position])
      let item = items[itemIndex]
      let itemKey = bytes.bytes(item.keyOffset, Int(item.keyCount))
      var first = rowStarts[itemIndex]
      if !item.isInLedger {
        let row = rows[Int(rowOrder[first])]
        ItemEventCodec.write(
          story: key, item: itemKey, on: row.day, dimension: item.dimension ?? .capacitating,
          facts: encodedFacts(of: row), into: &encoder.publicPart)
        try emit(&encoder, .itemRecorded, false)
        first += 1
      }
      for slot in first..<rowStarts[itemIndex + 1] {
        let row = rows[Int(rowOrder[slot])]
        ItemEventCodec.write(
          story: key, item: itemKey, on: row.day, dimension: nil, facts: encodedFacts(of: row),
          into: &encoder.publicPart)
        try emit(&encoder, .itemRevised, false)
      }
    }
  }
}
