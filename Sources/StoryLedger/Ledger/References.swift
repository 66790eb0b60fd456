import Foundation

/// A story of the ledger, named by its key.
///
/// Recording calls return the full key (``Ledger/Recorded/ref``); when you pass one in, it
/// may also be an unambiguous prefix of a key, as people type them, and the ledger resolves
/// it. A string literal is a reference: `ledger.storyHistory("k3f9")`.
public struct StoryRef: Hashable, Sendable, Codable, CustomStringConvertible,
  ExpressibleByStringInterpolation
{
  /// The key (or, passed in, a prefix of one).
  public var key: String
  /// Names the story with `key` (or an unambiguous prefix of it).
  public init(_ key: String) { self.key = key }
  /// Names the story with a literal key.
  public init(stringLiteral value: String) { key = value }
  /// The key.
  public var description: String { key }
  /// Decodes the key.
  public init(from decoder: any Decoder) throws {
    key = try decoder.decodedText()
  }
  /// Encodes the key.
  public func encode(to encoder: any Encoder) throws {
    try encoder.encodeText(key)
  }
}

/// An item of value: its story and its key within the story, written `STORY/ITEM`.
public struct ItemRef: Hashable, Sendable, CustomStringConvertible {
  /// The story it belongs to.
  public var story: StoryRef
  /// The item's key within the story (or, passed in, a prefix of one).
  public var key: String
  /// Names item `key` of `story`.
  public init(story: StoryRef, key: String) {
    self.story = story
    self.key = key
  }
  /// Parses `STORY/ITEM` (for example `k3f9xq/i1`); `nil` when the text is not of that shape.
  public init?(parsing text: String) {
    guard let slash = text.lastIndex(of: "/"), slash != text.startIndex,
      text.index(after: slash) != text.endIndex
    else { return nil }
    self.init(
      story: StoryRef(String(text[..<slash])), key: String(text[text.index(after: slash)...]))
  }
  /// `STORY/ITEM`.
  public var description: String { "\(story.key)/\(key)" }
}

/// A node of the hierarchy, as a recording call left it (its path after a move).
public struct NodeRef: Hashable, Sendable, CustomStringConvertible {
  /// The node's path.
  public var path: NodePath
  /// Names the node at `path`.
  public init(_ path: NodePath) { self.path = path }
  /// The path as text.
  public var description: String { path.description }
}

/// A pledge, named by its key (or, passed in, an unambiguous prefix of one).
public struct PledgeRef: Hashable, Sendable, CustomStringConvertible,
  ExpressibleByStringInterpolation
{
  /// The key.
  public var key: String
  /// Names the pledge with `key` (or an unambiguous prefix of it).
  public init(_ key: String) { self.key = key }
  /// Names the pledge with a literal key.
  public init(stringLiteral value: String) { key = value }
  /// The key.
  public var description: String { key }
}

/// An account, named by its node and period.
public typealias AccountRef = AccountKey

extension Ledger {
  /// What a recording call did: what it recorded (a ``StoryRef``, an ``ItemRef``, a
  /// ``NodeRef``, an ``AccountRef``, a ``PledgeRef``…), the story's version, and the append.
  ///
  /// ```swift
  /// let story = try ledger.tellStory(NewStory(node: "nhs/north", title: "Walking", narrative: "…"))
  /// let item = try ledger.addItem(to: story.ref, dimension: .capacitating, facts: ItemFacts(visibility: .invisible))
  /// print(item.ref)  // k3f9xq/i1
  /// ```
  public struct Recorded<Ref: Sendable & Hashable>: Sendable {
    /// What was recorded.
    public var ref: Ref
    /// The story's version after the append, for story and item calls (0 otherwise).
    public var version: Int
    /// The append itself (``AppendResult/isRepeat`` when the idempotency key was used).
    public var append: AppendResult
  }
}
