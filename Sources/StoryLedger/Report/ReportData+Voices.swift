/// The report's section on whose voice is heard: for each attribute of the participants
/// (`participant add`), which groups told the subtree's stories in the range and whose stories
/// were selected at each level from the node down (see ``VoiceSeriesRow`` for the groups).
public struct ReportVoices: Hashable, Sendable, Codable {
  /// One group: an attribute's value, or a placeholder such as `(no consent)`.
  public struct Group: Hashable, Sendable, Codable {
    /// The value.
    public var value: String
    /// Active stories of the subtree in the group, first told in the range.
    public var storiesTold: Int
    /// Distinct tellers in the group of those stories.
    public var tellers: Int
    /// Per level of ``ReportVoices/levels``: distinct stories in the group chosen by
    /// selections made at nodes of that level in the subtree, for periods ending in the range.
    public var selected: [Int]
  }

  /// One attribute and its groups, in UTF-8 byte order.
  public struct Attribute: Hashable, Sendable, Codable {
    /// The attribute's key.
    public var key: String
    /// Its groups.
    public var groups: [Group]
  }

  /// The levels from the node's down to the deepest.
  public var levels: [String]
  /// Every story once, as a group `(all)`.
  public var all: Group
  /// The attributes, in UTF-8 byte order.
  public var attributes: [Attribute]
}

extension Ledger {
  /// The voices section of a report of `path` over `range`, or `nil` when no participant
  /// with recorded consent has an attribute.
  func reportVoices(of path: NodePath, range: DateRange) -> ReportVoices? {
    let state = self.state
    let voices = VoiceGroups(state)
    guard !voices.keys.isEmpty else { return nil }
    let levels = Array(state.configuration.levels.dropFirst(path.depth - 1))
    struct Tally {
      var told = 0
      var tellers = Set<String>()
      var selected: [Set<Int32>]
    }
    let empty = Tally(selected: Array(repeating: [], count: levels.count))
    var all = empty
    var tallies: [[String: Tally]] = Array(repeating: [:], count: voices.keys.count)
    func add(_ groups: [Set<String>], _ change: (inout Tally) -> Void) {
      change(&all)
      for (position, values) in groups.enumerated() {
        for value in values { change(&tallies[position][value, default: empty]) }
      }
    }
    var found: [Int32: VoiceGroups.StoryVoices] = [:]
    func voicesOf(_ story: Int32) -> VoiceGroups.StoryVoices {
      if let known = found[story] { return known }
      let result = voices.story(story)
      found[story] = result
      return result
    }
    for index in 0..<state.stories.count {
      let story = Int32(index)
      let record = state.stories[index]
      guard !state.isWithdrawn(story), range.contains(record.toldOn),
        path.contains(state.nodes[Int(record.node)].path)
      else { continue }
      let told = voicesOf(story)
      add(told.groups) { $0.told += 1 }
      for (teller, groups) in told.tellers {
        all.tellers.insert(teller)
        for (position, value) in groups.enumerated() {
          tallies[position][value, default: empty].tellers.insert(teller)
        }
      }
    }
    for selection in state.dialogueModel().selections
    where path.contains(selection.node) && range.contains(selection.period.end) {
      guard let story = state.storyIndex(forKey: selection.choice.story),
        !state.isWithdrawn(story), path.contains(state.nodes[Int(state.stories[story].node)].path)
      else { continue }
      let level = selection.node.depth - path.depth
      add(voicesOf(story).groups) { $0.selected[level].insert(story) }
    }
    func group(_ value: String, _ tally: Tally) -> ReportVoices.Group {
      ReportVoices.Group(
        value: value, storiesTold: tally.told, tellers: tally.tellers.count,
        selected: tally.selected.map(\.count))
    }
    let attributes = voices.keys.enumerated().map { position, key in
      let met = Set(tallies[position].keys.filter(VoiceGroups.isPlaceholder))
      return ReportVoices.Attribute(
        key: key,
        groups: voices.values(of: position, with: met).map {
          group($0, tallies[position][$0] ?? empty)
        })
    }
    return ReportVoices(
      levels: levels, all: group(VoiceSeriesRow.all, all), attributes: attributes)
  }
}

extension ReportPage {
  /// The section on whose voice is heard: per attribute, a table of its groups with the
  /// stories they told and how many of them each level selected.
  mutating func voices() {
    guard let voices = report.voices else { return }
    let levelHeads = voices.levels.map { "<th scope=\"col\">selected at \(esc($0))</th>" }
      .joined()
    output += """
      <section id="voices" aria-labelledby="voices-heading">
      <h2 id="voices-heading">Whose voice is heard</h2>
      <p class="lead">From \(report.range.start) to \(report.range.end), <span data-key="voices.told">\(voices.all.storiesTold)</span> stor\(voices.all.storiesTold == 1 ? "y was" : "ies were") first told here, by \(voices.all.tellers) named teller\(voices.all.tellers == 1 ? "" : "s"); the tables show which groups told them and how many of each group's stories every level selected. A story told by people of two groups counts in both. Groups come from the participants' descriptions, used only with their consent.</p>

      """
    for attribute in voices.attributes {
      output += """
        <div class="table-wrap wide"><table>
        <caption>By \(esc(attribute.key))</caption>
        <thead><tr><th scope="col">\(esc(attribute.key))</th><th scope="col">stories told</th><th scope="col">tellers</th>\(levelHeads)</tr></thead>
        <tbody>

        """
      for group in [voices.all] + attribute.groups {
        output +=
          "<tr><th scope=\"row\">\(esc(group.value))</th>" + cell(group.storiesTold)
          + cell(group.tellers) + group.selected.map { cell($0) }.joined() + "</tr>\n"
      }
      output += "</tbody></table></div>\n"
    }
    output += "</section>\n"
  }
}
