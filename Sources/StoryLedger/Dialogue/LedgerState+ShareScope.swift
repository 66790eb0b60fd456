import Foundation

extension LedgerState {
  /// The node index `viewer` reads as: `nil` for the keeper (who reads every text),
  /// `fallback` when no viewer is given (a view read as its own node).
  ///
  /// - Throws: ``LedgerError`` when the viewer's node does not exist.
  func readerIndex(
    _ viewer: Viewer?, default fallback: @autoclosure () throws(LedgerError) -> Int32
  )
    throws(LedgerError) -> Int32?
  {
    switch viewer {
    case nil: return try fallback()
    case .keeper: return nil
    case .node(let path): return try node(at: path)
    }
  }

  /// Whether the title, tellers and narratives of the story at `index` may be read by a
  /// viewer at node `viewer`: a story told at node S and shared up to level L is read only
  /// within the subtree of S's ancestor at level L (that ancestor and everyone under it; S
  /// itself when L is below S's level). Place decides, not level: another team, region or
  /// trust at the same depth does not read it.
  func canRead(_ index: Int32, by viewer: Int32?) -> Bool {
    guard let viewer else { return true }
    let story = stories[index]
    let anchorDepth = min(Int(story.share) + 1, nodes[Int(story.node)].depth)
    let anchor = ancestor(of: story.node, atDepth: anchorDepth)
    return anchor >= 0 && ancestor(of: viewer, atDepth: anchorDepth) == anchor
  }

  /// Whether the story `key` may be read by a viewer at `viewer` (see
  /// ``canRead(story:at:)``); `false` for no story or no such node.
  public func canRead(story key: String, at viewer: NodePath) -> Bool {
    guard let index = storyIndex(forKey: key), let node = nodeIndex[viewer] else { return false }
    return canRead(index, by: node)
  }

  /// The title of story `key` as a viewer at node `viewer` may see it.
  func scopedTitle(_ key: String, by viewer: Int32?) -> String? {
    guard let index = storyIndex(forKey: key), canRead(index, by: viewer) else { return nil }
    return text.string(stories[index].title)
  }

  /// `event` as a viewer at `viewer` may read it: a story's title, tellers, narrative and
  /// personal answers are withheld (`(withheld)`) when its share scope does not reach the
  /// viewer; every other field, and every event not about a story's text, is unchanged.
  ///
  /// - Throws: ``LedgerError`` when there is no node at `viewer`.
  public func scoped(_ event: RecordedEvent, for viewer: Viewer) throws(LedgerError)
    -> RecordedEvent
  {
    guard let node = try readerIndex(viewer, default: -1) else { return event }
    guard let key = event.payload.storyKey, let index = storyIndex(forKey: key),
      !canRead(index, by: node)
    else { return event }
    return event.withStoryTextWithheld()
  }

  /// The candidates at `path` for `period` (as ``candidates(at:period:stories:)``), each with its
  /// title as the node may read it (`nil` when its share scope does not reach the node).
  public func candidateViews(
    at path: NodePath, period: DateRange, stories filter: StoryGroupFilter = StoryGroupFilter(),
    viewer: Viewer? = nil
  ) throws(LedgerError) -> [CandidateView] {
    let viewer = try readerIndex(viewer, default: node(at: path))
    return try candidates(at: path, period: period, stories: filter).map {
      CandidateView(story: $0, title: scopedTitle($0, by: viewer))
    }
  }

  // MARK: Candidates

  /// The stories that may be selected at `node` for `period`: its own stories told (or
  /// retold) in the period and the stories its children selected for the same period, each
  /// only when the node's level may read it; in key order.
  public func candidates(
    at path: NodePath, period: DateRange, stories filter: StoryGroupFilter = StoryGroupFilter()
  ) throws(LedgerError) -> [String] {
    let target = try node(at: path)
    var result = Set<String>()
    stories.forEachElement { index, story in
      guard story.node == target, !isWithdrawn(Int32(index)), canRead(Int32(index), by: target)
      else { return }
      var inPeriod = period.contains(story.toldOn)
      var cursor = story.firstTelling
      while !inPeriod, cursor >= 0 {
        inPeriod = period.contains(tellings[cursor].day)
        cursor = tellings[cursor].next
      }
      if inPeriod { result.insert(text.string(story.key)) }
    }
    let childPaths = Set(nodes[Int(target)].children.map { nodes[Int($0)].path })
    for selection in dialogueModel().selections
    where childPaths.contains(selection.node) && selection.period == period {
      if let index = storyIndex(forKey: selection.choice.story), !isWithdrawn(index),
        canRead(index, by: target)
      {
        result.insert(selection.choice.story)
      }
    }
    if !filter.isEmpty {
      let groupings = self.groupings
      let filter = try groupings.resolved(filter)
      result = result.filter { groupings.story($0, passes: filter) }
    }
    return result.sorted()
  }
}
