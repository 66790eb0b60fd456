/// The calibration of one item as of a date: the ratings that count then (each person's
/// latest), their spread, and the group's agreed value.
///
/// ```swift
/// let day = try Day(parsing: "2026-03-01")
/// let calibration = ItemCalibration(
///   ratings: [3, 4, 5].map { ItemCalibration.Rating(by: "", weight: $0, on: day) },
///   agreed: 5, agreedOn: day)
/// calibration.median    // 4
/// calibration.distance  // 1
/// ```
public struct ItemCalibration: Hashable, Sendable, Codable {
  /// One person's rating that counts.
  public struct Rating: Hashable, Sendable, Codable {
    /// Who rated (empty once erased; `(withheld)` outside the story's share scope).
    public var by: String
    /// The rating, 1 to 5.
    public var weight: Int
    /// The date of the rating.
    public var on: Day
    /// Creates a rating.
    public init(by: String, weight: Int, on: Day) {
      self.by = by
      self.weight = weight
      self.on = on
    }
  }

  /// The ratings that count (each person's latest dated on or before the date), by date.
  public var ratings: [Rating]
  /// How many ratings count.
  public var count: Int
  /// The median of the ratings (the mean of the two middle ones for an even count), `nil`
  /// when there are none.
  public var median: Double?
  /// The lowest rating.
  public var minimum: Int?
  /// The highest rating.
  public var maximum: Int?
  /// The agreed value (the latest of `item agree` and the weight of `item add`/`item revise`).
  public var agreed: Int?
  /// The date of the agreed value.
  public var agreedOn: Day?
  /// The agreed value minus the ratings' median (negative when the group agreed lower than
  /// its members rated); `nil` without both.
  public var distance: Double?

  /// The calibration of `ratings` against `agreed`.
  public init(ratings: [Rating], agreed: Int?, agreedOn: Day?) {
    self.ratings = ratings
    count = ratings.count
    let weights = ratings.map(\.weight)
    median = Self.median(of: weights)
    minimum = weights.min()
    maximum = weights.max()
    self.agreed = agreed
    self.agreedOn = agreedOn
    distance = median.flatMap { median in agreed.map { Double($0) - median } }
  }

  /// The median of `values` (the mean of the two middle ones for an even count); `nil` for
  /// none. Exact: a half of a sum of two integers is exact in a `Double`.
  public static func median(of values: [Int]) -> Double? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    if sorted.count % 2 == 1 { return Double(sorted[middle]) }
    return Double(sorted[middle - 1] + sorted[middle]) / 2
  }

  /// The median of `values`, which are halves or quarters (medians and distances): `nil` for
  /// none.
  public static func median(of values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    if sorted.count % 2 == 1 { return sorted[middle] }
    return (sorted[middle - 1] + sorted[middle]) / 2
  }

  /// A median or distance as text: no decimals for a whole number, else as few as it needs
  /// (`3`, `3.5`, `-0.25`).
  public static func text(_ value: Double) -> String {
    if value == value.rounded() { return String(Int(value)) }
    var text = String(format: "%.2f", value)
    while text.hasSuffix("0") { text.removeLast() }
    return text
  }
}

/// A date on which an item's agreed value was set: by `item.agreed` or by the weight of an
/// `item.recorded`/`item.revised`.
struct AgreedMark: Sendable, Hashable {
  var day: Day
  var sequence: UInt64
  var weight: Int
}

/// The ratings and agreements of items, gathered from the dialogue.
struct RatingIndex: Sendable {
  struct Entry: Sendable, Hashable {
    var sequence: UInt64
    /// The person's first rating of the item (their ratings' common thread).
    var thread: UInt64
    var by: String
    var weight: Int
    var day: Day
  }
  /// Per item, its ratings in the order recorded.
  var ratings: [Int32: [Entry]] = [:]
  /// Per item, its `item.agreed` marks in the order recorded.
  var agreements: [Int32: [AgreedMark]] = [:]

  /// The ratings of `item` that count at the end of `day`: per person, the latest dated on
  /// or before it (by date, then the order recorded), sorted by date then the order recorded.
  func counting(_ item: Int32, asOf day: Day) -> [Entry] {
    var latest: [UInt64: Entry] = [:]
    for entry in ratings[item] ?? [] where entry.day <= day {
      if let current = latest[entry.thread],
        (current.day, current.sequence) > (entry.day, entry.sequence)
      {
        continue
      }
      latest[entry.thread] = entry
    }
    return latest.values.sorted { ($0.day, $0.sequence) < ($1.day, $1.sequence) }
  }

  /// The agreed value of `item` at the end of `day`: the latest mark (by date, then the order
  /// recorded) among its agreements and `weights` (its revisions that set a weight).
  func agreed(_ item: Int32, asOf day: Day, weights: [AgreedMark]) -> AgreedMark? {
    var best: AgreedMark?
    for mark in (agreements[item] ?? []) + weights where mark.day <= day {
      if let current = best, (current.day, current.sequence) > (mark.day, mark.sequence) {
        continue
      }
      best = mark
    }
    return best
  }

  /// The items with a rating or an agreement.
  var items: Set<Int32> { Set(ratings.keys).union(agreements.keys) }
}

extension LedgerState {
  /// The ratings and agreements of the items of active stories.
  func ratingIndex() -> RatingIndex {
    var index = RatingIndex()
    for record in dialogue {
      switch record.payload {
      case .itemRated(let rated):
        guard let item = activeItem(rated.story, rated.item) else { continue }
        index.ratings[item, default: []].append(
          RatingIndex.Entry(
            sequence: record.sequence, thread: rated.first ?? record.sequence, by: rated.by,
            weight: rated.weight, day: rated.on))
      case .itemAgreed(let agreed):
        guard let item = activeItem(agreed.story, agreed.item) else { continue }
        index.agreements[item, default: []].append(
          AgreedMark(day: agreed.on, sequence: record.sequence, weight: agreed.weight))
      default:
        continue
      }
    }
    return index
  }

  /// The index of item `key` of story `story` when the story is active.
  private func activeItem(_ story: String, _ key: String) -> Int32? {
    guard let storyIndex = storyIndex(forKey: story), !isWithdrawn(storyIndex) else { return nil }
    return itemIndex(story: storyIndex, key: key)
  }

  /// The calibration of `item` at the end of `day`, or `nil` when it has no rating and no
  /// `item.agreed` by then. `showNames` `false` withholds the raters' names.
  func calibration(
    of item: Int32, asOf day: Day, index: RatingIndex, weights: [AgreedMark], showNames: Bool
  ) -> ItemCalibration? {
    let counting = index.counting(item, asOf: day)
    let hasAgreement = index.agreements[item]?.contains { $0.day <= day } ?? false
    guard !counting.isEmpty || hasAgreement else { return nil }
    let agreed = index.agreed(item, asOf: day, weights: weights)
    return ItemCalibration(
      ratings: counting.map {
        ItemCalibration.Rating(
          by: showNames ? $0.by : RecordedEvent.withheldMark, weight: $0.weight, on: $0.day)
      }, agreed: agreed?.weight, agreedOn: agreed?.day)
  }

  /// The marks of `item`'s revisions that set a weight, from the facts of its revisions
  /// (each with its event's sequence number).
  func weightMarks(of item: Int32, facts: [(sequence: UInt64, facts: ItemFacts)]) -> [AgreedMark] {
    let weights = Dictionary(
      facts.compactMap { entry in entry.facts.weight.map { (entry.sequence, $0) } },
      uniquingKeysWith: { a, _ in a })
    guard !weights.isEmpty else { return [] }
    var marks: [AgreedMark] = []
    var cursor = items[item].first
    while cursor >= 0 {
      let revision = revisions[cursor]
      if let weight = weights[revision.sequence] {
        marks.append(AgreedMark(day: revision.day, sequence: revision.sequence, weight: weight))
      }
      cursor = revision.next
    }
    return marks
  }

  /// The sequence number of `by`'s first rating of item `key` of `story`, when they rated it
  /// before (names compared as `erase person` compares them: as Unicode text, canonically
  /// equivalent spellings alike, after trimming spaces).
  func firstRating(of story: String, item key: String, by: String) -> UInt64? {
    for record in dialogue {
      guard case .itemRated(let rated) = record.payload, rated.story == story,
        rated.item == key, !rated.by.isEmpty,
        rated.by.trimmingCharacters(in: .whitespaces) == by.trimmingCharacters(in: .whitespaces)
      else { continue }
      return rated.first ?? record.sequence
    }
    return nil
  }

  /// Checks a rating (`by` given) or an agreed value (`by` `nil`) of an item.
  func validateRating(story: String, item: String, weight: Int, on: Day, by: String?)
    throws(LedgerError)
  {
    guard let storyIndex = storyIndex(forKey: story) else {
      throw LedgerError(.invalid, "no story \(story)")
    }
    if isWithdrawn(storyIndex) {
      throw LedgerError(
        .invalid, "story \(story) was withdrawn; a withdrawn story's items take no more ratings")
    }
    guard let index = itemIndex(story: storyIndex, key: item) else {
      throw LedgerError(.invalid, "no item \(story)/\(item)")
    }
    guard (1...5).contains(weight) else {
      throw LedgerError.invalid(
        ValueError(field: "weight", value: String(weight), reason: "is not an integer from 1 to 5"))
    }
    let recordedOn = revisions[items[index].first].day
    guard on >= recordedOn else {
      throw LedgerError.invalid(
        ValueError(
          field: "on", value: on.description,
          reason: "is before item \(story)/\(item) was recorded (\(recordedOn))"))
    }
    guard let by else { return }
    guard !by.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw LedgerError(.invalid, "who rates cannot be empty", remedy: .namePerson)
    }
    if let problem = NameText.problem(in: by) {
      throw LedgerError.invalid(ValueError(field: "by", value: by, reason: problem))
    }
  }
}
