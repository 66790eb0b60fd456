import Foundation

/// An account's identity: a node and a period.
public struct AccountKey: Hashable, Sendable, Codable, CustomStringConvertible {
  /// The node.
  public var node: NodePath
  /// The period.
  public var period: DateRange
  /// Creates a key.
  public init(node: NodePath, period: DateRange) {
    self.node = node
    self.period = period
  }
  /// For example `nhs/north@2026-01-01..2026-03-31`.
  public var description: String { "\(node)@\(period)" }
}

/// Where an account stands.
public enum AccountStatus: String, Hashable, Sendable, Codable {
  /// Proposed, with no open objection.
  case proposed
  /// Proposed, with at least one objection not yet answered.
  case objected
  /// Settled.
  case settled
  /// Reopened after it was settled: it may be proposed again, objected to and settled.
  case reopened
}

/// An objection to an account, and its answer.
public struct Objection: Hashable, Sendable, Codable {
  /// Its number within the account, from 1.
  public var number: Int
  /// Who objected.
  public var by: String
  /// Why.
  public var reason: String
  /// When it was recorded (encoded as ISO 8601 text in UTC).
  @Timestamp public var recordedAt: Date
  /// The answer, once given.
  public var response: String?
  /// Who answered.
  public var respondedBy: String?
  /// Whether it still awaits an answer.
  public var isOpen: Bool { response == nil }
}

/// One step of an account's life, for its history.
public struct AccountHistoryEntry: Hashable, Sendable, Codable {
  /// A step of an account's negotiation.
  ///
  /// It encodes as its ``description``: `proposed`, `objected`, `responded to objection 2`,
  /// `settled`, `settled over objections`, `reopened`.
  public enum Step: Hashable, Sendable, Codable, CustomStringConvertible {
    /// A version was proposed.
    case proposed
    /// Someone objected.
    case objected
    /// Objection `objection` (1 for the first) was answered.
    case responded(objection: Int)
    /// It was settled by agreement.
    case settled
    /// It was settled while objections were still open.
    case settledOverObjections
    /// A settled account was reopened.
    case reopened

    /// The step in words, as histories show it.
    public var description: String {
      switch self {
      case .proposed: "proposed"
      case .objected: "objected"
      case .responded(let objection): "responded to objection \(objection)"
      case .settled: "settled"
      case .settledOverObjections: "settled over objections"
      case .reopened: "reopened"
      }
    }

    /// Reads a step from its words.
    public init(from decoder: any Decoder) throws {
      let container = try decoder.singleValueContainer()
      let text = try container.decode(String.self)
      let prefix = "responded to objection "
      switch text {
      case "proposed": self = .proposed
      case "objected": self = .objected
      case "settled": self = .settled
      case "settled over objections": self = .settledOverObjections
      case "reopened": self = .reopened
      default:
        guard text.hasPrefix(prefix), let number = Int(text.dropFirst(prefix.count)) else {
          throw DecodingError.dataCorruptedError(
            in: container, debugDescription: "\(text) is not a step of an account")
        }
        self = .responded(objection: number)
      }
    }

    /// Writes the step as its words.
    public func encode(to encoder: any Encoder) throws {
      var container = encoder.singleValueContainer()
      try container.encode(description)
    }
  }

  /// When it was recorded (encoded as ISO 8601 text in UTC).
  @Timestamp public var recordedAt: Date
  /// What was done.
  public var step: Step
  /// Who took it.
  public var by: String
  /// The narrative, reason, answer or note.
  public var text: String
  /// The account's version then.
  public var version: Int
}

/// A story that may be selected at a node, with its title as that node may read it.
public struct CandidateView: Hashable, Sendable, Codable {
  /// The story's key.
  public var story: String
  /// Its title, or `nil` when its share scope does not reach the node.
  public var title: String?
}

/// A story selected as most significant, as a view at some node shows it.
public struct SelectionView: Hashable, Sendable, Codable {
  /// The node that selected it.
  public var node: NodePath
  /// The period.
  public var period: DateRange
  /// The story's key.
  public var story: String
  /// Its title, or `nil` when its share scope keeps it from the viewing node's level.
  public var title: String?
  /// Why it was chosen.
  public var reason: String
  /// Who selected it (a panel's names joined by `, `).
  public var by: String
  /// When it was recorded (encoded as ISO 8601 text in UTC).
  @Timestamp public var recordedAt: Date
  /// Who selected it, one name per member for a panel.
  public var panel: [String] = []
  /// The session it was selected in, if any.
  public var session: String? = nil
  /// The domain of change it was selected in, if the selection was made in one.
  public var domain: String? = nil
  /// The campaign it was selected for, if the selection was made for one.
  public var campaign: String? = nil
}

/// An account as a view at some node shows it: its current version, state, objections,
/// history, and whether the ledger still agrees with its frozen figures.
public struct AccountView: Hashable, Sendable, Codable {
  /// The node.
  public var node: NodePath
  /// The period.
  public var period: DateRange
  /// Where it stands.
  public var status: AccountStatus
  /// The number of times it was proposed.
  public var version: Int
  /// Who proposed the current version.
  public var proposedBy: String
  /// The current version's narrative.
  public var narrative: String
  /// The figures the current version froze.
  public var figures: AccountFigures
  /// What the ledger says now for the same node and period.
  public var current: AccountFigures
  /// Whether `figures` differ from `current` (late stories, revisions): the account is stale.
  public var isStale: Bool
  /// The differences, in words (`calculating visible items: 12 → 14`).
  public var differences: [String]
  /// The children's settled accounts it took in.
  public var children: [ChildAccount]
  /// The stories it carries as selected (titles as the viewing node may read them).
  public var selected: [SelectionView]
  /// Its objections, in order.
  public var objections: [Objection]
  /// Its history, oldest first.
  public var history: [AccountHistoryEntry]
}

/// Something that came down to a node: feedback, an ancestor's selection, an ancestor's
/// settled account.
public struct InboxEntry: Hashable, Sendable, Codable {
  /// What came down.
  public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
    /// Feedback sent down to the node or its ancestor's subtree.
    case feedback
    /// A story an ancestor selected as significant.
    case selection
    /// An ancestor's settled account.
    case account
  }
  /// What came down.
  public var kind: Kind
  /// The node it came from.
  public var from: NodePath
  /// When it was recorded (encoded as ISO 8601 text in UTC).
  @Timestamp public var recordedAt: Date
  /// Who sent, selected or settled it.
  public var by: String
  /// The feedback, the selection's reason, or the account's narrative.
  public var text: String
  /// The story it concerns, if any.
  public var story: String?
  /// The story's title, when the receiving node is within the story's share scope.
  public var title: String?
  /// The period of the account or selection it concerns, if any.
  public var period: DateRange?
  /// The event's sequence number.
  public var sequence: UInt64
}
