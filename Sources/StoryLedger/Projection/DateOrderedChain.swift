/// A record kept in a chain of its story's or item's records in (date, sequence) order:
/// answers, tellings and revisions are each linked this way, through their `next` index.
protocol DateOrderedLink: BitwiseCopyable {
  /// The date the chain is ordered by.
  var day: Day { get }
  /// The index of the chain's next record, or -1 at its end.
  var next: Int32 { get set }
}

extension LedgerState.AnswerRecord: DateOrderedLink {}
extension LedgerState.TellingRecord: DateOrderedLink {}
extension LedgerState.RevisionRecord: DateOrderedLink {}

extension Column where Element: DateOrderedLink {
  /// Links the record at `index` (already appended, not yet linked) into the chain that
  /// starts at `head` (-1: an empty chain), after every record of its date or earlier: the
  /// records of one date stay in the order they were recorded, that is, in sequence order.
  ///
  /// This is the replay's hot path (every telling, answer and late revision), so it is
  /// inlined into each caller and specialised for each record type.
  ///
  /// - Returns: Whether the record goes first: the caller then makes `index` the chain's
  ///   head (the head lives in different places: a story, an item, a column of heads).
  @inline(__always)
  mutating func linkInDateOrder(_ index: Int32, chainHead head: Int32) -> Bool {
    let day = self[index].day
    var previous: Int32 = -1
    var cursor = head
    while cursor >= 0, self[cursor].day <= day {
      previous = cursor
      cursor = self[cursor].next
    }
    self[index].next = cursor
    guard previous >= 0 else { return true }
    self[previous].next = index
    return false
  }
}
