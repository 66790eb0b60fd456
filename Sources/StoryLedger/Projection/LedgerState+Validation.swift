extension LedgerState {
  /// Checks that `events`, appended in order, are allowed by the ledger as it stands: nodes
  /// under existing parents and within the levels, stories at existing nodes with new keys
  /// and a share scope that is a level, tellings and items of existing stories, revisions
  /// of existing items.
  ///
  /// - Throws: ``LedgerError`` with code ``LedgerError/Code/invalid`` naming the first event
  ///   that is not allowed and why.
  public func validate(_ events: [EventPayload]) throws(LedgerError) {
    var newNodes = Set<NodePath>()
    var newStories: [String: NodePath] = [:]
    var newItems = Set<String>()
    func nodeExists(_ path: NodePath) -> Bool { nodeIndex[path] != nil || newNodes.contains(path) }
    func storyExists(_ key: String) -> Bool {
      newStories[key] != nil || storyIndex(forKey: key) != nil
    }
    var withdrawnInBatch = Set<String>()
    /// Refuses events about a withdrawn story.
    func checkOpen(_ key: String) throws(LedgerError) {
      if withdrawnInBatch.contains(key) || storyIndex(forKey: key).map(isWithdrawn) == true {
        throw LedgerError(
          .invalid,
          "story \(key) was withdrawn; a withdrawn story takes no more tellings, items or revisions"
        )
      }
    }
    func itemExists(_ story: String, _ item: String) -> Bool {
      if newItems.contains(story + "/" + item) { return true }
      guard let index = storyIndex(forKey: story) else { return false }
      return itemIndex(story: index, key: item) != nil
    }
    // A story's grouping may follow its opening in the batch that tells it; a proxy's new
    // value is followed by the revisions of the items priced by it.
    let alone = events.filter { $0.isDialogue && $0.type != .storyGrouped }
    let proxyBatch =
      events.first?.type == .proxySet && events.dropFirst().allSatisfy { $0.type == .itemRevised }
    if !proxyBatch, alone.count > 1 || (!alone.isEmpty && events.count > 1) {
      throw LedgerError(
        .invalid, "a dialogue event (account, selection, feedback, pledge) is appended alone")
    }
    // The proxies, with any value the batch sets, once some event needs them.
    var proxies: ProxyTable?
    func pricing(_ facts: ItemFacts, on day: Day) throws(LedgerError) {
      guard facts.proxy != nil || facts.multiplier != nil else { return }
      if proxies == nil { proxies = proxyTable }
      try proxies?.validatePricing(facts, on: day)
    }
    for (position, event) in events.enumerated() {
      func invalid(_ message: String) -> LedgerError {
        LedgerError(
          .invalid, events.count > 1 ? "event \(position + 1) of the batch: \(message)" : message)
      }
      switch event {
      case .ledgerCreated:
        throw invalid("the ledger already exists; ledger.created is only its first event")
      case .nodeAdded(let added):
        do { try configuration.validate(added.path) } catch { throw LedgerError.invalid(error) }
        guard !nodeExists(added.path) else { throw invalid("node \(added.path) already exists") }
        if let parent = added.path.parent, !nodeExists(parent) {
          if let moved = currentPath(ofMoved: parent) {
            throw invalid("node \(parent) was moved; it is now \(moved)")
          }
          throw invalid("node \(added.path) has no parent: add \(parent) first")
        }
        if let parent = added.path.parent, let index = nodeIndex[parent], isClosed(index) {
          throw invalid("node \(parent) is retired; it takes no new children")
        }
        newNodes.insert(added.path)
      case .nodeRenamed(let renamed):
        _ = try node(at: renamed.path)
        guard !renamed.name.isEmpty else { throw invalid("a node's name cannot be empty") }
      case .nodeMoved(let moved):
        try validate(moved)
      case .nodeRetired(let retired):
        let index = try node(at: retired.path)
        guard !nodes[Int(index)].isRetired else {
          throw invalid("node \(retired.path) is retired already")
        }
      case .storyUpdated(let updated):
        guard storyExists(updated.story) else { throw invalid("no story \(updated.story)") }
        try checkOpen(updated.story)
        try LedgerState.validateNames(updated.tags ?? [], field: "tag")
        guard updated.title != nil || updated.tags != nil || updated.share != nil else {
          throw invalid("the update of story \(updated.story) changes nothing")
        }
        if let share = updated.share, configuration.depth(ofLevel: share) == nil {
          throw LedgerError.invalid(
            ValueError(
              field: "share", value: share, reason: "is not a level of this ledger",
              validValues: configuration.levels))
        }
      case .storyWithdrawn(let withdrawn):
        guard storyExists(withdrawn.story) else { throw invalid("no story \(withdrawn.story)") }
        if withdrawn.erase, !withdrawnInBatch.contains(withdrawn.story),
          let index = storyIndex(forKey: withdrawn.story), let earlier = withdrawals[index],
          !earlier.isErased
        {
          // A story withdrawn earlier may still have its personal text erased.
        } else {
          try checkOpen(withdrawn.story)
        }
        withdrawnInBatch.insert(withdrawn.story)
      case .storyTold(let told):
        do { try Key.validate(told.key, field: "story") } catch { throw LedgerError.invalid(error) }
        try LedgerState.validateNames(told.tellers, field: "teller")
        try LedgerState.validateNames(told.tags, field: "tag")
        guard !storyExists(told.key) else { throw invalid("story \(told.key) already exists") }
        if !nodeExists(told.node) {
          _ = try node(at: told.node)  // throws, naming the nearest existing ancestor
        }
        if let index = nodeIndex[told.node], isClosed(index) {
          throw invalid("node \(told.node) is retired; it takes no new stories")
        }
        guard configuration.depth(ofLevel: told.share) != nil else {
          throw LedgerError.invalid(
            ValueError(
              field: "share", value: told.share, reason: "is not a level of this ledger",
              validValues: configuration.levels))
        }
        newStories[told.key] = told.node
      case .tellingRecorded(let telling):
        guard storyExists(telling.story) else { throw invalid("no story \(telling.story)") }
        try checkOpen(telling.story)
      case .storyAnswered(let answered):
        guard storyExists(answered.story) else { throw invalid("no story \(answered.story)") }
        try checkOpen(answered.story)
        guard !answered.answers.isEmpty else {
          throw invalid("the answers about story \(answered.story) are empty; give at least one")
        }
        for answer in answered.answers {
          do { try answer.validate() } catch { throw LedgerError.invalid(error) }
        }
      case .itemRecorded(let recorded):
        do { try Key.validate(recorded.item, field: "item") } catch {
          throw LedgerError.invalid(error)
        }
        guard storyExists(recorded.story) else { throw invalid("no story \(recorded.story)") }
        try checkOpen(recorded.story)
        guard !itemExists(recorded.story, recorded.item) else {
          throw invalid("item \(recorded.story)/\(recorded.item) already exists; revise it instead")
        }
        guard recorded.facts.visibility != nil else {
          throw invalid(
            "item \(recorded.story)/\(recorded.item) needs a visibility when it is recorded")
        }
        try validate(recorded.facts)
        try pricing(recorded.facts, on: recorded.on)
        newItems.insert(recorded.story + "/" + recorded.item)
      case .itemRevised(let revised):
        guard itemExists(revised.story, revised.item) else {
          throw invalid("no item \(revised.story)/\(revised.item)")
        }
        try checkOpen(revised.story)
        // A revision that changes nothing is still a dated mention of the item in a telling.
        try validate(revised.facts)
        try pricing(revised.facts, on: revised.on)
      case .accountProposed, .accountObjected, .accountResponded, .accountSettled,
        .accountReopened, .storiesSelected, .feedbackSent, .pledgeMade, .pledgeJoined,
        .pledgeFulfilled, .pledgeWithdrawn, .participantErased, .sessionStarted, .sessionLinked:
        try validateDialogue(event)
      case .itemRated(let rated):
        try validateRating(
          story: rated.story, item: rated.item, weight: rated.weight, on: rated.on,
          by: rated.by)
      case .itemAgreed(let agreed):
        try validateRating(
          story: agreed.story, item: agreed.item, weight: agreed.weight, on: agreed.on, by: nil)
        if !agreed.note.isEmpty { try Prose.check(agreed.note, field: "note") }
      case .storyVerified(let verified):
        try validateVerification(verified)
      case .storyGrouped(let grouped):
        try validateGrouping(grouped, storyIsNew: newStories[grouped.story] != nil)
      case .domainAdded(let added):
        try validateGroupingAdded(added, .domain)
      case .campaignAdded(let added):
        try validateGroupingAdded(added, .campaign)
      case .participantAdded(let added):
        try validateParticipantAdded(added)
      case .proxySet(let set):
        if proxies == nil { proxies = proxyTable }
        try proxies?.validate(set)
        proxies?.add(set)
      }
    }
  }

  /// Refuses a teller or tag with a control character (see ``NameText``).
  static func validateNames(_ names: [String], field: String) throws(LedgerError) {
    for name in names {
      if let problem = NameText.problem(in: name) {
        throw LedgerError.invalid(ValueError(field: field, value: name, reason: problem))
      }
    }
  }

  /// Whether the node at `index` or one of its ancestors is retired.
  func isClosed(_ index: Int32) -> Bool {
    var cursor = index
    while cursor >= 0 {
      if nodes[Int(cursor)].isRetired { return true }
      cursor = nodes[Int(cursor)].parent
    }
    return false
  }

  /// Checks a move: the node and the new parent exist, the parent is not the node or one of
  /// its descendants, nothing is at the new path, and the subtree still fits the levels.
  private func validate(_ moved: NodeMoved) throws(LedgerError) {
    let index = try node(at: moved.path)
    var parent: Int32 = -1
    if let parentPath = moved.parent {
      parent = try node(at: parentPath)
      if moved.path.contains(parentPath) {
        throw LedgerError(
          .invalid,
          "cannot move \(moved.path) under \(parentPath): it is \(parentPath == moved.path ? "the node itself" : "one of its own descendants")"
        )
      }
      if isClosed(parent) {
        throw LedgerError(.invalid, "node \(parentPath) is retired; it takes no new children")
      }
    }
    if nodes[Int(index)].parent == parent {
      throw LedgerError(
        .invalid, "\(moved.path) is under \(moved.parent?.description ?? "the top") already")
    }
    let newPath = moved.newPath
    if nodeIndex[newPath] != nil {
      throw LedgerError(
        .invalid, "cannot move \(moved.path): there is a node at \(newPath) already")
    }
    var deepest = 0
    var pending = [index]
    while let node = pending.popLast() {
      deepest = max(deepest, nodes[Int(node)].depth)
      pending.append(contentsOf: nodes[Int(node)].children)
    }
    let newDeepest = deepest - moved.path.depth + newPath.depth
    if newDeepest > configuration.levels.count {
      throw LedgerError(
        .invalid,
        "cannot move \(moved.path) under \(moved.parent?.description ?? "the top"): its subtree would reach depth \(newDeepest), deeper than the ledger's \(configuration.levels.count) levels (\(configuration.levels.joined(separator: ", ")))"
      )
    }
  }

  private func validate(_ facts: ItemFacts) throws(LedgerError) {
    if let unit = facts.unit, facts.quantity == nil {
      throw LedgerError.invalid(
        ValueError(field: "unit", value: unit, reason: ItemFacts.unitWithoutQuantity))
    }
    if let weight = facts.weight, !(1...5).contains(weight) {
      throw LedgerError.invalid(
        ValueError(field: "weight", value: String(weight), reason: "is not an integer from 1 to 5"))
    }
    if let quantity = facts.quantity {
      do { try DecimalText.validate(quantity) } catch { throw LedgerError.invalid(error) }
    }
    if let link = facts.evidenceLink {
      do { try EvidenceLink.validate(link) } catch { throw LedgerError.invalid(error) }
    }
    if let digest = facts.evidenceDigest {
      do { try EvidenceLink.validateDigest(digest) } catch { throw LedgerError.invalid(error) }
    }
    if let money = facts.monetised, money.cents.magnitude > UInt64(Money.maximumMagnitude) {
      throw LedgerError.invalid(
        ValueError(field: "monetised", value: money.description, reason: "is too large"))
    }
  }
}
