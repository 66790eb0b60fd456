/// One of the three dimensions of value in the Revaluation method.
///
/// Dimensions are always listed in this order: ``capacitating``, ``calibrating``,
/// ``calculating``. Input accepts these words case-insensitively and nothing else.
///
/// ```swift
/// let dimension = try Dimension(parsing: "Calculating")  // .calculating
/// ```
public enum Dimension: String, CaseIterable, Sendable, Hashable, Codable, Comparable {
  /// The capacity of a network of people or ideas, and its potential to grow.
  case capacitating
  /// Judgements of the relative merit, cost and benefit of actions and outcomes.
  case calibrating
  /// Numbers: counts, amounts, money; proxies and multipliers.
  case calculating

  /// The position of the dimension in the canonical order (0, 1, 2).
  public var index: Int {
    switch self {
    case .capacitating: 0
    case .calibrating: 1
    case .calculating: 2
    }
  }

  /// Parses a dimension word, ignoring case.
  ///
  /// - Throws: ``ValueError`` naming the valid words when `text` is not one of them.
  public init(parsing text: String) throws(ValueError) {
    self = try ValueError.word(text, field: "dimension", reason: "is not a dimension")
  }

  /// Orders dimensions canonically: capacitating, calibrating, calculating.
  public static func < (lhs: Dimension, rhs: Dimension) -> Bool { lhs.index < rhs.index }
}

/// Whether the value of an item is already evidenced (visible) or only knowable (invisible).
///
/// ```swift
/// let visibility = try Visibility(parsing: "VISIBLE")  // .visible
/// ```
public enum Visibility: String, CaseIterable, Sendable, Hashable, Codable {
  /// Known value: evidence of it is lying on the surface.
  case visible
  /// Knowable value: could be evidenced, given time to iterate and cascade.
  case invisible

  /// Parses a visibility word, ignoring case.
  ///
  /// - Throws: ``ValueError`` naming the valid words when `text` is not one of them.
  public init(parsing text: String) throws(ValueError) {
    self = try ValueError.word(text, field: "visibility", reason: "is not a visibility")
  }
}
