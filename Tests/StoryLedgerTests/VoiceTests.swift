import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger

/// Participants and the voices series (issue 18, point 6): who tells stories and whose get
/// selected at each level, checked row by row against a deliberately simple reference
/// computed from the test's own plan.
@Suite("Participants and the voices series")
struct VoiceTests {
  struct PlanStory {
    var key: String
    var node: String
    var tellers: [String]
    var told: String
    var retold: [String] = []
    var withdrawn = false
  }

  struct PlanSelection {
    var node: String
    var period: String
    var stories: [String]
  }

  struct PlanPerson {
    var name: String
    var attributes: [(String, String)]
    var consent: String?
  }

  static let people = [
    PlanPerson(
      name: "Amaka Obi", attributes: [("role", "patient"), ("group", "carers")],
      consent: "2026-01-05"),
    PlanPerson(name: "李小龍", attributes: [("role", "nurse"), ("言語", "中文")], consent: "2026-01-06"),
    PlanPerson(name: "Zoë Ångström", attributes: [("role", "doctor")], consent: nil),
    PlanPerson(name: "Sam", attributes: [("group", "staff")], consent: "2026-02-01"),
  ]

  static let stories = [
    PlanStory(
      key: "s0", node: "nhs/north/t1", tellers: ["Amaka Obi"], told: "2026-01-10",
      retold: ["2026-02-15"]),
    PlanStory(
      key: "s1", node: "nhs/north/t1", tellers: ["李小龍", "Zoë Ångström"], told: "2026-01-20"),
    PlanStory(
      key: "s2", node: "nhs/north/t2", tellers: ["Stranger"], told: "2026-02-03",
      retold: ["2026-04-02"]),
    PlanStory(key: "s3", node: "nhs/south/t3", tellers: [], told: "2026-03-01"),
    PlanStory(key: "s4", node: "nhs/south/t3", tellers: ["Sam", "Amaka Obi"], told: "2026-04-10"),
    PlanStory(
      key: "s5", node: "nhs/north/t2", tellers: ["Amaka Obi"], told: "2026-01-25",
      withdrawn: true),
    PlanStory(key: "s6", node: "nhs/north", tellers: ["Sam"], told: "2026-02-20"),
  ]

  /// In cascade order: a node chooses among its children's selections.
  static let selections = [
    PlanSelection(node: "nhs/north/t1", period: "2026-Q1", stories: ["s0", "s1"]),
    PlanSelection(node: "nhs/south/t3", period: "2026-Q1", stories: ["s3"]),
    PlanSelection(node: "nhs/north", period: "2026-Q1", stories: ["s0", "s6"]),
    PlanSelection(node: "nhs/south", period: "2026-Q1", stories: ["s3"]),
    PlanSelection(node: "nhs", period: "2026-Q1", stories: ["s0"]),
  ]

  /// The plan recorded in a ledger in memory, or in a directory at `url`.
  static func seeded(people: [PlanPerson] = people, at url: URL? = nil) throws -> Ledger {
    let configuration = try LedgerConfiguration(levels: ["nation", "region", "team"])
    let ledger =
      try url.map { try Ledger.create(at: $0, configuration: configuration) }
      ?? Ledger.create(in: InMemoryLog(), configuration: configuration)
    for node in ["nhs", "nhs/north", "nhs/north/t1", "nhs/north/t2", "nhs/south", "nhs/south/t3"] {
      try ledger.addNode(try path(node))
    }
    for person in people {
      try ledger.addParticipant(
        person.name, attributes: person.attributes.map { (key: $0.0, value: $0.1) },
        consent: try person.consent.map(day))
    }
    for story in stories {
      try ledger.tellStory(
        Ledger.NewStory(
          node: try path(story.node), title: "Story \(story.key)",
          narrative: "Told by \(story.tellers.joined(separator: " and ")).",
          on: try day(story.told), tellers: story.tellers, share: "nation", key: story.key))
      for retelling in story.retold {
        try ledger.retellStory(
          StoryRef(story.key), narrative: "Told again on \(retelling).", on: try day(retelling))
      }
      if story.withdrawn { try ledger.withdrawStory(StoryRef(story.key), reason: "Asked to.") }
    }
    for selection in selections {
      try ledger.selectStories(
        at: try path(selection.node), period: try DateRange(parsing: selection.period),
        choices: selection.stories.map { .init(story: $0, reason: "It mattered to people.") },
        by: "Ana")
    }
    return ledger
  }

  /// The series as the definitions say it, by brute force over the plan.
  static func reference(people: [PlanPerson], depth: Int, period: Period) throws -> [String] {
    let byName = Dictionary(uniqueKeysWithValues: people.map { ($0.name, $0) })
    func bytes(_ left: String, _ right: String) -> Bool {
      left.utf8.lexicographicallyPrecedes(right.utf8)
    }
    func nodeAt(_ node: String) -> String {
      node.split(separator: "/").prefix(depth).joined(separator: "/")
    }
    let active = stories.filter { !$0.withdrawn && $0.node.split(separator: "/").count >= depth }
    let consented = people.filter { $0.consent != nil }
    let keys = Set(consented.flatMap { $0.attributes.map(\.0) }).sorted(by: bytes)
    func group(_ teller: String, _ key: String) -> String {
      guard let person = byName[teller] else { return "(unknown)" }
      guard person.consent != nil else { return "(no consent)" }
      return person.attributes.first { $0.0 == key }?.1 ?? "(unset)"
    }
    func groups(_ story: PlanStory, _ key: String) -> Set<String> {
      story.tellers.isEmpty ? ["(unknown)"] : Set(story.tellers.map { group($0, key) })
    }
    var rowsOfGroups: [(String, String)] = [("(all)", "(all)")]
    for key in keys {
      var values = Set(
        consented.compactMap { person in person.attributes.first { $0.0 == key }?.1 })
      for story in active { values.formUnion(groups(story, key).filter { $0.hasPrefix("(") }) }
      rowsOfGroups += values.sorted(by: bytes).map { (key, $0) }
    }
    let activeKeys = Set(active.map(\.key))
    let counted = selections.filter { $0.node.split(separator: "/").count == depth }
    var days = try active.flatMap { try ([$0.told] + $0.retold).map(day) }
    for selection in counted
    where selection.stories.contains(where: { activeKeys.contains($0) }) {
      days.append(try DateRange(parsing: selection.period).end)
    }
    guard let first = days.min(), let last = days.max() else { return [] }
    let nodes = Set(active.map { nodeAt($0.node) }).sorted()
    var lines: [String] = []
    var start = period.start(of: first)
    while start <= last {
      let end = period.next(after: start).adding(days: -1)
      let range = DateRange(start: start, end: end)
      for node in nodes {
        for (key, value) in rowsOfGroups {
          func inGroup(_ story: PlanStory) -> Bool {
            key == "(all)" || groups(story, key).contains(value)
          }
          let here = active.filter { nodeAt($0.node) == node && inGroup($0) }
          let told = try here.filter { range.contains(try day($0.told)) }.count
          var tellings = 0
          var tellers = Set<String>()
          for story in here {
            let inPeriod = try ([story.told] + story.retold).filter { range.contains(try day($0)) }
            tellings += inPeriod.count
            if !inPeriod.isEmpty {
              tellers.formUnion(story.tellers.filter { key == "(all)" || group($0, key) == value })
            }
          }
          var selected = Set<String>()
          for selection in counted where selection.node == node {
            guard range.contains(try DateRange(parsing: selection.period).end) else { continue }
            selected.formUnion(selection.stories.filter { key in here.contains { $0.key == key } })
          }
          lines.append(
            "\(start),\(end),\(node),\(["nation", "region", "team"][depth - 1]),\(key),\(value),\(told),\(tellings),\(tellers.count),\(selected.count)"
          )
        }
      }
      start = period.next(after: start)
    }
    return lines
  }

  static func lines(_ ledger: Ledger, level: String, period: Period) throws -> [String] {
    var bytes: [UInt8] = []
    try ledger.voiceSeries(try TimeSeriesQuery(period: period, level: level)) {
      $0.append(as: .csv, to: &bytes)
    }
    return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
  }

  @Test(arguments: [("nation", Period.month), ("region", .quarter), ("team", .quarter)])
  func theSeriesIsTheReference(level: String, period: Period) throws {
    let ledger = try Self.seeded()
    let depth = ["nation", "region", "team"].firstIndex(of: level)! + 1
    let expected = try Self.reference(people: Self.people, depth: depth, period: period)
    let actual = try Self.lines(ledger, level: level, period: period)
    #expect(actual.count == expected.count)
    for (got, want) in zip(actual, expected) { #expect(got == want) }
  }

  /// The rows say what the plan says, worked by hand, not only what the reference does.
  @Test func rowsWorkedByHand() throws {
    let rows = try Self.lines(Self.seeded(), level: "region", period: .quarter)
    // North, first quarter: Amaka's story s0 (told, retold, chosen by the region); her
    // withdrawn story s5 is not counted.
    #expect(rows.contains("2026-01-01,2026-03-31,nhs/north,region,role,patient,1,2,1,1"))
    // s1 is told by 李小龍 (a nurse) and Zoë, whose consent is not recorded.
    #expect(rows.contains("2026-01-01,2026-03-31,nhs/north,region,role,(no consent),1,1,1,0"))
    #expect(rows.contains("2026-01-01,2026-03-31,nhs/north,region,role,nurse,1,1,1,0"))
    // Every story once: s0, s1, s2 and s6 (Sam's, told at the region itself).
    #expect(rows.contains("2026-01-01,2026-03-31,nhs/north,region,(all),(all),4,5,5,2"))
    // South: s3 has no teller, so its group is (unknown) for every attribute.
    #expect(rows.contains("2026-01-01,2026-03-31,nhs/south,region,group,(unknown),1,1,0,1"))
    #expect(rows.count == 2 * 2 * 15)
  }

  /// The report's section, worked by hand from the plan: the first quarter, from the top.
  @Test func theReportShowsWhoseStoriesEachLevelSelected() throws {
    let report = try Self.seeded().report(
      of: try path("nhs"), range: try DateRange(parsing: "2026-Q1"))
    let voices = try #require(report.voices)
    #expect(voices.levels == ["nation", "region", "team"])
    // s0, s1, s2, s3 and s6 (s4 is told in April, s5 was withdrawn).
    #expect(voices.all.storiesTold == 5)
    #expect(voices.all.tellers == 5)
    // nhs chose s0; the regions s0, s6 and s3; the teams s0, s1 and s3.
    #expect(voices.all.selected == [1, 3, 3])
    let role = try #require(voices.attributes.first { $0.key == "role" })
    #expect(
      role.groups.map(\.value) == ["(no consent)", "(unknown)", "(unset)", "nurse", "patient"])
    let patient = try #require(role.groups.first { $0.value == "patient" })
    #expect(patient.storiesTold == 1)
    #expect(patient.selected == [1, 1, 1])
    let unknown = try #require(role.groups.first { $0.value == "(unknown)" })
    #expect(unknown.storiesTold == 2)  // Stranger's s2 and the tellerless s3
    #expect(unknown.selected == [0, 1, 1])
    let html = report.html()
    #expect(html.contains("<h2 id=\"voices-heading\">Whose voice is heard</h2>"))
    #expect(html.contains("<caption>By 言語</caption>"))
  }

  @Test func aDescriptionChangesKeyByKeyAndNothingIsRecordedWhenNothingChanges() throws {
    let ledger = try Self.seeded()
    let before = ledger.head.sequence
    try ledger.addParticipant("  Sam ", attributes: [(key: "group", value: "staff")])
    #expect(ledger.head.sequence == before)
    try ledger.addParticipant("Sam", attributes: [(key: "GROUP", value: "governors")])
    try ledger.addParticipant("Sam", attributes: [(key: "band", value: "7")])
    var sam = try #require(ledger.participants.first { $0.name == "Sam" })
    // GROUP is Amaka's group: one key, spelt as first used.
    #expect(sam.attributes == ["group": "governors", "band": "7"])
    #expect(sam.consent == (try day("2026-02-01")))
    #expect(sam.stories == 2)
    try ledger.addParticipant("Sam", attributes: [(key: "band", value: "")])
    sam = try #require(ledger.participants.first { $0.name == "Sam" })
    #expect(sam.attributes == ["group": "governors"])
    #expect(throws: LedgerError.self) { try ledger.addParticipant(" ") }
    #expect(throws: LedgerError.self) {
      try ledger.addParticipant("Sam", attributes: [(key: "role", value: "a\u{7}b")])
    }
    #expect(throws: LedgerError.self) {
      try ledger.addParticipant("Sam", attributes: [(key: "", value: "x")])
    }
    #expect(ledger.participants.map(\.name) == ["Amaka Obi", "李小龍", "Zoë Ångström", "Sam"])
  }

  @Test func erasingAPersonErasesTheirDescriptionAndTheirStoriesCountAsUnknown() throws {
    let directory = try TemporaryDirectory()
    let url = directory.url.appending(path: "ledger")
    let ledger = try Self.seeded(at: url)
    let result = try ledger.eraseParticipant("Amaka Obi", reason: "asked to be forgotten")
    #expect(result.erased.count == 1)
    #expect(result.unerasable.isEmpty)
    #expect(!ledger.participants.contains { $0.name == "Amaka Obi" })
    #expect(try ledger.verify().isIntact)
    let remaining = Self.people.filter { $0.name != "Amaka Obi" }
    #expect(
      try Self.lines(ledger, level: "region", period: .quarter)
        == (try Self.reference(people: remaining, depth: 2, period: .quarter)))
    // Nothing of her description is left in the log, the snapshot or a reopened ledger.
    var described: [ParticipantAdded] = []
    try ledger.forEachEvent {
      if case .participantAdded(let added) = $0.payload { described.append(added) }
    }
    #expect(described.filter { $0.name.isEmpty } == [ParticipantAdded(name: "")])
    try ledger.writeSnapshot()
    let reopened = try Ledger.open(at: url)
    #expect(reopened.participants == ledger.participants)
    #expect(reopened.participants.count == 3)
  }
}
