import Foundation
import Testing

@testable import StoryLedger

@Suite struct ExternalStoryMappingTests {
  private func current() throws -> ExternalExport {
    try NarraFirmaExport.read(
      Array(narraFirmaCurrent.utf8), fileName: "stories.csv", storyForm: Array(narraFirmaForm.utf8))
  }

  private func base() throws -> NodePath { try NodePath(parsing: "nhs/north") }

  /// The error applying `mapping` to the current export throws, or `nil`.
  private func applyError(
    _ mapping: ExternalImportMapping, fileName: String = "stories",
    mappingFileName: String = "mapping", storiesOnly: Bool = false
  ) throws -> ImportError? {
    let export = try current()
    let node = try base()
    return importError { () throws(ImportError) in
      if storiesOnly {
        _ = try mapping.apply(
          to: export.stories, baseNode: node, fileName: fileName, mappingFileName: mappingFileName)
      } else {
        _ = try mapping.apply(
          to: export, baseNode: node, fileName: fileName, mappingFileName: mappingFileName)
      }
    }
  }

  @Test func appliesNodeTellersTagsShareAndOverrides() throws {
    let json = #"""
      {
        "node": { "question": "Position",
                  "values": { "Manager": "managers", "Engineer": "eng/floor-2",
                              "Support staff": "support" } },
        "tellers": ["Theme"],
        "tags": [ { "question": "Feel about" },
                  { "question": "S_Scope", "values": { "Team": "team-story" } },
                  { "question": "Told before" } ],
        "share": { "question": "Scope", "values": { "Team": "local", "Other": "regional",
                                                     "Pair": "personal" },
                   "default": "national" },
        "defaultDate": "2020-06-30",
        "personal": ["Theme"],
        "notPersonal": ["Position"],
        "skip": ["Age group"],
        "rename": { "Got what needed": "Needs met" }
      }
      """#
    let mapping = try ExternalImportMapping.decode(Array(json.utf8), fileName: "map.json")
    let stories = try mapping.apply(to: try current(), baseNode: try base())
    #expect(stories.count == 4)

    let lost = stories[0]
    #expect(lost.key == "nf-492117f97169")
    #expect(lost.node.description == "nhs/north/managers")
    #expect(lost.title == "The lost project")
    #expect(lost.tellers == ["deadlines"])
    #expect(lost.tags == ["frustrated", "supported", "team-story"])
    #expect(lost.share == "local")
    #expect(lost.toldOn == Day(year: 2021, month: 3, day: 4))
    #expect(lost.narrative == "Never made it to the deadline. Brutal.")
    #expect(
      lost.answers.map(\.question.name) == [
        "Feel about", "Scope", "Needs met", "Told before", "Position", "Theme",
      ])
    #expect(lost.answers.map(\.isPersonal) == [false, false, false, false, false, true])

    let ciel = stories[1]
    #expect(ciel.node.description == "nhs/north/eng/floor-2")
    #expect(ciel.tags == ["satisfied", "Told before"])
    #expect(ciel.share == "regional")

    // No collection date: the mapping's default date.
    let tokyo = stories[2]
    #expect(tokyo.toldOn == Day(year: 2020, month: 6, day: 30))
    #expect(tokyo.node.description == "nhs/north/support")
    #expect(tokyo.title == "東京の話")
  }

  @Test func withoutAMappingStoriesStayAtTheBaseNode() throws {
    let mapping = ExternalImportMapping(defaultDate: Day(year: 2020, month: 1, day: 1))
    let export = try current()
    let stories = try mapping.apply(to: export.stories, baseNode: try base())
    #expect(stories.map(\.node.description) == Array(repeating: "nhs/north", count: 4))
    #expect(stories.map(\.share) == [nil, nil, nil, nil])
    #expect(stories.map(\.tags) == [[], [], [], []])
    #expect(stories.map(\.answers) == export.stories.map(\.answers))
  }

  @Test func aStoryWithoutADateNeedsADefaultDate() throws {
    let error = try applyError(ExternalImportMapping(), storiesOnly: true)
    #expect(error?.file == "stories")
    #expect(error?.row == 5)
    #expect(error?.reason.contains("defaultDate") == true)
  }

  @Test func senseMakerStoriesGetATitleFromAQuestionOrTheirFirstLine() throws {
    let csv = """
      id,ca82ba5d-6102-4f69-94da-76c38c28ce9b,a058fcb5-09cb-4f9a-ab39-d4ab39b91e3a,server_upload_time
      r1,"First line of a long story
      and more",Headline one,1617235200000
      r2,A story told with a great many words that run on well past sixty characters in all,,1617235200000

      """
    let export = try SenseMakerExport.read(
      csv: Array(csv.utf8), definition: Array(senseMakerDefinition.utf8), fileName: "d.csv")
    let mapping = ExternalImportMapping(title: "Give it a headline")
    let stories = try mapping.apply(to: export, baseNode: try base())
    #expect(
      stories.map(\.title) == [
        "Headline one", "A story told with a great many words that run on well past…",
      ])
    #expect(stories.map(\.key) == ["sm-r1", "sm-r2"])
    #expect(stories[0].toldOn == Day(year: 2021, month: 4, day: 1))
  }

  @Test func aMappingNamingAnUnknownQuestionListsTheValidOnes() throws {
    let mapping = ExternalImportMapping(tags: [.init(question: "Feelings")])
    let error = try applyError(mapping, mappingFileName: "map.json")
    #expect(error?.file == "map.json")
    #expect(error?.column == "tags[0].question")
    #expect(error?.value == "Feelings")
    #expect(
      error?.validValues == [
        "Feel about", "Scope", "Got what needed", "Told before", "Position", "Age group", "Theme",
      ])
  }

  @Test func anAnswerMissingFromTheValuesMapIsAnErrorWithItsRow() throws {
    let mapping = ExternalImportMapping(
      node: .init(question: "Position", values: ["Manager": "managers"]),
      defaultDate: Day(year: 2020, month: 1, day: 1))
    let error = try applyError(mapping, fileName: "stories.csv")
    #expect(error?.file == "stories.csv")
    #expect(error?.row == 4)
    #expect(error?.column == "Position")
    #expect(error?.value == "Engineer")
    #expect(error?.validValues == ["Manager"])
  }

  @Test func aNodeAnswerThatIsNotASegmentIsAnError() throws {
    let mapping = ExternalImportMapping(
      node: .init(question: "Age group"), defaultDate: Day(year: 2020, month: 1, day: 1))
    let error = try applyError(mapping)
    #expect(error?.row == 5)
    #expect(error?.value == "younger than 35")
  }

  @Test func anAmbiguousNameMustBeGivenByItsId() throws {
    let text = """
      Story title,Story text,Age
      ;,,
      A,Text,30

      """
    let form = """
      Data column name,Type,About,Short name,Long name,Options,Answers
      Age,Text,story,Age,How old is the story?,,
      Age,Text,participant,Age,How old are you?,,

      """
    let doubled = text.replacingOccurrences(
      of: "Age\n;,,\nA,Text,30", with: "Age,Age\n;,,,\nA,Text,30,41")
    let export = try NarraFirmaExport.read(
      Array(doubled.utf8), fileName: "s.csv", storyForm: Array(form.utf8))
    #expect(export.questions.map(\.id) == ["S_Age", "P_Age"])
    #expect(export.stories[0].answer("P_Age")?.value == .text("41"))
    let node = try base()
    let error = importError { () throws(ImportError) in
      _ = try ExternalImportMapping(skip: ["Age"]).apply(to: export, baseNode: node)
    }
    #expect(error?.validValues == ["S_Age", "P_Age"])
    let byID = try ExternalImportMapping(
      defaultDate: Day(year: 2020, month: 1, day: 1), skip: ["P_Age"]
    ).apply(to: export, baseNode: try base())
    #expect(byID[0].answers.map(\.question.id) == ["S_Age"])
  }

  @Test func decodingRefusesUnknownKeysAndBadValues() throws {
    let unknown = importError { () throws(ImportError) in
      _ = try ExternalImportMapping.decode(Array(#"{"nodes": {}}"#.utf8), fileName: "m.json")
    }
    #expect(unknown?.column == "nodes")
    #expect(unknown?.validValues == ExternalImportMapping.keys)
    let ruleKey = importError { () throws(ImportError) in
      _ = try ExternalImportMapping.decode(
        Array(#"{"node": {"questoin": "Team"}}"#.utf8), fileName: "m.json")
    }
    #expect(ruleKey?.column == "node.questoin")
    let badDate = importError { () throws(ImportError) in
      _ = try ExternalImportMapping.decode(
        Array(#"{"defaultDate": "30/06/2020"}"#.utf8), fileName: "m.json")
    }
    #expect(badDate?.column == "defaultDate")
    let badPath = try applyError(
      ExternalImportMapping(node: .init(question: "Scope", values: ["Team": "a//b"])))
    #expect(badPath?.column == "node.values")
    #expect(badPath?.value == "a//b")
  }

  /// A value of the wrong kind or outside its valid values is named by its path, with the
  /// value found and, for a dimension or visibility, the valid values; broken JSON says so.
  @Test func aBadValueIsNamedInWordsWithItsValidValues() throws {
    func decoding(_ json: String) -> ImportError? {
      importError { () throws(ImportError) in
        _ = try ExternalImportMapping.decode(Array(json.utf8), fileName: "m.json")
      }
    }
    let dimension = decoding(#"{"items": [{"question": "Scope", "dimension": "calibratin"}]}"#)
    #expect(dimension?.column == "items[0].dimension")
    #expect(dimension?.value == "calibratin")
    #expect(dimension?.reason == "is not a dimension")
    #expect(dimension?.validValues == ["capacitating", "calibrating", "calculating"])
    let visibility = decoding(
      #"{"items": [{"question": "S", "dimension": "calculating", "visibility": "hidden"}]}"#)
    #expect(visibility?.column == "items[0].visibility")
    #expect(visibility?.validValues == ["visible", "invisible"])
    let weight = decoding(
      #"{"items": [{"question": "S", "dimension": "calculating", "weight": "4"}]}"#)
    #expect(weight?.column == "items[0].weight")
    #expect(weight?.value == "4")
    #expect(weight?.reason == "is text, not a whole number")
    let tellers = decoding(#"{"tellers": "Name"}"#)
    #expect(tellers?.reason == "is text, not a list")
    let missing = decoding(#"{"items": [{"question": "S", "dimension": null}]}"#)
    #expect(missing?.column == "items[0].dimension")
    #expect(missing?.reason == "is null; give text")
    let truncated = decoding(#"{"items": ["#)
    #expect(truncated?.reason.hasPrefix("is not valid JSON (") == true)
    #expect(truncated?.reason.contains("a mapping is a JSON object") == true)
    #expect(truncated?.reason.contains("could not be completed") == false)
  }

  @Test func aMappingRoundTripsThroughJSON() throws {
    let mapping = ExternalImportMapping(
      node: .init(question: "Team", values: ["Nights": "nights"], default: "other"),
      tellers: ["Name"], tags: [.init(question: "Feel about")], share: .init(default: "local"),
      title: "Headline", defaultDate: Day(year: 2024, month: 5, day: 1), personal: ["Age"],
      notPersonal: ["Position"], skip: ["Theme"], rename: ["Got what needed": "Needs met"])
    let data = try JSONEncoder().encode(mapping)
    let decoded = try ExternalImportMapping.decode(Array(data), fileName: "m.json")
    #expect(decoded == mapping)
  }
}
