import StoryLedger

/// `storyledger log`: the events as JSON Lines.
enum LogCommand: Command {
  static let spec = CommandSpec(
    name: "log", abstract: "the events as JSON Lines",
    arguments: "[--type T] [--story KEY] [--node PATH] [--from-sequence N] [--to-sequence N]",
    discussion: """
      Writes one JSON object per event, oldest first: sequence, id, type, schema, recorded_at,
      actor, idempotency_key, hash and the payload. Filters combine: --type may be repeated;
      --node keeps events about the node's subtree (its nodes and stories).
      """,
    examples: [
      "storyledger log --type item.revised --from-sequence 100",
      "storyledger log --story S0001 | jq .payload",
    ],
    options: [
      .value(
        "--type", "T",
        "only events of this type (\(EventType.allCases.map(\.name).joined(separator: ", ")))",
        repeatable: true),
      .value("--story", "KEY", "only events about this story"),
      .value("--node", "PATH", "only events about this node's subtree"),
      .value("--from-sequence", "N", "only events from sequence number N"),
      .value("--to-sequence", "N", "only events up to sequence number N"),
    ])

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let types = try Set(
      arguments.all("--type").map { name throws -> EventType in
        guard let type = EventType(name: name) else {
          throw UsageError(
            ValueError(
              field: "--type", value: name, reason: "is not an event type",
              validValues: EventType.allCases.map(\.name)
            ).description, usage: spec.usage)
        }
        return type
      })
    let first = try arguments.integer("--from-sequence", in: 1...Int.max).map(UInt64.init) ?? 1
    let last = try arguments.integer("--to-sequence", in: 1...Int.max).map(UInt64.init) ?? .max
    let story = arguments.value("--story")
    let node = try arguments.value("--node") { try NodePath(parsing: $0, field: "--node") }
    let ledger = try context.openLedger()
    var storyNodes: [String: NodePath] = [:]
    var buffer: [UInt8] = []
    buffer.reserveCapacity(1 << 16)
    // From the first event: a --node filter needs the nodes of stories told earlier.
    try ledger.forEachEvent(from: node == nil ? first : 1) { event in
      if case .storyTold(let told) = event.payload { storyNodes[told.key] = told.node }
      guard event.sequence >= first, event.sequence <= last else { return }
      if !types.isEmpty && !types.contains(event.type) { return }
      if let story, event.payload.storyKey != story { return }
      if let node {
        let eventNode: NodePath?
        switch event.payload {
        case .nodeAdded(let added): eventNode = added.path
        default: eventNode = event.payload.storyKey.flatMap { storyNodes[$0] }
        }
        guard let eventNode, node.contains(eventNode) else { return }
      }
      event.appendJSON(to: &buffer)
      buffer.append(0x0A)
      if buffer.count >= 1 << 16 {
        context.console.write(bytes: buffer)
        buffer.removeAll(keepingCapacity: true)
      }
    }
    context.console.write(bytes: buffer)
  }
}
