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
}
