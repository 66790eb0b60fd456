/// The binary encoding of the dialogue's events: accounts, selections, feedback, pledges.
extension EventCodec {
  static func encodeDialogue<Sink: ByteSink>(_ payload: EventPayload, into writer: inout Sink) {
    switch payload {
    case .accountProposed(let event):
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
    case .accountObjected(let step), .accountResponded(let step), .accountSettled(let step),
      .accountReopened(let step):
      writer.appendString(step.node.description)
      appendRange(step.period, to: &writer)
      writer.appendString(step.by)
      writer.appendString(step.text)
      writer.appendVarint(UInt64(max(0, step.objection)))
    case .storiesSelected(let event):
      writer.appendString(event.node.description)
      appendRange(event.period, to: &writer)
      writer.appendString(event.by)
      writer.appendVarint(UInt64(event.chosen.count))
      for choice in event.chosen {
        writer.appendString(choice.story)
        writer.appendString(choice.reason)
      }
      writer.appendStrings(event.notChosen)
    case .feedbackSent(let event):
      writer.appendString(event.from.description)
      writer.appendString(event.to.description)
      writer.append(event.toSubtree ? 1 : 0)
      writer.appendString(event.by)
      writer.appendString(event.text)
      writer.appendOptionalString(event.story)
      writer.append(event.account == nil ? 0 : 1)
      if let account = event.account { appendRange(account, to: &writer) }
    case .pledgeMade(let event):
      writer.appendString(event.key)
      writer.appendString(event.node.description)
      writer.appendString(event.by)
      writer.appendString(event.text)
      writer.appendDay(event.on)
      writer.append(event.due == nil ? 0 : 1)
      if let due = event.due { writer.appendDay(due) }
      writer.appendVarint(UInt64(max(0, event.condition)))
    case .pledgeJoined(let step), .pledgeFulfilled(let step), .pledgeWithdrawn(let step):
      writer.appendString(step.pledge)
      writer.appendString(step.by)
      writer.appendDay(step.on)
      writer.appendString(step.text)
    case .participantErased(let event):
      writer.appendVarint(UInt64(event.sequences.count))
      for sequence in event.sequences { writer.appendVarint(sequence) }
      writer.appendString(event.reason)
    default:
      break
    }
  }

  static func decodeDialogue(_ type: EventType, _ reader: inout ByteReader) throws(DecodingFailure)
    -> EventPayload
  {
    switch type {
    case .accountProposed:
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
      return .accountProposed(
        AccountProposed(
          node: node, period: period, by: by, narrative: narrative, figures: figures,
          children: children, selected: selected))
    case .accountObjected, .accountResponded, .accountSettled, .accountReopened:
      let step = AccountStep(
        node: try path(&reader), period: try range(&reader), by: try reader.string(),
        text: try reader.string(), objection: Int(try reader.varint()))
      switch type {
      case .accountObjected: return .accountObjected(step)
      case .accountResponded: return .accountResponded(step)
      case .accountSettled: return .accountSettled(step)
      default: return .accountReopened(step)
      }
    case .storiesSelected:
      let node = try path(&reader)
      let period = try range(&reader)
      let by = try reader.string()
      var chosen: [StoriesSelected.Choice] = []
      for _ in 0..<(try reader.length()) {
        chosen.append(
          StoriesSelected.Choice(story: try reader.string(), reason: try reader.string()))
      }
      return .storiesSelected(
        StoriesSelected(
          node: node, period: period, by: by, chosen: chosen, notChosen: try reader.strings()))
    case .feedbackSent:
      let from = try path(&reader)
      let to = try path(&reader)
      let toSubtree = try reader.byte() == 1
      let by = try reader.string()
      let text = try reader.string()
      let story = try reader.optionalString()
      let account = try reader.byte() == 1 ? try range(&reader) : nil
      return .feedbackSent(
        FeedbackSent(
          from: from, to: to, toSubtree: toSubtree, by: by, text: text, story: story,
          account: account))
    case .pledgeMade:
      let key = try reader.string()
      let node = try path(&reader)
      let by = try reader.string()
      let text = try reader.string()
      let on = try reader.day()
      let due = try reader.byte() == 1 ? try reader.day() : nil
      return .pledgeMade(
        PledgeMade(
          key: key, node: node, by: by, text: text, on: on, due: due,
          condition: Int(try reader.varint())))
    case .pledgeJoined, .pledgeFulfilled, .pledgeWithdrawn:
      let step = PledgeStep(
        pledge: try reader.string(), by: try reader.string(), on: try reader.day(),
        text: try reader.string())
      switch type {
      case .pledgeJoined: return .pledgeJoined(step)
      case .pledgeFulfilled: return .pledgeFulfilled(step)
      default: return .pledgeWithdrawn(step)
      }
    case .participantErased:
      var sequences: [UInt64] = []
      for _ in 0..<(try reader.length()) { sequences.append(try reader.varint()) }
      return .participantErased(
        ParticipantErased(sequences: sequences, reason: try reader.string()))
    default:
      throw DecodingFailure(description: "\(type.name) is not a dialogue event")
    }
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
