import StoryLedgerTestSupport
import Testing

@testable import StoryLedger

// MARK: - A second, deliberately simple implementation of the time series

/// The "Time series" article implemented literally and naively, to check
/// ``LedgerState/timeSeries(_:_:)``.
///
/// It keeps its own model of the events (it never reads ``LedgerState``), computes its own
/// periods from calendar components, orders each item's revisions by date then sequence,
/// and derives every figure from the definitions, one (period, node, dimension) cell at a
/// time over that cell's items and all their revisions.
private struct ReferenceTimeSeries {
  struct ItemKey: Hashable {
    var story: String
    var item: String
  }

  /// One revision as the event gave it: only the fields it sets.
  struct Revision {
    var day: Day
    var sequence: UInt64
    var visibility: Visibility?
    var monetised: Money?
  }

  struct Item {
    var key: ItemKey
    var node: NodePath
    var dimension: StoryLedger.Dimension
    /// In date order, then event sequence order.
    var revisions: [Revision]
    /// The effective visibility after each revision: the latest one given so far.
    var visibility: [Visibility]
    /// The effective monetised value after each revision (missing counts as 0).
    var monetised: [Money]
  }

  var levels: [String] = []
  var items: [Item] = []

  init(events: [(sequence: UInt64, payload: EventPayload)]) {
    var storyNodes: [String: NodePath] = [:]
    var dimensions: [ItemKey: StoryLedger.Dimension] = [:]
    var revisions: [ItemKey: [Revision]] = [:]
    var order: [ItemKey] = []
    for (sequence, payload) in events {
      switch payload {
      case .ledgerCreated(let configuration): levels = configuration.levels
      case .nodeAdded, .tellingRecorded, .nodeRenamed, .nodeRetired, .storyUpdated: break
      case .storyTold(let event): storyNodes[event.key] = event.node
      case .nodeMoved(let event):
        // Everything is counted under the hierarchy as it stands at the end.
        for (story, node) in storyNodes where event.path.contains(node) {
          storyNodes[story] = NodePath(
            validSegments: event.newPath.segments + node.segments.dropFirst(event.path.depth))
        }
      case .storyWithdrawn(let event): storyNodes[event.story] = nil
      case .itemRecorded(let event):
        let key = ItemKey(story: event.story, item: event.item)
        order.append(key)
        dimensions[key] = event.dimension
        revisions[key] = [
          Revision(
            day: event.on, sequence: sequence, visibility: event.facts.visibility,
            monetised: event.facts.monetised)
        ]
      case .itemRevised(let event):
        let key = ItemKey(story: event.story, item: event.item)
        revisions[key, default: []].append(
          Revision(
            day: event.on, sequence: sequence, visibility: event.facts.visibility,
            monetised: event.facts.monetised))
      default: break  // the dialogue has no figures of its own
      }
    }
    for key in order {
      guard let node = storyNodes[key.story], let dimension = dimensions[key],
        let given = revisions[key]
      else { continue }
      let sorted = given.sorted { ($0.day, $0.sequence) < ($1.day, $1.sequence) }
      var visibility: [Visibility] = []
      var monetised: [Money] = []
      for index in sorted.indices {
        // The latest revision up to this one that gives the field; none gives the default.
        let lastVisibility = sorted[...index].last { $0.visibility != nil }?.visibility
        let lastMonetised = sorted[...index].last { $0.monetised != nil }?.monetised
        visibility.append(lastVisibility ?? .invisible)
        monetised.append(lastMonetised ?? .zero)
      }
      items.append(
        Item(
          key: key, node: node, dimension: dimension, revisions: sorted, visibility: visibility,
          monetised: monetised))
    }
  }

  /// The first day of the period holding `day`, from calendar components.
  static func start(_ period: Period, of day: Day) -> Day {
    let (year, month, dayOfMonth) = (day.year, day.month, day.dayOfMonth)
    let start: Day?
    switch period {
    case .day: start = Day(year: year, month: month, day: dayOfMonth)
    case .week: start = day.adding(days: -(day.isoWeekday - 1))
    case .month: start = Day(year: year, month: month, day: 1)
    case .quarter:
      start = Day(year: year, month: [1, 1, 1, 4, 4, 4, 7, 7, 7, 10, 10, 10][month - 1], day: 1)
    case .year: start = Day(year: year, month: 1, day: 1)
    }
    return start ?? day
  }

  /// The last day of the period starting on `start`.
  static func end(_ period: Period, startingOn start: Day) -> Day {
    switch period {
    case .day: return start
    case .week: return start.adding(days: 6)
    case .month:
      return start.adding(days: Day.daysInMonth(year: start.year, month: start.month) - 1)
    case .quarter:
      var end = start
      for _ in 0..<3 { end = end.adding(days: Day.daysInMonth(year: end.year, month: end.month)) }
      return end.adding(days: -1)
    case .year: return start.adding(days: Day.isLeapYear(start.year) ? 365 : 364)
    }
  }

  func rows(_ query: TimeSeriesQuery) -> [TimeSeriesRow] {
    guard let depthIndex = levels.firstIndex(of: query.level) else { return [] }
    let depth = depthIndex + 1
    let allDays = items.flatMap { $0.revisions.map(\.day) }
    guard let earliest = allDays.min(), let latest = allDays.max() else { return [] }
    // From the period holding --from (or the earliest revision) to the one holding --to
    // (or the latest).
    var periods: [(start: Day, end: Day)] = []
    var start = ReferenceTimeSeries.start(query.period, of: query.from ?? earliest)
    let lastStart = ReferenceTimeSeries.start(query.period, of: query.to ?? latest)
    while start <= lastStart {
      let end = ReferenceTimeSeries.end(query.period, startingOn: start)
      periods.append((start, end))
      start = end.adding(days: 1)
    }
    // Nodes at the level with at least one item in their subtree; stories shallower than
    // the level belong to none. Each node's items, by dimension.
    var cells: [NodePath: [[Item]]] = [:]
    for item in items where item.node.depth >= depth {
      let node = NodePath(validSegments: Array(item.node.segments.prefix(depth)))
      cells[node, default: [[], [], []]][item.dimension.index].append(item)
    }
    let nodes = cells.sorted {
      $0.key.description.utf8.lexicographicallyPrecedes($1.key.description.utf8)
    }

    var rows: [TimeSeriesRow] = []
    for period in periods {
      for (node, itemsByDimension) in nodes {
        for dimension in [StoryLedger.Dimension.capacitating, .calibrating, .calculating] {
          var row = TimeSeriesRow(
            periodStart: period.start, periodEnd: period.end, node: node, level: levels[depth - 1],
            dimension: dimension, stories: 0, itemsRecorded: 0, madeVisible: 0, visibleItems: 0,
            invisibleItems: 0, monetisedVisible: .zero, monetisedInvisible: .zero)
          var stories: [String] = []
          for item in itemsByDimension[dimension.index] {
            var latest: Int?
            for (index, revision) in item.revisions.enumerated() {
              let isInPeriod = period.start <= revision.day && revision.day <= period.end
              // stories: distinct stories with an item revision of the dimension dated in P.
              if isInPeriod && !stories.contains(item.key.story) { stories.append(item.key.story) }
              // items_recorded: the item's first revision is dated in P.
              if isInPeriod && index == 0 { row.itemsRecorded += 1 }
              // made_visible: a revision dated in P, visible, whose previous one was invisible.
              if isInPeriod && index > 0 && item.visibility[index] == .visible
                && item.visibility[index - 1] == .invisible
              {
                row.madeVisible += 1
              }
              // The stock at the end of P: the latest revision dated on or before the end.
              if revision.day <= period.end { latest = index }
            }
            guard let latest else { continue }
            if item.visibility[latest] == .visible {
              row.visibleItems += 1
              row.monetisedVisible += item.monetised[latest]
            } else {
              row.invisibleItems += 1
              row.monetisedInvisible += item.monetised[latest]
            }
          }
          row.stories = stories.count
          rows.append(row)
        }
      }
    }
    return rows
  }
}

// MARK: - Random ledgers

/// SplitMix64: a small, seedable generator, so that every failure names its seed.
private struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var value = state
    value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
    value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
    return value ^ (value >> 31)
  }
}

/// A random event stream: a four-level hierarchy, stories at every depth (some with no
/// items), items revised on the same day, back and forth between visible and invisible,
/// late entries dated before earlier revisions, monetised changes, and stretches of dates
/// with nothing in them.
private struct RandomLedger {
  var events: [(sequence: UInt64, payload: EventPayload)] = []
  var earliest = Day.latest
  var latest = Day.earliest
  var isLong = false
  /// How many node moves the ledger has (0 or 1).
  var movedNodes = 0

  static let names = [
    "north", "north-east", "north.west", "North", "south", "ärea", "n1", "n10", "n2", "z", "Z-9",
    "日本",
  ]

  init(seed: UInt64) throws {
    var random = SplitMix64(state: seed)
    var sequence: UInt64 = 0
    func add(_ payload: EventPayload) {
      sequence += 1
      events.append((sequence, payload))
    }
    add(.ledgerCreated(try LedgerConfiguration()))

    // The hierarchy, parents first.
    var nodes: [NodePath] = []
    var frontier: [NodePath?] = [nil]
    while let parent = frontier.popLast() {
      let depth = (parent?.depth ?? 0) + 1
      guard depth <= 4 else { continue }
      let count =
        depth == 1 ? Int.random(in: 1...3, using: &random) : Int.random(in: 0...3, using: &random)
      for name in RandomLedger.names.shuffled(using: &random).prefix(count) {
        let path =
          try parent.map { try $0.appending(name) } ?? NodePath(parsing: name)
        add(.nodeAdded(NodeAdded(path: path, name: name)))
        nodes.append(path)
        frontier.append(path)
      }
    }

    // Dates in a few windows with empty stretches between them, across a year's end.
    isLong = random.next() % 2 == 0
    let base = try Day(parsing: "2025-11-20").adding(days: Int.random(in: 0...40, using: &random))
    let windows: [ClosedRange<Int>] =
      isLong ? [0...30, 250...290, 600...640] : [0...12, 40...75]
    func randomDay() -> Day {
      let window = windows[Int.random(in: 0..<windows.count, using: &random)]
      return base.adding(days: Int.random(in: window, using: &random))
    }
    let allowsRevisionsBeforeTheFirst = random.next() % 3 == 0

    // Stories, then their items' events interleaved at random.
    let storyCount = Int.random(in: 3...14, using: &random)
    var queues: [[EventPayload]] = []
    for storyNumber in 0..<storyCount {
      let key = "S\(storyNumber)"
      let node = nodes[Int.random(in: 0..<nodes.count, using: &random)]
      let toldOn = randomDay()
      add(
        .storyTold(
          StoryTold(
            key: key, node: node, on: toldOn, title: "Story \(storyNumber)", tellers: ["T"],
            tags: [], share: "national")))
      if random.next() % 4 == 0 {
        add(.tellingRecorded(TellingRecorded(story: key, on: toldOn, narrative: "told")))
      }
      for itemNumber in 0..<Int.random(in: 0...4, using: &random) {
        let item = "i\(itemNumber)"
        let recordedOn = randomDay()
        var queue: [EventPayload] = [
          .itemRecorded(
            ItemRecorded(
              story: key, item: item, on: recordedOn,
              dimension: StoryLedger.Dimension.allCases.randomElement(using: &random)
                ?? .calculating,
              facts: ItemFacts(
                visibility: random.next() % 2 == 0 ? .visible : .invisible,
                monetised: RandomLedger.money(&random))))
        ]
        var days = [recordedOn]
        for _ in 0..<Int.random(in: 0...5, using: &random) {
          let day: Day
          switch Int.random(in: 0..<20, using: &random) {
          case 0..<6: day = days.randomElement(using: &random) ?? recordedOn  // the same day
          case 6..<9:  // a late entry, dated between the first and the latest so far
            let low = days.min() ?? recordedOn
            let high = days.max() ?? recordedOn
            day = low.adding(
              days: Int.random(
                in: 0...Int(high.daysSinceEpoch - low.daysSinceEpoch), using: &random))
          case 9 where allowsRevisionsBeforeTheFirst:
            day = recordedOn.adding(days: -Int.random(in: 1...40, using: &random))
          default: day = max(randomDay(), recordedOn)
          }
          days.append(day)
          let visibility: Visibility? =
            switch Int.random(in: 0..<5, using: &random) {
            case 0, 1: nil
            case 2, 3: .visible
            default: .invisible
            }
          queue.append(
            .itemRevised(
              ItemRevised(
                story: key, item: item, on: day,
                facts: ItemFacts(
                  visibility: visibility, description: random.next() % 3 == 0 ? "changed" : nil,
                  monetised: RandomLedger.money(&random)))))
        }
        queues.append(queue)
      }
    }
    while !queues.isEmpty {
      let index = Int.random(in: 0..<queues.count, using: &random)
      add(queues[index].removeFirst())
      if queues[index].isEmpty { queues.remove(at: index) }
    }
    // In some ledgers a story is withdrawn (it leaves every figure) and a node moves with its
    // subtree (figures follow the hierarchy as it stands).
    if random.next() % 2 == 0 {
      let story = Int.random(in: 0..<storyCount, using: &random)
      add(.storyWithdrawn(StoryWithdrawn(story: "S\(story)", erase: random.next() % 2 == 0)))
    }
    if random.next() % 2 == 0 {
      let movable = nodes.filter { node in node.depth >= 2 }
      if let node = movable.randomElement(using: &random) {
        let height =
          nodes.filter { node.contains($0) }.map(\.depth).max().map { $0 - node.depth } ?? 0
        let parents = nodes.filter { parent in
          !node.contains(parent) && parent != node.parent && parent.depth + 1 + height <= 4
            && !nodes.contains(NodePath(validSegments: parent.segments + [node.name]))
        }
        if let parent = parents.randomElement(using: &random) {
          add(.nodeMoved(NodeMoved(path: node, parent: parent)))
          movedNodes += 1
        }
      }
    }
    for (_, payload) in events {
      switch payload {
      case .itemRecorded(let event):
        earliest = min(earliest, event.on)
        latest = max(latest, event.on)
      case .itemRevised(let event):
        earliest = min(earliest, event.on)
        latest = max(latest, event.on)
      default: break
      }
    }
  }

  static func money(_ random: inout SplitMix64) -> Money? {
    switch Int.random(in: 0..<10, using: &random) {
    case 0..<5: nil
    case 5: Money(cents: -Int64.random(in: 1...50_000, using: &random))
    case 6: .zero
    default: Money(cents: Int64.random(in: 1...2_000_000, using: &random))
    }
  }

  func state() throws -> LedgerState {
    var state = LedgerState()
    for (sequence, payload) in events { try state.apply(payload, sequence: sequence) }
    return state
  }
}

private func rows(of state: LedgerState, _ query: TimeSeriesQuery) throws -> [TimeSeriesRow] {
  var rows: [TimeSeriesRow] = []
  try state.timeSeries(query) { rows.append($0) }
  return rows
}

/// A row as one CSV-like line, for readable failures and golden cases.
private func line(_ row: TimeSeriesRow) -> String {
  [
    row.periodStart.description, row.periodEnd.description, row.node.description, row.level,
    row.dimension.rawValue, "\(row.stories)", "\(row.itemsRecorded)", "\(row.madeVisible)",
    "\(row.visibleItems)", "\(row.invisibleItems)", row.monetisedVisible.description,
    row.monetisedInvisible.description,
  ].joined(separator: ",")
}

// MARK: - Tests

@Suite("Time series")
struct TimeSeriesTests {
  /// The random ledgers compared with the reference.
  static let seeds = Array(0..<24)

  /// The date ranges to try for a random ledger: none, inside, around, past either end.
  /// Each (period, level) tries the whole range and a few of the others, in turn.
  private static func ranges(
    for ledger: RandomLedger, period: Period, turn: Int
  ) -> [(Day?, Day?)] {
    let span = Int(ledger.latest.daysSinceEpoch - ledger.earliest.daysSinceEpoch)
    let inside = ledger.earliest.adding(days: span / 3)
    var ranges: [(Day?, Day?)] = [
      (inside, inside.adding(days: 40)),
      (ledger.latest.adding(days: 3), nil),  // --from after the data (its period may hold it)
      (nil, ledger.earliest.adding(days: -3)),  // --to before the data
      (ledger.latest.adding(days: 40), nil),
    ]
    if period == .day && ledger.isLong {
      return [ranges[turn % ranges.count], ranges[(turn + 1) % ranges.count]]
    }
    ranges += [
      (inside, nil), (nil, inside),
      (ledger.earliest.adding(days: -45), ledger.latest.adding(days: 45)),
    ]
    return [(nil, nil), ranges[turn % ranges.count], ranges[(turn + 3) % ranges.count]]
  }

  /// The time series equals the reference, row by row, for every period kind, every level
  /// and a spread of date ranges, over many random ledgers.
  @Test(arguments: TimeSeriesTests.seeds)
  func matchesTheReference(seed: Int) throws {
    let ledger = try RandomLedger(seed: UInt64(seed) &* 0x2545_F491_4F6C_DD1D)
    let state = try ledger.state()
    let reference = ReferenceTimeSeries(events: ledger.events)
    var compared = 0
    var turn = seed
    for period in Period.allCases {
      for level in reference.levels {
        turn += 1
        for (from, to) in TimeSeriesTests.ranges(for: ledger, period: period, turn: turn) {
          let query = try TimeSeriesQuery(period: period, level: level, from: from, to: to)
          let expected = reference.rows(query)
          let actual = try rows(of: state, query)
          compared += expected.count
          guard actual != expected else { continue }
          let context =
            "seed \(seed), \(period) at \(level), from \(String(describing: from)) to \(String(describing: to))"
          #expect(actual.count == expected.count, "\(context): row counts")
          if let index = actual.indices.first(where: {
            $0 < expected.count && actual[$0] != expected[$0]
          }) {
            #expect(line(actual[index]) == line(expected[index]), "\(context): row \(index)")
          }
          return
        }
      }
    }
    #expect(compared > 0)
  }

  /// The stream really has what it is meant to exercise (so the comparison is not vacuous).
  @Test func randomLedgersCoverTheHardCases() throws {
    var sameDay = 0
    var lateEntries = 0
    var backToInvisible = 0
    var shallowStories = 0
    var emptyPeriods = 0
    var moves = 0
    var withdrawals = 0
    for seed in TimeSeriesTests.seeds {
      let ledger = try RandomLedger(seed: UInt64(seed) &* 0x2545_F491_4F6C_DD1D)
      moves += ledger.movedNodes
      withdrawals += ledger.events.filter { $0.payload.type == .storyWithdrawn }.count
      let reference = ReferenceTimeSeries(events: ledger.events)
      for item in reference.items {
        let days = item.revisions.map(\.day)
        if Set(days).count < days.count { sameDay += 1 }
        let applied = item.revisions.sorted { $0.sequence < $1.sequence }.map(\.day)
        if applied != applied.sorted() { lateEntries += 1 }
        if zip(item.visibility, item.visibility.dropFirst()).contains(where: {
          $0 == .visible && $1 == .invisible
        }) {
          backToInvisible += 1
        }
        if item.node.depth < 3 { shallowStories += 1 }
      }
      let query = try TimeSeriesQuery(period: .month, level: "national")
      let months = Dictionary(grouping: reference.rows(query), by: \.periodStart)
      emptyPeriods += months.values.filter { $0.allSatisfy { $0.stories == 0 } }.count
    }
    #expect(sameDay > 100 && lateEntries > 50 && backToInvisible > 50)
    #expect(shallowStories > 50 && emptyPeriods > 50)
    #expect(moves >= 5 && withdrawals >= 5)
  }

  // MARK: Golden cases, computed by hand

  /// england/north/t1 holds S1, england/south S2, england S3 (shallower than regional),
  /// scotland S4 (no items).
  private static func goldenState() throws -> LedgerState {
    func node(_ text: String) throws -> NodePath { try NodePath(parsing: text) }
    func story(_ key: String, _ path: String) throws -> EventPayload {
      .storyTold(
        StoryTold(
          key: key, node: try node(path), on: try day("2026-01-01"), title: key, tellers: [],
          tags: [], share: "national"))
    }
    let payloads: [EventPayload] = [
      .ledgerCreated(try LedgerConfiguration(currency: "GBP")),
      .nodeAdded(NodeAdded(path: try node("england"), name: "England")),
      .nodeAdded(NodeAdded(path: try node("england/north"), name: "North")),
      .nodeAdded(NodeAdded(path: try node("england/north/t1"), name: "Trust 1")),
      .nodeAdded(NodeAdded(path: try node("england/south"), name: "South")),
      .nodeAdded(NodeAdded(path: try node("scotland"), name: "Scotland")),
      try story("S1", "england/north/t1"),
      try story("S2", "england/south"),
      try story("S3", "england"),
      try story("S4", "scotland"),
      .itemRecorded(
        ItemRecorded(
          story: "S1", item: "a", on: try day("2026-01-05"), dimension: .calculating,
          facts: ItemFacts(visibility: .invisible, monetised: Money(cents: 1_000)))),
      .itemRevised(
        ItemRevised(
          story: "S1", item: "a", on: try day("2026-02-10"), facts: ItemFacts(visibility: .visible))
      ),
      .itemRevised(
        ItemRevised(
          story: "S1", item: "a", on: try day("2026-02-10"),
          facts: ItemFacts(monetised: Money(cents: 1_550)))),
      .itemRecorded(
        ItemRecorded(
          story: "S1", item: "b", on: try day("2026-01-20"), dimension: .capacitating,
          facts: ItemFacts(visibility: .visible))),
      .itemRecorded(
        ItemRecorded(
          story: "S2", item: "c", on: try day("2026-01-10"), dimension: .calculating,
          facts: ItemFacts(visibility: .invisible, monetised: Money(cents: 225)))),
      .itemRevised(
        ItemRevised(
          story: "S2", item: "c", on: try day("2026-03-20"), facts: ItemFacts(visibility: .visible))
      ),
      // A late entry: evidence dated in February, recorded after the March revision.
      .itemRevised(
        ItemRevised(
          story: "S2", item: "c", on: try day("2026-02-15"), facts: ItemFacts(visibility: .visible))
      ),
      .itemRecorded(
        ItemRecorded(
          story: "S3", item: "d", on: try day("2026-02-01"), dimension: .calibrating,
          facts: ItemFacts(visibility: .invisible))),
    ]
    var state = LedgerState()
    for (index, payload) in payloads.enumerated() {
      try state.apply(payload, sequence: UInt64(index + 1))
    }
    return state
  }

  @Test func goldenMonthsAtTheRegionalLevel() throws {
    let query = try TimeSeriesQuery(period: .month, level: "regional")
    let expected = [
      "2026-01-01,2026-01-31,england/north,regional,capacitating,1,1,0,1,0,0.00,0.00",
      "2026-01-01,2026-01-31,england/north,regional,calibrating,0,0,0,0,0,0.00,0.00",
      "2026-01-01,2026-01-31,england/north,regional,calculating,1,1,0,0,1,0.00,10.00",
      "2026-01-01,2026-01-31,england/south,regional,capacitating,0,0,0,0,0,0.00,0.00",
      "2026-01-01,2026-01-31,england/south,regional,calibrating,0,0,0,0,0,0.00,0.00",
      "2026-01-01,2026-01-31,england/south,regional,calculating,1,1,0,0,1,0.00,2.25",
      "2026-02-01,2026-02-28,england/north,regional,capacitating,0,0,0,1,0,0.00,0.00",
      "2026-02-01,2026-02-28,england/north,regional,calibrating,0,0,0,0,0,0.00,0.00",
      "2026-02-01,2026-02-28,england/north,regional,calculating,1,0,1,1,0,15.50,0.00",
      "2026-02-01,2026-02-28,england/south,regional,capacitating,0,0,0,0,0,0.00,0.00",
      "2026-02-01,2026-02-28,england/south,regional,calibrating,0,0,0,0,0,0.00,0.00",
      "2026-02-01,2026-02-28,england/south,regional,calculating,1,0,1,1,0,2.25,0.00",
      "2026-03-01,2026-03-31,england/north,regional,capacitating,0,0,0,1,0,0.00,0.00",
      "2026-03-01,2026-03-31,england/north,regional,calibrating,0,0,0,0,0,0.00,0.00",
      "2026-03-01,2026-03-31,england/north,regional,calculating,0,0,0,1,0,15.50,0.00",
      "2026-03-01,2026-03-31,england/south,regional,capacitating,0,0,0,0,0,0.00,0.00",
      "2026-03-01,2026-03-31,england/south,regional,calibrating,0,0,0,0,0,0.00,0.00",
      "2026-03-01,2026-03-31,england/south,regional,calculating,1,0,0,1,0,2.25,0.00",
    ]
    #expect(try rows(of: TimeSeriesTests.goldenState(), query).map(line) == expected)
    // Level names match without regard to case; rows carry the ledger's spelling.
    let shouted = try TimeSeriesQuery(period: .month, level: "REGIONAL")
    #expect(try rows(of: TimeSeriesTests.goldenState(), shouted).map(line) == expected)
  }

  @Test func goldenQuarterAtTheNationalLevel() throws {
    let query = try TimeSeriesQuery(period: .quarter, level: "national")
    #expect(
      try rows(of: TimeSeriesTests.goldenState(), query).map(line) == [
        "2026-01-01,2026-03-31,england,national,capacitating,1,1,0,1,0,0.00,0.00",
        "2026-01-01,2026-03-31,england,national,calibrating,1,1,0,0,1,0.00,0.00",
        "2026-01-01,2026-03-31,england,national,calculating,2,2,2,2,0,17.75,0.00",
      ])
  }

  @Test func goldenRangeWithAnEmptyFirstPeriod() throws {
    let query = try TimeSeriesQuery(
      period: .month, level: "local", from: Day(parsing: "2025-12-15"),
      to: Day(parsing: "2026-01-31"))
    #expect(
      try rows(of: TimeSeriesTests.goldenState(), query).map(line) == [
        "2025-12-01,2025-12-31,england/north/t1,local,capacitating,0,0,0,0,0,0.00,0.00",
        "2025-12-01,2025-12-31,england/north/t1,local,calibrating,0,0,0,0,0,0.00,0.00",
        "2025-12-01,2025-12-31,england/north/t1,local,calculating,0,0,0,0,0,0.00,0.00",
        "2026-01-01,2026-01-31,england/north/t1,local,capacitating,1,1,0,1,0,0.00,0.00",
        "2026-01-01,2026-01-31,england/north/t1,local,calibrating,0,0,0,0,0,0.00,0.00",
        "2026-01-01,2026-01-31,england/north/t1,local,calculating,1,1,0,0,1,0.00,10.00",
      ])
  }

  /// --from after the latest revision, or --to before the earliest, still gives the
  /// period that holds both: the periods run from the one holding the first to the one
  /// holding the last.
  @Test func goldenBoundsBeyondTheDataInTheSamePeriod() throws {
    let state = try TimeSeriesTests.goldenState()
    let march = try TimeSeriesQuery(
      period: .month, level: "national", from: Day(parsing: "2026-03-25"))
    #expect(
      try rows(of: state, march).map(line) == [
        "2026-03-01,2026-03-31,england,national,capacitating,0,0,0,1,0,0.00,0.00",
        "2026-03-01,2026-03-31,england,national,calibrating,0,0,0,0,1,0.00,0.00",
        "2026-03-01,2026-03-31,england,national,calculating,1,0,0,2,0,17.75,0.00",
      ])
    let january = try TimeSeriesQuery(
      period: .month, level: "national", to: Day(parsing: "2026-01-02"))
    #expect(
      try rows(of: state, january).map(line) == [
        "2026-01-01,2026-01-31,england,national,capacitating,1,1,0,1,0,0.00,0.00",
        "2026-01-01,2026-01-31,england,national,calibrating,0,0,0,0,0,0.00,0.00",
        "2026-01-01,2026-01-31,england,national,calculating,2,2,0,0,2,0.00,12.25",
      ])
    let april = try TimeSeriesQuery(
      period: .month, level: "national", from: Day(parsing: "2026-04-01"))
    #expect(try rows(of: state, april).isEmpty)
  }

  @Test func goldenWeeksStartOnMonday() throws {
    let query = try TimeSeriesQuery(
      period: .week, level: "regional", from: Day(parsing: "2026-02-09"),
      to: Day(parsing: "2026-02-15"))
    let lines = try rows(of: TimeSeriesTests.goldenState(), query).map(line)
    #expect(
      lines == [
        "2026-02-09,2026-02-15,england/north,regional,capacitating,0,0,0,1,0,0.00,0.00",
        "2026-02-09,2026-02-15,england/north,regional,calibrating,0,0,0,0,0,0.00,0.00",
        "2026-02-09,2026-02-15,england/north,regional,calculating,1,0,1,1,0,15.50,0.00",
        "2026-02-09,2026-02-15,england/south,regional,capacitating,0,0,0,0,0,0.00,0.00",
        "2026-02-09,2026-02-15,england/south,regional,calibrating,0,0,0,0,0,0.00,0.00",
        "2026-02-09,2026-02-15,england/south,regional,calculating,1,0,1,1,0,2.25,0.00",
      ])
  }

  @Test func noItemsNoRowsAndUnknownLevelsAreErrors() throws {
    var state = LedgerState()
    try state.apply(.ledgerCreated(try LedgerConfiguration()), sequence: 1)
    #expect(try rows(of: state, TimeSeriesQuery(period: .month, level: "national")).isEmpty)
    do {
      _ = try rows(
        of: TimeSeriesTests.goldenState(), TimeSeriesQuery(period: .month, level: "trust"))
      Issue.record("an unknown level was accepted")
    } catch let error as LedgerError {
      #expect(error.code == .invalid)
      #expect(error.message.contains("national, regional, local, personal"))
    }
    #expect(throws: ValueError.self) {
      try TimeSeriesQuery(
        period: .day, level: "national", from: Day(parsing: "2026-02-02"),
        to: Day(parsing: "2026-02-01"))
    }
  }

  @Test func columnsAreThePinnedOnes() {
    #expect(
      TimeSeriesRow.columns.joined(separator: ",")
        == "period_start,period_end,node,level,dimension,stories,items_recorded,made_visible,visible_items,invisible_items,monetised_visible,monetised_invisible"
    )
  }
}
