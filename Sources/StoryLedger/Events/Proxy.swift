import Foundation

/// A proxy's value was set from a date: what one unit of something is worth in the ledger's
/// currency, and where that figure comes from (`storyledger proxy set`).
///
/// Calculating value means "summing, or converting using proxy data and multipliers". An
/// item priced by a proxy (``ItemFacts/proxy``) has the monetised value *quantity × the
/// proxy's value on the item's date × multiplier*, recorded with the proxy's name and the
/// multiplier, so that anyone can see how the figure was reached. A proxy keeps every value
/// it was given, each from its date; setting a value again from a date revises the figures
/// of the items priced by it from that date, by `item.revised` events appended in the same
/// batch.
///
/// ```swift
/// try ledger.setProxy(
///   "bed-day", value: Money(cents: 40_000), per: "bed-day",
///   source: "NHS reference costs 2024", from: Day(year: 2024, month: 4, day: 1)!)
/// ```
public struct ProxySet: Hashable, Sendable {
  /// The proxy's name, in any language (one line), unique ignoring case.
  public var name: String
  /// What one unit is worth, in the ledger's currency.
  public var value: Money
  /// The unit it is a value of (`bed-day`, `GP appointment`).
  public var unit: String
  /// Where the figure comes from, in words (a published table, a study, a local finance
  /// team's estimate).
  public var source: String
  /// The first day the value applies (until the proxy's next value's date).
  public var from: Day

  /// Creates the event.
  public init(name: String, value: Money, unit: String, source: String, from: Day) {
    self.name = name
    self.value = value
    self.unit = unit
    self.source = source
    self.from = from
  }
}

/// `proxy.set`: its byte layout (version 1), all public.
extension EventCodec {
  static func writeProxySet<Sink: ByteSink>(_ event: ProxySet, into writer: inout Sink) {
    writer.appendString(event.name)
    writer.appendSigned(event.value.cents)
    writer.appendString(event.unit)
    writer.appendString(event.source)
    writer.appendDay(event.from)
  }

  static func readProxySet(_ reader: inout ByteReader) throws(DecodingFailure) -> ProxySet {
    let name = try reader.string()
    let value = Money(cents: try reader.signed())
    let unit = try reader.string()
    let source = try reader.string()
    let from = try reader.day()
    guard reader.isAtEnd else {
      throw DecodingFailure(description: "unexpected bytes after the proxy's value")
    }
    return ProxySet(name: name, value: value, unit: unit, source: source, from: from)
  }
}

/// The arithmetic of a figure priced by a proxy, exact to the cent.
public enum ProxyArithmetic {
  /// *quantity × value × multiplier*, rounded to the cent (halves away from zero).
  ///
  /// ```swift
  /// try ProxyArithmetic.monetised(quantity: "13", value: Money(cents: 40_000), multiplier: "1.5")
  /// // 7800.00
  /// ```
  ///
  /// - Throws: ``ValueError`` when the quantity or multiplier is not a decimal number, the
  ///   multiplier is not above zero, or the figure is too large for the ledger.
  public static func monetised(quantity: String, value: Money, multiplier: String?)
    throws(ValueError) -> Money
  {
    try DecimalText.validate(quantity)
    let multiplier = multiplier ?? "1"
    try validateMultiplier(multiplier)
    guard let amount = decimal(quantity), let factor = decimal(multiplier) else {
      throw ValueError(field: "quantity", value: quantity, reason: "is not a decimal number")
    }
    var product = amount * Decimal(value.cents) * factor
    var rounded = Decimal()
    NSDecimalRound(&rounded, &product, 0, .plain)
    let limit = Decimal(Money.maximumMagnitude)
    guard rounded <= limit, rounded >= -limit else {
      throw ValueError(
        field: "monetised", value: "\(quantity) × \(value) × \(multiplier)",
        reason: "is too large for the ledger")
    }
    return Money(cents: NSDecimalNumber(decimal: rounded).int64Value)
  }

  /// Checks a multiplier: a decimal number above zero.
  public static func validateMultiplier(_ text: String) throws(ValueError) {
    try DecimalText.validate(text, field: "multiplier")
    guard let value = decimal(text), value > 0 else {
      throw ValueError(
        field: "multiplier", value: text, reason: "must be above zero (for example 1.5)")
    }
  }

  private static func decimal(_ text: String) -> Decimal? {
    Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
  }
}
