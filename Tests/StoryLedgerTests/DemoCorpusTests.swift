import Foundation
import StoryLedgerTestSupport
import Testing

@testable import StoryLedger
@testable import StoryLedgerDemo

/// A parsed corpus: its header and records, each field decoded from UTF-8.
private struct ParsedCorpus {
  let header: [String]
  let records: [[String]]
  /// The number of fields that were written in quotes.
  let quotedFieldCount: Int

  /// Splits RFC 4180 bytes (quoted fields, `""` escapes, embedded line breaks, LF or CRLF).
  init(_ bytes: [UInt8]) {
    var records: [[String]] = []
    var record: [String] = []
    var field: [UInt8] = []
    var isQuoted = false
    var wasQuoted = false
    var quotedCount = 0
    var index = 0
    func endField() {
      record.append(String(decoding: field, as: UTF8.self))
      if wasQuoted { quotedCount += 1 }
      field.removeAll(keepingCapacity: true)
      wasQuoted = false
    }
    while index < bytes.count {
      let byte = bytes[index]
      if isQuoted {
        if byte == UInt8(ascii: "\"") {
          if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\"") {
            field.append(byte)
            index += 1
          } else {
            isQuoted = false
          }
        } else {
          field.append(byte)
        }
      } else {
        switch byte {
        case UInt8(ascii: "\""):
          isQuoted = true
          wasQuoted = true
        case UInt8(ascii: ","):
          endField()
        case UInt8(ascii: "\r"):
          break
        case UInt8(ascii: "\n"):
          endField()
          records.append(record)
          record.removeAll(keepingCapacity: true)
        default:
          field.append(byte)
        }
      }
      index += 1
    }
    if !field.isEmpty || !record.isEmpty {
      endField()
      records.append(record)
    }
    header = records.first ?? []
    self.records = Array(records.dropFirst())
    quotedFieldCount = quotedCount
  }

  /// The records of each story, in file order, with the stories in order of first appearance.
  var stories: [(key: String, records: [[String]])] {
    var order: [String] = []
    var byKey: [String: [[String]]] = [:]
    for record in records {
      if byKey[record[0]] == nil { order.append(record[0]) }
      byKey[record[0], default: []].append(record)
    }
    return order.map { ($0, byKey[$0] ?? []) }
  }
}

/// Column positions in the corpus (the header order of the import format as the corpus writes it).
private enum Column {
  static let story = 0
  static let node = 1
  static let toldOn = 2
  static let item = 3
  static let dimension = 4
  static let visibility = 5
  static let title = 6
  static let narrative = 7
  static let teller = 8
  static let tags = 9
  static let description = 10
  static let quantity = 11
  static let unit = 12
  static let monetised = 13
  static let weight = 14
  static let evidence = 15
  static let share = 16
  static let storyLevel = [node, title, teller, tags, share]
}

@Suite("Demo corpus")
struct DemoCorpusTests {
  /// A 10,000-row corpus, parsed once for the tests that read it.
  private static let corpusBytes = DemoCorpus(rows: 10_000).csvBytes()
  private static let corpus = ParsedCorpus(corpusBytes)

  @Test func sameRowsAndSeedGiveTheSameBytes() {
    let first = DemoCorpus(rows: 3_000, seed: 42).csvBytes()
    let second = DemoCorpus(rows: 3_000, seed: 42).csvBytes()
    #expect(first == second)
    #expect(first.count > 3_000 * 100)
  }

  @Test func differentSeedsGiveDifferentCorpora() {
    let first = DemoCorpus(rows: 500, seed: 1).csvBytes()
    let second = DemoCorpus(rows: 500, seed: 2).csvBytes()
    #expect(first != second)
    #expect(ParsedCorpus(second).records.count == 500)
  }

  @Test func aLargerCorpusStartsWithTheSmallerOne() {
    // Stories are generated one after another, so the first rows do not depend on the size
    // (except for the last story, which is cut short).
    let small = ParsedCorpus(DemoCorpus(rows: 200, seed: 9).csvBytes())
    let large = ParsedCorpus(DemoCorpus(rows: 400, seed: 9).csvBytes())
    let completeStories = small.stories.dropLast().reduce(0) { $0 + $1.records.count }
    #expect(completeStories > 100)
    #expect(
      Array(small.records.prefix(completeStories)) == Array(large.records.prefix(completeStories)))
  }

  @Test(arguments: [0, 1, 2, 7, 99, 1_000, 2_345])
  func holdsExactlyTheRowsAskedFor(rows: Int) {
    let bytes = DemoCorpus(rows: rows, seed: UInt64(rows)).csvBytes()
    let parsed = ParsedCorpus(bytes)
    #expect(parsed.records.count == rows)
    #expect(parsed.records.allSatisfy { $0.count == 17 })
    #expect(bytes.last == UInt8(ascii: "\n"))
    #expect(!bytes.contains(UInt8(ascii: "\r")))
  }

  @Test func aNegativeRowCountMeansAnEmptyCorpus() {
    let corpus = DemoCorpus(rows: -5)
    #expect(corpus.rows == 0)
    #expect(ParsedCorpus(corpus.csvBytes()).records.isEmpty)
  }

  @Test func headerIsTheImportColumns() {
    #expect(
      Self.corpus.header == [
        "story", "node", "told_on", "item", "dimension", "visibility", "title", "narrative",
        "teller",
        "tags", "description", "quantity", "unit", "monetised", "weight", "evidence", "share",
      ])
  }

  @Test func configurationHasTheFourLevelsAndPounds() {
    #expect(DemoCorpus.configuration.levels == ["national", "region", "organisation", "team"])
    #expect(DemoCorpus.configuration.currency == "GBP")
    #expect(DemoCorpus.dates.lowerBound.description == "2025-01-01")
    #expect(DemoCorpus.dates.upperBound.description == "2026-12-31")
  }

  @Test func everyFieldHasAValidValue() throws {
    let levels = Set(DemoCorpus.configuration.levels)
    for (number, record) in Self.corpus.records.enumerated() {
      let row = "row \(number + 2)"
      try Key.validate(record[Column.story], field: "story")
      try Key.validate(record[Column.item], field: "item")
      let day = try Day(parsing: record[Column.toldOn])
      #expect(DemoCorpus.dates.contains(day), "\(row): \(day)")
      if !record[Column.dimension].isEmpty {
        #expect(Dimension(rawValue: record[Column.dimension]) != nil, "\(row)")
      }
      if !record[Column.visibility].isEmpty {
        #expect(Visibility(rawValue: record[Column.visibility]) != nil, "\(row)")
      }
      if !record[Column.node].isEmpty {
        let path = try NodePath(parsing: record[Column.node])
        try DemoCorpus.configuration.validate(path)
        #expect(path.segments.first == "nhs", "\(row)")
      }
      let monetised = record[Column.monetised]
      if !monetised.isEmpty {
        let money = try Money(parsing: monetised)
        #expect(money.cents >= 0, "\(row)")
        let decimals = monetised.split(separator: ".").dropFirst().first?.count ?? 0
        #expect(decimals <= 2, "\(row): \(monetised)")
      }
      let quantity = record[Column.quantity]
      if !quantity.isEmpty {
        #expect(Double(quantity).map { $0 > 0 } == true, "\(row): \(quantity)")
        #expect(quantity.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }, "\(row)")
      }
      if !record[Column.weight].isEmpty {
        #expect(Int(record[Column.weight]).map { (1...5).contains($0) } == true, "\(row)")
      }
      if !record[Column.share].isEmpty {
        #expect(levels.contains(record[Column.share]), "\(row)")
      }
      if !record[Column.tags].isEmpty {
        #expect(
          record[Column.tags].split(separator: ";", omittingEmptySubsequences: false)
            .allSatisfy { !$0.isEmpty }, "\(row)")
      }
    }
  }

  @Test func storyLevelFieldsAreGivenFirstAndNeverContradicted() throws {
    let stories = Self.corpus.stories
    #expect(stories.count > 1_000)
    var seenKeys = Set<String>()
    var previousKey = ""
    for record in Self.corpus.records {
      // A story's rows are together in the file.
      if record[Column.story] != previousKey {
        #expect(seenKeys.insert(record[Column.story]).inserted, "\(record[Column.story])")
        previousKey = record[Column.story]
      }
    }
    for story in stories {
      let first = try #require(story.records.first)
      #expect(!first[Column.node].isEmpty, "\(story.key) names no node on its first row")
      #expect(!first[Column.title].isEmpty, "\(story.key)")
      for column in Column.storyLevel {
        for record in story.records where !record[column].isEmpty {
          #expect(record[column] == first[column], "\(story.key) column \(column)")
        }
      }
      // The share scope is never below the story's own level.
      if !first[Column.share].isEmpty {
        let depth = try NodePath(parsing: first[Column.node]).depth
        let shareDepth = try #require(DemoCorpus.configuration.depth(ofLevel: first[Column.share]))
        #expect(shareDepth <= depth, "\(story.key)")
      }
    }
  }

  @Test func eachItemIsCreatedByItsEarliestRowAndKeepsItsDimension() throws {
    for story in Self.corpus.stories {
      var dimensions: [String: String] = [:]
      // Rows in the order they apply: by date, then file order (a stable sort).
      let applied = story.records.enumerated().sorted {
        ($0.element[Column.toldOn], $0.offset) < ($1.element[Column.toldOn], $1.offset)
      }.map(\.element)
      #expect(applied == story.records, "\(story.key): rows are in date order")
      for record in applied {
        let item = record[Column.item]
        if let dimension = dimensions[item] {
          if !record[Column.dimension].isEmpty {
            #expect(record[Column.dimension] == dimension, "\(story.key)/\(item)")
          }
        } else {
          #expect(
            !record[Column.dimension].isEmpty, "\(story.key)/\(item) created without dimension")
          #expect(
            !record[Column.visibility].isEmpty, "\(story.key)/\(item) created without visibility")
          #expect(!record[Column.description].isEmpty, "\(story.key)/\(item)")
          dimensions[item] = record[Column.dimension]
        }
      }
    }
  }

  @Test func coversWhatTheMethodMeasures() throws {
    var boxes = Set<String>()
    var madeVisible = 0
    var hidden = 0
    var sameDayRevisions = 0
    var retellings = 0
    var storiesAboveOrganisation = 0
    for story in Self.corpus.stories {
      var visibility: [String: String] = [:]
      var lastDay: [String: String] = [:]
      var tellingDays = Set<String>()
      for record in story.records {
        let item = record[Column.item]
        if !record[Column.narrative].isEmpty { tellingDays.insert(record[Column.toldOn]) }
        if let previous = visibility[item] {
          let next = record[Column.visibility]
          if previous == "invisible", next == "visible" { madeVisible += 1 }
          if previous == "visible", next == "invisible" { hidden += 1 }
          if !next.isEmpty { visibility[item] = next }
          if lastDay[item] == record[Column.toldOn] { sameDayRevisions += 1 }
        } else {
          visibility[item] = record[Column.visibility]
          boxes.insert(record[Column.dimension] + "/" + record[Column.visibility])
        }
        lastDay[item] = record[Column.toldOn]
      }
      retellings += max(0, tellingDays.count - 1)
      let first = try #require(story.records.first)
      if try NodePath(parsing: first[Column.node]).depth < 3 { storiesAboveOrganisation += 1 }
    }
    #expect(boxes.count == 6, "\(boxes.sorted())")
    #expect(madeVisible > 500)
    #expect(hidden > 10)
    #expect(hidden < madeVisible / 4)
    #expect(sameDayRevisions > 10)
    #expect(retellings > 500)
    #expect(storiesAboveOrganisation > 10)
  }

  @Test func someFieldsNeedQuoting() {
    let fields = Self.corpus.records.joined()
    #expect(Self.corpus.quotedFieldCount > 100)
    #expect(fields.contains { $0.contains(",") })
    #expect(fields.contains { $0.contains("\"") })
    #expect(fields.contains { $0.contains("\n") })
    // A quote inside a field is always written doubled inside a quoted field.
    #expect(Self.corpusBytes.count > 0)
  }

  @Test func tellsStoriesInSeveralLanguagesAndScripts() {
    let narratives = Self.corpus.records.map { $0[Column.narrative] + $0[Column.title] }.joined()
    let scalars = Set(narratives.unicodeScalars.map(\.value))
    #expect(scalars.contains { (0x0600...0x06FF).contains($0) }, "Arabic script (Urdu)")
    #expect(scalars.contains { (0x0980...0x09FF).contains($0) }, "Bengali")
    #expect(scalars.contains { (0x4E00...0x9FFF).contains($0) }, "Chinese")
    #expect(narratives.contains("ł"), "Polish")
    #expect(narratives.contains("Gwnaethon ni") || narratives.contains("Chwe mis"), "Welsh")
    #expect(narratives.contains("hello, my name is"))
  }

  @Test func proportionsMatchTheBenchmarkCorpus() {
    let rows = Self.corpus.records.count
    let ratio = Double(Self.corpus.stories.count) / Double(rows)
    #expect(ratio > 0.17 && ratio < 0.23, "stories per row \(ratio)")
    let headerBytes = Self.corpus.header.joined(separator: ",").utf8.count + 1
    let bytesPerRow = Double(Self.corpusBytes.count - headerBytes) / Double(rows)
    #expect(bytesPerRow > 120 && bytesPerRow < 260, "bytes per row \(bytesPerRow)")
    let days = Set(Self.corpus.records.map { $0[Column.toldOn] })
    #expect(days.count > 600, "dates spread over two years")
  }

  @Test func aSmallCorpusReachesEveryRegionAtOrganisationLevel() throws {
    let parsed = ParsedCorpus(DemoCorpus(rows: 2_000, seed: 5).csvBytes())
    var regions = Set<String>()
    for story in parsed.stories {
      let path = try NodePath(parsing: story.records[0][Column.node])
      if path.depth >= 3 { regions.insert(path.segments[1]) }
    }
    #expect(regions.count == 7, "\(regions.sorted())")
  }

  @Test func theHierarchyHasAFixedShape() throws {
    let hierarchy = DemoHierarchy.shared
    #expect(DemoCorpus.nodeCount == 2_310)
    #expect(DemoHierarchy.regions.count == 7)
    #expect(hierarchy.organisations.count == 302)
    let teams = hierarchy.organisations.flatMap(\.teamPaths)
    #expect(teams.count == 2_000)
    let paths =
      [DemoHierarchy.nationalPath] + hierarchy.regionPaths
      + hierarchy.organisations.map(\.path) + teams
    #expect(Set(paths).count == paths.count, "paths are distinct")
    for path in paths {
      let parsed = try NodePath(parsing: path)
      try DemoCorpus.configuration.validate(parsed)
    }
    #expect(hierarchy.regionPaths.contains("nhs/north-east-and-yorkshire"))
    #expect(hierarchy.regionPaths.contains("nhs/london"))
  }

  @Test func everyTitleInAnotherLanguageHasATopicAndNarratives() {
    let text = DemoText.shared
    for (compiled, language) in zip(text.languages, DemoPhrases.languages) {
      #expect(compiled.titles.count == language.titles.count)
      for topic in compiled.titleTopics {
        #expect(!compiled.firstTellings[topic].isEmpty)
        #expect(!compiled.retellings[topic].isEmpty)
      }
    }
    for topic in text.topics.indices { #expect(!text.evidence[topic].isEmpty) }
  }
}

@Suite("Demo corpus files")
struct DemoCorpusFileTests {
  private static func temporaryDirectory() throws -> URL {
    try makeTemporaryDirectory(prefix: "storyledger-demo")
  }

  @Test func writesTheSameBytesAsInMemoryAndReportsProgress() throws {
    let directory = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appending(path: "corpus.csv")
    try Data("old contents".utf8).write(to: file)
    let corpus = DemoCorpus(rows: 30_000, seed: 11)
    var reports: [(Int, Int)] = []
    try corpus.write(to: file) { written, total in reports.append((written, total)) }
    let written = try [UInt8](Data(contentsOf: file))
    #expect(written == corpus.csvBytes())
    #expect(reports.count >= 2, "progress after each flush and at the end")
    #expect(reports.last.map { $0 == (30_000, 30_000) } == true)
    #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.0 <= $1.0 })
    let entries = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    #expect(entries == ["corpus.csv"], "no temporary file is left behind")
  }

  @Test func cannotCreateAFileInAMissingDirectory() throws {
    let directory = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appending(path: "missing/corpus.csv")
    #expect {
      try DemoCorpus(rows: 10).write(to: file, progress: nil)
    } throws: { error in
      guard let error = error as? LedgerError else { return false }
      return error.code == .cannotCreate && error.description.contains("missing/corpus.csv")
    }
    #expect(!FileManager.default.fileExists(atPath: file.path))
  }

  @Test func cannotReplaceADirectory() throws {
    let directory = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let target = directory.appending(path: "taken")
    try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
    #expect(throws: LedgerError.self) { try DemoCorpus(rows: 10).write(to: target, progress: nil) }
    let entries = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    #expect(entries == ["taken"], "the temporary file is removed")
  }
}
