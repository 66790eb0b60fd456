#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A projection snapshot: the ``LedgerState`` as it is in memory, with the log position it
/// reflects, in `state.snapshot` in the ledger directory.
///
/// ```
/// header  = "SLSNAP\0\n", u32 format, u32 headerSize, u64 sequence, [32] hash, u64 offset,
///           u32 sectionCount, sectionCount × (u32 kind, u32 stride, u64 offset, u64 count,
///           u64 xxh64), u32 crc32c(header so far), [32] seal
/// section = the bytes of one column (stories, items, revisions, …), 64-byte aligned
/// seal    = SHA-256(snapshot.key ‖ header before the seal)
/// ```
///
/// Opening a ledger maps the file and reads the columns in place; nothing is decoded but a
/// small section of metadata (configuration, nodes, idempotency keys). A snapshot is used
/// only when its header checks out, its record layout is this build's, and the log proves
/// the position: it is the log's head, or the next record chains to its hash. Anything
/// else (another ledger's snapshot, another version, damage) makes the ledger replay its
/// log instead. Its bytes must be proven too before anything is read from them: the seal
/// and every section's digest are checked on load (see `SnapshotProof.swift`), and a
/// snapshot that fails is ignored with a notice while the log is replayed. Records are
/// written with their padding zeroed, so a snapshot holds nothing but the state.
enum Snapshot {
  static let fileName = "state.snapshot"
  static let magic: [UInt8] = Array("SLSNAP\0\n".utf8)
  /// Bump whenever a record's fields change. Version 6 holds the answers; version
  /// 7 keeps the dialogue's events in the layout of their records (public and personal
  /// parts), for a selection's panel and a session's people; version 8 holds selections of
  /// `stories.selected` version 4 (a domain and a campaign after the stories passed over).
  static let formatVersion: UInt32 = 8

  enum Kind: UInt32, CaseIterable {
    case metadata = 1
    case text
    case stories
    case storySlots
    case items
    case itemSlots
    case revisions
    case tellings
    case nodeTotals
    case answers
    case answerHeads
    /// 64 zero bytes that end the file, after every section's padding.
    case padding
  }

  struct Section {
    var kind: Kind
    var stride: UInt32
    var offset: UInt64
    var count: UInt64
    var checksum: UInt64
  }

  static func path(in directory: String) -> String { directory + "/" + fileName }

  // MARK: Writing

  /// Writes `state`, which reflects the log up to `position`, to the ledger `directory`:
  /// to a temporary file, synced, then renamed over the old snapshot. Call it under the
  /// writer lock with `state` brought up to the log's head (``Ledger`` does), so that no
  /// older state replaces a newer snapshot or brings back erased text.
  static func write(
    _ state: LedgerState, at position: LogPosition, to directory: String
  ) throws(LedgerError) {
    var metadata = ByteWriter(capacity: 4096)
    metadata.appendStrings(state.configuration.levels)
    metadata.appendOptionalString(state.configuration.currency)
    metadata.appendString(state.configuration.timeZoneIdentifier)
    metadata.append(state.isConfigured ? 1 : 0)
    metadata.appendFixed64(state.lastSequence)
    metadata.appendVarint(UInt64(state.storyTable.count))
    metadata.appendVarint(UInt64(state.itemTable.count))
    metadata.appendVarint(UInt64(state.nodes.count))
    for node in state.nodes {
      metadata.appendString(node.path.description)
      metadata.appendString(node.name)
      metadata.appendSigned(Int64(node.parent))
      metadata.append(node.isRetired ? 1 : 0)
    }
    metadata.appendVarint(UInt64(state.idempotencyKeys.count))
    for (key, sequence) in state.idempotencyKeys.sorted(by: { $0.value < $1.value }) {
      metadata.appendString(key)
      metadata.appendFixed64(sequence)
    }
    metadata.appendVarint(UInt64(state.movedPaths.count))
    for (old, new) in state.movedPaths.sorted(by: { $0.key < $1.key }) {
      metadata.appendString(old.description)
      metadata.appendString(new.description)
    }
    metadata.appendVarint(UInt64(state.withdrawals.count))
    for (story, withdrawal) in state.withdrawals.sorted(by: { $0.key < $1.key }) {
      metadata.appendVarint(UInt64(story))
      metadata.appendFixed64(withdrawal.sequence)
      metadata.append(withdrawal.isErased ? 1 : 0)
    }
    metadata.appendVarint(UInt64(state.storyEvents.count))
    for (story, sequences) in state.storyEvents.sorted(by: { $0.key < $1.key }) {
      metadata.appendVarint(UInt64(story))
      metadata.appendVarint(UInt64(sequences.count))
      for sequence in sequences { metadata.appendFixed64(sequence) }
    }
    metadata.appendVarint(UInt64(state.dialogue.count))
    for record in state.dialogue {
      metadata.appendFixed64(record.sequence)
      metadata.appendSigned(record.milliseconds)
      metadata.appendString(record.actor)
      metadata.appendVarint(UInt64(record.payload.type.rawValue))
      let parts = EventCodec.encode(record.payload)
      metadata.appendVarint(UInt64(parts.publicBytes.count))
      metadata.append(parts.publicBytes)
      metadata.append(parts.personalBytes == nil ? 0 : 1)
      if let personal = parts.personalBytes {
        metadata.appendVarint(UInt64(personal.count))
        metadata.append(personal)
      }
    }

    let key = try makeKey(in: directory)
    let temporary = directory + "/." + fileName + ".tmp-\(getpid())"
    let file = try SystemFile(
      path: temporary, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600, action: "create")
    var sections: [Section] = []
    let headerSize = 8 + 4 + 4 + 8 + 32 + 8 + 4 + Kind.allCases.count * 32 + 4 + 32
    var cursor = UInt64((headerSize + 63) / 64 * 64)
    var failure: LedgerError?
    func add(_ kind: Kind, stride: Int, _ bytes: UnsafeRawBufferPointer) {
      guard failure == nil else { return }
      do {
        try file.write(bytes, at: cursor)
      } catch {
        failure = error
        return
      }
      sections.append(
        Section(
          kind: kind, stride: UInt32(stride), offset: cursor,
          count: UInt64(stride == 0 ? 0 : bytes.count / stride), checksum: digests(of: [bytes])[0]))
      cursor += UInt64((bytes.count + 63) / 64 * 64)
    }
    func add<Element: BitwiseCopyable>(_ kind: Kind, _ column: Column<Element>) {
      column.withContiguousElements {
        add(kind, stride: MemoryLayout<Element>.stride, UnsafeRawBufferPointer($0))
      }
    }
    metadata.bytes.withUnsafeBytes { add(.metadata, stride: 1, $0) }
    add(.text, state.text)
    add(.stories, state.stories)
    add(.storySlots, state.storyTable.slots)
    add(.items, state.items)
    add(.itemSlots, state.itemTable.slots)
    add(.revisions, state.revisions)
    add(.tellings, state.tellings)
    add(.nodeTotals, state.nodeTotals)
    add(.answers, state.answers)
    add(.answerHeads, state.answerHeads)
    // The file reaches the end of the last section's padding, so that an empty section
    // (no answers) placed there still starts within the file.
    let padding = [UInt8](repeating: 0, count: 64)
    padding.withUnsafeBytes { add(.padding, stride: 1, $0) }
    if let failure {
      SystemFile.remove(temporary)
      throw failure
    }
    var header = ByteWriter(capacity: headerSize)
    header.append(magic)
    header.appendFixed32(formatVersion)
    header.appendFixed32(UInt32(headerSize))
    header.appendFixed64(position.sequence)
    header.append(position.hash.bytes)
    header.appendFixed64(position.offset)
    header.appendFixed32(UInt32(sections.count))
    for section in sections {
      header.appendFixed32(section.kind.rawValue)
      header.appendFixed32(section.stride)
      header.appendFixed64(section.offset)
      header.appendFixed64(section.count)
      header.appendFixed64(section.checksum)
    }
    header.appendFixed32(CRC32C.checksum(header.bytes))
    header.append(header.bytes.withUnsafeBytes { seal($0, key: key) }.bytes)
    do {
      try file.write(header.bytes, at: 0)
      try file.synchronize()
      try SystemFile.rename(temporary, to: path(in: directory))
    } catch {
      SystemFile.remove(temporary)
      throw error
    }
  }

  // MARK: Reading

  /// A snapshot's header: the position it reflects and its sections.
  struct Header {
    var position: LogPosition
    var sections: [Kind: Section]
    /// Where the seal starts: the bytes before it are what it seals.
    var sealOffset: Int
    var seal: SHA256Digest
  }

  /// Reads and checks the header of a mapped snapshot; `nil` when it is not one this build
  /// can use.
  static func header(of region: MappedRegion) -> Header? {
    let bytes = UnsafeRawBufferPointer(start: region.base, count: region.count)
    var reader = ByteReader(bytes)
    do {
      guard Array(try reader.bytes(count: 8)) == magic, try reader.fixed32() == formatVersion
      else { return nil }
      let headerSize = Int(try reader.fixed32())
      guard headerSize <= bytes.count, headerSize >= 36 + 76, let base = bytes.baseAddress else {
        return nil
      }
      let sealOffset = headerSize - 32
      let stored = bytes.loadUnaligned(fromByteOffset: sealOffset - 4, as: UInt32.self).littleEndian
      guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<(sealOffset - 4)])) == stored
      else { return nil }
      let sequence = try reader.fixed64()
      guard let hashBase = try reader.bytes(count: 32).baseAddress else { return nil }
      let hash = SHA256Digest(reading: hashBase)
      let offset = try reader.fixed64()
      var sections: [Kind: Section] = [:]
      for _ in 0..<(try reader.fixed32()) {
        guard let kind = Kind(rawValue: try reader.fixed32()) else { return nil }
        let section = Section(
          kind: kind, stride: try reader.fixed32(), offset: try reader.fixed64(),
          count: try reader.fixed64(), checksum: try reader.fixed64())
        let (size, overflow) = section.count.multipliedReportingOverflow(
          by: UInt64(max(section.stride, 1)))
        guard section.offset % 64 == 0, !overflow, section.offset >= UInt64(headerSize),
          section.offset <= UInt64(bytes.count), size <= UInt64(bytes.count) - section.offset
        else { return nil }
        sections[kind] = section
      }
      guard sections.count == Kind.allCases.count, reader.offset == sealOffset - 4 else {
        return nil
      }
      return Header(
        position: LogPosition(sequence: sequence, hash: hash, offset: offset), sections: sections,
        sealOffset: sealOffset, seal: SHA256Digest(reading: base + sealOffset))
    } catch {
      return nil
    }
  }

  /// What loading a snapshot found.
  enum Loaded {
    /// The state the snapshot holds, proven, and the log position it reflects.
    case state(LedgerState, LogPosition)
    /// No snapshot, or one of another format version: the log is replayed, nothing to say.
    case none
    /// A snapshot that cannot be trusted (why): the log is replayed, and the caller says so.
    case rejected(String)
  }

  /// Loads the snapshot of the ledger `directory` when its header is this build's, `isProven`
  /// accepts its position, and its seal and section digests check out.
  static func load(from directory: String, isProven: (LogPosition) -> Bool) -> Loaded {
    guard let file = try? SystemFile(path: path(in: directory), flags: O_RDONLY),
      let region = try? MappedRegion(file: file)
    else { return .none }
    guard let header = header(of: region) else {
      let bytes = UnsafeRawBufferPointer(start: region.base, count: region.count)
      // Another format version is expected after an upgrade; anything else is damage.
      guard bytes.count >= 12, Array(bytes[0..<8]) == magic,
        bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian != formatVersion
      else { return .rejected("\(fileName) is damaged (its header fails its checksum)") }
      return .none
    }
    guard isProven(header.position) else {
      return .rejected(
        "\(fileName) was not taken from this log (event \(header.position.sequence) is not a point of its chain)"
      )
    }
    if let problem = proofProblem(of: region, header: header, directory: directory) {
      return .rejected(problem)
    }
    guard let state = state(in: region, header: header) else {
      return .rejected("\(fileName) is damaged (its metadata cannot be read)")
    }
    return .state(state, header.position)
  }

  /// The state held by the proven snapshot `region`, or `nil` when its parts disagree.
  private static func state(in region: MappedRegion, header: Header) -> LedgerState? {
    func column<Element: BitwiseCopyable>(_ kind: Kind, _: Element.Type) -> Column<Element>? {
      guard let section = header.sections[kind],
        section.stride == UInt32(MemoryLayout<Element>.stride)
      else { return nil }
      return Column(region: region, offset: Int(section.offset), count: Int(section.count))
    }
    guard let metadataSection = header.sections[.metadata],
      let text = column(.text, UInt8.self),
      let stories = column(.stories, LedgerState.StoryRecord.self),
      let storySlots = column(.storySlots, UInt64.self),
      let items = column(.items, LedgerState.ItemRecord.self),
      let itemSlots = column(.itemSlots, UInt64.self),
      let revisions = column(.revisions, LedgerState.RevisionRecord.self),
      let tellings = column(.tellings, LedgerState.TellingRecord.self),
      let nodeTotals = column(.nodeTotals, LedgerState.NodeTotals.self),
      let answers = column(.answers, LedgerState.AnswerRecord.self),
      let answerHeads = column(.answerHeads, Int32.self)
    else { return nil }
    var state = LedgerState()
    do {
      var reader = ByteReader(
        UnsafeRawBufferPointer(
          start: region.base + Int(metadataSection.offset), count: Int(metadataSection.count)))
      state.configuration = try LedgerConfiguration(
        levels: try reader.strings(), currency: try reader.optionalString(),
        timeZoneIdentifier: try reader.string())
      state.isConfigured = try reader.byte() == 1
      state.lastSequence = try reader.fixed64()
      state.storyTable.count = Int(try reader.varint())
      state.itemTable.count = Int(try reader.varint())
      let nodeCount = Int(try reader.varint())
      for index in 0..<nodeCount {
        let path = try NodePath(parsing: try reader.string())
        let name = try reader.string()
        let parent = Int32(try reader.signed())
        let isRetired = try reader.byte() == 1
        guard parent >= -1, parent < Int32(nodeCount), parent != Int32(index) else { return nil }
        state.nodes.append(
          LedgerState.NodeRecord(path: path, name: name, parent: parent, isRetired: isRetired))
        state.nodeIndex[path] = Int32(index)
      }
      for index in 0..<nodeCount where state.nodes[index].parent >= 0 {
        state.nodes[Int(state.nodes[index].parent)].children.append(Int32(index))
      }
      let keyCount = Int(try reader.varint())
      for _ in 0..<keyCount {
        let key = try reader.string()
        state.idempotencyKeys[key] = try reader.fixed64()
      }
      for _ in 0..<Int(try reader.varint()) {
        let old = try NodePath(parsing: try reader.string())
        state.movedPaths[old] = try NodePath(parsing: try reader.string())
      }
      for _ in 0..<Int(try reader.varint()) {
        let story = Int32(try reader.varint())
        let sequence = try reader.fixed64()
        state.withdrawals[story] = LedgerState.Withdrawal(
          sequence: sequence, isErased: try reader.byte() == 1)
      }
      for _ in 0..<Int(try reader.varint()) {
        let story = Int32(try reader.varint())
        var sequences: [UInt64] = []
        for _ in 0..<Int(try reader.varint()) { sequences.append(try reader.fixed64()) }
        state.storyEvents[story] = sequences
      }
      for _ in 0..<Int(try reader.varint()) {
        let sequence = try reader.fixed64()
        let milliseconds = try reader.signed()
        let actor = try reader.string()
        let type = UInt16(truncatingIfNeeded: try reader.varint())
        let bytes = try reader.bytes(count: try reader.length())
        let personal = try reader.byte() == 1 ? try reader.bytes(count: try reader.length()) : nil
        let schemaVersion = EventType(rawValue: type)?.currentSchemaVersion ?? 1
        let payload = try EventCodec.decode(
          type: type, schemaVersion: schemaVersion, publicBytes: bytes, personalBytes: personal)
        state.dialogue.append(
          LedgerState.DialogueRecord(
            sequence: sequence, milliseconds: milliseconds, actor: actor, payload: payload))
      }
    } catch {
      return nil
    }
    guard state.lastSequence == header.position.sequence, stories.count == state.storyTable.count,
      items.count == state.itemTable.count, nodeTotals.count == state.nodes.count,
      answerHeads.count <= stories.count
    else { return nil }
    state.text = text
    state.stories = stories
    state.storyTable.slots = storySlots
    state.items = items
    state.itemTable.slots = itemSlots
    state.revisions = revisions
    state.tellings = tellings
    state.nodeTotals = nodeTotals
    state.answers = answers
    state.answerHeads = answerHeads
    return state
  }

  /// Checks every section's checksum; returns the problem found, or `nil` when the snapshot
  /// is whole (or there is none).
  static func verifySections(at directory: String) -> String? {
    guard let file = try? SystemFile(path: path(in: directory), flags: O_RDONLY) else { return nil }
    guard let region = try? MappedRegion(file: file), let header = header(of: region) else {
      return "\(fileName) is not a snapshot this version can use; it will be rebuilt"
    }
    return proofProblem(of: region, header: header, directory: directory).map {
      "\($0); run `storyledger rebuild`"
    }
  }
}
