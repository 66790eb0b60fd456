import Foundation
import Testing

@testable import StoryLedger

/// A framework definition shaped like the platform's (sections, HTML titles, one-element
/// arrays around scalars, `{}` where an array is empty, an unknown signifier type).
let senseMakerDefinition = #"""
  {
    "definition_version": [515],
    "name": ["Driver helpers"],
    "id": ["b1ad76ca-d60a-4c9d-9b63-de3d7893784b"],
    "fragment_signifier_id": ["ca82ba5d-6102-4f69-94da-76c38c28ce9b"],
    "linked_frameworks": [],
    "sections": [
      { "id": "s1", "title": "Story", "signifiers": [
        { "id": "ca82ba5d-6102-4f69-94da-76c38c28ce9b", "type": "freetext", "fragment": true,
          "title": "<div>Tell us a story</div>", "content": { "multiline": true, "items": {} } },
        { "id": "a058fcb5-09cb-4f9a-ab39-d4ab39b91e3a", "type": "freetext",
          "title": "Give it a <b>headline</b>", "content": { "labels": {} } },
        { "id": "lbl", "type": "label", "title": "Thank you", "content": { "text": "…" } }
      ]},
      { "id": "s2", "title": "Signifiers", "signifiers": [
        { "id": "34036c12-d36a-4808-bfab-c42538cc9bdf", "type": "list", "title": "Who was it about?",
          "content": { "max_responses": 1, "items": [
            { "id": "a871eae1-1b42-422c-b58e-4b8b207c2941", "title": "Me" },
            { "id": "b2", "title": "My team" } ] } },
        { "id": "e533b24f-1ac4-4506-8b10-0b1169cc7282", "type": "list", "title": "Feelings",
          "content": { "max_responses": [3], "items": [
            { "id": "m1", "title": "Hopeful" }, { "id": "m2", "title": "Angry" },
            { "id": "m3", "title": "Proud &amp; tired" } ] } },
        { "id": "dee85953-7226-45c5-9add-c146e5f4096f", "type": "triad", "allow_na": true,
          "title": "In this story, what mattered?",
          "content": { "labels": [
            { "id": "0330c0c8-1800-4fc5-94b3-4712ba07d610", "text": "Safety" },
            { "id": "0f3db059-9f30-4b84-917b-b3023e8e4bfb", "text": "Speed" },
            { "id": "6acdf566-f930-4268-9ffe-a314aa21caf7", "text": "Cost" } ] } },
        { "id": "b662e7f4-41b0-4525-8685-26c2a685d67d", "type": "dyad", "allow_na": true,
          "title": "Trust was",
          "content": { "labels": [
            { "id": "410d59fd-ee4b-4383-b16d-b9f10fb4a788", "text": "Earned" },
            { "id": "82a858b9-fe4f-4df7-aefb-001110e0e23a", "text": "Given" } ] } },
        { "id": "567bc704-5ce0-41a2-be56-6f55e1d328ae", "type": "stones", "title": "Place the stones",
          "content": {
            "stones": [ { "id": "st1", "title": "Managers" }, { "id": "st2", "title": "Patients" } ],
            "axis": { "x": { "name": "Influence", "start_label": "Low", "end_label": "High" },
                      "y": { "name": "Trust", "start_label": "None", "end_label": "Full" } } } },
        { "id": "img1", "type": "imageselect", "title": "Pick a picture",
          "content": { "items": [ { "default": "https://example.org/a.png" } ] } }
      ]}
    ]
  }
  """#

private let fragment = "ca82ba5d-6102-4f69-94da-76c38c28ce9b"
private let headline = "a058fcb5-09cb-4f9a-ab39-d4ab39b91e3a"
private let about = "34036c12-d36a-4808-bfab-c42538cc9bdf"
private let feelings = "e533b24f-1ac4-4506-8b10-0b1169cc7282"
private let triad = "dee85953-7226-45c5-9add-c146e5f4096f"
private let top = "0330c0c8-1800-4fc5-94b3-4712ba07d610"
private let left = "0f3db059-9f30-4b84-917b-b3023e8e4bfb"
private let right = "6acdf566-f930-4268-9ffe-a314aa21caf7"
private let dyad = "b662e7f4-41b0-4525-8685-26c2a685d67d"
private let earned = "410d59fd-ee4b-4383-b16d-b9f10fb4a788"
private let given = "82a858b9-fe4f-4df7-aefb-001110e0e23a"
private let stones = "567bc704-5ce0-41a2-be56-6f55e1d328ae"

/// A data export shaped like `ADemo_Data.csv`: quoted headers and strings, bare numbers.
private let header = [
  "id", "project_id", "version", "language", "server_upload_time", about, fragment, headline,
  "\(stones)_st1_percentX", "\(stones)_st1_percentY", "\(stones)_st2_percentX",
  "\(stones)_st2_percentY", "\(triad)_percentX", "\(triad)_percentY", "\(triad)_\(top)",
  "\(triad)_\(left)", "\(triad)_\(right)", "\(triad)_NA", "\(dyad)_percentX", "\(dyad)_\(earned)",
  "\(dyad)_\(given)", "\(dyad)_NA", "\(feelings)_m1", "\(feelings)_m2", "\(feelings)_m3", "img1",
  "definition_version", "responder_id", "meta_platform",
].map { "\"\($0)\"" }.joined(separator: ",")

private let senseMakerCSV =
  header + "\n"
  + #""c9a49500-806b-11eb-81ea-0242ac110003","b1ad76ca-d60a-4c9d-9b63-de3d7893784b",0.3,"en",1438121139568,"a871eae1-1b42-422c-b58e-4b8b207c2941","I am a Driver Helper. I was asked one day to clean up, and ""I did"".","No stupid questions",0.25,0.75,,,0.501953125,0.5442477876106195,0.5442477876106195,0.22592298119469031,0.22982923119469023,,0.2475,0.7525,0.2475,,1,,1,"https://example.org/a.png",-1,"r-17","""#
  + "\n"
  + #""d0000000-0000-4000-8000-000000000002","b1ad76ca-d60a-4c9d-9b63-de3d7893784b",0.3,"ar",1617235200000,,"كانت الثقة"#
  + "\n"
  + #"تبنى ببطء — Η εμπιστοσύνη.",,,,0.1,0.9,,,,,,1,,,,1,,,,,-1,,"web""#
  + "\n"

private func number(_ text: String) -> Decimal { Decimal(string: text) ?? .nan }

@Suite struct SenseMakerExportTests {
  @Test func readsEverySignifierKind() throws {
    let export = try SenseMakerExport.read(
      csv: Array(senseMakerCSV.utf8), definition: Array(senseMakerDefinition.utf8),
      fileName: "ADemo_Data.csv")
    #expect(export.stories.count == 2)
    let first = export.stories[0]
    #expect(first.key == "sm-c9a49500-806b-11eb-81ea-0242ac110003")
    #expect(first.sourceRow == 2)
    #expect(first.title == nil)
    #expect(first.text == "I am a Driver Helper. I was asked one day to clean up, and \"I did\".")
    #expect(first.date == Day(year: 2015, month: 7, day: 28))
    #expect(first.language == "en")
    let unit = ExternalAnswerScale.unitInterval
    let influence = ExternalAnswerScale(lower: 0, upper: 1, lowerLabel: "Low", upperLabel: "High")
    let trust = ExternalAnswerScale(lower: 0, upper: 1, lowerLabel: "None", upperLabel: "Full")
    let expected: [(String, String, ExternalAnswerValue, [String])] = [
      (about, "Who was it about?", .choice("Me"), [about]),
      (headline, "Give it a headline", .text("No stupid questions"), [headline]),
      (
        "\(stones)_st1_percentX", "Place the stones — Managers — Influence",
        .number(number("0.25"), scale: influence), ["\(stones)_st1_percentX"]
      ),
      (
        "\(stones)_st1_percentY", "Place the stones — Managers — Trust",
        .number(number("0.75"), scale: trust), ["\(stones)_st1_percentY"]
      ),
      (
        "\(triad)_\(top)", "In this story, what mattered? — Safety",
        .number(number("0.5442477876106195"), scale: unit), ["\(triad)_\(top)"]
      ),
      (
        "\(triad)_\(left)", "In this story, what mattered? — Speed",
        .number(number("0.22592298119469031"), scale: unit), ["\(triad)_\(left)"]
      ),
      (
        "\(triad)_\(right)", "In this story, what mattered? — Cost",
        .number(number("0.22982923119469023"), scale: unit), ["\(triad)_\(right)"]
      ),
      (
        "\(dyad)_\(earned)", "Trust was — Earned", .number(number("0.7525"), scale: unit),
        ["\(dyad)_\(earned)"]
      ),
      (
        "\(dyad)_\(given)", "Trust was — Given", .number(number("0.2475"), scale: unit),
        ["\(dyad)_\(given)"]
      ),
      (
        feelings, "Feelings", .choices(["Hopeful", "Proud & tired"]),
        ["\(feelings)_m1", "\(feelings)_m3"]
      ),
      ("img1", "Pick a picture", .text("https://example.org/a.png"), ["img1"]),
      ("responder_id", "Responder", .text("r-17"), ["responder_id"]),
    ]
    #expect(first.answers.map(\.question.id) == expected.map(\.0))
    #expect(first.answers.map(\.question.name) == expected.map(\.1))
    #expect(first.answers.map(\.value) == expected.map(\.2))
    #expect(first.answers.map(\.columns) == expected.map(\.3))
    #expect(first.answers.map(\.isPersonal) == expected.map { $0.0 == "responder_id" })
    #expect(first.answer("responder_id")?.question.subject == .participant)

    // Non-Latin text with a line break; a triad marked not applicable.
    let second = export.stories[1]
    #expect(second.sourceRow == 3)
    #expect(second.text == "كانت الثقة\nتبنى ببطء — Η εμπιστοσύνη.")
    #expect(second.date == Day(year: 2021, month: 4, day: 1))
    #expect(second.language == "ar")
    #expect(
      second.answers.map(\.question.name) == [
        "Place the stones — Patients — Influence", "Place the stones — Patients — Trust",
        "In this story, what mattered? — Not applicable", "Trust was — Not applicable",
      ])
    #expect(second.answers[2].value == .boolean(true))

    // The unknown type is listed, never dropped.
    #expect(export.notes.contains { $0.contains("imageselect") && $0.contains("Pick a picture") })
    #expect(export.questions.contains { $0.id == "\(triad)_NA" })
    #expect(
      export.questions.first { $0.id == feelings }?.options == [
        "Hopeful", "Angry", "Proud & tired",
      ])
  }

  @Test func keysAreStableAndValid() throws {
    let csv = Array(senseMakerCSV.utf8)
    let definition = Array(senseMakerDefinition.utf8)
    let first = try SenseMakerExport.parse(csv: csv, definition: definition, fileName: "d.csv")
    let second = try SenseMakerExport.parse(csv: csv, definition: definition, fileName: "d.csv")
    #expect(first.map(\.key) == second.map(\.key))
    for story in first {
      #expect(throws: Never.self) { try Key.validate(story.key, field: "story") }
    }
  }

  @Test func withoutAnIdTheKeyIsAHash() throws {
    let csv = "\"server_upload_time\",\"\(fragment)\"\n1617235200000,\"A story\"\n"
    let stories = try SenseMakerExport.parse(
      csv: Array(csv.utf8), definition: Array(senseMakerDefinition.utf8), fileName: "d.csv")
    #expect(stories.count == 1)
    #expect(stories[0].key.hasPrefix("sm-") && stories[0].key.count == 15)
    #expect(stories[0].text == "A story")
  }

  @Test func anchorsAreComputedFromThePositionWhenTheirColumnsAreMissing() throws {
    let csv =
      "id,\(fragment),\(triad)_percentX,\(triad)_percentY,\(dyad)_percentX\n"
      + "r1,Text,0.5,0.4,0.3\n"
    let stories = try SenseMakerExport.parse(
      csv: Array(csv.utf8), definition: Array(senseMakerDefinition.utf8), fileName: "d.csv")
    let values = stories[0].answers.map(\.value)
    let unit = ExternalAnswerScale.unitInterval
    #expect(
      values == [
        .number(number("0.4"), scale: unit), .number(number("0.3"), scale: unit),
        .number(number("0.3"), scale: unit), .number(number("0.7"), scale: unit),
        .number(number("0.3"), scale: unit),
      ])
    #expect(stories[0].answers[0].columns == ["\(triad)_percentX", "\(triad)_percentY"])
    #expect(stories[0].answers[3].columns == ["\(dyad)_percentX"])
  }

  @Test func aDefinitionWithTopLevelSignifiersIsReadToo() throws {
    let definition = #"""
      {"id": "f1", "fragment_signifier_id": "story",
       "signifiers": [ {"id": "story", "type": "freetext", "title": "Story"},
                       {"id": "age", "type": "list", "title": "Age",
                        "content": {"max_responses": 1, "items": [{"id": "y", "title": "Under 30"}]}} ]}
      """#
    let csv = "id,story,age\nx-1,Hello,y\n"
    let stories = try SenseMakerExport.parse(
      csv: Array(csv.utf8), definition: Array(definition.utf8), fileName: "d.csv")
    #expect(stories[0].key == "sm-x-1")
    #expect(stories[0].answers.map(\.value) == [.choice("Under 30")])
  }

  // MARK: Errors

  @Test func aColumnTheDefinitionLacksIsNamed() {
    let csv = "id,\(fragment),9e2b0f10-0000-4000-8000-00000000beef\nr1,Text,x\n"
    let error = importError { () throws(ImportError) in
      _ = try SenseMakerExport.parse(
        csv: Array(csv.utf8), definition: Array(senseMakerDefinition.utf8), fileName: "d.csv")
    }
    #expect(error?.file == "d.csv")
    #expect(error?.row == 1)
    #expect(error?.column == "9e2b0f10-0000-4000-8000-00000000beef")
    #expect(error?.reason.hasPrefix("names no signifier of the framework definition") == true)
  }

  @Test func anAnchorTheDefinitionLacksIsNamed() {
    let csv = "id,\(fragment),\(triad)_nope\nr1,Text,0.1\n"
    let error = importError { () throws(ImportError) in
      _ = try SenseMakerExport.parse(
        csv: Array(csv.utf8), definition: Array(senseMakerDefinition.utf8), fileName: "d.csv")
    }
    #expect(error?.column == "\(triad)_nope")
    #expect(error?.validValues.contains("\(triad)_\(top)") == true)
  }

  @Test func aRaggedRowIsAnError() {
    let csv = "id,\(fragment),\(headline)\nr1,Text,Head\nr2,Text\n"
    let error = importError { () throws(ImportError) in
      _ = try SenseMakerExport.parse(
        csv: Array(csv.utf8), definition: Array(senseMakerDefinition.utf8), fileName: "d.csv")
    }
    #expect(error?.row == 3)
    #expect(error?.column == headline)
  }

  @Test func aNonNumericProportionIsAnError() {
    let csv = "id,\(fragment),\(dyad)_percentX\nr1,Text,0.5\nr2,Text,high\n"
    let error = importError { () throws(ImportError) in
      _ = try SenseMakerExport.parse(
        csv: Array(csv.utf8), definition: Array(senseMakerDefinition.utf8), fileName: "d.csv")
    }
    #expect(error?.row == 3)
    #expect(error?.column == "\(dyad)_percentX")
    #expect(error?.value == "high")
  }

  @Test func aListCellNamingNoItemIsAnError() {
    let csv = "id,\(fragment),\(about)\nr1,Text,zzz\n"
    let error = importError { () throws(ImportError) in
      _ = try SenseMakerExport.parse(
        csv: Array(csv.utf8), definition: Array(senseMakerDefinition.utf8), fileName: "d.csv")
    }
    #expect(error?.row == 2)
    #expect(error?.value == "zzz")
    #expect(error?.validValues == ["a871eae1-1b42-422c-b58e-4b8b207c2941", "b2"])
  }

  @Test func aDefinitionThatIsNotJSONIsRefused() {
    let error = importError { () throws(ImportError) in
      _ = try SenseMakerExport.parse(
        csv: Array("id\n".utf8), definition: Array("<html>".utf8), fileName: "d.csv")
    }
    #expect(error?.file == "framework definition")
    #expect(error?.reason.hasPrefix("is not valid JSON") == true)
  }
}
