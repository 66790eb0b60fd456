import Foundation

/// A story with its whole history through time.
public struct StoryHistory: Hashable, Sendable, Codable {
  /// One dated entry of the history.
  public struct Entry: Hashable, Sendable, Codable {
    /// What happened.
    public enum Kind: String, Hashable, Sendable, Codable {
      /// The story was first told.
      case told
      /// The story was told (or retold).
      case telling
      /// An item was recorded.
      case itemRecorded = "item-recorded"
      /// An item was revised.
      case itemRevised = "item-revised"
      /// An item was made visible (a revision from invisible to visible).
      case madeVisible = "made-visible"
      /// The title, tags or share scope changed.
      case updated
      /// The story was withdrawn.
      case withdrawn
      /// Questionnaire answers were recorded.
      case answered
      /// A level selected it as most significant (``Entry/node``, ``Entry/period``, who,
      /// and the reason in ``Entry/text``).
      case selected
      /// Feedback about it was sent down from ``Entry/node`` to ``Entry/to``.
      case feedback
      /// An account proposed at ``Entry/node`` froze it among its selected stories.
      case accountProposed = "account-proposed"
      /// An account that froze it was settled.
      case accountSettled = "account-settled"
      /// It fulfilled a pledge made at ``Entry/node``.
      case pledgeFulfilled = "pledge-fulfilled"
      /// Someone rated an item.
      case rated
      /// A group agreed an item's value.
      case agreed
      /// Someone verified the story.
      case verified
    }
    /// The date the entry is about (for updates and withdrawals, the day they were recorded).
    public var on: Day
    /// What happened.
    public var kind: Kind
    /// The event's sequence number.
    public var sequence: UInt64
    /// When it was recorded (encoded as ISO 8601 text in UTC).
    @Timestamp public var recordedAt: Date
    /// Who recorded it.
    public var actor: String
    /// The item it concerns, for item entries.
    public var item: String?
    /// The item's dimension, for item entries.
    public var dimension: Dimension?
    /// The facts the entry set, for item entries.
    public var visibility: Visibility?
    /// The narrative of a telling, or what changed, in words; for the story's path, the
    /// reason it was selected, the feedback, the account's version, the pledge.
    public var text: String
    /// For the story's path: the node that selected it, sent the feedback, proposed or
    /// settled the account, or made the pledge.
    public var node: NodePath? = nil
    /// For feedback: the node it was sent to.
    public var to: NodePath? = nil
    /// For a selection or an account: the period.
    public var period: DateRange? = nil
    /// For the story's path: who selected it (a panel's names joined by `, `), sent the
    /// feedback, proposed or settled the account, or fulfilled the pledge.
    public var by: String? = nil
    /// For a selection by a panel of several people: their names.
    public var panel: [String]? = nil
    /// The session the event was recorded in, if any.
    public var session: String? = nil
  }

  /// The story's key.
  public var key: String
  /// Its title.
  public var title: String
  /// The node it is told at.
  public var node: NodePath
  /// The node's level.
  public var level: String
  /// Who told it (empty once erased).
  public var tellers: [String]
  /// Its tags.
  public var tags: [String]
  /// Its share scope.
  public var share: String
  /// The date it was first told.
  public var toldOn: Day
  /// Its version: the number of events about it (for `--expect-version`).
  public var version: Int
  /// `active`, `withdrawn`, or `erased` (withdrawn with its personal text erased).
  public var status: String
  /// Whether the story's share scope reaches the level it is shown at; when not, its title,
  /// tellers and narratives are withheld.
  public var isShared: Bool
  /// Its items as they stand now.
  public var items: [ItemView]
  /// Its history, by date then sequence.
  public var entries: [Entry]
  /// Its current answers: the latest to each question, in the order the questions were
  /// first answered (personal answers withheld when the story is not shared, gone once
  /// erased).
  public var answers: [AnswerView] = []
  /// How many entries of its path (selections, feedback, accounts, pledges) were left out
  /// because they were made at nodes the viewer does not read: neither the viewer's node,
  /// nor above it, nor under it.
  public var leftOut: Int = 0
  /// Who verified the story and how, in date order (names withheld outside the share scope).
  public var verifications: [VerificationView] = []
  /// The domain of change it is told under, if any.
  public var domain: String? = nil
  /// The campaigns it is in, in the order given.
  public var campaigns: [String] = []
}

/// A story's answer to one question, as ``StoryHistory`` and `story show --json` give it.
public struct AnswerView: Hashable, Sendable, Codable {
  /// The question.
  public var question: String
  /// `text`, `choice`, `choices`, `number` or `boolean`.
  public var kind: String
  /// The value in words: the text, the choice, the choices joined by `; `, the number, `yes`
  /// or `no`.
  public var value: String
  /// The choices, for `choices`.
  public var choices: [String]?
  /// The scale of a number, `MIN..MAX`.
  public var scale: String?
  /// Whether the answer is personal (erased with the story's narratives).
  public var personal: Bool
  /// The date the answer is about.
  public var on: Day

  /// The view of `answer`, given on `on`.
  public init(_ answer: Answer, on: Day) {
    question = answer.question
    kind = answer.value.kind
    value = answer.value.terms.joined(separator: "; ")
    switch answer.value {
    case .choices(let list): choices = list
    case .number(_, let range): scale = range?.description
    case .text, .choice, .boolean: break
    }
    personal = answer.isPersonal
    self.on = on
  }
}

extension Ledger {
  /// A story with its whole history: tellings, item revisions and visibility movements,
  /// updates and withdrawal, in date order.
  ///
  /// ```swift
  /// let history = try ledger.storyHistory("k3f9")
  /// for entry in history.entries { print(entry.on, entry.kind.rawValue, entry.text) }
  /// ```
  ///
  /// - Parameters:
  ///   - story: the story's key, or an unambiguous prefix of it.
  ///   - viewer: who reads it (default: its own node, which reads all of it; with a
  ///     ``readScope``, the scope's node). When the viewer is not
  ///     within the story's share scope (the subtree of its node's ancestor at the share
  ///     level), its title, tellers and narratives are withheld (``StoryHistory/isShared``
  ///     is `false`); its figures still show.
  public func storyHistory(_ story: StoryRef, viewer: Viewer? = nil) throws -> StoryHistory {
    let state = self.state
    let key = try state.resolveStory(story.key)
    guard let index = state.storyIndex(forKey: key) else {
      throw LedgerError(.invalid, "no story \(key)")
    }
    var fields = state.storyFields(index)
    let viewerNode = try state.readerIndex(
      viewer, default: readScope.flatMap { state.nodeIndex[$0] } ?? state.stories[index].node)
    let isShared = state.canRead(index, by: viewerNode)
    let withheld = "(shared only up to \(fields.share) level)"
    if !isShared {
      fields.title = withheld
      fields.tellers = []
    }
    let record = state.stories[index]
    // The events to read, and what each is.
    var revisionOfSequence: [UInt64: Int32] = [:]
    var sequences = state.personalSequences(ofStory: key)
    let itemIndices = state.itemsOfStory(index)
    for item in itemIndices {
      var cursor = state.items[item].first
      while cursor >= 0 {
        revisionOfSequence[state.revisions[cursor].sequence] = cursor
        sequences.append(state.revisions[cursor].sequence)
        cursor = state.revisions[cursor].next
      }
    }
    sequences += state.storyEvents[index] ?? []
    var seen = Set(sequences)
    for sequence in state.answerSequences(of: index) where seen.insert(sequence).inserted {
      sequences.append(sequence)
    }
    for record in state.dialogue where record.payload.storyKey == key {
      if seen.insert(record.sequence).inserted { sequences.append(record.sequence) }
    }
    var entries: [StoryHistory.Entry] = []
    let zone = state.configuration.timeZone
    var factsOfItem: [Int32: [(sequence: UInt64, facts: ItemFacts)]] = [:]
    try store.read(sequences: sequences) { event in
      func entry(_ on: Day, _ kind: StoryHistory.Entry.Kind, _ text: String) -> StoryHistory.Entry {
        StoryHistory.Entry(
          on: on, kind: kind, sequence: event.sequence,
          recordedAt: event.recordedAt, actor: event.actor,
          item: nil, dimension: nil, visibility: nil, text: text)
      }
      let recordedDay = Day.day(of: event.recordedAt, in: zone)
      switch event.payload {
      case .storyTold(let told):
        entries.append(
          entry(
            told.on, .told,
            isShared ? "told at \(told.node) as \"\(told.title)\"" : "told at \(told.node)"))
      case .tellingRecorded(let telling):
        entries.append(
          entry(
            telling.on, .telling,
            !isShared
              ? withheld : event.isPersonalTextErased ? "(narrative erased)" : telling.narrative))
      case .storyUpdated(let update):
        var changes: [String] = []
        if let title = update.title {
          changes.append(isShared ? "title \"\(title)\"" : "title changed")
        }
        if let tags = update.tags { changes.append("tags \(tags.joined(separator: ", "))") }
        if let share = update.share { changes.append("shared up to \(share)") }
        entries.append(entry(recordedDay, .updated, changes.joined(separator: "; ")))
      case .storyWithdrawn(let withdrawal):
        entries.append(
          entry(
            recordedDay, .withdrawn,
            (withdrawal.reason.isEmpty ? "withdrawn" : "withdrawn: \(withdrawal.reason)")
              + (withdrawal.erase ? " (narratives and tellers erased)" : "")))
      case .storyAnswered(let answered):
        var parts: [String] = []
        for answer in answered.answers where !answer.isPersonal || isShared {
          parts.append("\(answer.question): \(answer.value.description)")
        }
        if event.isPersonalTextErased {
          parts.append("(personal answers erased)")
        } else if !isShared, answered.answers.contains(where: \.isPersonal) {
          parts.append("(personal answers withheld: shared only up to \(fields.share) level)")
        }
        entries.append(entry(answered.on, .answered, parts.joined(separator: "; ")))
      case .itemRecorded(let recorded):
        var item = entry(recorded.on, .itemRecorded, Ledger.describe(recorded.facts))
        item.item = recorded.item
        item.dimension = recorded.dimension
        item.visibility = recorded.facts.visibility
        entries.append(item)
        if let revision = revisionOfSequence[event.sequence] {
          factsOfItem[state.revisions[revision].item, default: []].append(
            (event.sequence, recorded.facts))
        }
      case .itemRevised(let revised):
        guard let revision = revisionOfSequence[event.sequence] else { return }
        let itemIndex = state.revisions[revision].item
        let madeVisible = state.madeVisible(revision)
        var item = entry(
          revised.on, madeVisible ? .madeVisible : .itemRevised, Ledger.describe(revised.facts))
        item.item = revised.item
        item.dimension = state.items[itemIndex].dimension
        item.visibility = revised.facts.visibility
        entries.append(item)
        factsOfItem[itemIndex, default: []].append((event.sequence, revised.facts))
      case .itemRated(let rated):
        let who =
          !isShared
          ? "someone" : event.isPersonalTextErased || rated.by.isEmpty ? "(name erased)" : rated.by
        var item = entry(rated.on, .rated, "rated \(rated.weight) by \(who)")
        item.item = rated.item
        item.dimension = state.itemIndex(story: index, key: rated.item).map {
          state.items[$0].dimension
        }
        entries.append(item)
      case .storyVerified(let verified):
        let who =
          !isShared
          ? "someone"
          : event.isPersonalTextErased || verified.by.isEmpty ? "(name erased)" : verified.by
        entries.append(entry(verified.on, .verified, "verified by \(who): \(verified.how)"))
      case .itemAgreed(let agreed):
        var item = entry(
          agreed.on, .agreed,
          "agreed value \(agreed.weight)" + (agreed.note.isEmpty ? "" : ": \(agreed.note)"))
        item.item = agreed.item
        item.dimension = state.itemIndex(story: index, key: agreed.item).map {
          state.items[$0].dimension
        }
        entries.append(item)
      default:
        break
      }
    }
    let sessions = state.sessionOfEvents()
    for index in entries.indices { entries[index].session = sessions[entries[index].sequence] }
    let path = state.path(
      ofStory: key, viewer: viewerNode, sessions: sessions)
    entries += path.entries
    entries.sort { ($0.on, $0.sequence) < ($1.on, $1.sequence) }
    let ratingIndex = state.ratingIndex()
    let proxies = state.proxyTable
    let items = itemIndices.compactMap { item -> ItemView? in
      let facts = factsOfItem[item] ?? []
      var view = state.itemView(item, asOf: .latest, facts: facts, proxies: proxies)
      view?.calibration = state.calibration(
        of: item, asOf: .latest, index: ratingIndex,
        weights: state.weightMarks(of: item, facts: facts), showNames: isShared)
      return view
    }
    let withdrawal = state.withdrawals[index]
    let answers = state.currentAnswers(of: index).compactMap { answerIndex -> AnswerView? in
      let (answer, on, _) = state.answer(at: answerIndex)
      return answer.isPersonal && !isShared ? nil : AnswerView(answer, on: on)
    }
    var history = StoryHistory(
      key: key, title: fields.title, node: fields.node,
      level: state.configuration.level(ofDepth: fields.node.depth) ?? "", tellers: fields.tellers,
      tags: fields.tags, share: fields.share, toldOn: record.toldOn, version: Int(record.version),
      status: withdrawal == nil ? "active" : withdrawal?.isErased == true ? "erased" : "withdrawn",
      isShared: isShared, items: items, entries: entries)
    history.answers = answers
    history.leftOut = path.leftOut
    history.verifications = state.verifications(ofStory: key, showNames: isShared)
    let grouped = state.groupings.ofStory[key]
    history.domain = grouped?.domain
    history.campaigns = grouped?.campaigns ?? []
    return history
  }
}
