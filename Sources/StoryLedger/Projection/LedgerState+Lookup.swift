/// The lookups that validators (the import planner, append validation) make, kept apart from
/// how the state stores its records so that the storage can change under them.
extension LedgerState {
  /// The fields of a story that an import compares with its rows.
  struct StoryFields {
    var node: NodePath
    var title: String
    var tellers: [String]
    var tags: [String]
    var share: String
  }

  /// Whether the hierarchy has a node at `path`.
  func hasNode(_ path: NodePath) -> Bool { nodeIndex[path] != nil }

  /// The current path of the node a story is told at (after any moves), if the story exists.
  public func node(ofStory key: String) -> NodePath? {
    storyIndex(forKey: key).map { nodes[Int(stories[$0].node)].path }
  }

  /// Where the node that was at `path` is now: `path` itself when a node is there, its new
  /// path when it was moved, `nil` when there is no such node.
  public func currentPath(of path: NodePath) -> NodePath? {
    nodeIndex[path] != nil ? path : currentPath(ofMoved: path)
  }

  /// Whether the hierarchy has a node at `path` now.
  public func hasNodeAt(_ path: NodePath) -> Bool { nodeIndex[path] != nil }

  /// Checks that there is a node at `path`.
  ///
  /// - Throws: ``LedgerError`` naming the path, its new place when it was moved, or the
  ///   closest existing ancestor.
  public func requireNode(at path: NodePath) throws(LedgerError) { _ = try node(at: path) }

  /// The keys of the stories not withdrawn that `name` tells (compared as Unicode text, after
  /// trimming spaces), in the order they were told: where a name stays once
  /// ``Ledger/eraseParticipant(_:reason:options:)`` has erased it from the dialogue, until
  /// each story is withdrawn with erasure.
  public func storiesTold(by name: String) -> [String] {
    let name = name.trimmingCharacters(in: .whitespaces)
    var keys: [String] = []
    for index in 0..<Int32(stories.count) where !isWithdrawn(index) {
      if storyFields(index).tellers.contains(where: {
        $0.trimmingCharacters(in: .whitespaces) == name
      }) {
        keys.append(storyKey(index))
      }
    }
    return keys
  }

  /// The story-level fields of the story at `index`.
  func storyFields(_ index: Int32) -> StoryFields {
    let record = stories[index]
    func list(_ reference: TextReference) -> [String] {
      reference.length == 0
        ? [] : text.string(reference).split(separator: Self.separator).map(String.init)
    }
    return StoryFields(
      node: nodes[Int(record.node)].path, title: text.string(record.title),
      tellers: list(record.tellers), tags: list(record.tags),
      share: configuration.levels[min(Int(record.share), configuration.levels.count - 1)])
  }

  /// Whether the story at `index` was told on `day` with `narrative` (recognised by a 64-bit
  /// hash of the text: the narrative itself stays in the log).
  func storyHasTelling(_ index: Int32, on day: Day, narrative: String) -> Bool {
    let hash = HashIndex.hash(narrative)
    var cursor = stories[index].firstTelling
    while cursor >= 0 {
      let telling = tellings[cursor]
      if telling.day == day && telling.narrativeHash == hash { return true }
      if telling.day > day { return false }
      cursor = telling.next
    }
    return false
  }

  /// The dimension of the item `key` of the story at `story`, if the item exists.
  func itemDimension(story: Int32, key: String) -> Dimension? {
    itemIndex(story: story, key: key).map { items[$0].dimension }
  }

  /// The version of the story whose key is `key`: the number of events about it.
  func storyVersion(forKey key: String) throws(LedgerError) -> Int {
    guard let index = storyIndex(forKey: key) else {
      throw LedgerError(.invalid, "no story \(key)")
    }
    return Int(stories[index].version)
  }

  /// The deepest existing node on the way to `path` (or `path` itself) that is retired or
  /// under a retired node, if any.
  func retiredNode(onPathTo path: NodePath) -> NodePath? {
    for depth in stride(from: path.depth, through: 1, by: -1) {
      if let index = nodeIndex[path.prefix(depth: depth)] {
        return isClosed(index) ? path.prefix(depth: depth) : nil
      }
    }
    return nil
  }

  /// The first prefix of `path` (or `path` itself) that names a node that was moved away
  /// and has no node there now, with where it is now.
  func movedNode(onPathTo path: NodePath) -> (old: NodePath, new: NodePath)? {
    guard !movedPaths.isEmpty else { return nil }
    for depth in 1...path.depth {
      let prefix = path.prefix(depth: depth)
      if nodeIndex[prefix] != nil { continue }
      if let moved = currentPath(ofMoved: prefix) { return (prefix, moved) }
      return nil
    }
    return nil
  }

  // MARK: Records by key and by place

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
  mutating func story(forKey key: String) -> Int32? {
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
