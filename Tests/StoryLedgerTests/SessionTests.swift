import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger

/// Sessions (issue 18, point 2): started at a node, named by any recording call, listed with
/// what came out of them; selection by a panel.
@Suite("Sessions and panels")
struct SessionTests {
  static var q2: DateRange {
    get throws { try DateRange(parsing: "2026-Q2") }
  }

  /// A ledger with a trust and two wards, a workshop at the trust and a ward's session.
  static func makeLedger(at location: URL? = nil) throws -> Ledger {
    let configuration = try LedgerConfiguration(
      levels: ["national", "region", "organisation", "team"], currency: "GBP")
    let ledger =
      try location.map { try Ledger.create(at: $0, configuration: configuration) }
      ?? Ledger.create(in: InMemoryLog(), configuration: configuration)
    try ledger.addNode(try path("nhs/north/trust/ward-a"), creatingParents: true)
    try ledger.addNode(try path("nhs/north/trust/ward-b"))
    return ledger
  }

  @Test func whatIsRecordedInASessionIsListedWithIt() throws {
    let ledger = try Self.makeLedger()
    let trust = try path("nhs/north/trust")
    let workshop = try ledger.startSession(
      at: trust, on: try day("2026-04-20"), facilitator: "Amina Yusuf",
      with: ["Jo Bloggs", "Kwame Mensah"], note: "Ward walk-round workshop", key: "w1")
    #expect(workshop.ref == "w1")
    let options = Ledger.AppendOptions(session: "w1")
    let story = try ledger.tellStory(
      Ledger.NewStory(
        node: try path("nhs/north/trust/ward-a"), title: "Night walks",
        narrative: "We walked the ward at night.", on: try day("2026-04-20"), key: "walk"),
      options: options)
    let item = try ledger.addItem(
      to: story.ref, dimension: .capacitating, on: try day("2026-04-20"),
      facts: ItemFacts(visibility: .invisible, description: "trust between shifts"),
      options: options)
    // Recorded outside the session: not listed.
    try ledger.retellStory(story.ref, narrative: "Told again.", on: try day("2026-04-22"))
    try ledger.reviseItem(
      item.ref, on: try day("2026-04-25"), facts: ItemFacts(weight: 4), options: options)
    let ward = try path("nhs/north/trust/ward-a")
    try ledger.selectStories(
      at: ward, period: try Self.q2,
      choices: [StoriesSelected.Choice(story: "walk", reason: "它改变了夜班。")],
      panel: ["Amina Yusuf", "Jo Bloggs", "jo bloggs ", "Kwame Mensah"], options: options)

    let record = try ledger.sessionRecord("w1")
    #expect(record.session.node == trust)
    #expect(record.session.facilitator == "Amina Yusuf")
    #expect(record.session.with == ["Jo Bloggs", "Kwame Mensah"])
    #expect(record.session.note == "Ward walk-round workshop")
    #expect(
      record.events.map(\.type) == [
        .storyTold, .tellingRecorded, .itemRecorded, .itemRevised, .storiesSelected,
      ])
    // Read at the trust, the ward's story (shared at the ward's level) keeps its text.
    #expect(record.withheld == 2)
    #expect(
      record.events.first.map { event in
        if case .storyTold(let told) = event.payload { told.title } else { "" }
      } == RecordedEvent.withheldMark)
    #expect(try ledger.sessionRecord("w1", as: .keeper).withheld == 0)
    #expect(try ledger.view(as: .node(ward)).sessionRecord("w1").withheld == 0)
    #expect(try ledger.view(as: .node(try path("nhs"))).sessionRecord("w1").withheld == 2)
    // The panel: names repeated (ignoring case) count once, in the order given.
    let selection = try #require(try ledger.state.selections(at: ward).first)
    #expect(selection.panel == ["Amina Yusuf", "Jo Bloggs", "Kwame Mensah"])
    #expect(selection.by == "Amina Yusuf, Jo Bloggs, Kwame Mensah")
    #expect(selection.session == "w1")
    #expect(try ledger.state.sessions(under: try path("nhs/north")).map(\.key) == ["w1"])
    #expect(try ledger.state.sessions(under: try path("nhs/north/trust/ward-a")).isEmpty)
    // The story's version counts its own events, not the session's links.
    #expect(try ledger.state.storyVersion(forKey: "walk") == 5)
  }

  @Test func aSessionIsCheckedBeforeAnythingIsWritten() throws {
    let ledger = try Self.makeLedger()
    try ledger.startSession(
      at: try path("nhs/north/trust/ward-a"), on: try day("2026-04-20"), facilitator: "Lin",
      key: "ward")
    let before = ledger.head.sequence
    let story = Ledger.NewStory(
      node: try path("nhs/north/trust/ward-b"), title: "Elsewhere", narrative: "Told at ward b.",
      on: try day("2026-04-20"), key: "b1")
    // Ward b is not under ward a.
    let outside = #expect(throws: LedgerError.self) {
      try ledger.tellStory(story, options: Ledger.AppendOptions(session: "ward"))
    }
    #expect(outside?.code == .invalid)
    #expect(outside?.message.contains("not nhs/north/trust/ward-a or under it") == true)
    let missing = #expect(throws: LedgerError.self) {
      try ledger.tellStory(story, options: Ledger.AppendOptions(session: "nope"))
    }
    #expect(missing?.message.contains("no session nope") == true)
    #expect(ledger.head.sequence == before)
    // A session key is used once, a facilitator is needed, a link is never appended by hand.
    #expect(throws: LedgerError.self) {
      try ledger.startSession(at: try path("nhs"), facilitator: "Lin", key: "ward")
    }
    #expect(throws: LedgerError.self) {
      try ledger.startSession(at: try path("nhs"), facilitator: "  ")
    }
    #expect(throws: LedgerError.self) {
      try ledger.append([.sessionLinked(SessionLinked(session: "ward", count: 1))])
    }
    #expect(ledger.head.sequence == before)
  }

  @Test func aRepeatedAppendAddsNoSecondLink() throws {
    let ledger = try Self.makeLedger()
    try ledger.startSession(
      at: try path("nhs"), on: try day("2026-04-20"), facilitator: "Lin", key: "s")
    let story = Ledger.NewStory(
      node: try path("nhs/north/trust/ward-a"), title: "Once", narrative: "Told once.",
      on: try day("2026-04-20"), key: "once")
    try ledger.tellStory(story, options: Ledger.AppendOptions(idempotencyKey: "k", session: "s"))
    let again = try ledger.tellStory(
      story, options: Ledger.AppendOptions(idempotencyKey: "k", session: "s"))
    #expect(again.append.isRepeat)
    #expect(try ledger.sessionRecord("s").events.count == 2)
  }

  @Test func sessionsSurviveReplayAndTheSnapshot() throws {
    let directory = try TemporaryDirectory()
    let location = directory.url.appending(path: "ledger")
    let ledger = try Self.makeLedger(at: location)
    try ledger.startSession(
      at: try path("nhs/north"), on: try day("2026-05-02"), facilitator: "Zoë Ångström",
      with: ["Dilnoza"], key: "panel")
    try ledger.tellStory(
      Ledger.NewStory(
        node: try path("nhs/north/trust/ward-a"), title: "Ein Garten", narrative: "Wir pflanzten.",
        on: try day("2026-05-02"), key: "g"), options: Ledger.AppendOptions(session: "panel"))
    try ledger.selectStories(
      at: try path("nhs/north/trust/ward-a"), period: try Self.q2,
      choices: [StoriesSelected.Choice(story: "g", reason: "La jardinería nos unió.")],
      panel: ["Zoë Ångström", "Dilnoza"], options: Ledger.AppendOptions(session: "panel"))
    let expected = try ledger.state.sessions()
    try ledger.writeSnapshot()
    let fromSnapshot = try Ledger.open(at: location)
    #expect(try fromSnapshot.state.sessions() == expected)
    #expect(
      try fromSnapshot.state.selections(at: try path("nhs/north/trust/ward-a")).first?.panel == [
        "Zoë Ångström", "Dilnoza",
      ])
    _ = try fromSnapshot.rebuild()
    #expect(try fromSnapshot.state.sessions() == expected)
    #expect(
      try fromSnapshot.sessionRecord("panel").events.map(\.type) == [
        .storyTold, .tellingRecorded, .storiesSelected,
      ])
  }

  @Test func erasingAPersonErasesTheSessionsAndPanelsThatNameThem() throws {
    let directory = try TemporaryDirectory()
    let location = directory.url.appending(path: "ledger")
    let ledger = try Self.makeLedger(at: location)
    let trust = try path("nhs/north/trust")
    try ledger.startSession(
      at: trust, on: try day("2026-04-20"), facilitator: "Amina", with: ["Jo"], key: "w")
    try ledger.tellStory(
      Ledger.NewStory(
        node: trust, title: "T", narrative: "N.", on: try day("2026-04-20"), key: "t"))
    try ledger.selectStories(
      at: trust, period: try Self.q2, choices: [StoriesSelected.Choice(story: "t", reason: "Why.")],
      panel: ["Jo", "Ngozi"], options: Ledger.AppendOptions(session: "w"))
    let erasure = try ledger.eraseParticipant("Jo", reason: "asked")
    #expect(erasure.erased.count == 2)
    let reopened = try Ledger.open(at: location)
    let session = try reopened.state.session("w")
    #expect(session.facilitator == "(erased)")
    #expect(session.with.isEmpty)
    #expect(try reopened.state.selections(at: trust).first?.by == "(erased)")
    var names: [String] = []
    try reopened.forEachEvent { event in names += event.payload.participants ?? [] }
    #expect(!names.contains("Jo") && !names.contains("Amina"))
    #expect(try reopened.verify().isIntact)
  }

  @Test func aSelectionOfSchemaVersionTwoStillReadsItsOneName() throws {
    let event = StoriesSelected(
      node: try path("nhs"), period: try Self.q2, by: "",
      chosen: [StoriesSelected.Choice(story: "a", reason: "why")], notChosen: [])
    var publicBytes = ByteWriter(capacity: 64)
    EventCodec.encodePublic(.storiesSelected(event), into: &publicBytes)
    var personal = ByteWriter(capacity: 16)
    personal.appendString("Ana Lima")
    let decoded = try publicBytes.bytes.withUnsafeBytes { publicPart in
      try personal.bytes.withUnsafeBytes { personalPart in
        try EventCodec.decode(
          type: EventType.storiesSelected.rawValue, schemaVersion: 2, publicBytes: publicPart,
          personalBytes: personalPart)
      }
    }
    guard case .storiesSelected(let selected) = decoded else {
      Issue.record("not a selection")
      return
    }
    #expect(selected.panel == ["Ana Lima"])
    #expect(selected.by == "Ana Lima")
  }

  /// The session series against a deliberately simple count straight from the log: walk the
  /// events in order, give each `session.linked` event's `count` predecessors to its session,
  /// and count per quarter and region by each session's date and node.
  @Test func theSessionSeriesMatchesASimpleCountFromTheLog() throws {
    let ledger = try Self.makeLedger()
    try ledger.addNode(try path("nhs/south/trust-9"), creatingParents: true)
    let ward = try path("nhs/north/trust/ward-a")
    let south = try path("nhs/south/trust-9")
    let q2 = try Self.q2
    try ledger.startSession(
      at: ward, on: try day("2026-04-20"), facilitator: "Amina", with: ["Jo", "Kwame"], key: "a")
    try ledger.startSession(at: south, on: try day("2026-05-02"), facilitator: "Lin", key: "b")
    try ledger.startSession(
      at: try path("nhs/north"), on: try day("2026-07-03"), facilitator: "Ana", with: ["Bo"],
      key: "c")
    try ledger.startSession(
      at: try path("nhs"), on: try day("2026-05-05"), facilitator: "X", key: "top")
    for (key, node, session) in [("w1", ward, "a"), ("w2", ward, "a"), ("s1", south, "b")] {
      let told = try ledger.tellStory(
        Ledger.NewStory(
          node: node, title: key, narrative: "…", on: try day("2026-04-20"), share: "national",
          key: key),
        options: Ledger.AppendOptions(session: session))
      try ledger.addItem(
        to: told.ref, dimension: .calibrating, on: try day("2026-04-21"),
        facts: ItemFacts(visibility: .visible), options: Ledger.AppendOptions(session: session))
    }
    try ledger.retellStory("w1", narrative: "Again.", on: try day("2026-07-03"))
    try ledger.selectStories(
      at: ward, period: q2,
      choices: [.init(story: "w1", reason: "One."), .init(story: "w2", reason: "Two.")],
      options: Ledger.AppendOptions(session: "a"))
    try ledger.selectStories(
      at: try path("nhs/north/trust"), period: q2, choices: [.init(story: "w1", reason: "Up.")],
      options: Ledger.AppendOptions(session: "c"))
    try ledger.proposeAccount(
      of: ward, period: q2, narrative: "Q2.", options: Ledger.AppendOptions(session: "a"))
    try ledger.makePledge(
      at: south, text: "Walk.", on: try day("2026-05-02"), key: "p",
      options: Ledger.AppendOptions(session: "b"))
    try ledger.sendFeedback(
      from: try path("nhs/north"), to: ward, text: "Thanks.",
      options: Ledger.AppendOptions(session: "c"))
    try ledger.eraseParticipant("Lin")

    // The reference: straight from the log.
    var all: [RecordedEvent] = []
    try ledger.forEachEvent { all.append($0) }
    var started: [String: SessionStarted] = [:]
    var members: [String: [EventPayload]] = [:]
    for (index, event) in all.enumerated() {
      if case .sessionStarted(let session) = event.payload { started[session.key] = session }
      if case .sessionLinked(let link) = event.payload {
        members[link.session, default: []] += all[(index - link.count)..<index].map(\.payload)
      }
    }
    var expected: [[String]] = []
    let quarters = [q2, try DateRange(parsing: "2026-Q3")]
    for quarter in quarters {
      for region in ["nhs/north", "nhs/south"] {
        var counts = Array(repeating: 0, count: 10)
        for (key, session) in started
        where session.node.description.hasPrefix(region) && quarter.contains(session.on) {
          counts[0] += 1
          counts[1] += session.facilitator.isEmpty ? 0 : 1 + session.with.count
          for payload in members[key] ?? [] {
            counts[2] += 1
            switch payload.type {
            case .storyTold: counts[3] += 1
            case .tellingRecorded: counts[4] += 1
            case .itemRecorded, .itemRevised: counts[5] += 1
            case .storiesSelected:
              if case .storiesSelected(let selected) = payload {
                counts[6] += selected.chosen.count
              }
            case .accountProposed: counts[7] += 1
            case .feedbackSent: counts[8] += 1
            case .pledgeMade: counts[9] += 1
            default: break
            }
          }
        }
        expected.append(
          ["\(quarter.start)", "\(quarter.end)", region, "region"] + counts.map(String.init))
      }
    }
    var rows: [[String]] = []
    try ledger.sessionSeries(try TimeSeriesQuery(period: .quarter, level: "region")) { row in
      rows.append(
        ["\(row.periodStart)", "\(row.periodEnd)", row.node.description, row.level]
          + row.counts.map(String.init))
    }
    #expect(rows == expected)
    // What the reference says, spelled out for the north in Q2: session a, three people,
    // two stories told (two tellings), two items, two stories selected, one account step.
    #expect(
      rows.first == [
        "2026-04-01", "2026-06-30", "nhs/north", "region", "1", "3", "8", "2", "2", "2", "2", "1",
        "0", "0",
      ])
    // The session at the top (shallower than the level) is left out; the erased one counts
    // no people.
    #expect(rows[1][4...5] == ["1", "0"])
  }
}
