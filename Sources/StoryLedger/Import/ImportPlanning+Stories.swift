import Foundation

/// The stories an import names: their keys, story-level fields, nodes and tellings,
/// checked row by row.
extension ImportPlanning {
  mutating func storyID(day: Day) throws(ImportError) -> Int32 {
    let bytes = field(.story)
    var id = lastStory
    if id < 0 || !ImportPlanning.equal(stories[Int(id)].key, bytes) {
      let key = String(decoding: bytes, as: UTF8.self)
      if let known = storyIDs[key] {
        id = known
      } else {
        id = try addStory(key, day: day)
      }
      lastStory = id
    }
    if day < stories[Int(id)].earliest { stories[Int(id)].earliest = day }
    return id
  }

  mutating func addStory(_ key: String, day: Day) throws(ImportError) -> Int32 {
    do { try Key.validate(key, field: ImportColumn.story.name) } catch {
      throw failure(.story, error)
    }
    let id = Int32(stories.count)
    var story = Story(
      key: key, ledgerIndex: -1, firstRow: row, firstLine: line, earliest: day)
    var text = key
    text.withUTF8 { story.keyOffset = arena.appendReturningOffset(UnsafeRawBufferPointer($0)) }
    story.keyCount = Int32(truncatingIfNeeded: text.utf8.count)
    if let index = state.storyIndex(forKey: key) {
      if state.isWithdrawn(index) {
        throw failure(
          .story, value: key,
          reason: "story \(key) was withdrawn; a withdrawn story takes no more rows")
      }
      let fields = state.storyFields(index)
      story.ledgerIndex = index
      story.title = fields.title
      story.tellers = fields.tellers
      story.tags = fields.tags
      story.share = fields.share
    }
    stories.append(story)
    storyIDs[key] = id
    return id
  }

  /// Takes the story-level fields of the current row: the first value wins, a later
  /// different one is an error.
  mutating func takeStoryFields(_ id: Int32) throws(ImportError) {
    let index = Int(id)
    let node = field(.node)
    if !node.isEmpty {
      let current = stories[index].node
      if current < 0 {
        let resolved = try nodeID(node)
        if stories[index].ledgerIndex >= 0 {
          let ledgerPath = state.storyFields(stories[index].ledgerIndex).node
          if nodes.paths[Int(resolved)] != ledgerPath {
            throw conflict(.node, node, story: index, established: ledgerPath.description, from: 0)
          }
        } else {
          stories[index].nodeRow = row
        }
        stories[index].node = resolved
      } else if !ImportPlanning.equal(nodes.paths[Int(current)].description, node) {
        throw conflict(
          .node, node, story: index, established: nodes.paths[Int(current)].description,
          from: stories[index].nodeRow)
      }
    }

    let title = field(.title)
    if !title.isEmpty {
      if let current = stories[index].title {
        // Canonically equivalent spellings (a precomposed é or e and a combining accent) are
        // one title, as they are one string.
        if !ImportPlanning.equal(current, title), current != String(decoding: title, as: UTF8.self)
        {
          throw conflict(
            .title, title, story: index, established: current, from: stories[index].titleRow)
        }
      } else {
        stories[index].title = String(decoding: title, as: UTF8.self)
        stories[index].titleRow = row
      }
    }

    try takeNames(
      .teller, story: index, names: \.tellers, text: \.tellersText, from: \.tellersRow)
    try takeNames(.tags, story: index, names: \.tags, text: \.tagsText, from: \.tagsRow)

    let share = field(.share)
    if !share.isEmpty, !ImportPlanning.equal(stories[index].shareText, share) {
      let text = String(decoding: share, as: UTF8.self)
      let level: String
      do {
        let depth = try configuration.depth(parsingLevel: text, field: ImportColumn.share.name)
        level = configuration.levels[depth - 1]
      } catch {
        throw failure(.share, error)
      }
      if let current = stories[index].share {
        if current != level {
          throw conflict(
            .share, share, story: index, established: current, from: stories[index].shareRow)
        }
      } else {
        stories[index].share = level
        stories[index].shareRow = row
      }
      stories[index].shareText = text
    }
  }

  /// The error for a story-level value that differs from the one the story already has.
  /// Takes a `;`-separated list field (tellers or tags) of the current row: names with a
  /// control character are refused; the first list wins, a later different one is an error.
  mutating func takeNames(
    _ column: ImportColumn, story index: Int, names: WritableKeyPath<Story, [String]?>,
    text: WritableKeyPath<Story, String?>, from nameRow: WritableKeyPath<Story, Int>
  ) throws(ImportError) {
    let given = field(column)
    guard !given.isEmpty, !ImportPlanning.equal(stories[index][keyPath: text], given) else {
      return
    }
    try refuseControlCharacters(given, in: column)
    let list = ImportPlanning.names(given)
    guard !list.isEmpty else { return }
    if let current = stories[index][keyPath: names] {
      if current != list {
        throw conflict(
          column, given, story: index, established: current.joined(separator: ";"),
          from: stories[index][keyPath: nameRow])
      }
    } else {
      stories[index][keyPath: names] = list
      stories[index][keyPath: nameRow] = row
    }
    stories[index][keyPath: text] = String(decoding: given, as: UTF8.self)
  }

  func conflict(
    _ column: ImportColumn, _ given: UnsafeBufferPointer<UInt8>, story index: Int,
    established: String, from row: Int
  ) -> ImportError {
    let key = stories[index].key
    let name = column.name
    var reason: String
    if row == 0 && established.isEmpty {
      reason = "differs from story \"\(key)\" in the ledger, which has no \(name)"
    } else {
      let source = row == 0 ? "has in the ledger" : "took from row \(row)"
      reason =
        "differs from the \(name) \"\(ImportError.shown(established))\" that story \"\(key)\" \(source)"
    }
    if column == .node {
      reason += "; a story never changes node through import"
    } else if row == 0 {
      reason += "; an import does not change a story's \(name)"
    } else {
      reason += "; leave it empty or repeat the same value in the story's later rows"
    }
    return failure(column, value: String(decoding: given, as: UTF8.self), reason: reason)
  }

  /// The planner's id of the node path in `bytes`, adding the node and its missing
  /// ancestors to the nodes the import creates.
  mutating func nodeID(_ bytes: UnsafeBufferPointer<UInt8>) throws(ImportError) -> Int32 {
    let text = String(decoding: bytes, as: UTF8.self)
    if let id = nodes.ids[text] { return id }
    let path: NodePath
    do {
      path = try NodePath(parsing: text, field: ImportColumn.node.name)
      try configuration.validate(path, field: ImportColumn.node.name)
    } catch {
      throw failure(.node, error)
    }
    if let closed = state.retiredNode(onPathTo: path) {
      throw failure(
        .node, value: text, reason: "node \(closed) is retired; it takes no new stories or children"
      )
    }
    if let moved = state.movedNode(onPathTo: path) {
      throw failure(
        .node, value: text, reason: "node \(moved.old) was moved; it is now \(moved.new)")
    }
    for depth in 1...path.depth {
      let prefix = path.prefix(depth: depth)
      if !state.hasNode(prefix), !nodes.addedSet.contains(prefix) {
        nodes.added.append(prefix)
        nodes.addedRows.append(row)
        nodes.addedSet.insert(prefix)
      }
    }
    let id = Int32(nodes.paths.count)
    nodes.paths.append(path)
    nodes.ids[text] = id
    return id
  }

  mutating func takeNarrative(_ story: Int32, day: Day) throws(ImportError) {
    let narrative = field(.narrative)
    guard !narrative.isEmpty else { return }
    let index = Int(story)
    let ledgerIndex = stories[index].ledgerIndex
    if stories[index].hasIndexedTellings {
      let key = TellingKey(
        story: story, day: day, narrative: String(decoding: narrative, as: UTF8.self))
      guard tellingKeys.insert(key).inserted else { return }
      if ledgerIndex >= 0, state.storyHasTelling(ledgerIndex, on: day, narrative: key.narrative) {
        return
      }
      addTelling(story, day: day, narrative: narrative)
      return
    }
    // Few tellings: compare bytes, newest first (rows of one telling usually follow each other).
    var cursor = stories[index].lastTelling
    while cursor >= 0 {
      let telling = tellings[Int(cursor)]
      if telling.day == day
        && arena.equal(telling.narrativeOffset, Int(telling.narrativeCount), narrative)
      {
        return
      }
      cursor = telling.previous
    }
    if ledgerIndex >= 0,
      state.storyHasTelling(
        ledgerIndex, on: day, narrative: String(decoding: narrative, as: UTF8.self))
    {
      return
    }
    addTelling(story, day: day, narrative: narrative)
    if stories[index].tellingCount > ImportPlanning.linearTellingLimit {
      // Switch this story to the set, with every telling known so far.
      var cursor = stories[index].lastTelling
      while cursor >= 0 {
        let telling = tellings[Int(cursor)]
        tellingKeys.insert(
          TellingKey(
            story: story, day: telling.day,
            narrative: arena.string(telling.narrativeOffset, Int(telling.narrativeCount))))
        cursor = telling.previous
      }
      stories[index].hasIndexedTellings = true
    }
  }

  mutating func addTelling(_ story: Int32, day: Day, narrative: UnsafeBufferPointer<UInt8>) {
    let offset = arena.appendReturningOffset(UnsafeRawBufferPointer(narrative))
    let index = Int(story)
    tellings.append(
      Telling(
        story: story, day: day, previous: stories[index].lastTelling,
        narrativeCount: Int32(truncatingIfNeeded: narrative.count), narrativeOffset: offset))
    stories[index].lastTelling = Int32(tellings.count - 1)
    stories[index].tellingCount += 1
  }
}
