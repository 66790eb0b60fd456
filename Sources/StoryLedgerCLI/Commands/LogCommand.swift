import StoryLedger

/// `storyledger log`: the events as JSON Lines.
enum LogCommand: Command {
  static let spec = CommandSpec(
    name: "log", abstract: "the events as JSON Lines",
    arguments:
      "[--type T] [--story KEY] [--node PATH] [--answer QUESTION=VALUE]... [--from-sequence N] [--to-sequence N] [--at NODE]",
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
    repeatable: true
  ) { name in
    guard let type = EventType(name: name) else {
      throw ValueError(
        field: "--type", value: name, reason: "is not an event type",
        validValues: EventType.allCases.map(\.name))
    }
    return type
  }
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
    var filter = EventFilter()
    filter.types = Set(try arguments.values(type))
    filter.first = try arguments.value(fromSequence).map(UInt64.init) ?? 1
    filter.last = try arguments.value(toSequence).map(UInt64.init) ?? .max
    filter.node = try arguments.value(node)
    let answers = try StoryAnswerCommand.filters(arguments)
    let ledger = try context.openLedger()
    filter.answers = try StoryAnswerCommand.resolved(answers, in: ledger, usage: spec.usage)
    filter.story = try arguments.value(story).map { try ledger.resolve(StoryRef($0)) }
    let viewer = try arguments.value(at).map { text -> Viewer in
      let path = try NodePath(parsing: text, field: "--at")
      try ledger.requireNode(at: path)
      return .node(path)
    }
    var buffer: [UInt8] = []
    buffer.reserveCapacity(1 << 16)
    try ledger.view(as: viewer ?? .keeper).forEachEvent(matching: filter) { event in
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
