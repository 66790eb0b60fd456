// An embedder's own projection over the StoryLedger log: a fold of events into a read model
// the library does not keep (how long each item took to be made visible), caught up from a
// saved position, then kept live by following the log as another writer appends.
import Foundation
import StoryLedger

/// The read model: for each item, the day it was first recorded and, once evidence made it
/// visible, the day that happened.
struct TimeToVisible: Sendable {
  struct Item: Sendable {
    var recorded: Day
    var isVisible: Bool
    var madeVisible: Day?
  }

  var items: [String: Item] = [:]
  /// Where the fold has got to: the next read starts after it.
  var position = LogPosition.start()

  /// Folds one event in: `(state, event) -> state`, as the library's own projections do.
  mutating func apply(_ event: RecordedEvent) {
    switch event.payload {
    case .itemRecorded(let recorded):
      let isVisible = recorded.facts.visibility == .visible
      items["\(recorded.story)/\(recorded.item)"] = Item(
        recorded: recorded.on, isVisible: isVisible, madeVisible: isVisible ? recorded.on : nil)
    case .itemRevised(let revised):
      let key = "\(revised.story)/\(revised.item)"
      guard var item = items[key], let visibility = revised.facts.visibility else { break }
      if visibility == .visible && !item.isVisible && item.madeVisible == nil {
        item.madeVisible = revised.on
      }
      item.isVisible = visibility == .visible
      items[key] = item
    default:
      break
    }
  }

  /// Folds in the events of `store` after ``position`` up to its head; returns how many.
  mutating func catchUp(with store: any EventStore) throws -> Int {
    let head = try store.head()
    var count = 0
    try store.read(after: position, upTo: head) { event in
      apply(event)
      count += 1
    }
    position = head
    return count
  }

  /// Days from first record to visible, for the items made visible so far.
  var daysToVisible: [(item: String, days: Int32)] {
    items.compactMap { key, item in
      item.madeVisible.map { (key, $0.daysSinceEpoch - item.recorded.daysSinceEpoch) }
    }.sorted { $0.item < $1.item }
  }
}

/// New events of a log as they are committed, found by watching its head: the log is the
/// only channel, so the writer may be another process or another machine.
///
/// The stream ends after `limit` events or when `deadline` passes.
func follow(
  _ store: any EventStore, after start: LogPosition, limit: Int, deadline: ContinuousClock.Instant
) -> AsyncThrowingStream<RecordedEvent, any Error> {
  AsyncThrowingStream { continuation in
    let task = Task {
      var position = start
      var delivered = 0
      do {
        while delivered < limit && ContinuousClock.now < deadline {
          let head = try store.head()
          if head == position {
            try await Task.sleep(for: .milliseconds(20))
            continue
          }
          try store.read(after: position, upTo: head) { event in
            if delivered < limit { continuation.yield(event) }
            delivered += 1
          }
          position = head
        }
        continuation.finish()
      } catch {
        continuation.finish(throwing: error)
      }
    }
    continuation.onTermination = { _ in task.cancel() }
  }
}

func day(_ text: String) throws -> Day { try Day(parsing: text) }

func run() async throws {
  let directory = FileManager.default.temporaryDirectory.appending(
    path: "storyledger-projection-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: directory) }
  let ledgerDirectory = directory.appending(path: "ledger")
  let ledger = try Ledger.create(
    at: ledgerDirectory, configuration: try LedgerConfiguration(), actor: "example")
  let node = try NodePath(parsing: "england/north/leeds/ward-3")
  try ledger.addNode(node, creatingParents: true)
  let story = try ledger.tellStory(
    Ledger.NewStory(
      node: node, title: "Family rounds", narrative: "Families walk the ward with us.",
      on: try day("2026-01-05")))
  for key in ["families", "volunteers", "savings"] {
    try ledger.addItem(
      to: story.ref, key: key, dimension: .capacitating, on: try day("2026-01-05"),
      facts: ItemFacts(visibility: .invisible, description: key))
  }
  try ledger.attachEvidence(
    to: ItemRef(story: story.ref, key: "families"), evidence: "sign-up sheet",
    on: try day("2026-01-26"))

  // 1. Fold the whole log, and keep the position reached (a real embedder saves it).
  var projection = TimeToVisible()
  let folded = try projection.catchUp(with: ledger.store)
  let checkpoint = projection.position
  print("folded \(folded) events; checkpoint at \(checkpoint)")

  // 2. More is recorded; a projection resumed from the checkpoint reads only what is new.
  try ledger.attachEvidence(
    to: ItemRef(story: story.ref, key: "volunteers"), evidence: "rota", on: try day("2026-02-16"))
  var resumed = TimeToVisible()
  resumed.items = projection.items
  resumed.position = checkpoint
  let caughtUp = try resumed.catchUp(with: ledger.store)
  print("caught up \(caughtUp) new event from the checkpoint")

  // 3. Live: follow the log through a second store instance while another writer (its own
  //    FileLog instance, as another process would be) records more.
  let follower = try FileLog(directory: ledgerDirectory)
  let stream = follow(
    follower, after: resumed.position, limit: 2,
    deadline: ContinuousClock.now.advanced(by: .seconds(30)))
  let writer = Task.detached {
    let other = try Ledger.open(at: ledgerDirectory)
    try other.attachEvidence(
      to: ItemRef(story: story.ref, key: "savings"), evidence: "budget line",
      on: try day("2026-03-02"))
    try other.retellStory(
      story.ref, narrative: "Now every ward does it.", on: try day("2026-03-09"))
  }
  var live = 0
  for try await event in stream {
    resumed.apply(event)
    live += 1
    print("live: event \(event.sequence) \(event.type.name)")
  }
  try await writer.value

  print("\nDays from recorded to visible:")
  for (item, days) in resumed.daysToVisible { print("  \(item): \(days) days") }
  guard live == 2, resumed.daysToVisible.count == 3 else {
    throw LedgerError(.corrupt, "the projection missed events (\(live) live)")
  }
}

do {
  try await run()
} catch {
  FileHandle.standardError.write(Data("custom-projection: \(error)\n".utf8))
  exit(1)
}
