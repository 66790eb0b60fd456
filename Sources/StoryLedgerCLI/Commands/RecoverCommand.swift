import StoryLedger

/// `storyledger recover`: cuts a damaged tail off the log, after saying what it drops.
enum RecoverCommand: Command {
  static let spec = CommandSpec(
    name: "recover", abstract: "cut a damaged tail off the log, after saying what it drops",
    arguments: "[--yes] [--json]",
    discussion: """
      A ledger whose log ends in damage (a file cut short by a full disk or a copy, a torn or
      damaged last record, a head that no longer matches the log) is refused by every other
      command. `recover` checks the whole log as `verify` does and, when the damage reaches
      the end of the file with no intact record after it, says exactly what cutting it
      drops: the byte where the log will end, the events after it, and how many of them had
      been acknowledged. Nothing changes without --yes; with it the log is cut back to the
      end of the last whole batch before the damage (an import stays all or nothing) and its
      head rewritten, under the write lock.

      Damage followed by any intact record is not a tail: cutting it would throw sound events
      away. `recover` refuses it (exit 65) and changes nothing; restore the ledger from a copy.
      """,
    examples: [
      "storyledger recover          # show what would be cut; change nothing",
      "storyledger recover --yes    # cut it",
      "storyledger --ledger nhs.ledger recover --json",
    ],
    options: [yes, Flag.json])

  static let yes = Flag("--yes", "cut the damaged tail (without it, only show what would be cut)")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let store = try FileLog(directory: try context.ledgerDirectory())
    let console = context.console
    console.progress("checking the log")
    var plan = try store.recoveryPlan()
    console.clearProgress()
    let isActing = arguments.has(yes) && plan.verdict == .recoverable
    if isActing {
      plan = try store.recover(plan, timeout: arguments.lockTimeout)
    }
    let status: String
    switch plan.verdict {
    case .intact: status = "intact"
    case .refused: status = "refused"
    case .recoverable: status = isActing ? "recovered" : "recoverable"
    }
    if arguments.has(Flag.json) {
      console.write(bytes: json(plan, status: status) + [0x0A])
    } else {
      switch status {
      case "recovered":
        console.write(
          "recovered: \(plan.description.replacingOccurrences(of: "Recovery cuts", with: "Cut"))\nThe ledger now holds \(plan.keep.sequence) events; run `storyledger verify` to check it.\n"
        )
      case "recoverable":
        console.write(
          "\(plan.description)\nNothing was changed: run `storyledger recover --yes` to cut it.\n")
      default:
        console.write(plan.description + "\n")
      }
    }
    if plan.verdict == .refused {
      throw CommandFailure(
        code: .dataError,
        message: "recovery refused: the damage is before the tail of the log; nothing was changed")
    }
  }

  /// The plan as one JSON object.
  static func json(_ plan: RecoveryPlan, status: String) -> [UInt8] {
    var object = JSONObjectWriter(bytes: [])
    object.string("status", status)
    if let problem = plan.problem {
      object.problem(problem)
    }
    if let offset = plan.intactRecordAfterDamage {
      object.number("intact_record_after_damage", offset)
    }
    object.number("keep_events", plan.keep.sequence)
    object.number("keep_bytes", plan.keep.offset)
    object.number("log_bytes", plan.logSize)
    object.number("dropped_bytes", plan.droppedBytes)
    object.number("dropped_events", plan.droppedEvents)
    object.number("acknowledged_events_lost", plan.acknowledgedEventsLost)
    object.raw("rewrites_head", plan.rewritesHead ? "true" : "false")
    object.string("summary", plan.description)
    return object.finish()
  }
}
