/// The address of a node in the system's hierarchy: slug segments separated by `/`.
///
/// A segment is 1–64 characters of Unicode letters (with the combining marks and joiners their
/// scripts write them with), digits, `-`, `_` and `.`; segments are
/// case-sensitive and never empty. The depth (number of segments) selects the level name.
/// Paths order by the bytes of their UTF-8 text, as exports sort them.
///
/// ```swift
/// let team = try NodePath(parsing: "england/north-east/trust-07/team-03")
/// team.depth            // 4
/// team.parent?.description  // "england/north-east/trust-07"
/// ```
public struct NodePath: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
  /// The segments, top first.
  public let segments: [String]

  /// The path as text, segments joined by `/`.
  public let description: String

  /// Parses and validates a path.
  ///
  /// - Throws: ``ValueError`` naming the offending segment and what a segment may hold.
  public init(parsing text: String, field: String = "node") throws(ValueError) {
    guard !text.isEmpty else {
      throw ValueError(
        field: field, value: text, reason: "is empty; give a path such as england/london")
    }
    try self.init(
      segments: text.split(separator: "/", omittingEmptySubsequences: false).map(String.init),
      field: field)
  }

  /// Creates a path from segments already known to be valid.
  init(validSegments: [String]) {
    self.segments = validSegments
    self.description = validSegments.joined(separator: "/")
  }

  /// Why `segment` is not a valid path segment, or `nil` when it is.
  public static func problem(withSegment segment: String) -> String? {
    if segment.isEmpty { return "a segment cannot be empty (no leading, trailing or double /)" }
    if segment == "." || segment == ".." {
      return
        "a segment cannot be . or .. (they read as this place and its parent); use letters or digits in it"
    }
    for scalar in segment.unicodeScalars {
      guard isSegmentScalar(scalar) else {
        return "\"\(scalar)\" is not allowed; use letters, digits, -, _ and ."
      }
    }
    let count = segment.count
    if count > 64 { return "it has \(count) characters; at most 64 are allowed" }
    return nil
  }

  static func isSegmentScalar(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x5F, 0x2E: return true
    case 0..<0x80: return false
    default:
      // Letters with the marks their scripts write them with (Bengali, Devanagari, Thai,
      // Arabic vowel signs…) and the joiners Persian and Indic words need.
      if scalar.value == 0x200C || scalar.value == 0x200D { return true }
      switch scalar.properties.generalCategory {
      case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
        .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber:
        return true
      default: return false
      }
    }
  }

  /// The number of segments.
  public var depth: Int { segments.count }

  /// The last segment.
  public var name: String { segments.last ?? "" }

  /// The path of the parent node, or `nil` for a top-level node.
  public var parent: NodePath? {
    segments.count > 1 ? NodePath(validSegments: Array(segments.dropLast())) : nil
  }

  /// The ancestor of this path at `depth` (the path itself at its own depth).
  public func prefix(depth: Int) -> NodePath {
    NodePath(validSegments: Array(segments.prefix(depth)))
  }

  /// This path with one more segment (which must be valid).
  public func appending(_ segment: String) throws(ValueError) -> NodePath {
    if let problem = NodePath.problem(withSegment: segment) {
      throw ValueError(field: "segment", value: segment, reason: problem)
    }
    return NodePath(validSegments: segments + [segment])
  }

  /// Whether this path is `other` or one of its ancestors.
  public func contains(_ other: NodePath) -> Bool {
    other.segments.count >= segments.count
      && Array(other.segments.prefix(segments.count)) == segments
  }

  /// Orders paths by the bytes of their UTF-8 text.
  public static func < (lhs: NodePath, rhs: NodePath) -> Bool {
    lhs.description.utf8.lexicographicallyPrecedes(rhs.description.utf8)
  }

  /// Equality is segment-wise and exact (byte for byte).
  public static func == (lhs: NodePath, rhs: NodePath) -> Bool {
    var left = lhs.description
    var right = rhs.description
    guard left.utf8.count == right.utf8.count else { return false }
    return left.withUTF8 { a in right.withUTF8 { b in a.elementsEqual(b) } }
  }

  /// Hashes the UTF-8 bytes of the path.
  public func hash(into hasher: inout Hasher) {
    var text = description
    text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
  }

  /// Encodes the path as its text.
  public func encode(to encoder: any Encoder) throws {
    try encoder.encodeText(description)
  }

  /// Decodes and validates a path from its text.
  public init(from decoder: any Decoder) throws {
    self = try NodePath(parsing: decoder.decodedText())
  }
}

/// Validation of the short keys people give stories and items (`S000123`, `i1`, `wellbeing`).
public enum Key {
  /// The longest key accepted.
  public static let maximumLength = 64

  /// Validates a story or item key: 1–64 characters of letters, digits, `-`, `_`, `.`.
  ///
  /// ```swift
  /// try Key.validate("S000123", field: "story")
  /// ```
  public static func validate(_ key: String, field: String) throws(ValueError) {
    if key.isEmpty {
      throw ValueError(field: field, value: key, reason: "is empty; a key is required")
    }
    if let problem = NodePath.problem(withSegment: key) {
      throw ValueError(field: field, value: key, reason: "is not a valid key: \(problem)")
    }
  }
}
