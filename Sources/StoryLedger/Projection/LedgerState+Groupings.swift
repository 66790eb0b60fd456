/// A domain of change or a campaign as a view shows it: its name, what it covers, and how
/// many active stories are in it.
public struct GroupingView: Hashable, Sendable, Codable {
  /// The name.
  public var name: String
  /// What it covers (may be empty).
  public var description: String
  /// The active (not withdrawn) stories in it.
  public var stories: Int
  /// Creates a view.
  public init(name: String, description: String, stories: Int) {
    self.name = name
    self.description = description
    self.stories = stories
  }
}

/// Which stories a summary, a selection or an export counts: those under a domain of change,
/// those in a campaign, or both (each `nil` to leave that side open).
///
/// ```swift
/// var filter = StoryGroupFilter()
/// filter.campaign = "Change Day 2026"
/// let summary = try ledger.summary(of: "nhs", stories: filter)
/// ```
public struct StoryGroupFilter: Hashable, Sendable {
  /// Only stories under this domain of change.
  public var domain: String?
  /// Only stories in this campaign.
  public var campaign: String?
  /// A filter that keeps every story.
  public init(domain: String? = nil, campaign: String? = nil) {
    self.domain = domain
    self.campaign = campaign
  }
  /// Whether the filter keeps every story.
  public var isEmpty: Bool { domain == nil && campaign == nil }
}

/// A domain of change or a campaign: the two kinds of named grouping.
enum GroupKind: String {
  case domain, campaign
}

/// The ledger's domains of change and campaigns, and each story's place in them, folded
/// from the dialogue's records: one fold answers every question a view or a check asks.
struct StoryGroupings {
  var domains: [GroupingAdded] = []
  var campaigns: [GroupingAdded] = []
  /// The latest grouping of each story, by key.
  var ofStory: [String: StoryGrouped] = [:]

  func domain(ofStory key: String) -> String? { ofStory[key]?.domain }
  func campaigns(ofStory key: String) -> [String] { ofStory[key]?.campaigns ?? [] }

  /// The defined names of `kind`, in the order they were added.
  func names(_ kind: GroupKind) -> [String] {
    (kind == .domain ? domains : campaigns).map(\.name)
  }

  /// The defined name that `text` names: the same text, or else the one name that differs
  /// from it only in case and surrounding spaces.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` naming `field` and the valid
  ///   values when there is none.
  func resolve(_ text: String, _ kind: GroupKind, field: String? = nil) throws(LedgerError)
    -> String
  {
    let names = names(kind)
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if names.contains(trimmed) { return trimmed }
    let folded = names.filter { $0.lowercased() == trimmed.lowercased() }
    if folded.count == 1 { return folded[0] }
    throw LedgerError.invalid(
      ValueError(
        field: field ?? kind.rawValue, value: text,
        reason: names.isEmpty
          ? "is not a \(kind.rawValue) of this ledger, which has none yet: add it with `\(kind.rawValue) add`"
          : "is not a \(kind.rawValue) of this ledger",
        validValues: names))
  }

  /// Refuses a name in an event that is not written exactly as it was defined (the ledger
  /// call resolves names before it records them).
  func requireDefined(_ name: String, _ kind: GroupKind) throws(LedgerError) {
    guard !names(kind).contains(name) else { return }
    _ = try resolve(name, kind)  // names the valid values when it is no name at all
    throw LedgerError(.invalid, "\(kind.rawValue) \(name) is not written as it was defined")
  }

  /// The filter with its names as they were defined.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` naming the valid values when a
  ///   name is not a domain or campaign of the ledger.
  func resolved(_ filter: StoryGroupFilter) throws(LedgerError) -> StoryGroupFilter {
    StoryGroupFilter(
      domain: try filter.domain.map { (name: String) throws(LedgerError) in
        try resolve(name, .domain)
      },
      campaign: try filter.campaign.map { (name: String) throws(LedgerError) in
        try resolve(name, .campaign)
      })
  }

  /// Whether the story `key` passes `filter` (its names already resolved).
  func story(_ key: String, passes filter: StoryGroupFilter) -> Bool {
    if let domain = filter.domain, self.domain(ofStory: key) != domain { return false }
    if let campaign = filter.campaign, !campaigns(ofStory: key).contains(campaign) {
      return false
    }
    return true
  }
}

extension LedgerState {
  /// The domains, campaigns and story groupings recorded so far.
  var groupings: StoryGroupings {
    var result = StoryGroupings()
    for record in dialogue {
      switch record.payload {
      case .domainAdded(let added): result.domains.append(added)
      case .campaignAdded(let added): result.campaigns.append(added)
      case .storyGrouped(let grouped): result.ofStory[grouped.story] = grouped
      default: continue
      }
    }
    return result
  }

  /// The ledger's domains of change, in the order they were added, with their stories.
  public var domainViews: [GroupingView] { views(\.domains) { $0.domain.map { [$0] } ?? [] } }

  /// The ledger's campaigns, in the order they were added, with their stories.
  public var campaignViews: [GroupingView] { views(\.campaigns) { $0.campaigns } }

  private func views(
    _ list: KeyPath<StoryGroupings, [GroupingAdded]>, _ names: (StoryGrouped) -> [String]
  ) -> [GroupingView] {
    let groupings = self.groupings
    var counts: [String: Int] = [:]
    for (key, grouped) in groupings.ofStory {
      guard let index = storyIndex(forKey: key), !isWithdrawn(index) else { continue }
      for name in names(grouped) { counts[name, default: 0] += 1 }
    }
    return groupings[keyPath: list].map {
      GroupingView(name: $0.name, description: $0.description, stories: counts[$0.name] ?? 0)
    }
  }

  /// The domain of change the story `key` is under (`nil`: none).
  public func domain(ofStory key: String) -> String? { groupings.domain(ofStory: key) }

  /// The campaigns the story `key` is in, in the order given.
  public func campaigns(ofStory key: String) -> [String] { groupings.campaigns(ofStory: key) }

  /// The domain `text` names: the same text, or else the one domain whose name differs
  /// from it only in case and surrounding spaces.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` naming `field` (default
  ///   `domain`) and the valid domains when there is none.
  public func resolveDomain(_ text: String, field: String? = nil) throws(LedgerError) -> String {
    try groupings.resolve(text, .domain, field: field)
  }

  /// The campaign `text` names, as ``resolveDomain(_:field:)`` resolves a domain.
  public func resolveCampaign(_ text: String, field: String? = nil) throws(LedgerError)
    -> String
  {
    try groupings.resolve(text, .campaign, field: field)
  }

  /// Checks a new domain or campaign: a one-line name, not one already defined (ignoring
  /// case), and a description that says something when given.
  func validateGroupingAdded(_ added: GroupingAdded, _ kind: GroupKind) throws(LedgerError) {
    guard !added.name.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw LedgerError(.invalid, "a \(kind.rawValue) needs a name")
    }
    if let problem = NameText.problem(in: added.name) {
      throw LedgerError.invalid(
        ValueError(field: kind.rawValue, value: added.name, reason: problem))
    }
    let existing = groupings.names(kind)
    if let same = existing.first(where: { $0.lowercased() == added.name.lowercased() }) {
      throw LedgerError(.invalid, "\(kind.rawValue) \(same) already exists")
    }
    if !added.description.isEmpty { try Prose.check(added.description, field: "description") }
  }

  /// Checks a story's grouping: the story exists (in the ledger or opened earlier in the
  /// batch) and is active, its domain and campaigns are defined, and no campaign is named
  /// twice.
  func validateGrouping(_ grouped: StoryGrouped, storyIsNew: Bool) throws(LedgerError) {
    if !storyIsNew {
      guard let index = storyIndex(forKey: grouped.story) else {
        throw LedgerError(.invalid, "no story \(grouped.story)")
      }
      if isWithdrawn(index) {
        throw LedgerError(
          .invalid, "story \(grouped.story) was withdrawn; a withdrawn story is not regrouped")
      }
    }
    let groupings = self.groupings
    if let domain = grouped.domain { try groupings.requireDefined(domain, .domain) }
    var seen = Set<String>()
    for campaign in grouped.campaigns {
      try groupings.requireDefined(campaign, .campaign)
      guard seen.insert(campaign).inserted else {
        throw LedgerError(.invalid, "campaign \(campaign) is named twice")
      }
    }
  }

  /// Checks a selection made in a domain of change or a campaign: the names are defined as
  /// written, and every story chosen or passed over is in them.
  func validateGroups(of selected: StoriesSelected) throws(LedgerError) {
    guard selected.domain != nil || selected.campaign != nil else { return }
    let groupings = self.groupings
    if let domain = selected.domain { try groupings.requireDefined(domain, .domain) }
    if let campaign = selected.campaign { try groupings.requireDefined(campaign, .campaign) }
    let filter = StoryGroupFilter(domain: selected.domain, campaign: selected.campaign)
    for key in selected.chosen.map(\.story) + selected.notChosen
    where !groupings.story(key, passes: filter) {
      let within = [
        selected.domain.map { "domain \($0)" }, selected.campaign.map { "campaign \($0)" },
      ].compactMap { $0 }.joined(separator: " and ")
      throw LedgerError(
        .invalid,
        "story \(key) is not in \(within): a selection made in \(within) chooses among its stories only"
      )
    }
  }

  /// The filter with its names as defined, and for each story (by index) whether it keeps
  /// it (`nil`: it keeps every story); from one fold of the dialogue.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` naming the valid values when a
  ///   name is not a domain or campaign of the ledger.
  func storyMask(_ filter: StoryGroupFilter) throws(LedgerError) -> (
    filter: StoryGroupFilter, mask: [Bool]?
  ) {
    guard !filter.isEmpty else { return (filter, nil) }
    let groupings = self.groupings
    let filter = try groupings.resolved(filter)
    var mask = [Bool](repeating: false, count: stories.count)
    for key in groupings.ofStory.keys where groupings.story(key, passes: filter) {
      if let index = storyIndex(forKey: key) { mask[Int(index)] = true }
    }
    return (filter, mask)
  }
}
