import StoryLedger

/// `storyledger rebuild`: replays the whole log into fresh projections and a new snapshot.
enum RebuildCommand: Command {
  static let spec = CommandSpec(
    name: "rebuild", abstract: "replay the whole log into fresh projections and a new snapshot",
    arguments: "[--json]",
    discussion: """
      Commands start from the projection snapshot (state.snapshot in the ledger directory) and
      fold in only the events recorded after it. A snapshot is used only when the log proves
      the position it was taken at; otherwise the log is replayed. `rebuild` replays every event
      regardless and writes a new snapshot: use it after `verify` reports a damaged snapshot, or
      to measure replay speed.
      """,
    examples: ["storyledger rebuild", "storyledger --ledger nhs.ledger rebuild --json"],
    options: [Flag.json])

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let ledger = try context.openLedger()
    let console = context.console
    let clock = ContinuousClock()
    let started = clock.now
    let events = try ledger.rebuild { done, total in
      console.progress("replaying", done: done, of: total)
    }
    let elapsed = clock.now - started
    console.progress("writing the snapshot")
    try ledger.writeSnapshot()
    console.clearProgress()
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let rate = seconds > 0 ? Int(Double(events) / seconds) : 0
    if arguments.has(Flag.json) {
      var object = JSONObjectWriter(bytes: [])
      object.number("events", events)
      object.raw("seconds", String(format: seconds))
      object.number("events_per_second", rate)
      console.write(bytes: object.finish() + [0x0A])
    } else {
      console.write(
        "replayed \(events) events into fresh projections in \(String(format: seconds)) s (\(rate) events/s) and wrote a new snapshot\n"
      )
    }
  }
}

extension String {
  /// `seconds` with three decimals, for reports.
  init(format seconds: Double) {
    let millis = Int((seconds * 1000).rounded())
    let fraction = millis % 1000
    self =
      "\(millis / 1000)."
      + String(repeating: "0", count: fraction < 10 ? 2 : fraction < 100 ? 1 : 0) + "\(fraction)"
  }
}
