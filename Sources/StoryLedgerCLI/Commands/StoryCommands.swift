import Foundation
import StoryLedger

/// `storyledger story tell NODE --title T`: a new story; prints its key.
enum StoryTellCommand: Command {
  static let spec = CommandSpec(
    name: "story tell", abstract: "tell a new story at a node; prints its key",
    arguments:
      "NODE --title T [--teller W]... [--tag X]... [--share LEVEL] [--text T | --file F] [--on DATE] [--domain D] [--campaign C]...",
    discussion: """
      Records the story and its first telling. The narrative comes from --text, --file, or
      standard input when neither is given. The date defaults to today in the ledger's time
      zone; the share scope (the highest level at which the narrative may be read) defaults
      to the node's own level. Prints the story's key: a short generated one unless --key
      gives it. Story commands accept any unambiguous prefix of a key. --domain tells it
      under a domain of change and --campaign in a campaign (see `domain add`, `campaign
      add`; `story group` changes them later).
      """,
    examples: [
      "storyledger story tell nhs/north-east/trust-07 --title \"Walking clinics\" --teller \"Asha Patel\" --tag walking --share regional --text \"We began walking our clinics…\"",
      "storyledger story tell nhs/north-east/trust-07 --title \"Night shift huddles\" --file huddles.txt --on 2026-03-02",
    ],
    options: [
      title, teller, tag, share, Recording.narrativeText, Recording.narrativeFile, on, key,
      domain, campaign,
    ] + Recording.recordingOptions)

  static let title = Option("--title", "T", "the story's title (required)")
  static let teller = Option("--teller", "W", "who told it (repeat for several)", repeatable: true)
  static let tag = Option("--tag", "X", "a tag (repeat for several)", repeatable: true)
  static let share = Option(
    "--share", "LEVEL", "the highest level at which its narrative may be read")
  static let on = Option.day("--on", "DATE", "the date it was told (YYYY-MM-DD; default today)")
  static let key = Option("--key", "KEY", "the story's key (default: a short generated key)")
  static let domain = Option("--domain", "D", "the domain of change it is told under")
  static let campaign = Option(
    "--campaign", "C", "a campaign it is told in (repeat for several)", repeatable: true)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let node = try arguments.node()
    guard let title = try arguments.value(title) else {
      throw UsageError("missing --title", usage: spec.usage)
    }
    if let key = try arguments.value(key) {
      do { try Key.validate(key, field: "--key") } catch {
        throw UsageError(error.description, usage: spec.usage)
      }
    }
    let day = try arguments.value(on)
    let options = try Recording.options(arguments)
    let narrative = try Recording.narrative(arguments, in: context)
    try Recording.record(arguments, in: context, options: options, what: "the story") {
      ledger, options in
      let share = try arguments.value(Self.share)
      try Recording.checkShare(share, in: ledger, usage: spec.usage)
      return try ledger.tellStory(
        Ledger.NewStory(
          node: node, title: title, narrative: narrative, on: day,
          tellers: arguments.values(teller), tags: arguments.values(tag), share: share,
          key: arguments.value(key), domain: arguments.value(domain),
          campaigns: arguments.values(campaign)),
        options: options)
    }
  }
}

/// `storyledger story retell STORY`: a new telling.
enum StoryRetellCommand: Command {
  static let spec = CommandSpec(
    name: "story retell", abstract: "record a new telling of a story (the story retold)",
    arguments: "STORY [--text T | --file F] [--on DATE]",
    discussion: """
      Adds a dated telling: the story as it is told now. The narrative comes from --text,
      --file, or standard input. STORY is a key or an unambiguous prefix.
      """,
    examples: [
      "storyledger story retell k3f9 --on 2026-06-01 --text \"Six months on, the walks are weekly…\""
    ],
    options: [
      Recording.narrativeText, Recording.narrativeFile, on, Recording.expectVersion,
    ] + Recording.recordingOptions)

  static let on = Option.day("--on", "DATE", "the date of the telling (default today)")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let story = arguments.positionals[0]
    let day = try arguments.value(on)
    let options = try Recording.options(arguments, story: story)
    let narrative = try Recording.narrative(arguments, in: context)
    try Recording.record(arguments, in: context, options: options, what: "the telling") {
      ledger, options in
      try ledger.retellStory(StoryRef(story), narrative: narrative, on: day, options: options)
    }
  }
}

/// `storyledger story update STORY`: title, tags, share scope.
enum StoryUpdateCommand: Command {
  static let spec = CommandSpec(
    name: "story update", abstract: "change a story's title, tags or share scope",
    arguments: "STORY [--title T] [--tag X]... [--no-tags] [--share LEVEL]",
    discussion: "The tags given replace the story's tags; --no-tags removes them all.",
    examples: [
      "storyledger story update k3f9 --tag walking --tag wellbeing",
      "storyledger story update k3f9 --share local --expect-version 4",
    ],
    options: [title, tag, noTags, StoryTellCommand.share, Recording.expectVersion]
      + Recording.recordingOptions)

  static let title = Option("--title", "T", "the new title")
  static let tag = Option(
    "--tag", "X", "a tag (repeat for several; replaces the old tags)", repeatable: true)
  static let noTags = Flag("--no-tags", "remove every tag")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let story = arguments.positionals[0]
    let given = try arguments.values(tag)
    var tags: [String]? = given.isEmpty ? nil : given
    if arguments.has(noTags) {
      guard tags == nil else {
        throw UsageError("give --tag or --no-tags, not both", usage: spec.usage)
      }
      tags = []
    }
    let title = try arguments.value(Self.title)
    let share = try arguments.value(StoryTellCommand.share)
    guard title != nil || tags != nil || share != nil else {
      throw UsageError(
        "nothing to change: give --title, --tag, --no-tags or --share", usage: spec.usage)
    }
    try Recording.record(arguments, in: context, story: story, what: "the update") {
      ledger, options in
      try Recording.checkShare(share, in: ledger, usage: spec.usage)
      return try ledger.updateStory(
        StoryRef(story), title: title, tags: tags, share: share, options: options)
    }
  }
}

/// `storyledger story withdraw STORY [--erase]`.
enum StoryWithdrawCommand: Command {
  static let spec = CommandSpec(
    name: "story withdraw",
    abstract: "withdraw a story (and with --erase, erase its narratives and tellers)",
    arguments: "STORY [--reason TEXT] [--erase]",
    discussion: """
      A withdrawn story stops counting in every summary, cascade and export, and takes no
      more tellings, items or revisions; its history stays in the log. With --erase, its
      narratives and teller names are also erased from the log itself and from the
      projection snapshot: they sit outside the hashed part of each record, behind a salted
      digest, so `storyledger verify` still passes. Erasure cannot be undone.
      """,
    examples: [
      "storyledger story withdraw k3f9 --reason \"teller asked\"",
      "storyledger story withdraw k3f9 --erase",
    ],
    options: [reason, erase, Recording.expectVersion] + Recording.recordingOptions)

  static let reason = Option(
    "--reason", "TEXT", "why, in a few words (kept in the log: no personal details)")
  static let erase = Flag(
    "--erase", "erase the story's narratives, teller names and personal answers from the ledger")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let story = arguments.positionals[0]
    let recorded = try Recording.record(
      arguments, in: context, story: story, what: "the withdrawal"
    ) {
      ledger, options in
      try ledger.withdrawStory(
        StoryRef(story), reason: arguments.value(reason) ?? "", erase: arguments.has(erase),
        options: options)
    }
    if arguments.has(erase) && !arguments.has(Flag.json) {
      context.console.message(
        "erased the narratives, teller names and personal answers of story \(recorded.ref)")
    }
  }
}

/// `storyledger story show STORY`: the story with its history through time.
enum StoryShowCommand: Command {
  static let spec = CommandSpec(
    name: "story show", abstract: "a story with its whole history through time",
    arguments: "STORY [--at NODE] [--json]",
    discussion: """
      Shows the story (node, tellers, tags, share scope, version, status), its items as they
      stand, its current questionnaire answers (the latest to each question), and its history
      in date order: tellings, answers, items recorded and revised, items made visible,
      updates and withdrawal, and its path up and down the hierarchy: every level that
      selected it (who or which panel, why), the feedback sent down about it, the accounts
      that froze it (proposed and settled) and the pledges it fulfilled, each with the
      session it was recorded in. Path steps made at nodes off the line of the hierarchy
      through the reader (neither above nor under it) are left out, and the listing says how
      many. STORY is a key or an unambiguous prefix. With --at, the
      story is shown as someone at NODE sees it: outside its share scope (the subtree of its
      node's ancestor at its share level) its title, tellers, narratives and personal answers
      are withheld.
      """,
    examples: [
      "storyledger story show k3f9", "storyledger story show k3f9 --json | jq .entries",
      "storyledger story show k3f9 --at nhs",
    ],
    options: [at, Flag.json])

  static let at = Option(
    "--at", "NODE", "show it as someone at NODE may read it (within its share scope)"
  ) { Viewer.node(try NodePath(parsing: $0, field: "--at")) }

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let ledger = try context.openLedger(reading: .story)
    let viewer = try arguments.value(at)
    let history = try ledger.storyHistory(StoryRef(arguments.positionals[0]), viewer: viewer)
    if arguments.has(Flag.json) {
      try JSONOutput.write(history, to: context)
      return
    }
    // Title, tellers and tags hold one line each: a line break in them is shown as ␤.
    let oneLine = Console.oneLine
    var lines = [
      "\(history.key) · \(oneLine(history.title))",
      "  node     \(history.node) (\(history.level))",
      "  tellers  \(history.tellers.isEmpty ? "—" : oneLine(history.tellers.joined(separator: ", ")))",
      "  tags     \(history.tags.isEmpty ? "—" : oneLine(history.tags.joined(separator: ", ")))",
      "  share    up to \(history.share)",
      "  told on  \(history.toldOn)",
      "  version  \(history.version)",
      "  status   \(history.status)",
    ]
    if let domain = history.domain { lines.append("  domain   \(oneLine(domain))") }
    if !history.campaigns.isEmpty {
      lines.append("  campaigns \(oneLine(history.campaigns.joined(separator: ", ")))")
    }
    for verification in history.verifications {
      let who = verification.by.isEmpty ? "(name erased)" : oneLine(verification.by)
      lines.append("  verified \(verification.on) by \(who): \(oneLine(verification.how))")
    }
    if !history.items.isEmpty {
      lines.append("")
      var table = TextTable(columns: [
        .init("item"), .init("dimension"), .init("visibility"), .init("monetised", right: true),
        .init("weight", right: true), .init("description"),
      ])
      for item in history.items {
        table.add([
          item.item, item.dimension.rawValue, item.visibility.rawValue,
          item.monetised?.description ?? "", item.weight.map(String.init) ?? "",
          item.description ?? "",
        ])
      }
      lines.append(table.render())
    }
    let checkable = history.items.filter { $0.evidenceLink != nil || $0.evidenceDigest != nil }
    if !checkable.isEmpty {
      lines.append("")
      lines.append("evidence that can be checked:")
      for item in checkable {
        var parts: [String] = []
        if let link = item.evidenceLink { parts.append("link \(oneLine(link))") }
        if let digest = item.evidenceDigest { parts.append("file SHA-256 \(digest)") }
        lines.append("  \(item.item)  " + parts.joined(separator: "; "))
      }
    }
    let priced = history.items.filter { $0.pricing != nil }
    if !priced.isEmpty {
      lines.append("")
      lines.append("how money figures were reached:")
      for item in priced {
        guard let pricing = item.pricing, let monetised = item.monetised else { continue }
        lines.append("  \(item.item)  \(monetised) = \(oneLine(pricing.description))")
      }
    }
    let calibrated = history.items.filter { $0.calibration != nil }
    if !calibrated.isEmpty {
      lines.append("")
      lines.append("ratings:")
      for item in calibrated {
        lines.append("  \(item.item)  \(RatingText.spread(item.calibration))")
        let raters = (item.calibration?.ratings ?? []).map {
          "\(oneLine($0.by.isEmpty ? "(name erased)" : $0.by)) \($0.weight) (\($0.on))"
        }
        if !raters.isEmpty { lines.append("      " + raters.joined(separator: ", ")) }
      }
    }
    if !history.answers.isEmpty {
      lines.append("")
      var table = TextTable(columns: [
        .init("question"), .init("answer"), .init("kind"), .init("on"), .init("personal"),
      ])
      for answer in history.answers {
        table.add([
          oneLine(answer.question),
          oneLine(answer.value + (answer.scale.map { " (on \($0))" } ?? "")), answer.kind,
          answer.on.description, answer.personal ? "yes" : "",
        ])
      }
      lines.append(table.render())
    }
    lines.append("")
    lines.append("history:")
    for entry in history.entries {
      var subject = entry.item.map { "\($0) (\(entry.dimension?.rawValue ?? ""))" } ?? ""
      if let node = entry.node {
        subject = (entry.kind == .feedback ? "from " : "at ") + node.description
        if let to = entry.to { subject += " to \(to)" }
        if let period = entry.period { subject += " for \(period)" }
        if let by = entry.by { subject += " by \(oneLine(by))" }
      }
      if let session = entry.session {
        subject += (subject.isEmpty ? "" : " · ") + "session \(session)"
      }
      let heading =
        "  \(entry.on)  \(entry.kind.rawValue)" + (subject.isEmpty ? "" : "  \(subject)")
      lines.append(heading)
      for line in entry.text.split(separator: "\n", omittingEmptySubsequences: false) {
        lines.append("      " + line)
      }
    }
    if history.leftOut > 0 {
      var reader = history.node.description
      if case .node(let path)? = viewer { reader = path.description }
      lines.append(
        "\(history.leftOut) \(history.leftOut == 1 ? "step" : "steps") of its path, made at nodes outside the line of the hierarchy through \(reader), \(history.leftOut == 1 ? "is" : "are") left out"
      )
    }
    context.console.write(lines.joined(separator: "\n") + "\n")
  }
}
