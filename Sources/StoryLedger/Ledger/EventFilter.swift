/// Which events a listing of the log keeps: filters that combine, each left empty to keep
/// everything.
///
/// ```swift
/// var filter = EventFilter()
/// filter.types = [.itemRevised]
/// filter.node = "nhs/north"
/// try ledger.view(as: .keeper).forEachEvent(matching: filter) { event in print(event.sequence) }
/// ```
public struct EventFilter: Hashable, Sendable {
  /// Only events of these types (every type when empty).
  public var types: Set<EventType> = []
  /// Only events about this story: its full key (``Ledger/resolve(_:)`` resolves a prefix).
  public var story: StoryRef?
  /// Only events about this node's subtree as the hierarchy stands now: its nodes, the
  /// stories told there (wherever they were when the event was recorded), and the dialogue
  /// recorded at its nodes.
  public var node: NodePath?
  /// Only events about stories whose current answers match every filter.
  public var answers: [AnswerFilter] = []
  /// The first sequence number listed.
  public var first: UInt64 = 1
  /// The last sequence number listed.
  public var last: UInt64 = .max

  /// A filter that keeps every event.
  public init() {}
}

extension LedgerReader {
  /// Calls `body` with every event `filter` keeps, oldest first, each as the viewer may read
  /// it (see ``forEachEvent(from:_:)``).
  public func forEachEvent(matching filter: EventFilter, _ body: (RecordedEvent) throws -> Void)
    throws
  {
    let state = ledger.state
    do {
      try forEachEvent(from: filter.first) { event in
        guard event.sequence <= filter.last else { throw PastLastEvent() }
        if state.keeps(event, filter) { try body(event) }
      }
    } catch is PastLastEvent {}
  }
}

/// Ends a listing past its last sequence number.
private struct PastLastEvent: Error {}

extension LedgerState {
  /// Whether `filter` keeps `event`, by the ledger as it stands now.
  fileprivate func keeps(_ event: RecordedEvent, _ filter: EventFilter) -> Bool {
    if !filter.types.isEmpty && !filter.types.contains(event.type) { return false }
    let storyKey = event.payload.storyKey
    if let story = filter.story, storyKey != story.key { return false }
    if !filter.answers.isEmpty {
      guard let storyKey, story(storyKey, matches: filter.answers) else { return false }
    }
    guard let node = filter.node else { return true }
    let eventNode: NodePath?
    if let storyKey {
      eventNode = self.node(ofStory: storyKey)
    } else if let dialogueNode = currentNode(ofDialogueEventAt: event.sequence) {
      // A dialogue event belongs to the node it was recorded at, wherever it is now.
      eventNode = dialogueNode
    } else {
      eventNode = event.payload.nodePath.flatMap { currentPath(of: $0) ?? $0 }
    }
    guard let eventNode else { return false }
    return node.contains(eventNode)
  }
}
