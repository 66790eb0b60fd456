import Foundation
import StoryLedger

/// A deterministic story-collection export shaped like NarraFirma's (see ``NarraFirmaExport``),
/// built from the demo corpus's texts and hierarchy: for trials and for the benchmark of
/// `import --format narrafirma`.
///
/// One row per story, after NarraFirma's two header rows: the fixed columns (`Story title`,
/// `Story text`, `Collection date`, `Language`, `Eliciting question`), then a checkbox
/// question `Feel about` (three columns: hopeful, frustrated, supported), a choice `Region`
/// (the demo hierarchy's region slugs, so that a mapping can place stories with
/// `"node": { "question": "Region" }`), a scale `Amount of trust` (0 to 100), a yes/no
/// `Told before` and a choice `Age group`. Stories are told in English, Welsh, Polish, Urdu,
/// Spanish, Bengali, Romanian and Chinese, on days within ``DemoCorpus/dates``; cells are
/// quoted only when they hold a comma, as NarraFirma writes them. The same stories and seed
/// always give the same bytes.
///
/// ```swift
/// let bytes = NarraFirmaDemoCorpus(stories: 2_000).csvBytes()
/// let export = try NarraFirmaExport.read(bytes, fileName: "demo.csv")
/// ```
public struct NarraFirmaDemoCorpus: Hashable, Sendable {
  /// The number of stories (data rows).
  public let stories: Int
  /// The seed all the corpus's choices follow from.
  public let seed: UInt64

  /// The options of the checkbox question `Feel about`.
  public static let feelings = ["hopeful", "frustrated", "supported"]
  /// The options of the choice question `Age group`.
  public static let ageGroups = ["under 35", "35-50", "over 50"]
  /// The eliciting questions stories answer.
  public static let elicitingQuestions = [
    "Tell us about a moment when you felt valued", "What happened that surprised you?",
  ]

  /// Describes a corpus of `stories` stories (a negative count means none).
  public init(stories: Int, seed: UInt64 = 1) {
    self.stories = max(0, stories)
    self.seed = seed
  }

  /// The whole export as UTF-8 bytes, with NarraFirma's byte-order mark.
  public func csvBytes() -> [UInt8] {
    var output: [UInt8] = []
    write { output += $0 }
    return output
  }

  /// Writes the export to `url` through ``AtomicOutputFile``, replacing any file there only
  /// once the whole export is written.
  ///
  /// - Parameters:
  ///   - url: The file to write.
  ///   - progress: Called about every 4 MiB and at the end with the stories written and the
  ///     total.
  /// - Throws: ``LedgerError`` when the file cannot be created or written.
  public func write(
    to url: URL, progress: ((_ storiesWritten: Int, _ totalStories: Int) -> Void)? = nil
  ) throws(LedgerError) {
    let file = try AtomicOutputFile(url: url)
    var failure: LedgerError?
    var buffer: [UInt8] = []
    var written = 0
    write { bytes in
      guard failure == nil else { return }
      buffer += bytes
      written += 1
      if buffer.count >= 4 << 20 {
        do throws(LedgerError) { try file.write(buffer) } catch { failure = error }
        buffer.removeAll(keepingCapacity: true)
        progress?(max(0, written - 2), stories)
      }
    }
    if let failure { throw failure }
    try file.write(buffer)
    try file.commit()
    progress?(stories, stories)
  }

  /// Calls `emit` with each row's bytes, the two header rows first.
  private func write(_ emit: ([UInt8]) -> Void) {
    emit(
      [0xEF, 0xBB, 0xBF]
        + Array(
          "Story title,Story text,Collection date,Language,Eliciting question,Feel about,Feel about,Feel about,Region,Amount of trust,Told before,Age group\n"
            .utf8))
    emit(Array(";,,,,,hopeful,frustrated,supported,,,,\n".utf8))
    var random = DemoRandom(seed: seed)
    let languages = DemoPhrases.languages
    let weights = DemoWeights(languages.map(\.weight))
    let topics = DemoPhrases.topics
    let regions = DemoHierarchy.regions.map(\.slug)
    let dayCount =
      Int(DemoCorpus.dates.upperBound.daysSinceEpoch - DemoCorpus.dates.lowerBound.daysSinceEpoch)
      + 1
    for _ in 0..<stories {
      let languageNumber = random.pick(weights)
      let language = languages[languageNumber]
      var title: String
      var sentences: [String]
      if languageNumber == 0 || language.titles.isEmpty {
        let topic = topics[random.below(topics.count)]
        title = topic.titles[random.below(topic.titles.count)]
        sentences = topic.firstTellings
      } else {
        let chosen = language.titles[random.below(language.titles.count)]
        title = chosen.text
        sentences = language.firstTellings.filter { $0.topic == nil || $0.topic == chosen.topic }
          .map(\.text)
        if sentences.isEmpty { sentences = language.firstTellings.map(\.text) }
      }
      var text: [String] = []
      if languageNumber == 0 {
        text.append(DemoPhrases.openers[random.below(DemoPhrases.openers.count)])
      }
      for _ in 0..<(1 + random.below(3)) where !sentences.isEmpty {
        text.append(sentences[random.below(sentences.count)])
      }
      if languageNumber == 0, random.chance(30) {
        text.append(DemoPhrases.quotes[random.below(DemoPhrases.quotes.count)])
      }
      if random.chance(5) { title = "" }
      let day = DemoCorpus.dates.lowerBound.adding(days: random.below(dayCount))
      var cells = [
        title, text.joined(separator: " "), day.description, language.tag ?? "English",
        Self.elicitingQuestions[random.below(2)],
      ]
      for feeling in Self.feelings { cells.append(random.chance(40) ? feeling : "") }
      cells.append(random.chance(90) ? regions[random.below(regions.count)] : "")
      cells.append(random.chance(85) ? "\(random.below(101))" : "")
      cells.append(random.chance(80) ? (random.chance(50) ? "true" : "false") : "")
      cells.append(random.chance(75) ? Self.ageGroups[random.below(3)] : "")
      var row: [UInt8] = []
      for (index, cell) in cells.enumerated() {
        if index > 0 { row.append(UInt8(ascii: ",")) }
        let flat = cell.replacingOccurrences(of: "\n", with: " ")
        if flat.contains(",") {
          row += Array(("\"" + flat.replacingOccurrences(of: "\"", with: "\"\"") + "\"").utf8)
        } else {
          row += Array(flat.utf8)
        }
      }
      row.append(0x0A)
      emit(row)
    }
  }
}
