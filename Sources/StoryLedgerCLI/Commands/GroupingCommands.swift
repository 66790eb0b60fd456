import Foundation
import StoryLedger

/// What the domain and campaign commands share: they differ only in the word and the
/// ledger call.
enum Grouping {
  case domain, campaign

  var word: String { self == .domain ? "domain" : "campaign" }

  static let description = Option("--description", "T", "what it covers, in any language")

  /// `domain add NAME` and `campaign add NAME`.
  func add(_ arguments: ParsedArguments, in context: Context) throws {
    let name = arguments.positionals[0]
    let text = try arguments.value(Self.description) ?? ""
    try Recording.record(arguments, in: context, what: "the \(word)") { ledger, options in
      self == .domain
        ? try ledger.addDomain(name, description: text, options: options)
        : try ledger.addCampaign(name, description: text, options: options)
    }
  }

  /// The spec of `domains` or `campaigns`: they differ only in the word.
  func listSpec(abstract: String, counted: String) -> CommandSpec {
    CommandSpec(
      name: word + "s", abstract: abstract, arguments: "[--json]",
      discussion: """
        One line per \(word), in the order they were added: its name, how many active stories
        \(counted), and what it covers. --json gives an array of {name, description,
        stories}.
        """,
      examples: ["storyledger \(word)s", "storyledger \(word)s --json"],
      options: [Flag.json])
  }

  /// `domains` and `campaigns`.
  func list(_ arguments: ParsedArguments, in context: Context) throws {
    let ledger = try context.openLedger()
    let views = self == .domain ? ledger.domains : ledger.campaigns
    if arguments.has(Flag.json) {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
      context.console.write(bytes: Array(try encoder.encode(views)) + [0x0A])
      return
    }
    guard !views.isEmpty else {
      context.console.write("no \(word)s yet: add one with `storyledger \(word) add NAME`\n")
      return
    }
    var table = TextTable(columns: [
      .init(word), .init("stories", right: true), .init("description"),
    ])
    for view in views { table.add([view.name, String(view.stories), view.description]) }
    context.console.write(table.render() + "\n")
  }
}

/// `storyledger domain add NAME [--description T]`.
enum DomainAddCommand: Command {
  static let spec = CommandSpec(
    name: "domain add", abstract: "define a domain of change that stories are told under",
    arguments: "NAME [--description T]",
    discussion: """
      Most Significant Change asks for stories under named domains of change ("changes in
      people's lives", "changes in how teams work") and selects per domain. A domain is a
      name for the whole ledger, in any language or script, unique ignoring case. Tell a
      story under it with `story tell --domain NAME` (or `story group`), select among its
      stories with `select --domain NAME`, and count them alone with `summary --domain`
      and the exports' `--domain`. Prints the name.
      """,
    examples: [
      "storyledger domain add \"Changes in people's lives\" --description \"What changed for patients and carers.\"",
      "storyledger domain add \"Cambios en la forma de trabajar\"",
    ],
    options: [Grouping.description] + Recording.writeOptions)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    try Grouping.domain.add(arguments, in: context)
  }
}

/// `storyledger campaign add NAME [--description T]`.
enum CampaignAddCommand: Command {
  static let spec = CommandSpec(
    name: "campaign add", abstract: "define a campaign that gathers stories across the tree",
    arguments: "NAME [--description T]",
    discussion: """
      A campaign (a Change Day, a stakeholder panel's round) gathers stories told at any
      node of the hierarchy. Its name is for the whole ledger, in any language or script,
      unique ignoring case. Put stories in it with `story tell --campaign NAME` (or `story
      group`); a story may be in several campaigns. `summary --campaign`, `select
      --campaign` and the exports' `--campaign` then work on its stories alone. Prints the
      name.
      """,
    examples: [
      "storyledger campaign add \"Change Day 2026\" --description \"Pledges and stories of the national day of action.\""
    ],
    options: [Grouping.description] + Recording.writeOptions)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    try Grouping.campaign.add(arguments, in: context)
  }
}

/// `storyledger domains`.
enum DomainsCommand: Command {
  static let spec = Grouping.domain.listSpec(
    abstract: "list the domains of change, with their stories", counted: "are under it")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    try Grouping.domain.list(arguments, in: context)
  }
}

/// `storyledger campaigns`.
enum CampaignsCommand: Command {
  static let spec = Grouping.campaign.listSpec(
    abstract: "list the campaigns, with their stories", counted: "are in it")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    try Grouping.campaign.list(arguments, in: context)
  }
}

/// `storyledger story group STORY [--domain D | --no-domain] [--campaign C]... [--leave C]...`.
enum StoryGroupCommand: Command {
  static let spec = CommandSpec(
    name: "story group", abstract: "put a story under a domain of change and in campaigns",
    arguments: "STORY [--domain D | --no-domain] [--campaign C]... [--leave C]...",
    discussion: """
      Changes where a story belongs: --domain puts it under a domain of change (replacing
      its domain), --no-domain takes it out of its domain, --campaign adds it to a campaign
      and --leave takes it out of one; what is not named stays as it was. Names are those of
      `domain add` and `campaign add` (case may differ). `story show` lists a story's domain
      and campaigns.
      """,
    examples: [
      "storyledger story group k3f9 --domain \"Changes in people's lives\"",
      "storyledger story group k3f9 --campaign \"Change Day 2026\" --leave \"Pilot\"",
    ],
    options: [domain, noDomain, campaign, leave, Recording.expectVersion]
      + Recording.recordingOptions)

  static let domain = Option("--domain", "D", "put the story under this domain of change")
  static let noDomain = Flag("--no-domain", "take the story out of its domain")
  static let campaign = Option(
    "--campaign", "C", "add the story to this campaign (repeat for several)", repeatable: true)
  static let leave = Option(
    "--leave", "C", "take the story out of this campaign (repeat for several)",
    repeatable: true)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let story = arguments.positionals[0]
    let newDomain = try arguments.value(domain)
    if newDomain != nil && arguments.has(noDomain) {
      throw UsageError("give --domain or --no-domain, not both", usage: spec.usage)
    }
    let added = try arguments.values(campaign)
    let left = try arguments.values(leave)
    guard newDomain != nil || arguments.has(noDomain) || !added.isEmpty || !left.isEmpty else {
      throw UsageError(
        "say what changes: --domain, --no-domain, --campaign or --leave", usage: spec.usage)
    }
    try Recording.record(arguments, in: context, story: story, what: "the story's grouping") {
      ledger, options in
      try ledger.regroupStory(
        StoryRef(story), domain: newDomain, removingDomain: arguments.has(noDomain),
        joining: added, leaving: left, options: options)
    }
  }
}

/// The `--domain D` and `--campaign C` options of the commands that count or select stories.
enum StoryGroupOptions {
  static let domain = Option("--domain", "D", "only the stories under this domain of change")
  static let campaign = Option("--campaign", "C", "only the stories in this campaign")
  static let all: [any OptionDeclaration] = [domain, campaign]

  /// The filter the options give, its names resolved in `ledger` (a name the ledger does
  /// not have is a usage error naming the valid ones).
  static func filter(_ arguments: ParsedArguments, in ledger: Ledger) throws -> StoryGroupFilter {
    let state = ledger.state
    do {
      return StoryGroupFilter(
        domain: try arguments.value(domain).map { try state.resolveDomain($0, field: "--domain") },
        campaign: try arguments.value(campaign).map {
          try state.resolveCampaign($0, field: "--campaign")
        })
    } catch let error as LedgerError {
      throw UsageError(error.message, usage: arguments.usage)
    }
  }
}
