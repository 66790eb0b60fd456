import StoryLedger

/// `storyledger log`: the events as JSON Lines.
enum LogCommand: Command {
  static let spec = CommandSpec(
    name: "log", abstract: "the events as JSON Lines",
    arguments:
      "[--type T] [--story KEY] [--node PATH] [--answer QUESTION=VALUE]... [--from-sequence N] [--to-sequence N]",
    discussion: """
      Writes one JSON object per event, oldest first: sequence, id, type, schema, recorded_at,
      actor, idempotency_key, hash and the payload. Filters combine: --type may be repeated;
      --node keeps events about the node's subtree as the hierarchy stands now (its nodes, and
      the stories told there, wherever they were when the event was recorded); --answer keeps
      the events about stories whose current answer to QUESTION is VALUE (or includes it, for
      several choices). Without --at the
      log is the ledger keeper's audit record and shows every text; with --at NODE the titles,
      tellers, narratives and personal answers of stories whose share scope does not reach
      NODE (the subtree of the story's ancestor at its share level) are replaced by
      "(withheld)".
      """,
    examples: [
      "storyledger log --type item.revised --from-sequence 100",
      "storyledger log --story S0001 | jq .payload",
    ],
    options: [type, story, node, StoryAnswerCommand.filter, fromSequence, toSequence, at])

  static let type = Option(
    "--type", "T",
    "only events of this type (\(EventType.allCases.map(\.name).joined(separator: ", ")))",
    repeatable: true)
  static let story = Option("--story", "KEY", "only events about this story")
  static let node = Option("--node", "PATH", "only events about this node's subtree") {
    try NodePath(parsing: $0, field: "--node")
  }
  static let fromSequence = Option.integer(
    "--from-sequence", "N", "only events from sequence number N", in: 1...Int.max)
  static let toSequence = Option.integer(
    "--to-sequence", "N", "only events up to sequence number N", in: 1...Int.max)
  static let at = Option(
    "--at", "NODE",
    "as someone at NODE may read it: titles, tellers and narratives of stories whose share scope does not reach NODE are withheld"
  )

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let types = try Set(
      arguments.values(type).map { name throws -> EventType in
        guard let type = EventType(name: name) else {
          throw UsageError(
            ValueError(
              field: "--type", value: name, reason: "is not an event type",
              validValues: EventType.allCases.map(\.name)
            ).description, usage: spec.usage)
        }
        return type
      })
    let first = try arguments.value(fromSequence).map(UInt64.init) ?? 1
    let last = try arguments.value(toSequence).map(UInt64.init) ?? .max
    let node = try arguments.value(Self.node)
    let answers = try StoryAnswerCommand.filters(arguments)
    let ledger = try context.openLedger()
    let state = ledger.state
    let story = try arguments.value(Self.story).map { try state.resolveStory($0) }
    let viewer = try arguments.value(at).map { text -> Viewer in
      let path = try NodePath(parsing: text, field: "--at")
      try ledger.requireNode(at: path)
      return .node(path)
    }
    var buffer: [UInt8] = []
    buffer.reserveCapacity(1 << 16)
    do {
      try ledger.view(as: viewer ?? .keeper).forEachEvent(from: first) { event in
        guard event.sequence <= last else { throw StopLog() }
        if !types.isEmpty && !types.contains(event.type) { return }
        if let story, event.payload.storyKey != story { return }
        if !answers.isEmpty {
          guard let key = event.payload.storyKey, state.story(key, matches: answers) else { return }
        }
        if let node {
          let eventNode: NodePath?
          if let key = event.payload.storyKey {
            eventNode = state.node(ofStory: key)
          } else if let dialogueNode = state.currentNode(ofDialogueEventAt: event.sequence) {
            // A dialogue event belongs to the node it was recorded at, wherever it is now.
            eventNode = dialogueNode
          } else {
            eventNode = event.payload.nodePath.flatMap { state.currentPath(of: $0) ?? $0 }
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
    } catch is StopLog {}
    context.console.write(bytes: buffer)
  }
}

/// Ends a `log` listing past its last sequence number.
private struct StopLog: Error {}
