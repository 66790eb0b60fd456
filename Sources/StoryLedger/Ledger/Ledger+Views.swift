import Foundation

/// An item of value as it stands at a date: its box and every fact its revisions gave it.
public struct ItemView: Hashable, Sendable, Codable {
  /// The story's key.
  public var story: String
  /// The item's key within the story.
  public var item: String
  /// The node the story is told at.
  public var node: NodePath
  /// The item's dimension.
  public var dimension: Dimension
  /// Its visibility at the date.
  public var visibility: Visibility
  /// What the item of value is.
  public var description: String?
  /// A decimal quantity.
  public var quantity: Quantity?
  /// The quantity's unit.
  public var unit: String?
  /// Its monetised proxy value.
  public var monetised: Money?
  /// Its weight, 1 to 5.
  public var weight: Int?
  /// Its evidence.
  public var evidence: String?
  /// Where its evidence can be checked (a URL), if given.
  public var evidenceLink: String?
  /// The SHA-256 digest (hexadecimal) of its evidence file, kept outside the ledger, if given.
  public var evidenceDigest: String?
  /// The date of its first revision.
  public var recordedOn: Day
  /// The date of its latest revision at the date.
  public var revisedOn: Day
  /// How many revisions it has at the date (its first included).
  public var revisions: Int
  /// The date it was last made visible (from invisible), if it was.
  public var madeVisibleOn: Day?
  /// Its ratings by several people and the group's agreed value, as of the same date; `nil`
  /// when it has no rating and no value agreed by `item agree`.
  public var calibration: ItemCalibration?
  /// How its monetised value was computed from a proxy; `nil` for a figure entered by hand.
  public var pricing: ItemPricing?
}

/// How an item's monetised value was reached: *quantity × the proxy's value × multiplier*,
/// with the proxy's value as it applied on the date of the revision that gave the figure.
public struct ItemPricing: Hashable, Sendable, Codable {
  /// The proxy's name.
  public var proxy: String
  /// The item's quantity.
  public var quantity: String
  /// The value of one unit.
  public var value: Money
  /// The unit.
  public var unit: String
  /// The multiplier (`1` when none was given).
  public var multiplier: String
  /// The first day of the proxy's value used.
  public var from: Day
  /// Where that value comes from.
  public var source: String
  /// The date of the revision that gave the figure.
  public var pricedOn: Day

  /// The figure's making, in a line: `13 × 400.00 per bed-day × 1.5 (bed-day from
  /// 2024-04-01; source: NHS reference costs 2024)`.
  public var description: String {
    "\(quantity) × \(value) per \(unit) × \(multiplier) (\(proxy) from \(from); source: \(source))"
  }
}

/// Which items ``Ledger/items(_:viewer:)`` lists.
public struct ItemQuery: Sendable, Hashable {
  /// Where the items come from.
  public enum Scope: Sendable, Hashable {
    /// The stories of a node's subtree (withdrawn stories left out).
    case node(NodePath)
    /// One story (a key or an unambiguous prefix).
    case story(StoryRef)
    /// What `text` names, as a person typed it: the node at that path when there is one,
    /// else a story key or prefix (text with a `/` is always a node path, so that the error
    /// names the nearest node or where a node moved).
    case named(String)
    /// Every active story (within ``Ledger/readScope``, when one is set).
    case everything
  }

  /// Where the items come from.
  public var scope: Scope
  /// Only items of this dimension.
  public var dimension: Dimension?
  /// Only items with this visibility at the end of the range.
  public var visibility: Visibility?
  /// Only items revised during this range; facts are as of its end.
  public var range: DateRange?
  /// At most this many items (`nil`: all).
  public var limit: Int?
  /// Only items of stories whose current answers match every filter.
  public var answers: [AnswerFilter] = []

  /// Creates a query.
  public init(
    scope: Scope, dimension: Dimension? = nil, visibility: Visibility? = nil,
    range: DateRange? = nil, limit: Int? = nil
  ) {
    self.scope = scope
    self.dimension = dimension
    self.visibility = visibility
    self.range = range
    self.limit = limit
  }
}

/// What ``Ledger/items(_:viewer:)`` found: the items, and how many matched in all.
public struct ItemList: Hashable, Sendable, Codable {
  /// The items, by node path, then story, then the order they were recorded.
  public var items: [ItemView]
  /// How many items matched (more than `items.count` when a limit cut the list).
  public var matched: Int
}

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

  /// The items of a subtree or a story, filtered, with their facts as of the end of the
  /// query's range.
  ///
  /// ```swift
  /// let list = try ledger.items(
  ///   ItemQuery(scope: .node(try NodePath(parsing: "nhs/london")), visibility: .invisible))
  /// for item in list.items { print(item.story, item.item, item.description ?? "") }
  /// ```
  ///
  /// Raters' names (``ItemView/calibration``) are withheld from a `viewer` outside a story's
  /// share scope (default: no viewer, every name shown).
  public func items(_ query: ItemQuery, viewer: Viewer? = nil) throws -> ItemList {
    let state = self.state
    let cutoff = query.range?.end ?? Day.latest
    var storyIndices: [Int32] = []
    var scope = query.scope
    if case .named(let text) = scope {
      if let path = try? NodePath(parsing: text), state.hasNodeAt(path) {
        scope = .node(path)
      } else if text.contains("/") {
        scope = .node(try NodePath(parsing: text, field: "NODE"))
      } else {
        scope = .story(StoryRef(text))
      }
    }
    switch scope {
    case .named: break
    case .story(let story):
      let key = try state.resolveStory(story.key)
      if let node = state.node(ofStory: key) { try requireReadable(node) }
      if let index = state.storyIndex(forKey: key) { storyIndices = [index] }
    case .node(let path):
      try requireReadable(path)
      storyIndices = try state.storiesInSubtree(of: path)
    case .everything:
      let tops = readScope.map { [$0] } ?? state.topLevelNodes
      storyIndices = tops.flatMap { (try? state.storiesInSubtree(of: $0)) ?? [] }
    }
    var selected: [Int32] = []
    var matched = 0
    for story in storyIndices {
      if !query.answers.isEmpty, !query.answers.allSatisfy({ state.matches(story, $0) }) {
        continue
      }
      for item in state.itemsOfStory(story) {
        let record = state.items[item]
        if let dimension = query.dimension, record.dimension != dimension { continue }
        let current = state.revision(of: item, asOf: cutoff)
        guard current >= 0 else { continue }
        if let visibility = query.visibility,
          state.revisions[current].isVisible != (visibility == .visible)
        {
          continue
        }
        if let range = query.range, !state.hasRevision(of: item, in: range) { continue }
        matched += 1
        if let limit = query.limit, selected.count >= limit { continue }
        selected.append(item)
      }
    }
    let facts = try recordedFacts(of: selected, through: cutoff, in: state)
    let ratingIndex = state.ratingIndex()
    let proxies = state.proxyTable
    let viewerNode: Int32? = viewer == nil ? nil : try state.readerIndex(viewer, default: -1)
    let views = selected.compactMap { item -> ItemView? in
      var view = state.itemView(item, asOf: cutoff, facts: facts[item] ?? [], proxies: proxies)
      view?.calibration = state.calibration(
        of: item, asOf: cutoff, index: ratingIndex,
        weights: state.weightMarks(of: item, facts: facts[item] ?? []),
        showNames: state.canRead(state.items[item].story, by: viewerNode))
      return view
    }
    return ItemList(items: views, matched: matched)
  }

  /// The facts of a revision, in words, for a history.
  static func describe(_ facts: ItemFacts) -> String {
    var parts: [String] = []
    if let visibility = facts.visibility { parts.append(visibility.rawValue) }
    if let description = facts.description { parts.append("\"\(description)\"") }
    if let quantity = facts.quantity {
      parts.append("quantity \(quantity)" + (facts.unit.map { " \($0)" } ?? ""))
    } else if let unit = facts.unit {
      parts.append("unit \(unit)")
    }
    if let monetised = facts.monetised {
      parts.append(
        "monetised \(monetised)"
          + (facts.proxy.map { " from proxy \($0) × \(facts.multiplier ?? "1")" } ?? ""))
    }
    if let weight = facts.weight { parts.append("weight \(weight)") }
    if let evidence = facts.evidence { parts.append("evidence: \(evidence)") }
    if let link = facts.evidenceLink { parts.append("evidence link: \(link)") }
    if let digest = facts.evidenceDigest { parts.append("evidence file SHA-256: \(digest)") }
    // A revision that changes nothing is a dated mention of the item in a telling.
    return parts.isEmpty ? "mentioned, unchanged" : parts.joined(separator: "; ")
  }
}

extension LedgerState {
  /// The active stories told in the subtree of `path`, by node path then the order told.
  func storiesInSubtree(of path: NodePath) throws(LedgerError) -> [Int32] {
    let target = try node(at: path)
    var inSubtree = [Bool](repeating: false, count: nodes.count)
    var pending = [target]
    while let next = pending.popLast() {
      inSubtree[Int(next)] = true
      pending.append(contentsOf: nodes[Int(next)].children)
    }
    var result: [Int32] = []
    stories.forEachElement { index, story in
      if inSubtree[Int(story.node)], !isWithdrawn(Int32(index)) { result.append(Int32(index)) }
    }
    result.sort { left, right in
      let leftPath = nodes[Int(stories[left].node)].path
      let rightPath = nodes[Int(stories[right].node)].path
      return leftPath == rightPath ? left < right : leftPath < rightPath
    }
    return result
  }

  /// Whether the revision at `index` made its item visible: visible where the item's
  /// previous revision (in date order) was invisible.
  func madeVisible(_ index: Int32) -> Bool {
    let revision = revisions[index]
    guard revision.isVisible else { return false }
    var previous: Int32 = -1
    var cursor = items[revision.item].first
    while cursor >= 0, cursor != index {
      previous = cursor
      cursor = revisions[cursor].next
    }
    return previous >= 0 && !revisions[previous].isVisible
  }

  /// Whether the item has a revision dated in `range`.
  func hasRevision(of item: Int32, in range: DateRange) -> Bool {
    var cursor = items[item].first
    while cursor >= 0 {
      let day = revisions[cursor].day
      if range.contains(day) { return true }
      if day > range.end { return false }
      cursor = revisions[cursor].next
    }
    return false
  }

  /// The view of an item as of the end of `day`, from the facts of its revisions (each
  /// with its event's sequence number), applied in date order; `nil` when it did not exist.
  func itemView(
    _ item: Int32, asOf day: Day, facts: [(sequence: UInt64, facts: ItemFacts)],
    proxies: ProxyTable? = nil
  ) -> ItemView? {
    let record = items[item]
    let bySequence = Dictionary(
      facts.map { ($0.sequence, $0.facts) }, uniquingKeysWith: { a, _ in a })
    var merged = ItemFacts()
    var count = 0
    var first: Day?
    var last: Day?
    var madeVisibleOn: Day?
    var pricedOn: Day?
    var previousVisible = false
    var cursor = record.first
    while cursor >= 0 {
      let revision = revisions[cursor]
      guard revision.day <= day else { break }
      if let given = bySequence[revision.sequence] {
        if let value = given.visibility { merged.visibility = value }
        if let value = given.description { merged.description = value }
        if let value = given.quantity { merged.quantity = value }
        if let value = given.unit { merged.unit = value }
        if let value = given.monetised {
          merged.monetised = value
          merged.proxy = given.proxy
          merged.multiplier = given.multiplier
          pricedOn = revision.day
        }
        if let value = given.weight { merged.weight = value }
        if let value = given.evidence { merged.evidence = value }
        if let value = given.evidenceLink { merged.evidenceLink = value }
        if let value = given.evidenceDigest { merged.evidenceDigest = value }
      }
      if count > 0, revision.isVisible, !previousVisible { madeVisibleOn = revision.day }
      previousVisible = revision.isVisible
      first = first ?? revision.day
      last = revision.day
      count += 1
      cursor = revision.next
    }
    guard let first, let last else { return nil }
    let story = stories[record.story]
    return ItemView(
      story: text.string(story.key), item: text.string(record.key),
      node: nodes[Int(story.node)].path, dimension: record.dimension,
      visibility: previousVisible ? .visible : .invisible, description: merged.description,
      quantity: merged.quantity.map(Quantity.init(validText:)), unit: merged.unit,
      monetised: merged.monetised,
      weight: merged.weight, evidence: merged.evidence, evidenceLink: merged.evidenceLink,
      evidenceDigest: merged.evidenceDigest, recordedOn: first, revisedOn: last,
      revisions: count, madeVisibleOn: madeVisibleOn,
      pricing: pricing(
        proxy: merged.proxy, multiplier: merged.multiplier,
        quantity: merged.quantity, on: pricedOn, in: proxies))
  }

  /// How a figure computed from `proxy` on `day` was reached; `nil` without a proxy.
  private func pricing(
    proxy: String?, multiplier: String?, quantity: String?, on day: Day?, in table: ProxyTable?
  ) -> ItemPricing? {
    guard let proxy, let quantity, let day, let value = table?.value(of: proxy, on: day) else {
      return nil
    }
    return ItemPricing(
      proxy: proxy, quantity: quantity, value: value.value, unit: value.unit,
      multiplier: multiplier ?? "1", from: value.from, source: value.source, pricedOn: day)
  }
}

extension Ledger {
  /// The facts recorded for each of `items` by its revisions up to `cutoff`, read from the
  /// log, in log order.
  func recordedFacts(of items: [Int32], through cutoff: Day = .latest, in state: LedgerState)
    throws -> [Int32: [(sequence: UInt64, facts: ItemFacts)]]
  {
    var itemOfSequence: [UInt64: Int32] = [:]
    for item in items {
      var cursor = state.items[item].first
      while cursor >= 0, state.revisions[cursor].day <= cutoff {
        itemOfSequence[state.revisions[cursor].sequence] = item
        cursor = state.revisions[cursor].next
      }
    }
    var facts: [Int32: [(sequence: UInt64, facts: ItemFacts)]] = [:]
    try store.read(sequences: itemOfSequence.keys.sorted()) { event in
      guard let item = itemOfSequence[event.sequence] else { return }
      switch event.payload {
      case .itemRecorded(let recorded):
        facts[item, default: []].append((event.sequence, recorded.facts))
      case .itemRevised(let revised):
        facts[item, default: []].append((event.sequence, revised.facts))
      default: break
      }
    }
    return facts
  }
}
