import Foundation
import StoryLedger
import Testing

/// A NarraFirma story-collection export: a checkbox question, a choice, a scale, a boolean, a
/// participant question (personal, by the story form), stories in English, French, German and
/// Japanese; one cell quoted for its comma.
private let narraFirmaStories = """
  Story title,Story text,Collection date,Language,Eliciting question,Feel about,Feel about,Feel about,Needed,Amount of trust,Told before,Age group
  ;,,,,,hopeful,frustrated,supported,,,,
  Walking clinics,"We walked, and we talked.",2026-01-05,English,Best or worst,hopeful,,supported,trust,80,true,35-50
  Le projet du ciel,Nous avons appris ensemble à l'hôpital.,2026-01-20,Français,Best or worst,,frustrated,,respect,40,false,under 35
  Die Nachtschicht,Wir haben einander vertraut. Größer als gedacht.,2026-02-03,Deutsch,Surprise,hopeful,,,trust,70,,over 50
  東京の話,チームは信頼を築いた。,2026-02-10,日本語,Surprise,,,supported,trust,69,yes,

  """

private let narraFirmaForm = """
  Data column name,Type,About,Short name,Long name,Options,Answers
  Eliciting question,eliciting,eliciting,Eliciting question,Eliciting question,,Best or worst|What was your best or worst moment?,Surprise|What surprised you?
  Feel about,Multi-choice multi-column texts,story,Feel about,How do you feel about this story?,,hopeful,frustrated,supported
  Needed,Single choice,story,Needed,What was needed?,,trust,respect,time
  Amount of trust,Scale,story,Amount of trust,How much trust was there?,,none,complete
  Told before,Boolean,story,Told before,Have you told this story before?,,
  Age group,Single choice,participant,Age group,How old are you?,,under 35,35-50,over 50

  """

/// The mapping of the issue's examples: "trust" to Needed and a trust of at least 70.
private let narraFirmaMapping = """
  { "items": [
      { "question": "Needed", "equals": "trust", "item": "trust", "dimension": "calibrating",
        "visibility": "invisible", "description": "trust was what they needed" },
      { "question": "Amount of trust", "atLeast": 70, "dimension": "calibrating",
        "visibility": "invisible", "weight": 4 } ] }
  """

/// The fixture's stories as the test reads them, independently of the parser.
private struct FixtureStory {
  var title: String
  var text: String
  var date: String
  var language: String
  var feel: [String]
  var needed: String
  var trust: Int
  var key: String {
    ExternalStory.contentKey(
      prefix: "nf", title: title, text: text, date: try? Day(parsing: date))
  }
}

private let fixture = [
  FixtureStory(
    title: "Walking clinics", text: "We walked, and we talked.", date: "2026-01-05",
    language: "English", feel: ["hopeful", "supported"], needed: "trust", trust: 80),
  FixtureStory(
    title: "Le projet du ciel", text: "Nous avons appris ensemble à l'hôpital.",
    date: "2026-01-20", language: "Français", feel: ["frustrated"], needed: "respect", trust: 40),
  FixtureStory(
    title: "Die Nachtschicht", text: "Wir haben einander vertraut. Größer als gedacht.",
    date: "2026-02-03", language: "Deutsch", feel: ["hopeful"], needed: "trust", trust: 70),
  FixtureStory(
    title: "東京の話", text: "チームは信頼を築いた。", date: "2026-02-10", language: "日本語",
    feel: ["supported"], needed: "trust", trust: 69),
]

private let fragment = "ca82ba5d-6102-4f69-94da-76c38c28ce9b"
private let about = "34036c12-d36a-4808-bfab-c42538cc9bdf"
private let feelings = "e533b24f-1ac4-4506-8b10-0b1169cc7282"
private let dyad = "b662e7f4-41b0-4525-8685-26c2a685d67d"
private let earned = "410d59fd-ee4b-4383-b16d-b9f10fb4a788"
private let given = "82a858b9-fe4f-4df7-aefb-001110e0e23a"

private let senseMakerDefinition = """
  { "id": ["b1ad76ca"], "fragment_signifier_id": ["\(fragment)"],
    "sections": [ { "id": "s1", "title": "Story", "signifiers": [
      { "id": "\(fragment)", "type": "freetext", "fragment": true, "title": "<div>Tell us</div>" },
      { "id": "\(about)", "type": "list", "title": "Who was it about?",
        "content": { "max_responses": 1, "items": [ { "id": "me", "title": "Me" },
                                                   { "id": "team", "title": "My team" } ] } },
      { "id": "\(feelings)", "type": "list", "title": "Feelings",
        "content": { "max_responses": [3], "items": [ { "id": "m1", "title": "Hopeful" },
                                                     { "id": "m2", "title": "Angry" } ] } },
      { "id": "\(dyad)", "type": "dyad", "allow_na": true, "title": "Trust was",
        "content": { "labels": [ { "id": "\(earned)", "text": "Earned" },
                                 { "id": "\(given)", "text": "Given" } ] } } ] } ] }
  """

private let senseMakerData = """
  id,server_upload_time,responder_id,language,\(fragment),\(about),\(feelings)_m1,\(feelings)_m2,\(dyad)_percentX,\(dyad)_\(earned),\(dyad)_\(given),\(dyad)_NA
  r-1,1617235200000,p-17,es,"Confiamos en el equipo, por fin.",team,1,,0.75,0.25,0.75,
  r-2,1617321600000,p-18,en,I asked and nobody answered.,me,,1,0.2,0.8,0.2,

  """

@Suite struct ExternalImportCommandTests {
  private func session() throws -> Session {
    let session = try Session()
    session.ok(["init", "--levels", "national,region,team", "--currency", "GBP"])
    try write(narraFirmaStories, to: "stories.csv", in: session)
    try write(narraFirmaForm, to: "form.csv", in: session)
    try write(narraFirmaMapping, to: "map.json", in: session)
    return session
  }

  private func write(_ text: String, to name: String, in session: Session) throws {
    try Data(text.utf8).write(to: session.root.appending(path: name))
  }

  private let narraFirma = [
    "import", "--format", "narrafirma", "stories.csv", "--story-form", "form.csv", "--node",
    "nhs/north",
  ]

  @Test func aNarraFirmaExportComesInWithItsAnswersAndTheMappedItems() throws {
    let session = try session()
    let counts = try session.json(narraFirma + ["--mapping", "map.json"])
    #expect(counts["stories_added"] as? Int == 4)
    #expect(counts["tellings"] as? Int == 4)
    // Language, eliciting question, feel, needed, trust, told before (3 of 4), age (3 of 4).
    #expect(counts["answers"] as? Int == 4 * 5 + 3 + 3)
    #expect(counts["items"] as? Int == 5)
    #expect(counts["nodes"] as? Int == 2)

    let first = try session.json(["story", "show", fixture[0].key])
    let answers = try #require(first["answers"] as? [[String: Any]])
    #expect(
      answers.map { "\($0["question"] ?? "")=\($0["value"] ?? "")" } == [
        "Language=English", "Eliciting question=What was your best or worst moment?",
        "Feel about=hopeful; supported", "Needed=trust", "Amount of trust=80",
        "Told before=yes", "Age group=35-50",
      ])
    #expect(
      answers.map { $0["personal"] as? Bool } == [false, false, false, false, false, false, true])
    #expect(answers[4]["scale"] as? String == "0..100")
    for story in fixture {
      let shown = try session.json(["story", "show", story.key])
      let entries = try #require(shown["entries"] as? [[String: Any]])
      #expect(entries.contains { $0["text"] as? String == story.text }, "\(story.title)")
    }
    // Exactly the items the rules give, independently: trust → "trust", ≥ 70 → weight 4.
    let items = try session.json(["items", "nhs"])
    let listed = try #require(items["items"] as? [[String: Any]])
    var expected: [String] = []
    for story in fixture {
      if story.needed == "trust" { expected.append("\(story.key)/trust") }
      if story.trust >= 70 { expected.append("\(story.key)/weight4") }
    }
    let found = listed.map { item -> String in
      let key = item["item"] as? String ?? ""
      return "\(item["story"] ?? "")/"
        + (key == "trust" ? "trust" : "weight\(item["weight"] ?? "")")
    }
    #expect(found.sorted() == expected.sorted())
    #expect(listed.allSatisfy { $0["visibility"] as? String == "invisible" })
    #expect(listed.allSatisfy { $0["dimension"] as? String == "calibrating" })

    // A second import adds nothing.
    let again = try session.json(narraFirma + ["--mapping", "map.json"])
    #expect(again["stories_added"] as? Int == 0)
    #expect(again["stories_unchanged"] as? Int == 4)
    #expect(again["answers"] as? Int == 0)
    #expect(again["items"] as? Int == 0)
  }

  /// Many notes (here eleven stories repeating the first) show the first ten and a count;
  /// `--json` lists them all.
  @Test func manyNotesAreCountedNotFlooded() throws {
    let session = try Session()
    session.ok(["init", "--levels", "national,region,organisation,team"])
    let header = """
      Story title,Story text,Collection date,Language,Eliciting question
      ;,,,,

      """
    let rows = Array(repeating: "Same,The same story.,2026-01-05,English,Best", count: 12)
    try write(header + rows.joined(separator: "\n") + "\n", to: "same.csv", in: session)
    let command = ["import", "--format", "narrafirma", "same.csv", "--node", "nhs", "--dry-run"]
    let result = session.run(command)
    #expect(result.status == 0, "\(result.error)")
    let notes = result.error.split(separator: "\n").filter { $0.hasPrefix("note: ") }
    #expect(notes.count == 11)
    #expect(notes.last == "note: and 1 more notes like these (--json lists them all)")
    let json = try session.json(command)
    #expect((json["notes"] as? [String])?.count == 11)
  }

  @Test func withoutAMappingStoriesComeInWithNoItems() throws {
    let session = try session()
    let counts = try session.json(narraFirma)
    #expect(counts["stories_added"] as? Int == 4)
    #expect(counts["items"] as? Int == 0)
    #expect(try session.json(["items", "nhs"])["matched"] as? Int == 0)
  }

  @Test func theTimeSeriesByAnAnswerCountsWhatTheFixtureSays() throws {
    let session = try session()
    session.ok(narraFirma + ["--mapping", "map.json"])
    let csv = session.ok([
      "export", "timeseries", "--period", "month", "--level", "national", "--by", "Needed",
    ])
    var stories: [String: Int] = [:]
    var items: [String: Int] = [:]
    for line in csv.split(separator: "\n").dropFirst() {
      let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      let group = "\(cells[0])|\(cells[4])"
      // The series lists every answer in every period; groups with nothing are left out.
      if cells[5] == "calibrating", let told = Int(cells[6]), let recorded = Int(cells[8]) {
        if told > 0 { stories[group] = told }
        if recorded > 0 { items[group] = recorded }
      }
    }
    // Counted from the fixture, by month and answer.
    var expectedStories: [String: Int] = [:]
    var expectedItems: [String: Int] = [:]
    for story in fixture {
      let group = "\(story.date.prefix(7))-01|\(story.needed)"
      expectedStories[group, default: 0] += 1
      let recorded = (story.needed == "trust" ? 1 : 0) + (story.trust >= 70 ? 1 : 0)
      if recorded > 0 { expectedItems[group, default: 0] += recorded }
    }
    #expect(stories == expectedStories)
    #expect(items == expectedItems)
    // A question in another case is the answered one; one no story answered is a usage
    // error naming the questions, for the series and for the `--answer` filters alike.
    #expect(
      session.ok([
        "export", "timeseries", "--period", "month", "--level", "national", "--by", "NEEDED",
      ]) == csv)
    for arguments in [
      ["export", "timeseries", "--period", "month", "--level", "national", "--by", "Neded"],
      ["items", "nhs", "--answer", "Neded=trust"],
      ["log", "--answer", "Neded=trust"],
    ] {
      let refused = session.run(arguments)
      #expect(refused.status == 64, "\(arguments): \(refused.error)")
      #expect(
        refused.error.contains(#"question "Neded" is not a question any story has an answer to"#),
        "\(refused.error)")
      #expect(refused.error.contains("Needed"), "\(refused.error)")
      #expect(refused.output.isEmpty)
    }
  }

  @Test func aSenseMakerExportComesInWithItsDefinition() throws {
    let session = try session()
    try write(senseMakerData, to: "data.csv", in: session)
    try write(senseMakerDefinition, to: "framework.json", in: session)
    try write(
      #"{ "items": [ { "question": "Trust was — Given", "atLeast": 0.5, "item": "given", "dimension": "capacitating" } ] }"#,
      to: "sm.json", in: session)
    let command = [
      "import", "--format", "sensemaker", "data.csv", "--definition", "framework.json", "--node",
      "nhs", "--mapping", "sm.json",
    ]
    let counts = try session.json(command)
    #expect(counts["stories_added"] as? Int == 2)
    #expect(counts["items"] as? Int == 1)
    let shown = try session.json(["story", "show", "sm-r-1"])
    let answers = try #require(shown["answers"] as? [[String: Any]])
    let byQuestion = Dictionary(
      answers.map { ("\($0["question"] ?? "")", "\($0["value"] ?? "")") },
      uniquingKeysWith: { a, _ in a })
    #expect(byQuestion["Who was it about?"] == "My team")
    #expect(byQuestion["Feelings"] == "Hopeful")
    #expect(byQuestion["Trust was — Given"] == "0.75")
    #expect(byQuestion["Language"] == "es")
    let items = try session.json(["items", "sm-r-1"])
    #expect((items["items"] as? [[String: Any]])?.map { $0["item"] as? String } == ["given"])
    #expect(try session.json(command)["stories_added"] as? Int == 0)
    // --definition is required.
    let missing = session.run(["import", "--format", "sensemaker", "data.csv", "--node", "nhs"])
    #expect(missing.status == 64)
  }

  @Test func aBadFileIsRefusedWithItsRowAndColumnAndTheLedgerIsUnchanged() throws {
    let session = try session()
    let before = try session.ledgerBytes()
    let bad = narraFirmaStories.replacingOccurrences(of: ",80,", with: ",eighty,")
    try write(bad, to: "bad.csv", in: session)
    let result = session.run([
      "import", "--format", "narrafirma", "bad.csv", "--story-form", "form.csv", "--node", "nhs",
    ])
    #expect(result.status == 65)
    #expect(result.error.contains("bad.csv row 3"), "\(result.error)")
    #expect(result.error.contains("column Amount of trust"), "\(result.error)")
    #expect(result.error.contains("nothing was imported"))
    // A mapping naming a question the file does not have.
    try write(
      #"{ "items": [ { "question": "Neded", "dimension": "calibrating" } ] }"#, to: "m.json",
      in: session)
    let mapped = session.run(narraFirma + ["--mapping", "m.json"])
    #expect(mapped.status == 65)
    #expect(mapped.error.contains("m.json column items[0].question"), "\(mapped.error)")
    // A story the ledger refuses (a share level it does not have) names the story's row.
    try write(#"{ "share": { "default": "galaxy" } }"#, to: "s.json", in: session)
    let shared = session.run(narraFirma + ["--mapping", "s.json"])
    #expect(shared.status == 65)
    #expect(shared.error.contains("stories.csv row 3, column share"), "\(shared.error)")
    #expect(try session.ledgerBytes().map(\.1) == before.map(\.1))
    // Missing files and usage errors.
    #expect(
      session.run(["import", "--format", "narrafirma", "gone.csv", "--node", "nhs"]).status == 66)
    #expect(session.run(["import", "--format", "narrafirma", "stories.csv"]).status == 64)
    #expect(session.run(["import", "--format", "word", "stories.csv"]).status == 64)
  }

  @Test func theMappingTemplateRoundTrips() throws {
    let session = try session()
    session.ok([
      "import", "--format", "narrafirma", "stories.csv", "--story-form", "form.csv",
      "--mapping-template", "--output", "template.json",
    ])
    let url = session.root.appending(path: "template.json")
    var template = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    let questions = try #require(template["_questions"] as? [[String: Any]])
    #expect(
      questions.map { $0["name"] as? String } == [
        "Feel about", "Needed", "Amount of trust", "Told before", "Age group",
      ])
    #expect(
      questions.map { $0["kind"] as? String } == [
        "choices", "choice", "number", "boolean", "choice",
      ])
    #expect(questions[4]["subject"] as? String == "participant")
    #expect(template["personal"] as? [String] == ["Age group"])
    // The edit: take the examples' items rules.
    let examples = try #require(template["_examples"] as? [String: Any])
    template["items"] = examples["items"]
    try JSONSerialization.data(withJSONObject: template).write(to: url)
    let counts = try session.json(narraFirma + ["--mapping", "template.json"])
    // Examples: includes "hopeful" (2 stories) and a trust of at least 50 (3 stories).
    #expect(counts["items"] as? Int == 5)
    // The template on stdout is the same.
    let printed = session.ok([
      "import", "--format", "narrafirma", "stories.csv", "--story-form", "form.csv",
      "--mapping-template",
    ])
    #expect(printed.contains("\"_questions\""))
  }
}
