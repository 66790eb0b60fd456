import Foundation
import StoryLedger

/// `storyledger participant add NAME [--attribute KEY=VALUE]... [--consent DATE]`.
enum ParticipantAddCommand: Command {
  static let spec = CommandSpec(
    name: "participant add", abstract: "describe a participant: their groups, and their consent",
    arguments: "NAME [--attribute KEY=VALUE]... [--consent DATE]",
    discussion: """
      Meta-monitoring asks whose voice is heard. A participant's attributes (role, group,
      age band, team: any key, any value, in any language or script) say which groups they
      belong to; `export voices` then counts, per period and level, which groups tell stories
      and whose stories get selected. NAME is the name tellers, raters and panels are
      recorded under (matched as Unicode text after trimming spaces; letter case counts).

      Adding a participant again changes their description: each --attribute sets its key
      (KEY= with no value removes the key), --consent records the
      day consent was given, and what is not named stays. Nothing is recorded when nothing
      changes. Keys match ignoring case across the ledger: the spelling first used stays
      (Role=nurse sets role where role is in use), so one attribute is one column of groups.
      Attributes count in `export voices` only once consent is recorded.

      The name, attributes and consent are kept in the erasable part of the record:
      `storyledger erase person NAME` erases them all. Prints the name.

      Exit codes: 0 recorded (or unchanged), 64 usage, 65 invalid input or a damaged ledger,
      66 no ledger, 74 I/O error, 75 the ledger is busy.
      """,
    examples: [
      "storyledger participant add \"Amaka Obi\" --attribute role=patient --attribute group=carers --consent 2026-03-02",
      "storyledger participant add \"Amaka Obi\" --attribute group=",
      "storyledger participant add 李小龍 --attribute 役割=看護師 --consent 2026-04-01",
    ],
    options: [attribute, consent] + Recording.recordingOptions)

  static let attribute = Option(
    "--attribute", "KEY=VALUE",
    "set an attribute (repeat for several; KEY= removes it)", repeatable: true
  ) { text -> (key: String, value: String) in
    guard let equals = text.firstIndex(of: "="),
      !text[..<equals].trimmingCharacters(in: .whitespaces).isEmpty
    else {
      throw ValueError(
        field: "--attribute", value: text, reason: "is not KEY=VALUE (for example role=nurse)")
    }
    return (String(text[..<equals]), String(text[text.index(after: equals)...]))
  }
  static let consent = Option.day("--consent", "DATE", "the day consent to be described was given")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let name = arguments.positionals[0]
    guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw UsageError("NAME cannot be empty", usage: arguments.usage)
    }
    let attributes = try arguments.values(attribute)
    let consent = try arguments.value(consent)
    let recorded = try Recording.record(arguments, in: context, what: "the participant") {
      ledger, options in
      try ledger.addParticipant(name, attributes: attributes, consent: consent, options: options)
    }
    if recorded.append.events.isEmpty, !recorded.append.isRepeat {
      context.console.message(
        "storyledger: note: \(recorded.ref) is already described so; nothing was recorded")
    }
  }
}

/// `storyledger participants`.
enum ParticipantsCommand: Command {
  static let spec = CommandSpec(
    name: "participants", abstract: "list the participants, their groups and consent",
    arguments: "[--json]",
    discussion: """
      One line per participant, in the order they were first described: the name, the day
      consent was recorded (empty: not recorded), how many active stories name them as a
      teller, and their attributes. --json gives an array of {name, attributes, consent,
      stories}, attributes as an object.
      """,
    examples: ["storyledger participants", "storyledger participants --json"],
    options: [Flag.json])

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let participants = try context.openLedger().participants
    if arguments.has(Flag.json) {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
      context.console.write(bytes: Array(try encoder.encode(participants)) + [0x0A])
      return
    }
    guard !participants.isEmpty else {
      context.console.write(
        "no participants yet: describe one with `storyledger participant add NAME --attribute KEY=VALUE`\n"
      )
      return
    }
    var table = TextTable(columns: [
      .init("participant"), .init("consent"), .init("stories", right: true), .init("attributes"),
    ])
    for person in participants {
      let attributes = person.attributes.sorted {
        $0.key.utf8.lexicographicallyPrecedes($1.key.utf8)
      }
      .map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
      table.add([
        Console.oneLine(person.name), person.consent?.description ?? "", String(person.stories),
        Console.oneLine(attributes),
      ])
    }
    context.console.write(table.render() + "\n")
  }
}

/// `storyledger export voices`: who tells stories, and whose are selected.
enum ExportVoicesCommand: Command {
  static let spec = CommandSpec(
    name: "export voices",
    abstract: "which groups tell stories and whose get selected, per period, node and group",
    arguments:
      "--period P --level L [--domain D] [--campaign C] [--from DATE] [--to DATE] [--format csv|jsonl] [--output FILE]",
    discussion: """
      One row per (period, node at level L, attribute, value), sorted by period, node path,
      attribute and value, zero-filled, with the columns
        \(VoiceSeriesRow.columns.joined(separator: ","))
      A teller's group for an attribute is the value in their participant description
      (`participant add`), or (unknown) when no participant has their name, (no consent)
      when their consent is not recorded, (unset) when they lack the attribute. A story is
      in every group one of its tellers is in; the rows with attribute (all) count every
      story once. stories_told counts stories first told in the period, tellings the
      tellings dated in it, tellers the distinct tellers with a telling in it, and
      stories_selected the distinct stories chosen by a selection made at the row's node
      itself for a period that ends in this one: run it with each --level to see whose
      stories are heard at each level. The README and the DocC article "Time series"
      define every column. --domain and --campaign count only the stories under that domain
      of change or in that campaign.
      """,
    examples: [
      "storyledger export voices --period quarter --level organisation",
      "storyledger export voices --period month --level region --format jsonl --output voices.jsonl",
    ],
    options: Export.options(StoryGroupOptions.all))

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    try Export.write(arguments, grouped: true, in: context, VoiceSeriesRow.self) {
      try $0.voiceSeries($1, $2)
    }
  }
}
