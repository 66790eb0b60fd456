/// The byte layouts of the four events that make up nearly every log: `story.told`,
/// `story.telling`, `item.recorded` and `item.revised`.
///
/// Each layout is written and read here only. Writers take their texts as ``LayoutText``
/// (strings from a payload, or an import's bytes); readers return the fields as byte
/// slices of the record, checked as the decoder checks them, so that the decoder
/// (``EventCodec``), the fast fold (`LedgerState.foldEncoded`) and an import plan share
/// one layout: changing one is one edit here.

/// `story.told`: key, node, date, title, tags, share; the tellers in the personal part.
enum StoryToldCodec {
  /// The public fields, as checked bytes.
  typealias Fields = (
    key: UnsafeRawBufferPointer, node: UnsafeRawBufferPointer, on: Day,
    title: UnsafeRawBufferPointer, tags: CheckedTextList, share: UnsafeRawBufferPointer
  )

  @inline(__always)
  static func write<Sink: ByteSink>(
    key: some LayoutText, node: NodePath, on: Day, title: some LayoutText, tags: [String],
    share: some LayoutText, into sink: inout Sink
  ) {
    key.appendLengthPrefixed(to: &sink)
    sink.appendString(node.description)
    sink.appendDay(on)
    title.appendLengthPrefixed(to: &sink)
    sink.appendStrings(tags)
    share.appendLengthPrefixed(to: &sink)
  }

  @inline(__always)
  static func writePersonal<Sink: ByteSink>(tellers: [String], into sink: inout Sink) {
    sink.appendStrings(tellers)
  }

  @inline(__always)
  static func read(_ reader: inout ByteReader) throws(DecodingFailure) -> Fields {
    (
      key: try reader.textBytes(), node: try reader.textBytes(), on: try reader.day(),
      title: try reader.textBytes(), tags: try reader.textList(), share: try reader.textBytes()
    )
  }

  /// The tellers, or `nil` when the personal part was erased.
  @inline(__always)
  static func readPersonal(_ bytes: UnsafeRawBufferPointer?) throws(DecodingFailure)
    -> CheckedTextList?
  {
    guard let bytes else { return nil }
    var personal = ByteReader(bytes)
    return try personal.textList()
  }
}

/// `story.telling`: the story's key and the date; the narrative in the personal part.
enum TellingCodec {
  @inline(__always)
  static func write<Sink: ByteSink>(story: some LayoutText, on: Day, into sink: inout Sink) {
    story.appendLengthPrefixed(to: &sink)
    sink.appendDay(on)
  }

  @inline(__always)
  static func writePersonal<Sink: ByteSink>(narrative: some LayoutText, into sink: inout Sink) {
    narrative.appendLengthPrefixed(to: &sink)
  }

  @inline(__always)
  static func read(_ reader: inout ByteReader) throws(DecodingFailure) -> (
    story: UnsafeRawBufferPointer, on: Day
  ) {
    (try reader.textBytes(), try reader.day())
  }

  /// The narrative; empty when the personal part was erased.
  @inline(__always)
  static func readPersonal(_ bytes: UnsafeRawBufferPointer?) throws(DecodingFailure)
    -> UnsafeRawBufferPointer
  {
    guard let bytes else { return UnsafeRawBufferPointer(start: nil, count: 0) }
    var personal = ByteReader(bytes)
    return try personal.textBytes()
  }
}

/// `item.recorded` (story, item, date, dimension, facts) and `item.revised` (the same
/// without the dimension).
enum ItemEventCodec {
  /// The fields, as checked bytes and decoded facts.
  struct Fields {
    var story: UnsafeRawBufferPointer
    var item: UnsafeRawBufferPointer
    var on: Day
    /// The dimension's index; `nil` for a revision.
    var dimensionIndex: UInt8?
    var facts: ItemFacts
  }

  /// Writes an `item.recorded` layout when `dimension` is given, else an `item.revised` one.
  @inline(__always)
  static func write<Sink: ByteSink>(
    story: some LayoutText, item: some LayoutText, on: Day, dimension: Dimension?,
    facts: some ItemFactsLayout, into sink: inout Sink
  ) {
    story.appendLengthPrefixed(to: &sink)
    item.appendLengthPrefixed(to: &sink)
    sink.appendDay(on)
    if let dimension { sink.append(UInt8(dimension.index)) }
    facts.write(into: &sink)
  }

  /// Reads an `item.recorded` layout when `recorded`, else an `item.revised` one; the
  /// facts' texts are materialized as the reader says.
  @inline(__always)
  static func read(_ reader: inout ByteReader, recorded: Bool) throws(DecodingFailure)
    -> Fields
  {
    let story = try reader.textBytes()
    let item = try reader.textBytes()
    let on = try reader.day()
    var dimensionIndex: UInt8?
    if recorded {
      let index = try reader.byte()
      guard index < 3 else { throw DecodingFailure(description: "unknown dimension \(index)") }
      dimensionIndex = index
    }
    let facts = try ItemFactsCodec.read(&reader)
    return Fields(story: story, item: item, on: on, dimensionIndex: dimensionIndex, facts: facts)
  }

  /// The dimension at `index` (checked by ``read(_:recorded:)``); `Dimension.allCases`
  /// would build an array per event.
  @inline(__always)
  static func dimension(at index: UInt8) -> Dimension {
    switch index {
    case 0: .capacitating
    case 1: .calibrating
    default: .calculating
    }
  }
}
