import Foundation
import StoryLedger

/// `storyledger session start NODE --facilitator NAME [--with NAME]… [--on DATE] [--note T]`.
enum SessionStartCommand: Command {
  static let spec = CommandSpec(
    name: "session start", abstract: "start a session (a workshop or meeting) at NODE",
    arguments: "NODE --facilitator NAME [--with NAME]... [--on DATE] [--note T] [--key K]",
    discussion: """
      Records a session held at NODE on a date (default today): who facilitates it, who else
      takes part, and a note. Prints its key; give it with --session to any recording command
      (story tell and retell, item add, revise and evidence, story answer, select, feedback,
      the account steps, the pledges) to record what came out of the session, and read it all
      with `session show KEY`. What a session records is about NODE or a node under it.
      The facilitator and the people who take part are personal: `erase person` erases them.
      The note is kept in the hashed log: put no personal details in it. Names and notes may
      be in any language.
      """,
    examples: [
      "storyledger session start nhs/north-east/trust-07 --facilitator \"Amina Yusuf\" --with \"Jo Bloggs\" --with \"Kwame Mensah\" --on 2026-04-20 --note \"Ward 3 story circle\"",
      "storyledger story tell nhs/north-east/trust-07/ward-3 --title \"Night walks\" --text \"…\" --session s4k2m9p",
    ],
    options: [facilitator, with, on, note, key] + Recording.writeOptions)

  static let facilitator = Option("--facilitator", "NAME", "who facilitates the session")
  static let with = Option(
    "--with", "NAME", "someone else who takes part (repeat for several)", repeatable: true)
  static let on = Option.day("--on", "DATE", "the date it is held (default today)")
  static let note = Option("--note", "T", "a note about the session (no personal details)")
  static let key = Option("--key", "K", "the session's key (default: generated)") { text in
    try Key.validate(text, field: "--key")
    return text
  }

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let node = try arguments.node()
    guard let facilitator = try arguments.value(facilitator),
      !facilitator.trimmingCharacters(in: .whitespaces).isEmpty
    else {
      throw UsageError("missing --facilitator (who facilitates the session)", usage: spec.usage)
    }
    let others = try arguments.values(with)
    if others.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
      throw UsageError("--with cannot be empty: name who takes part", usage: spec.usage)
    }
    let options = try Recording.options(arguments)
    let ledger = try context.openLedger()
    let recorded = try ledger.startSession(
      at: node, on: try arguments.value(on), facilitator: facilitator, with: others,
      note: try arguments.value(note) ?? "", key: try arguments.value(key), options: options)
    Recording.report(
      recorded, printing: recorded.ref, what: "the session", arguments: arguments,
      context: context)
  }
}

/// `storyledger session show KEY`: the session and what came out of it.
enum SessionShowCommand: Command {
  static let spec = CommandSpec(
    name: "session show", abstract: "show a session and what was recorded in it",
    arguments: "KEY [--at NODE] [--json]",
    discussion: """
      Prints where and when the session was held, who facilitated it and took part, and,
      in the order they were recorded, the events recorded with --session KEY: stories told,
      tellings, items and their revisions, answers, selections, feedback, account steps and
      pledges. It is read as someone at the session's node reads it (or at --at NODE): the
      titles, tellers and narratives of stories whose share scope does not reach that node
      are left out, and the listing says how many. --json gives the session and each event
      as `storyledger log` writes it.
      """,
    examples: [
      "storyledger session show s4k2m9p",
      "storyledger session show s4k2m9p --json | jq '.events[].type'",
    ],
    options: [at, Flag.json])

  static let at = Option("--at", "NODE", "read as someone at NODE (default: the session's node)") {
    try NodePath(parsing: $0, field: "--at")
  }

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let ledger = try context.openLedger()
    let key = arguments.positionals[0]
    let viewer = try arguments.value(at).map { path -> Viewer in
      try ledger.requireNode(at: path)
      return .node(path)
    }
    let record = try ledger.sessionRecord(key, as: viewer)
    let session = record.session
    if arguments.has(Flag.json) {
      var object = JSONObjectWriter(bytes: [])
      SessionsCommand.appendFields(of: session, to: &object)
      object.number("withheld", record.withheld)
      var events: [UInt8] = [UInt8(ascii: "[")]
      for (index, event) in record.events.enumerated() {
        if index > 0 { events.append(UInt8(ascii: ",")) }
        event.appendJSON(to: &events)
      }
      events.append(UInt8(ascii: "]"))
      object.raw("events", String(decoding: events, as: UTF8.self))
      context.console.write(bytes: object.finish() + [0x0A])
      return
    }
    let oneLine = Console.oneLine
    var lines = [
      "session \(session.key) · \(session.node) · \(session.on)",
      "  facilitator  \(oneLine(session.facilitator))",
      "  with         \(session.with.isEmpty ? "—" : oneLine(session.with.joined(separator: ", ")))",
    ]
    if !session.note.isEmpty { lines.append("  note         \(oneLine(session.note))") }
    lines.append("recorded in it (\(record.events.count) events):")
    for event in record.events {
      lines.append("  \(event.sequence)  \(event.type.name)  \(SessionShowCommand.describe(event))")
    }
    if record.events.isEmpty { lines.append("  (nothing yet)") }
    if record.withheld > 0 {
      lines.append(
        "\(record.withheld) of them concern stories whose share scope does not reach \(viewerNode(viewer, session)): their titles, tellers and narratives are left out"
      )
    }
    context.console.write(lines.joined(separator: "\n") + "\n")
  }

  private static func viewerNode(_ viewer: Viewer?, _ session: SessionView) -> String {
    if case .node(let path) = viewer { return path.description }
    return session.node.description
  }

  /// One line about an event recorded in a session.
  static func describe(_ event: RecordedEvent) -> String {
    let oneLine = Console.oneLine
    /// A name on one line; an erased one (empty in the log) as `(erased)`.
    func who(_ name: String) -> String { name.isEmpty ? "(erased)" : oneLine(name) }
    switch event.payload {
    case .storyTold(let told):
      return "\(told.key) \"\(oneLine(told.title))\" at \(told.node), \(told.on)"
    case .tellingRecorded(let telling):
      return "\(telling.story), \(telling.on)"
        + (telling.narrative == RecordedEvent.withheldMark ? " (withheld)" : "")
    case .storyUpdated(let update): return update.story
    case .storyWithdrawn(let withdrawal): return withdrawal.story
    case .storyAnswered(let answered):
      return "\(answered.story), \(answered.on): \(answered.answers.count) answers"
    case .itemRecorded(let item):
      return "\(item.story)/\(item.item) \(item.dimension.rawValue), \(item.on)"
        + (item.facts.description.map { ": \(oneLine($0))" } ?? "")
    case .itemRevised(let item): return "\(item.story)/\(item.item), \(item.on)"
    case .itemRated(let rating):
      return "\(rating.story)/\(rating.item) rated \(rating.weight)"
        + " by \(who(rating.by)), \(rating.on)"
    case .itemAgreed(let agreed):
      return "\(agreed.story)/\(agreed.item) agreed \(agreed.weight), \(agreed.on)"
    case .storyVerified(let verified):
      return "\(verified.story) verified by \(who(verified.by)), \(verified.on)"
    case .storyGrouped(let grouped):
      return grouped.story + (grouped.domain.map { " in domain \(oneLine($0))" } ?? "")
        + (grouped.campaigns.isEmpty
          ? "" : " in campaigns " + grouped.campaigns.map(oneLine).joined(separator: ", "))
    case .domainAdded(let added), .campaignAdded(let added): return oneLine(added.name)
    case .proxySet(let set):
      return "\(oneLine(set.name)) \(set.value) per \(oneLine(set.unit)) from \(set.from)"
    case .participantAdded(let added):
      return added.name.isEmpty ? "(erased)" : oneLine(added.name)
    case .storiesSelected(let selected):
      return "at \(selected.node) for \(selected.period) by \(who(selected.by)): "
        + selected.chosen.map(\.story).joined(separator: ", ")
    case .feedbackSent(let feedback):
      return "from \(feedback.from) to \(feedback.to) by \(who(feedback.by))"
        + (feedback.story.map { " about \($0)" } ?? "")
    case .accountProposed(let proposed):
      return "\(proposed.node) for \(proposed.period) by \(who(proposed.by))"
    case .accountObjected(let step), .accountResponded(let step), .accountSettled(let step),
      .accountReopened(let step):
      return "\(step.node) for \(step.period) by \(who(step.by))"
    case .pledgeMade(let pledge): return "\(pledge.key) at \(pledge.node) by \(who(pledge.by))"
    case .pledgeJoined(let step), .pledgeWithdrawn(let step):
      return "\(step.pledge) by \(who(step.by))"
    case .pledgeFulfilled(let step): return "\(step.pledge) by story \(step.text)"
    case .nodeAdded(let node): return node.path.description
    case .nodeRenamed(let node): return node.path.description
    case .nodeMoved(let node): return node.path.description
    case .nodeRetired(let node): return node.path.description
    case .ledgerCreated, .participantErased, .sessionStarted, .sessionLinked: return ""
    }
  }
}

/// `storyledger sessions [NODE]`: the sessions held in NODE's subtree.
enum SessionsCommand: Command {
  static let spec = CommandSpec(
    name: "sessions", abstract: "list the sessions held at NODE or under it (all by default)",
    arguments: "[NODE] [--json]",
    discussion: """
      One line per session, in the order they were started: key, date, node, facilitator,
      how many took part and how many events were recorded in it. --json gives an array.
      """,
    examples: ["storyledger sessions", "storyledger sessions nhs/north-east --json"],
    options: [Flag.json])

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let node = try arguments.optionalNode()
    let ledger = try context.openLedger()
    let sessions = try ledger.sessions(under: node)
    if arguments.has(Flag.json) {
      var bytes: [UInt8] = [UInt8(ascii: "[")]
      for (index, session) in sessions.enumerated() {
        if index > 0 { bytes.append(UInt8(ascii: ",")) }
        var object = JSONObjectWriter(bytes: [])
        appendFields(of: session, to: &object)
        bytes += object.finish()
      }
      context.console.write(bytes: bytes + Array("]\n".utf8))
      return
    }
    guard !sessions.isEmpty else {
      context.console.write("no sessions\(node.map { " at or under \($0)" } ?? "")\n")
      return
    }
    let oneLine = Console.oneLine
    let lines = sessions.map { session in
      "\(session.key)  \(session.on)  \(session.node)  \(oneLine(session.facilitator))"
        + "  +\(session.with.count) taking part  \(session.events.count) events"
        + (session.note.isEmpty ? "" : "  — \(oneLine(session.note))")
    }
    context.console.write(lines.joined(separator: "\n") + "\n")
  }

  /// A session's fields as JSON: key, node, on, facilitator, with, note, sequence, events.
  static func appendFields(of session: SessionView, to object: inout JSONObjectWriter) {
    object.string("session", session.key)
    object.string("node", session.node.description)
    object.string("on", session.on.description)
    object.string("facilitator", session.facilitator)
    object.strings("with", session.with)
    object.string("note", session.note)
    object.number("sequence", session.sequence)
    object.raw(
      "event_sequences", "[" + session.events.map(String.init).joined(separator: ",") + "]")
  }
}

/// `storyledger export sessions`: the session time series per period and node.
enum ExportSessionsCommand: Command {
  static let spec = CommandSpec(
    name: "export sessions", abstract: "the session time series per period and node",
    arguments:
      "--period P --level L [--from DATE] [--to DATE] [--format csv|jsonl] [--output FILE]",
    discussion: """
      One row per (period, node at level L), sorted by period then node path, zero-filled,
      over the sessions held in the node's subtree with their date in the period, with the
      columns
        \(SessionSeriesRow.columns.joined(separator: ","))
      sessions counts them; people sums the names they record (facilitator and people taking
      part); the other columns count the events recorded in them with --session, by kind,
      stories_selected counting each story chosen. Each event counts in its session's period
      and node. The README and the docs define every column.
      """,
    examples: [
      "storyledger export sessions --period quarter --level region",
      "storyledger export sessions --period month --level organisation --format jsonl --output sessions.jsonl",
    ],
    options: Export.options())

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    try Export.write(arguments, in: context, SessionSeriesRow.self) {
      try $0.sessionSeries($1, $2)
    }
  }
}
