import Foundation

/// The items an import names and each row's item facts, checked and encoded.
extension ImportPlanning {
  mutating func itemID(story: Int32) throws(ImportError) -> Int32 {
    let given = field(.item)
    if lastItem >= 0 {
      let last = items[Int(lastItem)]
      if last.story == story && arena.equal(last.keyOffset, Int(last.keyCount), given) {
        return lastItem
      }
    }
    // Keys compare as strings do: canonically equivalent spellings are one key. ASCII keys
    // are their own canonical form.
    var composed: ContiguousArray<UInt8>?
    if !ImportPlanning.isASCII(given) { composed = ImportPlanning.canonical(given) }
    let found: Int32?
    if let composed {
      found = composed.withUnsafeBufferPointer { findItem(story: story, match: $0) }
    } else {
      found = findItem(story: story, match: given)
    }
    if let found {
      lastItem = found
      return found
    }
    if !ImportPlanning.isPlainKey(given) {
      do {
        try Key.validate(String(decoding: given, as: UTF8.self), field: ImportColumn.item.name)
      } catch {
        throw failure(.item, error)
      }
    }
    let keyOffset = arena.appendReturningOffset(UnsafeRawBufferPointer(given))
    var matchOffset = keyOffset
    var matchCount = given.count
    if let composed {
      matchOffset = composed.withUnsafeBytes { arena.appendReturningOffset($0) }
      matchCount = composed.count
    }
    let hash = KeyTable.hash(
      arena.bytes(matchOffset..<(matchOffset + matchCount)), seed: UInt64(story))
    var item = Item(
      story: story, keyCount: Int32(truncatingIfNeeded: given.count), keyOffset: keyOffset,
      matchCount: Int32(truncatingIfNeeded: matchCount), matchOffset: matchOffset,
      dimension: nil, isInLedger: false, previousInStory: stories[Int(story)].lastItem)
    let ledgerStory = stories[Int(story)].ledgerIndex
    if ledgerStory >= 0,
      let dimension = state.itemDimension(
        story: ledgerStory, key: String(decoding: given, as: UTF8.self))
    {
      item.isInLedger = true
      item.dimension = dimension
    }
    let newID = Int32(items.count)
    items.append(item)
    let index = Int(story)
    stories[index].lastItem = newID
    stories[index].itemCount += 1
    if stories[index].hasIndexedItems {
      itemTable.insert(id: newID, hash: hash)
    } else if stories[index].itemCount > ImportPlanning.linearItemLimit {
      // Switch this story to the table, with every item known so far.
      var cursor = newID
      while cursor >= 0 {
        let known = items[Int(cursor)]
        itemTable.insert(
          id: cursor,
          hash: KeyTable.hash(
            arena.bytes(known.matchOffset..<(known.matchOffset + Int(known.matchCount))),
            seed: UInt64(story)))
        cursor = known.previousInStory
      }
      stories[index].hasIndexedItems = true
    }
    lastItem = newID
    return newID
  }

  /// The item of `story` whose key compares as `match`.
  @inline(__always)
  func findItem(story: Int32, match: UnsafeBufferPointer<UInt8>) -> Int32? {
    if !stories[Int(story)].hasIndexedItems {
      var cursor = stories[Int(story)].lastItem
      while cursor >= 0 {
        let item = items[Int(cursor)]
        if arena.equal(item.matchOffset, Int(item.matchCount), match) { return cursor }
        cursor = item.previousInStory
      }
      return nil
    }
    let hash = KeyTable.hash(UnsafeRawBufferPointer(match), seed: UInt64(story))
    return items.withUnsafeBufferPointer { items in
      itemTable.find(hash: hash) { candidate in
        let item = items[Int(candidate)]
        return item.story == story && arena.equal(item.matchOffset, Int(item.matchCount), match)
      }
    }
  }

  /// Checks the row's dimension against the item's; returns whether the row gives one.
  mutating func takeDimension(_ item: Int32) throws(ImportError) -> Bool {
    let given = field(.dimension)
    guard !given.isEmpty else { return false }
    guard let dimension = ImportPlanning.dimension(given) else {
      do {
        _ = try Dimension(parsing: String(decoding: given, as: UTF8.self))
      } catch {
        throw failure(.dimension, error)
      }
      throw failure(
        .dimension, value: String(decoding: given, as: UTF8.self), reason: "is not a dimension")
    }
    let index = Int(item)
    guard let established = items[index].dimension else {
      items[index].dimension = dimension
      items[index].dimensionRow = row
      return true
    }
    if established != dimension {
      let itemKey = itemKey(index)
      let storyKey = stories[Int(items[index].story)].key
      let source =
        items[index].isInLedger
        ? "has in the ledger" : "was given in row \(items[index].dimensionRow)"
      throw failure(
        .dimension, value: String(decoding: given, as: UTF8.self),
        reason:
          "differs from the dimension \(established.rawValue) that item \"\(storyKey)/\(itemKey)\" \(source); an item's dimension is fixed for life"
      )
    }
    return true
  }

  /// The key of the item at `index`, as first given.
  func itemKey(_ index: Int) -> String {
    arena.string(items[index].keyOffset, Int(items[index].keyCount))
  }

  /// Checks the item facts of the current row and encodes them into the arena with
  /// ``ItemFactsCodec`` (empty fields are left out: unchanged); returns where they are.
  mutating func itemFacts() throws(ImportError) -> Range<Int> {
    func given(_ column: ImportColumn) -> UnsafeRawBufferPointer? {
      let bytes = field(column)
      return bytes.isEmpty ? nil : UnsafeRawBufferPointer(bytes)
    }
    func text(_ bytes: UnsafeRawBufferPointer) -> String {
      String(decoding: bytes, as: UTF8.self)
    }
    var visibility: Visibility?
    if let bytes = given(.visibility) {
      guard let value = ImportPlanning.visibility(bytes.assumingMemoryBound(to: UInt8.self))
      else {
        do { _ = try Visibility(parsing: text(bytes)) } catch { throw failure(.visibility, error) }
        throw failure(.visibility, value: text(bytes), reason: "is not a visibility")
      }
      visibility = value
    }
    let quantity = given(.quantity)
    if let quantity {
      do {
        try DecimalText.validate(text(quantity), field: ImportColumn.quantity.name)
      } catch {
        throw failure(.quantity, error)
      }
    }
    let unit = given(.unit)
    if let unit, quantity == nil {
      throw failure(.unit, value: text(unit), reason: ItemFacts.unitWithoutQuantity)
    }
    var monetised: Money?
    if let bytes = given(.monetised) {
      switch Money.parse(bytes) {
      case .success(let money): monetised = money
      case .failure(let reason):
        throw failure(.monetised, value: text(bytes), reason: reason.message)
      }
    }
    var weight: Int?
    if let bytes = given(.weight) {
      guard let value = ImportPlanning.weight(bytes.assumingMemoryBound(to: UInt8.self)) else {
        throw failure(.weight, value: text(bytes), reason: "is not an integer from 1 to 5")
      }
      weight = value
    }
    let start = arena.count
    ItemFactsCodec.write(
      visibility: visibility, description: given(.description), quantity: quantity, unit: unit,
      monetised: monetised, weight: weight, evidence: given(.evidence), into: &arena)
    return start..<arena.count
  }
}
