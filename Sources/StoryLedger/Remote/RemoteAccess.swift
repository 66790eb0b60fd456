import Foundation

/// What a token may do: its role, over the subtree of its node (<doc:RunningASharedLedger>,
/// "Who may do what").
///
/// - ``recorder``: stories, tellings, story updates, answers and verifications, items,
///   revisions, evidence and ratings, within the subtree (in a session, too);
/// - ``facilitator``: also the dialogue (sessions, agreed values, select, propose, object,
///   respond, settle, reopen, feedback, pledges) at nodes within the subtree, and the
///   participants' descriptions (who belong to no node);
/// - ``analyst``: figures and exports of the subtree; never a narrative, a title or a teller;
/// - ``keeper``: also nodes, withdrawal and erasure, imports, verify, tokens.
public enum RemoteRole: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
  /// Records stories and items.
  case recorder
  /// Records and leads the dialogue.
  case facilitator
  /// Reads figures and exports.
  case analyst
  /// Keeps the ledger.
  case keeper

  /// Parses a role name.
  ///
  /// - Throws: ``ValueError`` (field `role`) naming the four roles.
  public init(parsing text: String) throws(ValueError) {
    guard let role = RemoteRole(rawValue: text) else {
      throw ValueError(
        field: "role", value: text, reason: "is not a role",
        validValues: RemoteRole.allCases.map(\.rawValue))
    }
    self = role
  }

  /// Whether the role may append events of `kind`.
  public func mayRecord(_ kind: RemoteAccess.EventKind) -> Bool {
    switch kind {
    case .recording: self == .recorder || self == .facilitator || self == .keeper
    case .dialogue: self == .facilitator || self == .keeper
    case .keeping: self == .keeper
    case .never: false
    }
  }

  /// The role's name.
  public var description: String { rawValue }
}

/// The access table of the shared server, as functions both sides use: which role may call
/// which route, append which event at which node, and read which text.
///
/// A token's *scope* is its node's subtree (`nil`: the whole ledger). The server refuses
/// everything the table does not allow with `403` and code
/// ``LedgerError/Code/notAllowed``, recording nothing.
///
/// ```swift
/// let refusal = RemoteAccess.refusal(
///   for: events, role: .recorder, scope: try NodePath(parsing: "nhs/north"), in: state)
/// if let refusal { print(refusal.message) }  // nothing is recorded
/// ```
public enum RemoteAccess {
  /// The kinds of events, by who may append them.
  public enum EventKind: String, Sendable, CaseIterable {
    /// Stories, tellings, story updates, answers and verifications, items, revisions,
    /// evidence and ratings, and the link of any of them to a session.
    case recording
    /// The dialogue: sessions, agreed values, accounts, selections, feedback, pledges, and
    /// the participants' descriptions.
    case dialogue
    /// Nodes, withdrawal, erasure of a participant: the keeper's.
    case keeping
    /// Never through the server (the ledger's creation is `storyledger-server ledger create`).
    case never
  }

  /// Who may append an event of `type`: a switch over every type, so that a new event type
  /// does not compile until this table names who may record it.
  public static func kind(of type: EventType) -> EventKind {
    switch type {
    case .ledgerCreated: .never
    case .storyTold, .tellingRecorded, .storyUpdated, .storyAnswered, .storyVerified,
      .itemRecorded, .itemRevised, .itemRated, .sessionLinked, .storyGrouped:
      .recording
    case .accountProposed, .accountObjected, .accountResponded, .accountSettled,
      .accountReopened, .storiesSelected, .feedbackSent, .pledgeMade, .pledgeJoined,
      .pledgeFulfilled, .pledgeWithdrawn, .itemAgreed, .sessionStarted, .participantAdded:
      .dialogue
    case .nodeAdded, .nodeRenamed, .nodeMoved, .nodeRetired, .storyWithdrawn,
      .participantErased, .domainAdded, .campaignAdded, .proxySet:
      .keeping
    }
  }

  /// Whether `role` may call `route` at all (the node and the events are checked apart).
  ///
  /// | route | recorder | facilitator | analyst | keeper |
  /// |---|---|---|---|---|
  /// | info, head, records, log | yes | yes | yes (texts withheld) | yes |
  /// | events | yes | yes | no | yes |
  /// | summary, tree, items, cascade, accounts, pledges, exports, report | yes | yes | yes | yes |
  /// | story, inbox | yes | yes | no | yes |
  /// | erasures, import, verify | no | no | no | yes |
  /// | health, metrics | no token needed | | | |
  public static func allows(_ role: RemoteRole, _ route: RemoteRoute) -> Bool {
    switch route {
    case .info, .head, .records, .log, .summary, .tree, .items, .cascadeUp, .cascadeDown,
      .accounts, .pledges, .exportTimeseries, .exportPledges, .report, .health, .metrics:
      true
    case .events, .story, .inbox: role != .analyst
    case .erasures, .importEvents, .verify: role == .keeper
    }
  }

  /// Whether `node` is within `scope` (every node is within `nil`, the whole ledger).
  public static func contains(_ scope: NodePath?, _ node: NodePath) -> Bool {
    scope.map { $0.contains(node) } ?? true
  }

  /// Why a token with `role` over `scope` may not append `events` to the ledger in
  /// `state`, or `nil` when it may (the events are still to be validated).
  ///
  /// Each event must be of a kind the role records (``RemoteRole/mayRecord(_:)``) and
  /// concern a node within the scope: a node event its node (and a move its new parent), a
  /// story event the story's node (a story told earlier in the same batch counts), a
  /// dialogue event its node (feedback the node it is sent from, a pledge step the pledge's
  /// node). The erasure of a participant reaches across the ledger: only a keeper of the
  /// whole ledger appends it. An event about a story or pledge the ledger does not hold is
  /// left to validation, which refuses it.
  public static func refusal(
    for events: [EventPayload], role: RemoteRole, scope: NodePath?, in state: LedgerState
  ) -> LedgerError? {
    var storiesInBatch: [String: NodePath] = [:]
    var pledgesInBatch: [String: NodePath] = [:]
    let model = state.dialogueModel()
    for (index, event) in events.enumerated() {
      let kind = kind(of: event.type)
      let place = "event \(index + 1) (\(event.type.name))"
      guard role.mayRecord(kind) else {
        return LedgerError(
          .notAllowed,
          "\(place): \(Self.article(role)) may not record \(Self.describe(kind)); \(Self.whoMay(kind))"
        )
      }
      var nodes: [NodePath] = []
      switch event {
      case .storyTold(let told):
        storiesInBatch[told.key] = told.node
        nodes = [told.node]
      case .pledgeMade(let made):
        pledgesInBatch[made.key] = made.node
        nodes = [made.node]
      case .pledgeJoined(let step), .pledgeFulfilled(let step), .pledgeWithdrawn(let step):
        if let node = pledgesInBatch[step.pledge] ?? model.pledges[step.pledge]?.made.node {
          nodes = [node]
        }
      case .nodeMoved(let move):
        nodes = [move.path] + (move.parent.map { [$0] } ?? [])
        if move.parent == nil, scope != nil {
          return LedgerError(
            .notAllowed,
            "\(place): moving \(move.path) to the top of the hierarchy leaves your subtree \(scope?.description ?? "")"
          )
        }
      case .participantErased:
        if scope != nil {
          return LedgerError(
            .notAllowed,
            "\(place): erasing a participant reaches the whole ledger; only a keeper of the whole ledger (node /) may"
          )
        }
      case .domainAdded, .campaignAdded, .proxySet:
        if scope != nil {
          return LedgerError(
            .notAllowed,
            "\(place): a domain of change, a campaign or a proxy is defined for the whole ledger; only a keeper of the whole ledger (node /) may"
          )
        }
      default:
        if let node = event.nodePath {
          nodes = [node]
        } else if let key = event.storyKey,
          let node = storiesInBatch[key] ?? state.node(ofStory: key)
        {
          nodes = [node]
        }
      }
      if let scope, let outside = nodes.first(where: { !scope.contains($0) }) {
        return LedgerError(
          .notAllowed,
          "\(place) concerns \(outside), outside your subtree \(scope); your token may record only within it"
        )
      }
    }
    return nil
  }

  /// `event` as a token with `role` over `scope` may read it, given the ledger's `state`:
  /// an analyst reads no story's title, tellers, narrative or personal answers; anyone else
  /// reads them only for the stories whose share scope reaches their node
  /// (``LedgerState/scoped(_:for:)``); a token of the whole ledger reads everything.
  public static func readable(
    _ event: RecordedEvent, role: RemoteRole, scope: NodePath?, in state: LedgerState
  ) -> RecordedEvent {
    if role == .analyst { return event.withStoryTextWithheld() }
    guard let scope else { return event }
    guard state.hasNodeAt(scope) else { return event.withStoryTextWithheld() }
    return (try? state.scoped(event, for: .node(scope))) ?? event.withStoryTextWithheld()
  }

  /// The ``Viewer`` the library's views read as for a token with `role` over `scope`: the
  /// keeper's audit view for a token of the whole ledger (an analyst's too: the server
  /// refuses analysts the views of narratives), else the token's node.
  public static func viewer(role: RemoteRole, scope: NodePath?) -> Viewer {
    guard let scope else { return .keeper }
    return .node(scope)
  }

  static func article(_ role: RemoteRole) -> String {
    role == .analyst ? "an analyst" : "a \(role.rawValue)"
  }

  static func describe(_ kind: EventKind) -> String {
    switch kind {
    case .recording: "stories or items"
    case .dialogue:
      "the dialogue (sessions, agreed values, accounts, selections, feedback, pledges)"
    case .keeping: "nodes, withdrawals, erasures, domains, campaigns or proxies"
    case .never: "the ledger's creation"
    }
  }

  static func whoMay(_ kind: EventKind) -> String {
    switch kind {
    case .recording: "a recorder, facilitator or keeper may"
    case .dialogue: "a facilitator or keeper may"
    case .keeping: "a keeper may"
    case .never: "storyledger-server ledger create makes a ledger"
    }
  }
}
