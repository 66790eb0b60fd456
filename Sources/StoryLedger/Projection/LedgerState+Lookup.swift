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

  /// The index of the story whose key is `key`.
  func storyIndex(forKey key: String) -> Int32? { storyIndex[key] }

  /// The story-level fields of the story at `index`.
  func storyFields(_ index: Int32) -> StoryFields {
    let record = stories[Int(index)]
    return StoryFields(
      node: nodes[Int(record.node)].path, title: record.title, tellers: record.tellers,
      tags: record.tags, share: record.share)
  }

  /// Whether the story at `index` was told on `day` with exactly `narrative`.
  func storyHasTelling(_ index: Int32, on day: Day, narrative: String) -> Bool {
    stories[Int(index)].tellings.contains { $0.on == day && $0.narrative == narrative }
  }

  /// The dimension of the item `key` of the story at `story`, if the item exists.
  func itemDimension(story: Int32, key: String) -> Dimension? {
    itemIndex[ItemAddress(story: story, key: key)].map { items[Int($0)].dimension }
  }
}
