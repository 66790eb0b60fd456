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
    func itemExists(_ story: String, _ item: String) -> Bool {
      if newItems.contains(story + "/" + item) { return true }
      guard let index = storyIndex(forKey: story) else { return false }
      return itemIndex(story: index, key: item) != nil
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
          throw invalid("node \(added.path) has no parent: add \(parent) first")
        }
        newNodes.insert(added.path)
      case .storyTold(let told):
        do { try Key.validate(told.key, field: "story") } catch { throw LedgerError.invalid(error) }
        guard !storyExists(told.key) else { throw invalid("story \(told.key) already exists") }
        if !nodeExists(told.node) {
          _ = try node(at: told.node)  // throws, naming the nearest existing ancestor
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
      case .itemRecorded(let recorded):
        do { try Key.validate(recorded.item, field: "item") } catch {
          throw LedgerError.invalid(error)
        }
        guard storyExists(recorded.story) else { throw invalid("no story \(recorded.story)") }
        guard !itemExists(recorded.story, recorded.item) else {
          throw invalid("item \(recorded.story)/\(recorded.item) already exists; revise it instead")
        }
        guard recorded.facts.visibility != nil else {
          throw invalid(
            "item \(recorded.story)/\(recorded.item) needs a visibility when it is recorded")
        }
        try validate(recorded.facts)
        newItems.insert(recorded.story + "/" + recorded.item)
      case .itemRevised(let revised):
        guard itemExists(revised.story, revised.item) else {
          throw invalid("no item \(revised.story)/\(revised.item)")
        }
        guard !revised.facts.isEmpty else {
          throw invalid("the revision of \(revised.story)/\(revised.item) changes nothing")
        }
        try validate(revised.facts)
      }
    }
  }

  private func validate(_ facts: ItemFacts) throws(LedgerError) {
    if let weight = facts.weight, !(1...5).contains(weight) {
      throw LedgerError.invalid(
        ValueError(field: "weight", value: String(weight), reason: "is not an integer from 1 to 5"))
    }
    if let quantity = facts.quantity {
      do { try DecimalText.validate(quantity) } catch { throw LedgerError.invalid(error) }
    }
    if let money = facts.monetised, money.cents.magnitude > UInt64(Money.maximumMagnitude) {
      throw LedgerError.invalid(
        ValueError(field: "monetised", value: money.description, reason: "is too large"))
    }
  }
}
