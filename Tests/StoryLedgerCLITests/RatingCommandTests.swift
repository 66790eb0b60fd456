import Foundation
import StoryLedger
import StoryLedgerCLI
import Testing

/// `item rate`, `item agree` and `export ratings` through the real commands (issue 18,
/// point 1): the spread in `story show`, `items` and `summary`, exit codes, idempotency,
/// and the erasure of a rater's name.
@Suite("item rate and item agree")
struct RatingCommandTests {
  private func setUp() throws -> Session {
    let session = try Session()
    session.ok(["init", "--levels", "national,region,organisation,team"])
    session.ok(["node", "add", "nhs/north/trust-7", "--parents"])
    session.ok([
      "story", "tell", "nhs/north/trust-7", "--key", "walk", "--title", "Walking", "--text",
      "We walk.", "--on", "2026-01-10",
    ])
    session.ok([
      "item", "add", "walk", "--dimension", "calibrating", "--visibility", "visible", "--weight",
      "3", "--description", "walking over driving", "--on", "2026-01-10",
    ])
    return session
  }

  @Test func ratingsAndTheAgreedValueShowTheirSpreadEverywhere() throws {
    let session = try setUp()
    #expect(
      session.ok([
        "item", "rate", "walk/i1", "--by", "Asha Patel", "--weight", "4", "--on", "2026-02-01",
      ])
      .trimmingCharacters(in: .newlines) == "walk/i1")
    session.ok(["item", "rate", "walk/i1", "--by", "李小龍", "--weight", "2", "--on", "2026-02-02"])
    session.ok([
      "item", "rate", "walk/i1", "--by", "نادية", "--weight", "5", "--on", "2026-02-03",
    ])
    session.ok([
      "item", "agree", "walk/i1", "--weight", "5", "--note", "acordado en el taller", "--on",
      "2026-02-10",
    ])
    let show = session.ok(["story", "show", "walk"])
    #expect(show.contains("i1  3 ratings, median 4 (2–5), agreed 5 (+1 from the median)"))
    #expect(show.contains("Asha Patel 4 (2026-02-01), 李小龍 2 (2026-02-02), نادية 5 (2026-02-03)"))
    #expect(show.contains("agreed value 5: acordado en el taller"))
    #expect(session.ok(["items", "nhs"]).contains("3 ratings, median 4 (2–5), agreed 5"))
    let summary = session.ok(["summary", "nhs"])
    #expect(summary.contains("ratings: 3 ratings of 1 item, median 4 (2–5)"))
    let json =
      try JSONSerialization.jsonObject(
        with: Data(session.ok(["summary", "nhs", "--json"]).utf8)) as? [String: Any]
    let total = json?["total"] as? [String: Any]
    let ratings = total?["ratings"] as? [String: Any]
    #expect(ratings?["median"] as? Double == 4)
    #expect(ratings?["median_distance"] as? Double == 1)
    let csv = session.ok(["export", "ratings", "--period", "quarter", "--level", "region"])
    #expect(
      csv == """
        period_start,period_end,node,level,dimension,ratings_recorded,items_rated,ratings,median,minimum,maximum,items_compared,median_distance
        2026-01-01,2026-03-31,nhs/north,region,capacitating,0,0,0,,,,0,
        2026-01-01,2026-03-31,nhs/north,region,calibrating,3,1,3,4,2,5,1,1
        2026-01-01,2026-03-31,nhs/north,region,calculating,0,0,0,,,,0,
        """)
    let report = session.ledger.deletingLastPathComponent().appending(path: "report.html")
    session.ok(["report", "nhs", "--output", report.path])
    let page = try String(contentsOf: report, encoding: .utf8)
    #expect(page.contains("Calibrating by many people"))
    #expect(!page.contains("李小龍"), "the report shows figures, not raters")
  }

  @Test func badInputIsRefusedWithItsExitCodeAndNothingWritten() throws {
    let session = try setUp()
    let log = session.ledger.appending(path: "events.log")
    let before = try Data(contentsOf: log)
    #expect(session.run(["item", "rate", "walk/i1", "--weight", "3"]).status == 64)
    #expect(session.run(["item", "rate", "walk/i1", "--by", "A", "--weight", "9"]).status == 64)
    #expect(session.run(["item", "agree", "walk/i1"]).status == 64)
    #expect(session.run(["item", "rate", "walk", "--by", "A", "--weight", "3"]).status == 64)
    let early = session.run([
      "item", "rate", "walk/i1", "--by", "A", "--weight", "3", "--on", "2025-12-31",
    ])
    #expect(early.status == 65 && early.error.contains("before item walk/i1 was recorded"))
    #expect(session.run(["item", "rate", "walk/i9", "--by", "A", "--weight", "3"]).status == 65)
    #expect(try Data(contentsOf: log) == before)
    #expect(session.ok(["item", "rate", "--help"]).contains("storyledger item rate"))
    #expect(session.ok(["export", "ratings", "--help"]).contains("median_distance"))
  }

  @Test func anIdempotencyKeyAddsTheRatingOnceAndErasureKeepsIt() throws {
    let session = try setUp()
    let command = [
      "item", "rate", "walk/i1", "--by", "Zoë Ångström", "--weight", "2", "--on", "2026-02-01",
      "--idempotency-key", "r1", "--json",
    ]
    #expect(session.ok(command).contains(#""repeat":false"#))
    #expect(session.ok(command).contains(#""repeat":true"#))
    session.ok(["item", "rate", "walk/i1", "--by", "Bo", "--weight", "4", "--on", "2026-02-02"])
    session.ok(["erase", "person", "Zoë Ångström"])
    let show = session.ok(["story", "show", "walk"])
    #expect(show.contains("2 ratings, median 3 (2–4)"))
    #expect(show.contains("(name erased) 2"))
    #expect(!session.ok(["log"]).contains("Zoë"))
    session.ok(["verify"])
  }
}

/// `item evidence --evidence-link --evidence-file` and `story verified` through the real
/// commands (issue 18, point 8).
@Suite("evidence that can be checked, story verified")
struct EvidenceCommandTests {
  @Test func evidenceCarriesALinkAndAFilesDigestAndAStoryIsVerified() throws {
    let session = try Session()
    session.ok(["init", "--levels", "national,region,organisation,team"])
    session.ok(["node", "add", "nhs/north/trust-7", "--parents"])
    session.ok([
      "story", "tell", "nhs/north/trust-7", "--key", "walk", "--title", "Walking", "--text",
      "We walk.", "--on", "2026-01-10",
    ])
    session.ok([
      "item", "add", "walk", "--dimension", "capacitating", "--visibility", "invisible", "--on",
      "2026-01-10",
    ])
    let file = session.ledger.deletingLastPathComponent().appending(path: "register.txt")
    try Data("abc".utf8).write(to: file)
    session.ok([
      "item", "evidence", "walk/i1", "--evidence-link", "https://example.org/r.pdf",
      "--evidence-file", file.path, "--on", "2026-03-01",
    ])
    session.ok([
      "story", "verified", "walk", "--by", "Dr Ioan Price", "--how",
      "Visited the ward and read the register.", "--on", "2026-03-05",
    ])
    let show = session.ok(["story", "show", "walk"])
    #expect(
      show.contains(
        "i1  link https://example.org/r.pdf; file SHA-256 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
      ))
    #expect(
      show.contains("verified 2026-03-05 by Dr Ioan Price: Visited the ward and read the register.")
    )
    #expect(session.ok(["log"]).contains(#""evidence_sha256":"ba7816bf"#))
    let missing = session.run(["item", "evidence", "walk/i1"])
    #expect(missing.status == 64)
    let badLink = session.run(["item", "evidence", "walk/i1", "--evidence-link", "nowhere"])
    #expect(badLink.status == 64 || badLink.status == 65)
    #expect(badLink.error.contains("scheme"))
    let noFile = session.run(["item", "evidence", "walk/i1", "--evidence-file", "/no/such/file"])
    #expect(noFile.status == 66)
    #expect(session.run(["story", "verified", "walk", "--by", "Bo"]).status == 64)
  }
}
