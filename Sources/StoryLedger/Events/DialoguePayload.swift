/// The figures an account freezes: the six boxes of the subtree at the end of the period,
/// the stories told in it by then, and the value made visible during the period.
public struct AccountFigures: Hashable, Sendable, Codable {
  /// Active stories told in the subtree by the end of the period.
  public var stories: Int
  /// The six boxes at the end of the period.
  public var boxes: SixBoxes
  /// Per dimension (in order), the revisions in the period that made an item visible.
  public var madeVisible: [Int]

  /// Creates figures.
  public init(stories: Int, boxes: SixBoxes, madeVisible: [Int]) {
    self.stories = stories
    self.boxes = boxes
    self.madeVisible = madeVisible
  }
}

/// A child's settled account, as an input to its parent's.
public struct ChildAccount: Hashable, Sendable, Codable {
  /// The child node.
  public var node: NodePath
  /// The version of the child's account that was settled.
  public var version: Int
  /// Its frozen figures.
  public var figures: AccountFigures

  /// Creates a reference to a child's account.
  public init(node: NodePath, version: Int, figures: AccountFigures) {
    self.node = node
    self.version = version
    self.figures = figures
  }
}

/// An account was proposed for a node and a period: its figures frozen, with the
/// children's settled accounts, the stories selected at the node, and a narrative.
public struct AccountProposed: Hashable, Sendable {
  /// The node.
  public var node: NodePath
  /// The period.
  public var period: DateRange
  /// Who proposed it.
  public var by: String
  /// The account's narrative: what the value in this part of the system is.
  public var narrative: String
  /// The frozen figures.
  public var figures: AccountFigures
  /// The children's settled accounts for the same period.
  public var children: [ChildAccount]
  /// The stories selected at the node for the period.
  public var selected: [String]
  /// Creates the event.
  public init(
    node: NodePath, period: DateRange, by: String, narrative: String, figures: AccountFigures,
    children: [ChildAccount], selected: [String]
  ) {
    self.node = node
    self.period = period
    self.by = by
    self.narrative = narrative
    self.figures = figures
    self.children = children
    self.selected = selected
  }
}

/// A step in an account's negotiation: an objection, a response, a settlement, a reopening.
public struct AccountStep: Hashable, Sendable {
  /// The node.
  public var node: NodePath
  /// The period.
  public var period: DateRange
  /// Who takes the step.
  public var by: String
  /// The objection's reason, the response, the settlement's note, or the reason to reopen.
  public var text: String
  /// For a response, the number of the objection it answers (1 for the first).
  public var objection: Int
  /// Creates the event.
  public init(node: NodePath, period: DateRange, by: String, text: String, objection: Int = 0) {
    self.node = node
    self.period = period
    self.by = by
    self.text = text
    self.objection = objection
  }
}

/// Stories were selected as most significant at a node for a period, each with a reason;
/// the candidates not chosen are recorded too.
public struct StoriesSelected: Hashable, Sendable {
  /// One selected story and why.
  public struct Choice: Hashable, Sendable, Codable {
    /// The story's key.
    public var story: String
    /// Why it was chosen, in any language (it must say something: see ``Prose``).
    public var reason: String
    /// Creates a choice.
    public init(story: String, reason: String) {
      self.story = story
      self.reason = reason
    }
  }
  /// The node that selects.
  public var node: NodePath
  /// The period.
  public var period: DateRange
  /// Who selected: one person, or the names of a panel in the order given (schema version
  /// 3; versions 1 and 2 held one name). Empty once erased.
  public var panel: [String]
  /// The stories chosen.
  public var chosen: [Choice]
  /// The candidates not chosen.
  public var notChosen: [String]
  /// The domain of change the selection was made in (schema version 4; `nil`: across
  /// domains): every story chosen or passed over is in it.
  public var domain: String?
  /// The campaign the selection was made for (schema version 4; `nil`: none): every story
  /// chosen or passed over is in it.
  public var campaign: String?

  /// Who selected, in words: the panel's names joined by `, ` (one name for a selection
  /// by one person). Setting it makes a panel of that one name (none when empty).
  public var by: String {
    get { panel.joined(separator: ", ") }
    set { panel = newValue.isEmpty ? [] : [newValue] }
  }

  /// Creates the event, selected by one person.
  public init(
    node: NodePath, period: DateRange, by: String, chosen: [Choice], notChosen: [String],
    domain: String? = nil, campaign: String? = nil
  ) {
    self.init(
      node: node, period: period, panel: by.isEmpty ? [] : [by], chosen: chosen,
      notChosen: notChosen, domain: domain, campaign: campaign)
  }

  /// Creates the event, selected by a panel (one name or several).
  public init(
    node: NodePath, period: DateRange, panel: [String], chosen: [Choice], notChosen: [String],
    domain: String? = nil, campaign: String? = nil
  ) {
    self.node = node
    self.period = period
    self.panel = panel
    self.chosen = chosen
    self.notChosen = notChosen
    self.domain = domain
    self.campaign = campaign
  }
}

/// Feedback sent down from a node to a descendant (or its whole subtree), optionally about a
/// selected story or an account.
public struct FeedbackSent: Hashable, Sendable {
  /// The node that sends it.
  public var from: NodePath
  /// The descendant it is sent to.
  public var to: NodePath
  /// Whether it goes to the descendant's whole subtree.
  public var toSubtree: Bool
  /// Who sends it.
  public var by: String
  /// The feedback.
  public var text: String
  /// The story it is about, if any.
  public var story: String?
  /// The period of the account it is about (the sender's account), if any.
  public var account: DateRange?
  /// Creates the event.
  public init(
    from: NodePath, to: NodePath, toSubtree: Bool, by: String, text: String,
    story: String? = nil, account: DateRange? = nil
  ) {
    self.from = from
    self.to = to
    self.toSubtree = toSubtree
    self.by = by
    self.text = text
    self.story = story
    self.account = account
  }
}

/// A pledge was made at a node: a dated promise to make an improvement.
public struct PledgeMade: Hashable, Sendable {
  /// The pledge's key.
  public var key: String
  /// The node.
  public var node: NodePath
  /// Who pledges.
  public var by: String
  /// What is pledged.
  public var text: String
  /// The date it was made.
  public var on: Day
  /// When it is due, if ever.
  public var due: Day?
  /// It is active only once this many others have joined (0: at once).
  public var condition: Int
  /// Creates the event.
  public init(
    key: String, node: NodePath, by: String, text: String, on: Day, due: Day? = nil,
    condition: Int = 0
  ) {
    self.key = key
    self.node = node
    self.by = by
    self.text = text
    self.on = on
    self.due = due
    self.condition = condition
  }
}

/// A step in a pledge's life: someone joins it, it is fulfilled by a story, or withdrawn.
public struct PledgeStep: Hashable, Sendable {
  /// The pledge's key.
  public var pledge: String
  /// Who takes the step.
  public var by: String
  /// The date of the step.
  public var on: Day
  /// For a fulfilment, the story that fulfils it; for a withdrawal, the reason.
  public var text: String
  /// Creates the event.
  public init(pledge: String, by: String, on: Day, text: String = "") {
    self.pledge = pledge
    self.by = by
    self.on = on
    self.text = text
  }
}
