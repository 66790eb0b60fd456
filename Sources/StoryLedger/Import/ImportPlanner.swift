import Foundation

/// The events a CSV import appends, with counts of what they add.
///
/// A plan is made by ``ImportPlanner`` from a whole file, after every row has been checked
/// against the ledger, so appending its events (in order, in one batch) is the import.
///
/// ```swift
/// let plan = try ImportPlanner.plan(contentsOf: url, against: state)
/// print("\(plan.rowCount) rows: \(plan.storiesAdded) stories, \(plan.itemsAdded) items")
/// ```
public struct ImportPlan: Hashable, Sendable {
  /// The events to append, in order: new nodes (parents first), then story by story in
  /// the order stories first appear in the file: the story (when new), its tellings by
  /// date, then its items, each item's recording and revisions by date.
  public var events: [EventPayload]
  /// The number of data rows read (the header not counted).
  public var rowCount: Int
  /// The number of `node.added` events.
  public var nodesAdded: Int
  /// The number of `story.told` events.
  public var storiesAdded: Int
  /// The number of `story.telling` events.
  public var tellingsAdded: Int
  /// The number of `item.recorded` events.
  public var itemsAdded: Int
  /// The number of `item.revised` events (an item's recording is not counted here).
  public var revisionsAdded: Int
}

/// Turns a CSV file of value items (SPEC §4.1) into the events that import it.
///
/// The planner reads the file once, checks every row against the ledger's state, and
/// returns an ``ImportPlan``; it writes nothing. Any problem throws an ``ImportError``
/// that names the file, row, line, column and value, so an import is all or nothing.
///
/// The rules, column by column:
///
/// - The header names the columns in any order. `story`, `node`, `told_on`, `item`,
///   `dimension` and `visibility` are required; `title`, `narrative`, `teller`, `tags`,
///   `description`, `quantity`, `unit`, `monetised`, `weight`, `evidence` and `share` are
///   optional. An unknown or repeated column is an error.
/// - `story` and `item` are keys (letters, digits, `-`, `_`, `.`). The story-level
///   fields `node`, `title`, `teller`, `tags` and `share` come from the first row of the
///   story that gives them; a later non-empty value that differs is an error. For a story
///   already in the ledger the ledger's values are the first ones: an import never moves
///   a story or changes its title, tellers, tags or share.
/// - `node` is a path no deeper than the ledger's levels; it and its missing ancestors are
///   added (display name: the last segment). `teller` and `tags` hold `;`-separated
///   names. `share` is one of the ledger's levels, matched ignoring case; a new story that
///   never gives one is shared at the top level.
/// - `told_on` is `YYYY-MM-DD`; a new story is told on its earliest `told_on`. A
///   non-empty `narrative` records a telling on that date; the same story, date and text
///   again (in the file or in the ledger) is the same telling.
/// - An item's rows apply in order of `told_on`, then file order. For a new item the
///   first of them records it and must give `dimension` and `visibility`; the later ones
///   revise it as of their `told_on`, an empty field meaning unchanged. An item already in
///   the ledger only receives revisions. `dimension`, when given, must be the item's.
///   A revising row whose facts (`visibility`, `description`, `quantity`, `unit`,
///   `monetised`, `weight`, `evidence`) are all empty records no revision: it mentions
///   the item without saying anything new about it.
/// - `quantity` is a decimal; `monetised` a decimal with at most 2 decimal places;
///   `weight` an integer from 1 to 5.
///
/// ```swift
/// let plan = try ImportPlanner.plan(
///   csv: Array(text.utf8), fileName: "items.csv", against: state)
/// print("\(plan.itemsAdded) items in \(plan.events.count) events")
/// ```
public enum ImportPlanner {
  /// The columns every import file must have.
  public static let requiredColumns = ImportColumn.allCases.filter(\.isRequired).map(\.name)
  /// The columns an import file may have besides the required ones.
  public static let optionalColumns = ImportColumn.allCases.filter { !$0.isRequired }.map(\.name)

  /// Plans the import of the CSV file at `url` into a ledger whose state is `state`.
  ///
  /// - Parameters:
  ///   - url: The CSV file.
  ///   - fileName: The name errors use; the file's last path component by default.
  ///   - state: The ledger's current state.
  ///   - progress: Called now and then with the bytes read so far and the file's size.
  /// - Throws: ``ImportError`` for the first problem found, or when the file cannot be read
  ///   (then with a ``ImportError/readFailure``).
  public static func plan(
    contentsOf url: URL, fileName: String? = nil, against state: LedgerState,
    progress: ((_ bytesRead: UInt64, _ totalBytes: UInt64) -> Void)? = nil
  ) throws(ImportError) -> ImportPlan {
    let reader = try CSVReader(contentsOf: url, fileName: fileName)
    return try plan(reading: reader, against: state, progress: progress)
  }

  /// Plans the import of CSV bytes held in memory.
  ///
  /// ```swift
  /// let csv = """
  ///   story,node,told_on,item,dimension,visibility
  ///   S1,england/london,2026-01-05,i1,calculating,visible
  ///   """
  /// let plan = try ImportPlanner.plan(csv: Array(csv.utf8), fileName: "items.csv", against: state)
  /// ```
  public static func plan(
    csv bytes: [UInt8], fileName: String, against state: LedgerState,
    progress: ((_ bytesRead: UInt64, _ totalBytes: UInt64) -> Void)? = nil
  ) throws(ImportError) -> ImportPlan {
    try plan(
      reading: CSVReader(bytes: bytes, fileName: fileName), against: state, progress: progress)
  }

  /// Plans the import of the records `reader` has not read yet (starting with the header).
  public static func plan(
    reading reader: CSVReader, against state: LedgerState,
    progress: ((_ bytesRead: UInt64, _ totalBytes: UInt64) -> Void)? = nil
  ) throws(ImportError) -> ImportPlan {
    var planning = try ImportPlanning(reader: reader, state: state)
    var lastReported: UInt64 = .max
    while try reader.nextRecord() {
      try planning.take()
      if let progress, planning.rows.count & 0xFFF == 0, reader.bytesRead != lastReported {
        lastReported = reader.bytesRead
        progress(reader.bytesRead, reader.totalBytes)
      }
    }
    let plan = try planning.finish()
    progress?(reader.totalBytes, reader.totalBytes)
    return plan
  }
}

/// A column of the import format (SPEC §4.1).
public enum ImportColumn: Int, CaseIterable, Sendable, Hashable {
  /// The story's key.
  case story
  /// The node path the story is told at.
  case node
  /// The date the row is about.
  case toldOn
  /// The item's key within the story.
  case item
  /// The item's dimension.
  case dimension
  /// The item's visibility.
  case visibility
  /// The story's title.
  case title
  /// A telling of the story on `told_on`.
  case narrative
  /// The story's tellers, `;`-separated.
  case teller
  /// The story's tags, `;`-separated.
  case tags
  /// What the item of value is.
  case description
  /// A decimal quantity.
  case quantity
  /// The quantity's unit.
  case unit
  /// A monetised proxy value, at most 2 decimal places.
  case monetised
  /// A weight from 1 to 5.
  case weight
  /// Evidence of the value.
  case evidence
  /// The highest level at which the story's narrative may be read.
  case share

  /// The column's name in the header, for example `told_on`.
  public var name: String {
    switch self {
    case .story: "story"
    case .node: "node"
    case .toldOn: "told_on"
    case .item: "item"
    case .dimension: "dimension"
    case .visibility: "visibility"
    case .title: "title"
    case .narrative: "narrative"
    case .teller: "teller"
    case .tags: "tags"
    case .description: "description"
    case .quantity: "quantity"
    case .unit: "unit"
    case .monetised: "monetised"
    case .weight: "weight"
    case .evidence: "evidence"
    case .share: "share"
    }
  }

  /// Whether every import file must have the column.
  public var isRequired: Bool { rawValue <= ImportColumn.visibility.rawValue }
}

// MARK: - Planning

/// The working state of one import: compact records of the stories, items and rows seen,
/// turned into events once the whole file has been read.
struct ImportPlanning {
  struct Story {
    var key: String
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
    /// The tellings the import adds, in file order.
    var tellings: [Telling] = []
    /// Whether the story's tellings are in ``ImportPlanning/tellingKeys``.
    var hasIndexedTellings = false
    var itemCount: Int32 = 0
  }

  struct Telling {
    var day: Day
    var narrative: String
  }

  struct TellingKey: Hashable {
    var story: Int32
    var day: Day
    var narrative: String
  }

  struct Item {
    var story: Int32
    var key: String
    /// The dimension of an item in the ledger, else the first one a row gives.
    var dimension: Dimension?
    /// The row that gave the dimension (0: the ledger).
    var dimensionRow: Int
    var isInLedger: Bool
    var rowCount: Int32 = 0
  }

  struct ItemKey: Hashable {
    var story: Int32
    var key: String
  }

  struct Row {
    var item: Int32
    var day: Day
    var hasDimension: Bool
    var row: Int
    var line: Int
    var facts: ItemFacts
  }

  /// The nodes rows name, and those the import adds.
  struct Nodes {
    var ids: [String: Int32] = [:]
    var paths: [NodePath] = []
    var added: [NodePath] = []
    var addedSet: Set<NodePath> = []
  }

  let reader: CSVReader
  let state: LedgerState
  let configuration: LedgerConfiguration
  /// The field index of each ``ImportColumn``, or -1 when the file does not have it.
  let columns: [Int]

  var stories: [Story] = []
  var storyIDs: [String: Int32] = [:]
  var items: [Item] = []
  var itemIDs: [ItemKey: Int32] = [:]
  var rows: [Row] = []
  var nodes = Nodes()
  var tellingKeys: Set<TellingKey> = []
  var lastStory: Int32 = -1
  var lastItem: Int32 = -1

  /// A story with more tellings than this keeps them in a set for the duplicate check.
  static let linearTellingLimit = 16

  init(reader: CSVReader, state: LedgerState) throws(ImportError) {
    self.reader = reader
    self.state = state
    self.configuration = state.configuration
    let header = try reader.readHeader()
    self.columns = try ImportPlanning.columns(of: header, reader: reader)
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
    return index < 0 ? UnsafeBufferPointer(start: nil, count: 0) : reader.bytes(at: index)
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
        item: item, day: day, hasDimension: hasDimension, row: reader.row, line: reader.line,
        facts: facts))
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
      key: key, ledgerIndex: -1, firstRow: reader.row, firstLine: reader.line, earliest: day)
    if let index = state.storyIndex(forKey: key) {
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
          stories[index].nodeRow = reader.row
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
        stories[index].titleRow = reader.row
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
          stories[index].tellersRow = reader.row
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
          stories[index].tagsRow = reader.row
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
        stories[index].shareRow = reader.row
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
    for depth in 1...path.depth {
      let prefix = path.prefix(depth: depth)
      if !state.hasNode(prefix), !nodes.addedSet.contains(prefix) {
        nodes.added.append(prefix)
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
      stories[index].tellings.append(Telling(day: day, narrative: key.narrative))
      return
    }
    // Few tellings: compare bytes, newest first (rows of one telling usually follow each other).
    for telling in stories[index].tellings.reversed()
    where telling.day == day && ImportPlanning.equal(telling.narrative, narrative) {
      return
    }
    let text = String(decoding: narrative, as: UTF8.self)
    if ledgerIndex >= 0, state.storyHasTelling(ledgerIndex, on: day, narrative: text) { return }
    stories[index].tellings.append(Telling(day: day, narrative: text))
    if stories[index].tellings.count > ImportPlanning.linearTellingLimit {
      // Switch this story to the set, with every telling known so far.
      for telling in stories[index].tellings {
        tellingKeys.insert(TellingKey(story: story, day: telling.day, narrative: telling.narrative))
      }
      stories[index].hasIndexedTellings = true
    }
  }

  mutating func itemID(story: Int32) throws(ImportError) -> Int32 {
    let bytes = field(.item)
    if lastItem >= 0, items[Int(lastItem)].story == story,
      ImportPlanning.equal(items[Int(lastItem)].key, bytes)
    {
      return lastItem
    }
    let key = ItemKey(story: story, key: String(decoding: bytes, as: UTF8.self))
    if let id = itemIDs[key] {
      lastItem = id
      return id
    }
    do { try Key.validate(key.key, field: ImportColumn.item.name) } catch {
      throw failure(.item, error)
    }
    var item = Item(story: story, key: key.key, dimension: nil, dimensionRow: 0, isInLedger: false)
    let ledgerStory = stories[Int(story)].ledgerIndex
    if ledgerStory >= 0, let dimension = state.itemDimension(story: ledgerStory, key: key.key) {
      item.isInLedger = true
      item.dimension = dimension
    }
    let id = Int32(items.count)
    items.append(item)
    itemIDs[key] = id
    stories[Int(story)].itemCount += 1
    lastItem = id
    return id
  }

  /// Checks the row's dimension against the item's; returns whether the row gives one.
  mutating func takeDimension(_ item: Int32) throws(ImportError) -> Bool {
    let bytes = field(.dimension)
    guard !bytes.isEmpty else { return false }
    guard let dimension = ImportPlanning.word(bytes, of: Dimension.self) else {
      do {
        _ = try Dimension(parsing: String(decoding: bytes, as: UTF8.self))
      } catch {
        throw failure(.dimension, error)
      }
      throw failure(
        .dimension, value: String(decoding: bytes, as: UTF8.self), reason: "is not a dimension")
    }
    let index = Int(item)
    guard let established = items[index].dimension else {
      items[index].dimension = dimension
      items[index].dimensionRow = reader.row
      return true
    }
    if established != dimension {
      let itemKey = items[index].key
      let storyKey = stories[Int(items[index].story)].key
      let source =
        items[index].isInLedger
        ? "has in the ledger" : "was given in row \(items[index].dimensionRow)"
      throw failure(
        .dimension, value: String(decoding: bytes, as: UTF8.self),
        reason:
          "differs from the dimension \(established.rawValue) that item \"\(storyKey)/\(itemKey)\" \(source); an item's dimension is fixed for life"
      )
    }
    return true
  }

  /// The item facts of the current row; empty fields are `nil` (unchanged).
  func itemFacts() throws(ImportError) -> ItemFacts {
    var facts = ItemFacts()
    let visibility = field(.visibility)
    if !visibility.isEmpty {
      guard let value = ImportPlanning.word(visibility, of: Visibility.self) else {
        do {
          _ = try Visibility(parsing: String(decoding: visibility, as: UTF8.self))
        } catch {
          throw failure(.visibility, error)
        }
        throw failure(
          .visibility, value: String(decoding: visibility, as: UTF8.self),
          reason: "is not a visibility")
      }
      facts.visibility = value
    }
    facts.description = ImportPlanning.text(field(.description))
    if let quantity = ImportPlanning.text(field(.quantity)) {
      do { try DecimalText.validate(quantity, field: ImportColumn.quantity.name) } catch {
        throw failure(.quantity, error)
      }
      facts.quantity = quantity
    }
    facts.unit = ImportPlanning.text(field(.unit))
    let monetised = field(.monetised)
    if !monetised.isEmpty {
      switch Money.parse(UnsafeRawBufferPointer(monetised)) {
      case .success(let money): facts.monetised = money
      case .failure(let reason):
        throw failure(
          .monetised, value: String(decoding: monetised, as: UTF8.self), reason: reason.message)
      }
    }
    let weight = field(.weight)
    if !weight.isEmpty {
      guard let value = ImportPlanning.weight(weight) else {
        throw failure(
          .weight, value: String(decoding: weight, as: UTF8.self),
          reason: "is not an integer from 1 to 5")
      }
      facts.weight = value
    }
    facts.evidence = ImportPlanning.text(field(.evidence))
    return facts
  }

  // MARK: Building the plan

  /// Checks what only the whole file shows and builds the events.
  mutating func finish() throws(ImportError) -> ImportPlan {
    guard !rows.isEmpty else {
      throw ImportError(
        file: reader.fileName,
        reason: "has a header but no rows to import; add one row per value item under the header")
    }
    for story in stories where story.ledgerIndex < 0 && story.node < 0 {
      throw ImportError(
        file: reader.fileName, row: story.firstRow, line: story.firstLine,
        column: ImportColumn.node.name,
        reason:
          "missing: no row of story \"\(story.key)\" gives its node; give it in the story's first row"
      )
    }

    // The lookups are done with; free them before the events take their memory.
    storyIDs = [:]
    itemIDs = [:]
    tellingKeys = []
    nodes.ids = [:]

    // Rows grouped by item (file order within each item), then by date.
    var rowStarts = [Int](repeating: 0, count: items.count + 1)
    for index in items.indices {
      rowStarts[index + 1] = rowStarts[index] + Int(items[index].rowCount)
    }
    var order = [Int32](repeating: 0, count: rows.count)
    var fill = rowStarts
    for (index, row) in rows.enumerated() {
      order[fill[Int(row.item)]] = Int32(index)
      fill[Int(row.item)] += 1
    }
    fill = []
    for index in items.indices {
      let slice = rowStarts[index]..<rowStarts[index + 1]
      var isSorted = true
      var previous = Day.earliest
      for position in slice {
        let day = rows[Int(order[position])].day
        if day < previous {
          isSorted = false
          break
        }
        previous = day
      }
      if !isSorted {
        let rowsView = rows
        order[slice].sort { left, right in
          let leftDay = rowsView[Int(left)].day
          let rightDay = rowsView[Int(right)].day
          return leftDay != rightDay ? leftDay < rightDay : left < right
        }
      }
    }

    // Items grouped by story, in order of first appearance.
    var itemStarts = [Int](repeating: 0, count: stories.count + 1)
    for index in stories.indices {
      itemStarts[index + 1] = itemStarts[index] + Int(stories[index].itemCount)
    }
    var storyItems = [Int32](repeating: 0, count: items.count)
    var itemFill = itemStarts
    for (index, item) in items.enumerated() {
      storyItems[itemFill[Int(item.story)]] = Int32(index)
      itemFill[Int(item.story)] += 1
    }
    itemFill = []

    var plan = ImportPlan(
      events: [], rowCount: rows.count, nodesAdded: nodes.added.count, storiesAdded: 0,
      tellingsAdded: 0, itemsAdded: 0, revisionsAdded: 0)
    plan.events.reserveCapacity(nodes.added.count + stories.count * 2 + rows.count)
    for path in nodes.added {
      plan.events.append(.nodeAdded(NodeAdded(path: path, name: path.name)))
    }
    let topLevel = configuration.levels.first ?? ""
    for storyIndex in stories.indices {
      let story = stories[storyIndex]
      if story.ledgerIndex < 0 {
        plan.events.append(
          .storyTold(
            StoryTold(
              key: story.key, node: nodes.paths[Int(story.node)], on: story.earliest,
              title: story.title ?? "", tellers: story.tellers ?? [], tags: story.tags ?? [],
              share: story.share ?? topLevel)))
        plan.storiesAdded += 1
      }
      var tellings = story.tellings
      if !tellings.indices.dropFirst().allSatisfy({ tellings[$0 - 1].day <= tellings[$0].day }) {
        tellings = tellings.enumerated().sorted { left, right in
          left.element.day != right.element.day
            ? left.element.day < right.element.day : left.offset < right.offset
        }.map(\.element)
      }
      for telling in tellings {
        plan.events.append(
          .tellingRecorded(
            TellingRecorded(story: story.key, on: telling.day, narrative: telling.narrative)))
      }
      plan.tellingsAdded += tellings.count
      stories[storyIndex].tellings = []

      for position in itemStarts[storyIndex]..<itemStarts[storyIndex + 1] {
        let itemIndex = Int(storyItems[position])
        let item = items[itemIndex]
        var first = rowStarts[itemIndex]
        if !item.isInLedger {
          let row = rows[Int(order[first])]
          guard row.hasDimension, let dimension = item.dimension,
            let visibility = row.facts.visibility
          else {
            let column: ImportColumn = row.hasDimension ? .visibility : .dimension
            throw ImportError(
              file: reader.fileName, row: row.row, line: row.line, column: column.name,
              reason:
                "missing: this row records item \"\(story.key)/\(item.key)\" (it is the item's earliest told_on), so it must give the \(column.name)",
              validValues: column == .dimension
                ? Dimension.allCases.map(\.rawValue) : Visibility.allCases.map(\.rawValue))
          }
          var facts = row.facts
          facts.visibility = visibility
          plan.events.append(
            .itemRecorded(
              ItemRecorded(
                story: story.key, item: item.key, on: row.day, dimension: dimension, facts: facts)))
          plan.itemsAdded += 1
          first += 1
        }
        for slot in first..<rowStarts[itemIndex + 1] {
          let row = rows[Int(order[slot])]
          guard !row.facts.isEmpty else { continue }
          plan.events.append(
            .itemRevised(
              ItemRevised(story: story.key, item: item.key, on: row.day, facts: row.facts)))
          plan.revisionsAdded += 1
        }
      }
    }
    return plan
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

  /// The field as a string, or `nil` when it is empty.
  @inline(__always)
  static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
    bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
  }

  /// The case whose raw value is `bytes`, ignoring ASCII case.
  static func word<Word: CaseIterable & RawRepresentable>(
    _ bytes: UnsafeBufferPointer<UInt8>, of type: Word.Type
  ) -> Word? where Word.RawValue == String {
    for candidate in Word.allCases {
      let name = candidate.rawValue.utf8
      guard name.count == bytes.count else { continue }
      var matches = true
      for (offset, letter) in name.enumerated() {
        var byte = bytes[offset]
        if byte >= 0x41 && byte <= 0x5A { byte += 0x20 }
        if byte != letter {
          matches = false
          break
        }
      }
      if matches { return candidate }
    }
    return nil
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

  /// The `;`-separated names in `bytes`, trimmed, empty ones dropped.
  static func names(_ bytes: UnsafeBufferPointer<UInt8>) -> [String] {
    String(decoding: bytes, as: UTF8.self).split(separator: ";").compactMap { part in
      let name = part.trimmingCharacters(in: .whitespaces)
      return name.isEmpty ? nil : name
    }
  }
}
