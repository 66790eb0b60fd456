import Foundation

extension RecordedEvent {
  /// The event as one line of JSON (no line feed), for `storyledger log` and audits.
  ///
  /// Keys: `sequence`, `id`, `type`, `schema`, `recorded_at` (ISO 8601, UTC, milliseconds),
  /// `actor`, `idempotency_key` (when set), `erased` (when personal text was erased),
  /// `hash`, and `payload` with the event's fields.
  ///
  /// ```swift
  /// try ledger.forEachEvent { print($0.jsonLine) }
  /// ```
  public var jsonLine: String {
    var bytes: [UInt8] = []
    appendJSON(to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Appends the event as one line of JSON (no line feed) to `bytes`.
  public func appendJSON(to bytes: inout [UInt8]) {
    var object = JSONObjectWriter(bytes: bytes)
    object.number("sequence", sequence)
    object.string("id", id)
    object.string("type", type.name)
    object.number("schema", schemaVersion)
    object.string("recorded_at", RecordedEvent.timestamp(recordedAtMilliseconds))
    object.string("actor", actor)
    if let idempotencyKey { object.string("idempotency_key", idempotencyKey) }
    if isPersonalTextErased { object.raw("erased", "true") }
    object.string("hash", hash.hex)
    object.key("payload")
    var payloadObject = JSONObjectWriter(bytes: [])
    payload.appendFields(to: &payloadObject)
    object.bytes += payloadObject.finish()
    bytes = object.finish()
  }

  static func timestamp(_ milliseconds: Int64) -> String {
    let days = Int64((Double(milliseconds) / 86_400_000).rounded(.down))
    let rest = milliseconds - days * 86_400_000
    let day = Day(daysSinceEpoch: Int32(clamping: days))
    let hours = rest / 3_600_000
    let minutes = rest / 60_000 % 60
    let seconds = rest / 1000 % 60
    let millis = rest % 1000
    func pad(_ value: Int64, _ width: Int) -> String {
      let text = String(value)
      return String(repeating: "0", count: max(0, width - text.count)) + text
    }
    return "\(day)T\(pad(hours, 2)):\(pad(minutes, 2)):\(pad(seconds, 2)).\(pad(millis, 3))Z"
  }
}

extension EventPayload {
  func appendFields(to object: inout JSONObjectWriter) {
    switch self {
    case .ledgerCreated(let configuration):
      object.strings("levels", configuration.levels)
      if let currency = configuration.currency { object.string("currency", currency) }
      object.string("timezone", configuration.timeZoneIdentifier)
    case .nodeAdded(let event):
      object.string("node", event.path.description)
      object.string("name", event.name)
    case .nodeRenamed(let event):
      object.string("node", event.path.description)
      object.string("name", event.name)
    case .nodeMoved(let event):
      object.string("node", event.path.description)
      object.string("parent", event.parent?.description ?? "")
      object.string("new_path", event.newPath.description)
    case .nodeRetired(let event):
      object.string("node", event.path.description)
      object.string("reason", event.reason)
    case .storyUpdated(let event):
      object.string("story", event.story)
      if let title = event.title { object.string("title", title) }
      if let tags = event.tags { object.strings("tags", tags) }
      if let share = event.share { object.string("share", share) }
    case .storyWithdrawn(let event):
      object.string("story", event.story)
      object.string("reason", event.reason)
      object.raw("erase", event.erase ? "true" : "false")
    case .storyTold(let event):
      object.string("story", event.key)
      object.string("node", event.node.description)
      object.string("on", event.on.description)
      object.string("title", event.title)
      object.strings("tellers", event.tellers)
      object.strings("tags", event.tags)
      object.string("share", event.share)
    case .tellingRecorded(let event):
      object.string("story", event.story)
      object.string("on", event.on.description)
      object.string("narrative", event.narrative)
    case .storyAnswered(let event):
      object.string("story", event.story)
      object.string("on", event.on.description)
      object.key("answers")
      object.bytes.append(UInt8(ascii: "["))
      for (index, answer) in event.answers.enumerated() {
        if index > 0 { object.bytes.append(UInt8(ascii: ",")) }
        object.bytes = answer.appendingJSON(to: object.bytes)
      }
      object.bytes.append(UInt8(ascii: "]"))
    case .itemRecorded(let event):
      object.string("story", event.story)
      object.string("item", event.item)
      object.string("on", event.on.description)
      object.string("dimension", event.dimension.rawValue)
      event.facts.appendFields(to: &object)
    case .itemRevised(let event):
      object.string("story", event.story)
      object.string("item", event.item)
      object.string("on", event.on.description)
      event.facts.appendFields(to: &object)
    case .accountProposed(let event):
      object.string("node", event.node.description)
      object.string("period", event.period.description)
      object.string("by", event.by)
      object.string("narrative", event.narrative)
      object.raw("figures", json(event.figures))
      object.raw("children", json(event.children))
      object.strings("selected", event.selected)
    case .accountObjected(let step), .accountResponded(let step), .accountSettled(let step),
      .accountReopened(let step):
      object.string("node", step.node.description)
      object.string("period", step.period.description)
      object.string("by", step.by)
      object.string("text", step.text)
      if step.objection > 0 { object.number("objection", step.objection) }
    case .storiesSelected(let event):
      object.string("node", event.node.description)
      object.string("period", event.period.description)
      object.string("by", event.by)
      if event.panel.count > 1 { object.strings("panel", event.panel) }
      object.raw("chosen", json(event.chosen))
      object.strings("not_chosen", event.notChosen)
      if let domain = event.domain { object.string("domain", domain) }
      if let campaign = event.campaign { object.string("campaign", campaign) }
    case .feedbackSent(let event):
      object.string("from", event.from.description)
      object.string("to", event.to.description)
      object.raw("to_subtree", event.toSubtree ? "true" : "false")
      object.string("by", event.by)
      object.string("text", event.text)
      if let story = event.story { object.string("story", story) }
      if let account = event.account { object.string("account", account.description) }
    case .pledgeMade(let event):
      object.string("pledge", event.key)
      object.string("node", event.node.description)
      object.string("by", event.by)
      object.string("text", event.text)
      object.string("on", event.on.description)
      if let due = event.due { object.string("due", due.description) }
      if event.condition > 0 { object.number("condition", event.condition) }
    case .pledgeJoined(let step), .pledgeFulfilled(let step), .pledgeWithdrawn(let step):
      object.string("pledge", step.pledge)
      object.string("by", step.by)
      object.string("on", step.on.description)
      if !step.text.isEmpty {
        object.string(self.type == .pledgeFulfilled ? "story" : "reason", step.text)
      }
    case .participantErased(let event):
      object.raw("events", "[" + event.sequences.map(String.init).joined(separator: ",") + "]")
      object.string("reason", event.reason)
    case .sessionStarted(let event):
      object.string("session", event.key)
      object.string("node", event.node.description)
      object.string("on", event.on.description)
      object.string("facilitator", event.facilitator)
      object.strings("with", event.with)
      if !event.note.isEmpty { object.string("note", event.note) }
    case .sessionLinked(let event):
      object.string("session", event.session)
      object.number("events", event.count)
    case .itemRated(let event):
      object.string("story", event.story)
      object.string("item", event.item)
      object.string("by", event.by)
      object.number("weight", event.weight)
      object.string("on", event.on.description)
      if let first = event.first { object.number("first", first) }
    case .itemAgreed(let event):
      object.string("story", event.story)
      object.string("item", event.item)
      object.number("weight", event.weight)
      object.string("on", event.on.description)
      if !event.note.isEmpty { object.string("note", event.note) }
    case .storyVerified(let event):
      object.string("story", event.story)
      object.string("by", event.by)
      object.string("how", event.how)
      object.string("on", event.on.description)
    case .storyGrouped(let event):
      object.string("story", event.story)
      if let domain = event.domain { object.string("domain", domain) }
      object.strings("campaigns", event.campaigns)
    case .domainAdded(let event), .campaignAdded(let event):
      object.string("name", event.name)
      if !event.description.isEmpty { object.string("description", event.description) }
    case .proxySet(let event):
      object.string("name", event.name)
      object.string("value", event.value.description)
      object.string("unit", event.unit)
      object.string("source", event.source)
      object.string("from", event.from.description)
    case .participantAdded(let event):
      object.string("name", event.name)
      object.raw(
        "attributes",
        json(Dictionary(event.attributes.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })))
      if let consent = event.consent { object.string("consent", consent.description) }
    }
  }

  /// A value of the dialogue as JSON, keys sorted and in snake case.
  private func json<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
  }
}

extension Answer {
  /// The answer as a JSON object: `question`, `kind`, `value` (a string; an array of
  /// strings for `choices`; `true` or `false` for a boolean), `scale` (`{"min","max"}`, for
  /// a number on a scale) and `personal`.
  func appendingJSON(to bytes: [UInt8]) -> [UInt8] {
    var object = JSONObjectWriter(bytes: bytes)
    object.string("question", question)
    object.string("kind", value.kind)
    switch value {
    case .text(let text), .choice(let text): object.string("value", text)
    case .choices(let choices): object.strings("value", choices)
    case .number(let number, let scale):
      object.string("value", number)
      if let scale {
        var range = JSONObjectWriter(bytes: [])
        range.string("min", scale.minimum)
        range.string("max", scale.maximum)
        object.raw("scale", String(decoding: range.finish(), as: UTF8.self))
      }
    case .boolean(let flag): object.raw("value", flag ? "true" : "false")
    }
    object.raw("personal", isPersonal ? "true" : "false")
    return object.finish()
  }
}

extension ItemFacts {
  func appendFields(to object: inout JSONObjectWriter) {
    if let visibility { object.string("visibility", visibility.rawValue) }
    if let description { object.string("description", description) }
    if let quantity { object.string("quantity", quantity) }
    if let unit { object.string("unit", unit) }
    if let monetised { object.string("monetised", monetised.description) }
    if let weight { object.number("weight", weight) }
    if let evidence { object.string("evidence", evidence) }
    if let evidenceLink { object.string("evidence_link", evidenceLink) }
    if let evidenceDigest { object.string("evidence_sha256", evidenceDigest) }
    if let proxy { object.string("proxy", proxy) }
    if let multiplier { object.string("multiplier", multiplier) }
  }
}

/// Writes one JSON object key by key, for hand-rolled JSON output on hot paths.
///
/// ```swift
/// var object = JSONObjectWriter(bytes: [])
/// object.string("node", "nhs/london")
/// object.number("stories", 12)
/// String(decoding: object.finish(), as: UTF8.self)  // {"node":"nhs/london","stories":12}
/// ```
public struct JSONObjectWriter {
  /// The bytes written so far (the object is open until ``finish()``).
  public var bytes: [UInt8]
  private var count = 0

  /// Starts an object after `bytes`.
  public init(bytes: [UInt8]) {
    self.bytes = bytes
    self.bytes.append(UInt8(ascii: "{"))
  }

  /// Writes a key; the value must follow.
  public mutating func key(_ name: String) {
    if count > 0 { bytes.append(UInt8(ascii: ",")) }
    count += 1
    TextEncoding.appendJSONString(name, to: &bytes)
    bytes.append(UInt8(ascii: ":"))
  }

  /// Writes a string member.
  public mutating func string(_ name: String, _ value: String) {
    key(name)
    TextEncoding.appendJSONString(value, to: &bytes)
  }

  /// Writes an array-of-strings member.
  public mutating func strings(_ name: String, _ values: [String]) {
    key(name)
    bytes.append(UInt8(ascii: "["))
    for (index, value) in values.enumerated() {
      if index > 0 { bytes.append(UInt8(ascii: ",")) }
      TextEncoding.appendJSONString(value, to: &bytes)
    }
    bytes.append(UInt8(ascii: "]"))
  }

  /// Writes an integer member.
  public mutating func number<T: BinaryInteger>(_ name: String, _ value: T) {
    key(name)
    TextEncoding.appendInteger(value, to: &bytes)
  }

  /// Writes a member whose value is already JSON (`true`, a validated number).
  public mutating func raw(_ name: String, _ value: String) {
    key(name)
    bytes.append(contentsOf: value.utf8)
  }

  /// Closes the object and returns its bytes.
  public mutating func finish() -> [UInt8] {
    bytes.append(UInt8(ascii: "}"))
    return bytes
  }
}
