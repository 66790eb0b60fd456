import Foundation

/// Who verified a story, and how, as a view shows it.
public struct VerificationView: Hashable, Sendable, Codable {
  /// Who verified it: empty once erased, `(withheld)` outside the story's share scope.
  public var by: String
  /// How it was verified.
  public var how: String
  /// The date of the verification.
  public var on: Day
  /// Creates a view.
  public init(by: String, how: String, on: Day) {
    self.by = by
    self.how = how
    self.on = on
  }
}

extension LedgerState {
  /// Checks a verification: the story exists and is active, someone is named, the how says
  /// something, and the date is not before the story was told.
  func validateVerification(_ verified: StoryVerified) throws(LedgerError) {
    guard let index = storyIndex(forKey: verified.story) else {
      throw LedgerError(.invalid, "no story \(verified.story)")
    }
    if isWithdrawn(index) {
      throw LedgerError(
        .invalid, "story \(verified.story) was withdrawn; a withdrawn story is not verified")
    }
    guard !verified.by.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw LedgerError(.invalid, "who verified the story cannot be empty", remedy: .namePerson)
    }
    if let problem = NameText.problem(in: verified.by) {
      throw LedgerError.invalid(ValueError(field: "by", value: verified.by, reason: problem))
    }
    try Prose.check(verified.how, field: "how")
    let told = stories[index].toldOn
    guard verified.on >= told else {
      throw LedgerError.invalid(
        ValueError(
          field: "on", value: verified.on.description,
          reason: "is before story \(verified.story) was told (\(told))"))
    }
  }

  /// The verifications of the story `key`, in date order (then the order recorded), names
  /// withheld when `showNames` is `false`.
  func verifications(ofStory key: String, showNames: Bool) -> [VerificationView] {
    var list: [(sequence: UInt64, view: VerificationView)] = []
    for record in dialogue {
      guard case .storyVerified(let verified) = record.payload, verified.story == key else {
        continue
      }
      list.append(
        (
          record.sequence,
          VerificationView(
            by: showNames ? verified.by : RecordedEvent.withheldMark, how: verified.how,
            on: verified.on)
        ))
    }
    return list.sorted { ($0.view.on, $0.sequence) < ($1.view.on, $1.sequence) }.map(\.view)
  }
}

/// Verifying stories: Most Significant Change's step of checking that a story happened as
/// told.
///
/// ```swift
/// try ledger.verifyStory("k3f9", by: "Dr Ioan Price", how: "Visited the ward and read the register.")
/// let history = try ledger.storyHistory("k3f9")
/// history.verifications.first?.how  // "Visited the ward and read the register."
/// ```
extension Ledger {
  /// Records that `by` verified a story on `on` (default: today), and how. The verifier's
  /// name is personal: `erase person` erases it.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` when the story does not exist or
  ///   was withdrawn, the name is empty or has a control character, the how says nothing, or
  ///   the date is before the story was told.
  @discardableResult
  public func verifyStory(
    _ story: StoryRef, by: String, how: String, on: Day? = nil,
    options: AppendOptions = AppendOptions()
  ) throws -> Recorded<StoryRef> {
    let day = on ?? today
    let name = by.trimmingCharacters(in: .whitespaces)
    let text = how.trimmingCharacters(in: .whitespacesAndNewlines)
    return try recordAboutStory(story, writing: .storyVerified, options: options) { key, _ in
      [.storyVerified(StoryVerified(story: key, by: name, how: text, on: day))]
    }
  }
}
