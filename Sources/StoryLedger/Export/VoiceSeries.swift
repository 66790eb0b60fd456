/// One row of the voices time series (`export voices`): a period, a node at the query's level
/// (its whole subtree counted), and a group of tellers: an attribute and one of its values.
///
/// Each column is defined in <doc:TimeSeries>. A teller's *group* for attribute K is the
/// value of K in the description of the participant of the same name (`participant add`,
/// names compared as Unicode text after trimming spaces), or one of three placeholders:
/// `(unknown)` when no participant has the teller's name (and for a story with no named
/// teller), `(no consent)` when the participant's consent is not recorded, `(unset)` when the
/// participant has no attribute K. A story is in every group one of its tellers is in.
/// The attribute `(all)`, value `(all)`, counts every story once.
///
/// For period P = [start, end], node N and group G, over the active stories in N's subtree:
///
/// - `stories_told`: stories in G first told (their `story.told` date) in P.
/// - `tellings`: tellings dated in P of stories in G (a first telling is a telling).
/// - `tellers`: distinct tellers in G of the stories with a telling dated in P.
/// - `stories_selected`: distinct stories in G chosen by a selection made at N itself whose
///   selection period ends in P (a story chosen twice in P counts once).
public struct VoiceSeriesRow: SeriesRow, Hashable {
  /// The attribute and value of the row that counts every story.
  public static let all = "(all)"
  /// The group of a teller no participant is called, or of a story without a teller.
  public static let unknown = "(unknown)"
  /// The group of a participant whose consent is not recorded.
  public static let noConsent = "(no consent)"
  /// The group of a participant without the attribute.
  public static let unset = "(unset)"

  /// The first day of the period.
  public var periodStart: Day
  /// The last day of the period (inclusive).
  public var periodEnd: Day
  /// The node.
  public var node: NodePath
  /// Its level name.
  public var level: String
  /// The attribute's key, or `(all)`.
  public var attribute: String
  /// The attribute's value, a placeholder, or `(all)`.
  public var value: String
  /// Stories of the group first told in the period.
  public var storiesTold = 0
  /// Tellings dated in the period of stories of the group.
  public var tellings = 0
  /// Distinct tellers of the group with a telling in the period.
  public var tellers = 0
  /// Distinct stories of the group selected at the node, for a period ending in this one.
  public var storiesSelected = 0

  /// The CSV column names, in order (<doc:TimeSeries>).
  public static let columns = [
    "period_start", "period_end", "node", "level", "attribute", "value", "stories_told",
    "tellings", "tellers", "stories_selected",
  ]

  /// The counts, in the order of ``columns`` after `value`.
  public var counts: [Int] { [storiesTold, tellings, tellers, storiesSelected] }

  /// Appends the row as a CSV line or a JSON object line.
  public func append(as format: ExportFormat, to bytes: inout [UInt8]) {
    CountRow.append(
      start: periodStart, end: periodEnd, texts: [node.description, level, attribute, value],
      counts: counts,
      columns: Self.columns, as: format, to: &bytes)
  }
}

extension Ledger {
  /// The voices time series of `query` (its period, level, bounds and story filter), row by
  /// row: one row per period, node at the level, attribute and value, sorted by period, node
  /// path, attribute and value (`(all)` first, then keys and values in UTF-8 byte order),
  /// zero filled; see ``VoiceSeriesRow`` for the definitions.
  ///
  /// The attributes are the keys of the participants whose consent is recorded; an
  /// attribute's values are theirs, and each placeholder some counted teller falls under.
  /// Periods run from the one holding the earliest first telling, telling or counted
  /// selection's period end (or `from`) to the one holding the latest (or `to`); nodes are
  /// those at the level with a counted story in their subtree. Stories at nodes shallower
  /// than the level are left out. A domain or campaign in `query.stories` keeps the stories
  /// counted and the nodes, not the periods, which the stories it leaves out widen too.
  ///
  /// ```swift
  /// try ledger.voiceSeries(try TimeSeriesQuery(period: .quarter, level: "organisation")) { row in
  ///   print(row.periodStart, row.node, row.attribute, row.value, row.storiesSelected)
  /// }
  /// ```
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` for a level the ledger does not
  ///   have or a domain or campaign it does not define.
  public func voiceSeries(_ query: TimeSeriesQuery, _ emit: (VoiceSeriesRow) throws -> Void)
    throws
  {
    func body(_ row: VoiceSeriesRow) throws { if isReadable(row.node) { try emit(row) } }
    try VoiceCounter(state: state, query: query).emit(body)
  }
}

/// Counts the voices series: each story's groups, then its told day, tellings and
/// selections, each into the cells of its period.
private struct VoiceCounter {
  /// A group's index: 0 is `(all)`; the others index ``VoiceCounter/groups``.
  typealias Group = Int

  struct Cell {
    var storiesTold = 0
    var tellings = 0
    var tellers = Set<String>()
    var selected = Set<Int32>()
  }

  struct CellKey: Hashable {
    var period: Day
    var node: Int32
    var group: Group
  }

  let state: LedgerState
  let query: TimeSeriesQuery
  let levelName: String
  /// Every (attribute, value) row, `(all)` first.
  var groups: [(attribute: String, value: String)] = [(VoiceSeriesRow.all, VoiceSeriesRow.all)]
  var cells: [CellKey: Cell] = [:]
  var nodes = Set<Int32>()
  /// The earliest and latest day counted.
  var earliest: Day?
  var latest: Day?

  init(state: LedgerState, query: TimeSeriesQuery) throws {
    self.state = state
    self.query = query
    let depth: Int
    (depth, levelName) = try query.level(in: state.configuration)
    let mask = try state.storyMask(query.stories).mask
    let voices = VoiceGroups(state)
    let keys = voices.keys
    var valuesOfKey: [[String: Group]] = Array(repeating: [:], count: keys.count)
    var placeholders: [Set<String>] = Array(repeating: [], count: keys.count)
    // Stories: their node at the level, tellers and groups.
    struct Counted {
      var index: Int32
      var node: Int32
      var tellers: [(name: String, groups: [String])]
      var groups: [Set<String>]
    }
    var counted: [Counted] = []
    // Stories a domain or campaign leaves out: their dates still set the periods.
    var leftOut: [(index: Int32, node: Int32)] = []
    for index in 0..<state.stories.count {
      let story = Int32(index)
      guard !state.isWithdrawn(story) else { continue }
      let node = state.ancestor(of: state.stories[index].node, atDepth: depth)
      guard node >= 0 else { continue }
      guard mask?[index] ?? true else {
        leftOut.append((story, node))
        continue
      }
      let found = voices.story(story)
      for (position, values) in found.groups.enumerated() {
        placeholders[position].formUnion(values.filter(VoiceGroups.isPlaceholder))
      }
      counted.append(
        Counted(index: story, node: node, tellers: found.tellers, groups: found.groups))
    }
    // The rows' groups: per key (byte order), its values and the placeholders met.
    for (position, key) in keys.enumerated() {
      for value in voices.values(of: position, with: placeholders[position]) {
        valuesOfKey[position][value] = groups.count
        groups.append((key, value))
      }
    }
    // Selections made at a node of the level, by story.
    var selectedOn: [Int32: [(node: NodePath, day: Day)]] = [:]
    for selection in state.dialogueModel().selections where selection.node.depth == depth {
      if let story = state.storyIndex(forKey: selection.choice.story) {
        selectedOn[story, default: []].append((selection.node, selection.period.end))
      }
    }
    for story in counted {
      nodes.insert(story.node)
      var groupsOfStory: [Group] = [0]
      for (position, values) in story.groups.enumerated() {
        groupsOfStory += values.compactMap { valuesOfKey[position][$0] }
      }
      let record = state.stories[Int(story.index)]
      count(day: record.toldOn, node: story.node, groups: groupsOfStory) { $0.storiesTold += 1 }
      var cursor = record.firstTelling
      while cursor >= 0 {
        let telling = state.tellings[cursor]
        count(day: telling.day, node: story.node, groups: groupsOfStory) { $0.tellings += 1 }
        for teller in story.tellers {
          var ofTeller: [Group] = [0]
          for (position, value) in teller.groups.enumerated() {
            if let group = valuesOfKey[position][value] { ofTeller.append(group) }
          }
          count(day: telling.day, node: story.node, groups: ofTeller) {
            $0.tellers.insert(teller.name)
          }
        }
        cursor = telling.next
      }
      let path = state.nodes[Int(story.node)].path
      for selection in selectedOn[story.index] ?? [] where selection.node == path {
        count(day: selection.day, node: story.node, groups: groupsOfStory) {
          $0.selected.insert(story.index)
        }
      }
    }
    for story in leftOut {
      let record = state.stories[Int(story.index)]
      note(record.toldOn)
      var cursor = record.firstTelling
      while cursor >= 0 {
        note(state.tellings[cursor].day)
        cursor = state.tellings[cursor].next
      }
      let path = state.nodes[Int(story.node)].path
      for selection in selectedOn[story.index] ?? [] where selection.node == path {
        note(selection.day)
      }
    }
  }

  /// Widens the periods to hold `day`.
  private mutating func note(_ day: Day) {
    earliest = min(earliest ?? day, day)
    latest = max(latest ?? day, day)
  }

  /// Adds to the cells of `groups` at `node` in the period holding `day`.
  private mutating func count(
    day: Day, node: Int32, groups: [Group], _ change: (inout Cell) -> Void
  ) {
    note(day)
    let period = query.period.start(of: day)
    for group in groups {
      change(&cells[CellKey(period: period, node: node, group: group), default: Cell()])
    }
  }

  func emit(_ body: (VoiceSeriesRow) throws -> Void) throws {
    guard let earliest, let latest else { return }
    let nodes = self.nodes.sorted { state.nodes[Int($0)].path < state.nodes[Int($1)].path }
    for range in query.periods(earliest: earliest, latest: latest) {
      let (start, end) = (range.start, range.end)
      for node in nodes {
        for (group, names) in groups.enumerated() {
          var row = VoiceSeriesRow(
            periodStart: start, periodEnd: end, node: state.nodes[Int(node)].path,
            level: levelName, attribute: names.attribute, value: names.value)
          if let cell = cells[CellKey(period: start, node: node, group: group)] {
            row.storiesTold = cell.storiesTold
            row.tellings = cell.tellings
            row.tellers = cell.tellers.count
            row.storiesSelected = cell.selected.count
          }
          try body(row)
        }
      }
    }
  }
}

/// Which groups tellers belong to, by the participants' descriptions (see
/// ``VoiceSeriesRow``): the voices series and the report's section share it.
struct VoiceGroups {
  let state: LedgerState
  let directory: ParticipantDirectory
  /// The participants whose consent is recorded: only their attributes are used.
  let consented: [ParticipantAdded]
  /// Their attributes' keys, in UTF-8 byte order.
  let keys: [String]

  init(_ state: LedgerState) {
    self.state = state
    directory = state.participantDirectory
    let directory = self.directory
    let consented = directory.order.compactMap { directory.byName[$0] }.filter {
      $0.consent != nil
    }
    self.consented = consented
    keys = Set(consented.flatMap { $0.attributes.map(\.key) }).sorted(by: Self.byteOrder)
  }

  static func byteOrder(_ left: String, _ right: String) -> Bool {
    left.utf8.lexicographicallyPrecedes(right.utf8)
  }

  static func isPlaceholder(_ value: String) -> Bool {
    value == VoiceSeriesRow.unknown || value == VoiceSeriesRow.noConsent
      || value == VoiceSeriesRow.unset
  }

  /// The story's tellers, trimmed, each once, in the order told.
  func tellers(of story: Int32) -> [String] {
    var names: [String] = []
    for name in state.storyFields(story).tellers.map(LedgerState.trimmedName)
    where !name.isEmpty && !names.contains(name) {
      names.append(name)
    }
    return names
  }

  /// The teller's group for each key, in the order of ``keys``.
  func groups(ofTeller teller: String) -> [String] {
    guard let participant = directory[teller] else {
      return keys.map { _ in VoiceSeriesRow.unknown }
    }
    guard participant.consent != nil else { return keys.map { _ in VoiceSeriesRow.noConsent } }
    return keys.map { participant.value(of: $0) ?? VoiceSeriesRow.unset }
  }

  /// A story's tellers with their groups, and the story's groups.
  struct StoryVoices {
    /// Each teller, once, with their group for each key.
    var tellers: [(name: String, groups: [String])]
    /// The story's groups for each key: those of its tellers, or `(unknown)` without one.
    var groups: [Set<String>]
  }

  /// The tellers and groups of the story at `story`, each teller's groups found once.
  func story(_ story: Int32) -> StoryVoices {
    let tellers = tellers(of: story).map { ($0, groups(ofTeller: $0)) }
    guard !tellers.isEmpty else {
      return StoryVoices(tellers: [], groups: keys.map { _ in [VoiceSeriesRow.unknown] })
    }
    return StoryVoices(
      tellers: tellers,
      groups: keys.indices.map { position in Set(tellers.map { $0.1[position] }) })
  }

  /// The values of the key at `position`: the consented participants' values, and the
  /// placeholders met, in UTF-8 byte order.
  func values(of position: Int, with placeholders: Set<String>) -> [String] {
    Set(consented.compactMap { $0.value(of: keys[position]) }).union(placeholders)
      .sorted(by: Self.byteOrder)
  }
}
