import Foundation
import StoryLedger

/// `storyledger item add STORY --dimension D --visibility V`: prints `STORY/ITEM`.
enum ItemAddCommand: Command {
  static let spec = CommandSpec(
    name: "item add", abstract: "add an item of value to a story; prints STORY/ITEM",
    arguments:
      "STORY --dimension D --visibility V [--description T] [--quantity Q --unit U] [--monetised M | --proxy NAME [--multiplier X]] [--weight W] [--evidence E] [--on DATE]",
    discussion: """
      Puts an item in one of the six boxes: a dimension (capacitating, calibrating,
      calculating), fixed for life, and a visibility (visible, invisible). The date defaults
      to today. Prints STORY/ITEM, the item's reference for `item revise` and `item evidence`;
      the item key is generated (i1, i2, …) unless --key gives it.

      The monetised value is given by hand (--monetised) or computed from a proxy: with
      --proxy NAME (see `proxy set`) it is --quantity × the proxy's value on the item's date
      × --multiplier (default 1), rounded to the cent, and the item records the proxy and
      multiplier so that `story show` and the report can say how the figure was reached.
      """,
    examples: [
      "storyledger item add k3f9 --dimension capacitating --visibility invisible --description \"a network of 40 walkers\"",
      "storyledger item add k3f9 --dimension calculating --visibility visible --quantity 120 --unit appointments --monetised 5400.00 --weight 4",
      "storyledger item add k3f9 --dimension calculating --visibility visible --quantity 13 --unit bed-days --proxy bed-day --multiplier 0.8",
    ],
    options: [dimension, key, on, Recording.expectVersion] + Recording.Facts.all
      + Recording.recordingOptions)

  static let dimension = Option(
    "--dimension", "D", "capacitating, calibrating or calculating (required)"
  ) { try Dimension(parsing: $0) }
  static let key = Option("--key", "KEY", "the item's key within the story (default: i1, i2, …)")
  static let on = Option.day("--on", "DATE", "the date the item is recorded as of (default today)")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let story = arguments.positionals[0]
    guard let dimension = try arguments.value(dimension) else {
      throw UsageError(
        "missing --dimension (capacitating, calibrating or calculating)", usage: spec.usage)
    }
    let facts = try Recording.facts(arguments, in: context)
    guard facts.visibility != nil else {
      throw UsageError("missing --visibility (visible or invisible)", usage: spec.usage)
    }
    if let key = try arguments.value(key) {
      do { try Key.validate(key, field: "--key") } catch {
        throw UsageError(error.description, usage: spec.usage)
      }
    }
    let day = try arguments.value(on)
    let recorded = try Recording.record(arguments, in: context, story: story, what: "the item") {
      ledger, options in
      try ledger.addItem(
        to: StoryRef(story), key: arguments.value(key), dimension: dimension, on: day,
        facts: facts,
        options: options)
    }
    guard let day else { return }
    let toldOn = try context.openLedger().storyHistory(recorded.ref.story).toldOn
    if day < toldOn {
      context.console.message(
        "storyledger: note: \(recorded.ref) is dated \(day), before story \(recorded.ref.story) was told (\(toldOn)); the item counts from its own date, the story only from \(toldOn)"
      )
    }
  }
}

/// `storyledger item revise STORY/ITEM ...`.
enum ItemReviseCommand: Command {
  static let spec = CommandSpec(
    name: "item revise", abstract: "revise an item as of a date",
    arguments:
      "STORY/ITEM [--visibility V] [--description T] [--quantity Q] [--unit U] [--monetised M | --proxy NAME] [--multiplier X] [--weight W] [--evidence E] [--mention] [--on DATE]",
    discussion: """
      The facts given replace the item's earlier ones from the date on (default today); the
      others stay. A revision dated before later ones lands in its place in time. The
      dimension never changes. With --mention and no fact, the revision records that a
      telling on that date mentioned the item without changing it: a dated mention that
      counts the story in that period (the time series' stories column), as an import row
      whose fields are all empty does.

      --proxy NAME prices the item from then on: its monetised value is its quantity (given,
      or the item's) × the proxy's value on the date × --multiplier. For an item a proxy
      prices, a new --quantity or --multiplier is priced again by the same proxy, and
      --monetised replaces the pricing with a figure entered by hand. When the proxy takes a
      new value (`proxy set ... --from DATE`) the item's figure follows from that date.
      """,
    examples: [
      "storyledger item revise k3f9/i2 --monetised 6100.00 --on 2026-04-30",
      "storyledger item revise k3f9/i1 --visibility invisible --expect-version 5",
      "storyledger item revise k3f9/i1 --mention --on 2026-06-02",
      "storyledger item revise k3f9/i2 --quantity 15 --on 2026-05-01",
    ],
    options: [on, mention, Recording.expectVersion] + Recording.Facts.all
      + Recording.recordingOptions)

  static let on = Option.day("--on", "DATE", "the date the revision is about (default today)")
  static let mention = Flag(
    "--mention", "record a mention that changes nothing (no fact is needed)")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let reference = try Recording.itemReference(arguments.positionals[0], usage: spec.usage)
    let facts = try Recording.facts(arguments, in: context)
    guard !facts.isEmpty || arguments.has(mention) else {
      throw UsageError(
        "nothing to revise: give --visibility, --description, --quantity, --unit, --monetised, --proxy, --multiplier, --weight, --evidence, --evidence-link or --evidence-file, or --mention to record that a telling mentioned the item without changing it",
        usage: spec.usage)
    }
    let day = try arguments.value(on)
    let recorded = try Recording.record(
      arguments, in: context, story: reference.story.key, what: "the revision"
    ) { ledger, options in
      try ledger.reviseItem(reference, on: day, facts: facts, options: options)
    }
    try noteLaterRevisions(of: recorded.ref, after: day, in: context)
  }

  /// Says so when `item` has a revision dated after `day` (a revision dated in the past):
  /// revisions apply in date order, so the later one still says what the item is after it.
  static func noteLaterRevisions(of item: ItemRef, after day: Day?, in context: Context) throws {
    guard let day else { return }
    let ledger = try context.openLedger()
    let list = try ledger.items(ItemQuery(scope: .story(item.story)))
    guard let view = list.items.first(where: { $0.item == item.key }), view.revisedOn > day
    else { return }
    context.console.message(
      "storyledger: note: \(item) has a revision dated \(view.revisedOn), after \(day); revisions apply in date order, so from \(view.revisedOn) on the item is as that revision leaves it (\(view.visibility.rawValue) today)"
    )
  }
}

/// `storyledger item evidence STORY/ITEM --evidence E`: evidence, and the item made visible.
enum ItemEvidenceCommand: Command {
  static let spec = CommandSpec(
    name: "item evidence", abstract: "attach evidence to an item and make it visible",
    arguments:
      "STORY/ITEM [--evidence E] [--evidence-link URL] [--evidence-file PATH | --evidence-sha256 HEX] [--on DATE]",
    discussion: """
      One revision that records the evidence and makes the item visible: invisible value
      becomes visible (the movement the method measures). Evidence can be checked: a link
      says where it is, and --evidence-file records the SHA-256 digest of a file that stays
      outside the ledger (anyone holding the file can check it is the one recorded). Give at
      least one of --evidence, --evidence-link, --evidence-file and --evidence-sha256.
      """,
    examples: [
      "storyledger item evidence k3f9/i1 --evidence \"attendance register, March–May\" --on 2026-06-01",
      "storyledger item evidence k3f9/i1 --evidence-link https://example.org/registers/2026-05.pdf --evidence-file register.pdf",
    ],
    options: [evidence, on, Recording.expectVersion] + Recording.Evidence.all
      + Recording.recordingOptions)

  static let evidence = Option("--evidence", "E", "the evidence, in words")
  static let on = Option.day("--on", "DATE", "the date the evidence is about (default today)")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let reference = try Recording.itemReference(arguments.positionals[0], usage: spec.usage)
    let evidence = try arguments.value(evidence)
    let (link, digest) = try Recording.evidenceLinkAndDigest(arguments, in: context)
    guard evidence != nil || link != nil || digest != nil else {
      throw UsageError(
        "missing evidence: give --evidence, --evidence-link, --evidence-file or --evidence-sha256",
        usage: spec.usage)
    }
    let day = try arguments.value(on)
    let recorded = try Recording.record(
      arguments, in: context, story: reference.story.key, what: "the evidence"
    ) { ledger, options in
      try ledger.attachEvidence(
        to: reference, evidence: evidence, link: link, digest: digest, on: day, options: options)
    }
    try ItemReviseCommand.noteLaterRevisions(of: recorded.ref, after: day, in: context)
  }
}

/// `storyledger items [NODE | STORY]`: items with filters.
enum ItemsCommand: Command {
  static let spec = CommandSpec(
    name: "items", abstract: "list the items of a subtree or a story, with filters",
    arguments:
      "[NODE | STORY] [--dimension D] [--visibility V] [--answer QUESTION=VALUE]... [--from DATE] [--to DATE] [--limit N] [--json]",
    discussion: """
      Lists items as they stand at --to (default: everything recorded): the items of NODE's
      subtree, or of one story (a key or unambiguous prefix), or of the whole ledger. With
      --from/--to only items revised in that range are listed. Withdrawn stories are left out
      of subtrees. --answer keeps the items of stories whose current answer to QUESTION is
      VALUE (or includes it, for several choices); repeated, every one must match. Text
      output shows at most --limit items (default 100; 0 for all).
      """,
    examples: [
      "storyledger items nhs/north-east --visibility invisible",
      "storyledger items k3f9 --json",
      "storyledger items nhs --dimension calculating --from 2026-01-01 --to 2026-03-31",
      "storyledger items nhs --answer \"How do you feel about it?=hopeful\"",
    ],
    options: [
      dimension, visibility, StoryAnswerCommand.filter, from, to, limit, Flag.json,
    ])

  static let dimension = Option("--dimension", "D", "only items of this dimension") {
    try Dimension(parsing: $0)
  }
  static let visibility = Option("--visibility", "V", "only items with this visibility at --to") {
    try Visibility(parsing: $0)
  }
  static let from = Option.day("--from", "DATE", "only items revised on or after DATE")
  static let to = Option.day("--to", "DATE", "facts as of DATE; only items revised on or before it")
  static let limit = Option.integer(
    "--limit", "N", "at most N items (default 100 for text, all for --json; 0: all)",
    in: 0...Int(Int32.max))

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let dimension = try arguments.value(Self.dimension)
    let visibility = try arguments.value(Self.visibility)
    let from = try arguments.value(Self.from)
    let to = try arguments.value(Self.to)
    if let from, let to, from > to {
      throw UsageError("--from \(from) is after --to \(to)", usage: spec.usage)
    }
    let given = try StoryAnswerCommand.filters(arguments)
    let isJSON = arguments.has(Flag.json)
    let limitOption = try arguments.value(limit)
    let limit = limitOption.map { $0 == 0 ? nil : $0 } ?? (isJSON ? nil : 100)
    let ledger = try context.openLedger()
    let answers = try StoryAnswerCommand.resolved(given, in: ledger, usage: spec.usage)
    let scope = arguments.positionals.first.map { ItemQuery.Scope.named($0) } ?? .everything
    let range: DateRange? =
      from == nil && to == nil ? nil : DateRange(start: from ?? .earliest, end: to ?? .latest)
    var query = ItemQuery(
      scope: scope, dimension: dimension, visibility: visibility, range: range, limit: limit)
    query.answers = answers
    let list = try ledger.items(query)
    if isJSON {
      try JSONOutput.write(list, to: context)
      return
    }
    guard !list.items.isEmpty else {
      context.console.message("no items match")
      return
    }
    // The ratings column appears when some item listed was rated or has an agreed value.
    let hasRatings = list.items.contains { $0.calibration != nil }
    var table = TextTable(
      columns: [
        .init("item"), .init("node"), .init("dimension"), .init("visibility"),
        .init("monetised", right: true), .init("revised"), .init("description"),
      ] + (hasRatings ? [.init("ratings")] : []))
    for item in list.items {
      table.add(
        [
          "\(item.story)/\(item.item)", item.node.description, item.dimension.rawValue,
          item.visibility.rawValue, item.monetised?.description ?? "",
          item.revisedOn.description, item.description ?? "",
        ] + (hasRatings ? [RatingText.spread(item.calibration)] : []))
    }
    context.console.write(table.render() + "\n")
    if list.matched > list.items.count {
      context.console.message(
        "… \(list.matched - list.items.count) more items match (showing \(list.items.count); --limit 0 shows all)"
      )
    }
  }
}
