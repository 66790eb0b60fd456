import Foundation
import StoryLedger

/// The demo corpus's phrases compiled once into CSV-ready bytes.
///
/// Every phrase (a title, a sentence, a node path, a unit) is stored escaped for RFC 4180
/// (each `"` doubled) in one flat byte pool, with a flag saying whether a field holding it
/// must be quoted (it contains a comma, a quote or a line break). The generator then
/// writes fields by copying bytes, with no string work per row.
struct DemoText {
  /// An item template with its phrases compiled.
  struct Item {
    let key: Int32
    let dimension: Dimension
    let description: Int32
    /// The unit phrase, or `-1` when the item has no quantity.
    let unit: Int32
    let quantity: ClosedRange<Int>
    let isFractional: Bool
    let unitValue: Int64
  }

  /// A topic with its phrases compiled.
  struct Topic {
    let titles: [Int32]
    let tags: Int32
    let firstTellings: [Int32]
    let retellings: [Int32]
    let items: [Item]
  }

  /// A language with its phrases compiled.
  struct Language {
    let isEnglish: Bool
    let titles: [Int32]
    /// The topic (an index into ``DemoText/topics``) of each title.
    let titleTopics: [Int]
    /// For each topic, the first-telling sentences that fit it.
    let firstTellings: [[Int32]]
    /// For each topic, the retelling sentences that fit it.
    let retellings: [[Int32]]
    let tellers: [Int32]
    /// The language's tag, or `-1`.
    let tag: Int32
  }

  /// The escaped bytes of every phrase, one after another.
  private(set) var bytes: [UInt8] = []
  /// Where each phrase starts in ``bytes``; one more entry than there are phrases.
  private(set) var starts: [Int32] = [0]
  /// Whether a field holding each phrase must be quoted.
  private(set) var needsQuotes: [Bool] = []
  private var index: [String: Int32] = [:]

  // Words and separators.
  private(set) var space: Int32 = 0
  private(set) var paragraph: Int32 = 0
  private(set) var semicolon: Int32 = 0
  private(set) var dimensionWords: [Int32] = []
  private(set) var visibleWord: Int32 = 0
  private(set) var invisibleWord: Int32 = 0
  /// The level names, top first, as share scopes.
  private(set) var levelWords: [Int32] = []

  // Phrase banks.
  private(set) var topics: [Topic] = []
  private(set) var commonItems: [Item] = []
  private(set) var languages: [Language] = []
  private(set) var languageWeights = DemoWeights([1])
  private(set) var openers: [Int32] = []
  private(set) var retellingOpeners: [Int32] = []
  private(set) var quotes: [Int32] = []
  private(set) var closers: [Int32] = []
  /// For each topic, the evidence that fits it.
  private(set) var evidence: [[Int32]] = []
  private(set) var withdrawnEvidence: [Int32] = []
  private(set) var descriptionRevisions: [Int32] = []
  private(set) var extraTags: [Int32] = []

  // The hierarchy.
  private(set) var nationalNode: Int32 = 0
  private(set) var regionNodes: [Int32] = []
  private(set) var organisationNodes: [Int32] = []
  private(set) var organisationRegions: [Int] = []
  private(set) var organisationsByRegion: [[Int]] = []
  private(set) var teamNodes: [[Int32]] = []

  /// The `told_on` dates, `YYYY-MM-DD`, ten bytes each, from the first day of the corpus.
  private(set) var dates: [UInt8] = []
  /// The number of days the corpus spans.
  let dayCount: Int

  /// The compiled text, built on first use.
  static let shared = DemoText(
    firstDay: DemoCorpus.dates.lowerBound, lastDay: DemoCorpus.dates.upperBound)

  private init(firstDay: Day, lastDay: Day) {
    dayCount = Int(lastDay.daysSinceEpoch - firstDay.daysSinceEpoch) + 1
    for offset in 0..<dayCount {
      dates.append(contentsOf: firstDay.adding(days: offset).description.utf8)
    }
    space = add(" ")
    paragraph = add("\n\n")
    semicolon = add(";")
    dimensionWords = Dimension.allCases.map { add($0.rawValue) }
    visibleWord = add(Visibility.visible.rawValue)
    invisibleWord = add(Visibility.invisible.rawValue)
    levelWords = DemoCorpus.configuration.levels.map { add($0) }

    topics = DemoPhrases.topics.map { topic in
      Topic(
        titles: topic.titles.map { add($0) }, tags: add(topic.tags),
        firstTellings: topic.firstTellings.map { add($0) },
        retellings: topic.retellings.map { add($0) }, items: topic.items.map { compile($0) })
    }
    commonItems = DemoPhrases.commonItems.map { compile($0) }
    var topicNumbers: [String: Int] = [:]
    for (number, topic) in DemoPhrases.topics.enumerated() { topicNumbers[topic.key] = number }
    languages = DemoPhrases.languages.enumerated().map { offset, language in
      let titles = language.titles.filter { $0.topic.flatMap { topicNumbers[$0] } != nil }
      func byTopic(_ phrases: [DemoPhrases.Themed]) -> [[Int32]] {
        DemoPhrases.topics.map { topic in
          phrases.filter { $0.topic == nil || $0.topic == topic.key }.map { add($0.text) }
        }
      }
      return Language(
        isEnglish: offset == 0, titles: titles.map { add($0.text) },
        titleTopics: titles.compactMap { $0.topic.flatMap { topicNumbers[$0] } },
        firstTellings: byTopic(language.firstTellings), retellings: byTopic(language.retellings),
        tellers: language.tellers.map { add($0) }, tag: language.tag.map { add($0) } ?? -1)
    }
    languageWeights = DemoWeights(DemoPhrases.languages.map(\.weight))
    openers = DemoPhrases.openers.map { add($0) }
    retellingOpeners = DemoPhrases.retellingOpeners.map { add($0) }
    quotes = DemoPhrases.quotes.map { add($0) }
    closers = DemoPhrases.closers.map { add($0) }
    evidence = DemoPhrases.topics.map { topic in
      DemoPhrases.evidence.filter { $0.topic == nil || $0.topic == topic.key }.map { add($0.text) }
    }
    withdrawnEvidence = DemoPhrases.withdrawnEvidence.map { add($0) }
    descriptionRevisions = DemoPhrases.descriptionRevisions.map { add($0) }
    extraTags = DemoPhrases.extraTags.map { add($0) }

    let hierarchy = DemoHierarchy.shared
    nationalNode = add(DemoHierarchy.nationalPath)
    regionNodes = hierarchy.regionPaths.map { add($0) }
    organisationNodes = hierarchy.organisations.map { add($0.path) }
    organisationRegions = hierarchy.organisations.map(\.region)
    organisationsByRegion = hierarchy.organisationsByRegion
    teamNodes = hierarchy.organisations.map { $0.teamPaths.map { add($0) } }
  }

  /// The pool range of phrase `phrase`.
  @inline(__always)
  func range(of phrase: Int32) -> Range<Int> {
    Int(starts[Int(phrase)])..<Int(starts[Int(phrase) + 1])
  }

  /// Adds a phrase (or finds it, when it is already there) and returns its number.
  private mutating func add(_ phrase: String) -> Int32 {
    if let existing = index[phrase] { return existing }
    var mustQuote = false
    for byte in phrase.utf8 {
      switch byte {
      case UInt8(ascii: "\""):
        mustQuote = true
        bytes.append(byte)
        bytes.append(byte)
      case UInt8(ascii: ","), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
        mustQuote = true
        bytes.append(byte)
      default:
        bytes.append(byte)
      }
    }
    let number = Int32(needsQuotes.count)
    needsQuotes.append(mustQuote)
    starts.append(Int32(bytes.count))
    index[phrase] = number
    return number
  }

  private mutating func compile(_ template: DemoPhrases.ItemTemplate) -> Item {
    Item(
      key: add(template.key), dimension: template.dimension,
      description: add(template.description), unit: template.unit.map { add($0) } ?? -1,
      quantity: template.quantity, isFractional: template.isFractional,
      unitValue: template.unitValue)
  }
}
