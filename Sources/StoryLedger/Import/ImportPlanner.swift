import Foundation

/// Turns a CSV file of value items (<doc:ImportFormat>) into the events that import it.
///
/// The planner reads the file once, checks every row against the ledger's state, and
/// returns an ``ImportPlan``; it writes nothing. Any problem throws an ``ImportError``
/// that names the file, row, line, column and value, so an import is all or nothing.
///
/// The planner checks the rules of <doc:ImportFormat> (columns, story-level fields that
/// stay fixed, an item's rows in date order, the values of each column) against the file
/// and the ledger together, so that a plan, once made, appends without a refusal.
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
  /// The columns a stories-only file (one without `item`) must have.
  public static let storiesOnlyRequiredColumns = ImportColumn.allCases.filter {
    $0.isRequired && !$0.isItemColumn
  }.map(\.name)
  /// The columns a stories-only file (one without `item`) may have.
  public static let storiesOnlyColumns = ImportColumn.allCases.filter { !$0.isItemColumn }.map(
    \.name)

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
    let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? UInt64) ?? 0
    if size >= ImportShards.parallelThreshold {
      return try ImportShards.plan(
        contentsOf: url, fileName: fileName, against: state, count: 2, progress: progress)
    }
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
    // Until a plan takes them, the planner owns its bytes.
    defer { if planning.ownsArena { planning.arena.deallocate() } }
    let result = ImportShards.run(&planning, progress: progress)
    let plan = try ImportShards.combine([result], fileName: reader.fileName)
    progress?(reader.totalBytes, reader.totalBytes)
    return plan
  }
}

/// A column of the import format (<doc:ImportFormat>).
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

  /// Whether every import file of items must have the column (a stories-only file needs
  /// only those that are not ``isItemColumn``).
  public var isRequired: Bool { rawValue <= ImportColumn.visibility.rawValue }

  /// Whether the column is about an item, so that only a file with `item` may have it.
  public var isItemColumn: Bool {
    switch self {
    case .item, .dimension, .visibility, .description, .quantity, .unit, .monetised, .weight,
      .evidence:
      true
    case .story, .node, .toldOn, .title, .narrative, .teller, .tags, .share: false
    }
  }
}
