/// One row of the session time series: a period and a node at the query's level (its whole
/// subtree counted).
///
/// Definitions, for period P = [start, end] and node N, over the sessions held at N or a
/// node under it with their date in P:
///
/// - `sessions`: how many there are.
/// - `people`: the names they record (facilitator and people taking part), summed over them:
///   one person in two sessions counts twice; names erased by `erase person` no longer count.
/// - `events`: the events recorded in them (with `--session`).
/// - `stories_told`, `tellings`: the `story.told` and `story.telling` events among those
///   (a story's first telling is a telling too).
/// - `item_events`: the `item.recorded` and `item.revised` events among those.
/// - `stories_selected`: the stories chosen by the `stories.selected` events among those.
/// - `account_steps`: the `account.*` events among those (proposed, objected, responded,
///   settled, reopened).
/// - `feedback`: the `feedback.sent` events among those.
/// - `pledge_steps`: the `pledge.*` events among those (made, joined, fulfilled, withdrawn).
///
/// Every event is counted in the period and node of its session (not by its own date or
/// node). Rows run from the period holding the earliest session date (or `--from`) to the one
/// holding the latest (or `--to`), for every node at the level with at least one session in
/// its subtree, zero filled, sorted by period then node path (byte order). Sessions at nodes
/// shallower than the level are left out.
public struct SessionSeriesRow: SeriesRow, Hashable {
  /// The first day of the period.
  public var periodStart: Day
  /// The last day of the period (inclusive).
  public var periodEnd: Day
  /// The node.
  public var node: NodePath
  /// Its level name.
  public var level: String
  /// Sessions held in the period.
  public var sessions = 0
  /// The names they record, summed over them.
  public var people = 0
  /// Events recorded in them.
  public var events = 0
  /// Stories told in them.
  public var storiesTold = 0
  /// Tellings recorded in them.
  public var tellings = 0
  /// Items recorded or revised in them.
  public var itemEvents = 0
  /// Stories selected in them.
  public var storiesSelected = 0
  /// Account steps taken in them.
  public var accountSteps = 0
  /// Feedback sent in them.
  public var feedback = 0
  /// Pledge steps taken in them.
  public var pledgeSteps = 0

  /// The CSV column names, in order.
  public static let columns = [
    "period_start", "period_end", "node", "level", "sessions", "people", "events",
    "stories_told", "tellings", "item_events", "stories_selected", "account_steps", "feedback",
    "pledge_steps",
  ]

  /// The counts, in the order of ``columns`` after `level`.
  public var counts: [Int] {
    [
      sessions, people, events, storiesTold, tellings, itemEvents, storiesSelected,
      accountSteps, feedback, pledgeSteps,
    ]
  }

  /// Appends the row as a CSV line or a JSON object line.
  public func append(as format: ExportFormat, to bytes: inout [UInt8]) {
    CountRow.append(
      start: periodStart, end: periodEnd, texts: [node.description, level], counts: counts,
      columns: Self.columns, as: format, to: &bytes)
  }

  /// Counts `payload`, an event recorded in one of the row's sessions.
  mutating func count(_ payload: EventPayload) {
    events += 1
    switch payload {
    case .storyTold: storiesTold += 1
    case .tellingRecorded: tellings += 1
    case .itemRecorded, .itemRevised: itemEvents += 1
    case .storiesSelected(let selected): storiesSelected += selected.chosen.count
    case .accountProposed, .accountObjected, .accountResponded, .accountSettled,
      .accountReopened:
      accountSteps += 1
    case .feedbackSent: feedback += 1
    case .pledgeMade, .pledgeJoined, .pledgeFulfilled, .pledgeWithdrawn: pledgeSteps += 1
    case .ledgerCreated, .nodeAdded, .nodeRenamed, .nodeMoved, .nodeRetired, .storyUpdated,
      .storyWithdrawn, .storyAnswered, .participantErased, .sessionStarted, .sessionLinked,
      .itemRated, .itemAgreed, .storyVerified, .storyGrouped, .domainAdded, .campaignAdded,
      .participantAdded, .proxySet:
      break
    }
  }
}

extension Ledger {
  /// The session time series of `query` (its period, level and bounds), row by row in order;
  /// see ``SessionSeriesRow`` for the definitions.
  ///
  /// ```swift
  /// try ledger.sessionSeries(try TimeSeriesQuery(period: .quarter, level: "region")) { row in
  ///   print(row.periodStart, row.node, row.sessions, row.storiesSelected)
  /// }
  /// ```
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` for a level the ledger does not
  ///   have, or an error reading the log.
  public func sessionSeries(_ query: TimeSeriesQuery, _ emit: (SessionSeriesRow) throws -> Void)
    throws
  {
    func body(_ row: SessionSeriesRow) throws { if isReadable(row.node) { try emit(row) } }
    let state = self.state
    let (depth, levelName) = try query.level(in: state.configuration)
    let sessions = try state.sessions().filter { $0.node.depth >= depth }
    guard let earliest = sessions.map(\.on).min(), let latest = sessions.map(\.on).max() else {
      return
    }
    // The events recorded in the sessions, read once.
    var payloads: [UInt64: EventPayload] = [:]
    try store.read(sequences: sessions.flatMap(\.events)) { event in
      payloads[event.sequence] = event.payload
    }
    let nodes = Set(sessions.map { $0.node.prefix(depth: depth) }).sorted()
    for range in query.periods(earliest: earliest, latest: latest) {
      let (start, end) = (range.start, range.end)
      for node in nodes {
        var row = SessionSeriesRow(
          periodStart: start, periodEnd: end, node: node, level: levelName)
        for session in sessions where node.contains(session.node) && range.contains(session.on) {
          row.sessions += 1
          row.people += session.isErased ? 0 : 1 + session.with.count
          for sequence in session.events {
            if let payload = payloads[sequence] { row.count(payload) }
          }
        }
        try body(row)
      }
    }
  }
}
