import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger

/// Evidence that can be checked and stories verified (issue 18, point 8): a link and an
/// evidence file's SHA-256 digest on item events (schema version 2), and `story.verified`
/// with its verifier's name erasable.
@Suite("Evidence that can be checked")
struct EvidenceCheckTests {
  static func seeded() throws -> (Ledger, ItemRef) {
    let ledger = try Ledger.create(
      in: InMemoryLog(), configuration: try LedgerConfiguration(levels: ["region", "team"]))
    try ledger.addNode(try path("north"))
    try ledger.addNode(try path("north/t1"))
    let story = try ledger.tellStory(
      Ledger.NewStory(
        node: try path("north/t1"), title: "Walks", narrative: "We walked.",
        on: try day("2026-01-05")))
    let item = try ledger.addItem(
      to: story.ref, dimension: .capacitating, on: try day("2026-01-05"),
      facts: ItemFacts(visibility: .invisible))
    return (ledger, item.ref)
  }

  @Test func aLinkAndAFilesDigestAreRecordedAndShown() throws {
    let directory = try TemporaryDirectory()
    let file = directory.url.appending(path: "register.pdf")
    try Data("abc".utf8).write(to: file)
    let digest = try EvidenceLink.digest(ofFileAt: file)
    // The published test vector of SHA-256("abc").
    #expect(digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    let (ledger, item) = try Self.seeded()
    try ledger.attachEvidence(
      to: item, evidence: nil, link: "https://example.org/registers/مارس.pdf", digest: digest,
      on: try day("2026-03-01"))
    let view = try #require(try ledger.storyHistory(item.story).items.first)
    #expect(view.visibility == .visible)
    #expect(view.evidenceLink == "https://example.org/registers/مارس.pdf")
    #expect(view.evidenceDigest == digest)
    #expect(view.evidence == nil)
    let entry = try #require(
      try ledger.storyHistory(item.story).entries.first { $0.kind == .madeVisible })
    #expect(entry.text.contains("evidence file SHA-256: \(digest)"))
    var types: [String: UInt16] = [:]
    try ledger.forEachEvent { types[$0.payload.type.name] = $0.schemaVersion }
    #expect(types["item.revised"] == 2 && types["item.recorded"] == 2)
  }

  @Test(arguments: [
    ("example.org/x", "scheme"), ("https://exa mple.org", "space"), ("", "empty"),
    ("1http://x", "scheme"),
  ])
  func badLinksAreRefused(link: String, reason: String) throws {
    let (ledger, item) = try Self.seeded()
    #expect {
      try ledger.attachEvidence(to: item, evidence: nil, link: link)
    } throws: { "\($0)".contains(reason) }
  }

  @Test func aBadDigestIsRefused() throws {
    let (ledger, item) = try Self.seeded()
    for digest in ["abc", String(repeating: "G", count: 64), String(repeating: "A", count: 64)] {
      #expect {
        try ledger.attachEvidence(to: item, evidence: nil, digest: digest)
      } throws: { "\($0)".contains("64 hexadecimal") }
    }
    #expect(throws: LedgerError.self) {
      try EvidenceLink.digest(ofFileAt: URL(filePath: "/no/such/file"))
    }
  }

  @Test func oldItemEventsOfSchemaVersionOneStillRead() throws {
    // A version-1 record's facts: the mask without the "more" bit decodes as before.
    var writer = ByteWriter()
    ItemFactsCodec.write(ItemFacts(visibility: .visible, evidence: "register"), into: &writer)
    let facts = try writer.bytes.withUnsafeBytes { raw in
      var reader = ByteReader(raw)
      return try ItemFactsCodec.read(&reader)
    }
    #expect(facts == ItemFacts(visibility: .visible, evidence: "register"))
    #expect(writer.bytes.first == 0b0100_0001)
  }

  @Test func aVerificationIsRecordedShownAndItsVerifierErasable() throws {
    let directory = try TemporaryDirectory()
    let location = directory.url.appending(path: "ledger")
    let ledger = try Ledger.create(
      at: location, configuration: try LedgerConfiguration(levels: ["region", "team"]))
    try ledger.addNode(try path("north"))
    try ledger.addNode(try path("north/t1"))
    try ledger.addNode(try path("north/t2"))
    let story = try ledger.tellStory(
      Ledger.NewStory(
        node: try path("north/t1"), title: "Walks", narrative: "We walked.",
        on: try day("2026-01-05"))
    ).ref
    try ledger.verifyStory(
      story, by: "李小龍", how: "与护士长面谈，核对了记录。", on: try day("2026-02-01"))
    let history = try ledger.storyHistory(story)
    #expect(
      history.verifications == [
        VerificationView(by: "李小龍", how: "与护士长面谈，核对了记录。", on: try day("2026-02-01"))
      ])
    #expect(history.entries.contains { $0.kind == .verified && $0.text.contains("李小龍") })
    let outside = try ledger.storyHistory(story, viewer: .node(try path("north/t2")))
    #expect(outside.verifications.first?.by == RecordedEvent.withheldMark)
    #expect(throws: LedgerError.self) {
      try ledger.verifyStory(story, by: "Bo", how: " … ", on: try day("2026-02-01"))
    }
    #expect(throws: LedgerError.self) {
      try ledger.verifyStory(story, by: "Bo", how: "Visited.", on: try day("2025-02-01"))
    }
    #expect(throws: LedgerError.self) {
      try ledger.verifyStory(story, by: " ", how: "Visited.")
    }
    #expect(try ledger.eraseParticipant("李小龍").erased.count == 1)
    #expect(try ledger.storyHistory(story).verifications.first?.by == "")
    #expect(try ledger.verify().isIntact)
    #expect(try Ledger.open(at: location).storyHistory(story).verifications.count == 1)
  }
}
