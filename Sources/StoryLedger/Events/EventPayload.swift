/// The kinds of events the ledger records, each with a stable number and name.
///
/// Numbers are written in the log and never reused. A type's schema version grows when its
/// fields grow; older versions stay readable.
public enum EventType: UInt16, CaseIterable, Sendable, Hashable {
  /// The ledger was created with its configuration.
  case ledgerCreated = 1
  /// A node joined the hierarchy.
  case nodeAdded = 2
  /// A node's display name changed.
  case nodeRenamed = 3
  /// A node and its subtree moved under another parent.
  case nodeMoved = 4
  /// A node was retired: it takes no new stories or children.
  case nodeRetired = 5
  /// A story was opened at a node.
  case storyTold = 10
  /// A story was told (or retold) on a date.
  case tellingRecorded = 11
  /// A story's title, tags or share scope changed.
  case storyUpdated = 12
  /// A story was withdrawn (and perhaps its personal text erased).
  case storyWithdrawn = 13
  /// Questionnaire answers about a story were recorded as of a date.
  case storyAnswered = 14
  /// Someone verified a story, and said how.
  case storyVerified = 15
  /// A story was placed under a domain of change and in campaigns.
  case storyGrouped = 16
  /// An item of value was recorded in a story.
  case itemRecorded = 20
  /// An item of value was revised as of a date.
  case itemRevised = 21
  /// A person rated an item (their own rating, revisable) as of a date.
  case itemRated = 22
  /// A group agreed an item's value as of a date.
  case itemAgreed = 23
  /// An account was proposed for a node and a period.
  case accountProposed = 30
  /// Someone objected to an account.
  case accountObjected = 31
  /// An objection was answered.
  case accountResponded = 32
  /// An account was settled.
  case accountSettled = 33
  /// A settled account was reopened.
  case accountReopened = 34
  /// Stories were selected as most significant at a node.
  case storiesSelected = 40
  /// Feedback was sent down.
  case feedbackSent = 41
  /// A pledge was made.
  case pledgeMade = 50
  /// Someone joined a pledge.
  case pledgeJoined = 51
  /// A pledge was fulfilled by a story.
  case pledgeFulfilled = 52
  /// A pledge was withdrawn.
  case pledgeWithdrawn = 53
  /// A participant's name was erased from the dialogue events that named them.
  case participantErased = 60
  /// A participant was described: their attributes and consent.
  case participantAdded = 61
  /// A domain of change was defined.
  case domainAdded = 70
  /// A campaign was defined.
  case campaignAdded = 71
  /// A proxy's value was set from a date (and the items priced by it revised).
  case proxySet = 72
  /// A session (a workshop, a meeting) was started at a node.
  case sessionStarted = 80
  /// The events just before, in the same append, were recorded in a session.
  case sessionLinked = 81

  /// The name used in JSON dumps, for example `item.revised`.
  public var name: String {
    switch self {
    case .ledgerCreated: "ledger.created"
    case .nodeAdded: "node.added"
    case .nodeRenamed: "node.renamed"
    case .nodeMoved: "node.moved"
    case .nodeRetired: "node.retired"
    case .storyTold: "story.told"
    case .tellingRecorded: "story.telling"
    case .storyUpdated: "story.updated"
    case .storyWithdrawn: "story.withdrawn"
    case .storyAnswered: "story.answered"
    case .storyVerified: "story.verified"
    case .storyGrouped: "story.grouped"
    case .itemRecorded: "item.recorded"
    case .itemRevised: "item.revised"
    case .itemRated: "item.rated"
    case .itemAgreed: "item.agreed"
    case .accountProposed: "account.proposed"
    case .accountObjected: "account.objected"
    case .accountResponded: "account.responded"
    case .accountSettled: "account.settled"
    case .accountReopened: "account.reopened"
    case .storiesSelected: "stories.selected"
    case .feedbackSent: "feedback.sent"
    case .pledgeMade: "pledge.made"
    case .pledgeJoined: "pledge.joined"
    case .pledgeFulfilled: "pledge.fulfilled"
    case .pledgeWithdrawn: "pledge.withdrawn"
    case .participantErased: "participant.erased"
    case .participantAdded: "participant.added"
    case .sessionStarted: "session.started"
    case .sessionLinked: "session.linked"
    case .domainAdded: "domain.added"
    case .campaignAdded: "campaign.added"
    case .proxySet: "proxy.set"
    }
  }

  /// The schema version this build writes for the type.
  ///
  /// Version 2 of the dialogue's events (accounts, selections, feedback, pledges) keeps the
  /// participant's name (`by`) in the record's personal part, where it can be erased;
  /// version 1 kept it in the hashed part, and such events stay readable. Version 3 of
  /// `stories.selected` keeps a panel's names (several) where version 2 kept one.
  /// `item.rated` is written as version 2 from the start (the rater's name in the personal
  /// part); its version 1 is only the snapshot's layout. Version 2 of `item.recorded` and
  /// `item.revised` may carry an evidence link and an evidence file's SHA-256 digest
  /// (``ItemFacts/evidenceLink``, ``ItemFacts/evidenceDigest``); version 1 could not.
  /// Version 4 of `stories.selected` may name the domain of change or the campaign it was
  /// made for (``StoriesSelected/domain``, ``StoriesSelected/campaign``).
  public var currentSchemaVersion: UInt16 {
    switch self {
    case .storiesSelected:
      4
    case .accountProposed, .accountObjected, .accountResponded, .accountSettled,
      .accountReopened, .feedbackSent, .pledgeMade, .pledgeJoined, .pledgeFulfilled,
      .pledgeWithdrawn, .itemRated, .itemRecorded, .itemRevised, .storyVerified:
      2
    case .ledgerCreated, .nodeAdded, .nodeRenamed, .nodeMoved, .nodeRetired, .storyTold,
      .tellingRecorded, .storyUpdated, .storyWithdrawn, .storyAnswered, .participantErased,
      .sessionStarted, .sessionLinked, .itemAgreed, .storyGrouped, .domainAdded, .campaignAdded,
      .participantAdded, .proxySet:
      1
    }
  }

  /// Whether events of the type belong to the dialogue (accounts, selections, feedback,
  /// pledges, sessions, the ratings and agreed values of items, story verifications, domains,
  /// campaigns and a story's place in them, the participants' descriptions, and the erasure
  /// of a participant's name from them): the state keeps them whole, and each is appended alone (but for the
  /// `session.linked` event the ledger appends after an append made in a session, and the
  /// `story.grouped` event that may follow a story's first telling in its batch).
  public var isDialogue: Bool {
    switch self {
    case .accountProposed, .accountObjected, .accountResponded, .accountSettled,
      .accountReopened, .storiesSelected, .feedbackSent, .pledgeMade, .pledgeJoined,
      .pledgeFulfilled, .pledgeWithdrawn, .participantErased, .sessionStarted, .sessionLinked,
      .itemRated, .itemAgreed, .storyVerified, .storyGrouped, .domainAdded, .campaignAdded,
      .participantAdded, .proxySet:
      true
    case .ledgerCreated, .nodeAdded, .nodeRenamed, .nodeMoved, .nodeRetired, .storyTold,
      .tellingRecorded, .storyUpdated, .storyWithdrawn, .storyAnswered, .itemRecorded,
      .itemRevised:
      false
    }
  }

  /// The type called `name`, for filters.
  public init?(name: String) {
    guard let match = EventType.allCases.first(where: { $0.name == name }) else { return nil }
    self = match
  }
}

/// What an event says: one case per ``EventType``.
///
/// Events are immutable facts. Corrections and revisions are new events.
///
/// ```swift
/// let event = EventPayload.nodeAdded(NodeAdded(path: try NodePath(parsing: "england"), name: "England"))
/// event.type.name  // "node.added"
/// ```
public enum EventPayload: Hashable, Sendable {
  /// See ``EventType/ledgerCreated``.
  case ledgerCreated(LedgerConfiguration)
  /// See ``EventType/nodeAdded``.
  case nodeAdded(NodeAdded)
  /// See ``EventType/nodeRenamed``.
  case nodeRenamed(NodeRenamed)
  /// See ``EventType/nodeMoved``.
  case nodeMoved(NodeMoved)
  /// See ``EventType/nodeRetired``.
  case nodeRetired(NodeRetired)
  /// See ``EventType/storyTold``.
  case storyTold(StoryTold)
  /// See ``EventType/tellingRecorded``.
  case tellingRecorded(TellingRecorded)
  /// See ``EventType/storyUpdated``.
  case storyUpdated(StoryUpdated)
  /// See ``EventType/storyWithdrawn``.
  case storyWithdrawn(StoryWithdrawn)
  /// See ``EventType/storyAnswered``.
  case storyAnswered(StoryAnswered)
  /// See ``EventType/storyVerified``.
  case storyVerified(StoryVerified)
  /// See ``EventType/itemRecorded``.
  case itemRecorded(ItemRecorded)
  /// See ``EventType/itemRevised``.
  case itemRevised(ItemRevised)
  /// See ``EventType/itemRated``.
  case itemRated(ItemRated)
  /// See ``EventType/itemAgreed``.
  case itemAgreed(ItemAgreed)
  /// See ``EventType/accountProposed``.
  case accountProposed(AccountProposed)
  /// See ``EventType/accountObjected``.
  case accountObjected(AccountStep)
  /// See ``EventType/accountResponded``.
  case accountResponded(AccountStep)
  /// See ``EventType/accountSettled``.
  case accountSettled(AccountStep)
  /// See ``EventType/accountReopened``.
  case accountReopened(AccountStep)
  /// See ``EventType/storiesSelected``.
  case storiesSelected(StoriesSelected)
  /// See ``EventType/feedbackSent``.
  case feedbackSent(FeedbackSent)
  /// See ``EventType/pledgeMade``.
  case pledgeMade(PledgeMade)
  /// See ``EventType/pledgeJoined``.
  case pledgeJoined(PledgeStep)
  /// See ``EventType/pledgeFulfilled``.
  case pledgeFulfilled(PledgeStep)
  /// See ``EventType/pledgeWithdrawn``.
  case pledgeWithdrawn(PledgeStep)
  /// See ``EventType/participantErased``.
  case participantErased(ParticipantErased)
  /// See ``EventType/participantAdded``.
  case participantAdded(ParticipantAdded)
  /// See ``EventType/sessionStarted``.
  case sessionStarted(SessionStarted)
  /// See ``EventType/sessionLinked``.
  case sessionLinked(SessionLinked)
  /// See ``EventType/storyGrouped``.
  case storyGrouped(StoryGrouped)
  /// See ``EventType/domainAdded``.
  case domainAdded(GroupingAdded)
  /// See ``EventType/campaignAdded``.
  case campaignAdded(GroupingAdded)
  /// See ``EventType/proxySet``.
  case proxySet(ProxySet)

  /// The type of the event.
  public var type: EventType {
    switch self {
    case .ledgerCreated: .ledgerCreated
    case .nodeAdded: .nodeAdded
    case .nodeRenamed: .nodeRenamed
    case .nodeMoved: .nodeMoved
    case .nodeRetired: .nodeRetired
    case .storyTold: .storyTold
    case .tellingRecorded: .tellingRecorded
    case .storyUpdated: .storyUpdated
    case .storyWithdrawn: .storyWithdrawn
    case .storyAnswered: .storyAnswered
    case .storyVerified: .storyVerified
    case .itemRecorded: .itemRecorded
    case .itemRevised: .itemRevised
    case .itemRated: .itemRated
    case .itemAgreed: .itemAgreed
    case .accountProposed: .accountProposed
    case .accountObjected: .accountObjected
    case .accountResponded: .accountResponded
    case .accountSettled: .accountSettled
    case .accountReopened: .accountReopened
    case .storiesSelected: .storiesSelected
    case .feedbackSent: .feedbackSent
    case .pledgeMade: .pledgeMade
    case .pledgeJoined: .pledgeJoined
    case .pledgeFulfilled: .pledgeFulfilled
    case .pledgeWithdrawn: .pledgeWithdrawn
    case .participantErased: .participantErased
    case .participantAdded: .participantAdded
    case .sessionStarted: .sessionStarted
    case .sessionLinked: .sessionLinked
    case .storyGrouped: .storyGrouped
    case .domainAdded: .domainAdded
    case .campaignAdded: .campaignAdded
    case .proxySet: .proxySet
    }
  }

  /// Whether the event belongs to the dialogue (accounts, selections, feedback, pledges,
  /// the erasure of a participant's name): see ``EventType/isDialogue``.
  public var isDialogue: Bool { type.isDialogue }

  /// The story the event concerns, if any.
  public var storyKey: String? {
    switch self {
    case .storyTold(let event): event.key
    case .tellingRecorded(let event): event.story
    case .storyUpdated(let event): event.story
    case .storyWithdrawn(let event): event.story
    case .storyAnswered(let event): event.story
    case .storyVerified(let event): event.story
    case .itemRecorded(let event): event.story
    case .itemRevised(let event): event.story
    case .itemRated(let event): event.story
    case .itemAgreed(let event): event.story
    case .storyGrouped(let event): event.story
    case .ledgerCreated, .nodeAdded, .nodeRenamed, .nodeMoved, .nodeRetired, .accountProposed,
      .accountObjected, .accountResponded, .accountSettled, .accountReopened, .storiesSelected,
      .feedbackSent, .pledgeMade, .pledgeJoined, .pledgeFulfilled, .pledgeWithdrawn,
      .participantErased, .sessionStarted, .sessionLinked, .domainAdded, .campaignAdded,
      .participantAdded, .proxySet:
      nil
    }
  }

  /// The node the event concerns, for node events (its path when the event was recorded).
  public var nodePath: NodePath? {
    switch self {
    case .nodeAdded(let event): event.path
    case .nodeRenamed(let event): event.path
    case .nodeMoved(let event): event.path
    case .nodeRetired(let event): event.path
    case .storyTold(let event): event.node
    case .accountProposed(let event): event.node
    case .accountObjected(let event), .accountResponded(let event), .accountSettled(let event),
      .accountReopened(let event):
      event.node
    case .storiesSelected(let event): event.node
    case .feedbackSent(let event): event.from
    case .pledgeMade(let event): event.node
    case .sessionStarted(let event): event.node
    case .ledgerCreated, .tellingRecorded, .storyUpdated, .storyWithdrawn, .storyAnswered,
      .itemRecorded, .itemRevised, .pledgeJoined, .pledgeFulfilled, .pledgeWithdrawn,
      .participantErased, .sessionLinked, .itemRated, .itemAgreed, .storyVerified,
      .storyGrouped, .domainAdded, .campaignAdded, .participantAdded, .proxySet:
      nil
    }
  }
}

/// A node's display name changed.
public struct NodeRenamed: Hashable, Sendable {
  /// The node.
  public var path: NodePath
  /// Its new display name.
  public var name: String
  /// Creates the event.
  public init(path: NodePath, name: String) {
    self.path = path
    self.name = name
  }
}

/// A node moved, with its whole subtree and its stories, under another parent: its new path
/// is its last segment under `parent` (at the top of the hierarchy when `parent` is `nil`).
public struct NodeMoved: Hashable, Sendable {
  /// The node, at its path before the move.
  public var path: NodePath
  /// The new parent, or `nil` for the top of the hierarchy.
  public var parent: NodePath?
  /// Creates the event.
  public init(path: NodePath, parent: NodePath?) {
    self.path = path
    self.parent = parent
  }

  /// The node's path after the move.
  public var newPath: NodePath {
    guard let parent else { return NodePath(validSegments: [path.name]) }
    return NodePath(validSegments: parent.segments + [path.name])
  }
}

/// A node was retired: it keeps its history and its figures but takes no new stories or
/// children.
public struct NodeRetired: Hashable, Sendable {
  /// The node.
  public var path: NodePath
  /// Why, in a few words (may be empty).
  public var reason: String
  /// Creates the event.
  public init(path: NodePath, reason: String = "") {
    self.path = path
    self.reason = reason
  }
}

/// A story's title, tags or share scope changed; `nil` fields are unchanged.
public struct StoryUpdated: Hashable, Sendable {
  /// The story's key.
  public var story: String
  /// The new title.
  public var title: String?
  /// The new tags (replacing the old ones).
  public var tags: [String]?
  /// The new share scope: a level name.
  public var share: String?
  /// Creates the event.
  public init(story: String, title: String? = nil, tags: [String]? = nil, share: String? = nil) {
    self.story = story
    self.title = title
    self.tags = tags
    self.share = share
  }
}

/// A story was withdrawn: it stops counting in every figure and takes no more events. With
/// `erase`, its personal text (narratives, teller names) is also erased from the log.
public struct StoryWithdrawn: Hashable, Sendable {
  /// The story's key.
  public var story: String
  /// Why, in a few words (may be empty).
  public var reason: String
  /// Whether the story's personal text is erased.
  public var erase: Bool
  /// Creates the event.
  public init(story: String, reason: String = "", erase: Bool = false) {
    self.story = story
    self.reason = reason
    self.erase = erase
  }
}

/// A node joined the hierarchy at `path` with a display name.
public struct NodeAdded: Hashable, Sendable {
  /// Where the node is.
  public var path: NodePath
  /// Its display name.
  public var name: String
  /// Creates the event.
  public init(path: NodePath, name: String) {
    self.path = path
    self.name = name
  }
}

/// A story was opened at a node: its key, title, tellers, tags and share scope.
///
/// The tellers are personal text: they live in the erasable part of the record.
public struct StoryTold: Hashable, Sendable {
  /// The story's key, unique in the ledger.
  public var key: String
  /// The node the story is told at.
  public var node: NodePath
  /// The date the story was first told.
  public var on: Day
  /// The title.
  public var title: String
  /// Who told it (personal text).
  public var tellers: [String]
  /// Tags.
  public var tags: [String]
  /// The highest level at which the narrative may be read.
  public var share: String
  /// Creates the event.
  public init(
    key: String, node: NodePath, on: Day, title: String, tellers: [String], tags: [String],
    share: String
  ) {
    self.key = key
    self.node = node
    self.on = on
    self.title = title
    self.tellers = tellers
    self.tags = tags
    self.share = share
  }
}

/// A telling of a story: the narrative as told on a date (personal text).
public struct TellingRecorded: Hashable, Sendable {
  /// The story's key.
  public var story: String
  /// The date of the telling.
  public var on: Day
  /// What was told (personal text).
  public var narrative: String
  /// Creates the event.
  public init(story: String, on: Day, narrative: String) {
    self.story = story
    self.on = on
    self.narrative = narrative
  }
}

/// The facts of a value item that a revision may set; `nil` means unchanged.
public struct ItemFacts: Hashable, Sendable {
  /// Visible or invisible.
  public var visibility: Visibility?
  /// What the item of value is.
  public var description: String?
  /// A decimal quantity, as given.
  public var quantity: String?
  /// The unit of the quantity.
  public var unit: String?
  /// A monetised proxy value in the ledger currency.
  public var monetised: Money?
  /// A calibrating judgement of how much it matters, 1 to 5.
  public var weight: Int?
  /// Evidence of the value.
  public var evidence: String?
  /// Where the evidence can be checked: an absolute URL (`https://…`, `doi:…`).
  public var evidenceLink: String?
  /// The SHA-256 digest of an evidence file kept outside the ledger, as 64 lowercase
  /// hexadecimal digits: anyone holding the file can check it is the one recorded.
  public var evidenceDigest: String?
  /// The proxy the monetised value was computed from (``ProxySet``): `monetised` is then
  /// `quantity` × the proxy's value on the revision's date × `multiplier`, and `quantity`
  /// is given with it. `nil` for a hand-entered figure.
  public var proxy: String?
  /// The multiplier of a figure computed from a proxy, as a decimal text (`nil`: 1).
  public var multiplier: String?

  /// Creates a set of facts.
  public init(
    visibility: Visibility? = nil, description: String? = nil, quantity: String? = nil,
    unit: String? = nil, monetised: Money? = nil, weight: Int? = nil, evidence: String? = nil,
    evidenceLink: String? = nil, evidenceDigest: String? = nil, proxy: String? = nil,
    multiplier: String? = nil
  ) {
    self.proxy = proxy
    self.multiplier = multiplier
    self.visibility = visibility
    self.description = description
    self.quantity = quantity
    self.unit = unit
    self.monetised = monetised
    self.weight = weight
    self.evidence = evidence
    self.evidenceLink = evidenceLink
    self.evidenceDigest = evidenceDigest
  }

  /// Why a unit given without a quantity is refused, wherever facts come from (the CLI,
  /// an import row, an embedder).
  static let unitWithoutQuantity =
    "needs a quantity given with it: a unit says what the quantity counts (give both)"

  /// Whether no fact is set.
  public var isEmpty: Bool { self == ItemFacts() }
}

/// An item of value was recorded in a story, in one of the six boxes.
public struct ItemRecorded: Hashable, Sendable {
  /// The story's key.
  public var story: String
  /// The item's key within the story.
  public var item: String
  /// The date the item is recorded as of.
  public var on: Day
  /// The dimension, fixed for the item's life.
  public var dimension: Dimension
  /// The item's facts; `visibility` is always set.
  public var facts: ItemFacts
  /// Creates the event.
  public init(story: String, item: String, on: Day, dimension: Dimension, facts: ItemFacts) {
    self.story = story
    self.item = item
    self.on = on
    self.dimension = dimension
    self.facts = facts
  }
}

/// An item of value was revised as of a date: the facts given replace the earlier ones.
public struct ItemRevised: Hashable, Sendable {
  /// The story's key.
  public var story: String
  /// The item's key within the story.
  public var item: String
  /// The date the revision is about.
  public var on: Day
  /// The facts that changed.
  public var facts: ItemFacts
  /// Creates the event.
  public init(story: String, item: String, on: Day, facts: ItemFacts) {
    self.story = story
    self.item = item
    self.on = on
    self.facts = facts
  }
}
