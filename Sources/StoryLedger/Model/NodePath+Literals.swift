/// Paths written in code: from segments, or from a string literal.
///
/// Text that comes from outside the program (a user, a file, a request) goes through the
/// throwing ``NodePath/init(parsing:field:)``; paths known when the code is written can be
/// spelt as literals or segments:
///
/// ```swift
/// let north: NodePath = "nhs/north"
/// let team = try NodePath("nhs", "north", "team-03")
/// let summary = try ledger.summary(of: "nhs/north")
/// ```
extension NodePath: ExpressibleByStringLiteral {
  /// Creates a path from a string literal written in the program.
  ///
  /// A literal is part of the program, not input: an invalid one (`"nhs//north"`) is a
  /// programming error and stops the program with the reason. Parse text from elsewhere
  /// with ``init(parsing:field:)``.
  public init(stringLiteral value: StaticString) {
    self = parsedLiteral(value, "node path") { try NodePath(parsing: $0) }
  }

  /// Creates a path from its segments, top first, each checked as
  /// ``problem(withSegment:)`` says.
  ///
  /// ```swift
  /// let path = try NodePath("england", "north-east")  // england/north-east
  /// ```
  ///
  /// - Throws: ``ValueError`` naming the first invalid segment.
  public init(_ first: String, _ rest: String...) throws(ValueError) {
    try self.init(segments: [first] + rest)
  }

  /// Creates a path from its segments, top first.
  ///
  /// - Throws: ``ValueError`` when there are no segments or one is invalid.
  public init(segments: [String], field: String = "node") throws(ValueError) {
    guard !segments.isEmpty else {
      throw ValueError(field: field, value: "", reason: "has no segments")
    }
    for (index, segment) in segments.enumerated() {
      if let problem = NodePath.problem(withSegment: segment) {
        throw ValueError(
          field: field, value: segments.joined(separator: "/"),
          reason: "has an invalid segment \(index + 1) \"\(segment)\": \(problem)")
      }
    }
    self.init(validSegments: segments)
  }

}
