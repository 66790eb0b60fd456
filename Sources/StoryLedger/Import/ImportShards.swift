import Foundation

/// Plans a large file on several threads: each planner reads every row but plans only the
/// stories whose keys hash to it, then the parts are combined into one ``ImportPlan``.
///
/// Everything the planner checks about a row depends on the row and on its own story (the
/// story's fields, tellings and items), never on another story, so stories can be split
/// between planners. Reading the file is the one part every planner repeats; it is a small
/// share of the work. The combined plan is the one a single planner makes, and so is any
/// error: each planner stops at its first problem, and the file's first problem is the
/// earliest of theirs, checked in the same order as one planner checks them (rows in file
/// order first, then stories without a node, then new items' first rows).
enum ImportShards {
  /// What one planner made of its stories, or what was wrong with them.
  struct Result {
    /// The data rows read, this planner's or not.
    var rowsSeen: Int
    /// The first problem with a row, which ended the planner's reading.
    var rowError: ImportError?
    /// The first of the planner's new stories that no row gives a node.
    var missingNode: ImportError?
    /// The first new item whose first row does not give what an item needs, and the first
    /// row of its story (stories are checked in the order they first appear).
    var itemError: ImportError?
    var itemErrorStoryRow = 0
    var storiesAdded = 0
    var tellingsAdded = 0
    var itemsAdded = 0
    var revisionsAdded = 0
    /// The nodes the planner's rows add, and the row that named each first.
    var addedNodes: [NodePath] = []
    var addedNodeRows: [Int] = []
    /// The planner's stories, when it found no problem.
    var storage: ImportShardStorage?

    init(rowsSeen: Int) { self.rowsSeen = rowsSeen }
  }

  /// Files at least this large are planned by two planners.
  static let parallelThreshold: UInt64 = 8 << 20

  /// The planner that plans the story whose key is `bytes`.
  ///
  /// Keys are compared as Swift strings are, so canonically equivalent spellings of a key
  /// must go to one planner: a key that is not ASCII is hashed in its canonical composition.
  @inline(__always)
  static func shard(ofStory bytes: UnsafeBufferPointer<UInt8>, count: Int) -> Int {
    let hash: UInt32
    if ImportPlanning.isASCII(bytes) {
      hash = KeyTable.hash(UnsafeRawBufferPointer(bytes), seed: 0x5EED)
    } else {
      hash = ImportPlanning.canonical(bytes).withUnsafeBytes { KeyTable.hash($0, seed: 0x5EED) }
    }
    return Int(hash >> 16) % count
  }

  /// Plans the rows that `planning` has not read yet, and finishes its part of the plan.
  static func run(
    _ planning: inout ImportPlanning,
    progress: ((_ bytesRead: UInt64, _ totalBytes: UInt64) -> Void)?
  ) -> Result {
    let reader = planning.reader
    do {
      var lastReported: UInt64 = .max
      while try reader.nextRecord() {
        try planning.take()
        if let progress, planning.rowsSeen & 0xFFF == 0, reader.bytesRead != lastReported {
          lastReported = reader.bytesRead
          progress(reader.bytesRead, reader.totalBytes)
        }
      }
    } catch {
      var result = Result(rowsSeen: planning.rowsSeen)
      result.rowError = error
      return result
    }
    return planning.finish()
  }

  /// Plans the file at `url` with `count` planners, this thread being the first.
  static func plan(
    contentsOf url: URL, fileName: String?, against state: LedgerState, count: Int,
    progress: ((_ bytesRead: UInt64, _ totalBytes: UInt64) -> Void)?
  ) throws(ImportError) -> ImportPlan {
    let first = try CSVReader(contentsOf: url, fileName: fileName)
    var planners = [try ImportPlanning(reader: first, state: state, shard: 0, shardCount: count)]
    defer {
      for planner in planners where planner.ownsArena { planner.arena.deallocate() }
    }
    for shard in 1..<count {
      // The first reader has read the header, and its problems are the file's.
      let reader = try CSVReader(contentsOf: url, fileName: fileName)
      planners.append(
        try ImportPlanning(reader: reader, state: state, shard: shard, shardCount: count))
    }
    let others = (1..<count).map { Job(planning: planners[$0]) }
    let group = DispatchGroup()
    for job in others {
      group.enter()
      let thread = Thread {
        job.result = ImportShards.run(&job.planning, progress: nil)
        group.leave()
      }
      thread.name = "storyledger.plan"
      thread.start()
    }
    var results = [run(&planners[0], progress: progress)]
    group.wait()
    for (index, job) in others.enumerated() {
      planners[index + 1] = job.planning
      results.append(job.result ?? Result(rowsSeen: 0))
    }
    let plan = try combine(results, fileName: first.fileName)
    progress?(first.totalBytes, first.totalBytes)
    return plan
  }

  /// One planner's work on another thread.
  final class Job: @unchecked Sendable {
    var planning: ImportPlanning
    var result: Result?

    init(planning: ImportPlanning) { self.planning = planning }
  }

  /// The plan the planners' results make together, or the file's first problem.
  static func combine(_ results: [Result], fileName: String) throws(ImportError) -> ImportPlan {
    func earliest(_ errors: [(ImportError, Int)]) -> ImportError? {
      errors.min { $0.1 < $1.1 }?.0
    }
    if let error = earliest(
      results.compactMap { result in
        result.rowError.map { ($0, $0.row ?? .max) }
      })
    {
      throw error
    }
    guard let rowsSeen = results.first?.rowsSeen, rowsSeen > 0 else {
      throw ImportError(
        file: fileName,
        reason: "has a header but no rows to import; add one row per value item under the header")
    }
    if let error = earliest(
      results.compactMap { result in
        result.missingNode.map { ($0, $0.row ?? .max) }
      })
    {
      throw error
    }
    if let error = earliest(
      results.compactMap { result in
        result.itemError.map { ($0, result.itemErrorStoryRow) }
      })
    {
      throw error
    }
    let shards = results.compactMap(\.storage)
    guard shards.count == results.count else {
      throw ImportError(file: fileName, reason: "could not be planned")
    }

    // Nodes in the order rows first name them, each once.
    var nodes: [NodePath] = []
    var seen: Set<NodePath> = []
    var cursors = [Int](repeating: 0, count: results.count)
    while true {
      var next = -1
      for index in results.indices where cursors[index] < results[index].addedNodes.count {
        if next < 0
          || results[index].addedNodeRows[cursors[index]]
            < results[next].addedNodeRows[cursors[next]]
        {
          next = index
        }
      }
      guard next >= 0 else { break }
      let path = results[next].addedNodes[cursors[next]]
      cursors[next] += 1
      if seen.insert(path).inserted { nodes.append(path) }
    }

    // Stories in the order they first appear.
    var order: [ImportPlanStorage.StoryReference] = []
    order.reserveCapacity(shards.reduce(0) { $0 + $1.stories.count })
    var storyCursors = [Int](repeating: 0, count: shards.count)
    while true {
      var next = -1
      for index in shards.indices where storyCursors[index] < shards[index].stories.count {
        if next < 0
          || shards[index].stories[storyCursors[index]].firstRow
            < shards[next].stories[storyCursors[next]].firstRow
        {
          next = index
        }
      }
      guard next >= 0 else { break }
      order.append(.init(shard: UInt32(next), story: UInt32(storyCursors[next])))
      storyCursors[next] += 1
    }

    let storage = ImportPlanStorage(nodesAdded: nodes, shards: shards, storyOrder: order)
    return ImportPlan(
      storage: storage, rowCount: rowsSeen, nodesAdded: nodes.count,
      storiesAdded: results.reduce(0) { $0 + $1.storiesAdded },
      tellingsAdded: results.reduce(0) { $0 + $1.tellingsAdded },
      itemsAdded: results.reduce(0) { $0 + $1.itemsAdded },
      revisionsAdded: results.reduce(0) { $0 + $1.revisionsAdded })
  }
}
