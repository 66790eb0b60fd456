import Foundation

/// Building this planner's part of the plan once the whole file has been read.
extension ImportPlanning {
  /// Checks what only the whole file shows of this planner's stories and builds their
  /// part of the plan; problems are returned for ``ImportShards`` to pick the file's first.
  mutating func finish() -> ImportShards.Result {
    var result = ImportShards.Result(rowsSeen: rowsSeen)
    for story in stories where story.ledgerIndex < 0 && story.node < 0 {
      result.missingNode = ImportError(
        file: reader.fileName, row: story.firstRow, line: story.firstLine,
        column: ImportColumn.node.name,
        reason:
          "missing: no row of story \"\(story.key)\" gives its node; give it in the story's first row"
      )
      break
    }

    // The lookups are done with; free them before the plan takes its memory.
    storyIDs = [:]
    itemTable = KeyTable(capacity: 0)
    tellingKeys = []
    nodes.ids = [:]
    nodes.addedSet = []

    // Rows grouped by item (file order within each item), then by date.
    let (rowStarts, rowOrder) = ImportPlanning.group(
      rows, sizes: items.map { Int($0.rowCount) }, by: { Int($0.item) }, day: \.day)

    // Items grouped by story, in order of first appearance.
    let (itemStarts, storyItems) = ImportPlanning.group(
      items, sizes: stories.map { Int($0.itemCount) }, by: { Int($0.story) })

    // Every new item's first row (by date) records it: it must give what an item needs.
    checking: for storyIndex in stories.indices {
      let story = stories[storyIndex]
      if story.ledgerIndex < 0 { result.storiesAdded += 1 }
      for position in itemStarts[storyIndex]..<itemStarts[storyIndex + 1] {
        let itemIndex = Int(storyItems[position])
        let item = items[itemIndex]
        var first = rowStarts[itemIndex]
        if !item.isInLedger {
          let row = rows[Int(rowOrder[first])]
          let hasVisibility = ItemFactsCodec.fields(startingWith: arena.byte(at: row.factsOffset))
            .contains(.visibility)
          guard row.hasDimension, item.dimension != nil, hasVisibility else {
            let column: ImportColumn = row.hasDimension ? .visibility : .dimension
            result.itemError = ImportError(
              file: reader.fileName, row: row.row, line: row.line, column: column.name,
              reason:
                "missing: this row records item \"\(story.key)/\(itemKey(itemIndex))\" (it is the item's earliest told_on), so it must give the \(column.name)",
              validValues: column == .dimension
                ? Dimension.allCases.map(\.rawValue) : Visibility.allCases.map(\.rawValue))
            result.itemErrorStoryRow = story.firstRow
            break checking
          }
          result.itemsAdded += 1
          first += 1
        }
        // Every later row is a revision, even one that changes nothing: a dated mention.
        result.revisionsAdded += rowStarts[itemIndex + 1] - first
      }
    }
    guard result.missingNode == nil && result.itemError == nil else { return result }

    // Tellings grouped by story, by date then file order.
    let (tellingStarts, tellingOrder) = ImportPlanning.group(
      tellings, sizes: stories.map { Int($0.tellingCount) }, by: { Int($0.story) }, day: \.day)
    result.tellingsAdded = tellings.count
    result.addedNodes = nodes.added
    result.addedNodeRows = nodes.addedRows
    result.storage = ImportShardStorage(
      bytes: ImportBytes(taking: arena), topLevel: configuration.levels.first ?? "",
      nodePaths: nodes.paths, stories: stories, tellings: tellings, tellingOrder: tellingOrder,
      tellingStarts: tellingStarts, items: items, storyItems: storyItems, itemStarts: itemStarts,
      rows: rows, rowOrder: rowOrder, rowStarts: rowStarts)
    // The plan owns the arena now; this planner must not free it.
    ownsArena = false
    return result
  }

  /// Groups `members` by `group(member)`, keeping their order within each group (or,
  /// given `day`, sorting each group by day, then that order), where group `g` has
  /// `sizes[g]` members: returns where each group starts in `order` (and, last, where the
  /// final one ends) and the members' indices in group order.
  static func group<Member>(
    _ members: [Member], sizes: [Int], by group: (Member) -> Int,
    day: ((Member) -> Day)? = nil
  ) -> (starts: [Int], order: [Int32]) {
    var starts = [Int](repeating: 0, count: sizes.count + 1)
    for (index, size) in sizes.enumerated() { starts[index + 1] = starts[index] + size }
    var order = [Int32](repeating: 0, count: members.count)
    var fill = starts
    for (index, member) in members.enumerated() {
      let target = group(member)
      order[fill[target]] = Int32(index)
      fill[target] += 1
    }
    if let day {
      for index in sizes.indices {
        sortByDay(&order, starts[index]..<starts[index + 1]) { day(members[Int($0)]) }
      }
    }
    return (starts, order)
  }

  /// Sorts `order[range]` by the day of each entry, keeping file order among equal days;
  /// most ranges are already in order and are only checked.
  static func sortByDay(
    _ order: inout [Int32], _ range: Range<Int>, day: (Int32) -> Day
  ) {
    guard range.count > 1 else { return }
    var previous = Day.earliest
    var isSorted = true
    for position in range {
      let current = day(order[position])
      if current < previous {
        isSorted = false
        break
      }
      previous = current
    }
    guard !isSorted else { return }
    order[range].sort { left, right in
      let leftDay = day(left)
      let rightDay = day(right)
      return leftDay != rightDay ? leftDay < rightDay : left < right
    }
  }
}
