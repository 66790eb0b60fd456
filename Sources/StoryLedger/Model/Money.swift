/// An exact amount of money in the ledger's currency, kept in hundredths (cents).
///
/// Monetised proxy values have at most two decimal places and are added with integer
/// arithmetic, never binary floating point, so totals are exact.
///
/// ```swift
/// let total = try Money(parsing: "1250.5") + Money(parsing: "0.75")
/// total.description  // "1251.25"
/// ```
public struct Money: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
  /// The amount in hundredths of the currency unit.
  public var cents: Int64

  /// No money.
  public static let zero = Money(cents: 0)

  /// The largest magnitude accepted from input, in cents: 999,999,999,999.99.
  public static let maximumMagnitude: Int64 = 99_999_999_999_999

  /// Creates an amount from hundredths of the currency unit.
  public init(cents: Int64) { self.cents = cents }

  /// Parses a decimal with at most two decimal places, such as `1250`, `87.5` or `-3.25`.
  ///
  /// - Throws: ``ValueError`` when the text is not a decimal number, has more than two
  ///   decimal places, or is larger than ``maximumMagnitude`` cents.
  public init(parsing text: String, field: String = "monetised") throws(ValueError) {
    var copy = text
    let result = copy.withUTF8 { Money.parse(UnsafeRawBufferPointer($0)) }
    switch result {
    case .success(let money): self = money
    case .failure(let reason): throw ValueError(field: field, value: text, reason: reason.message)
    }
  }

  /// Why a text is not an amount of money.
  enum ParseFailure: Error {
    case notANumber
    case tooManyDecimals(Int)
    case tooLarge
    var message: String {
      switch self {
      case .notANumber: "is not a decimal number (use digits and a point, e.g. 1250.50)"
      case .tooManyDecimals(let count):
        "has \(count) decimal places; at most 2 are allowed"
      case .tooLarge: "is too large (at most 999999999999.99)"
      }
    }
  }

  static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<Money, ParseFailure> {
    var index = 0
    var negative = false
    if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
      negative = bytes[index] == UInt8(ascii: "-")
      index += 1
    }
    var units: Int64 = 0
    var integerDigits = 0
    while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
      if integerDigits >= 13 && units > 0 { return .failure(.tooLarge) }
      units = units * 10 + Int64(bytes[index] - 48)
      integerDigits += 1
      index += 1
    }
    var fraction: Int64 = 0
    var fractionDigits = 0
    if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
      index += 1
      while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
        if fractionDigits < 2 { fraction = fraction * 10 + Int64(bytes[index] - 48) }
        fractionDigits += 1
        index += 1
      }
      if fractionDigits == 0 { return .failure(.notANumber) }
    }
    // A digit before the point, as quantities require too: "0.5", not ".5".
    guard index == bytes.count, integerDigits > 0 else {
      return .failure(.notANumber)
    }
    if fractionDigits > 2 { return .failure(.tooManyDecimals(fractionDigits)) }
    if fractionDigits == 1 { fraction *= 10 }
    let cents = units * 100 + fraction
    guard cents <= maximumMagnitude else { return .failure(.tooLarge) }
    return .success(Money(cents: negative ? -cents : cents))
  }

  /// The amount with exactly two decimal places, for example `-12.50`.
  public var description: String {
    let magnitude = cents.magnitude
    let units = magnitude / 100
    let fraction = magnitude % 100
    return (cents < 0 ? "-" : "") + String(units) + (fraction < 10 ? ".0" : ".") + String(fraction)
  }

  /// Adds two amounts.
  public static func + (lhs: Money, rhs: Money) -> Money { Money(cents: lhs.cents + rhs.cents) }
  /// Subtracts two amounts.
  public static func - (lhs: Money, rhs: Money) -> Money { Money(cents: lhs.cents - rhs.cents) }
  /// Adds `rhs` to `lhs`.
  public static func += (lhs: inout Money, rhs: Money) { lhs.cents += rhs.cents }
  /// Orders amounts by value.
  public static func < (lhs: Money, rhs: Money) -> Bool { lhs.cents < rhs.cents }

  /// Encodes the amount as its two-decimal text (never as a binary floating-point number).
  public func encode(to encoder: any Encoder) throws {
    try encoder.encodeText(description)
  }

  /// Decodes an amount from its decimal text.
  public init(from decoder: any Decoder) throws {
    self = try Money(parsing: decoder.decodedText())
  }
}

/// Validation of decimal quantities (such as `12` or `3.5`), kept as the text given.
public enum DecimalText {
  /// Whether `text` is a decimal number: optional sign, digits, optional point and digits.
  ///
  /// ```swift
  /// DecimalText.isValid("3.5")   // true
  /// DecimalText.isValid("3,5")   // false
  /// ```
  public static func isValid(_ text: String) -> Bool {
    var sawDigit = false
    var sawPoint = false
    var digitsAfterPoint = 0
    for (offset, byte) in text.utf8.enumerated() {
      switch byte {
      case UInt8(ascii: "-"), UInt8(ascii: "+"):
        if offset != 0 { return false }
      case UInt8(ascii: "."):
        if sawPoint || !sawDigit { return false }
        sawPoint = true
      case 48...57:
        sawDigit = true
        if sawPoint { digitsAfterPoint += 1 }
      default: return false
      }
    }
    return sawDigit && (!sawPoint || digitsAfterPoint > 0) && text.utf8.count <= 40
  }

  /// Validates a quantity, throwing a ``ValueError`` that says what a quantity looks like.
  public static func validate(_ text: String, field: String = "quantity") throws(ValueError) {
    guard isValid(text) else {
      throw ValueError(
        field: field, value: text, reason: "is not a decimal number (for example 12 or 3.5)")
    }
  }
}
