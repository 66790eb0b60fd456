import Foundation

/// The spread of the ratings of several items (a subtree's, a period's): how many items were
/// rated, the ratings that count, their median and range, and how far the agreed values lie
/// from the ratings.
public struct RatingCounts: Hashable, Sendable, Codable {
  /// Items with at least one rating that counts.
  public var itemsRated = 0
  /// The ratings that count (each person's latest per item).
  public var ratings = 0
  /// The median of those ratings, `nil` when there are none.
  public var median: Double?
  /// The lowest of those ratings.
  public var minimum: Int?
  /// The highest of those ratings.
  public var maximum: Int?
  /// Items with both ratings and an agreed value.
  public var itemsCompared = 0
  /// The median, over those items, of the distance between the agreed value and the item's
  /// ratings' median (as a magnitude); `nil` when there are none.
  public var medianDistance: Double?

  /// No ratings.
  public init() {}

  /// The counts of the calibrations of several items.
  public init(_ calibrations: [ItemCalibration]) {
    var weights: [Int] = []
    var distances: [Double] = []
    for calibration in calibrations where calibration.count > 0 {
      itemsRated += 1
      weights += calibration.ratings.map(\.weight)
      if let distance = calibration.distance {
        itemsCompared += 1
        distances.append(distance.magnitude)
      }
    }
    ratings = weights.count
    median = ItemCalibration.median(of: weights)
    minimum = weights.min()
    maximum = weights.max()
    medianDistance = ItemCalibration.median(of: distances)
  }
}

/// Calibrating by many people: each person's rating of an item, and the value the group
/// agreed.
///
/// ```swift
/// let item = ItemRef(parsing: "k3f9/i1")!
/// try ledger.rateItem(item, by: "Asha Patel", weight: 4)
/// try ledger.rateItem(item, by: "李小龍", weight: 2)
/// try ledger.agreeOnItem(item, weight: 3, note: "agreed at the March workshop")
/// let calibration = try ledger.calibration(of: item)  // median 3, distance 0
/// ```
extension Ledger {
  /// Records `by`'s rating of an item, 1 to 5, as of `on` (default: today). Rating the item
  /// again revises the person's rating: their latest rating dated on or before a date is the
  /// one that counts then. The rater's name is personal: `erase person` erases it.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` when the item does not exist,
  ///   its story was withdrawn, the weight is not 1 to 5, the date is before the item was
  ///   recorded, or the name is empty or has a control character.
  @discardableResult
  public func rateItem(
    _ item: ItemRef, by: String, weight: Int, on: Day? = nil,
    options: AppendOptions = AppendOptions()
  ) throws -> Recorded<ItemRef> {
    let day = on ?? today
    let name = by.trimmingCharacters(in: .whitespaces)
    return try recordAboutItem(item, writing: .itemRated, options: options) {
      story, itemKey, state in
      let first = state.firstRating(of: story, item: itemKey, by: name)
      return [
        .itemRated(
          ItemRated(story: story, item: itemKey, by: name, weight: weight, on: day, first: first))
      ]
    }
  }

  /// Records the value a group agreed for an item, 1 to 5, as of `on` (default: today), with
  /// a note on how it was reached. The agreed value and the weight of `item add`/`item revise`
  /// are one line through time: the latest dated is the item's agreed value.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` as ``rateItem(_:by:weight:on:options:)``,
  ///   and when the note has only punctuation.
  @discardableResult
  public func agreeOnItem(
    _ item: ItemRef, weight: Int, on: Day? = nil, note: String = "",
    options: AppendOptions = AppendOptions()
  ) throws -> Recorded<ItemRef> {
    let day = on ?? today
    let text = note.trimmingCharacters(in: .whitespacesAndNewlines)
    return try recordAboutItem(item, writing: .itemAgreed, options: options) {
      story, itemKey, _ in
      [.itemAgreed(ItemAgreed(story: story, item: itemKey, weight: weight, on: day, note: text))]
    }
  }

  /// The calibration of an item at the end of `day` (default: everything recorded): the
  /// ratings that count, their spread and the agreed value; `nil` when it has no rating and
  /// no agreed value recorded by `item agree`. Raters' names are withheld from a viewer
  /// outside the story's share scope.
  public func calibration(of item: ItemRef, asOf day: Day = .latest, viewer: Viewer? = nil)
    throws -> ItemCalibration?
  {
    let state = self.state
    let story = try state.resolveStory(item.story.key)
    let key = try state.resolveItem(item.key, inStory: story)
    guard let storyIndex = state.storyIndex(forKey: story),
      let index = state.itemIndex(story: storyIndex, key: key)
    else { throw LedgerError(.invalid, "no item \(story)/\(key)") }
    let viewerNode = try state.readerIndex(viewer, default: state.stories[storyIndex].node)
    let weights = try weightMarks(of: [index], in: state)
    return state.calibration(
      of: index, asOf: day, index: state.ratingIndex(), weights: weights[index] ?? [],
      showNames: state.canRead(storyIndex, by: viewerNode))
  }

  /// The marks of the revisions of `items` that set a weight, read from the log.
  func weightMarks(of items: [Int32], in state: LedgerState) throws -> [Int32: [AgreedMark]] {
    let facts = try recordedFacts(of: items, in: state)
    var marks: [Int32: [AgreedMark]] = [:]
    for (item, list) in facts { marks[item] = state.weightMarks(of: item, facts: list) }
    return marks
  }

  /// The ratings of `summary`'s subtree and of each child's, at its date: the figures of
  /// ``summary(of:asOf:stories:)`` with ``Summary/Entry/ratings`` filled.
  func addingRatings(to summary: Summary, state: LedgerState, stories mask: [Bool]? = nil)
    throws -> Summary
  {
    let index = state.ratingIndex()
    let rated = index.items.filter { mask?[Int(state.items[$0].story)] ?? true }
    guard !rated.isEmpty else { return summary }
    let day = summary.asOf ?? .latest
    let weights = try weightMarks(of: Array(rated), in: state)
    var byNode: [NodePath: [ItemCalibration]] = [:]
    var calibrations: [(path: NodePath, calibration: ItemCalibration)] = []
    for item in rated {
      guard
        let calibration = state.calibration(
          of: item, asOf: day, index: index, weights: weights[item] ?? [], showNames: false)
      else { continue }
      let story = state.stories[state.items[item].story]
      calibrations.append((state.nodes[Int(story.node)].path, calibration))
    }
    var result = summary
    func counts(_ node: NodePath) -> RatingCounts {
      if let cached = byNode[node] { return RatingCounts(cached) }
      let list = calibrations.filter { node.contains($0.path) }.map(\.calibration)
      byNode[node] = list
      return RatingCounts(list)
    }
    result.total.ratings = counts(summary.total.node)
    for position in result.children.indices {
      result.children[position].ratings = counts(result.children[position].node)
    }
    return result
  }
}
