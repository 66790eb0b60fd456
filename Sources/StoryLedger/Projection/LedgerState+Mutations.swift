/// The mutations of the state, shared by every fold path: the reference fold
/// (``LedgerState/apply(_:)``), the fast fold from encoded bytes (`foldEncoded`) and the
/// fold of a streamed import. A path decides what an event means and checks it; the change
/// it makes to the records is made here, once.
extension LedgerState {
  /// Adds the node at `path` under `parent` (-1: the top).
  mutating func addNode(_ path: NodePath, name: String, parent: Int32) {
    let index = Int32(nodes.count)
    nodes.append(NodeRecord(path: path, name: name, parent: parent))
    nodeTotals.append(NodeTotals())
    if parent >= 0 { nodes[Int(parent)].children.append(index) }
    nodeIndex[path] = index
  }

  /// Adds a story whose key hashes to `keyHash` (its texts already in the arena).
  @inline(__always)
  mutating func insertStory(_ record: StoryRecord, keyHash: UInt64) {
    let index = Int32(stories.count)
    stories.append(record)
    storyTable.insert(index, hash: keyHash)
    nodeTotals[record.node].stories += 1
  }

  /// Records a telling of `story` on `day`, its narrative known by its hash.
  @inline(__always)
  mutating func recordTelling(story: Int32, day: Day, sequence: UInt64, narrativeHash: UInt64) {
    insertTelling(
      TellingRecord(
        story: story, day: day, next: -1, sequence: sequence, narrativeHash: narrativeHash))
    stories[story].version += 1
  }

  /// Adds an item to `story` (its key already in the arena, hashed with the story as seed)
  /// with its first revision.
  @inline(__always)
  mutating func insertItem(
    story: Int32, key: TextReference, keyHash: UInt64, dimensionIndex: UInt8, day: Day,
    sequence: UInt64, facts: ItemFacts
  ) {
    let item = Int32(items.count)
    let revision = Int32(revisions.count)
    items.append(
      ItemRecord(
        key: key, story: story, first: revision, last: revision, dimensionIndex: dimensionIndex))
    itemTable.insert(item, hash: keyHash)
    var record = stories[story]
    if record.lastItem >= 0 {
      items[record.lastItem].nextInStory = item
    } else {
      record.firstItem = item
    }
    record.lastItem = item
    record.version += 1
    stories[story] = record
    appendRevision(item: item, day: day, sequence: sequence, facts: facts)
  }

  /// Revises `item` of `story` as of `day`.
  @inline(__always)
  mutating func reviseItem(
    _ item: Int32, story: Int32, day: Day, sequence: UInt64, facts: ItemFacts
  ) {
    stories[story].version += 1
    appendRevision(item: item, day: day, sequence: sequence, facts: facts)
  }

  /// Changes a story's title, tags or share scope.
  mutating func update(_ story: Int32, _ event: StoryUpdated, sequence: UInt64) {
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
  }

  /// Erases the personal text (teller names) of a story withdrawn earlier.
  mutating func eraseWithdrawn(_ story: Int32, sequence: UInt64) {
    withdrawals[story] = Withdrawal(sequence: sequence, isErased: true)
    storyEvents[story, default: []].append(sequence)
    var record = stories[story]
    record.version += 1
    text.zero(record.tellers)
    record.tellers = .empty
    stories[story] = record
    erasePersonalAnswers(of: story)
  }

  /// Moves node `index` and its subtree under `parent` (-1: the top), its new path `path`.
  mutating func moveNode(_ index: Int32, under parent: Int32, to path: NodePath) {
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
  mutating func withdraw(_ story: Int32, sequence: UInt64, erase: Bool) {
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
    if erase { erasePersonalAnswers(of: story) }
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
    if tellings.linkInDateOrder(index, chainHead: story.firstTelling) {
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
      hasMonetisedDelta: facts.monetised != nil, isVisible: false, isPriced: facts.proxy != nil)
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
    if revisions.linkInDateOrder(index, chainHead: itemRecord.first) {
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
}
