import Foundation
import Testing

@testable import StoryLedger

/// The wire contract of the shared server: route paths, the Codable bodies, records with
/// texts withheld that keep their hashes, and the access table.
@Suite("Remote wire contract")
struct RemoteWireTests {
  private static let levels = ["national", "region", "organisation", "team"]

  private func ledger() throws -> Ledger {
    let ledger = try Ledger.create(
      in: InMemoryLog(),
      configuration: try LedgerConfiguration(levels: Self.levels, currency: "GBP"))
    for node in ["nhs/north/trust-7/ward-1", "nhs/south/trust-9/ward-5"] {
      try ledger.addNode(try NodePath(parsing: node), creatingParents: true)
    }
    try ledger.tellStory(
      Ledger.NewStory(
        node: try NodePath(parsing: "nhs/north/trust-7/ward-1"), title: "Ward one's secret",
        narrative: "Only the trust may read this.", on: try Day(parsing: "2026-04-10"),
        tellers: ["Ana Ruiz"], share: "organisation", key: "s1"))
    return ledger
  }

  @Test func ledgerURLsParseAndNameRoutes() throws {
    let remote = try RemoteLedgerURL(parsing: "https://ledger.example.org:8443/ledgers/north_1")
    #expect(remote.name == "north_1")
    #expect(remote.description == "https://ledger.example.org:8443/ledgers/north_1")
    #expect(
      remote.url(for: .records, query: [URLQueryItem(name: "after", value: "5")]).absoluteString
        == "https://ledger.example.org:8443/v1/ledgers/north_1/records?after=5")
    #expect(remote.url(for: .info).path == "/v1/ledgers/north_1")
    #expect(remote.url(for: .cascadeUp).path == "/v1/ledgers/north_1/cascade/up")
    #expect(remote.url(for: .health).path == "/health")
    #expect(RemoteLedgerURL.isRemote("HTTP://x/ledgers/a"))
    #expect(!RemoteLedgerURL.isRemote("/srv/ledger"))
    for bad in [
      "ftp://h/ledgers/a", "http://h/ledger/a", "http://h/ledgers/A", "http://h/ledgers/a/b",
      "http:///ledgers/a", "http://h/ledgers/9a",
    ] {
      #expect(throws: ValueError.self) { _ = try RemoteLedgerURL(parsing: bad) }
    }
    #expect(RemoteAPI.isValidLedgerName("a" + String(repeating: "b", count: 47)))
    #expect(!RemoteAPI.isValidLedgerName("a" + String(repeating: "b", count: 48)))
  }

  @Test func appendRequestsCarryPayloadsThroughJSON() throws {
    let events: [EventPayload] = [
      .nodeAdded(NodeAdded(path: try NodePath(parsing: "nhs/east"), name: "East — Ост")),
      .tellingRecorded(
        TellingRecorded(story: "s1", on: try Day(parsing: "2026-05-01"), narrative: "再び")),
    ]
    let request = try RemoteAppendRequest(
      events: events, expectedHead: RemoteHead(sequence: 4, hash: SHA256Digest.zero.hex),
      idempotencyKey: "k-1")
    let json = try RemoteAPI.encoder().encode(request)
    let text = String(decoding: json, as: UTF8.self)
    #expect(text.contains("\"expected_head\""))
    #expect(text.contains("\"idempotency_key\":\"k-1\""))
    let decoded = try RemoteAPI.decoder().decode(RemoteAppendRequest.self, from: json)
    #expect(decoded == request)
    #expect(try decoded.payloads() == events)
    #expect(try decoded.expectedHead?.position().sequence == 4)

    var bad = request
    bad.events[1] = "not base64!"
    #expect(throws: ValueError(field: "events[1]", value: "not base64!", reason: "is not base64")) {
      _ = try bad.payloads()
    }
    bad.events[1] = Data([1, 2, 3]).base64EncodedString()
    let error = #expect(throws: ValueError.self) { _ = try bad.payloads() }
    #expect(error?.field == "events[1]")
  }

  @Test func withheldRecordsKeepTheirPlaceAndHash() throws {
    let ledger = try ledger()
    let store = try #require(ledger.store as? InMemoryLog)
    var events: [RecordedEvent] = []
    try store.read(after: .start(), upTo: try store.head()) { events.append($0) }
    let told = try #require(events.firstIndex { $0.type == .storyTold })
    let telling = try #require(events.firstIndex { $0.type == .tellingRecorded })
    let state = ledger.state
    let outsider = try NodePath(parsing: "nhs/south/trust-9/ward-5")
    let insider = try NodePath(parsing: "nhs/north/trust-7")

    for index in [told, telling] {
      let event = events[index]
      let previous = index == 0 ? SHA256Digest.zero : events[index - 1].hash
      // Inside the share scope: the event as recorded.
      #expect(RemoteAccess.readable(event, role: .recorder, scope: insider, in: state) == event)
      // Outside it, and for any analyst: withheld, at the same place with the same hash.
      for (role, scope) in [
        (RemoteRole.recorder, Optional(outsider)), (.analyst, insider), (.analyst, nil),
      ] {
        let readable = RemoteAccess.readable(event, role: role, scope: scope, in: state)
        #expect(readable != event)
        let entry = try RemoteRecord(withheld: readable, previousHash: previous)
        let json = try RemoteAPI.encoder().encode(
          RemoteRecordPage(records: [entry], head: .init(try store.head())))
        let page = try RemoteAPI.decoder().decode(RemoteRecordPage.self, from: json)
        let back = try page.records[0].event()
        #expect(back.sequence == event.sequence)
        #expect(back.hash == event.hash)
        #expect(back.id == event.id)
        #expect(back.actor == event.actor)
        #expect(back.recordedAtMilliseconds == event.recordedAtMilliseconds)
        let line = back.jsonLine
        #expect(!line.contains("Ana Ruiz"))
        #expect(!line.contains("Only the trust"))
        #expect(!line.contains("secret"))
        #expect(!String(decoding: json, as: UTF8.self).contains("QW5hIFJ1aXo"))
      }
    }
    // A whole record travels as stored and decodes to the same event.
    let record = try EventRecordCodec.encode(
      AppendBatch(events: [events[told].payload], actor: "ana"), after: try store.head())[0]
    let whole = RemoteRecord(sequence: record.sequence, bytes: record.bytes)
    #expect(whole.hash == nil)
    #expect(try whole.event() == record.event)
    // A record at the wrong place is refused.
    let misplaced = RemoteRecord(sequence: 99, record: whole.record)
    #expect(throws: LedgerError.self) { _ = try misplaced.event() }
  }

  @Test func theAccessTableByRoleAndSubtree() throws {
    let ledger = try ledger()
    let state = ledger.state
    let ward1 = try NodePath(parsing: "nhs/north/trust-7/ward-1")
    let north = try NodePath(parsing: "nhs/north")
    let south = try NodePath(parsing: "nhs/south")
    let day = try Day(parsing: "2026-05-01")
    let retell = EventPayload.tellingRecorded(
      TellingRecorded(story: "s1", on: day, narrative: "again"))
    let select = EventPayload.storiesSelected(
      StoriesSelected(
        node: ward1, period: try DateRange(parsing: "2026-04"), by: "Lead",
        chosen: [.init(story: "s1", reason: "it matters")], notChosen: []))
    let addNode = EventPayload.nodeAdded(
      NodeAdded(path: try NodePath(parsing: "nhs/north/x"), name: "X"))
    let tellSouth = EventPayload.storyTold(
      StoryTold(
        key: "s2", node: try NodePath(parsing: "nhs/south/trust-9/ward-5"), on: day, title: "T",
        tellers: [], tags: [], share: "team"))
    let itemOnNew = EventPayload.itemRecorded(
      ItemRecorded(story: "s2", item: "i1", on: day, dimension: .calculating, facts: ItemFacts()))

    func allowed(_ events: [EventPayload], _ role: RemoteRole, _ scope: NodePath?) -> Bool {
      RemoteAccess.refusal(for: events, role: role, scope: scope, in: state) == nil
    }
    // Recording: recorder, facilitator and keeper, inside the subtree only.
    for role in [RemoteRole.recorder, .facilitator, .keeper] {
      #expect(allowed([retell], role, north))
      #expect(!allowed([retell], role, south))
      #expect(allowed([retell], role, nil))
    }
    #expect(!allowed([retell], .analyst, north))
    // A story told in the same batch places the events after it.
    #expect(allowed([tellSouth, itemOnNew], .recorder, south))
    #expect(!allowed([tellSouth, itemOnNew], .recorder, north))
    // The dialogue: facilitator and keeper.
    #expect(!allowed([select], .recorder, north))
    #expect(allowed([select], .facilitator, north))
    #expect(!allowed([select], .facilitator, south))
    #expect(allowed([select], .keeper, ward1))
    // Nodes: the keeper's; the ledger's creation: nobody's.
    #expect(!allowed([addNode], .facilitator, nil))
    #expect(allowed([addNode], .keeper, north))
    #expect(!allowed([addNode], .keeper, south))
    let creation = EventPayload.ledgerCreated(try LedgerConfiguration(levels: ["a"]))
    #expect(!allowed([creation], .keeper, nil))
    // A rating is recorded like an item; an agreed value and a session are the dialogue's.
    let rate = EventPayload.itemRated(
      ItemRated(story: "s1", item: "i1", by: "Ward sister", weight: 3, on: day))
    let agree = EventPayload.itemAgreed(ItemAgreed(story: "s1", item: "i1", weight: 3, on: day))
    let session = EventPayload.sessionStarted(
      SessionStarted(key: "w1", node: ward1, on: day, facilitator: "Lead"))
    #expect(allowed([rate], .recorder, north))
    #expect(!allowed([rate], .recorder, south))
    #expect(!allowed([agree], .recorder, north))
    #expect(allowed([agree], .facilitator, north))
    #expect(!allowed([session], .recorder, north))
    #expect(allowed([session], .facilitator, north))
    #expect(!allowed([session], .facilitator, south))
    // A domain or campaign is the whole ledger's: only a keeper of node / defines one; a
    // story's grouping is recorded like the story, within the subtree.
    let domain = EventPayload.domainAdded(GroupingAdded(name: "Changes in people's lives"))
    #expect(allowed([domain], .keeper, nil))
    #expect(!allowed([domain], .keeper, north))
    #expect(!allowed([domain], .facilitator, nil))
    let grouped = EventPayload.storyGrouped(
      StoryGrouped(story: "s1", domain: "Changes in people's lives", campaigns: []))
    #expect(allowed([grouped], .recorder, north))
    #expect(!allowed([grouped], .recorder, south))
    // A participant's description belongs to no node: any facilitator or keeper records it,
    // no recorder or analyst does.
    let described = EventPayload.participantAdded(
      ParticipantAdded(name: "Amaka", attributes: [.init(key: "role", value: "patient")]))
    #expect(allowed([described], .facilitator, south))
    #expect(allowed([described], .keeper, nil))
    #expect(!allowed([described], .recorder, nil))
    #expect(!allowed([described], .analyst, nil))
    // A proxy's value is the whole ledger's, like a domain.
    let proxy = EventPayload.proxySet(
      ProxySet(
        name: "bed-day", value: Money(cents: 40_000), unit: "bed-day", source: "Costs.",
        from: day))
    #expect(allowed([proxy], .keeper, nil))
    #expect(!allowed([proxy], .keeper, north))
    #expect(!allowed([proxy], .facilitator, nil))
    // Every event type has its kind; only the ledger's creation is nobody's.
    #expect(EventType.allCases.filter { RemoteAccess.kind(of: $0) == .never } == [.ledgerCreated])
    // One refused event refuses the batch, naming it.
    let refusal = RemoteAccess.refusal(
      for: [retell, select], role: .recorder, scope: north, in: state)
    #expect(refusal?.code == .notAllowed)
    #expect(refusal?.message.contains("event 2 (stories.selected)") == true)
    // Routes.
    #expect(!RemoteAccess.allows(.analyst, .story))
    #expect(!RemoteAccess.allows(.analyst, .events))
    #expect(RemoteAccess.allows(.analyst, .exportTimeseries))
    #expect(!RemoteAccess.allows(.facilitator, .verify))
    #expect(RemoteAccess.allows(.keeper, .importEvents))
    // Error bodies map to statuses and exit codes.
    let body = RemoteErrorBody(try #require(refusal))
    #expect(body.status == 403)
    #expect(body.exitCode == 77)
    #expect(
      RemoteErrorBody(ValueError(field: "node", value: "", reason: "is empty")).field == "node")
    #expect(RemoteErrorBody.unauthorized("no token").exitCode == 77)
    #expect(RemoteErrorBody(error: "x", code: .unavailable).status == 503)
    #expect(RemoteErrorBody(error: "x", code: .busy).exitCode == 75)
    #expect(RemoteErrorBody(error: "x", code: .conflict).status == 409)
    #expect(RemoteErrorBody(error: "x", code: .badRequest).exitCode == 64)
  }
}
