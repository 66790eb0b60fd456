import Foundation

/// A pledge as it stands at a date.
public struct PledgeView: Hashable, Sendable, Codable {
  /// Where a pledge stands.
  public enum Status: String, Hashable, Sendable, Codable, CaseIterable {
    /// Waiting for enough others to join.
    case conditional
    /// Made (and its condition met), not yet fulfilled, not past due.
    case active
    /// Fulfilled by a story.
    case fulfilled
    /// Past its due date and not fulfilled by then.
    case lapsed
    /// Withdrawn.
    case withdrawn
  }
  /// Its key.
  public var key: String
  /// Its node.
  public var node: NodePath
  /// Who made it.
  public var by: String
  /// What is pledged.
  public var text: String
  /// When it was made.
  public var on: Day
  /// When it is due.
  public var due: Day?
  /// How many others must join before it is active.
  public var condition: Int
  /// Who joined, in order.
  public var joined: [String]
  /// The story that fulfilled it, and when.
  public var fulfilledBy: String?
  /// When it was fulfilled.
  public var fulfilledOn: Day?
  /// When it was withdrawn.
  public var withdrawnOn: Day?
  /// Where it stands at the date of the view.
  public var status: Status
}

/// Pledge counts of a subtree at a date.
public struct PledgeCounts: Hashable, Sendable, Codable {
  /// Pledges made by the date.
  public var made = 0
  /// Of those, active at the date.
  public var active = 0
  /// Conditional (waiting for others) at the date.
  public var conditional = 0
  /// Fulfilled by the date.
  public var fulfilled = 0
  /// Lapsed at the date.
  public var lapsed = 0
  /// Withdrawn by the date.
  public var withdrawn = 0
  /// Creates counts.
  public init() {}

  /// Counts one more pledge that stands at `status`.
  mutating func add(_ status: PledgeView.Status) {
    made += 1
    switch status {
    case .active: active += 1
    case .conditional: conditional += 1
    case .fulfilled: fulfilled += 1
    case .lapsed: lapsed += 1
    case .withdrawn: withdrawn += 1
    }
  }

  /// Adds another subtree's counts.
  mutating func add(_ other: PledgeCounts) {
    made += other.made
    active += other.active
    conditional += other.conditional
    fulfilled += other.fulfilled
    lapsed += other.lapsed
    withdrawn += other.withdrawn
  }
}
