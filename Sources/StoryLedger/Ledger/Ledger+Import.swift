import Foundation

/// What an import did (or, for a dry run, would do).
public struct ImportSummary: Hashable, Sendable {
  /// The counts of the import's plan.
  public var plan: ImportPlanCounts
  /// The sequence numbers of the first and last event appended; `nil` for a dry run or an
  /// import with nothing new.
  public var sequences: ClosedRange<UInt64>?
  /// Whether nothing was written because the import was a dry run.
  public var isDryRun: Bool
  /// Whether nothing was written because the idempotency key had been used already (the
  /// file was then not read, and ``plan`` counts nothing).
  public var isRepeat = false
}

/// The counts of an ``ImportPlan``, without its events.
public struct ImportPlanCounts: Hashable, Sendable, Codable {
  /// Data rows read.
  public var rows: Int
  /// Events in the plan.
  public var events: Int
  /// Nodes added.
  public var nodes: Int
  /// Stories added.
  public var stories: Int
  /// Tellings added.
  public var tellings: Int
  /// Items added.
  public var items: Int
  /// Revisions of items added.
  public var revisions: Int

  init(_ plan: ImportPlan) {
    rows = plan.rowCount
    events = plan.eventCount
    nodes = plan.nodesAdded
    stories = plan.storiesAdded
    tellings = plan.tellingsAdded
    items = plan.itemsAdded
    revisions = plan.revisionsAdded
  }
}

extension Ledger {
  /// Imports a CSV file of value items (<doc:ImportFormat>): all of it, in one durable batch, or,
  /// on any problem, nothing.
  ///
  /// The file is checked against the ledger brought up to date under the write lock, so the
  /// plan cannot be overtaken by another writer before it is appended.
  ///
  /// ```swift
  /// let summary = try ledger.importCSV(contentsOf: URL(filePath: "stories.csv"))
  /// print("\(summary.plan.items) items imported")
  /// ```
  ///
  /// - Parameters:
  ///   - url: The CSV file.
  ///   - fileName: The name errors use (the file's name by default).
  ///   - isDryRun: Check the file and count what it would add, writing nothing.
  ///   - options: The actor, idempotency key and lock wait of the append.
  ///   - progress: Called with the bytes read so far and the file's size.
  /// - Throws: ``ImportError`` for a file that is missing, unreadable or not valid;
  ///   ``LedgerError`` when the ledger cannot be written.
  @discardableResult
  public func importCSV(
    contentsOf url: URL, fileName: String? = nil, isDryRun: Bool = false,
    options: AppendOptions = AppendOptions(),
    progress: ((_ bytesRead: UInt64, _ totalBytes: UInt64) -> Void)? = nil
  ) throws -> ImportSummary {
    if isDryRun {
      try refresh()
      let plan = try ImportPlanner.plan(
        contentsOf: url, fileName: fileName, against: state, progress: progress)
      return ImportSummary(plan: ImportPlanCounts(plan), sequences: nil, isDryRun: true)
    }
    let result = try appendStreamed(options: options) { state in
      try ImportPlanner.plan(
        contentsOf: url, fileName: fileName, against: state, progress: progress)
    }
    return ImportSummary(
      plan: ImportPlanCounts(result.source ?? .empty), sequences: result.sequences,
      isDryRun: false, isRepeat: result.isRepeat)
  }
}
