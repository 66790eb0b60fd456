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

/// The ledger's domains of change and campaigns, and each story's place in them, folded
/// from the dialogue's records.
struct StoryGroupings {
  var domains: [GroupingAdded] = []
  var campaigns: [GroupingAdded] = []
  /// The latest grouping of each story, by key.
  var ofStory: [String: StoryGrouped] = [:]

  func domain(ofStory key: String) -> String? { ofStory[key]?.domain }
  func campaigns(ofStory key: String) -> [String] { ofStory[key]?.campaigns ?? [] }
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

  /// The defined name that `text` names among `names`: the same text, or else the one name
  /// that differs from it only in case and surrounding spaces.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` naming the valid values when
  ///   there is none.
  static func resolveGroup(_ text: String, among names: [String], kind: String) throws(LedgerError)
    -> String
  {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if names.contains(trimmed) { return trimmed }
    let folded = names.filter { $0.lowercased() == trimmed.lowercased() }
    if folded.count == 1 { return folded[0] }
    throw LedgerError.invalid(
      ValueError(
        field: kind, value: text,
        reason: names.isEmpty
          ? "is not a \(kind) of this ledger, which has none yet: add it with `\(kind) add`"
          : "is not a \(kind) of this ledger",
        validValues: names))
  }

  /// The domain `text` names: the same text, or else the one domain whose name differs
  /// from it only in case and surrounding spaces.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` naming the valid domains when
  ///   there is none.
  public func resolveDomain(_ text: String) throws(LedgerError) -> String {
    try Self.resolveGroup(text, among: groupings.domains.map(\.name), kind: "domain")
  }

  /// The campaign `text` names, as ``resolveDomain(_:)`` resolves a domain.
  public func resolveCampaign(_ text: String) throws(LedgerError) -> String {
    try Self.resolveGroup(text, among: groupings.campaigns.map(\.name), kind: "campaign")
  }

  /// Checks a new domain or campaign: a one-line name, not one already defined (ignoring
  /// case), and a description that says something when given.
  func validateGroupingAdded(_ added: GroupingAdded, kind: String, existing: [GroupingAdded])
    throws(LedgerError)
  {
    guard !added.name.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw LedgerError(.invalid, "a \(kind) needs a name")
    }
    if let problem = NameText.problem(in: added.name) {
      throw LedgerError.invalid(ValueError(field: kind, value: added.name, reason: problem))
    }
    if let same = existing.first(where: { $0.name.lowercased() == added.name.lowercased() }) {
      throw LedgerError(.invalid, "\(kind) \(same.name) already exists")
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
    if let domain = grouped.domain {
      let names = groupings.domains.map(\.name)
      guard names.contains(domain) else {
        _ = try Self.resolveGroup(domain, among: names, kind: "domain")
        throw LedgerError(.invalid, "domain \(domain) is not written as it was defined")
      }
    }
    let names = groupings.campaigns.map(\.name)
    var seen = Set<String>()
    for campaign in grouped.campaigns {
      guard names.contains(campaign) else {
        _ = try Self.resolveGroup(campaign, among: names, kind: "campaign")
        throw LedgerError(.invalid, "campaign \(campaign) is not written as it was defined")
      }
      guard seen.insert(campaign).inserted else {
        throw LedgerError(.invalid, "campaign \(campaign) is named twice")
      }
    }
  }

  /// Whether the story `key` passes `filter` (its names already resolved).
  func story(_ key: String, passes filter: StoryGroupFilter, in groupings: StoryGroupings)
    -> Bool
  {
    if let domain = filter.domain, groupings.domain(ofStory: key) != domain { return false }
    if let campaign = filter.campaign, !groupings.campaigns(ofStory: key).contains(campaign) {
      return false
    }
    return true
  }

  /// The filter with its names as they were defined.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` naming the valid values when a
  ///   name is not a domain or campaign of the ledger.
  func resolved(_ filter: StoryGroupFilter) throws(LedgerError) -> StoryGroupFilter {
    StoryGroupFilter(
      domain: try filter.domain.map { (name: String) throws(LedgerError) in
        try resolveDomain(name)
      },
      campaign: try filter.campaign.map { (name: String) throws(LedgerError) in
        try resolveCampaign(name)
      })
  }

  /// For each story (by index), whether `filter` keeps it; `nil` when the filter keeps
  /// every story.
  func storyMask(_ filter: StoryGroupFilter) throws(LedgerError) -> [Bool]? {
    guard !filter.isEmpty else { return nil }
    let filter = try resolved(filter)
    let groupings = self.groupings
    var mask = [Bool](repeating: false, count: stories.count)
    for key in groupings.ofStory.keys where story(key, passes: filter, in: groupings) {
      if let index = storyIndex(forKey: key) { mask[Int(index)] = true }
    }
    return mask
  }
}

extension LedgerState {
  /// Checks a selection made in a domain of change or a campaign: the names are defined as
  /// written, and every story chosen or passed over is in them.
  func validateGroups(of selected: StoriesSelected) throws(LedgerError) {
    guard selected.domain != nil || selected.campaign != nil else { return }
    let groupings = self.groupings
    if let domain = selected.domain, !groupings.domains.map(\.name).contains(domain) {
      _ = try resolveDomain(domain)
      throw LedgerError(.invalid, "domain \(domain) is not written as it was defined")
    }
    if let campaign = selected.campaign, !groupings.campaigns.map(\.name).contains(campaign) {
      _ = try resolveCampaign(campaign)
      throw LedgerError(.invalid, "campaign \(campaign) is not written as it was defined")
    }
    let filter = StoryGroupFilter(domain: selected.domain, campaign: selected.campaign)
    for key in selected.chosen.map(\.story) + selected.notChosen
    where !story(key, passes: filter, in: groupings) {
      let within = [
        selected.domain.map { "domain \($0)" }, selected.campaign.map { "campaign \($0)" },
      ].compactMap { $0 }.joined(separator: " and ")
      throw LedgerError(
        .invalid,
        "story \(key) is not in \(within): a selection made in \(within) chooses among its stories only"
      )
    }
  }
}
