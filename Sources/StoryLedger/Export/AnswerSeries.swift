/// One row of the time series by answer (`export timeseries --by QUESTION`): a period, a node
/// at the query's level, an answer to the question, a dimension.
///
/// Each column is defined in <doc:TimeSeries>.
public struct AnswerSeriesRow: SeriesRow, Hashable {
  /// The six-box figures of the row, restricted to the stories with ``answer``.
  public var figures: TimeSeriesRow
  /// The answer (a choice of several counts under each); empty for the stories with no
  /// (public) answer to the question.
  public var answer: String
  /// Stories with the answer that were told or retold in the period (their `story.told`
  /// date or a telling dated in it); the same on the row of each dimension.
  public var storiesTold: Int
  /// The node of the row, ``figures``' node.
  public var node: NodePath { figures.node }

  /// The CSV column names, in order (<doc:TimeSeries>).
  public static let columns = [
    "period_start", "period_end", "node", "level", "answer", "dimension", "stories_told",
    "stories", "items_recorded", "made_visible", "visible_items", "invisible_items",
    "monetised_visible", "monetised_invisible",
  ]

  /// Appends the row in `format`, ending with a line feed: CSV with text fields guarded
  /// against formula injection, or a JSON object with the CSV's keys (counts as numbers,
  /// money as strings).
  public func append(as format: ExportFormat, to bytes: inout [UInt8]) {
    let row = figures
    let counts = [
      storiesTold, row.stories, row.itemsRecorded, row.madeVisible, row.visibleItems,
      row.invisibleItems,
    ]
    switch format {
    case .csv:
      for text in [row.periodStart.description, row.periodEnd.description] {
        bytes.append(contentsOf: text.utf8)
        bytes.append(UInt8(ascii: ","))
      }
      for text in [row.node.description, row.level, answer] {
        TextEncoding.appendCSVField(text, to: &bytes)
        bytes.append(UInt8(ascii: ","))
      }
      bytes.append(contentsOf: row.dimension.rawValue.utf8)
      for count in counts {
        bytes.append(UInt8(ascii: ","))
        TextEncoding.appendInteger(count, to: &bytes)
      }
      for money in [row.monetisedVisible, row.monetisedInvisible] {
        bytes.append(UInt8(ascii: ","))
        bytes.append(contentsOf: money.description.utf8)
      }
      bytes.append(0x0A)
    case .jsonl:
      var object = JSONObjectWriter(bytes: bytes)
      object.string("period_start", row.periodStart.description)
      object.string("period_end", row.periodEnd.description)
      object.string("node", row.node.description)
      object.string("level", row.level)
      object.string("answer", answer)
      object.string("dimension", row.dimension.rawValue)
      for (name, count) in zip(Self.columns[6...11], counts) { object.number(name, count) }
      object.string("monetised_visible", row.monetisedVisible.description)
      object.string("monetised_invisible", row.monetisedInvisible.description)
      bytes = object.finish()
      bytes.append(0x0A)
    }
  }
}

extension LedgerState {
  /// Produces the time series of `query` by the answers to `question` (<doc:TimeSeries>):
  /// one row per period, node at the level, answer and dimension, sorted by period, node
  /// path (byte order), answer (byte order, the empty answer first) and dimension.
  ///
  /// A story's answer is its current public answer to the question (the latest, as the
  /// ledger stands, like its node); a story with several choices counts under each; a story
  /// with none, or with a personal answer, under the empty answer. Nodes are those at the
  /// level with an active story in their subtree; periods run from the earliest to the latest
  /// of those stories' told dates, telling dates and item revision dates (or `from`/`to`). A
  /// domain or campaign in `query.stories` keeps the stories counted, their nodes and their
  /// answers, not the periods, which are those of every active story at the level.
  public func answerSeries(
    _ query: TimeSeriesQuery, by question: String, _ body: (AnswerSeriesRow) throws -> Void
  ) throws {
    let (depth, levelName) = try query.level(in: configuration)

    // The stories counted, their node at the level and their answers.
    var included: [(story: Int32, node: Int32, answers: [Int])] = []
    var answerIDs: [String: Int] = [:]
    var answerTexts: [String] = []
    var low = Day.latest
    var high = Day.earliest
    func note(_ day: Day) {
      if day < low { low = day }
      if day > high { high = day }
    }
    let mask = try storyMask(query.stories).mask
    for index in 0..<Int32(stories.count) where !isWithdrawn(index) {
      let node = ancestor(of: stories[index].node, atDepth: depth)
      guard node >= 0 else { continue }
      // The periods are the whole ledger's, whatever `query.stories` keeps.
      note(stories[index].toldOn)
      forEachTelling(of: index) { note(tellings[$0].day) }
      forEachRevision(of: index) { note(revisions[$0].day) }
      guard mask?[Int(index)] ?? true else { continue }
      let terms = currentTerms(of: index, question: question, publicOnly: true) ?? [""]
      var ids: [Int] = []
      for term in Set(terms) {
        if answerIDs[term] == nil {
          answerIDs[term] = answerTexts.count
          answerTexts.append(term)
        }
        ids.append(answerIDs[term] ?? 0)
      }
      included.append((index, node, ids))
    }
    guard !included.isEmpty, low <= high,
      let periods = PeriodTable(
        query.period, from: query.from ?? low, to: query.to ?? high, spanning: low...high)
    else { return }
    let periodCount = periods.count

    // Columns: the nodes in byte order, then the answers in byte order.
    var nodeList = Array(Set(included.map(\.node)))
    nodeList.sort { nodes[Int($0)].path < nodes[Int($1)].path }
    var nodeColumn: [Int32: Int] = [:]
    for (column, node) in nodeList.enumerated() { nodeColumn[node] = column }
    let answerOrder = answerTexts.indices.sorted {
      answerTexts[$0].utf8.lexicographicallyPrecedes(answerTexts[$1].utf8)
    }
    var answerRank = [Int](repeating: 0, count: answerTexts.count)
    for (rank, id) in answerOrder.enumerated() { answerRank[id] = rank }
    let answerCount = answerTexts.count
    let columnCount = nodeList.count * answerCount
    var cells = try SeriesCells(periods: periods, columnCount: columnCount, state: self)
    var told = [Int32](repeating: 0, count: periodCount * columnCount)
    var toldStamp = [Int32](repeating: -1, count: periodCount)
    var pair: Int32 = 0
    for entry in included {
      for id in entry.answers {
        pair += 1
        let column = (nodeColumn[entry.node] ?? 0) * answerCount + answerRank[id]
        func countTold(_ day: Day) {
          let index = periods.index(of: day)
          guard index >= 0, index < periodCount, toldStamp[index] != pair else { return }
          toldStamp[index] = pair
          told[index * columnCount + column] += 1
        }
        countTold(stories[entry.story].toldOn)
        forEachTelling(of: entry.story) { countTold(tellings[$0].day) }
        cells.add(story: entry.story, column: column, stamp: pair, in: self)
      }
    }
    cells.accumulate()
    for index in 0..<periodCount {
      for (nodePosition, node) in nodeList.enumerated() {
        for (rank, id) in answerOrder.enumerated() {
          let column = nodePosition * answerCount + rank
          for dimension in 0..<3 {
            try body(
              AnswerSeriesRow(
                figures: cells.row(
                  period: index, column: column, dimension: dimension,
                  node: nodes[Int(node)].path, level: levelName),
                answer: answerTexts[id], storiesTold: Int(told[index * columnCount + column])))
          }
        }
      }
    }
  }

  /// Calls `body` with each telling of the story at `index`.
  func forEachTelling(of story: Int32, _ body: (Int32) -> Void) {
    var cursor = stories[story].firstTelling
    while cursor >= 0 {
      body(cursor)
      cursor = tellings[cursor].next
    }
  }

  /// Calls `body` with each item revision of the story at `index`.
  func forEachRevision(of story: Int32, _ body: (Int32) -> Void) {
    var item = stories[story].firstItem
    while item >= 0 {
      var cursor = items[item].first
      while cursor >= 0 {
        body(cursor)
        cursor = revisions[cursor].next
      }
      item = items[item].nextInStory
    }
  }
}

extension Ledger {
  /// The time series of `query` by the answers to `question` (`export timeseries --by`):
  /// see ``LedgerState/answerSeries(_:by:_:)`` and <doc:TimeSeries>.
  public func answerSeries(
    _ query: TimeSeriesQuery, by question: String, _ body: (AnswerSeriesRow) throws -> Void
  ) throws {
    try state.answerSeries(query, by: question) { row in
      if isReadable(row.node) { try body(row) }
    }
  }
}
