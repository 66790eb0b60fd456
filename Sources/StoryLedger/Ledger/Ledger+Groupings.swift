import Foundation

/// Domains of change and campaigns: named groupings of stories that cut across the
/// hierarchy.
///
/// Most Significant Change asks for stories under named *domains of change*, and selects per
/// domain; a *campaign* (a Change Day, a stakeholder panel's round) gathers stories told at
/// any node. A story is under at most one domain and in any number of campaigns. Summaries,
/// selections and exports take a ``StoryGroupFilter`` to count only a domain's or a
/// campaign's stories.
///
/// ```swift
/// try ledger.addDomain("Changes in people's lives", description: "What changed for patients.")
/// try ledger.addCampaign("Change Day 2026")
/// let story = try ledger.tellStory(
///   Ledger.NewStory(node: "nhs/north", title: "Walking clinic", narrative: "We walked…",
///                   domain: "Changes in people's lives", campaigns: ["Change Day 2026"]))
/// try ledger.summary(of: "nhs", stories: StoryGroupFilter(campaign: "Change Day 2026"))
/// ```
extension Ledger {
  /// Defines a domain of change: a name in any language, unique among the ledger's domains
  /// (ignoring case), and what it covers.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` when the name is empty, has a
  ///   control character or is taken, or the description says nothing.
  @discardableResult
  public func addDomain(
    _ name: String, description: String = "", options: AppendOptions = AppendOptions()
  ) throws -> Recorded<String> {
    try addGrouping(name, description: description, options: options) { .domainAdded($0) }
  }

  /// Defines a campaign (see ``addDomain(_:description:options:)`` for the rules).
  @discardableResult
  public func addCampaign(
    _ name: String, description: String = "", options: AppendOptions = AppendOptions()
  ) throws -> Recorded<String> {
    try addGrouping(name, description: description, options: options) { .campaignAdded($0) }
  }

  private func addGrouping(
    _ name: String, description: String, options: AppendOptions,
    _ make: (GroupingAdded) -> EventPayload
  ) throws -> Recorded<String> {
    let added = GroupingAdded(
      name: name.trimmingCharacters(in: .whitespaces),
      description: description.trimmingCharacters(in: .whitespacesAndNewlines))
    let event = make(added)
    let result = try appendPlanned(options: options, writing: event.type) { state in
      let events = [event]
      try state.validate(events)
      return events
    }
    return Recorded(ref: added.name, version: 0, append: result)
  }

  /// Places a story under a domain of change (`nil`: none) and in campaigns (empty: none),
  /// replacing its earlier grouping. Names may differ from the defined ones in case.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` when the story does not exist or
  ///   was withdrawn, or a name is not a domain or campaign of the ledger (naming the valid
  ///   ones).
  @discardableResult
  public func groupStory(
    _ story: StoryRef, domain: String?, campaigns: [String],
    options: AppendOptions = AppendOptions()
  ) throws -> Recorded<StoryRef> {
    try recordAboutStory(story, writing: .storyGrouped, options: options) { key, state in
      [.storyGrouped(try state.grouping(of: key, domain: domain, campaigns: campaigns))]
    }
  }

  /// Changes a story's grouping from what it is now, under the write lock: `domain`
  /// replaces its domain (or `removingDomain` takes it away), `joining` adds campaigns and
  /// `leaving` takes some away; what is not named stays as it was.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` as
  ///   ``groupStory(_:domain:campaigns:options:)`` does, and when the story is not in a
  ///   campaign it would leave.
  @discardableResult
  public func regroupStory(
    _ story: StoryRef, domain: String? = nil, removingDomain: Bool = false,
    joining: [String] = [], leaving: [String] = [], options: AppendOptions = AppendOptions()
  ) throws -> Recorded<StoryRef> {
    try recordAboutStory(story, writing: .storyGrouped, options: options) { key, state in
      [
        .storyGrouped(
          try state.regrouping(
            of: key, domain: domain, removingDomain: removingDomain, joining: joining,
            leaving: leaving))
      ]
    }
  }

  /// The ledger's domains of change, in the order they were added, with their active
  /// stories.
  public var domains: [GroupingView] { state.domainViews }

  /// The ledger's campaigns, in the order they were added, with their active stories.
  public var campaigns: [GroupingView] { state.campaignViews }
}

extension LedgerState {
  /// The grouping event of the story `key` with the names resolved to the defined ones
  /// (repeated campaigns once).
  func grouping(of key: String, domain: String?, campaigns: [String]) throws(LedgerError)
    -> StoryGrouped
  {
    let groupings = self.groupings
    var names: [String] = []
    for campaign in campaigns {
      let name = try groupings.resolve(campaign, .campaign)
      if !names.contains(name) { names.append(name) }
    }
    return StoryGrouped(
      story: key,
      domain: try domain.map { (name: String) throws(LedgerError) in
        try groupings.resolve(name, .domain)
      },
      campaigns: names)
  }

  /// The grouping event that changes the story `key`'s current grouping: `domain` replaces
  /// its domain (or `removingDomain` takes it away), `joining` adds campaigns and `leaving`
  /// takes some away; what is not named stays.
  ///
  /// - Throws: ``LedgerError`` ``LedgerError/Code/invalid`` when a name is not a domain or
  ///   campaign of the ledger, or the story is not in a campaign it would leave.
  func regrouping(
    of key: String, domain: String?, removingDomain: Bool, joining: [String], leaving: [String]
  ) throws(LedgerError) -> StoryGrouped {
    let groupings = self.groupings
    var campaigns = groupings.campaigns(ofStory: key)
    for name in leaving {
      let resolved = try groupings.resolve(name, .campaign)
      guard let index = campaigns.firstIndex(of: resolved) else {
        throw LedgerError(
          .invalid, "story \(key) is not in campaign \(resolved): there is nothing to leave")
      }
      campaigns.remove(at: index)
    }
    let kept = removingDomain ? nil : domain ?? groupings.domain(ofStory: key)
    return try grouping(of: key, domain: kept, campaigns: campaigns + joining)
  }
}
