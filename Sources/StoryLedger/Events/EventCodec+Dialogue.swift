/// The binary encoding of the dialogue's events: accounts, selections, feedback, pledges.
extension EventCodec {
  static func writeAccountProposed<Sink: ByteSink>(
    _ event: AccountProposed, into writer: inout Sink
  ) {
    writer.appendString(event.node.description)
    appendRange(event.period, to: &writer)
    writer.appendString(event.by)
    writer.appendString(event.narrative)
    appendFigures(event.figures, to: &writer)
    writer.appendVarint(UInt64(event.children.count))
    for child in event.children {
      writer.appendString(child.node.description)
      writer.appendVarint(UInt64(child.version))
      appendFigures(child.figures, to: &writer)
    }
    writer.appendStrings(event.selected)
  }

  static func readAccountProposed(_ reader: inout ByteReader) throws(DecodingFailure)
    -> AccountProposed
  {
    let node = try path(&reader)
    let period = try range(&reader)
    let by = try reader.string()
    let narrative = try reader.string()
    let figures = try self.figures(&reader)
    var children: [ChildAccount] = []
    for _ in 0..<(try reader.length()) {
      let child = try path(&reader)
      let version = Int(try reader.varint())
      children.append(
        ChildAccount(node: child, version: version, figures: try self.figures(&reader)))
    }
    let selected = try reader.strings()
    return AccountProposed(
      node: node, period: period, by: by, narrative: narrative, figures: figures,
      children: children, selected: selected)
  }

  /// An objection, a response, a settlement or a reopening: one layout.
  static func writeAccountStep<Sink: ByteSink>(_ step: AccountStep, into writer: inout Sink) {
    writer.appendString(step.node.description)
    appendRange(step.period, to: &writer)
    writer.appendString(step.by)
    writer.appendString(step.text)
    writer.appendVarint(UInt64(max(0, step.objection)))
  }

  static func readAccountStep(_ reader: inout ByteReader) throws(DecodingFailure)
    -> AccountStep
  {
    AccountStep(
      node: try path(&reader), period: try range(&reader), by: try reader.string(),
      text: try reader.string(), objection: Int(try reader.varint()))
  }

  static func writeStoriesSelected<Sink: ByteSink>(
    _ event: StoriesSelected, into writer: inout Sink
  ) {
    writer.appendString(event.node.description)
    appendRange(event.period, to: &writer)
    writer.appendString(event.by)
    writer.appendVarint(UInt64(event.chosen.count))
    for choice in event.chosen {
      writer.appendString(choice.story)
      writer.appendString(choice.reason)
    }
    writer.appendStrings(event.notChosen)
    writer.appendOptionalString(event.domain)
    writer.appendOptionalString(event.campaign)
  }

  static func readStoriesSelected(_ reader: inout ByteReader) throws(DecodingFailure)
    -> StoriesSelected
  {
    let node = try path(&reader)
    let period = try range(&reader)
    let by = try reader.string()
    var chosen: [StoriesSelected.Choice] = []
    for _ in 0..<(try reader.length()) {
      chosen.append(
        StoriesSelected.Choice(story: try reader.string(), reason: try reader.string()))
    }
    let notChosen = try reader.strings()
    // Version 4 adds the domain and the campaign; a record of an earlier version ends here.
    let domain = try reader.isAtEnd ? nil : reader.optionalString()
    let campaign = try reader.isAtEnd ? nil : reader.optionalString()
    return StoriesSelected(
      node: node, period: period, by: by, chosen: chosen, notChosen: notChosen, domain: domain,
      campaign: campaign)
  }

  static func writeFeedbackSent<Sink: ByteSink>(_ event: FeedbackSent, into writer: inout Sink) {
    writer.appendString(event.from.description)
    writer.appendString(event.to.description)
    writer.append(event.toSubtree ? 1 : 0)
    writer.appendString(event.by)
    writer.appendString(event.text)
    writer.appendOptionalString(event.story)
    writer.append(event.account == nil ? 0 : 1)
    if let account = event.account { appendRange(account, to: &writer) }
  }

  static func readFeedbackSent(_ reader: inout ByteReader) throws(DecodingFailure)
    -> FeedbackSent
  {
    let from = try path(&reader)
    let to = try path(&reader)
    let toSubtree = try reader.byte() == 1
    let by = try reader.string()
    let text = try reader.string()
    let story = try reader.optionalString()
    let account = try reader.byte() == 1 ? try range(&reader) : nil
    return FeedbackSent(
      from: from, to: to, toSubtree: toSubtree, by: by, text: text, story: story,
      account: account)
  }

  static func writePledgeMade<Sink: ByteSink>(_ event: PledgeMade, into writer: inout Sink) {
    writer.appendString(event.key)
    writer.appendString(event.node.description)
    writer.appendString(event.by)
    writer.appendString(event.text)
    writer.appendDay(event.on)
    writer.append(event.due == nil ? 0 : 1)
    if let due = event.due { writer.appendDay(due) }
    writer.appendVarint(UInt64(max(0, event.condition)))
  }

  static func readPledgeMade(_ reader: inout ByteReader) throws(DecodingFailure) -> PledgeMade {
    let key = try reader.string()
    let node = try path(&reader)
    let by = try reader.string()
    let text = try reader.string()
    let on = try reader.day()
    let due = try reader.byte() == 1 ? try reader.day() : nil
    return PledgeMade(
      key: key, node: node, by: by, text: text, on: on, due: due,
      condition: Int(try reader.varint()))
  }

  /// A join, a fulfilment or a withdrawal of a pledge: one layout.
  static func writePledgeStep<Sink: ByteSink>(_ step: PledgeStep, into writer: inout Sink) {
    writer.appendString(step.pledge)
    writer.appendString(step.by)
    writer.appendDay(step.on)
    writer.appendString(step.text)
  }

  static func readPledgeStep(_ reader: inout ByteReader) throws(DecodingFailure) -> PledgeStep {
    PledgeStep(
      pledge: try reader.string(), by: try reader.string(), on: try reader.day(),
      text: try reader.string())
  }

  static func writeParticipantErased<Sink: ByteSink>(
    _ event: ParticipantErased, into writer: inout Sink
  ) {
    writer.appendVarint(UInt64(event.sequences.count))
    for sequence in event.sequences { writer.appendVarint(sequence) }
    writer.appendString(event.reason)
  }

  static func readParticipantErased(_ reader: inout ByteReader) throws(DecodingFailure)
    -> ParticipantErased
  {
    var sequences: [UInt64] = []
    for _ in 0..<(try reader.length()) { sequences.append(try reader.varint()) }
    return ParticipantErased(sequences: sequences, reason: try reader.string())
  }

  private static func appendRange<Sink: ByteSink>(_ range: DateRange, to writer: inout Sink) {
    writer.appendDay(range.start)
    writer.appendDay(range.end)
  }

  private static func range(_ reader: inout ByteReader) throws(DecodingFailure) -> DateRange {
    let start = try reader.day()
    let end = try reader.day()
    guard start <= end else { throw DecodingFailure(description: "a period ends before it starts") }
    return DateRange(start: start, end: end)
  }

  private static func path(_ reader: inout ByteReader) throws(DecodingFailure) -> NodePath {
    let text = try reader.string()
    return NodePath(
      validSegments: text.split(separator: "/", omittingEmptySubsequences: false).map(String.init))
  }

  private static func appendFigures<Sink: ByteSink>(
    _ figures: AccountFigures, to writer: inout Sink
  ) {
    writer.appendVarint(UInt64(max(0, figures.stories)))
    for dimension in Dimension.allCases {
      for visibility in Visibility.allCases {
        writer.appendVarint(UInt64(max(0, figures.boxes[dimension][visibility].items)))
        writer.appendSigned(figures.boxes[dimension][visibility].monetised.cents)
      }
    }
    for index in 0..<3 {
      writer.appendVarint(
        UInt64(max(0, index < figures.madeVisible.count ? figures.madeVisible[index] : 0)))
    }
  }

  private static func figures(_ reader: inout ByteReader) throws(DecodingFailure) -> AccountFigures
  {
    let stories = Int(try reader.varint())
    var boxes = SixBoxes()
    for dimension in Dimension.allCases {
      for visibility in Visibility.allCases {
        boxes[dimension][visibility] = BoxFigures(
          items: Int(try reader.varint()), monetised: Money(cents: try reader.signed()))
      }
    }
    var madeVisible: [Int] = []
    for _ in 0..<3 { madeVisible.append(Int(try reader.varint())) }
    return AccountFigures(stories: stories, boxes: boxes, madeVisible: madeVisible)
  }
}
