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
        if header.count == 1,
          let separator = ["\t", ";", "|"].first(where: { separator in
            name.components(separatedBy: separator).filter { part in
              all.contains { $0.name == part.trimmingCharacters(in: .whitespaces) }
            }.count >= 2
          })
        {
          let kind = separator == "\t" ? "tab" : separator == ";" ? "semicolon" : "bar"
          throw ImportError(
            file: reader.fileName, row: reader.row, line: reader.line,
            reason:
              "the header is one field: its columns are separated by \(kind)s, but the import file separates them by commas; save the file as CSV (comma-separated)"
          )
        }
        let loose = name.trimmingCharacters(in: .whitespaces).lowercased()
        if let meant = all.first(where: { $0.name == loose }) {
          throw failure(
            "unknown column; did you mean \(meant.name)? Column names are written exactly so: in lower case, with no spaces around them",
            validValues: all.map(\.name))
        }
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
    if indices[ImportColumn.item.rawValue] < 0 {
      // A stories-only file: stories and their tellings, no items yet.
      for column in all where column.isItemColumn && indices[column.rawValue] >= 0 {
        throw ImportError(
          file: reader.fileName, row: reader.row, line: reader.line, column: column.name,
          reason:
            "needs the item column: a file without item is a stories-only file, whose columns are \(ImportPlanner.storiesOnlyColumns.joined(separator: ", ")) (required: \(ImportPlanner.storiesOnlyRequiredColumns.joined(separator: ", ")))"
        )
      }
      for column in all
      where column.isRequired && !column.isItemColumn && indices[column.rawValue] < 0 {
        throw ImportError(
          file: reader.fileName, row: reader.row, line: reader.line, column: column.name,
          reason:
            "required column is missing from the header (a stories-only file requires \(ImportPlanner.storiesOnlyRequiredColumns.joined(separator: ", ")); a file of items requires \(ImportPlanner.requiredColumns.joined(separator: ", ")))"
        )
      }
      return indices
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
    // A stories-only file: the row is a mention of its story (and perhaps a telling).
    guard columns[ImportColumn.item.rawValue] >= 0 else { return }
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
}
