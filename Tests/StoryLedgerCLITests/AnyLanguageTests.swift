import Foundation
import StoryLedger
import StoryLedgerCLI
import Testing

/// Text in every language and script goes in through every command that takes text and
/// comes back byte for byte from `story show`, `--json`, `log`, the export and the report.
@Suite("Any language, any script")
struct AnyLanguageTests {
  /// Texts in eight scripts: Bengali and Devanagari (combining vowel signs, the danda),
  /// Chinese (full-width punctuation), Arabic (right to left), Russian, Spanish in lower case
  /// with a decomposed accent (e + U+0301), and emoji joined by U+200D.
  static let texts = [
    "আমরা একসাথে হাঁটি, আর তাতে আস্থা তৈরি হয়।",
    "हम साथ चलते हैं और भरोसा बढ़ता है।",
    "我们一起散步，建立了信任。",
    "نمشي معًا، وهذا يبني الثقة",
    "мы гуляем вместе по вторникам",
    "porque el cafe\u{301} de los martes cambió la semana",
    "👩🏽‍⚕️🚶‍♀️💚",
    "Σιγά σιγά; όλοι μαζί",
  ]

  /// Node paths whose segments are words of those scripts.
  static let nodes = ["ভারত/ঢাকা", "ভারত/ঢাকা/القاهرة", "ভারত/ঢাকা/القاهرة/北京"]

  @Test func everyTextComesBackByteForByte() throws {
    let session = try Session()
    session.ok(["init", "--levels", "national,region,organisation,team", "--currency", "BDT"])
    session.ok(["node", "add", Self.nodes[2], "--parents"])
    let team = Self.nodes[2]
    let organisation = Self.nodes[1]
    let q2 = ["--period", "2026-Q2"]
    for (number, text) in Self.texts.enumerated() {
      let key = "s\(number)"
      let node = number % 2 == 0 ? team : organisation
      session.ok([
        "story", "tell", node, "--key", key, "--title", text, "--teller", text, "--tag", text,
        "--text", text, "--on", "2026-04-1\(number)", "--share", "national",
      ])
      session.ok(["story", "retell", key, "--text", text + " " + text, "--on", "2026-05-02"])
      session.ok([
        "item", "add", key, "--dimension", "calculating", "--visibility", "invisible",
        "--description", text, "--quantity", "3", "--unit", text, "--on", "2026-04-20",
      ])
      session.ok(["item", "evidence", "\(key)/i1", "--evidence", text, "--on", "2026-05-20"])
    }
    session.ok(["node", "rename", team, Self.texts[2]])
    // The dialogue: every reason, objection, response, feedback and pledge in every script.
    let selected = Self.texts.indices.filter { $0 % 2 == 0 }
    session.ok(
      ["select", team] + q2
        + selected.flatMap { ["--story", "s\($0)", "--reason", Self.texts[$0]] } + [
          "--by", Self.texts[1],
        ])
    session.ok(
      ["account", "propose", team] + q2 + ["--text", Self.texts[3], "--by", Self.texts[4]])
    for (number, text) in Self.texts.enumerated() {
      session.ok(["account", "object", team] + q2 + ["--reason", text, "--by", Self.texts[5]])
      session.ok(
        ["account", "respond", team] + q2 + [
          "--objection", String(number + 1), "--text", text, "--by", Self.texts[6],
        ])
      session.ok(["feedback", organisation, "--to", team, "--text", text, "--by", Self.texts[7]])
      session.ok(["pledge", "make", team, "--text", text, "--by", text, "--on", "2026-05-01"])
    }
    session.ok(["account", "settle", team] + q2 + ["--by", Self.texts[0]])

    // story show, for people and as JSON.
    for (number, text) in Self.texts.enumerated() {
      let bytes = Array(text.utf8)
      let shown = session.ok(["story", "show", "s\(number)"])
      #expect(Self.has(Array(shown.utf8), bytes), "story show s\(number)")
      #expect(Self.has(Array(shown.utf8), Array((text + " " + text).utf8)), "retelling s\(number)")
      let json = try session.json(["story", "show", "s\(number)"])
      #expect((json["title"] as? String).map { Array($0.utf8) } == bytes, "title of s\(number)")
      #expect((json["tellers"] as? [String])?.map { Array($0.utf8) } == [bytes])
      #expect((json["tags"] as? [String])?.map { Array($0.utf8) } == [bytes])
      var shownStrings = Set<[UInt8]>()
      Self.collectStrings(json, into: &shownStrings)
      #expect(shownStrings.contains(Array((text + " " + text).utf8)), "narrative of s\(number)")
      let items = try #require(json["items"] as? [[String: Any]])
      for field in ["description", "unit", "evidence"] {
        #expect(
          (items.first?[field] as? String).map { Array($0.utf8) } == bytes,
          "\(field) of s\(number)")
      }
    }

    // The log: every text, exactly, in its JSON strings.
    let log = session.ok(["log"])
    var strings = Set<[UInt8]>()
    for line in log.split(separator: "\n") {
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
      Self.collectStrings(object, into: &strings)
    }
    for text in Self.texts {
      #expect(strings.contains(Array(text.utf8)), "log misses \(text)")
      #expect(strings.contains(Array((text + " " + text).utf8)), "log misses \(text) twice")
    }
    for node in Self.nodes { #expect(strings.contains(Array(node.utf8)), "log misses \(node)") }

    // The accounts, the inbox and the pledges as JSON keep every dialogue text.
    var dialogue = Set<[UInt8]>()
    for command in [["accounts", team], ["inbox", team], ["pledges", team]] {
      let text = session.ok(command + ["--json"])
      Self.collectStrings(try JSONSerialization.jsonObject(with: Data(text.utf8)), into: &dialogue)
    }
    for text in Self.texts {
      #expect(dialogue.contains(Array(text.utf8)), "accounts, inbox or pledges miss \(text)")
    }

    // The export names the nodes byte for byte.
    let csv = session.ok(["export", "timeseries", "--period", "quarter", "--level", "team"])
    #expect(
      Self.has(Array(csv.utf8), Array("\n2026-04-01,2026-06-30,\(team),team,calculating,4,4,".utf8))
    )
    let organisations = session.ok([
      "export", "timeseries", "--period", "quarter", "--level", "organisation", "--format",
      "jsonl",
    ])
    var exported = Set<[UInt8]>()
    for line in organisations.split(separator: "\n") {
      Self.collectStrings(try JSONSerialization.jsonObject(with: Data(line.utf8)), into: &exported)
    }
    #expect(exported.contains(Array(organisation.utf8)))

    // The report shows the selected stories' titles and narratives, the reasons and the
    // account's narrative, byte for byte (none of these texts needs HTML escaping).
    let report = session.root.appending(path: "report.html")
    session.ok(["report", team, "--output", report.path, "--period", "2026-Q2"])
    let page = Array(try Data(contentsOf: report))
    for number in selected {
      #expect(
        Self.has(page, Array(Self.texts[number].utf8)), "the report misses \(Self.texts[number])")
    }
    #expect(Self.has(page, Array(Self.texts[3].utf8)), "the report misses the account's narrative")
  }

  /// A reason must say something: empty, blank or punctuation-only reasons are refused in
  /// every script's punctuation, with the ledger unchanged.
  @Test(arguments: ["   ", "…", "。", "।", "?!", " ، ", "\u{200B}"])
  func aReasonThatSaysNothingIsRefused(reason: String) throws {
    let session = try Session()
    session.ok(["init", "--levels", "national,region,organisation,team"])
    session.ok(["node", "add", "nhs/north/trust-7/ward-1", "--parents"])
    session.ok([
      "story", "tell", "nhs/north/trust-7/ward-1", "--key", "walk", "--title", "Walking",
      "--text", "We walk.", "--on", "2026-04-10",
    ])
    let before = try Data(contentsOf: session.ledger.appending(path: "events.log"))
    let result = session.run([
      "select", "nhs/north/trust-7/ward-1", "--period", "2026-Q2", "--story", "walk", "--reason",
      reason,
    ])
    #expect(result.status == 65 || result.status == 64, "\(result.error)")
    #expect(result.error.contains("reason"), "\(result.error)")
    #expect(try Data(contentsOf: session.ledger.appending(path: "events.log")) == before)
  }

  /// Whether `bytes` hold `wanted` anywhere.
  static func has(_ bytes: [UInt8], _ wanted: [UInt8]) -> Bool {
    guard !wanted.isEmpty, bytes.count >= wanted.count else { return wanted.isEmpty }
    for start in 0...(bytes.count - wanted.count) where bytes[start] == wanted[0] {
      if bytes[start..<(start + wanted.count)].elementsEqual(wanted) { return true }
    }
    return false
  }

  /// Every string in a parsed JSON value, as its UTF-8 bytes (Swift compares strings by
  /// canonical equivalence; bytes show a normalisation).
  static func collectStrings(_ value: Any, into strings: inout Set<[UInt8]>) {
    switch value {
    case let text as String: strings.insert(Array(text.utf8))
    case let array as [Any]: for element in array { collectStrings(element, into: &strings) }
    case let object as [String: Any]:
      for element in object.values { collectStrings(element, into: &strings) }
    default: break
    }
  }
}
