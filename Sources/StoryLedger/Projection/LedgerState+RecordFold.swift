#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Folding events straight from their encoded bytes: the fast path of replay and of large
/// imports.
///
/// Decoding an event makes a `String` of every text it holds (keys, title, description,
/// evidence…) and an ``EventPayload`` around them, only for ``LedgerState/apply(_:sequence:)``
/// to hash and copy a few of them. For the four types that make up nearly every log
/// (`story.told`, `story.telling`, `item.recorded`, `item.revised`) the fold here reads
/// the fields as byte slices of the record instead: keys are hashed and compared as bytes
/// (as the state's tables hash and compare them), titles, tellers and tags are copied
/// into the text arena as bytes, narratives are hashed from their bytes, and of an item's
/// facts only the visibility and monetised value are read.
///
/// It reads each layout with the codec the decoder uses (``StoryToldCodec``,
/// ``TellingCodec``, ``ItemEventCodec``, ``ItemFactsCodec``), so it makes every check the
/// decoder makes (bounds, UTF-8, dates, dimensions, fact masks), and it changes the state
/// through the mutations ``LedgerState/apply(_:)`` uses. It changes nothing when it cannot
/// fold an event (another type, bytes that do not decode, an idempotency key, an event the
/// state refuses): the caller then decodes the event and applies it with
/// ``LedgerState/apply(_:)``, the reference fold, which does the same or reports the
/// problem. `RecordFoldTests` compare the two on random ledgers, snapshot byte for byte.
extension LedgerState {
  /// What a run of fast folds remembers from one event to the next.
  struct RecordFoldCache {
    /// The story the last event was about (events come in runs about one story), or -1.
    var recentStory: Int32 = -1
    /// Node indices by the bytes of their paths, filled as paths are met: the table holds
    /// indices into `nodeEntries`, whose paths' bytes are in `nodePaths`.
    var nodeTable = HashIndex()
    var nodeEntries: [(offset: Int, count: Int, node: Int32)] = []
    var nodePaths: [UInt8] = []
    /// The configuration's level names as bytes, once needed.
    var levels: [[UInt8]]?
    /// The last share scope met, as bytes, and the depth it names.
    var lastShare: (bytes: [UInt8], depth: Int?)?

    /// Forgets what it remembers after the reference fold applied an event of `type`:
    /// anything but the four fast types may change nodes or the configuration.
    mutating func update(after type: EventType) {
      if RecordFoldedType(type) == nil { self = RecordFoldCache() }
    }
  }

  /// The four event types the fast path folds from their bytes (the bulk of any log); the
  /// reference fold applies every other.
  enum RecordFoldedType {
    case storyTold, tellingRecorded, itemRecorded, itemRevised

    /// `type` when the fast path folds it, else `nil`.
    init?(_ type: EventType) {
      switch type {
      case .storyTold: self = .storyTold
      case .tellingRecorded: self = .tellingRecorded
      case .itemRecorded: self = .itemRecorded
      case .itemRevised: self = .itemRevised
      case .ledgerCreated, .nodeAdded, .nodeRenamed, .nodeMoved, .nodeRetired, .storyUpdated,
        .storyWithdrawn, .storyAnswered, .accountProposed, .accountObjected, .accountResponded,
        .accountSettled, .accountReopened, .storiesSelected, .feedbackSent, .pledgeMade,
        .pledgeJoined, .pledgeFulfilled, .pledgeWithdrawn, .participantErased, .sessionStarted,
        .sessionLinked, .itemRated, .itemAgreed, .storyVerified, .storyGrouped, .domainAdded,
        .campaignAdded, .participantAdded, .proxySet:
        return nil
      }
    }
  }

  /// Folds the event of a checked record from its bytes, as ``apply(_:)`` would fold the
  /// decoded event, and records its sequence number.
  ///
  /// - Returns: `false`, having changed nothing, when the fast path does not fold this
  ///   record; the caller then decodes and applies it.
  mutating func foldRecord(_ record: RecordFormat.RecordView, cache: inout RecordFoldCache)
    -> Bool
  {
    // The fields `RecordFormat.decode` reads around the payload, checked as it checks them.
    var reader = ByteReader(record.hashed, offset: record.headerEnd)
    let publicBytes: UnsafeRawBufferPointer
    var personalBytes: UnsafeRawBufferPointer?
    do {
      _ = try reader.textBytes()  // the actor
      // An idempotency key is recorded by `apply(_:)`.
      guard try reader.varint() == 0 else { return false }
      publicBytes = try reader.bytes(count: try reader.length())
      let hasPersonal = record.flags.contains(.hasPersonal)
      if hasPersonal { _ = try reader.bytes(count: 32) }
      guard reader.isAtEnd else { return false }
      if hasPersonal && !record.flags.contains(.personalErased) {
        guard record.personal.count >= 16 else { return false }
        personalBytes = UnsafeRawBufferPointer(rebasing: record.personal[16...])
      }
    } catch {
      return false
    }
    guard
      foldEncoded(
        type: record.type, schemaVersion: record.schemaVersion, sequence: record.sequence,
        publicBytes: publicBytes, personalBytes: personalBytes, cache: &cache)
    else { return false }
    noteAppended(record.sequence...record.sequence, idempotencyKey: nil)
    return true
  }

  /// Folds an event of `type` from the parts `EventCodec` encoded for it: by the fast
  /// path when it can, else decoded and applied by the reference fold. Throws what
  /// decoding or the reference fold throws.
  mutating func foldEncodedOrApply(
    type: EventType, sequence: UInt64, publicBytes: UnsafeRawBufferPointer,
    personalBytes: UnsafeRawBufferPointer?, cache: inout RecordFoldCache
  ) throws {
    if foldEncoded(
      type: type.rawValue, schemaVersion: type.currentSchemaVersion, sequence: sequence,
      publicBytes: publicBytes, personalBytes: personalBytes, cache: &cache)
    {
      return
    }
    let payload = try EventCodec.decode(
      type: type.rawValue, schemaVersion: type.currentSchemaVersion, publicBytes: publicBytes,
      personalBytes: personalBytes)
    try apply(payload, sequence: sequence)
    cache.update(after: type)
  }

  /// Folds an event from its encoded parts (see `EventCodec`), as
  /// ``apply(_:sequence:)`` would fold the decoded payload. `personalBytes` is `nil` when
  /// the event has no personal part or it was erased (its fields then read as empty).
  ///
  /// - Returns: `false`, having changed nothing, when the fast path does not fold it.
  mutating func foldEncoded(
    type: UInt16, schemaVersion: UInt16, sequence: UInt64, publicBytes: UnsafeRawBufferPointer,
    personalBytes: UnsafeRawBufferPointer?, cache: inout RecordFoldCache
  ) -> Bool {
    guard let type = EventType(rawValue: type), schemaVersion >= 1,
      schemaVersion <= type.currentSchemaVersion, let folded = RecordFoldedType(type)
    else { return false }
    // Of an item's facts only the visibility and monetised value are kept: texts are
    // checked, not made.
    var reader = ByteReader(publicBytes, materializesText: false)
    do {
      switch folded {
      case .storyTold:
        let fields = try StoryToldCodec.read(&reader)
        let tellers = try StoryToldCodec.readPersonal(personalBytes)
        let keyHash = HashIndex.hash(fields.key.assumingMemoryBound(to: UInt8.self))
        guard storyIndex(forKeyBytes: fields.key, hash: keyHash) == nil,
          let node = node(forPathBytes: fields.node, cache: &cache)
        else { return false }
        let share = depth(ofLevelBytes: fields.share, cache: &cache).map { UInt8($0 - 1) } ?? 0
        insertStory(
          StoryRecord(
            key: text.appendText(utf8: fields.key), title: text.appendText(utf8: fields.title),
            tellers: appendJoined(tellers), tags: appendJoined(fields.tags), node: node,
            toldOn: fields.on, share: share, toldSequence: sequence),
          keyHash: keyHash)
      case .tellingRecorded:
        let (key, day) = try TellingCodec.read(&reader)
        let narrative = try TellingCodec.readPersonal(personalBytes)
        guard let story = story(forKeyBytes: key, cache: &cache) else { return false }
        recordTelling(
          story: story, day: day, sequence: sequence,
          narrativeHash: HashIndex.hash(narrative.assumingMemoryBound(to: UInt8.self)))
      case .itemRecorded:
        let fields = try ItemEventCodec.read(&reader, recorded: true)
        guard let story = story(forKeyBytes: fields.story, cache: &cache) else { return false }
        let itemKeyHash = HashIndex.hash(
          fields.item.assumingMemoryBound(to: UInt8.self), seed: UInt64(story))
        guard itemIndex(story: story, keyBytes: fields.item, hash: itemKeyHash) == nil else {
          return false
        }
        insertItem(
          story: story, key: text.appendText(utf8: fields.item), keyHash: itemKeyHash,
          dimensionIndex: fields.dimensionIndex ?? 0, day: fields.on, sequence: sequence,
          facts: fields.facts)
      case .itemRevised:
        let fields = try ItemEventCodec.read(&reader, recorded: false)
        guard let story = story(forKeyBytes: fields.story, cache: &cache) else { return false }
        let itemKeyHash = HashIndex.hash(
          fields.item.assumingMemoryBound(to: UInt8.self), seed: UInt64(story))
        guard let item = itemIndex(story: story, keyBytes: fields.item, hash: itemKeyHash) else {
          return false
        }
        reviseItem(item, story: story, day: fields.on, sequence: sequence, facts: fields.facts)
      }
      return true
    } catch {
      return false
    }
  }

  /// Appends the texts of a checked list to the arena, joined by ``separator``, as `apply`
  /// appends `joined(separator:)` of them; no list reads as no texts.
  private mutating func appendJoined(_ list: CheckedTextList?) -> TextReference {
    let offset = text.count
    var isFirst = true
    list?.forEachText { bytes in
      if !isFirst { text.append(0x1F) }
      isFirst = false
      _ = text.appendText(utf8: bytes)
    }
    return TextReference(
      offset: UInt32(truncatingIfNeeded: offset), length: UInt32(text.count - offset))
  }

  // MARK: Lookups by bytes

  /// The story whose key is `key`, looked up as ``storyIndex(forKey:)`` looks up a
  /// string (byte for byte), remembered for the events that follow.
  @inline(__always)
  private func story(forKeyBytes key: UnsafeRawBufferPointer, cache: inout RecordFoldCache)
    -> Int32?
  {
    let recent = cache.recentStory
    if recent >= 0, text.matches(stories[recent].key, bytes: key) { return recent }
    let found = storyIndex(
      forKeyBytes: key, hash: HashIndex.hash(key.assumingMemoryBound(to: UInt8.self)))
    if let found { cache.recentStory = found }
    return found
  }

  private func storyIndex(forKeyBytes key: UnsafeRawBufferPointer, hash: UInt64) -> Int32? {
    storyTable.find(hash: hash) { text.matches(stories[$0].key, bytes: key) }
  }

  private func itemIndex(story: Int32, keyBytes key: UnsafeRawBufferPointer, hash: UInt64)
    -> Int32?
  {
    itemTable.find(hash: hash) {
      let record = items[$0]
      return record.story == story && text.matches(record.key, bytes: key)
    }
  }

  /// The node at the path whose text is `bytes`, as `nodeIndex` finds the path the
  /// decoder makes of them.
  private func node(forPathBytes bytes: UnsafeRawBufferPointer, cache: inout RecordFoldCache)
    -> Int32?
  {
    let hash = HashIndex.hash(bytes.assumingMemoryBound(to: UInt8.self))
    let found = cache.nodeTable.find(hash: hash) { entry in
      let (offset, count, _) = cache.nodeEntries[Int(entry)]
      guard count == bytes.count else { return false }
      return cache.nodePaths.withUnsafeBytes { paths in
        guard let stored = paths.baseAddress, let wanted = bytes.baseAddress else { return true }
        return memcmp(stored + offset, wanted, count) == 0
      }
    }
    if let found { return cache.nodeEntries[Int(found)].node }
    // The path as `EventCodec` reads it: split at each `/` byte.
    var segments: [String] = []
    var start = 0
    for index in 0..<bytes.count where bytes[index] == 0x2F {
      segments.append(
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
      start = index + 1
    }
    segments.append(
      String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start...]), as: UTF8.self))
    guard let index = nodeIndex[NodePath(validSegments: segments)] else { return nil }
    cache.nodeTable.insert(Int32(cache.nodeEntries.count), hash: hash)
    cache.nodeEntries.append((cache.nodePaths.count, bytes.count, index))
    cache.nodePaths.append(contentsOf: bytes)
    return index
  }

  /// The depth of the level named by `bytes`, as `configuration.depth(ofLevel:)` finds it
  /// (level names match as strings do, so a name spelled in other code points may match).
  private func depth(ofLevelBytes bytes: UnsafeRawBufferPointer, cache: inout RecordFoldCache)
    -> Int?
  {
    if let last = cache.lastShare, last.bytes.elementsEqual(bytes) { return last.depth }
    let depth = depth(ofLevelBytes: bytes, levels: &cache.levels)
    cache.lastShare = (Array(bytes), depth)
    return depth
  }

  private func depth(ofLevelBytes bytes: UnsafeRawBufferPointer, levels: inout [[UInt8]]?)
    -> Int?
  {
    if levels == nil { levels = configuration.levels.map { Array($0.utf8) } }
    let isASCII = bytes.allSatisfy { $0 < 0x80 }
    for (index, level) in (levels ?? []).enumerated() {
      if level.elementsEqual(bytes) { return index + 1 }
      // ASCII texts are equal as strings only when their bytes are.
      if isASCII && level.allSatisfy({ $0 < 0x80 }) { continue }
      if String(decoding: bytes, as: UTF8.self) == configuration.levels[index] {
        return index + 1
      }
    }
    return nil
  }
}

extension Column where Element == UInt8 {
  /// Whether the text of `reference` is `bytes`.
  @inline(__always)
  func matches(_ reference: TextReference, bytes wanted: UnsafeRawBufferPointer) -> Bool {
    guard Int(reference.length) == wanted.count else { return false }
    return withBytes(reference) { stored in
      guard let left = stored.baseAddress, let right = wanted.baseAddress else { return true }
      return memcmp(left, right, stored.count) == 0
    }
  }
}
