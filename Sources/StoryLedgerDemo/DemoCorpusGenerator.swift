import Foundation
import StoryLedger

/// Writes the demo corpus story by story, as CSV bytes in the import format (the "Import format" article).
///
/// Each story is planned first (its node, tellings and items, and every row's facts), its
/// rows are put in date order, and then they are written by copying precompiled phrase
/// bytes. The generator stops after exactly the requested number of rows: the last story
/// is cut short if needed, which keeps every rule because a story's rows are in date
/// order and its first row carries the story-level fields.
struct DemoCorpusGenerator {
  /// The header row of the corpus.
  static let header = Array(
    "story,node,told_on,item,dimension,visibility,title,narrative,teller,tags,description,quantity,unit,monetised,weight,evidence,share\n"
      .utf8)

  /// A part of a text field: a run of phrases in ``parts``. An empty run is an empty field.
  private struct Text {
    var start: Int32 = 0
    var count: Int32 = 0
  }

  /// One planned row of a story.
  private struct Row {
    var day: Int32
    var sequence: Int32
    var item: Int32
    var dimension: Int32 = -1
    var visibility: Int32 = -1
    var narrative = Text()
    var description = Text()
    var unit: Int32 = -1
    var evidence: Int32 = -1
    /// The quantity in tenths, or -1.
    var quantity: Int64 = -1
    var isFractional = false
    /// The monetised value in pence, or -1.
    var pence: Int64 = -1
    /// How many decimals the monetised value is written with (0, 1 or 2).
    var decimals: Int8 = 2
    var weight: Int8 = 0
  }

  /// The state of one item while its story is planned.
  private struct ItemState {
    let template: DemoText.Item
    var createdAt: Int
    var isVisible = false
    var quantity: Int64 = 0
    var pence: Int64 = -1
  }

  private static let levelWeights = DemoWeights([1, 9, 26, 164])
  private static let tellingWeights = DemoWeights([34, 40, 20, 6])
  private static let itemWeights = DemoWeights([10, 22, 30, 22, 11, 5])
  private static let teamShareWeights = DemoWeights([35, 25, 30, 10])

  private let text = DemoText.shared
  private var random: DemoRandom
  /// The number of data rows the corpus holds.
  let totalRows: Int
  /// The data rows written so far.
  private(set) var rowsWritten = 0
  /// The stories written so far.
  private(set) var storiesWritten = 0

  // Scratch space reused from story to story.
  private var rows: [Row] = []
  private var parts: [Int32] = []
  private var items: [ItemState] = []
  private var tellingDays: [Int] = []
  private var shuffle: [Int] = []
  private var storyKey: [UInt8] = []

  /// Creates a generator for `rows` data rows whose content follows from `seed`.
  init(rows: Int, seed: UInt64) {
    totalRows = max(0, rows)
    random = DemoRandom(seed: seed)
  }

  /// Whether every row has been written.
  var isFinished: Bool { rowsWritten >= totalRows }

  /// Appends the next story's rows to `output`; returns `false` (writing nothing) once
  /// every row has been written.
  mutating func writeNextStory(into output: inout [UInt8]) -> Bool {
    guard !isFinished else { return false }
    planStory()
    let count = min(rows.count, totalRows - rowsWritten)
    writeRows(count, into: &output)
    rowsWritten += count
    storiesWritten += 1
    return true
  }

  // MARK: - Planning

  /// The story-level fields of the story being planned.
  private var node: Int32 = 0
  private var title: Int32 = -1
  private var teller: Int32 = -1
  private var tags = Text()
  private var share: Int32 = -1
  /// The topic of the story being planned.
  private var topicNumber = 0
  /// Whether every row repeats the story-level fields (otherwise only the first row has them).
  private var repeatsStoryFields = false

  private mutating func planStory() {
    rows.removeAll(keepingCapacity: true)
    parts.removeAll(keepingCapacity: true)
    items.removeAll(keepingCapacity: true)
    tellingDays.removeAll(keepingCapacity: true)

    chooseNodeAndShare()
    let language = text.languages[random.pick(text.languageWeights)]
    let topicNumber: Int
    if language.isEnglish || language.titles.isEmpty {
      topicNumber = random.below(text.topics.count)
      title = pickFrom(text.topics[topicNumber].titles)
    } else {
      // A story in another language takes its topic from its title.
      let choice = random.below(language.titles.count)
      topicNumber = language.titleTopics[choice]
      title = language.titles[choice]
    }
    self.topicNumber = topicNumber
    let topic = text.topics[topicNumber]
    teller = random.chance(4) ? -1 : pickFrom(language.tellers)
    planTags(topic: topic, language: language)
    repeatsStoryFields = random.chance(6)

    // Tellings: the story retold some months apart, within the corpus's dates.
    let tellingCount = 1 + random.pick(Self.tellingWeights)
    var day = random.below(text.dayCount)
    tellingDays.append(day)
    while tellingDays.count < tellingCount {
      day += 28 + random.below(150)
      if day >= text.dayCount { break }
      tellingDays.append(day)
    }
    chooseItems(topic: topic)

    for telling in tellingDays.indices {
      let day = tellingDays[telling]
      let firstRow = rows.count
      for index in items.indices {
        if items[index].createdAt == telling {
          addCreation(of: index, on: day)
        } else if items[index].createdAt < telling, random.chance(42) {
          addRevision(of: index, on: day)
        }
      }
      if rows.count == firstRow {
        let existing = items.indices.filter { items[$0].createdAt < telling }
        addRevision(of: existing[random.below(existing.count)], on: day)
      }
      rows[firstRow].narrative = narrative(
        language: language, topicNumber: topicNumber, isRetelling: telling > 0)
      // Evidence arrives between tellings.
      let gapEnd =
        telling + 1 < tellingDays.count
        ? tellingDays[telling + 1] : min(text.dayCount, day + 90)
      if gapEnd - day > 1 {
        for index in items.indices where items[index].createdAt <= telling && random.chance(12) {
          addRevision(of: index, on: day + 1 + random.below(gapEnd - day - 1))
        }
      }
    }
    sortRowsByDay()
  }

  private mutating func chooseNodeAndShare() {
    let storyIndex = storiesWritten
    var level = 1 + random.pick(Self.levelWeights)
    let organisation: Int
    if storyIndex < text.regionNodes.count {
      // The first stories visit every region, so that small corpora span them all.
      let regionOrganisations = text.organisationsByRegion[storyIndex]
      organisation = regionOrganisations[random.below(regionOrganisations.count)]
      level = 4
    } else {
      organisation = random.below(text.organisationNodes.count)
    }
    switch level {
    case 1: node = text.nationalNode
    case 2: node = text.regionNodes[text.organisationRegions[organisation]]
    case 3: node = text.organisationNodes[organisation]
    default: node = pickFrom(text.teamNodes[organisation])
    }
    // The share scope is a level at or above the story's own.
    if random.chance(8) {
      share = -1
    } else if level == 4 {
      share = text.levelWords[random.pick(Self.teamShareWeights)]
    } else {
      share = text.levelWords[random.below(level)]
    }
  }

  private mutating func planTags(topic: DemoText.Topic, language: DemoText.Language) {
    let start = Int32(parts.count)
    if !random.chance(6) {
      parts.append(topic.tags)
      if random.chance(30) {
        parts.append(text.semicolon)
        parts.append(pickFrom(text.extraTags))
      }
      if language.tag >= 0, random.chance(60) {
        parts.append(text.semicolon)
        parts.append(language.tag)
      }
    }
    tags = Text(start: start, count: Int32(parts.count) - start)
  }

  private mutating func chooseItems(topic: DemoText.Topic) {
    let wanted = 1 + random.pick(Self.itemWeights)
    var fromTopic = min(wanted, topic.items.count)
    if fromTopic == wanted, wanted > 1, random.chance(40) { fromTopic -= 1 }
    let fromCommon = min(wanted - fromTopic, text.commonItems.count)
    let tellings = tellingDays.count
    for (offset, template) in pickDistinct(fromTopic, of: topic.items).enumerated() {
      items.append(ItemState(template: template, createdAt: createdAt(offset, tellings)))
    }
    for template in pickDistinct(fromCommon, of: text.commonItems) {
      items.append(ItemState(template: template, createdAt: createdAt(items.count, tellings)))
    }
  }

  /// The telling an item is first mentioned in: mostly the first; the first item always.
  private mutating func createdAt(_ itemIndex: Int, _ tellings: Int) -> Int {
    itemIndex > 0 && tellings > 1 && random.chance(20) ? 1 + random.below(tellings - 1) : 0
  }

  private mutating func pickDistinct(_ count: Int, of templates: [DemoText.Item]) -> [DemoText.Item]
  {
    shuffle.removeAll(keepingCapacity: true)
    shuffle.append(contentsOf: templates.indices)
    var chosen: [DemoText.Item] = []
    for index in 0..<count {
      let other = index + random.below(shuffle.count - index)
      shuffle.swapAt(index, other)
      chosen.append(templates[shuffle[index]])
    }
    return chosen
  }

  private mutating func addCreation(of index: Int, on day: Int) {
    let template = items[index].template
    let isVisible = random.chance(35)
    var row = newRow(index, day)
    row.dimension = text.dimensionWords[template.dimension.index]
    row.visibility = isVisible ? text.visibleWord : text.invisibleWord
    row.description = single(template.description)
    if template.unit >= 0 {
      let quantity = Int64(random.inRange(template.quantity)) * 10
      items[index].quantity =
        template.isFractional ? max(1, quantity - 5 + Int64(random.below(10))) : quantity
      row.quantity = items[index].quantity
      row.isFractional = template.isFractional
      row.unit = template.unit
    }
    if template.unitValue > 0, isVisible || random.chance(40) {
      setMonetised(&row, index)
    }
    if template.dimension == .calibrating || random.chance(40) {
      row.weight = Int8(1 + random.below(5))
    }
    if isVisible, random.chance(40) { row.evidence = pickFrom(text.evidence[topicNumber]) }
    items[index].isVisible = isVisible
    rows.append(row)
    addSameDayCorrection(of: index, after: row)
  }

  private mutating func addRevision(of index: Int, on day: Int) {
    let template = items[index].template
    var row = newRow(index, day)
    var changed = false
    if !items[index].isVisible, random.chance(70) {
      // Made visible: evidence arrived, and with it a firmer figure.
      row.visibility = text.visibleWord
      row.evidence = pickFrom(text.evidence[topicNumber])
      items[index].isVisible = true
      changed = true
    } else if items[index].isVisible, random.chance(8) {
      // The evidence did not hold: back to knowable.
      row.visibility = text.invisibleWord
      row.evidence = pickFrom(text.withdrawnEvidence)
      items[index].isVisible = false
      changed = true
    } else if random.chance(10) {
      row.visibility = items[index].isVisible ? text.visibleWord : text.invisibleWord
    }
    if template.unit >= 0, !changed || random.chance(70) {
      items[index].quantity += 1 + items[index].quantity * Int64(random.below(60)) / 100
      if !template.isFractional { items[index].quantity = (items[index].quantity + 9) / 10 * 10 }
      row.quantity = items[index].quantity
      row.isFractional = template.isFractional
      changed = true
    }
    if template.unitValue > 0,
      items[index].isVisible || items[index].pence >= 0 || random.chance(30)
    {
      setMonetised(&row, index)
      changed = true
    }
    if !changed || random.chance(15) { row.weight = Int8(1 + random.below(5)) }
    if random.chance(8) {
      row.description = pair(template.description, pickFrom(text.descriptionRevisions))
    }
    if random.chance(8) { row.dimension = text.dimensionWords[template.dimension.index] }
    rows.append(row)
    addSameDayCorrection(of: index, after: row)
  }

  /// Sometimes an item is revised twice on the same day: a figure or a word corrected.
  private mutating func addSameDayCorrection(of index: Int, after previous: Row) {
    guard random.chance(4) else { return }
    let template = items[index].template
    var row = newRow(index, Int(previous.day))
    if items[index].pence >= 0 {
      items[index].pence = max(0, items[index].pence + Int64(random.below(20_001)) - 10_000)
      row.pence = items[index].pence
      row.decimals = 2
    } else {
      row.weight = Int8(1 + random.below(5))
    }
    if random.chance(30) {
      row.description = pair(template.description, text.descriptionRevisions[0])
    }
    rows.append(row)
  }

  /// Sets a monetised proxy from the item's quantity and its template's unit value.
  private mutating func setMonetised(_ row: inout Row, _ index: Int) {
    let template = items[index].template
    let quantity = template.unit >= 0 ? items[index].quantity : 10
    var pence = quantity * template.unitValue / 10 * Int64(90 + random.below(21)) / 100
    let style = random.below(100)
    if style < 40 {
      pence = (pence + 50) / 100 * 100
      row.decimals = style < 30 ? 0 : 2
    } else if style < 55 {
      pence = (pence + 5) / 10 * 10
      row.decimals = 1
    } else {
      row.decimals = 2
    }
    items[index].pence = pence
    row.pence = pence
  }

  private mutating func narrative(
    language: DemoText.Language, topicNumber: Int, isRetelling: Bool
  ) -> Text {
    let start = Int32(parts.count)
    let topic = text.topics[topicNumber]
    let sentences = isRetelling ? language.retellings : language.firstTellings
    if language.isEnglish || sentences[topicNumber].isEmpty {
      if isRetelling {
        parts.append(pickFrom(text.retellingOpeners))
        parts.append(text.space)
        parts.append(pickFrom(topic.retellings))
      } else {
        if random.chance(50) {
          parts.append(pickFrom(text.openers))
          parts.append(text.space)
        }
        parts.append(pickFrom(topic.firstTellings))
      }
      if random.chance(20) {
        parts.append(random.chance(30) ? text.paragraph : text.space)
        parts.append(pickFrom(text.quotes))
      }
      if random.chance(15) {
        parts.append(random.chance(40) ? text.paragraph : text.space)
        parts.append(pickFrom(text.closers))
      }
    } else {
      let fitting = sentences[topicNumber]
      let first = random.below(fitting.count)
      parts.append(fitting[first])
      if fitting.count > 1, random.chance(40) {
        parts.append(random.chance(30) ? text.paragraph : text.space)
        parts.append(fitting[(first + 1 + random.below(fitting.count - 1)) % fitting.count])
      }
    }
    return Text(start: start, count: Int32(parts.count) - start)
  }

  private func newRow(_ index: Int, _ day: Int) -> Row {
    Row(day: Int32(day), sequence: Int32(rows.count), item: items[index].template.key)
  }

  private mutating func single(_ phrase: Int32) -> Text {
    parts.append(phrase)
    return Text(start: Int32(parts.count - 1), count: 1)
  }

  private mutating func pair(_ first: Int32, _ second: Int32) -> Text {
    parts.append(first)
    parts.append(second)
    return Text(start: Int32(parts.count - 2), count: 2)
  }

  private mutating func pickFrom(_ phrases: [Int32]) -> Int32 {
    phrases[random.below(phrases.count)]
  }

  /// Puts the rows in order of day, then of planning (an insertion sort: stories are short).
  private mutating func sortRowsByDay() {
    guard rows.count > 1 else { return }
    for index in 1..<rows.count {
      let row = rows[index]
      var position = index
      while position > 0,
        rows[position - 1].day > row.day
          || (rows[position - 1].day == row.day && rows[position - 1].sequence > row.sequence)
      {
        rows[position] = rows[position - 1]
        position -= 1
      }
      rows[position] = row
    }
  }

  // MARK: - Writing

  private mutating func writeRows(_ count: Int, into output: inout [UInt8]) {
    storyKey.removeAll(keepingCapacity: true)
    storyKey.append(contentsOf: "st-".utf8)
    appendNumber(Int64(storiesWritten + 1), minimumDigits: 6, to: &storyKey)
    let comma = UInt8(ascii: ",")
    for index in 0..<count {
      let row = rows[index]
      let hasStoryFields = index == 0 || repeatsStoryFields
      output.append(contentsOf: storyKey)
      output.append(comma)
      if hasStoryFields { appendPhrase(node, to: &output) }
      output.append(comma)
      let dateStart = Int(row.day) * 10
      output.append(contentsOf: text.dates[dateStart..<dateStart + 10])
      output.append(comma)
      appendPhrase(row.item, to: &output)
      output.append(comma)
      appendPhrase(row.dimension, to: &output)
      output.append(comma)
      appendPhrase(row.visibility, to: &output)
      output.append(comma)
      if hasStoryFields { appendPhrase(title, to: &output) }
      output.append(comma)
      appendText(row.narrative, to: &output)
      output.append(comma)
      if hasStoryFields { appendPhrase(teller, to: &output) }
      output.append(comma)
      if hasStoryFields { appendText(tags, to: &output) }
      output.append(comma)
      appendText(row.description, to: &output)
      output.append(comma)
      if row.quantity >= 0 {
        appendNumber(row.quantity / 10, minimumDigits: 1, to: &output)
        if row.isFractional, row.quantity % 10 != 0 {
          output.append(UInt8(ascii: "."))
          output.append(UInt8(48 + row.quantity % 10))
        }
      }
      output.append(comma)
      appendPhrase(row.unit, to: &output)
      output.append(comma)
      if row.pence >= 0 { appendMoney(row.pence, decimals: row.decimals, to: &output) }
      output.append(comma)
      if row.weight > 0 { output.append(UInt8(48 + row.weight)) }
      output.append(comma)
      appendPhrase(row.evidence, to: &output)
      output.append(comma)
      if hasStoryFields { appendPhrase(share, to: &output) }
      output.append(UInt8(ascii: "\n"))
    }
  }

  @inline(__always)
  private func appendPhrase(_ phrase: Int32, to output: inout [UInt8]) {
    guard phrase >= 0 else { return }
    let quoted = text.needsQuotes[Int(phrase)]
    if quoted { output.append(UInt8(ascii: "\"")) }
    output.append(contentsOf: text.bytes[text.range(of: phrase)])
    if quoted { output.append(UInt8(ascii: "\"")) }
  }

  private func appendText(_ field: Text, to output: inout [UInt8]) {
    guard field.count > 0 else { return }
    let phrases = Int(field.start)..<Int(field.start + field.count)
    var quoted = false
    for index in phrases where text.needsQuotes[Int(parts[index])] { quoted = true }
    if quoted { output.append(UInt8(ascii: "\"")) }
    for index in phrases { output.append(contentsOf: text.bytes[text.range(of: parts[index])]) }
    if quoted { output.append(UInt8(ascii: "\"")) }
  }

  private func appendMoney(_ pence: Int64, decimals: Int8, to output: inout [UInt8]) {
    appendNumber(pence / 100, minimumDigits: 1, to: &output)
    guard decimals > 0 else { return }
    output.append(UInt8(ascii: "."))
    output.append(UInt8(48 + pence / 10 % 10))
    if decimals > 1 { output.append(UInt8(48 + pence % 10)) }
  }

  private func appendNumber(_ value: Int64, minimumDigits: Int, to output: inout [UInt8]) {
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
      (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var count = 0
    var remaining = max(0, value)
    withUnsafeMutableBytes(of: &digits) { buffer in
      repeat {
        buffer[count] = UInt8(48 + remaining % 10)
        remaining /= 10
        count += 1
      } while (remaining > 0 || count < minimumDigits) && count < buffer.count
      for index in stride(from: count - 1, through: 0, by: -1) { output.append(buffer[index]) }
    }
  }
}
