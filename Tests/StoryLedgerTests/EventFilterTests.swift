import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger

/// `LedgerReader.forEachEvent(matching:)` keeps exactly the events a simple reference
/// predicate over the whole log keeps.
@Suite("Filtering the log")
struct EventFilterTests {
  /// Two stories in two branches, an answer, an item each, and feedback down the north.
  private func ledger() throws -> Ledger {
    let ledger = try Ledger.create(
      in: InMemoryLog(),
      configuration: try LedgerConfiguration(levels: ["nation", "region", "team"]))
    try ledger.addNode(try path("nhs/north/a"), creatingParents: true)
    try ledger.addNode(try path("nhs/south/b"), creatingParents: true)
    for (key, node) in [("s1", "nhs/north/a"), ("s2", "nhs/south/b")] {
      try ledger.tellStory(
        Ledger.NewStory(
          node: try path(node), title: "Story \(key)", narrative: "Told.",
          on: try day("2026-03-01"), key: key))
      try ledger.addItem(
        to: StoryRef(key), dimension: .calibrating, on: try day("2026-03-02"),
        facts: ItemFacts(visibility: .invisible))
    }
    try ledger.answer(
      story: "s1", on: try day("2026-03-03"),
      answers: [Answer(question: "Q", value: .choice("yes"))])
    try ledger.sendFeedback(
      from: try path("nhs/north"), to: try path("nhs/north/a"), text: "Thank you.")
    return ledger
  }

  private static let storyNodes = ["s1": "nhs/north/a", "s2": "nhs/south/b"]

  /// The node an event is about, by the simplest reading: a story's node, else the node in
  /// the payload (feedback: the node it was sent from).
  private static func node(of event: RecordedEvent) -> String? {
    if let story = event.payload.storyKey { return storyNodes[story] }
    if case .feedbackSent(let feedback) = event.payload { return feedback.from.description }
    return event.payload.nodePath?.description
  }

  private func sequences(_ ledger: Ledger, _ filter: EventFilter) throws -> [UInt64] {
    var kept: [UInt64] = []
    try ledger.view(as: .keeper).forEachEvent(matching: filter) { kept.append($0.sequence) }
    return kept
  }

  private func reference(_ ledger: Ledger, _ keeps: (RecordedEvent) -> Bool) throws -> [UInt64] {
    var kept: [UInt64] = []
    try ledger.forEachEvent { if keeps($0) { kept.append($0.sequence) } }
    return kept
  }

  @Test func anEmptyFilterKeepsEveryEvent() throws {
    let ledger = try ledger()
    let all = try reference(ledger) { _ in true }
    #expect(try sequences(ledger, EventFilter()) == all)
    #expect(all.count > 8)
  }

  @Test func filtersKeepWhatTheReferenceKeeps() throws {
    let ledger = try ledger()
    var byType = EventFilter()
    byType.types = [.itemRecorded, .storyAnswered]
    #expect(
      try sequences(ledger, byType)
        == reference(ledger) { [.itemRecorded, .storyAnswered].contains($0.type) })

    var byStory = EventFilter()
    byStory.story = "s1"
    #expect(try sequences(ledger, byStory) == reference(ledger) { $0.payload.storyKey == "s1" })

    var byNode = EventFilter()
    byNode.node = try path("nhs/north")
    let north = try reference(ledger) { Self.node(of: $0)?.hasPrefix("nhs/north") == true }
    #expect(try sequences(ledger, byNode) == north)
    #expect(north.count >= 6)

    var byAnswer = EventFilter()
    byAnswer.answers = [try AnswerFilter(parsing: "Q=yes")]
    #expect(try sequences(ledger, byAnswer) == reference(ledger) { $0.payload.storyKey == "s1" })

    var bySequence = EventFilter()
    bySequence.first = 3
    bySequence.last = 5
    #expect(try sequences(ledger, bySequence) == [3, 4, 5])
  }

  @Test func filtersCombine() throws {
    let ledger = try ledger()
    var filter = EventFilter()
    filter.node = try path("nhs/south")
    filter.types = [.itemRecorded]
    #expect(
      try sequences(ledger, filter)
        == reference(ledger) { $0.type == .itemRecorded && $0.payload.storyKey == "s2" })
  }
}
