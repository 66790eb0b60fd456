/// The byte layout of ``ItemFacts``: a mask of the facts given, then each of them in mask
/// order. Every path that writes or reads item facts goes through it: the decoder
/// (``EventCodec``), the fast fold, the import planner and its plan.
///
/// ```swift
/// var writer = ByteWriter()
/// ItemFactsCodec.write(ItemFacts(visibility: .visible, weight: 3), into: &writer)
/// writer.bytes  // [0b0010_0001, 1, 3]
/// ```
enum ItemFactsCodec {
  /// The facts a layout holds: one bit each, in the order they are written.
  struct Fields: OptionSet {
    let rawValue: UInt8

    /// One byte: 1 visible, 0 invisible.
    static let visibility = Fields(rawValue: 1)
    /// A length-prefixed text.
    static let description = Fields(rawValue: 2)
    /// A length-prefixed decimal text.
    static let quantity = Fields(rawValue: 4)
    /// A length-prefixed text.
    static let unit = Fields(rawValue: 8)
    /// Cents, zig-zag varint.
    static let monetised = Fields(rawValue: 16)
    /// One byte, 1 to 5.
    static let weight = Fields(rawValue: 32)
    /// A length-prefixed text.
    static let evidence = Fields(rawValue: 64)
    /// A second mask byte follows, of ``MoreFields`` (schema version 2 of the item events).
    static let more = Fields(rawValue: 128)

    /// Every fact this build knows; a mask with another bit does not decode.
    static let known: Fields = [
      .visibility, .description, .quantity, .unit, .monetised, .weight, .evidence, .more,
    ]
  }

  /// The facts of the second mask byte, written after the first mask's facts.
  struct MoreFields: OptionSet {
    let rawValue: UInt8
    /// A length-prefixed text: the evidence link.
    static let evidenceLink = MoreFields(rawValue: 1)
    /// A length-prefixed text: the evidence file's SHA-256 digest in hexadecimal.
    static let evidenceDigest = MoreFields(rawValue: 2)
    /// A length-prefixed text: the proxy the monetised value was computed from.
    static let proxy = MoreFields(rawValue: 4)
    /// A length-prefixed decimal text: the multiplier applied with the proxy.
    static let multiplier = MoreFields(rawValue: 8)
    /// Every fact of the second byte this build knows.
    static let known: MoreFields = [.evidenceLink, .evidenceDigest, .proxy, .multiplier]
  }

  /// Writes facts whose texts are `Text` (strings, or bytes already checked as UTF-8).
  @inline(__always)
  static func write<Text: LayoutText, Sink: ByteSink>(
    visibility: Visibility?, description: Text?, quantity: Text?, unit: Text?,
    monetised: Money?, weight: Int?, evidence: Text?, evidenceLink: Text? = nil,
    evidenceDigest: Text? = nil, proxy: Text? = nil, multiplier: Text? = nil,
    into sink: inout Sink
  ) {
    var more: MoreFields = []
    if evidenceLink != nil { more.insert(.evidenceLink) }
    if evidenceDigest != nil { more.insert(.evidenceDigest) }
    if proxy != nil { more.insert(.proxy) }
    if multiplier != nil { more.insert(.multiplier) }
    var fields: Fields = more.isEmpty ? [] : [.more]
    if visibility != nil { fields.insert(.visibility) }
    if description != nil { fields.insert(.description) }
    if quantity != nil { fields.insert(.quantity) }
    if unit != nil { fields.insert(.unit) }
    if monetised != nil { fields.insert(.monetised) }
    if weight != nil { fields.insert(.weight) }
    if evidence != nil { fields.insert(.evidence) }
    sink.append(fields.rawValue)
    if let visibility { sink.append(visibility == .visible ? 1 : 0) }
    description?.appendLengthPrefixed(to: &sink)
    quantity?.appendLengthPrefixed(to: &sink)
    unit?.appendLengthPrefixed(to: &sink)
    if let monetised { sink.appendSigned(monetised.cents) }
    if let weight { sink.append(UInt8(clamping: weight)) }
    evidence?.appendLengthPrefixed(to: &sink)
    guard !more.isEmpty else { return }
    sink.append(more.rawValue)
    evidenceLink?.appendLengthPrefixed(to: &sink)
    evidenceDigest?.appendLengthPrefixed(to: &sink)
    proxy?.appendLengthPrefixed(to: &sink)
    multiplier?.appendLengthPrefixed(to: &sink)
  }

  /// Writes `facts`.
  static func write<Sink: ByteSink>(_ facts: ItemFacts, into sink: inout Sink) {
    write(
      visibility: facts.visibility, description: facts.description, quantity: facts.quantity,
      unit: facts.unit, monetised: facts.monetised, weight: facts.weight,
      evidence: facts.evidence, evidenceLink: facts.evidenceLink,
      evidenceDigest: facts.evidenceDigest, proxy: facts.proxy, multiplier: facts.multiplier,
      into: &sink)
  }

  /// Reads facts, checking every one; their texts are empty unless the reader materializes
  /// text (the fast fold keeps only the visibility and the monetised value).
  @inline(__always)
  static func read(_ reader: inout ByteReader) throws(DecodingFailure) -> ItemFacts {
    let fields = Fields(rawValue: try reader.byte())
    guard fields.isSubset(of: .known) else {
      throw DecodingFailure(description: "unknown item facts")
    }
    var facts = ItemFacts()
    if fields.contains(.visibility) {
      facts.visibility = try reader.byte() == 1 ? .visible : .invisible
    }
    if fields.contains(.description) { facts.description = try reader.string() }
    if fields.contains(.quantity) { facts.quantity = try reader.string() }
    if fields.contains(.unit) { facts.unit = try reader.string() }
    if fields.contains(.monetised) { facts.monetised = Money(cents: try reader.signed()) }
    if fields.contains(.weight) { facts.weight = Int(try reader.byte()) }
    if fields.contains(.evidence) { facts.evidence = try reader.string() }
    if fields.contains(.more) {
      let more = MoreFields(rawValue: try reader.byte())
      guard !more.isEmpty, more.isSubset(of: .known) else {
        throw DecodingFailure(description: "unknown item facts")
      }
      if more.contains(.evidenceLink) { facts.evidenceLink = try reader.string() }
      if more.contains(.evidenceDigest) { facts.evidenceDigest = try reader.string() }
      if more.contains(.proxy) { facts.proxy = try reader.string() }
      if more.contains(.multiplier) { facts.multiplier = try reader.string() }
    }
    return facts
  }

  /// The facts that encoded facts starting with `firstByte` hold.
  static func fields(startingWith firstByte: UInt8) -> Fields { Fields(rawValue: firstByte) }
}

/// Item facts as an item event's layout takes them: an ``ItemFacts`` value, or facts
/// already encoded by ``ItemFactsCodec`` (an import row's).
protocol ItemFactsLayout {
  /// Appends the facts in ``ItemFactsCodec``'s layout.
  func write<Sink: ByteSink>(into sink: inout Sink)
}

extension ItemFacts: ItemFactsLayout {
  func write<Sink: ByteSink>(into sink: inout Sink) { ItemFactsCodec.write(self, into: &sink) }
}

/// Bytes that ``ItemFactsCodec`` wrote.
struct EncodedItemFacts: ItemFactsLayout {
  let bytes: UnsafeRawBufferPointer

  @inline(__always)
  func write<Sink: ByteSink>(into sink: inout Sink) { sink.append(bytes) }
}
