import Foundation
import StoryLedger

/// A round of the cascading dialogue recorded on a demo ledger, so that the demo shows it:
/// for one quarter, down the branch with the most value, teams and organisations select their
/// most significant stories, every node on the way proposes an account that is settled level
/// by level up to the top (one objection raised and answered on the way), feedback flows
/// down, and people make, join, fulfil and withdraw pledges. Each place meets in a session
/// (facilitated, with the people taking part and a note, in several languages) that records
/// its selection and its account; above the teams, a panel of three selects.
///
/// ```swift
/// let round = try DemoDialogue.record(on: ledger, period: try DateRange(parsing: "2026-Q1"))
/// print(round.settled, round.selections, round.pledges)
/// ```
public enum DemoDialogue {
  /// What a round recorded.
  public struct Round: Hashable, Sendable {
    /// The nodes whose accounts were settled, from the bottom up.
    public var settled: [NodePath] = []
    /// The stories selected.
    public var selections = 0
    /// The feedback sent.
    public var feedback = 0
    /// The pledges made.
    public var pledges = 0
    /// The sessions held (one per place that selected and settled).
    public var sessions = 0
    /// The story selected at the most levels (the first such key), whose path `story show`
    /// tells.
    public var furthest: String?
    /// The ratings of items recorded (`item rate`), by several people.
    public var ratings = 0
    /// The items given an agreed value (`item agree`).
    public var agreed = 0
    /// The stories verified (`story verified`).
    public var verified = 0
    /// The items given evidence that can be checked (a link and a file's digest).
    public var checkableEvidence = 0
    /// The stories placed under a domain of change (``DemoDialogue/domains``).
    public var grouped = 0
    /// The stories in the demo's campaign (``DemoDialogue/campaign``).
    public var inCampaign = 0
    /// The tellers described as participants (`participant add`), and how many of them have
    /// consent recorded.
    public var participants = 0
    /// The participants whose consent is recorded.
    public var consented = 0
    /// The items priced by a proxy (``DemoDialogue/proxy``).
    public var priced = 0
    /// The priced items revised when the proxy took its new value.
    public var repriced = 0
  }

  /// The demo's proxy: its name, unit, values (in pence) and sources, the second from six
  /// weeks into the period.
  public static let proxy = (
    name: "bed-day", unit: "bed-day",
    first: (cents: Int64(40_000), source: "NHS reference costs 2024 (excess bed-day, average)"),
    second: (cents: Int64(42_000), source: "NHS reference costs 2025 (excess bed-day, average)")
  )

  /// The roles the demo's tellers are described with, by teller, in turn: a role's groups
  /// are what `export voices` counts.
  static let roles = [
    ("patient", "public"), ("nurse", "staff"), ("carer", "public"), ("doctor", "staff"),
    ("manager", "staff"), ("patient", "public"), ("porter", "staff"), ("team", "staff"),
  ]

  /// The demo's domains of change: their names and what they cover, in several languages.
  public static let domains = [
    ("Changes in people's lives", "What changed for patients, carers and families."),
    ("Changes in how teams work", "What changed in the way staff work together."),
    ("Cambios en la forma de cuidar", "Lo que cambió en la manera de cuidar."),
  ]

  /// The demo's campaign: a national day of stories and pledges, across the hierarchy.
  public static let campaign = ("Change Day", "The national day of stories and pledges.")

  /// How the demo's verifiers say they verified a story, in several languages.
  static let verificationNotes = [
    "Visited the ward and read the attendance register with the sister in charge.",
    "Visité el centro y hablé con las personas de la historia.",
    "与护士长面谈，核对了值班记录。",
  ]

  /// The people who rate items in the demo, in several languages and scripts.
  static let raters = ["Asha Patel", "李伟", "Zoë Ångström", "نادية رحمن", "Kwame Mensah"]

  /// How the demo's groups say they agreed, in several languages.
  static let agreementNotes = [
    "Agreed at the team huddle after comparing our ratings.",
    "Acordado en el taller de marzo.",
    "在三月的工作坊上达成一致。",
  ]

  static let people = [
    "Asha Patel", "Sam Reed", "Dr Ioan Price", "Marta Nowak", "Kwame Mensah", "Li Wei",
    "Nadia Rahman", "Tom Hughes",
  ]

  /// Who facilitates the sessions, in turn.
  static let facilitators = [
    "Amina Yusuf", "Sofía Martínez", "Олена Коваленко", "田中 由美", "Chidi Okafor", "Aroha Ngata",
  ]

  /// The sessions' notes, in turn: the same meeting in several languages.
  static let notes = [
    "Story circle: we read the quarter's stories aloud and chose together.",
    "Círculo de historias: leímos las historias del trimestre y elegimos juntos.",
    "Коло історій: ми читали історії кварталу вголос і обирали разом.",
    "物語の輪：四半期の物語を読み上げ、みんなで選びました。",
    "Cercle d'histoires : nous avons lu les histoires du trimestre et choisi ensemble.",
  ]

  /// Why the places chose their stories, in turn: in the languages the sessions speak.
  static let reasons = [
    "It shows value that the figures alone would miss. People here told it again and again.",
    "Muestra un valor que las cifras solas no ven: aquí la contaron una y otra vez.",
    "Вона показує цінність, якої не видно в цифрах: люди розповідали її знову і знову.",
    "数字だけでは見えない価値を示している。ここで何度も語られた物語だ。",
  ]

  /// Records the round for `period` on `ledger` (a demo ledger, or any ledger with stories).
  @discardableResult
  public static func record(on ledger: Ledger, period: DateRange) throws -> Round {
    var round = Round()
    let options = Ledger.AppendOptions(actor: "demo")
    guard let top = ledger.state.topLevelNodes.first else { return round }
    // The branch with the most value: each level's child with the most items.
    var branch = [top]
    while let last = branch.last {
      let summary = try ledger.summary(of: last)
      guard let child = summary.children.max(by: { $0.boxes.total.items < $1.boxes.total.items }),
        child.boxes.total.items > 0
      else { break }
      branch.append(child.node)
    }
    // Evidence that can be checked arrives before the accounts are drawn up.
    if let place = branch.last {
      try recordEvidence(on: ledger, at: place, period: period, round: &round, options: options)
      try recordProxies(on: ledger, at: place, period: period, round: &round, options: options)
    }
    // The tellers are described, so that `export voices` shows whose voice is heard.
    try recordParticipants(on: ledger, period: period, round: &round, options: options)
    // Stories of the bottom organisation are told under domains of change and in a campaign.
    try recordGroupings(
      on: ledger, under: branch[max(0, branch.count - 2)], period: period, round: &round,
      options: options)
    // Bottom up: the deepest node on the branch and its siblings select and settle first.
    var levels: [String: Int] = [:]
    var person = 0
    func next() -> String {
      person += 1
      return people[person % people.count]
    }
    for depth in stride(from: branch.count - 1, through: 0, by: -1) {
      let node = branch[depth]
      let siblings: [NodePath]
      if depth == branch.count - 1, depth > 0 {
        siblings = try ledger.summary(of: branch[depth - 1]).children.map(\.node).prefix(4).map {
          $0
        }
      } else {
        siblings = [node]
      }
      for place in Set(siblings + [node]).sorted() {
        // The place meets: a week after the quarter for the teams, a week later each level up.
        let meeting = try ledger.startSession(
          at: place, on: period.end.adding(days: 7 * (branch.count - depth)),
          facilitator: facilitators[round.sessions % facilitators.count],
          with: [
            people[(round.sessions + 3) % people.count],
            people[(round.sessions + 5) % people.count],
          ],
          note: notes[round.sessions % notes.count], key: "meet-\(round.sessions + 1)",
          options: options)
        round.sessions += 1
        var options = options
        options.session = meeting.ref
        if place == node && depth == branch.count - 1 {
          // The deepest node selects per domain of change, as Most Significant Change does.
          for (domain, _) in domains {
            let filter = StoryGroupFilter(domain: domain)
            guard
              let story = try ledger.state.candidates(at: place, period: period, stories: filter)
                .first
            else { continue }
            try ledger.selectStories(
              at: place, period: period,
              choices: [
                StoriesSelected.Choice(
                  story: story, reason: reasons[(round.sessions + story.count) % reasons.count])
              ], panel: [next()], stories: filter, options: options)
            round.selections += 1
            levels[story, default: 0] += 1
          }
        }
        let selected = Set(try ledger.state.selections(at: place, period: period).map(\.story))
        let candidates = try ledger.state.candidates(at: place, period: period).filter {
          !selected.contains($0)
        }
        let chosen = Array(candidates.prefix(depth == 0 ? 1 : 2))
        if !chosen.isEmpty {
          // The teams' lead selects; above them a panel of three.
          let panel = depth == branch.count - 1 ? [next()] : [next(), next(), next()]
          try ledger.selectStories(
            at: place, period: period,
            choices: chosen.map {
              StoriesSelected.Choice(
                story: $0,
                reason: reasons[(round.sessions + $0.count) % reasons.count])
            }, panel: panel, options: options)
          round.selections += chosen.count
          for story in chosen { levels[story, default: 0] += 1 }
        }
        try ledger.proposeAccount(
          of: place, period: period,
          narrative:
            "In \(period) the value of \(place.name) moved from invisible to visible as evidence arrived.",
          by: next(), options: options)
        if place == node && depth == branch.count - 2 {
          try ledger.objectToAccount(
            of: place, period: period,
            reason: "The account leaves out the night teams. Their stories came in late.",
            by: next(),
            options: options)
          try ledger.respondToObjection(
            1, of: place, period: period,
            response: "The night teams' stories are in the figures as of the end of the quarter.",
            by: next(), options: options)
        }
        try ledger.settleAccount(of: place, period: period, by: next(), options: options)
        round.settled.append(place)
      }
    }
    round.furthest = levels.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key
    // Feedback down the branch.
    for (parent, child) in zip(branch, branch.dropFirst()) {
      let selected = try ledger.state.selections(at: parent, period: period).first
      try ledger.sendFeedback(
        from: parent, to: child, toSubtree: parent == top,
        text: "Thank you for your stories this quarter: they are in our settled account.",
        story: selected.map { StoryRef($0.story) }, account: period, by: next(), options: options)
      round.feedback += 1
    }
    // Pledges at the bottom of the branch.
    if let place = branch.last {
      let stories = try ledger.items(ItemQuery(scope: .node(place), limit: 1)).items.map(\.story)
      let made = period.start
      let walk = try ledger.makePledge(
        at: place, text: "I will walk one clinic a week with patients.", on: made,
        due: period.end.adding(days: 60), by: people[0], options: options)
      try ledger.joinPledge(walk.ref, on: made.adding(days: 3), by: people[1], options: options)
      if let story = stories.first {
        try ledger.fulfilPledge(
          walk.ref, story: StoryRef(story), on: made.adding(days: 40), by: people[0],
          options: options)
      }
      let route = try ledger.makePledge(
        at: place, text: "We will open a walking route if five of us join.",
        on: made.adding(days: 5),
        condition: 5, by: people[2], options: options)
      for index in 3..<6 {
        try ledger.joinPledge(
          route.ref, on: made.adding(days: 5 + index), by: people[index], options: options)
      }
      let lapsing = try ledger.makePledge(
        at: place, text: "I will write up the huddle method for other wards.",
        on: made.adding(days: 10),
        due: made.adding(days: 30), by: people[6], options: options)
      _ = lapsing
      let withdrawn = try ledger.makePledge(
        at: place, text: "I will start a night-shift book club.", on: made.adding(days: 12),
        by: people[7], options: options)
      try ledger.withdrawPledge(
        withdrawn.ref, reason: "Moved to another trust.", on: made.adding(days: 50), by: people[7],
        options: options)
      round.pledges = 4
      // Ratings across the organisation above the bottom team, so its teams' spreads differ.
      let rated = branch.count >= 2 ? branch[branch.count - 2] : place
      try recordRatings(on: ledger, at: rated, period: period, round: &round, options: options)
      try recordVerifications(
        on: ledger, along: branch, period: period, round: &round, options: options)
    }
    return round
  }

  /// Describes every teller of the demo's phrases as a participant: a role and a group in
  /// turn, and consent recorded on the period's first day for all but every fifth, whose
  /// stories `export voices` then counts as `(no consent)`.
  static func recordParticipants(
    on ledger: Ledger, period: DateRange, round: inout Round, options: Ledger.AppendOptions
  ) throws {
    let tellers = DemoPhrases.languages.flatMap(\.tellers)
    for (index, teller) in tellers.enumerated() {
      let (role, group) = roles[index % roles.count]
      let consents = index % 5 != 4
      try ledger.addParticipant(
        teller, attributes: [(key: "role", value: role), (key: "group", value: group)],
        consent: consents ? period.start : nil, options: options)
      round.participants += 1
      if consents { round.consented += 1 }
    }
  }

  /// Defines the demo's domains and campaign, and places the stories told in the period
  /// under `place` in them: each under a domain in turn, every other one in the campaign.
  static func recordGroupings(
    on ledger: Ledger, under place: NodePath, period: DateRange, round: inout Round,
    options: Ledger.AppendOptions
  ) throws {
    for (name, description) in domains {
      try ledger.addDomain(name, description: description, options: options)
    }
    try ledger.addCampaign(campaign.0, description: campaign.1, options: options)
    var seen = Set<String>()
    for item in try ledger.items(ItemQuery(scope: .node(place), range: period, limit: 400)).items
    where seen.count < 60 && seen.insert(item.story).inserted {
      let index = seen.count - 1
      try ledger.groupStory(
        StoryRef(item.story), domain: domains[index % domains.count].0,
        campaigns: index % 2 == 0 ? [campaign.0] : [], options: options)
      round.grouped += 1
      if index % 2 == 0 { round.inCampaign += 1 }
    }
  }

  /// Several people rate the calibrating items of `place`'s subtree (one of them twice, as
  /// they change their mind), and the group agrees a value for each: deterministic, so that
  /// the demo reads the same on every run.
  static func recordRatings(
    on ledger: Ledger, at place: NodePath, period: DateRange, round: inout Round,
    options: Ledger.AppendOptions
  ) throws {
    let items = try ledger.items(
      ItemQuery(
        scope: .node(place), dimension: .calibrating,
        range: DateRange(start: .earliest, end: period.end), limit: 6)
    ).items
    for (position, item) in items.enumerated() {
      let reference = ItemRef(story: StoryRef(item.story), key: item.item)
      let first = max(item.recordedOn, period.start).adding(days: 7)
      for (index, rater) in raters.prefix(3 + position % 3).enumerated() {
        let weight = 1 + (position * 2 + index * 3) % 5
        try ledger.rateItem(
          reference, by: rater, weight: weight, on: first.adding(days: index), options: options)
        round.ratings += 1
      }
      // The first rater thinks again after the others have spoken.
      try ledger.rateItem(
        reference, by: raters[0], weight: 1 + (position + 3) % 5, on: first.adding(days: 10),
        options: options)
      round.ratings += 1
      let calibration = try ledger.calibration(of: reference)
      // Most groups agree near their median; one settles on its highest rating.
      let agreed =
        position % 3 == 1
        ? calibration?.maximum ?? 3 : Int((calibration?.median ?? 3).rounded(.up))
      try ledger.agreeOnItem(
        reference, weight: agreed, on: first.adding(days: 14),
        note: agreementNotes[position % agreementNotes.count], options: options)
      round.agreed += 1
    }
  }

  /// The stories selected down the branch are verified, each by one of the raters.
  static func recordVerifications(
    on ledger: Ledger, along branch: [NodePath], period: DateRange, round: inout Round,
    options: Ledger.AppendOptions
  ) throws {
    var seen = Set<String>()
    for (position, place) in branch.reversed().enumerated() {
      for selection in try ledger.state.selections(at: place, period: period)
      where seen.insert(selection.story).inserted {
        let told = try ledger.storyHistory(StoryRef(selection.story)).toldOn
        try ledger.verifyStory(
          StoryRef(selection.story), by: raters[(position + 2) % raters.count],
          how: verificationNotes[position % verificationNotes.count],
          on: max(told, period.end).adding(days: 5), options: options)
        round.verified += 1
      }
    }
  }

  /// Two of `place`'s invisible items get evidence that can be checked, dated in the period:
  /// a link and the SHA-256 digest of a register file, made from its (demo) text so that it
  /// is the same on every run.
  /// Prices some calculating items of `place`'s subtree by the demo's proxy (bed-days saved,
  /// some at a multiplier), then gives the proxy its second value six weeks into the period:
  /// their figures follow from that day.
  static func recordProxies(
    on ledger: Ledger, at place: NodePath, period: DateRange, round: inout Round,
    options: Ledger.AppendOptions
  ) throws {
    try ledger.setProxy(
      proxy.name, value: Money(cents: proxy.first.cents), per: proxy.unit,
      source: proxy.first.source, from: period.start.adding(days: -365), options: options)
    let items = try ledger.items(
      ItemQuery(
        scope: .node(place), dimension: .calculating,
        range: DateRange(start: .earliest, end: period.end), limit: 4))
    for (position, item) in items.items.enumerated() {
      try ledger.reviseItem(
        ItemRef(story: StoryRef(item.story), key: item.item),
        on: max(item.recordedOn, period.start.adding(days: 7)),
        facts: ItemFacts(
          quantity: String(3 + position * 4), unit: "bed-days saved", proxy: proxy.name,
          multiplier: position % 2 == 0 ? nil : "0.5"),
        options: options)
      round.priced += 1
    }
    let change = try ledger.setProxy(
      proxy.name, value: Money(cents: proxy.second.cents), per: proxy.unit,
      source: proxy.second.source, from: period.start.adding(days: 42), options: options)
    round.repriced = change.revised.count
  }

  static func recordEvidence(
    on ledger: Ledger, at place: NodePath, period: DateRange, round: inout Round,
    options: Ledger.AppendOptions
  ) throws {
    let items = try ledger.items(
      ItemQuery(
        scope: .node(place), visibility: .invisible,
        range: DateRange(start: .earliest, end: period.end), limit: 2))
    for (position, item) in items.items.enumerated() {
      let register = "Register \(item.story)/\(item.item), \(period): 12 sessions, 148 attendances."
      try ledger.attachEvidence(
        to: ItemRef(story: StoryRef(item.story), key: item.item),
        evidence: position == 0 ? "Attendance register for the quarter" : "Registro de asistencia",
        link: "https://evidence.example.org/registers/\(item.story)-\(item.item).pdf",
        digest: SHA256.hash(Array(register.utf8)).hex,
        on: max(item.recordedOn, period.end.adding(days: -10)), options: options)
      round.checkableEvidence += 1
    }
  }
}
