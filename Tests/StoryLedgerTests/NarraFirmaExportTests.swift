import Foundation
import Testing

@testable import StoryLedger

/// A story-collection export as NarraFirma's current version writes it (comma delimiter, BOM,
/// `;` row 2, a checkbox question, a write-in, a scale, a boolean, participant and annotation
/// questions, a double-escaped multi-paragraph story, a cell with raw quotes, non-Latin text).
let narraFirmaCurrent = #"""
  Story title,Story text,Collection date,Language,Eliciting question,Feel about,Feel about,Feel about,Scope,WRITEIN_Scope,Got what needed,Told before,Position,Age group,Theme
  ;,,,,,satisfied,frustrated,supported,,,,,,,
  The lost project,Never made it to the deadline. Brutal.,2021-03-04,English,Best or worst,,frustrated,supported,Team,,25,false,Manager,35-50,deadlines
  Le projet du ciel,"""Tout allait bien, """"vraiment"""".
  Nous avons appris.""",2021-03-05,Français,Best or worst,satisfied,,,Other,a whole ward,88,yes,Engineer,,
  東京の話,チームは信頼を築いた。,,日本語,Surprise,,,,Team,,,TRUE,Support staff,younger than 35,
  "Hi" she said,He said "no" then left.,2021-03-07,,Surprise,,,,Pair,,100,,Manager,35-50,

  """#

/// The story form of the same collection (`export_story_form_…csv`).
let narraFirmaForm = #"""
  Data column name,Type,About,Short name,Long name,Options,Answers
  Eliciting question,eliciting,eliciting,Eliciting question,Eliciting question,,Best or worst|What was your best or worst moment?,Surprise|What surprised you?
  Feel about,Multi-choice multi-column texts,story,Feel about,How do you feel about this story?,,satisfied,frustrated,supported
  Scope,Single choice,story,Scope,How many people were involved?,writeInTextBoxLabel=Other,Individual,Pair,Team,Other
  Got what needed,Scale,story,Got what needed,Did they get what they needed?,,nothing,everything
  Told before,Boolean,story,Told before,Have you told this story before?,,
  Position,Single choice,participant,Position,What is your position?,,Manager,Engineer,Support staff
  Age group,Single choice,participant,Age group,How old are you?,,younger than 35,35-50,over 50
  Theme,Text,annotation,Theme,Theme,,
  ,Title,form,,,,Tell us a story

  """#

/// Bytes of `text` with a UTF-8 byte-order mark, as NarraFirma saves files.
func withBOM(_ text: String) -> [UInt8] { [0xEF, 0xBB, 0xBF] + Array(text.utf8) }

/// The error `body` throws, or `nil`.
func importError(_ body: () throws(ImportError) -> Void) -> ImportError? {
  do {
    try body()
    return nil
  } catch {
    return error
  }
}

/// The values of `story`'s answers by question name.
func values(_ story: ExternalStory) -> [String: ExternalAnswerValue?] {
  Dictionary(story.answers.map { ($0.question.name, $0.value) }, uniquingKeysWith: { a, _ in a })
}

@Suite struct NarraFirmaExportTests {
  @Test func readsTheCurrentExportWithItsStoryForm() throws {
    let export = try NarraFirmaExport.read(
      withBOM(narraFirmaCurrent), fileName: "export_story_collection_Spring.csv",
      storyForm: Array(narraFirmaForm.utf8))
    let stories = export.stories
    #expect(stories.count == 4)

    let lost = stories[0]
    #expect(lost.key == "nf-492117f97169")  // SHA-256 computed independently
    #expect(lost.sourceRow == 3)
    #expect(lost.title == "The lost project")
    #expect(lost.text == "Never made it to the deadline. Brutal.")
    #expect(lost.date == Day(year: 2021, month: 3, day: 4))
    #expect(lost.language == "English")
    #expect(lost.elicitingQuestion == "What was your best or worst moment?")
    #expect(lost.tellers == [])
    #expect(
      lost.answers.map(\.question.id) == [
        "S_Feel about", "S_Scope", "S_Got what needed", "S_Told before", "P_Position",
        "P_Age group", "A_Theme",
      ])
    let scale = ExternalAnswerScale(
      lower: 0, upper: 100, lowerLabel: "nothing", upperLabel: "everything")
    #expect(
      lost.answers.map(\.value) == [
        .choices(["frustrated", "supported"]), .choice("Team"), .number(25, scale: scale),
        .boolean(false), .choice("Manager"), .choice("35-50"), .text("deadlines"),
      ])
    #expect(lost.answers.map(\.isPersonal) == [false, false, false, false, true, true, false])
    #expect(
      lost.answers.map(\.question.subject) == [
        .story, .story, .story, .story, .participant, .participant, .annotation,
      ])
    #expect(lost.answers[0].columns == ["Feel about", "Feel about", "Feel about"])
    #expect(lost.answers[1].columns == ["Scope", "WRITEIN_Scope"])
    #expect(lost.answers[1].writeIn == nil)
    #expect(lost.answers[0].question.options == ["satisfied", "frustrated", "supported"])
    #expect(lost.answers[2].question.prompt == "Did they get what they needed?")

    // The double-escaped two-paragraph story with quotes, repaired.
    let ciel = stories[1]
    #expect(ciel.sourceRow == 4)
    #expect(ciel.text == "Tout allait bien, \"vraiment\".\nNous avons appris.")
    #expect(ciel.language == "Français")
    #expect(ciel.answer("S_Scope")?.value == .choice("Other"))
    #expect(ciel.answer("S_Scope")?.writeIn == "a whole ward")
    #expect(ciel.answer("S_Told before")?.value == .boolean(true))
    #expect(ciel.answer("P_Age group") == nil)
    #expect(ciel.answer("A_Theme") == nil)

    // Non-Latin text intact; the row numbers count the quoted line break as one row.
    let tokyo = stories[2]
    #expect(tokyo.sourceRow == 5)
    #expect(tokyo.title == "東京の話")
    #expect(tokyo.text == "チームは信頼を築いた。")
    #expect(tokyo.date == nil)
    #expect(tokyo.language == "日本語")
    #expect(tokyo.elicitingQuestion == "What surprised you?")
    #expect(tokyo.answer("S_Told before")?.value == .boolean(true))
    #expect(tokyo.answer("S_Got what needed") == nil)

    // Quotes in unquoted cells are literal, as NarraFirma writes them.
    let hi = stories[3]
    #expect(hi.title == "\"Hi\" she said")
    #expect(hi.text == "He said \"no\" then left.")
    #expect(hi.language == nil)

    #expect(export.questions.count == 7)
    #expect(export.questions.first { $0.name == "Got what needed" }?.scale == scale)
  }

  @Test func keysAreStableAndValid() throws {
    let first = try NarraFirmaExport.parse(withBOM(narraFirmaCurrent), fileName: "a.csv")
    let second = try NarraFirmaExport.parse(withBOM(narraFirmaCurrent), fileName: "a.csv")
    #expect(first.map(\.key) == second.map(\.key))
    #expect(Set(first.map(\.key)).count == first.count)
    for story in first {
      #expect(story.key.hasPrefix("nf-") && story.key.count == 15)
      #expect(throws: Never.self) { try Key.validate(story.key, field: "story") }
    }
    // The key depends on content only, not on the delimiter or the form.
    let withForm = try NarraFirmaExport.parse(
      Array(narraFirmaCurrent.utf8), fileName: "b.csv", storyForm: Array(narraFirmaForm.utf8))
    #expect(withForm.map(\.key) == first.map(\.key))
  }

  @Test func withoutAFormClassifiesByHeuristics() throws {
    let export = try NarraFirmaExport.read(withBOM(narraFirmaCurrent), fileName: "a.csv")
    let kinds = Dictionary(uniqueKeysWithValues: export.questions.map { ($0.name, $0.kind) })
    #expect(
      kinds == [
        "Feel about": .choices, "Scope": .choice, "Got what needed": .number,
        "Told before": .boolean, "Position": .choice, "Age group": .choice, "Theme": .text,
      ])
    #expect(export.questions.allSatisfy { $0.subject == .story && !$0.isPersonal })
    #expect(export.questions.map(\.id) == export.questions.map(\.name))
    let lost = export.stories[0]
    #expect(values(lost)["Got what needed"] == .number(25, scale: nil))
    #expect(values(lost)["Feel about"] == .choices(["frustrated", "supported"]))
    #expect(lost.elicitingQuestion == "Best or worst")
    #expect(export.stories[1].answer("Scope")?.writeIn == "a whole ward")
  }

  /// Headers written with NarraFirma's internal prefixes (`P_` participant, `A_`
  /// annotation) give the question's subject, under its short name.
  @Test func internalPrefixesInHeadersGiveTheSubject() throws {
    let csv = """
      Story title,Story text,Collection date,Language,Eliciting question,Scope,P_Age group,A_Theme
      ;,,,,,,,
      Lost,We lost the keys.,2024-03-01,English,Best or worst,ward,30-40,keys

      """
    let export = try NarraFirmaExport.read(Array(csv.utf8), fileName: "prefixed.csv")
    let questions = Dictionary(uniqueKeysWithValues: export.questions.map { ($0.id, $0) })
    #expect(questions["Scope"]?.subject == .story)
    #expect(questions["P_Age group"]?.subject == .participant)
    #expect(questions["P_Age group"]?.name == "Age group")
    #expect(questions["P_Age group"]?.isPersonal == true)
    #expect(questions["A_Theme"]?.subject == .annotation)
    #expect(questions["A_Theme"]?.name == "Theme")
    #expect(export.stories.first?.answer("A_Theme")?.value == .text("keys"))
  }

  @Test func readsASemicolonDelimitedExport() throws {
    let text = #"""
      Story title;Story text;Collection date;Language;Eliciting question;Needed;Needed;Amount of trust
      ";";;;;;help;respect;
      Trust, at last;"We met, we talked; it worked.";2022-11-30;Deutsch;Best or worst;help;;62,5
      Zweite;"""Erstens; zweitens.
      Dann, endlich.""";2022-12-01;Deutsch;Best or worst;;respect;70

      """#
    let stories = try NarraFirmaExport.parse(withBOM(text), fileName: "semi.csv")
    #expect(stories.count == 2)
    #expect(stories[0].title == "Trust, at last")
    #expect(stories[0].text == "We met, we talked; it worked.")
    #expect(stories[0].answer("Amount of trust")?.value == .number(62.5, scale: nil))
    #expect(stories[1].text == "Erstens; zweitens.\nDann, endlich.")
    #expect(stories[1].sourceRow == 4)
    #expect(stories[1].answer("Needed")?.value == .choices(["respect"]))
    #expect(stories[1].answer("Amount of trust")?.value == .number(70, scale: nil))
  }

  @Test func readsTabDelimitedExportsWithCRLF() throws {
    let text =
      "Story title\tStory text\tCollection date\tLanguage\tEliciting question\tScope\r\n"
      + ";\t\t\t\t\t\r\n" + "Un\tTexte, avec virgule\t2020-01-02\t\tQ\tTeam\r\n"
      + "Deux\t\"Ligne\nsuivante\"\t2020-01-03\t\tQ\tTeam\r\n"
    let stories = try NarraFirmaExport.parse(Array(text.utf8), fileName: "tab.csv")
    #expect(stories.map(\.title) == ["Un", "Deux"])
    #expect(stories.map(\.text) == ["Texte, avec virgule", "Ligne\nsuivante"])
    #expect(stories.map(\.sourceRow) == [3, 4])
    #expect(stories[1].answer("Scope")?.value == .choice("Team"))
  }

  @Test func readsTheOldFormatWithoutDateOrSemicolonRow() throws {
    // Before collection dates: no date or language, a row 2 of empty cells, one escaping.
    let text = #"""
      Story title,Story text,Eliciting question,Feel about,Feel about,Scope,Ended well
      ,,,satisfied,frustrated,,
      The project from heaven,"""Everything went right, we all learned a lot.""",Best or worst moment,satisfied,,Team,88
      The lost project,Never made it. Brutal.,Best or worst moment,,frustrated,Team,1

      """#
    let export = try NarraFirmaExport.read(Array(text.utf8), fileName: "old.csv")
    let stories = export.stories
    #expect(stories.count == 2)
    #expect(stories[0].sourceRow == 3)
    // Written by a version that escaped once: the quotes are the story's own.
    #expect(stories[0].text == "\"Everything went right, we all learned a lot.\"")
    #expect(stories[0].date == nil)
    #expect(stories[0].language == nil)
    #expect(stories[0].elicitingQuestion == "Best or worst moment")
    #expect(stories[0].answer("Feel about")?.value == .choices(["satisfied"]))
    #expect(stories[1].answer("Feel about")?.value == .choices(["frustrated"]))
    #expect(stories[0].answer("Ended well")?.value == .number(88, scale: nil))
    #expect(stories[1].answer("Scope")?.value == .choice("Team"))
    #expect(stories[0].key.hasPrefix("nf-"))
  }

  @Test func repairsOnlyCellsThatReadAsTwiceEscaped() {
    let comma = UInt8(ascii: ",")
    #expect(NarraFirmaExport.repairDoubleEscape("\"a,b\nc\"", delimiter: comma) == "a,b\nc")
    #expect(
      NarraFirmaExport.repairDoubleEscape("\"a,\"\"b\"\"\nc\"", delimiter: comma) == "a,\"b\"\nc")
    // No delimiter, or an unpaired quote inside: left as read.
    #expect(
      NarraFirmaExport.repairDoubleEscape("\"Hi\"\n\"Bye\"", delimiter: comma)
        == "\"Hi\"\n\"Bye\"")
    #expect(
      NarraFirmaExport.repairDoubleEscape("\"a,b\"c\nd\"", delimiter: comma)
        == "\"a,b\"c\nd\"")
  }

  @Test func identicalStoriesGetDistinctStableKeys() throws {
    let text = """
      Story title,Story text,Collection date,Language,Eliciting question
      ;,,,,
      Same,Same text,2021-01-01,,Q
      Same,Same text,2021-01-01,,Q
      Same,Same text,2021-01-02,,Q

      """
    let export = try NarraFirmaExport.read(Array(text.utf8), fileName: "dup.csv")
    let keys = export.stories.map(\.key)
    #expect(keys[1] == keys[0] + "-2")
    #expect(keys[2] != keys[0] && keys[2].count == 15)
    #expect(export.notes.contains { $0.hasPrefix("row 4 has the same content") })
  }

  @Test func skipsEmptyRowsWithANote() throws {
    let text = "Story title,Story text,Scope\n;,,\nA,Text,Team\n,,Team\n,,\nB,More,Pair\n"
    let export = try NarraFirmaExport.read(Array(text.utf8), fileName: "e.csv")
    #expect(export.stories.map(\.title) == ["A", "B"])
    #expect(export.stories.map(\.sourceRow) == [3, 6])
    #expect(export.notes == ["row 4 has no story title and no story text; it is skipped"])
  }

  // MARK: Errors

  @Test func aRaggedRowIsAnErrorWithRowAndColumn() {
    let text = """
      Story title,Story text,Collection date,Language,Eliciting question,Scope,Theme
      ;,,,,,,
      Good,Fine,2021-01-01,,Q,Team,x
      Short,Line
      broken,2021-01-01,,Q,Team,x

      """
    let error = importError { () throws(ImportError) in
      _ = try NarraFirmaExport.parse(Array(text.utf8), fileName: "ragged.csv")
    }
    #expect(error?.file == "ragged.csv")
    #expect(error?.row == 4)
    #expect(error?.column == "Collection date")
    #expect(error?.reason.hasPrefix("has 2 cells but the header has 7 columns") == true)
  }

  @Test func extraNonEmptyCellsAreAnError() {
    let text = "Story title,Story text,Scope\n;,,\nA,Text,Team,oops\n"
    let error = importError { () throws(ImportError) in
      _ = try NarraFirmaExport.parse(Array(text.utf8), fileName: "wide.csv")
    }
    #expect(error?.row == 3)
    #expect(error?.value == "oops")
  }

  @Test func aNonNumericScaleAnswerIsAnError() {
    let text = narraFirmaCurrent.replacingOccurrences(of: ",88,", with: ",lots,")
    let error = importError { () throws(ImportError) in
      _ = try NarraFirmaExport.parse(
        Array(text.utf8), fileName: "s.csv", storyForm: Array(narraFirmaForm.utf8))
    }
    #expect(error?.row == 4)
    #expect(error?.column == "Got what needed")
    #expect(error?.value == "lots")
    #expect(error?.reason.hasPrefix("is not a number") == true)
    // Without a form the column is simply text.
    #expect(throws: Never.self) {
      try NarraFirmaExport.parse(Array(text.utf8), fileName: "s.csv")
    }
  }

  @Test func aBooleanThatIsNotYesOrNoIsAnError() {
    let text = narraFirmaCurrent.replacingOccurrences(of: ",TRUE,", with: ",maybe,")
    let error = importError { () throws(ImportError) in
      _ = try NarraFirmaExport.parse(
        Array(text.utf8), fileName: "b.csv", storyForm: Array(narraFirmaForm.utf8))
    }
    #expect(error?.row == 5)
    #expect(error?.column == "Told before")
    #expect(error?.validValues == ["true", "false", "yes", "no"])
  }

  @Test func aColumnMissingFromTheStoryFormIsNamed() {
    let form = narraFirmaForm.replacingOccurrences(
      of: "Theme,Text,annotation,Theme,Theme,,\n", with: "")
    let error = importError { () throws(ImportError) in
      _ = try NarraFirmaExport.parse(
        Array(narraFirmaCurrent.utf8), fileName: "f.csv", storyForm: Array(form.utf8))
    }
    #expect(error?.row == 1)
    #expect(error?.column == "Theme")
    #expect(error?.validValues.contains("Age group") == true)
  }

  @Test func aBadCollectionDateIsAnError() {
    let text = narraFirmaCurrent.replacingOccurrences(of: "2021-03-07", with: "07/03/2021")
    let error = importError { () throws(ImportError) in
      _ = try NarraFirmaExport.parse(Array(text.utf8), fileName: "d.csv")
    }
    #expect(error?.row == 6)
    #expect(error?.column == "Collection date")
    #expect(error?.value == "07/03/2021")
  }

  @Test func aFileThatIsNotAnExportIsRefused() {
    let error = importError { () throws(ImportError) in
      _ = try NarraFirmaExport.parse(Array("story,node\nS1,a\n".utf8), fileName: "x.csv")
    }
    #expect(error?.row == 1)
    #expect(error?.reason.hasPrefix("is not a NarraFirma story-collection export") == true)
  }

  @Test func invalidUTF8IsRefusedWithItsRow() {
    let bytes = Array("Story title,Story text\n;,\nA,".utf8) + [0xFF] + Array("\n".utf8)
    let error = importError { () throws(ImportError) in
      _ = try NarraFirmaExport.parse(bytes, fileName: "u.csv")
    }
    #expect(error?.row == 3)
  }
}
