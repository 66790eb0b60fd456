import Foundation
import StoryLedger

/// `POST /nodes`.
struct NodeRequest: Decodable, Sendable {
  var path: String
  var name: String?
}

/// `POST /stories`.
struct StoryRequest: Decodable, Sendable {
  var node: String
  var title: String
  var narrative: String
  var on: String?
  var tellers: [String]?
  var tags: [String]?
  var share: String?
  var key: String?
}

/// `POST /stories/{story}/items`.
struct ItemRequest: Decodable, Sendable {
  var key: String?
  var dimension: String
  var visibility: String
  var description: String?
  var quantity: String?
  var unit: String?
  var monetised: String?
  var weight: Int?
  var evidence: String?
  var on: String?
}

/// What a recording request did.
struct RecordedResponse: Encodable, Sendable {
  /// The node path, story key or item key recorded.
  var key: String
  /// The story's version after the append (0 for nodes).
  var version: Int
  /// Whether the idempotency key had been used, so nothing was recorded.
  var isRepeat: Bool
  /// The sequence numbers of the events recorded.
  var events: [UInt64]

  init<Ref: CustomStringConvertible>(_ recorded: Ledger.Recorded<Ref>) {
    self.init(recorded, key: recorded.ref.description)
  }

  init<Ref>(_ recorded: Ledger.Recorded<Ref>, key: String) {
    self.key = key
    version = recorded.version
    isRepeat = recorded.append.isRepeat
    events = recorded.append.events.map(\.sequence)
  }
}

/// One row of SPEC §4.2's time series, with its column names; monetised figures as strings
/// (exact decimals).
struct TimeSeriesEntry: Encodable, Sendable {
  var periodStart: String
  var periodEnd: String
  var node: String
  var level: String
  var dimension: String
  var stories: Int
  var itemsRecorded: Int
  var madeVisible: Int
  var visibleItems: Int
  var invisibleItems: Int
  var monetisedVisible: String
  var monetisedInvisible: String

  /// The keys are SPEC §4.2's column names.
  enum CodingKeys: String, CodingKey {
    case periodStart = "period_start"
    case periodEnd = "period_end"
    case itemsRecorded = "items_recorded"
    case madeVisible = "made_visible"
    case visibleItems = "visible_items"
    case invisibleItems = "invisible_items"
    case monetisedVisible = "monetised_visible"
    case monetisedInvisible = "monetised_invisible"
    case node, level, dimension, stories
  }

  init(_ row: TimeSeriesRow) {
    periodStart = row.periodStart.description
    periodEnd = row.periodEnd.description
    node = row.node.description
    level = row.level
    dimension = row.dimension.rawValue
    stories = row.stories
    itemsRecorded = row.itemsRecorded
    madeVisible = row.madeVisible
    visibleItems = row.visibleItems
    invisibleItems = row.invisibleItems
    monetisedVisible = row.monetisedVisible.description
    monetisedInvisible = row.monetisedInvisible.description
  }
}
