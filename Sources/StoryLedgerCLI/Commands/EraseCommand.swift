import Foundation
import StoryLedger

/// `storyledger erase person NAME`: erases a participant's name from the dialogue.
enum ErasePersonCommand: Command {
  static let spec = CommandSpec(
    name: "erase person",
    abstract: "erase a person's name from every dialogue event that names them",
    arguments: "NAME [--reason TEXT] [--json]",
    discussion: """
      Erases NAME wherever the dialogue names a participant: who proposed, objected to,
      answered, settled or reopened an account, selected stories (alone or on a panel), sent
      feedback, made, joined, fulfilled or withdrew a pledge, facilitated or took part in a
      session, rated an item (`item rate`) or verified a story (`story verified`), and their
      description (`participant add`: attributes and consent go with the name). The names
      of one panel or one session share one erasable part of their record, so the others'
      names there are erased with it. The events stay (figures, accounts, pledges, ratings and
      their texts are unchanged; a person's ratings stay one person's) and show the
      participant as "(erased)". A
      participant.erased event listing the events, not the name, is recorded; the name
      is erased from the log itself and from the projection snapshot, and `storyledger
      verify` still passes. NAME is matched as Unicode text in any script (spellings that
      are canonically equivalent match, for example a precomposed "ë" and "e" followed by a
      combining diaeresis), after trimming spaces; letter case counts. Events recorded by a
      version of StoryLedger before names became erasable keep the name in their hashed
      bytes; they are listed as unerasable and stay as they are. The account that recorded
      an event (--actor or $USER) is part of its hashed bytes too: events this person
      recorded themselves are listed (recorded_by in --json) and keep the name as their
      recording account; record the dialogue under a role account where that matters. Tellers' names and
      narratives are erased with `storyledger story withdraw STORY --erase`. Asking again
      finishes an erasure that a crash interrupted. Erasure cannot be undone.

      Exit codes: 0 done (also when no event names NAME), 64 usage, 65 a damaged ledger,
      66 no ledger, 74 I/O error, 75 the ledger is busy.
      """,
    examples: [
      "storyledger erase person \"Zoë Ångström\" --reason \"asked to be forgotten\"",
      "storyledger erase person 李小龍 --json",
    ],
    options: [StoryWithdrawCommand.reason] + Recording.writeOptions)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let name = arguments.positionals[0]
    guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw UsageError("NAME cannot be empty", usage: arguments.usage)
    }
    let options = try Recording.options(arguments)
    let ledger = try context.openLedger()
    let result = try ledger.eraseParticipant(
      name, reason: arguments.value(StoryWithdrawCommand.reason) ?? "", options: options)
    if arguments.has(Flag.json) {
      func list(_ sequences: [UInt64]) -> String {
        "[" + sequences.map(String.init).joined(separator: ",") + "]"
      }
      var object = JSONObjectWriter(bytes: [])
      object.raw("erased", list(result.erased))
      object.raw("unerasable", list(result.unerasable))
      object.raw("recorded_by", list(result.recordedBy))
      object.raw("repeat", result.append.isRepeat ? "true" : "false")
      if let first = result.append.events.first?.sequence { object.number("sequence", first) }
      context.console.write(bytes: object.finish() + [0x0A])
    } else {
      context.console.write(
        "erased the name from \(result.erased.count) dialogue event\(result.erased.count == 1 ? "" : "s")\n"
      )
    }
    if !result.unerasable.isEmpty {
      context.console.message(
        "storyledger: warning: \(result.unerasable.count) older events (\(result.unerasable.map(String.init).joined(separator: ", "))) keep the name in their hashed bytes, recorded before names became erasable; erasing it there would break the chain"
      )
    }
    if !result.recordedBy.isEmpty {
      context.console.message(
        "storyledger: warning: \(result.recordedBy.count) dialogue event\(result.recordedBy.count == 1 ? "" : "s") (\(result.recordedBy.map(String.init).joined(separator: ", "))) \(result.recordedBy.count == 1 ? "was" : "were") recorded by this person: their name stays as the recording account (--actor or $USER), which is part of the hashed record"
      )
    }
    let told = ledger.state.storiesTold(by: name)
    if !told.isEmpty {
      let shown = told.prefix(5).joined(separator: ", ") + (told.count > 5 ? ", …" : "")
      context.console.message(
        "storyledger: note: the name is still a teller of \(told.count) stor\(told.count == 1 ? "y" : "ies") (\(shown)); a story's teller names are erased with it: `storyledger story withdraw STORY --erase`"
      )
    }
    if result.append.isRepeat {
      context.console.message(
        "storyledger: note: the erasure was recorded before with this --idempotency-key; nothing was added"
      )
    }
  }
}
