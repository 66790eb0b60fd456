import Foundation

/// An event as the log recorded it: its payload with the sequence number, the instant,
/// the actor and the hash that chains it to the events before it.
///
/// ```swift
/// try ledger.forEachEvent { event in
///   print(event.sequence, event.type.name, event.id)
/// }
/// ```
public struct RecordedEvent: Hashable, Sendable {
  /// The global sequence number, starting at 1, without gaps.
  public let sequence: UInt64
  /// The instant the event was recorded, in milliseconds since 1970-01-01 UTC.
  public let recordedAtMilliseconds: Int64
  /// Who recorded it.
  public let actor: String
  /// The client key of the append this event belongs to, on the first event of that append.
  public let idempotencyKey: String?
  /// The schema version the event was written with.
  public let schemaVersion: UInt16
  /// What the event says.
  public let payload: EventPayload
  /// The chain hash: SHA-256 of the previous event's hash and this event's hashed content.
  public let hash: SHA256Digest
  /// Whether the event's personal text (narratives, teller names) has been erased.
  public let isPersonalTextErased: Bool

  /// Creates a recorded event.
  public init(
    sequence: UInt64, recordedAtMilliseconds: Int64, actor: String, idempotencyKey: String?,
    schemaVersion: UInt16, payload: EventPayload, hash: SHA256Digest, isPersonalTextErased: Bool
  ) {
    self.sequence = sequence
    self.recordedAtMilliseconds = recordedAtMilliseconds
    self.actor = actor
    self.idempotencyKey = idempotencyKey
    self.schemaVersion = schemaVersion
    self.payload = payload
    self.hash = hash
    self.isPersonalTextErased = isPersonalTextErased
  }

  /// The event's type.
  public var type: EventType { payload.type }

  /// The instant the event was recorded.
  public var recordedAt: Date { Date(timeIntervalSince1970: Double(recordedAtMilliseconds) / 1000) }

  /// The event id: the first 16 bytes of its chain hash, in UUID form. Stable under erasure.
  public var id: String {
    let hex = Array(hash.hex.prefix(32))
    return String(hex[0..<8]) + "-" + String(hex[8..<12]) + "-" + String(hex[12..<16]) + "-"
      + String(hex[16..<20]) + "-" + String(hex[20..<32])
  }
}

/// A position in a log: the last event's sequence number and hash, and where the next
/// record starts.
///
/// Positions let a reader catch up from where it stopped and let a snapshot prove which
/// events it reflects.
public struct LogPosition: Hashable, Sendable, CustomStringConvertible {
  /// The sequence number of the last event at or before the position (0 for an empty log).
  public var sequence: UInt64
  /// The chain hash of that event (``SHA256Digest/zero`` for an empty log).
  public var hash: SHA256Digest
  /// A storage-specific location of the next record (a byte offset for the file log).
  public var offset: UInt64

  /// Creates a position.
  public init(sequence: UInt64, hash: SHA256Digest, offset: UInt64) {
    self.sequence = sequence
    self.hash = hash
    self.offset = offset
  }

  /// The position before the first event.
  public static func start(offset: UInt64 = 0) -> LogPosition {
    LogPosition(sequence: 0, hash: .zero, offset: offset)
  }

  /// For example `event 120 (3f2a…)`.
  public var description: String { "event \(sequence) (\(hash.hex.prefix(12)))" }
}

/// Events to append together: one durable write, one sync, all or nothing.
public struct AppendBatch: Sendable {
  /// The events, in order.
  public var events: [EventPayload]
  /// Who is recording them.
  public var actor: String
  /// A client key: appending a batch whose key the log already holds adds nothing.
  public var idempotencyKey: String?

  /// Creates a batch.
  public init(events: [EventPayload], actor: String, idempotencyKey: String? = nil) {
    self.events = events
    self.actor = actor
    self.idempotencyKey = idempotencyKey
  }
}

extension RecordedEvent {
  /// The text a viewer outside a story's share scope sees in place of its title, tellers
  /// and narratives.
  public static let withheldMark = "(withheld)"

  /// This event with its story's title, tellers, narrative, personal answers, raters,
  /// verifiers and participants' descriptions withheld
  /// (other events as they are): what a viewer outside the story's share scope reads. A
  /// personal answer keeps its question and flag; its value becomes the text `(withheld)`.
  func withStoryTextWithheld() -> RecordedEvent {
    let mark = Self.withheldMark
    var payload = payload
    switch payload {
    case .storyTold(var told):
      told.title = mark
      told.tellers = []
      payload = .storyTold(told)
    case .tellingRecorded(var telling):
      telling.narrative = mark
      payload = .tellingRecorded(telling)
    case .storyUpdated(var update):
      if update.title != nil { update.title = mark }
      payload = .storyUpdated(update)
    case .storyAnswered(var answered):
      guard answered.answers.contains(where: \.isPersonal) else { return self }
      for index in answered.answers.indices where answered.answers[index].isPersonal {
        answered.answers[index].value = .text(mark)
      }
      payload = .storyAnswered(answered)
    case .itemRated(var rated):
      rated.by = mark
      payload = .itemRated(rated)
    case .storyVerified(var verified):
      verified.by = mark
      payload = .storyVerified(verified)
    case .participantAdded:
      // A participant's description is theirs alone: nothing of it is shown.
      payload = .participantAdded(ParticipantAdded(name: ""))
    default:
      return self
    }
    return RecordedEvent(
      sequence: sequence, recordedAtMilliseconds: recordedAtMilliseconds, actor: actor,
      idempotencyKey: idempotencyKey, schemaVersion: schemaVersion, payload: payload,
      hash: hash, isPersonalTextErased: isPersonalTextErased)
  }
}
