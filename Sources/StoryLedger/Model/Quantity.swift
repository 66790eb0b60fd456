import Foundation

/// A decimal quantity of an item of value, kept exactly as it was given (`"120"`, `"2.50"`).
///
/// The text is kept so that figures and exports show what was recorded; ``decimal`` gives
/// the number for arithmetic. It encodes as its text.
///
/// ```swift
/// let quantity = try Quantity(parsing: "2.50")
/// quantity.description  // "2.50"
/// ```
public struct Quantity: Hashable, Sendable, Codable, CustomStringConvertible,
  ExpressibleByStringLiteral
{
  /// The quantity as given.
  public let description: String

  /// Parses a decimal quantity: an optional sign, digits, an optional point and digits.
  ///
  /// - Throws: ``ValueError`` when `text` is not a decimal number.
  public init(parsing text: String, field: String = "quantity") throws(ValueError) {
    try DecimalText.validate(text, field: field)
    description = text
  }

  /// A quantity already known to be valid decimal text (read from the ledger).
  init(validText text: String) { description = text }

  /// Creates a quantity from a string literal written in the program; an invalid literal is
  /// a programming error and stops the program.
  public init(stringLiteral value: StaticString) {
    self = parsedLiteral(value, "quantity") { try Quantity(parsing: $0) }
  }

  /// The quantity as a number.
  public var decimal: Decimal { Decimal(string: description, locale: nil) ?? 0 }

  /// Decodes a quantity from its text.
  public init(from decoder: any Decoder) throws {
    description = try decoder.decodedText()
  }

  /// Encodes the quantity as its text.
  public func encode(to encoder: any Encoder) throws {
    try encoder.encodeText(description)
  }
}
