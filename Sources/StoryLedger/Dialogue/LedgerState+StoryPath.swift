import Foundation

/// A story's path through the hierarchy: where it went after it was told.
extension LedgerState {
  /// The entries of story `key`'s path, up and down the hierarchy, each dated by the session
  /// it was recorded in (else the day it was recorded; a fulfilment by its own date): every selection of it (which node, for which period, who or which panel,
  /// why, in which session), the feedback sent down about it, the accounts that froze it
  /// among their selected stories (proposed, then settled), and the pledges it fulfilled.
  ///
  /// A viewer at node V (`viewer`; `nil` for the keeper, who reads everything) reads the
  /// entries made at V, at its ancestors and in its subtree: the line of the hierarchy that
  /// runs through V. Entries made elsewhere are left out and counted in `leftOut`. Reasons
  /// and feedback are the dialogue's own words and are not withheld (see the share scopes in
  /// the cascading article); the story's own text is, by ``Ledger/storyHistory(_:viewer:)``.
  ///
  /// Each kind of entry comes from one case below: an event type that says something
  /// about a story (a rating, a verification) joins the path with its own case.
  func path(
    ofStory key: String, viewer: Int32?, sessions: [UInt64: String]
  ) -> (entries: [StoryHistory.Entry], leftOut: Int) {
    let viewerPath = viewer.map { nodes[Int($0)].path }
    func reads(_ node: NodePath) -> Bool {
      guard let viewerPath else { return true }
      return viewerPath.contains(node) || node.contains(viewerPath)
    }
    let zone = configuration.timeZone
    // A step recorded in a session is dated by the session.
    var sessionDays: [String: Day] = [:]
    for session in sessionTable().sessions { sessionDays[session.key] = session.on }
    var entries: [StoryHistory.Entry] = []
    var leftOut = 0
    // The accounts whose current proposal froze the story: key → (version, node).
    var freezing: [AccountKey: Int] = [:]
    var versions: [AccountKey: Int] = [:]
    var pledges: [String: PledgeMade] = [:]
    for record in dialogue {
      let stamp = Date(ledgerMilliseconds: record.milliseconds)
      let day = Day.day(of: stamp, in: zone)
      let names = record.payload.participants ?? []
      let by = names.isEmpty ? "(erased)" : names.joined(separator: ", ")
      func entry(
        _ kind: StoryHistory.Entry.Kind, on: Day? = nil, node: NodePath, text: String,
        period: DateRange? = nil
      ) {
        guard reads(node) else {
          leftOut += 1
          return
        }
        var entry = StoryHistory.Entry(
          on: on ?? sessions[record.sequence].flatMap { sessionDays[$0] } ?? day, kind: kind,
          sequence: record.sequence, recordedAt: stamp,
          actor: record.actor, item: nil, dimension: nil, visibility: nil, text: text)
        entry.node = node
        entry.period = period
        entry.by = by
        entry.session = sessions[record.sequence]
        entries.append(entry)
      }
      switch record.payload {
      case .storiesSelected(let selected):
        for choice in selected.chosen where choice.story == key {
          entry(
            .selected, node: selected.node, text: choice.reason,
            period: selected.period)
          if names.count > 1, let last = entries.indices.last,
            entries[last].sequence == record.sequence
          {
            entries[last].panel = names
          }
        }
      case .feedbackSent(let feedback) where feedback.story == key:
        entry(.feedback, node: feedback.from, text: feedback.text)
        if let last = entries.indices.last, entries[last].sequence == record.sequence {
          entries[last].to = feedback.to
        }
      case .accountProposed(let proposed):
        let account = AccountKey(node: proposed.node, period: proposed.period)
        versions[account, default: 0] += 1
        let version = versions[account] ?? 1
        if proposed.selected.contains(key) {
          freezing[account] = version
          entry(
            .accountProposed, node: proposed.node, text: "version \(version)",
            period: proposed.period)
        } else {
          freezing[account] = nil
        }
      case .accountSettled(let step):
        let account = AccountKey(node: step.node, period: step.period)
        guard let version = freezing[account] else { continue }
        entry(
          .accountSettled, node: step.node,
          text: "version \(version)" + (step.text.isEmpty ? "" : ": \(step.text)"),
          period: step.period)
      case .pledgeMade(let made):
        pledges[made.key] = made
      case .pledgeFulfilled(let step) where step.text == key:
        guard let made = pledges[step.pledge] else { continue }
        entry(
          .pledgeFulfilled, on: step.on, node: made.node, text: "pledge \(made.key): \(made.text)")
      default:
        continue
      }
    }
    return (entries, leftOut)
  }
}
