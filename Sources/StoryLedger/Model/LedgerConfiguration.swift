import Foundation

/// The settings a ledger is created with: its level names, currency and time zone.
///
/// Levels are ordered names, top first; a node's depth selects its level. The
/// configuration is the first event of every ledger, so it is as tamper-evident as the
/// stories themselves.
///
/// ```swift
/// let configuration = try LedgerConfiguration(
///   levels: ["national", "region", "organisation", "team"], currency: "GBP")
/// configuration.level(ofDepth: 2)  // "region"
/// ```
public struct LedgerConfiguration: Hashable, Sendable, Codable {
  /// The default levels: `national`, `regional`, `local`, `personal`.
  public static let defaultLevels = ["national", "regional", "local", "personal"]

  /// Level names, top first.
  public let levels: [String]
  /// The ISO 4217 code of the currency monetised values are in, if any.
  public let currency: String?
  /// The IANA identifier of the time zone calendar computations use (`UTC` by default).
  public let timeZoneIdentifier: String

  /// Creates and validates a configuration.
  ///
  /// - Throws: ``ValueError`` for an empty, repeated or malformed level name, a currency
  ///   that is not three letters, or an unknown time zone.
  public init(
    levels: [String] = LedgerConfiguration.defaultLevels, currency: String? = nil,
    timeZoneIdentifier: String = "UTC"
  ) throws(ValueError) {
    guard !levels.isEmpty, levels.count <= 32 else {
      throw ValueError(
        field: "levels", value: levels.joined(separator: ","),
        reason: "must name between 1 and 32 levels, top first")
    }
    var seen = Set<String>()
    for level in levels {
      guard !level.isEmpty, level.utf8.count <= 64,
        level.unicodeScalars.allSatisfy({ NodePath.isSegmentScalar($0) && $0 != "." })
      else {
        throw ValueError(
          field: "levels", value: level,
          reason: "is not a valid level name (use letters, digits, - and _)")
      }
      guard seen.insert(level.lowercased()).inserted else {
        throw ValueError(field: "levels", value: level, reason: "is named twice")
      }
    }
    if let currency {
      guard currency.utf8.count == 3,
        currency.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) })
      else {
        throw ValueError(
          field: "currency", value: currency,
          reason: "is not an ISO 4217 currency code (three capital letters, e.g. GBP)")
      }
    }
    guard TimeZone(identifier: timeZoneIdentifier) != nil else {
      throw ValueError(
        field: "timezone", value: timeZoneIdentifier,
        reason: "is not a known time zone (use an IANA name such as UTC or Europe/London)")
    }
    self.levels = levels
    self.currency = currency
    self.timeZoneIdentifier = timeZoneIdentifier
  }

  /// Creates a configuration from values known to be valid.
  init(validLevels: [String], currency: String?, timeZoneIdentifier: String) {
    self.levels = validLevels
    self.currency = currency
    self.timeZoneIdentifier = timeZoneIdentifier
  }

  /// The time zone calendar computations use.
  public var timeZone: TimeZone { TimeZone(identifier: timeZoneIdentifier) ?? .gmt }

  /// The level name of a node at `depth` (1 is the top), or `nil` past the deepest level.
  public func level(ofDepth depth: Int) -> String? {
    depth >= 1 && depth <= levels.count ? levels[depth - 1] : nil
  }

  /// The depth (1 is the top) of the level called `name`, matched exactly.
  public func depth(ofLevel name: String) -> Int? {
    levels.firstIndex(of: name).map { $0 + 1 }
  }

  /// Parses a level name, throwing an error that lists the levels when it is not one.
  public func depth(parsingLevel name: String, field: String = "level") throws(ValueError) -> Int {
    if let depth = depth(ofLevel: name) { return depth }
    if let index = levels.firstIndex(where: { $0.lowercased() == name.lowercased() }) {
      return index + 1
    }
    throw ValueError(
      field: field, value: name, reason: "is not a level of this ledger", validValues: levels)
  }

  /// Validates that `path` is no deeper than the levels.
  public func validate(_ path: NodePath, field: String = "node") throws(ValueError) {
    guard path.depth <= levels.count else {
      throw ValueError(
        field: field, value: path.description,
        reason:
          "is \(path.depth) levels deep but the ledger has \(levels.count) levels (\(levels.joined(separator: ", ")))"
      )
    }
  }
}
