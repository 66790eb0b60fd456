import Testing

@testable import StoryLedger

/// The fast paths of reading the log: SHA-256 in lanes, UTF-8 checked by hand, payloads
/// decoded without generic calls. Each is held to the plain way of doing the same thing.
@Suite("Fast decoding and hashing")
struct DecodingTests {
  /// Whether the standard library accepts `bytes` as UTF-8.
  static func standardAccepts(_ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { String(validating: $0, as: UTF8.self) != nil }
  }

  static func fastAccepts(_ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { ByteReader.isValidUTF8($0) }
  }

  /// Every sequence of one and two bytes, and every lead of three and four with every
  /// second byte and telling continuations.
  @Test func utf8ValidationAgreesWithTheStandardLibraryOnShortSequences() {
    var disagreements: [[UInt8]] = []
    func compare(_ bytes: [UInt8]) {
      if DecodingTests.fastAccepts(bytes) != DecodingTests.standardAccepts(bytes) {
        disagreements.append(bytes)
      }
    }
    for first in 0...255 {
      compare([UInt8(first)])
      for second in 0...255 { compare([UInt8(first), UInt8(second)]) }
    }
    let continuations: [UInt8] = [0x41, 0x80, 0xBF, 0xC0]
    for lead in UInt8(0xE0)...0xFF {
      for second in 0...255 {
        for third in continuations {
          compare([lead, UInt8(second), third])
          for fourth in continuations where lead >= 0xF0 {
            compare([lead, UInt8(second), third, fourth])
          }
        }
      }
    }
    #expect(disagreements.count == 0, "\(disagreements.prefix(10))")
  }

  /// Longer text, where the eight-byte ASCII step and the overlapping last word matter.
  @Test func utf8ValidationAgreesWithTheStandardLibraryOnText() {
    var generator = SplitMix(seed: 42)
    let pieces: [[UInt8]] = [
      Array("a".utf8), Array("Zz09-".utf8), Array("é".utf8), Array("€".utf8), Array("😀".utf8),
      [0x80], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF],
      [0xFF],
    ]
    var disagreements: [[UInt8]] = []
    for _ in 0..<3_000 {
      var bytes: [UInt8] = []
      let count = Int(generator.next() % 24)
      for _ in 0..<count {
        // Mostly ASCII, as the log's text is.
        let pick = Int(generator.next() % 40)
        bytes += pick < pieces.count ? pieces[pick] : pieces[pick % 2]
      }
      if DecodingTests.fastAccepts(bytes) != DecodingTests.standardAccepts(bytes) {
        disagreements.append(bytes)
      }
    }
    #expect(disagreements.count == 0, "\(disagreements.prefix(10))")
  }

  @Test(arguments: [[UInt8](), Array("plain".utf8), Array("Café mornings · €5".utf8)])
  func textReadsWhatWasWritten(bytes: [UInt8]) throws {
    let text = try bytes.withUnsafeBytes { try ByteReader.text($0) }
    #expect(Array(text.utf8) == bytes)
  }

  @Test(arguments: [[0xC3], [0x61, 0x80], [0xED, 0xA0, 0x80], Array("abcdefgh".utf8) + [0xFE]])
  func textRejectsInvalidUTF8(bytes: [UInt8]) {
    #expect(throws: DecodingFailure.self) {
      _ = try bytes.withUnsafeBytes { try ByteReader.text($0) }
    }
  }

  static let payloads: [EventPayload] = {
    let day = Day(daysSinceEpoch: 20_500)
    let node = NodePath(validSegments: ["england", "café", "zürich-2"])
    var payloads: [EventPayload] = [
      .nodeAdded(NodeAdded(path: NodePath(validSegments: ["england"]), name: "England")),
      .nodeAdded(NodeAdded(path: node, name: "Zürich")),
      .storyTold(
        StoryTold(
          key: "S1", node: node, on: day, title: "A long title that does not fit inline",
          tellers: ["Ana Díaz", "Bo"], tags: ["a", "b"], share: "regional")),
      .tellingRecorded(TellingRecorded(story: "S1", on: day, narrative: "Retold.\nTwice.")),
      .storyAnswered(
        StoryAnswered(
          story: "S1", on: day,
          answers: [
            Answer(question: "Comment vous sentez-vous ?", value: .choice("plein d'espoir")),
            Answer(question: "Needed", value: .choices(["trust", "время"])),
            Answer(
              question: "Trust",
              value: .number("72.5", scale: AnswerScale(minimum: "0", maximum: "100"))),
            Answer(question: "Count", value: .number("-3", scale: nil)),
            Answer(question: "Again?", value: .boolean(true)),
            Answer(question: "Never?", value: .boolean(false)),
            Answer(question: "Ward", value: .text("Ward 7\nnorth"), isPersonal: true),
          ])),
      .storyAnswered(
        StoryAnswered(
          story: "S1", on: day, answers: [Answer(question: "Q", value: .text(""))])),
      .itemRevised(ItemRevised(story: "S1", item: "i1", on: day, facts: ItemFacts())),
      .itemRated(ItemRated(story: "S1", item: "i1", by: "李小龍", weight: 4, on: day)),
      .itemRated(ItemRated(story: "S1", item: "i1", by: "Zoë", weight: 1, on: day, first: 12)),
      .itemAgreed(ItemAgreed(story: "S1", item: "i1", weight: 3, on: day)),
      .domainAdded(GroupingAdded(name: "Changements dans la vie des gens", description: "Vies.")),
      .campaignAdded(GroupingAdded(name: "変化の日 2026")),
      .participantAdded(
        ParticipantAdded(
          name: "Zoë Ångström",
          attributes: [.init(key: "role", value: "nurse"), .init(key: "役割", value: "看護師")],
          consent: day)),
      .participantAdded(ParticipantAdded(name: "Bo")),
      .proxySet(
        ProxySet(
          name: "consulta de atención primaria", value: Money(cents: -3_550), unit: "consulta",
          source: "Tarifas 2026", from: day)),
      .itemRevised(
        ItemRevised(
          story: "S1", item: "i1", on: day,
          facts: ItemFacts(
            quantity: "13", monetised: Money(cents: 780_000), evidenceLink: "https://e.org/x",
            proxy: "bed-day", multiplier: "1.5"))),
      .itemRevised(
        ItemRevised(
          story: "S1", item: "i1", on: day,
          facts: ItemFacts(quantity: "2", monetised: Money(cents: 80_000), proxy: "bed-day"))),
      .storyGrouped(StoryGrouped(story: "S1", domain: "Vies", campaigns: ["変化の日 2026", "B"])),
      .storyGrouped(StoryGrouped(story: "S1", domain: nil, campaigns: [])),
      .storiesSelected(
        StoriesSelected(
          node: node, period: DateRange(start: day, end: day), panel: ["Ana", "Bo"],
          chosen: [.init(story: "S1", reason: "Because.")], notChosen: ["S2"], domain: "Vies",
          campaign: "変化の日 2026")),
      .itemAgreed(
        ItemAgreed(story: "S1", item: "i1", weight: 5, on: day, note: "acordado en el taller")),
      .itemRevised(
        ItemRevised(
          story: "S1", item: "i1", on: day,
          facts: ItemFacts(
            visibility: .visible, description: "d", quantity: "1.5", unit: "u",
            monetised: Money(cents: -12_345), weight: 5, evidence: "e"))),
    ]
    for dimension in Dimension.allCases {
      payloads.append(
        .itemRecorded(
          ItemRecorded(
            story: "S1", item: "i-\(dimension)", on: day, dimension: dimension,
            facts: ItemFacts(visibility: .invisible))))
    }
    return payloads
  }()

  static func decode(_ parts: EventCodec.Parts, type: EventType) throws -> EventPayload {
    try parts.publicBytes.withUnsafeBytes { publicRaw in
      guard let personal = parts.personalBytes else {
        return try EventCodec.decode(
          type: type.rawValue, schemaVersion: type.currentSchemaVersion, publicBytes: publicRaw,
          personalBytes: nil)
      }
      return try personal.withUnsafeBytes { personalRaw in
        try EventCodec.decode(
          type: type.rawValue, schemaVersion: type.currentSchemaVersion, publicBytes: publicRaw,
          personalBytes: personalRaw)
      }
    }
  }

  @Test(arguments: DecodingTests.payloads)
  func payloadsDecodeToWhatWasEncoded(payload: EventPayload) throws {
    #expect(try DecodingTests.decode(EventCodec.encode(payload), type: payload.type) == payload)
  }

  /// The dialogue's events keep their participant in the personal part from schema version
  /// 2 (so it can be erased: it then reads as empty), and events of version 1, which kept it
  /// in the public part, stay readable (issue 14, item 11).
  @Test func dialogueParticipantsAreErasableAndOldEventsStayReadable() throws {
    let day = Day(daysSinceEpoch: 20_000)
    let payload = EventPayload.pledgeMade(
      PledgeMade(
        key: "p1", node: NodePath(validSegments: ["nhs"]), by: "李小龍", text: "Walk.", on: day))
    #expect(EventType.pledgeMade.currentSchemaVersion == 2)
    let parts = EventCodec.encode(payload)
    let personal = try #require(parts.personalBytes)
    #expect(parts.publicBytes.firstRange(of: Array("李小龍".utf8)) == nil)
    #expect(personal.firstRange(of: Array("李小龍".utf8)) != nil)
    let erased = try parts.publicBytes.withUnsafeBytes {
      try EventCodec.decode(
        type: EventType.pledgeMade.rawValue, schemaVersion: 2, publicBytes: $0,
        personalBytes: nil)
    }
    #expect(erased == payload.withParticipant(""))
    var version1 = ByteWriter(capacity: 64)
    EventCodec.encodePublic(payload, into: &version1)
    let old = try version1.bytes.withUnsafeBytes {
      try EventCodec.decode(
        type: EventType.pledgeMade.rawValue, schemaVersion: 1, publicBytes: $0,
        personalBytes: nil)
    }
    #expect(old == payload)
    let list = EventPayload.participantErased(
      ParticipantErased(sequences: [3, 9], reason: "asked"))
    #expect(try DecodingTests.decode(EventCodec.encode(list), type: .participantErased) == list)
  }

  /// Paths are split at `/` bytes; the segments and text are those of the path written.
  @Test func pathsKeepTheirSegments() throws {
    let node = NodePath(validSegments: ["a", "bé", "c.d_e-f"])
    let payload = EventPayload.nodeAdded(NodeAdded(path: node, name: "n"))
    guard
      case .nodeAdded(let decoded) = try DecodingTests.decode(
        EventCodec.encode(payload), type: .nodeAdded)
    else {
      Issue.record("not a node.added")
      return
    }
    #expect(decoded.path.segments == ["a", "bé", "c.d_e-f"])
    #expect(decoded.path.description == "a/bé/c.d_e-f")
  }

  @Test func anUnknownDimensionIsNamed() {
    var parts = EventCodec.encode(
      .itemRecorded(
        ItemRecorded(
          story: "S", item: "i", on: Day(daysSinceEpoch: 1), dimension: .calculating,
          facts: ItemFacts())))
    // story, item, day, then the dimension byte.
    let dimensionOffset = 2 + 2 + 1
    #expect(parts.publicBytes[dimensionOffset] == 2)
    parts.publicBytes[dimensionOffset] = 3
    #expect {
      _ = try DecodingTests.decode(parts, type: .itemRecorded)
    } throws: { error in
      (error as? DecodingFailure)?.description == "unknown dimension 3"
    }
  }

  /// `verify` checks that each record decodes without making its text: for every byte of
  /// every record changed three ways, it must fail exactly when decoding fails, with the
  /// same reason, and name the same type when both succeed.
  @Test func checkingWithoutTextAgreesWithDecoding() throws {
    var log = RecordFormat.fileHeader
    var payloads = DecodingTests.payloads
    payloads.insert(.ledgerCreated(try LedgerConfiguration(currency: "GBP")), at: 0)
    _ = try RecordFormat.encode(
      AppendBatch(events: payloads, actor: "Zoë", idempotencyKey: "key"), after: .start(),
      recordedAt: 0, saltKey: .zero, into: &log)
    var disagreements: [String] = []
    var offset = RecordFormat.fileHeaderSize
    var checked = 0
    while offset < log.count {
      let size = log.withUnsafeBytes { raw -> Int in
        guard case .whole(let bodySize) = RecordFormat.frame(raw, at: offset) else { return 0 }
        return bodySize
      }
      guard size > 0 else { break }
      // The bytes after the fixed fields of the hashed part, up to the stored hash.
      let first = offset + RecordFormat.frameSize + 5 + 20
      for position in first..<(offset + RecordFormat.frameSize + size - 32) {
        for mask: UInt8 in [0x01, 0x80, 0xFF] {
          var bytes = log
          bytes[position] ^= mask
          bytes.withUnsafeBytes { raw in
            guard
              case .record(let record) = RecordFormat.parse(raw, at: offset, bodySize: size)
            else { return }
            checked += 1
            let decoded = Result { () throws(DecodingFailure) in
              try RecordFormat.decode(record).type
            }
            let checkedOnly = Result { () throws(DecodingFailure) in
              try RecordFormat.checkDecodes(record)
            }
            if "\(decoded)" != "\(checkedOnly)" {
              disagreements.append("byte \(position): \(decoded) vs \(checkedOnly)")
            }
          }
        }
      }
      offset += RecordFormat.frameSize + size
    }
    #expect(checked > 1_000)
    #expect(disagreements.count == 0, "\(disagreements.prefix(5))")
  }

  /// Messages of every length around the block edges, with and without a digest first,
  /// and one long enough to be hashed alone, in one call.
  @Test func laneDigestsMatchOneAtATime() {
    let bytes = (0..<6_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    let prefix = SHA256.hash(Array("previous".utf8))
    bytes.withUnsafeBytes { raw in
      var messages: [SHA256Lanes.Message] = []
      for count in 0...140 {
        let slice = UnsafeRawBufferPointer(rebasing: raw[count..<(2 * count)])
        messages.append(SHA256Lanes.Message(prefix: nil, bytes: slice))
        messages.append(SHA256Lanes.Message(prefix: prefix, bytes: slice))
      }
      messages.insert(SHA256Lanes.Message(prefix: prefix, bytes: raw), at: 7)
      var expected: [SHA256Digest] = []
      for message in messages {
        var hasher = SHA256()
        if let prefix = message.prefix { hasher.update(prefix) }
        hasher.update(message.bytes)
        expected.append(hasher.finalize())
      }
      var digests = [SHA256Digest](repeating: .zero, count: messages.count)
      messages.withUnsafeBufferPointer { list in
        digests.withUnsafeMutableBufferPointer { SHA256Lanes.hash(list, into: $0) }
      }
      #expect(digests == expected)
      // Fewer slots than messages: the slots are filled, nothing more.
      var fewer = [SHA256Digest](repeating: .zero, count: 3)
      messages.withUnsafeBufferPointer { list in
        fewer.withUnsafeMutableBufferPointer { SHA256Lanes.hash(list, into: $0) }
      }
      #expect(fewer == Array(expected.prefix(3)))
    }
  }
}

/// A small deterministic generator, so that failures repeat.
private struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var value = state
    value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
    value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
    return value ^ (value >> 31)
  }
}
