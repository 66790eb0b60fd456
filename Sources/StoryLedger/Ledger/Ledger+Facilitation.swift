import Foundation

/// What a facilitator records: nodes, stories, tellings, items, evidence.
///
/// Each method validates against the ledger brought up to date under the write lock and
/// appends its events as one durable batch; `options` carries the actor, an idempotency key
/// and an expected story version. Story and item keys may be given as unambiguous prefixes
/// (see ``resolveStory(_:)``).
///
/// ```swift
/// let ledger = try Ledger.create(in: InMemoryLog(), configuration: LedgerConfiguration())
/// try ledger.addNode(try NodePath(parsing: "england/north"), name: "The North", creatingParents: true)
/// let story = try ledger.tellStory(
///   NewStory(node: try NodePath(parsing: "england/north"), title: "Walking clinic",
///            narrative: "We started walking our clinics…", on: try Day(parsing: "2026-03-02")))
/// let item = try ledger.addItem(
///   to: story.key, dimension: .capacitating, on: try Day(parsing: "2026-03-02"),
///   facts: ItemFacts(visibility: .invisible, description: "a network of walkers"))
/// try ledger.attachEvidence(story: story.key, item: item.key, evidence: "attendance log",
///   on: try Day(parsing: "2026-04-01"))
/// ```
extension Ledger {
  /// A story to tell: where, what, who, and its first telling.
  public struct NewStory: Sendable {
    /// The node it is told at.
    public var node: NodePath
    /// The title.
    public var title: String
    /// The narrative of its first telling.
    public var narrative: String
    /// The date it was told (default: today in the ledger's time zone).
    public var on: Day?
    /// Who told it.
    public var tellers: [String]
    /// Tags.
    public var tags: [String]
    /// The highest level at which its narrative may be read (default: the node's own level).
    public var share: String?
    /// A key to use instead of a generated one.
    public var key: String?
    /// The domain of change it is told under (`nil`: none; see ``Ledger/addDomain(_:description:options:)``).
    public var domain: String?
    /// The campaigns it is told in.
    public var campaigns: [String]

    /// Creates a story to tell.
    public init(
      node: NodePath, title: String, narrative: String, on: Day? = nil, tellers: [String] = [],
      tags: [String] = [], share: String? = nil, key: String? = nil, domain: String? = nil,
      campaigns: [String] = []
    ) {
      self.node = node
      self.title = title
      self.narrative = narrative
      self.on = on
      self.tellers = tellers
      self.tags = tags
      self.share = share
      self.key = key
      self.domain = domain
      self.campaigns = campaigns
    }
  }

  /// Today in the ledger's time zone: the default date of what is recorded.
  public var today: Day { Day.today(in: configuration.timeZone) }

  // MARK: Nodes

  /// Adds a node with a display name (default: its last segment); with `creatingParents`
  /// its missing ancestors are added too, else a missing parent is an error.
  @discardableResult
  public func addNode(
    _ path: NodePath, name: String? = nil, creatingParents: Bool = false,
    options: AppendOptions = AppendOptions()
  ) throws -> Recorded<NodeRef> {
    let result = try appendPlanned(options: options, writing: .nodeAdded) { state in
      var events: [EventPayload] = []
      if creatingParents {
        for depth in 1..<max(path.depth, 1) {
          let ancestor = path.prefix(depth: depth)
          if !state.hasNode(ancestor) {
            events.append(.nodeAdded(NodeAdded(path: ancestor, name: ancestor.name)))
          }
        }
      }
      events.append(.nodeAdded(NodeAdded(path: path, name: name ?? path.name)))
      try state.validate(events)
      return events
    }
    return Recorded(ref: NodeRef(path), version: 0, append: result)
  }

  /// Gives a node a new display name.
  @discardableResult
  public func renameNode(
    _ path: NodePath, to name: String, options: AppendOptions = AppendOptions()
  ) throws -> Recorded<NodeRef> {
    let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
    let result = try appendPlanned(options: options, writing: .nodeRenamed) { state in
      let events = [EventPayload.nodeRenamed(NodeRenamed(path: path, name: trimmed))]
      try state.validate(events)
      return events
    }
    return Recorded(ref: NodeRef(path), version: 0, append: result)
  }

  /// Moves a node and its subtree under `parent` (`nil`: the top); returns its new path as
  /// the key. The old path then answers with a hint to the new one.
  @discardableResult
  public func moveNode(
    _ path: NodePath, under parent: NodePath?, options: AppendOptions = AppendOptions()
  ) throws -> Recorded<NodeRef> {
    let moved = NodeMoved(path: path, parent: parent)
    let result = try appendPlanned(options: options, writing: .nodeMoved) { state in
      let events = [EventPayload.nodeMoved(moved)]
      try state.validate(events)
      return events
    }
    return Recorded(ref: NodeRef(moved.newPath), version: 0, append: result)
  }

  /// Retires a node: it keeps its history and figures but takes no new stories or children.
  /// A node whose subtree still holds active stories is retired only with `force`.
  @discardableResult
  public func retireNode(
    _ path: NodePath, reason: String = "", force: Bool = false,
    options: AppendOptions = AppendOptions()
  ) throws -> Recorded<NodeRef> {
    let result = try appendPlanned(options: options, writing: .nodeRetired) { state in
      let index = try state.node(at: path)
      let active = state.activeStoryCount(under: index)
      if active > 0 && !force {
        throw LedgerError(
          .invalid,
          "node \(path) still has \(active) active \(active == 1 ? "story" : "stories") in its subtree; withdraw them or retire it anyway",
          remedy: .retireAnyway)
      }
      let events = [EventPayload.nodeRetired(NodeRetired(path: path, reason: reason))]
      try state.validate(events)
      return events
    }
    return Recorded(ref: NodeRef(path), version: 0, append: result)
  }

  // MARK: Stories

  /// Tells a new story: opens it at its node and records its first telling. Returns its
  /// key (generated when the story gives none).
  @discardableResult
  public func tellStory(_ story: NewStory, options: AppendOptions = AppendOptions()) throws
    -> Recorded<StoryRef>
  {
    let narrative = story.narrative.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !narrative.isEmpty else {
      throw LedgerError(.invalid, "a story needs a narrative", remedy: .giveNarrative)
    }
    let title = story.title.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !title.isEmpty else {
      throw LedgerError(.invalid, "a story needs a title", remedy: .giveTitle)
    }
    let day = story.on ?? today
    var key = story.key ?? ""
    let result = try appendPlanned(options: options, writing: .storyTold) { state in
      if story.key == nil { key = state.newStoryKey() }
      let levels = state.configuration
      let share = story.share ?? levels.level(ofDepth: story.node.depth) ?? levels.levels[0]
      var events: [EventPayload] = [
        .storyTold(
          StoryTold(
            key: key, node: story.node, on: day, title: title,
            tellers: story.tellers.map { $0.trimmingCharacters(in: .whitespaces) }.filter {
              !$0.isEmpty
            }, tags: story.tags.filter { !$0.isEmpty }, share: share)),
        .tellingRecorded(TellingRecorded(story: key, on: day, narrative: narrative)),
      ]
      if story.domain != nil || !story.campaigns.isEmpty {
        events.append(
          .storyGrouped(
            try state.grouping(of: key, domain: story.domain, campaigns: story.campaigns)))
      }
      try state.validate(events)
      return events
    }
    if result.isRepeat, let sequence = result.originalSequence {
      key = try originalStoryKey(at: sequence) ?? key
    }
    return Recorded(
      ref: StoryRef(key), version: (try? state.storyVersion(forKey: key)) ?? 0, append: result)
  }

  /// Records a new telling of a story (a retelling) on `on` (default: today).
  @discardableResult
  public func retellStory(
    _ story: StoryRef, narrative: String, on: Day? = nil, options: AppendOptions = AppendOptions()
  ) throws -> Recorded<StoryRef> {
    let text = narrative.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !text.isEmpty else {
      throw LedgerError(.invalid, "a telling needs a narrative", remedy: .giveNarrative)
    }
    let day = on ?? today
    return try recordAboutStory(story, writing: .tellingRecorded, options: options) { story, _ in
      [.tellingRecorded(TellingRecorded(story: story, on: day, narrative: text))]
    }
  }

  /// Changes a story's title, tags or share scope (`nil`: unchanged).
  @discardableResult
  public func updateStory(
    _ story: StoryRef, title: String? = nil, tags: [String]? = nil, share: String? = nil,
    options: AppendOptions = AppendOptions()
  ) throws -> Recorded<StoryRef> {
    try recordAboutStory(story, writing: .storyUpdated, options: options) { story, _ in
      [.storyUpdated(StoryUpdated(story: story, title: title, tags: tags, share: share))]
    }
  }

  /// Withdraws a story: it stops counting in every figure and takes no more events. With
  /// `erase`, its narratives and teller names are erased from the log itself (the chain
  /// still verifies: they sit outside the hashed bytes behind a salted digest) and from the
  /// projection snapshot, which is rewritten. Asking again for a story already withdrawn
  /// with erasure finishes an erasure that was interrupted (the result is a repeat).
  @discardableResult
  public func withdrawStory(
    _ story: StoryRef, reason: String = "", erase: Bool = false,
    options: AppendOptions = AppendOptions()
  ) throws -> Recorded<StoryRef> {
    let key = story.key
    // A withdrawal with erasure whose erasing never ran (the process died after the
    // withdrawal was recorded): asking again finishes the erasure instead of refusing.
    if erase, let resolved = try? resolveStory(key),
      let index = state.storyIndex(forKey: resolved),
      let withdrawal = state.withdrawals[index], withdrawal.isErased
    {
      try eraseWithdrawnStory(resolved, lockTimeout: options.lockTimeout)
      return Recorded(
        ref: StoryRef(resolved), version: (try? state.storyVersion(forKey: resolved)) ?? 0,
        append: AppendResult(events: [], isRepeat: true, originalSequence: withdrawal.sequence))
    }
    let recorded = try recordAboutStory(story, writing: .storyWithdrawn, options: options) {
      story, state in
      // Withdrawn with erasure by an append this ledger had not read when it opened (one a
      // crash left for the next writer to keep): finish that erasure, append nothing.
      if erase, let index = state.storyIndex(forKey: story),
        state.withdrawals[index]?.isErased == true
      {
        return []
      }
      return [.storyWithdrawn(StoryWithdrawn(story: story, reason: reason, erase: erase))]
    }
    if erase { try eraseWithdrawnStory(recorded.ref.key, lockTimeout: options.lockTimeout) }
    return recorded
  }

  /// Erases the personal text of a story withdrawn with erasure: every telling's narrative
  /// and the teller names, in the log, then writes a snapshot without them and removes the
  /// temporary files killed processes left (a snapshot half written may hold them).
  func eraseWithdrawnStory(_ key: String, lockTimeout: Duration = Ledger.defaultLockTimeout)
    throws
  {
    let sequences = state.personalSequences(ofStory: key)
    try erasePersonalText(sequences: sequences, lockTimeout: lockTimeout)
  }

  /// Erases the personal text of the events `sequences` in the log, writes a snapshot
  /// without it, and removes the temporary files of processes that died (a snapshot half
  /// written by one may hold the text).
  func erasePersonalText(sequences: [UInt64], lockTimeout: Duration) throws {
    try store.withWriteLock(timeout: lockTimeout) {
      _ = try store.erasePersonalText(sequences: sequences)
    }
    try writeSnapshot()
    store.snapshotStorage?.removeTemporariesOfDeadProcesses()
  }

  // MARK: Items

  /// Adds an item of value to a story, in one of the six boxes; returns its key (generated
  /// when `key` is `nil`). `facts.visibility` is required. With ``ItemFacts/proxy`` (and no
  /// `monetised`), the figure is the quantity × the proxy's value on `on` × the multiplier
  /// (see ``setProxy(_:value:per:source:from:options:)``).
  @discardableResult
  public func addItem(
    to story: StoryRef, key: String? = nil, dimension: Dimension, on: Day? = nil,
    facts: ItemFacts, options: AppendOptions = AppendOptions()
  ) throws -> Recorded<ItemRef> {
    let day = on ?? today
    var itemKey = key ?? ""
    let recorded = try recordAboutStory(story, writing: .itemRecorded, options: options) {
      story, state in
      if key == nil { itemKey = try state.newItemKey(inStory: story) }
      let facts = try priced(facts, item: nil, on: day, in: state)
      return [
        .itemRecorded(
          ItemRecorded(story: story, item: itemKey, on: day, dimension: dimension, facts: facts))
      ]
    }
    // A repeat recorded the item the original append did, whose key may have been generated.
    if recorded.append.isRepeat, let sequence = recorded.append.originalSequence,
      case .itemRecorded(let original) = try originalEvent(at: sequence)
    {
      itemKey = original.item
    }
    return Recorded(
      ref: ItemRef(story: recorded.ref, key: itemKey), version: recorded.version,
      append: recorded.append)
  }

  /// Revises an item as of `on` (default: today): the facts given replace the earlier ones.
  /// A proxy named prices the quantity given (or the item's); a new quantity or multiplier
  /// for an item a proxy prices is priced again; a `monetised` value given by hand replaces
  /// the pricing.
  @discardableResult
  public func reviseItem(
    _ item: ItemRef, on: Day? = nil, facts: ItemFacts, options: AppendOptions = AppendOptions()
  ) throws -> Recorded<ItemRef> {
    let day = on ?? today
    return try recordAboutItem(item, writing: .itemRevised, options: options) {
      story, itemKey, state in
      let index = state.storyIndex(forKey: story).flatMap {
        state.itemIndex(story: $0, key: itemKey)
      }
      let facts = try priced(facts, item: index, on: day, in: state)
      return [.itemRevised(ItemRevised(story: story, item: itemKey, on: day, facts: facts))]
    }
  }

  /// Attaches evidence to an item and makes it visible, in one revision: the evidence in
  /// words, a link to where it can be checked, and the SHA-256 digest of an evidence file
  /// kept outside the ledger (``EvidenceLink/digest(ofFileAt:)``); at least one of them.
  @discardableResult
  public func attachEvidence(
    to item: ItemRef, evidence: String?, link: String? = nil, digest: String? = nil,
    on: Day? = nil, options: AppendOptions = AppendOptions()
  ) throws -> Recorded<ItemRef> {
    let text = evidence?.trimmingCharacters(in: .whitespacesAndNewlines)
    if let text, text.isEmpty, link == nil, digest == nil {
      throw LedgerError(.invalid, "the evidence is empty")
    }
    guard text?.isEmpty == false || link != nil || digest != nil else {
      throw LedgerError(.invalid, "no evidence: give it in words, as a link or as a file's digest")
    }
    return try reviseItem(
      item, on: on,
      facts: ItemFacts(
        visibility: .visible, evidence: text?.isEmpty == false ? text : nil, evidenceLink: link,
        evidenceDigest: digest),
      options: options)
  }

  // MARK: Keys

  /// The full key of the story `text` names: its key, or an unambiguous prefix of one.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` when no story matches, or when
  ///   several do (naming them).
  public func resolveStory(_ text: String) throws -> String {
    try state.resolveStory(text)
  }

  /// The story `story` names, with its full key (see ``resolveStory(_:)``).
  public func resolve(_ story: StoryRef) throws -> StoryRef {
    StoryRef(try state.resolveStory(story.key))
  }

  /// Appends the events `make` builds for the story `key` names (a key or prefix), with the
  /// options' expected version checked against the resolved key.
  func recordAboutStory(
    _ story: StoryRef, writing: EventType, options: AppendOptions,
    _ make: (String, LedgerState) throws -> [EventPayload]
  ) throws -> Recorded<StoryRef> {
    let resolved = try resolveStory(story.key)
    var checked = options
    if var expected = options.expectedVersion {
      expected.story = resolved
      checked.expectedVersion = expected
    }
    let result = try appendPlanned(options: checked, writing: writing) { state in
      let events = try make(resolved, state)
      try state.validate(events)
      return events
    }
    return Recorded(
      ref: StoryRef(resolved), version: (try? state.storyVersion(forKey: resolved)) ?? 0,
      append: result)
  }

  /// Records, as one append, the events `make` gives for `item` (its story's and its own
  /// key resolved from prefixes), and returns the item's full reference.
  func recordAboutItem(
    _ item: ItemRef, writing: EventType, options: AppendOptions,
    _ make: (_ story: String, _ item: String, LedgerState) throws -> [EventPayload]
  ) throws -> Recorded<ItemRef> {
    var itemKey = item.key
    let recorded = try recordAboutStory(item.story, writing: writing, options: options) {
      story, state in
      itemKey = try state.resolveItem(item.key, inStory: story)
      return try make(story, itemKey, state)
    }
    return Recorded(
      ref: ItemRef(story: recorded.ref, key: itemKey), version: recorded.version,
      append: recorded.append)
  }

  /// The key of the story opened by the append whose first event is `sequence`.
  private func originalStoryKey(at sequence: UInt64) throws -> String? {
    try originalEvent(at: sequence)?.storyKey
  }
}
