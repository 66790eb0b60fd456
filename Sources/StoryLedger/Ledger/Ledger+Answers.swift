import Foundation

/// Questionnaire answers, and stories brought in by the batch.
///
/// ```swift
/// try ledger.answer(
///   story: "k3f9", on: try Day(parsing: "2026-03-02"),
///   answers: [
///     Answer(question: "How do you feel about it?", value: .choice("hopeful")),
///     Answer(question: "Trust", value: .number("72", scale: AnswerScale(minimum: "0", maximum: "100"))),
///     Answer(question: "Your ward", value: .text("Ward 7"), isPersonal: true),
///   ])
/// ```
extension Ledger {
  /// Records questionnaire answers about a story as of `on` (default: today): each
  /// supersedes the story's earlier answers to the same question (by date, then the order
  /// recorded). Personal answers are erased with the story's narratives.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` when the story does not exist or
  ///   was withdrawn, when there are no answers, or when an answer is not valid (an empty
  ///   question or choice, a number that is not a decimal or lies outside its scale).
  @discardableResult
  public func answer(
    story: StoryRef, on: Day? = nil, answers: [Answer], options: AppendOptions = AppendOptions()
  ) throws -> Recorded<StoryRef> {
    let day = on ?? today
    return try recordAboutStory(story, writing: .storyAnswered, options: options) { story, _ in
      [.storyAnswered(StoryAnswered(story: story, on: day, answers: answers))]
    }
  }

  /// Imports stories (with their narrative, answers and any items of value) as one durable,
  /// all-or-nothing append: the batch importers (NarraFirma, SenseMaker) build
  /// ``StoryRecordBatch/Story`` values and call this.
  ///
  /// For each story: its node and the node's missing ancestors are added (each named by its
  /// last segment); a new key records `story.told` on `toldOn`, a `story.telling` of its
  /// narrative (when not empty), a `story.answered` of its answers (when any) and an
  /// `item.recorded` on `toldOn` per item. A key already in the ledger at the same node adds
  /// only what is new: a narrative not yet told on that date, answers that differ from the
  /// story's current ones, items whose key the story does not have; so importing the
  /// same stories twice adds nothing. A key in the ledger at another node is an error, and
  /// so is a key given twice. A withdrawn story is left alone (counted in
  /// ``StoryRecordBatch/Summary/withdrawnLeftAlone``): an import never brings it back.
  ///
  /// - Parameters:
  ///   - stories: the stories, in the order of their source (errors name the position).
  ///   - isDryRun: check and count only, appending nothing.
  ///   - options: the actor and an idempotency key for the whole batch.
  /// - Throws: ``StoryRecordBatch/Problem`` naming the first story that cannot be imported;
  ///   ``LedgerError`` when the ledger cannot be written.
  @discardableResult
  public func importStories(
    _ stories: [StoryRecordBatch.Story], isDryRun: Bool = false,
    options: AppendOptions = AppendOptions()
  ) throws -> StoryRecordBatch.Summary {
    if isDryRun {
      return try StoryRecordBatch.plan(stories, against: state).summary
    }
    var summary = StoryRecordBatch.Summary()
    let result = try appendPlanned(options: options, writing: nil) { state in
      let plan = try StoryRecordBatch.plan(stories, against: state)
      summary = plan.summary
      return plan.events
    }
    if result.isRepeat { summary = StoryRecordBatch.Summary(isRepeat: true) }
    return summary
  }
}

/// The input of ``Ledger/importStories(_:isDryRun:options:)``: what a batch importer
/// (a NarraFirma or SenseMaker file parser) produces, one ``Story`` per story.
public enum StoryRecordBatch {
  /// One story to import.
  public struct Story: Hashable, Sendable {
    /// The story's key (1 to 64 letters, digits, `-`, `_`, `.`): stable for the same story,
    /// so that importing a file twice adds nothing.
    public var key: String
    /// The node it is told at; added, with its ancestors, when missing.
    public var node: NodePath
    /// Its title (may be empty: the key is shown instead).
    public var title: String
    /// Who told it (personal text).
    public var tellers: [String]
    /// Its tags.
    public var tags: [String]
    /// The highest level at which its narrative may be read, matched ignoring case
    /// (`nil`: the top level, as in <doc:ImportFormat>).
    public var share: String?
    /// The date it was told.
    public var toldOn: Day
    /// What was told (personal text); empty records no telling.
    public var narrative: String
    /// Its questionnaire answers, as of `toldOn`.
    public var answers: [Answer]
    /// Items of value to record in it, as of `toldOn` (an item whose key the story has
    /// already adds nothing).
    public var items: [Item]

    /// Creates a story to import.
    public init(
      key: String, node: NodePath, title: String = "", tellers: [String] = [],
      tags: [String] = [], share: String? = nil, toldOn: Day, narrative: String = "",
      answers: [Answer] = [], items: [Item] = []
    ) {
      self.key = key
      self.node = node
      self.title = title
      self.tellers = tellers
      self.tags = tags
      self.share = share
      self.toldOn = toldOn
      self.narrative = narrative
      self.answers = answers
      self.items = items
    }
  }

  /// An item of value to record in an imported story.
  public struct Item: Hashable, Sendable {
    /// The item's key within the story (1 to 64 letters, digits, `-`, `_`, `.`).
    public var key: String
    /// Its dimension.
    public var dimension: Dimension
    /// Its facts; `visibility` must be set.
    public var facts: ItemFacts

    /// Creates an item.
    public init(key: String, dimension: Dimension, facts: ItemFacts) {
      self.key = key
      self.dimension = dimension
      self.facts = facts
    }
  }

  /// What an import of stories added (or, for a dry run, would add).
  public struct Summary: Hashable, Sendable {
    /// Nodes added.
    public var nodesAdded = 0
    /// New stories.
    public var storiesAdded = 0
    /// Stories already in the ledger to which the import added nothing.
    public var storiesUnchanged = 0
    /// Withdrawn stories the import left alone.
    public var withdrawnLeftAlone = 0
    /// Tellings added.
    public var tellingsAdded = 0
    /// Answers added.
    public var answersAdded = 0
    /// Items of value added.
    public var itemsAdded = 0
    /// Whether the idempotency key had been used, so nothing was added.
    public var isRepeat = false
  }

  /// Why a story cannot be imported: its position in the batch (0-based), its key, the field
  /// and the reason.
  public struct Problem: Error, Hashable, Sendable, CustomStringConvertible {
    /// The story's position in the batch, from 0.
    public var index: Int
    /// The story's key.
    public var key: String
    /// The field at fault: `key`, `node`, `title`, `tellers`, `tags`, `share`, `narrative`,
    /// `answers`, `items` or `story`.
    public var field: String
    /// What is wrong, and what is valid.
    public var reason: String

    /// `story 3 ("S7"), field node: …`.
    public var description: String {
      "story \(index + 1) (\"\(key)\"), \(field): \(reason)"
    }
  }

  /// The events that import `stories` into a ledger whose state is `state`, and what they
  /// add.
  static func plan(_ stories: [Story], against state: LedgerState) throws -> (
    events: [EventPayload], summary: Summary
  ) {
    var summary = Summary()
    var events: [EventPayload] = []
    var nodesAdded = Set<NodePath>()
    var seen: [String: Int] = [:]
    let levels = state.configuration.levels
    for (index, story) in stories.enumerated() {
      func problem(_ field: String, _ reason: String) -> Problem {
        Problem(index: index, key: story.key, field: field, reason: reason)
      }
      do { try Key.validate(story.key, field: "story") } catch {
        throw problem("key", error.description)
      }
      if let earlier = seen[story.key] {
        throw problem("key", "is given twice (first as story \(earlier + 1))")
      }
      seen[story.key] = index
      var answers = story.answers
      for answer in answers {
        do { try answer.validate() } catch { throw problem("answers", error.description) }
      }
      var itemKeys = Set<String>()
      for item in story.items {
        do { try Key.validate(item.key, field: "item") } catch {
          throw problem("items", error.description)
        }
        guard itemKeys.insert(item.key).inserted else {
          throw problem("items", "item \(item.key) is given twice")
        }
        guard item.facts.visibility != nil else {
          throw problem("items", "item \(item.key) has no visibility; give visible or invisible")
        }
      }
      var items = story.items
      var share = levels.first ?? ""
      if let given = story.share {
        guard let depth = try? state.configuration.depth(parsingLevel: given) else {
          throw problem(
            "share",
            "\"\(given)\" is not a level of this ledger (\(levels.joined(separator: ", ")))")
        }
        share = levels[depth - 1]
      }
      let narrative = story.narrative.trimmingCharacters(in: .whitespacesAndNewlines)
      var storyEvents: [EventPayload] = []
      if let existing = state.storyIndex(forKey: story.key) {
        let node = state.nodes[Int(state.stories[existing].node)].path
        guard node == story.node else {
          throw problem(
            "node",
            "story \(story.key) is already in the ledger at \(node), not at \(story.node); an import never moves a story"
          )
        }
        if state.isWithdrawn(existing) {
          summary.withdrawnLeftAlone += 1
          continue
        }
        if !narrative.isEmpty, !state.hasTelling(existing, on: story.toldOn, narrative: narrative) {
          storyEvents.append(
            .tellingRecorded(
              TellingRecorded(story: story.key, on: story.toldOn, narrative: narrative)))
        }
        // An answer the story already has, as of the same date, adds nothing: importing the
        // same file again adds nothing, even after later answers superseded it.
        answers.removeAll { state.hasAnswer($0, on: story.toldOn, of: existing) }
        items.removeAll { state.itemIndex(story: existing, key: $0.key) != nil }
      } else {
        do { try state.configuration.validate(story.node) } catch {
          throw problem("node", error.description)
        }
        for depth in 1...story.node.depth {
          let path = story.node.prefix(depth: depth)
          if !state.hasNode(path), nodesAdded.insert(path).inserted {
            events.append(.nodeAdded(NodeAdded(path: path, name: path.name)))
            summary.nodesAdded += 1
          }
        }
        storyEvents.append(
          .storyTold(
            StoryTold(
              key: story.key, node: story.node, on: story.toldOn, title: story.title,
              tellers: story.tellers.map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty
              }, tags: story.tags.filter { !$0.isEmpty }, share: share)))
        if !narrative.isEmpty {
          storyEvents.append(
            .tellingRecorded(
              TellingRecorded(story: story.key, on: story.toldOn, narrative: narrative)))
        }
        summary.storiesAdded += 1
      }
      if !answers.isEmpty {
        storyEvents.append(
          .storyAnswered(StoryAnswered(story: story.key, on: story.toldOn, answers: answers)))
      }
      for item in items {
        storyEvents.append(
          .itemRecorded(
            ItemRecorded(
              story: story.key, item: item.key, on: story.toldOn, dimension: item.dimension,
              facts: item.facts)))
      }
      if storyEvents.isEmpty {
        summary.storiesUnchanged += 1
        continue
      }
      for event in storyEvents {
        switch event {
        case .tellingRecorded: summary.tellingsAdded += 1
        case .storyAnswered(let answered): summary.answersAdded += answered.answers.count
        case .itemRecorded: summary.itemsAdded += 1
        default: break
        }
      }
      events += storyEvents
    }
    do {
      try state.validate(events)
    } catch {
      // Name the story whose event was refused.
      let message = error.message
      if let number = batchPosition(in: message), number > 0, number <= events.count,
        let key = events[number - 1].storyKey, let index = seen[key]
      {
        throw Problem(index: index, key: key, field: "story", reason: message)
      }
      throw error
    }
    return (events, summary)
  }

  /// The event number in a batch validation's message (`event N of the batch: …`).
  private static func batchPosition(in message: String) -> Int? {
    guard message.hasPrefix("event "), let end = message.firstIndex(of: " ", after: 6) else {
      return nil
    }
    return Int(message[message.index(message.startIndex, offsetBy: 6)..<end])
  }
}

extension String {
  fileprivate func firstIndex(of character: Character, after offset: Int) -> Index? {
    guard count > offset else { return nil }
    return self[index(startIndex, offsetBy: offset)...].firstIndex(of: character)
  }
}

extension LedgerState {
  /// Whether the story at `index` has a telling on `day` with this narrative.
  func hasTelling(_ story: Int32, on day: Day, narrative: String) -> Bool {
    let hash = HashIndex.hash(narrative)
    var cursor = stories[story].firstTelling
    while cursor >= 0 {
      let telling = tellings[cursor]
      if telling.day == day, telling.narrativeHash == hash { return true }
      cursor = telling.next
    }
    return false
  }

  /// Whether the story at `story` has `answer` (question, value and personal flag) dated
  /// `day`, among all its answers, current or superseded.
  func hasAnswer(_ answer: Answer, on day: Day, of story: Int32) -> Bool {
    var cursor = firstAnswer(of: story)
    while cursor >= 0 {
      let recorded = self.answer(at: cursor)
      if recorded.on == day, recorded.answer == answer { return true }
      cursor = answers[cursor].next
    }
    return false
  }

}
