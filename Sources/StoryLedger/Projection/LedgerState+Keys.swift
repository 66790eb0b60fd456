import Foundation

/// Story and item keys: generating short ones, and resolving the prefixes people type.
extension LedgerState {
  /// The letters of generated keys: digits and lower-case letters without `i`, `l`, `o`,
  /// `u`, which are easily misread (Crockford's base 32).
  static let keyAlphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")

  /// A new story key: six characters (about a billion possibilities), not yet used.
  func newStoryKey() -> String {
    var generator = SystemRandomNumberGenerator()
    while true {
      let key = String((0..<6).map { _ in Self.keyAlphabet[Int(generator.next() % 32)] })
      if storyIndex(forKey: key) == nil { return key }
    }
  }

  /// A new item key for the story `key`: `i` and the next free number.
  func newItemKey(inStory key: String) throws(LedgerError) -> String {
    guard let story = storyIndex(forKey: key) else {
      throw LedgerError(.invalid, "no story \(key)")
    }
    var number = itemsOfStory(story).count + 1
    while itemIndex(story: story, key: "i\(number)") != nil { number += 1 }
    return "i\(number)"
  }

  /// The full key of the story that `text` names: the key itself, or the one key that starts
  /// with it.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` naming the matches when several
  ///   stories start with `text`, or when none does.
  public func resolveStory(_ text: String) throws(LedgerError) -> String {
    if storyIndex(forKey: text) != nil { return text }
    guard !text.isEmpty else { throw LedgerError(.invalid, "a story key is required") }
    var prefix = text
    var matches: [Int32] = []
    prefix.withUTF8 { wanted in
      stories.forEachElement { index, story in
        guard story.key.length > wanted.count else { return }
        let isMatch = self.text.withBytes(story.key) { stored in
          guard let left = stored.baseAddress, let right = wanted.baseAddress else { return false }
          return memcmp(left, right, wanted.count) == 0
        }
        if isMatch { matches.append(Int32(index)) }
      }
    }
    switch matches.count {
    case 1: return storyKey(matches[0])
    case 0:
      throw LedgerError(
        .invalid, "no story \(text): no story key is or starts with \"\(text)\"",
        remedy: .listStories)
    default:
      let shown = matches.prefix(10).map { index in
        "  \(storyKey(index))  \(self.text.string(stories[index].title))"
      }
      let more = matches.count > 10 ? "\n  … and \(matches.count - 10) more" : ""
      throw LedgerError(
        .invalid,
        "story \"\(text)\" is ambiguous: \(matches.count) stories start with it; type more of the key:\n"
          + shown.joined(separator: "\n") + more)
    }
  }

  /// The full key of the item of story `story` (a full key) that `text` names: the key
  /// itself, or the one item key of the story that starts with it.
  public func resolveItem(_ text: String, inStory story: String) throws(LedgerError) -> String {
    guard let index = storyIndex(forKey: story) else {
      throw LedgerError(.invalid, "no story \(story)")
    }
    if itemIndex(story: index, key: text) != nil { return text }
    let keys = itemsOfStory(index).map { self.text.string(items[$0].key) }
    let matches = keys.filter { $0.hasPrefix(text) && !text.isEmpty }
    switch matches.count {
    case 1: return matches[0]
    case 0:
      throw LedgerError(
        .invalid,
        "no item \(story)/\(text)"
          + (keys.isEmpty
            ? "; the story has no items yet"
            : "; its items: \(keys.prefix(20).joined(separator: ", "))"))
    default:
      throw LedgerError(
        .invalid,
        "item \"\(text)\" of story \(story) is ambiguous: it starts \(matches.joined(separator: ", "))"
      )
    }
  }

  /// The number of stories told in the subtree of `node` that are not withdrawn.
  func activeStoryCount(under node: Int32) -> Int {
    var count = 0
    var pending = [node]
    while let next = pending.popLast() {
      count += Int(nodeTotals[next].stories)
      pending.append(contentsOf: nodes[Int(next)].children)
    }
    return count
  }

  /// The sequence numbers of the events holding the story's personal text: its
  /// `story.told` (teller names), its tellings (narratives) and its `story.answered` events
  /// that carry personal answers.
  func personalSequences(ofStory key: String) -> [UInt64] {
    guard let index = storyIndex(forKey: key) else { return [] }
    var sequences = [stories[index].toldSequence]
    var cursor = stories[index].firstTelling
    while cursor >= 0 {
      sequences.append(tellings[cursor].sequence)
      cursor = tellings[cursor].next
    }
    return sequences + personalAnswerSequences(of: index)
  }
}
