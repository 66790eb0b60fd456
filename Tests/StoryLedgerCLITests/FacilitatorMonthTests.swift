import Foundation
import StoryLedger
import StoryLedgerCLI
import StoryLedgerTestSupport
import Testing

/// A ledger directory and the tool run in process against it.
final class Session {
  let root: URL
  let ledger: URL

  init() throws {
    root = try makeTemporaryDirectory(prefix: "storyledger-cli")
    ledger = root.appending(path: "ledger")
  }

  deinit { try? FileManager.default.removeItem(at: root) }

  struct Result {
    var status: Int32
    var output: String
    var error: String
  }

  /// Runs `storyledger ARGUMENTS` with `input` on standard input.
  @discardableResult
  func run(_ arguments: [String], input: String = "") -> Result {
    let (console, capture) = Console.capturing(input: Array(input.utf8))
    let status = StoryLedgerTool.run(
      arguments, environment: ["STORYLEDGER_DIR": ledger.path, "USER": "facilitator"],
      currentDirectory: root.path, console: console)
    return Result(status: status.rawValue, output: capture.output, error: capture.error)
  }

  /// Runs a command that must succeed; returns its standard output without the last newline.
  @discardableResult
  func ok(
    _ arguments: [String], input: String = "", sourceLocation: SourceLocation = #_sourceLocation
  )
    -> String
  {
    let result = run(arguments, input: input)
    #expect(result.status == 0, "\(arguments): \(result.error)", sourceLocation: sourceLocation)
    return result.output.trimmingCharacters(in: .newlines)
  }

  /// The JSON object a `--json` command printed.
  func json(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws
    -> [String: Any]
  {
    let text = ok(arguments + ["--json"], sourceLocation: sourceLocation)
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(object as? [String: Any], sourceLocation: sourceLocation)
  }

  /// Every byte of every file in the ledger directory.
  func ledgerBytes() throws -> [(String, Data)] {
    let names = try FileManager.default.contentsOfDirectory(atPath: ledger.path)
    return try names.map { ($0, try Data(contentsOf: ledger.appending(path: $0))) }
  }
}

@Suite("A facilitator's month through the CLI")
struct FacilitatorMonthTests {
  @Test func aMonthOfRecordingShowsInEveryView() throws {
    let session = try Session()
    session.ok(["init", "--levels", "national,region,organisation,team", "--currency", "GBP"])
    // Build the hierarchy.
    session.ok(["node", "add", "nhs", "--name", "NHS England"])
    session.ok(["node", "add", "nhs/north", "--name", "North"])
    session.ok(["node", "add", "nhs/south", "--name", "South"])
    session.ok(["node", "add", "nhs/north/trust-7/ward-3", "--parents"])
    session.ok(["node", "rename", "nhs/north/trust-7", "Trust Seven"])
    // Tell a story with its narrative on standard input, and another from a file.
    let walking = session.ok(
      [
        "story", "tell", "nhs/north/trust-7/ward-3", "--title", "Walking clinics", "--teller",
        "Asha Quillfeather", "--tag", "walking", "--share", "region", "--on", "2026-03-02",
      ], input: "We began walking our clinics in the park.")
    #expect(walking.count == 6)
    let file = session.root.appending(path: "huddle.txt")
    try "Night shift huddles at 3am.".write(to: file, atomically: true, encoding: .utf8)
    let huddles = session.ok([
      "story", "tell", "nhs/north/trust-7", "--title", "Night huddles", "--file", file.path,
      "--on", "2026-03-05", "--key", "huddles",
    ])
    #expect(huddles == "huddles")
    // Items in three boxes, evidence, a revision, a retelling.
    #expect(
      session.ok([
        "item", "add", walking, "--dimension", "capacitating", "--visibility", "invisible",
        "--description", "a network of walkers", "--on", "2026-03-02",
      ]) == "\(walking)/i1")
    session.ok([
      "item", "add", String(walking.prefix(4)), "--dimension", "calculating", "--visibility",
      "visible", "--quantity", "120", "--unit", "appointments", "--monetised", "5400.00",
      "--weight", "4", "--on", "2026-03-03",
    ])
    session.ok([
      "item", "add", "huddles", "--key", "calm", "--dimension", "calibrating", "--visibility",
      "invisible", "--monetised", "300", "--on", "2026-03-05",
    ])
    session.ok([
      "item", "evidence", "\(walking)/i1", "--evidence", "attendance register", "--on",
      "2026-03-20",
    ])
    session.ok(["item", "revise", "\(walking)/i2", "--monetised", "6100.00", "--on", "2026-03-25"])
    session.ok(
      ["story", "retell", walking, "--on", "2026-03-28"], input: "Now the walks are weekly.")
    session.ok(["story", "update", "huddles", "--tag", "nights", "--tag", "safety"])

    // The story's history, in date order, with the movement to visible.
    let history = try session.json(["story", "show", walking])
    #expect(history["title"] as? String == "Walking clinics")
    #expect(history["tellers"] as? [String] == ["Asha Quillfeather"])
    #expect(history["version"] as? Int == 7)
    let entries = try #require(history["entries"] as? [[String: Any]])
    #expect(
      entries.map { $0["kind"] as? String ?? "" } == [
        "told", "telling", "item-recorded", "item-recorded", "made-visible", "item-revised",
        "telling",
      ])
    #expect(
      entries.map { $0["on"] as? String ?? "" }.sorted()
        == entries.map { $0["on"] as? String ?? "" })
    #expect(entries[6]["text"] as? String == "Now the walks are weekly.")
    let items = try #require(history["items"] as? [[String: Any]])
    #expect(items.count == 2)
    #expect(items[0]["visibility"] as? String == "visible")
    #expect(items[0]["evidence"] as? String == "attendance register")
    #expect(items[1]["monetised"] as? String == "6100.00")
    #expect(items[1]["quantity"] as? String == "120")

    // Summary and cascade agree with what was recorded.
    let summary = try session.json(["summary", "nhs"])
    let total = try #require(summary["total"] as? [String: Any])
    #expect(total["stories"] as? Int == 2)
    let boxes = try #require(total["boxes"] as? [String: [String: [String: Any]]])
    #expect(boxes["capacitating"]?["visible"]?["items"] as? Int == 1)
    #expect(boxes["calculating"]?["visible"]?["monetised"] as? String == "6100.00")
    #expect(boxes["calibrating"]?["invisible"]?["monetised"] as? String == "300.00")
    let cascade = try session.json(["cascade", "up", "nhs", "--period", "2026-03", "--depth", "3"])
    let levels = try #require(cascade["levels"] as? [[String: Any]])
    #expect(
      levels.map { $0["level"] as? String ?? "" } == ["national", "region", "organisation", "team"])
    let teamTotal = try #require(levels[3]["total"] as? [String: Any])
    #expect(teamTotal["stories"] as? Int == 1)  // the walking story, told at the ward
    #expect(teamTotal["made_visible"] as? [Int] == [1, 0, 0])
    let organisationTotal = try #require(levels[2]["total"] as? [String: Any])
    #expect(organisationTotal["stories"] as? Int == 2)
    let down = try session.json(["cascade", "down", "nhs/north/trust-7/ward-3"])
    #expect((down["ancestors"] as? [[String: Any]])?.count == 3)

    // The tree counts stories and items per subtree.
    let tree = session.ok(["tree", "nhs/north"])
    #expect(tree.contains("trust-7"))
    let treeJSON = session.ok(["tree", "--json"])
    let nodes = try #require(
      try JSONSerialization.jsonObject(with: Data(treeJSON.utf8)) as? [[String: Any]])
    let trust = try #require(nodes.first { $0["node"] as? String == "nhs/north/trust-7" })
    #expect(trust["stories"] as? Int == 2)
    #expect(trust["items"] as? Int == 3)
    #expect(trust["name"] as? String == "Trust Seven")

    // Items with filters.
    let invisible = try session.json(["items", "nhs", "--visibility", "invisible"])
    let invisibleItems = try #require(invisible["items"] as? [[String: Any]])
    #expect(invisibleItems.map { $0["item"] as? String } == ["calm"])
    let march = try session.json(["items", walking, "--to", "2026-03-10"])
    let marchItems = try #require(march["items"] as? [[String: Any]])
    #expect(marchItems.map { $0["visibility"] as? String } == ["invisible", "visible"])

    // Move the organisation under the south: figures follow the hierarchy as it stands.
    #expect(session.ok(["node", "move", "nhs/north/trust-7", "nhs/south"]) == "nhs/south/trust-7")
    let south = try session.json(["summary", "nhs/south"])
    #expect((south["total"] as? [String: Any])?["stories"] as? Int == 2)
    let old = session.run(["summary", "nhs/north/trust-7"])
    #expect(old.status == 65)
    #expect(old.error.contains("it is now nhs/south/trust-7"))

    // The exported time series matches what was recorded.
    let export = session.ok([
      "export", "timeseries", "--period", "month", "--level", "organisation",
    ])
    let rows = export.split(separator: "\n").map(String.init)
    #expect(rows.first == TimeSeriesRow.columns.joined(separator: ","))
    #expect(
      rows.contains(
        "2026-03-01,2026-03-31,nhs/south/trust-7,organisation,capacitating,1,1,1,1,0,0.00,0.00"))
    #expect(
      rows.contains(
        "2026-03-01,2026-03-31,nhs/south/trust-7,organisation,calculating,1,1,0,1,0,6100.00,0.00"))
    #expect(
      rows.contains(
        "2026-03-01,2026-03-31,nhs/south/trust-7,organisation,calibrating,1,1,0,0,1,0.00,300.00"))

    // Withdraw and erase the walking story: its figures leave, its text leaves every file.
    session.ok(["story", "withdraw", walking, "--erase", "--reason", "teller asked"])
    let after = try session.json(["summary", "nhs"])
    #expect((after["total"] as? [String: Any])?["stories"] as? Int == 1)
    for (name, bytes) in try session.ledgerBytes() {
      for secret in ["Asha Quillfeather", "walking our clinics", "walks are weekly"] {
        #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) is still in \(name)")
      }
    }
    let verified = session.run(["verify"])
    #expect(verified.status == 0, "\(verified.output)\(verified.error)")
    let erased = try session.json(["story", "show", walking])
    #expect(erased["status"] as? String == "erased")
    #expect(erased["tellers"] as? [String] == [])
    // A withdrawn story takes nothing more.
    let revise = session.run(["item", "revise", "\(walking)/i2", "--weight", "2"])
    #expect(revise.status == 65)
    #expect(revise.error.contains("withdrawn"))
    // The log lists the events of the remaining story by prefix.
    let log = session.ok(["log", "--story", "hudd", "--type", "story.updated"])
    #expect(log.split(separator: "\n").count == 1)
    #expect(log.contains("\"tags\":[\"nights\",\"safety\"]"))
  }

  @Test func safeWritesRefuseConflictsAndRepeatNothing() throws {
    let session = try Session()
    session.ok(["init"])
    session.ok(["node", "add", "england"])
    let first = session.ok(
      ["story", "tell", "england", "--title", "T", "--text", "n", "--idempotency-key", "tell-1"])
    let again = session.run(
      ["story", "tell", "england", "--title", "T", "--text", "n", "--idempotency-key", "tell-1"])
    #expect(again.status == 0)
    #expect(again.output.trimmingCharacters(in: .newlines) == first)
    #expect(again.error.contains("nothing was added"))
    let shown = try session.json(["story", "show", first])
    #expect(shown["version"] as? Int == 2)
    let conflict = session.run([
      "item", "add", first, "--dimension", "calculating", "--visibility", "visible",
      "--expect-version", "1",
    ])
    #expect(conflict.status == 65)
    #expect(conflict.error.contains("version 2, not 1"))
    session.ok([
      "item", "add", first, "--dimension", "calculating", "--visibility", "visible",
      "--expect-version", "2",
    ])
    let items = try session.json(["items", first])
    #expect((items["items"] as? [Any])?.count == 1)
  }

  @Test(arguments: [
    (["story", "show", "zzzz"], Int32(65), "no story zzzz"),
    (
      ["item", "add", "S", "--dimension", "capacitive", "--visibility", "visible"], 64,
      "valid values: capacitating"
    ),
    (
      ["item", "add", "S", "--dimension", "calculating", "--visibility", "seen"], 64,
      "valid values: visible, invisible"
    ),
    (
      [
        "item", "add", "S", "--dimension", "calculating", "--visibility", "visible", "--monetised",
        "1.234",
      ], 64, "--monetised"
    ),
    (
      [
        "item", "add", "S", "--dimension", "calculating", "--visibility", "visible", "--monetised",
        "ten",
      ], 64, "--monetised"
    ),
    (
      [
        "item", "add", "S", "--dimension", "calculating", "--visibility", "visible", "--on",
        "2026-13-01",
      ], 64, "--on"
    ),
    (["item", "revise", "S/nope", "--weight", "3"], 65, "no item S/nope"),
    (
      ["story", "tell", "nhs/a", "--title", "T", "--text", "x", "--share", "planet"], 64,
      "valid values: national"
    ),
    (["story", "tell", "nhs/zz", "--title", "T", "--text", "x"], 65, "no node nhs/zz"),
    (["story", "tell", "nhs/a", "--title", "T", "--file", "missing.txt"], 66, "does not exist"),
    (["story", "tell", "nhs/a", "--title", "T", "--file", "latin1.txt"], 65, "not UTF-8"),
    (["node", "move", "nhs", "nhs/a"], 65, "one of its own descendants"),
    (["node", "retire", "nhs/a"], 65, "--force"),
    (["node", "add", "nhs/a/b/c/d/e"], 65, "6 levels deep"),
    (["story", "show", "S0"], 65, "ambiguous"),
    (["node", "ad", "x"], 64, "did you mean `node add`"),
    (["story"], 64, "needs one of: tell, retell"),
    (["items", "--visibilty", "visible"], 64, "did you mean --visibility"),
  ])
  func badInputGetsAClearErrorAndChangesNothing(
    arguments: [String], status: Int32, message: String
  ) throws {
    let session = try Session()
    session.ok(["init"])
    session.ok(["node", "add", "nhs/a", "--parents"])
    session.ok(["story", "tell", "nhs/a", "--title", "One", "--text", "x", "--key", "S01"])
    session.ok(["story", "tell", "nhs/a", "--title", "Two", "--text", "y", "--key", "S02"])
    session.ok(["story", "tell", "nhs/a", "--title", "Three", "--text", "z", "--key", "S"])
    try Data([0x63, 0x61, 0x66, 0xE9]).write(to: session.root.appending(path: "latin1.txt"))
    let before = try Data(contentsOf: session.ledger.appending(path: "events.log"))
    let result = session.run(arguments)
    #expect(result.status == status, "\(result.error)")
    #expect(result.error.contains(message), "\(result.error)")
    #expect(!result.error.contains("Fatal error"))
    let after = try Data(contentsOf: session.ledger.appending(path: "events.log"))
    #expect(before == after)
  }
}

@Suite("Text for people")
struct PrintableTextTests {
  @Test func terminalEscapesInUserTextNeverReachTheTerminal() throws {
    let session = try Session()
    session.ok(["init"])
    session.ok(["node", "add", "nhs"])
    let title = "Bold \u{1B}[1mmove\u{1B}[0m\u{07}"
    let key = session.ok([
      "story", "tell", "nhs", "--title", title, "--text", "line one\nline two\u{1B}]0;pwned\u{07}",
    ])
    let shown = session.run(["story", "show", key])
    #expect(shown.status == 0)
    #expect(!shown.output.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
    #expect(shown.output.contains("Bold \u{FFFD}[1mmove\u{FFFD}[0m\u{FFFD}"))
    #expect(shown.output.contains("line one\n"))
    // Machine output keeps the text exactly, escaped as JSON.
    let json = try session.json(["story", "show", key])
    #expect(json["title"] as? String == title)
  }
}
