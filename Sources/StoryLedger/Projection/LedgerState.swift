/// The read models of a ledger, folded from its events: the hierarchy, the stories with
/// their tellings, and the items with their dated revisions.
///
/// The state is a value: ``apply(_:)`` folds one event into it. Every query the library
/// answers (summaries, time series, validation) reads it. Items keep their revisions in
/// date order, each with the effective visibility and monetised value it leaves, so the
/// value of any subtree can be read as of any date.
///
/// The records are plain values in columns, with keys and short texts in one byte arena and
/// hash tables of record numbers, so that a snapshot stores the state as it is in memory
/// and opening a large ledger maps it instead of rebuilding it. Long personal texts
/// (narratives) stay in the log; the state keeps their events' sequence numbers.
///
/// ```swift
/// var state = LedgerState()
/// try ledger.forEachEvent { try state.apply($0) }
/// print(state.storyCount, state.itemCount)
/// ```
public struct LedgerState: Sendable {
  /// The ledger's configuration (from its first event).
  public internal(set) var configuration = LedgerConfiguration.placeholder
  /// Whether the `ledger.created` event has been applied.
  public internal(set) var isConfigured = false
  /// The sequence number of the last event applied.
  public internal(set) var lastSequence: UInt64 = 0

  var nodes: [NodeRecord] = []
  var nodeIndex: [NodePath: Int32] = [:]
  var text = Column<UInt8>()
  var stories = Column<StoryRecord>()
  var storyTable = HashIndex()
  var items = Column<ItemRecord>()
  var itemTable = HashIndex()
  var revisions = Column<RevisionRecord>()
  var tellings = Column<TellingRecord>()
  /// The stories' questionnaire answers (see `LedgerState+Answers.swift`).
  var answers = Column<AnswerRecord>()
  /// Per story, its first answer (-1: none); only as long as the last story answered.
  var answerHeads = Column<Int32>()
  var idempotencyKeys: [String: UInt64] = [:]
  /// Per node, the stories told there and the current figures of their items.
  var nodeTotals = Column<NodeTotals>()
  /// The story the last event was about: events come in runs about one story.
  var recentStory: (key: String, index: Int32)?
  /// Old paths of moved nodes, each to the path it moved to (follow the chain for moves
  /// since).
  var movedPaths: [NodePath: NodePath] = [:]
  /// Withdrawn stories: they count in no figure and take no more events.
  var withdrawals: [Int32: Withdrawal] = [:]
  /// The sequence numbers of each story's rare events (updates, withdrawal), for its history.
  var storyEvents: [Int32: [UInt64]] = [:]
  /// The dialogue's events (accounts, selections, feedback, pledges), in order: few enough
  /// to keep whole, and read by ``dialogueModel()``.
  var dialogue: [DialogueRecord] = []

  /// A dialogue event as recorded.
  struct DialogueRecord: Sendable {
    var sequence: UInt64
    var milliseconds: Int64
    var actor: String
    var payload: EventPayload
  }

  /// Creates an empty state.
  public init() {}

  /// The number of nodes in the hierarchy.
  public var nodeCount: Int { nodes.count }
  /// The number of stories.
  public var storyCount: Int { stories.count }
  /// The number of value items.
  public var itemCount: Int { items.count }
  /// The number of item revisions (including each item's first).
  public var revisionCount: Int { revisions.count }
  /// The number of tellings.
  public var tellingCount: Int { tellings.count }

  // MARK: Records

  struct NodeRecord: Sendable {
    var path: NodePath
    var name: String
    var parent: Int32
    var children: [Int32] = []
    var isRetired = false
    var depth: Int { path.depth }
  }

  /// How a story was withdrawn.
  struct Withdrawal: Sendable, Hashable {
    var sequence: UInt64
    var isErased: Bool
  }

  struct StoryRecord: Sendable, BitwiseCopyable {
    var key: TextReference
    var title: TextReference
    /// Teller names joined by U+001F.
    var tellers: TextReference
    /// Tags joined by U+001F.
    var tags: TextReference
    var node: Int32
    var toldOn: Day
    /// The number of events about the story: its version for expected-version appends.
    var version: Int32 = 1
    var firstItem: Int32 = -1
    var lastItem: Int32 = -1
    /// The first telling in date order; `TellingRecord.next` links the rest.
    var firstTelling: Int32 = -1
    var tellingCount: Int32 = 0
    /// The share scope, as an index into the configuration's levels.
    var share: UInt8
    // Explicit padding, always zero: a snapshot stores records as they are in memory, and
    // implicit padding would carry whatever bytes happened to be in memory.
    var padding0: UInt8 = 0
    var padding1: UInt16 = 0
    /// The sequence number of the `story.told` event.
    var toldSequence: UInt64 = 0
  }

  struct ItemRecord: Sendable, BitwiseCopyable {
    var key: TextReference
    var story: Int32
    /// The first and last revision in (date, sequence) order; `next` links the rest.
    var first: Int32
    var last: Int32
    /// The story's next item, in the order they were recorded.
    var nextInStory: Int32 = -1
    var dimensionIndex: UInt8
    var padding0: UInt8 = 0
    var padding1: UInt16 = 0

    var dimension: Dimension { Dimension.allCases[Int(dimensionIndex)] }
  }

  /// The numbers of one revision, packed for fast scans: the revision's own date and, as
  /// effective values, the visibility and monetised value the item has from then on.
  struct RevisionRecord: Sendable, BitwiseCopyable {
    var day: Day
    var item: Int32
    var next: Int32
    var padding0: UInt32 = 0
    var sequence: UInt64
    var monetisedDelta: Int64
    var effectiveMonetised: Int64
    var visibilityDelta: UInt8  // 0 unchanged, 1 visible, 2 invisible
    var hasMonetisedDelta: Bool
    var isVisible: Bool
    /// Whether the revision's monetised value was computed from a proxy
    /// (``ItemFacts/proxy``): a proxy's new value revises such items.
    var isPriced: Bool = false
    var padding2: UInt32 = 0
  }

  struct TellingRecord: Sendable, BitwiseCopyable {
    var story: Int32
    var day: Day
    var next: Int32
    var padding0: UInt32 = 0
    var sequence: UInt64
    /// A hash of the narrative, to recognise the same telling again without the log.
    var narrativeHash: UInt64
  }

  /// The current figures of the stories told at one node (not its subtree): six boxes of
  /// item counts and monetised cents, lane `dimension * 2 + (visible ? 0 : 1)`.
  struct NodeTotals: Sendable, BitwiseCopyable {
    var stories: Int64 = 0
    var padding0: Int64 = 0
    var items = SIMD8<Int64>()
    var cents = SIMD8<Int64>()

    static func lane(_ dimension: UInt8, isVisible: Bool) -> Int {
      Int(dimension) * 2 + (isVisible ? 0 : 1)
    }
  }

  static let separator: Character = "\u{1F}"

  // MARK: Folding

  /// Folds one event into the state.
  ///
  /// Events in a log were validated before they were written; an event that contradicts
  /// the state (a story at an unknown node, say) means the log is not what this ledger
  /// wrote, and is reported as corruption.
  public mutating func apply(_ event: RecordedEvent) throws(LedgerError) {
    if event.payload.isDialogue {
      appendDialogue(
        DialogueRecord(
          sequence: event.sequence, milliseconds: event.recordedAtMilliseconds, actor: event.actor,
          payload: event.payload))
    } else {
      try apply(event.payload, sequence: event.sequence)
    }
    noteAppended(event.sequence...event.sequence, idempotencyKey: event.idempotencyKey)
  }

  /// The bookkeeping of every fold path, in one place: an idempotency key names the first
  /// event of the batch that carried it, and ``lastSequence`` the last event folded.
  mutating func noteAppended(_ sequences: ClosedRange<UInt64>, idempotencyKey: String?) {
    if let key = idempotencyKey, idempotencyKeys[key] == nil {
      idempotencyKeys[key] = sequences.lowerBound
    }
    lastSequence = sequences.upperBound
  }

  /// The reference fold of one payload: the fast fold (`foldEncoded`) must leave the same
  /// state, through the same mutations (`insertStory`, `recordTelling`, `insertItem`,
  /// `reviseItem`).
  mutating func apply(_ payload: EventPayload, sequence: UInt64) throws(LedgerError) {
    func corrupt(_ message: String) -> LedgerError {
      LedgerError(.corrupt, "event \(sequence) cannot be applied: \(message)")
    }
    switch payload {
    case .ledgerCreated(let configuration):
      guard !isConfigured else { throw corrupt("the ledger was already created") }
      self.configuration = configuration
      isConfigured = true
    case .nodeAdded(let event):
      guard nodeIndex[event.path] == nil else { throw corrupt("node \(event.path) already exists") }
      var parent: Int32 = -1
      if let parentPath = event.path.parent {
        guard let index = nodeIndex[parentPath] else {
          throw corrupt("no parent for node \(event.path)")
        }
        parent = index
      }
      addNode(event.path, name: event.name, parent: parent)
    case .nodeRenamed(let event):
      guard let index = nodeIndex[event.path] else { throw corrupt("unknown node \(event.path)") }
      nodes[Int(index)].name = event.name
    case .nodeMoved(let event):
      guard let index = nodeIndex[event.path] else { throw corrupt("unknown node \(event.path)") }
      var parent: Int32 = -1
      if let parentPath = event.parent {
        guard let found = nodeIndex[parentPath] else { throw corrupt("unknown node \(parentPath)") }
        parent = found
      }
      moveNode(index, under: parent, to: event.newPath)
      relocateDialogue(from: event.path, to: event.newPath)
    case .nodeRetired(let event):
      guard let index = nodeIndex[event.path] else { throw corrupt("unknown node \(event.path)") }
      nodes[Int(index)].isRetired = true
    case .storyUpdated(let event):
      guard let story = story(forKey: event.story) else {
        throw corrupt("unknown story \(event.story)")
      }
      update(story, event, sequence: sequence)
    case .storyWithdrawn(let event):
      guard let story = story(forKey: event.story) else {
        throw corrupt("unknown story \(event.story)")
      }
      if let earlier = withdrawals[story] {
        // Only a withdrawn story's erasure may follow its withdrawal.
        guard event.erase, !earlier.isErased else {
          throw corrupt("story \(event.story) is withdrawn already")
        }
        eraseWithdrawn(story, sequence: sequence)
      } else {
        withdraw(story, sequence: sequence, erase: event.erase)
      }
    case .storyTold(let event):
      guard storyIndex(forKey: event.key) == nil else {
        throw corrupt("story \(event.key) already exists")
      }
      guard let node = nodeIndex[event.node] else { throw corrupt("unknown node \(event.node)") }
      let share = configuration.depth(ofLevel: event.share).map { UInt8($0 - 1) } ?? 0
      insertStory(
        StoryRecord(
          key: text.appendText(event.key), title: text.appendText(event.title),
          tellers: text.appendText(event.tellers.joined(separator: String(Self.separator))),
          tags: text.appendText(event.tags.joined(separator: String(Self.separator))),
          node: node, toldOn: event.on, share: share, toldSequence: sequence),
        keyHash: HashIndex.hash(event.key))
    case .storyAnswered(let event):
      guard let story = story(forKey: event.story) else {
        throw corrupt("unknown story \(event.story)")
      }
      recordAnswers(story: story, event, sequence: sequence)
    case .tellingRecorded(let event):
      guard let story = story(forKey: event.story) else {
        throw corrupt("unknown story \(event.story)")
      }
      recordTelling(
        story: story, day: event.on, sequence: sequence,
        narrativeHash: HashIndex.hash(event.narrative))
    case .itemRecorded(let event):
      guard let story = story(forKey: event.story) else {
        throw corrupt("unknown story \(event.story)")
      }
      let itemKeyHash = HashIndex.hash(event.item, seed: UInt64(story))
      guard itemIndex(story: story, key: event.item, hash: itemKeyHash) == nil else {
        throw corrupt("item \(event.story)/\(event.item) already exists")
      }
      insertItem(
        story: story, key: text.appendText(event.item), keyHash: itemKeyHash,
        dimensionIndex: UInt8(event.dimension.index), day: event.on, sequence: sequence,
        facts: event.facts)
    case .itemRevised(let event):
      guard let story = story(forKey: event.story),
        let item = itemIndex(story: story, key: event.item)
      else { throw corrupt("unknown item \(event.story)/\(event.item)") }
      reviseItem(item, story: story, day: event.on, sequence: sequence, facts: event.facts)
    case .accountProposed, .accountObjected, .accountResponded, .accountSettled,
      .accountReopened, .storiesSelected, .feedbackSent, .pledgeMade, .pledgeJoined,
      .pledgeFulfilled, .pledgeWithdrawn, .participantErased, .sessionStarted, .sessionLinked,
      .itemRated, .itemAgreed, .storyVerified, .storyGrouped, .domainAdded, .campaignAdded,
      .participantAdded, .proxySet:
      appendDialogue(
        DialogueRecord(sequence: sequence, milliseconds: 0, actor: "", payload: payload))
    }
  }
}

extension Day: BitwiseCopyable {}

extension LedgerConfiguration {
  /// A configuration for a state that has not yet seen its `ledger.created` event.
  static let placeholder = LedgerConfiguration(
    validLevels: LedgerConfiguration.defaultLevels, currency: nil, timeZoneIdentifier: "UTC")
}
