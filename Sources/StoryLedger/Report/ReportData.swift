import Foundation

/// Every figure and piece of dialogue a report of one node shows, ready to render.
///
/// A report covers a node's whole subtree over a range of days: its six boxes at the start
/// and the end of the range and the value made visible during it; the movement period by
/// period; each child's figures and movement (the cascade); and the dialogue: accounts,
/// selected stories, feedback and what came down, pledges. Titles and narratives of stories
/// appear only where their share scope reaches the node's level. ``html()`` renders it as
/// one self-contained page.
///
/// ```swift
/// let report = try ledger.report(of: try NodePath(parsing: "nhs"), range: try DateRange(parsing: "2026"))
/// try Data(report.html().utf8).write(to: URL(filePath: "report.html"))
/// ```
public struct ReportData: Hashable, Sendable, Codable {
  /// A child of the node, as the cascade shows it.
  public struct Child: Hashable, Sendable, Codable {
    /// Its figures at the end of the range and the value made visible during it.
    public var figures: CascadeFigures
    /// Its level name.
    public var level: String
    /// Its movement through the report's periods.
    public var movement: NodeMovement
    /// Its latest account whose period overlaps the range, if any.
    public var account: AccountView?
  }

  /// A story selected as most significant at the node, with its latest narrative when its
  /// share scope allows.
  public struct SelectedStory: Hashable, Sendable, Codable {
    /// The selection (its title is `nil` when the share scope withholds it).
    public var selection: SelectionView
    /// The latest narrative on or before the end of the range, or `nil` when withheld or
    /// not read.
    public var narrative: String?
    /// Whether the story's share scope reaches the node's level.
    public var isShared: Bool
    /// The story's path as the node reads it, in time order: every level that selected it,
    /// the feedback sent down about it, the accounts that froze it, the pledges it fulfilled
    /// (see ``StoryHistory``).
    public var path: [StoryHistory.Entry] = []
    /// How many steps of its path were made at nodes off the node's line and left out.
    public var pathLeftOut: Int = 0
    /// Who verified the story and how, by the end of the range (names withheld when the
    /// story is not shared this far).
    public var verifications: [VerificationView] = []
  }

  /// The node.
  public var node: NodePath
  /// Its display name.
  public var name: String
  /// Its level name.
  public var level: String
  /// The ledger's currency code, if any.
  public var currency: String?
  /// The days covered.
  public var range: DateRange
  /// The length of each period in the movement charts.
  public var granularity: Period
  /// Active stories told in the subtree by the end of the range.
  public var stories: Int
  /// The six boxes at the end of the day before the range starts.
  public var before: SixBoxes
  /// The six boxes at the end of the range.
  public var boxes: SixBoxes
  /// Per dimension (in order), the revisions in the range that made an item visible.
  public var madeVisible: [Int]
  /// The pledges made in the subtree by the end of the range, by where they stand then.
  public var pledgeCounts: PledgeCounts
  /// The node's movement through the periods of the range (the first and last period cut
  /// to the range).
  public var movement: NodeMovement
  /// The children, in path order.
  public var children: [Child]
  /// The node's accounts whose period overlaps the range, by period.
  public var accounts: [AccountView]
  /// The stories selected at the node for periods overlapping the range.
  public var selections: [SelectedStory]
  /// What came down to the node (feedback, ancestors' selections and settled accounts),
  /// newest first.
  public var inbox: [InboxEntry]
  /// Feedback the node sent down to its children, newest first.
  public var feedbackSent: [InboxEntry]
  /// The pledges made in the subtree by the end of the range, newest first.
  public var pledges: [PledgeView]
  /// How several people rated the subtree's items, when any were rated (filled by
  /// ``Ledger/report(of:range:by:)``).
  public var calibration: ReportCalibration?
  /// Which groups of participants told the subtree's stories and whose stories each level
  /// selected, when participants with consent have attributes (filled by
  /// ``Ledger/report(of:range:by:)``).
  public var voices: ReportVoices?
  /// How the subtree's money figures were calculated, when proxies price some of them
  /// (filled by ``Ledger/report(of:range:by:)``).
  public var pricing: ReportPricing?

  /// The label of a period of the report's granularity: `2026-03`, `2026-Q1`, `2026-W05`,
  /// `2026`, or the day; a period cut by the range shows its days.
  public func label(of period: PeriodFigures) -> String {
    let whole = DateRange(
      start: granularity.start(of: period.start), end: granularity.end(of: period.start))
    if whole.start != period.start || whole.end != period.end {
      return DateRange(start: period.start, end: period.end).description
    }
    switch granularity {
    case .week:
      return "W" + String(format: "%02d", Self.isoWeek(of: period.start)) + " \(period.start.year)"
    default:
      return whole.description
    }
  }

  /// The ISO week number of the week starting on `monday`.
  static func isoWeek(of monday: Day) -> Int {
    let thursday = monday.adding(days: 3)
    guard let january1 = Day(year: thursday.year, month: 1, day: 1) else { return 1 }
    return Int(thursday.daysSinceEpoch - january1.daysSinceEpoch) / 7 + 1
  }
}

extension LedgerState {
  /// The granularity a report chooses for `range`: days up to a month, weeks up to half a
  /// year, months up to three years, quarters up to fifteen years, else years.
  public static func reportGranularity(for range: DateRange) -> Period {
    let days = Int(range.end.daysSinceEpoch - range.start.daysSinceEpoch) + 1
    switch days {
    case ...31: return .day
    case ...183: return .week
    case ...(3 * 366): return .month
    case ...(15 * 366): return .quarter
    default: return .year
    }
  }

  /// The default range of a report: whole periods from the one holding the earliest item
  /// revision to the one holding the latest, or the latest rating, agreed value or
  /// verification when it is later (today when there are none).
  public func reportRange(by period: Period? = nil) -> DateRange {
    guard var dates = revisionDateRange() else {
      let today = Day.today(in: configuration.timeZone)
      return DateRange(start: today, end: today)
    }
    for record in dialogue {
      let day: Day
      switch record.payload {
      case .itemRated(let rated): day = rated.on
      case .itemAgreed(let agreed): day = agreed.on
      case .storyVerified(let verified): day = verified.on
      default: continue
      }
      if day > dates.upperBound { dates = dates.lowerBound...day }
    }
    let raw = DateRange(start: dates.lowerBound, end: dates.upperBound)
    let granularity = period ?? Self.reportGranularity(for: raw)
    return DateRange(start: granularity.start(of: raw.start), end: granularity.end(of: raw.end))
  }

  /// The figures and dialogue of a report of `path` over `range` (default:
  /// ``reportRange(by:)``), with movement by `period` (default:
  /// ``reportGranularity(for:)``). Narratives are left `nil`: ``Ledger/report(of:range:by:)``
  /// reads them from the log.
  ///
  /// - Throws: ``LedgerError`` when there is no such node.
  public func report(
    of path: NodePath, range: DateRange? = nil, by period: Period? = nil, viewer: Viewer? = nil
  ) throws(LedgerError) -> ReportData {
    let target = try node(at: path)
    let reader = try readerIndex(viewer, default: target)
    let record = nodes[Int(target)]
    let range = range ?? reportRange(by: period)
    let granularity = period ?? Self.reportGranularity(for: range)
    let periods = Self.periods(covering: range, by: granularity).map {
      DateRange(start: max($0.start, range.start), end: min($0.end, range.end))
    }
    let cascade = try cascadeUp(of: record.path, range: range)
    let own =
      cascade.levels.first?.nodes.first
      ?? CascadeFigures(
        node: record.path, name: record.name, stories: 0, boxes: SixBoxes(),
        madeVisible: [0, 0, 0])
    let childFigures = cascade.levels.count > 1 ? cascade.levels[1].nodes : []
    let before: SixBoxes
    if range.start > Day.earliest {
      before = try summary(of: record.path, asOf: range.start.adding(days: -1)).total.boxes
    } else {
      before = SixBoxes()
    }
    let movements = try movement(
      of: [record.path] + childFigures.map(\.node), through: periods)
    func overlaps(_ period: DateRange) -> Bool {
      period.start <= range.end && range.start <= period.end
    }
    var children: [ReportData.Child] = []
    var feedbackSent: [InboxEntry] = []
    var seenFeedback = Set<UInt64>()
    for (index, figures) in childFigures.enumerated() {
      let accounts =
        dialogue.isEmpty
        ? []
        : try accounts(of: figures.node, viewer: viewer ?? .node(record.path)).filter {
          overlaps($0.period)
        }
      children.append(
        ReportData.Child(
          figures: figures,
          level: configuration.level(ofDepth: figures.node.depth) ?? "",
          movement: movements[index + 1], account: accounts.last))
      if !dialogue.isEmpty {
        for entry in try inbox(of: figures.node, viewer: viewer ?? .node(record.path))
        where entry.kind == .feedback && entry.from == record.path
          && seenFeedback.insert(entry.sequence).inserted
        {
          feedbackSent.append(entry)
        }
      }
    }
    let selections = try selections(at: record.path, viewer: viewer).filter { overlaps($0.period) }
      .map {
        ReportData.SelectedStory(
          selection: $0, narrative: nil,
          isShared: storyIndex(forKey: $0.story).map { canRead($0, by: reader) } ?? false)
      }
    return ReportData(
      node: record.path, name: record.name,
      level: configuration.level(ofDepth: record.depth) ?? "", currency: configuration.currency,
      range: range, granularity: granularity, stories: own.stories, before: before,
      boxes: own.boxes, madeVisible: own.madeVisible, pledgeCounts: own.pledges,
      movement: movements[0], children: children,
      accounts: try accounts(of: record.path, viewer: viewer).filter { overlaps($0.period) },
      selections: selections, inbox: try inbox(of: record.path, viewer: viewer),
      feedbackSent: feedbackSent.sorted { $0.sequence > $1.sequence },
      pledges: try pledges(under: record.path, asOf: range.end).reversed())
  }
}

extension Ledger {
  /// The report of `path` over `range` (default: whole periods covering every item
  /// revision), with movement by `period` (default: chosen for the range), including the
  /// latest narrative of each selected story whose share scope reaches the node's level.
  ///
  /// ```swift
  /// let report = try ledger.report(of: try NodePath(parsing: "nhs/london"))
  /// let page = report.html()
  /// ```
  public func report(of path: NodePath, range: DateRange? = nil, by period: Period? = nil)
    throws -> ReportData
  {
    try view(as: .node(path)).report(of: path, range: range, by: period)
  }

  /// The report of `path` as `viewer` may read it (see ``Ledger/report(of:range:by:)``).
  func report(of path: NodePath, range: DateRange?, by period: Period?, viewer: Viewer) throws
    -> ReportData
  {
    var report = try state.report(of: path, range: range, by: period, viewer: viewer)
    for index in report.selections.indices {
      let key = report.selections[index].selection.story
      let history = try? storyHistory(StoryRef(key), viewer: viewer)
      if let history {
        report.selections[index].path = history.entries.filter { $0.node != nil }
        report.selections[index].pathLeftOut = history.leftOut
      }
      guard report.selections[index].isShared else { continue }
      guard let history, history.isShared else {
        report.selections[index].isShared = false
        continue
      }
      let tellings = history.entries.filter { $0.kind == .telling && $0.on <= report.range.end }
      report.selections[index].narrative = tellings.last?.text
    }
    for index in report.selections.indices {
      let selected = report.selections[index]
      report.selections[index].verifications = state.verifications(
        ofStory: selected.selection.story, showNames: selected.isShared
      ).filter { $0.on <= report.range.end }
    }
    report.calibration = try reportCalibration(of: path, range: report.range)
    report.voices = reportVoices(of: path, range: report.range)
    report.pricing = try reportPricing(of: path, range: report.range)
    return report
  }
}
