import Foundation

/// The working state of one import: compact records of the stories, items, tellings and
/// rows seen, checked row by row and turned into an ``ImportPlan`` once the whole file has
/// been read.
///
/// Rows keep no strings: a row's item facts are encoded as the log encodes them, into one
/// growing byte arena, along with narratives and item keys. A plan of a million rows then
/// takes about as much memory as the text it imports, and writing it is copying bytes.
struct ImportPlanning {
  struct Story {
    var key: String
    /// The key's bytes in the arena.
    var keyOffset = 0
    var keyCount: Int32 = 0
    /// The story's index in the ledger state, or -1 when the import adds it.
    var ledgerIndex: Int32
    var firstRow: Int
    var firstLine: Int
    var earliest: Day
    /// The planner's node id, or -1 while no row has given a node.
    var node: Int32 = -1
    var title: String?
    var tellers: [String]?
    var tellersText: String?
    var tags: [String]?
    var tagsText: String?
    var share: String?
    var shareText: String?
    /// The row each story-level field was taken from (0: the ledger).
    var nodeRow = 0
    var titleRow = 0
    var tellersRow = 0
    var tagsRow = 0
    var shareRow = 0
    /// The newest telling the import adds (-1: none); each links to the one before.
    var lastTelling: Int32 = -1
    var tellingCount: Int32 = 0
    /// Whether the story's tellings are in ``ImportPlanning/tellingKeys``.
    var hasIndexedTellings = false
    var itemCount: Int32 = 0
    /// The newest of the story's items (-1: none); each links to the one before.
    var lastItem: Int32 = -1
    /// Whether the story's items are in ``ImportPlanning/itemTable``.
    var hasIndexedItems = false
  }

  /// A telling the import adds; its narrative is in the arena.
  struct Telling {
    var story: Int32
    var day: Day
    /// The story's previous telling in file order, or -1.
    var previous: Int32
    var narrativeCount: Int32
    var narrativeOffset: Int
  }

  struct TellingKey: Hashable {
    var story: Int32
    var day: Day
    var narrative: String
  }

  struct Item {
    var story: Int32
    /// The key as given first, in the arena.
    var keyCount: Int32
    var keyOffset: Int
    /// The key as compared (canonically composed when it is not ASCII), in the arena.
    var matchCount: Int32
    var matchOffset: Int
    /// The dimension of an item in the ledger, else the first one a row gives.
    var dimension: Dimension?
    var isInLedger: Bool
    /// The story's previous item, or -1.
    var previousInStory: Int32
    var rowCount: Int32 = 0
    /// The row that gave the dimension (0: the ledger).
    var dimensionRow: Int = 0
  }

  /// One data row: its item, date, and item facts encoded in the arena as the log
  /// encodes them (a mask byte, then the facts given).
  struct Row {
    var item: Int32
    var day: Day
    var factsCount: Int32
    /// Whether the row gives a dimension.
    var hasDimension: Bool
    var factsOffset: Int
    var row: Int
    var line: Int
  }

  /// The nodes rows name, and those the import adds.
  struct Nodes {
    var ids: [String: Int32] = [:]
    var paths: [NodePath] = []
    var added: [NodePath] = []
    /// The row that named each added node first.
    var addedRows: [Int] = []
    var addedSet: Set<NodePath> = []
  }

  let reader: CSVReader
  /// Which of `shardCount` planners this is: each plans the stories whose keys hash to
  /// it, and all of them read every row (see ``ImportShards``).
  let shard: Int
  let shardCount: Int
  let state: LedgerState
  let configuration: LedgerConfiguration
  /// The field index of each ``ImportColumn``, or -1 when the file does not have it.
  let columns: [Int]
  /// Narratives, item keys and encoded facts. The planner owns it until ``finish()`` hands
  /// it to the plan (``ImportPlanner`` frees it if planning fails).
  var arena: RawByteBuffer
  /// Whether ``arena`` is still the planner's to free (not yet handed to a plan).
  var ownsArena = true

  /// The current row: its fields, row number and line.
  var record: CSVReader.Fields
  var row = 0
  var line = 0
  /// The data rows read, this planner's or not.
  var rowsSeen = 0

  var stories: [Story] = []
  var storyIDs: [String: Int32] = [:]
  var items: [Item] = []
  var itemTable = KeyTable(capacity: 4096)
  var rows: [Row] = []
  var tellings: [Telling] = []
  var nodes = Nodes()
  var tellingKeys: Set<TellingKey> = []
  var lastStory: Int32 = -1
  var lastItem: Int32 = -1

  /// A story with more tellings than this keeps them in a set for the duplicate check.
  static let linearTellingLimit = 16
  /// A story with more items than this finds them through ``itemTable``; one with fewer
  /// compares its items' keys one by one, which touches only memory that is in cache.
  static let linearItemLimit = 8

  init(reader: CSVReader, state: LedgerState, shard: Int = 0, shardCount: Int = 1)
    throws(ImportError)
  {
    self.reader = reader
    self.shard = shard
    self.shardCount = shardCount
    self.state = state
    self.configuration = state.configuration
    let header = try reader.readHeader()
    self.columns = try ImportPlanning.columns(of: header, reader: reader)
    record = reader.fields
    // Each planner checks the text of the rows it plans.
    if shardCount > 1 { reader.defersUTF8Validation = true }
    let estimate = Int(clamping: reader.totalBytes / 160 / UInt64(shardCount))
    rows.reserveCapacity(min(estimate, 1 << 24))
    // Last: nothing may throw once the arena is allocated.
    arena = RawByteBuffer(capacity: 1 << 20)
  }

  static func columns(of header: [String], reader: CSVReader) throws(ImportError) -> [Int] {
    let all = ImportColumn.allCases
    var indices = [Int](repeating: -1, count: all.count)
    for (index, name) in header.enumerated() {
      func failure(_ reason: String, validValues: [String] = []) -> ImportError {
        ImportError(
          file: reader.fileName, row: reader.row, line: reader.line,
          column: name.isEmpty ? nil : name, reason: reason, validValues: validValues)
      }
      guard let column = all.first(where: { $0.name == name }) else {
        let reason =
          name.isEmpty
          ? "the header's field \(index + 1) is empty; every column needs a name" : "unknown column"
        throw failure(reason, validValues: all.map(\.name))
      }
      let earlier = indices[column.rawValue]
      guard earlier < 0 else {
        throw failure(
          "the column is named twice in the header (fields \(earlier + 1) and \(index + 1))")
      }
      indices[column.rawValue] = index
    }
    for column in all where column.isRequired && indices[column.rawValue] < 0 {
      throw ImportError(
        file: reader.fileName, row: reader.row, line: reader.line, column: column.name,
        reason:
          "required column is missing from the header (required: \(ImportPlanner.requiredColumns.joined(separator: ", ")))"
      )
    }
    return indices
  }

  // MARK: Reading rows

  /// The bytes of `column` in the current row (empty when the file has no such column).
  @inline(__always)
  func field(_ column: ImportColumn) -> UnsafeBufferPointer<UInt8> {
    let index = columns[column.rawValue]
    return index < 0 ? UnsafeBufferPointer(start: nil, count: 0) : record.bytes(at: index)
  }

  func failure(
    _ column: ImportColumn?, value: String? = nil, reason: String, validValues: [String] = []
  ) -> ImportError {
    ImportError(
      file: reader.fileName, row: reader.row, line: reader.line, column: column?.name, value: value,
      reason: reason, validValues: validValues)
  }

  func failure(_ column: ImportColumn, _ error: ValueError) -> ImportError {
    ImportError(
      file: reader.fileName, row: reader.row, line: reader.line, column: column.name, error)
  }

  /// Checks the current row and records what it says.
  mutating func take() throws(ImportError) {
    record = reader.fields
    row = reader.row
    line = reader.line
    rowsSeen += 1
    if shardCount > 1 {
      // Another planner checks and plans this row; it stops at the row if it has a problem.
      guard ImportShards.shard(ofStory: field(.story), count: shardCount) == shard else { return }
      try reader.validateDeferredUTF8()
    }
    let day = try toldOn()
    let story = try storyID(day: day)
    try takeStoryFields(story)
    try takeNarrative(story, day: day)
    let item = try itemID(story: story)
    let hasDimension = try takeDimension(item)
    let facts = try itemFacts()
    items[Int(item)].rowCount += 1
    rows.append(
      Row(
        item: item, day: day, factsCount: Int32(truncatingIfNeeded: facts.count),
        hasDimension: hasDimension, factsOffset: facts.lowerBound, row: row, line: line))
  }

  func toldOn() throws(ImportError) -> Day {
    let bytes = field(.toldOn)
    if let day = Day(utf8: UnsafeRawBufferPointer(bytes)) { return day }
    do {
      _ = try Day(parsing: String(decoding: bytes, as: UTF8.self), field: ImportColumn.toldOn.name)
    } catch {
      throw failure(.toldOn, error)
    }
    throw failure(.toldOn, value: String(decoding: bytes, as: UTF8.self), reason: "is not a date")
  }

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
        if !ImportPlanning.equal(current, title) {
          throw conflict(
            .title, title, story: index, established: current, from: stories[index].titleRow)
        }
      } else {
        stories[index].title = String(decoding: title, as: UTF8.self)
        stories[index].titleRow = row
      }
    }

    let tellers = field(.teller)
    if !tellers.isEmpty, !ImportPlanning.equal(stories[index].tellersText, tellers) {
      let list = ImportPlanning.names(tellers)
      if !list.isEmpty {
        if let current = stories[index].tellers {
          if current != list {
            throw conflict(
              .teller, tellers, story: index, established: current.joined(separator: ";"),
              from: stories[index].tellersRow)
          }
        } else {
          stories[index].tellers = list
          stories[index].tellersRow = row
        }
        stories[index].tellersText = String(decoding: tellers, as: UTF8.self)
      }
    }

    let tags = field(.tags)
    if !tags.isEmpty, !ImportPlanning.equal(stories[index].tagsText, tags) {
      let list = ImportPlanning.names(tags)
      if !list.isEmpty {
        if let current = stories[index].tags {
          if current != list {
            throw conflict(
              .tags, tags, story: index, established: current.joined(separator: ";"),
              from: stories[index].tagsRow)
          }
        } else {
          stories[index].tags = list
          stories[index].tagsRow = row
        }
        stories[index].tagsText = String(decoding: tags, as: UTF8.self)
      }
    }

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

  mutating func itemID(story: Int32) throws(ImportError) -> Int32 {
    let given = field(.item)
    if lastItem >= 0 {
      let last = items[Int(lastItem)]
      if last.story == story && arena.equal(last.keyOffset, Int(last.keyCount), given) {
        return lastItem
      }
    }
    // Keys compare as strings do: canonically equivalent spellings are one key. ASCII keys
    // are their own canonical form.
    var composed: ContiguousArray<UInt8>?
    if !ImportPlanning.isASCII(given) { composed = ImportPlanning.canonical(given) }
    let found: Int32?
    if let composed {
      found = composed.withUnsafeBufferPointer { findItem(story: story, match: $0) }
    } else {
      found = findItem(story: story, match: given)
    }
    if let found {
      lastItem = found
      return found
    }
    if !ImportPlanning.isPlainKey(given) {
      do {
        try Key.validate(String(decoding: given, as: UTF8.self), field: ImportColumn.item.name)
      } catch {
        throw failure(.item, error)
      }
    }
    let keyOffset = arena.appendReturningOffset(UnsafeRawBufferPointer(given))
    var matchOffset = keyOffset
    var matchCount = given.count
    if let composed {
      matchOffset = composed.withUnsafeBytes { arena.appendReturningOffset($0) }
      matchCount = composed.count
    }
    let hash = KeyTable.hash(
      arena.bytes(matchOffset..<(matchOffset + matchCount)), seed: UInt64(story))
    var item = Item(
      story: story, keyCount: Int32(truncatingIfNeeded: given.count), keyOffset: keyOffset,
      matchCount: Int32(truncatingIfNeeded: matchCount), matchOffset: matchOffset,
      dimension: nil, isInLedger: false, previousInStory: stories[Int(story)].lastItem)
    let ledgerStory = stories[Int(story)].ledgerIndex
    if ledgerStory >= 0,
      let dimension = state.itemDimension(
        story: ledgerStory, key: String(decoding: given, as: UTF8.self))
    {
      item.isInLedger = true
      item.dimension = dimension
    }
    let newID = Int32(items.count)
    items.append(item)
    let index = Int(story)
    stories[index].lastItem = newID
    stories[index].itemCount += 1
    if stories[index].hasIndexedItems {
      itemTable.insert(id: newID, hash: hash)
    } else if stories[index].itemCount > ImportPlanning.linearItemLimit {
      // Switch this story to the table, with every item known so far.
      var cursor = newID
      while cursor >= 0 {
        let known = items[Int(cursor)]
        itemTable.insert(
          id: cursor,
          hash: KeyTable.hash(
            arena.bytes(known.matchOffset..<(known.matchOffset + Int(known.matchCount))),
            seed: UInt64(story)))
        cursor = known.previousInStory
      }
      stories[index].hasIndexedItems = true
    }
    lastItem = newID
    return newID
  }

  /// The item of `story` whose key compares as `match`.
  @inline(__always)
  func findItem(story: Int32, match: UnsafeBufferPointer<UInt8>) -> Int32? {
    if !stories[Int(story)].hasIndexedItems {
      var cursor = stories[Int(story)].lastItem
      while cursor >= 0 {
        let item = items[Int(cursor)]
        if arena.equal(item.matchOffset, Int(item.matchCount), match) { return cursor }
        cursor = item.previousInStory
      }
      return nil
    }
    let hash = KeyTable.hash(UnsafeRawBufferPointer(match), seed: UInt64(story))
    return items.withUnsafeBufferPointer { items in
      itemTable.find(hash: hash) { candidate in
        let item = items[Int(candidate)]
        return item.story == story && arena.equal(item.matchOffset, Int(item.matchCount), match)
      }
    }
  }

  /// Checks the row's dimension against the item's; returns whether the row gives one.
  mutating func takeDimension(_ item: Int32) throws(ImportError) -> Bool {
    let given = field(.dimension)
    guard !given.isEmpty else { return false }
    guard let dimension = ImportPlanning.dimension(given) else {
      do {
        _ = try Dimension(parsing: String(decoding: given, as: UTF8.self))
      } catch {
        throw failure(.dimension, error)
      }
      throw failure(
        .dimension, value: String(decoding: given, as: UTF8.self), reason: "is not a dimension")
    }
    let index = Int(item)
    guard let established = items[index].dimension else {
      items[index].dimension = dimension
      items[index].dimensionRow = row
      return true
    }
    if established != dimension {
      let itemKey = itemKey(index)
      let storyKey = stories[Int(items[index].story)].key
      let source =
        items[index].isInLedger
        ? "has in the ledger" : "was given in row \(items[index].dimensionRow)"
      throw failure(
        .dimension, value: String(decoding: given, as: UTF8.self),
        reason:
          "differs from the dimension \(established.rawValue) that item \"\(storyKey)/\(itemKey)\" \(source); an item's dimension is fixed for life"
      )
    }
    return true
  }

  /// The key of the item at `index`, as first given.
  func itemKey(_ index: Int) -> String {
    arena.string(items[index].keyOffset, Int(items[index].keyCount))
  }

  /// Checks the item facts of the current row and encodes them into the arena with
  /// ``ItemFactsCodec`` (empty fields are left out: unchanged); returns where they are.
  mutating func itemFacts() throws(ImportError) -> Range<Int> {
    func given(_ column: ImportColumn) -> UnsafeRawBufferPointer? {
      let bytes = field(column)
      return bytes.isEmpty ? nil : UnsafeRawBufferPointer(bytes)
    }
    func text(_ bytes: UnsafeRawBufferPointer) -> String {
      String(decoding: bytes, as: UTF8.self)
    }
    var visibility: Visibility?
    if let bytes = given(.visibility) {
      guard let value = ImportPlanning.visibility(bytes.assumingMemoryBound(to: UInt8.self))
      else {
        do { _ = try Visibility(parsing: text(bytes)) } catch { throw failure(.visibility, error) }
        throw failure(.visibility, value: text(bytes), reason: "is not a visibility")
      }
      visibility = value
    }
    let quantity = given(.quantity)
    if let quantity {
      do {
        try DecimalText.validate(text(quantity), field: ImportColumn.quantity.name)
      } catch {
        throw failure(.quantity, error)
      }
    }
    let unit = given(.unit)
    if let unit, quantity == nil {
      throw failure(.unit, value: text(unit), reason: ItemFacts.unitWithoutQuantity)
    }
    var monetised: Money?
    if let bytes = given(.monetised) {
      switch Money.parse(bytes) {
      case .success(let money): monetised = money
      case .failure(let reason):
        throw failure(.monetised, value: text(bytes), reason: reason.message)
      }
    }
    var weight: Int?
    if let bytes = given(.weight) {
      guard let value = ImportPlanning.weight(bytes.assumingMemoryBound(to: UInt8.self)) else {
        throw failure(.weight, value: text(bytes), reason: "is not an integer from 1 to 5")
      }
      weight = value
    }
    let start = arena.count
    ItemFactsCodec.write(
      visibility: visibility, description: given(.description), quantity: quantity, unit: unit,
      monetised: monetised, weight: weight, evidence: given(.evidence), into: &arena)
    return start..<arena.count
  }

  // MARK: Building the plan

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
    var rowStarts = [Int](repeating: 0, count: items.count + 1)
    for index in items.indices {
      rowStarts[index + 1] = rowStarts[index] + Int(items[index].rowCount)
    }
    var rowOrder = [Int32](repeating: 0, count: rows.count)
    do {
      var fill = rowStarts
      for (index, row) in rows.enumerated() {
        rowOrder[fill[Int(row.item)]] = Int32(index)
        fill[Int(row.item)] += 1
      }
    }
    let rowsView = rows
    for index in items.indices {
      ImportPlanning.sortByDay(&rowOrder, rowStarts[index]..<rowStarts[index + 1]) {
        rowsView[Int($0)].day
      }
    }

    // Items grouped by story, in order of first appearance.
    var itemStarts = [Int](repeating: 0, count: stories.count + 1)
    for index in stories.indices {
      itemStarts[index + 1] = itemStarts[index] + Int(stories[index].itemCount)
    }
    var storyItems = [Int32](repeating: 0, count: items.count)
    do {
      var fill = itemStarts
      for (index, item) in items.enumerated() {
        storyItems[fill[Int(item.story)]] = Int32(index)
        fill[Int(item.story)] += 1
      }
    }

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
    var tellingStarts = [Int](repeating: 0, count: stories.count + 1)
    for index in stories.indices {
      tellingStarts[index + 1] = tellingStarts[index] + Int(stories[index].tellingCount)
    }
    var tellingOrder = [Int32](repeating: 0, count: tellings.count)
    do {
      var fill = tellingStarts
      for (index, telling) in tellings.enumerated() {
        tellingOrder[fill[Int(telling.story)]] = Int32(index)
        fill[Int(telling.story)] += 1
      }
    }
    let tellingsView = tellings
    for index in stories.indices {
      ImportPlanning.sortByDay(&tellingOrder, tellingStarts[index]..<tellingStarts[index + 1]) {
        tellingsView[Int($0)].day
      }
    }
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

  // MARK: Byte helpers

  /// Whether `text` holds exactly `bytes` (`false` for `nil`).
  @inline(__always)
  static func equal(_ text: String?, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let text else { return false }
    let utf8 = text.utf8
    guard utf8.count == bytes.count else { return false }
    if let result = utf8.withContiguousStorageIfAvailable({ storage in
      guard let left = storage.baseAddress, let right = bytes.baseAddress else { return true }
      return memcmp(left, right, storage.count) == 0
    }) {
      return result
    }
    return utf8.elementsEqual(bytes)
  }

  /// Whether every byte is ASCII.
  @inline(__always)
  static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    for byte in bytes where byte >= 0x80 { return false }
    return true
  }

  /// The bytes of the canonical composition of a key that is not ASCII, so that keys
  /// compare as Swift strings do.
  static func canonical(_ bytes: UnsafeBufferPointer<UInt8>) -> ContiguousArray<UInt8> {
    let text = String(decoding: bytes, as: UTF8.self)
    return ContiguousArray(text.precomposedStringWithCanonicalMapping.utf8)
  }

  /// Whether `bytes` is a key that ``Key/validate(_:field:)`` accepts without looking
  /// further: 1 to 64 ASCII letters, digits, `-`, `_` and `.`.
  @inline(__always)
  static func isPlainKey(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard !bytes.isEmpty, bytes.count <= Key.maximumLength else { return false }
    for byte in bytes {
      switch byte {
      case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x5F, 0x2E: continue
      default: return false
      }
    }
    return true
  }

  /// The dimension `bytes` names, ignoring ASCII case.
  @inline(__always)
  static func dimension(_ bytes: UnsafeBufferPointer<UInt8>) -> Dimension? {
    if equalIgnoringCase(bytes, "calculating") { return .calculating }
    if equalIgnoringCase(bytes, "calibrating") { return .calibrating }
    if equalIgnoringCase(bytes, "capacitating") { return .capacitating }
    return nil
  }

  /// The visibility `bytes` names, ignoring ASCII case.
  @inline(__always)
  static func visibility(_ bytes: UnsafeBufferPointer<UInt8>) -> Visibility? {
    if equalIgnoringCase(bytes, "visible") { return .visible }
    if equalIgnoringCase(bytes, "invisible") { return .invisible }
    return nil
  }

  /// Whether `bytes` spell `word` (lowercase ASCII), ignoring ASCII case.
  @inline(__always)
  static func equalIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ word: StaticString)
    -> Bool
  {
    guard bytes.count == word.utf8CodeUnitCount else { return false }
    let letters = word.utf8Start
    for offset in 0..<bytes.count {
      var byte = bytes[offset]
      if byte >= 0x41 && byte <= 0x5A { byte += 0x20 }
      if byte != letters[offset] { return false }
    }
    return true
  }

  /// A weight: an integer from 1 to 5 (leading zeros allowed).
  static func weight(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    var value = 0
    for byte in bytes {
      guard byte >= 0x30, byte <= 0x39 else { return nil }
      value = value * 10 + Int(byte - 0x30)
      if value > 5 { return nil }
    }
    return value >= 1 ? value : nil
  }

  /// The `;`-separated names in `bytes`, trimmed of spaces and tabs, empty ones dropped.
  static func names(_ bytes: UnsafeBufferPointer<UInt8>) -> [String] {
    guard bytes.allSatisfy({ $0 < 0x80 }) else {
      // Beyond ASCII, other spaces trim too, and a `;` can join the character after it.
      return String(decoding: bytes, as: UTF8.self).split(separator: ";").compactMap { part in
        let name = part.trimmingCharacters(in: .whitespaces)
        return name.isEmpty ? nil : name
      }
    }
    var names: [String] = []
    var start = 0
    let count = bytes.count
    while start <= count {
      var end = start
      while end < count && bytes[end] != UInt8(ascii: ";") { end += 1 }
      var low = start
      var high = end
      while low < high && (bytes[low] == 0x20 || bytes[low] == 0x09) { low += 1 }
      while high > low && (bytes[high - 1] == 0x20 || bytes[high - 1] == 0x09) { high -= 1 }
      if high > low {
        names.append(
          String(decoding: UnsafeBufferPointer(rebasing: bytes[low..<high]), as: UTF8.self))
      }
      start = end + 1
    }
    return names
  }
}

/// The bytes an import plan keeps (narratives, item keys, encoded item facts): the
/// planner's arena, owned and freed by the plan.
final class ImportBytes: @unchecked Sendable {
  let arena: RawByteBuffer

  /// Takes ownership of `arena`.
  init(taking arena: RawByteBuffer) { self.arena = arena }

  deinit { arena.deallocate() }

  /// The `count` bytes at `offset`.
  @inline(__always)
  func bytes(_ offset: Int, _ count: Int) -> UnsafeRawBufferPointer {
    arena.bytes(offset..<(offset + count))
  }

  /// The `count` bytes at `offset` as a string.
  func string(_ offset: Int, _ count: Int) -> String { arena.string(offset, count) }
}

extension RawByteBuffer {
  /// Appends `bytes`; returns their offset.
  @inline(__always)
  mutating func appendReturningOffset(_ bytes: UnsafeRawBufferPointer) -> Int {
    let offset = count
    append(bytes)
    return offset
  }

  /// Appends a byte; returns its offset.
  @inline(__always)
  mutating func appendReturningOffset(_ byte: UInt8) -> Int {
    let offset = count
    append(byte)
    return offset
  }

  @inline(__always)
  func byte(at offset: Int) -> UInt8 { base.load(fromByteOffset: offset, as: UInt8.self) }

  /// Whether the `count` bytes at `offset` are `other`.
  @inline(__always)
  func equal(_ offset: Int, _ count: Int, _ other: UnsafeBufferPointer<UInt8>) -> Bool {
    guard count == other.count else { return false }
    guard let right = other.baseAddress else { return true }
    return memcmp(base + offset, right, count) == 0
  }

  /// The `count` bytes at `offset` as a string.
  func string(_ offset: Int, _ count: Int) -> String {
    String(decoding: bytes(offset..<(offset + count)), as: UTF8.self)
  }
}
