/// A value given by a person or a file that does not have the required form.
///
/// The message says which field, what was given, why it is wrong and, where the
/// valid values are few, which they are:
///
/// ```swift
/// do { _ = try Visibility(parsing: "seen") } catch {
///   print(error)  // visibility "seen" is not a visibility; valid values: visible, invisible
/// }
/// ```
public struct ValueError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The name of the field or option that was wrong (for example `monetised`).
  public var field: String
  /// The value as given.
  public var value: String
  /// Why the value is wrong, as a phrase that follows the value.
  public var reason: String
  /// The valid values, when they are a short list.
  public var validValues: [String]

  /// Creates an error for `value` of `field`.
  public init(field: String, value: String, reason: String, validValues: [String] = []) {
    self.field = field
    self.value = value
    self.reason = reason
    self.validValues = validValues
  }

  /// The message, for example `weight "6" is not an integer from 1 to 5`.
  public var description: String {
    var text = "\(field) \"\(value.prefix(80))\" \(reason)"
    if !validValues.isEmpty { text += "; valid values: \(validValues.joined(separator: ", "))" }
    return text
  }

  /// The case of `Word` whose raw value is `text`, ignoring case; else an error for `field`
  /// with `reason` that lists the valid words.
  static func word<Word: RawRepresentable & CaseIterable>(
    _ text: String, field: String, reason: String
  ) throws(ValueError) -> Word where Word.RawValue == String {
    guard let word = Word(rawValue: text.lowercased()) else {
      throw ValueError(
        field: field, value: text, reason: reason, validValues: Word.allCases.map(\.rawValue))
    }
    return word
  }
}
