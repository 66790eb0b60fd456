extension LedgerState {
  /// Checks a dialogue event against the dialogue as it stands.
  func validateDialogue(_ event: EventPayload) throws(LedgerError) {
    func invalid(_ message: String) -> LedgerError { LedgerError(.invalid, message) }
    func nonEmpty(_ text: String, _ what: String) throws(LedgerError) {
      if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
        throw LedgerError(.invalid, "\(what) cannot be empty", remedy: .namePerson)
      }
    }
    let model = dialogueModel()
    func account(_ step: AccountStep) throws(LedgerError) -> DialogueModel.Account {
      _ = try node(at: step.node)
      try nonEmpty(step.by, "who takes the step")
      let key = AccountKey(node: step.node, period: step.period)
      guard let account = model.accounts[key] else {
        throw LedgerError(
          .invalid, "no account of \(step.node) for \(step.period); propose one first",
          remedy: .proposeAccount
        )
      }
      return account
    }
    switch event {
    case .accountProposed(let proposed):
      _ = try node(at: proposed.node)
      try nonEmpty(proposed.by, "who proposes")
      try Prose.check(proposed.narrative, field: "the account's narrative")
      let key = AccountKey(node: proposed.node, period: proposed.period)
      if model.accounts[key]?.status == .settled {
        throw LedgerError(
          .invalid,
          "the account of \(proposed.node) for \(proposed.period) is settled; reopen it first",
          remedy: .reopenAccount
        )
      }
      let selected = Set(
        model.selections.filter { $0.node == proposed.node && $0.period == proposed.period }.map(
          \.choice.story))
      for story in proposed.selected where !selected.contains(story) {
        throw invalid("story \(story) was not selected at \(proposed.node) for \(proposed.period)")
      }
    case .accountObjected(let step):
      let current = try account(step)
      if current.status == .settled {
        throw LedgerError(
          .invalid,
          "the account of \(step.node) for \(step.period) is settled; reopen it first, then object",
          remedy: .reopenAccount
        )
      }
      try Prose.check(step.text, field: "reason")
    case .accountResponded(let step):
      let current = try account(step)
      guard step.objection >= 1, step.objection <= current.objections.count else {
        throw invalid(
          "account \(step.node) for \(step.period) has \(current.objections.count) objections; there is no objection \(step.objection)"
        )
      }
      guard current.objections[step.objection - 1].isOpen else {
        throw invalid("objection \(step.objection) was answered already")
      }
      try Prose.check(step.text, field: "the response")
    case .accountSettled(let step):
      let current = try account(step)
      if current.status == .settled {
        throw invalid("the account of \(step.node) for \(step.period) is settled already")
      }
      let open = current.objections.filter(\.isOpen).map { String($0.number) }
      if !open.isEmpty && step.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
        throw LedgerError(
          .invalid,
          "objection\(open.count == 1 ? "" : "s") \(open.joined(separator: ", ")) \(open.count == 1 ? "is" : "are") still open: answer \(open.count == 1 ? "it" : "them") or settle over \(open.count == 1 ? "it" : "them") with a note recorded with the account",
          remedy: .answerOrSettleOverObjections
        )
      }
    case .accountReopened(let step):
      let current = try account(step)
      guard current.status == .settled else {
        throw invalid(
          "the account of \(step.node) for \(step.period) is not settled; only a settled account is reopened"
        )
      }
      try Prose.check(step.text, field: "the reason to reopen")
    case .storiesSelected(let selected):
      _ = try node(at: selected.node)
      try nonEmpty(selected.by, "who selects")
      guard !selected.chosen.isEmpty else { throw invalid("select at least one story") }
      let candidates = Set(try candidates(at: selected.node, period: selected.period))
      let already = Set(
        model.selections.filter { $0.node == selected.node && $0.period == selected.period }.map(
          \.choice.story))
      var seen = Set<String>()
      for choice in selected.chosen {
        guard candidates.contains(choice.story) else {
          let list = candidates.sorted().prefix(12).joined(separator: ", ")
          throw invalid(
            "story \(choice.story) is not a candidate at \(selected.node) for \(selected.period): candidates are the node's own stories told in the period and the stories its children selected, that its level may read"
              + (candidates.isEmpty
                ? "; there are none" : " (\(list)\(candidates.count > 12 ? ", …" : ""))"))
        }
        guard !already.contains(choice.story), seen.insert(choice.story).inserted else {
          throw invalid(
            "story \(choice.story) is selected at \(selected.node) for \(selected.period) already")
        }
        try Prose.check(choice.reason, field: "reason for \(choice.story)")
      }
      try validateGroups(of: selected)
    case .feedbackSent(let feedback):
      _ = try node(at: feedback.from)
      _ = try node(at: feedback.to)
      guard feedback.from != feedback.to, feedback.from.contains(feedback.to) else {
        throw invalid(
          "\(feedback.to) is not a descendant of \(feedback.from): feedback goes down, to a child or deeper"
        )
      }
      try nonEmpty(feedback.by, "who sends it")
      try Prose.check(feedback.text, field: "the feedback")
      if let story = feedback.story, storyIndex(forKey: story) == nil {
        throw invalid("no story \(story)")
      }
      if let period = feedback.account,
        model.accounts[AccountKey(node: feedback.from, period: period)] == nil
      {
        throw invalid("\(feedback.from) has no account for \(period)")
      }
    case .pledgeMade(let made):
      let index = try node(at: made.node)
      if isClosed(index) { throw invalid("node \(made.node) is retired; it takes no new pledges") }
      do { try Key.validate(made.key, field: "pledge") } catch { throw LedgerError.invalid(error) }
      if model.pledges[made.key] != nil { throw invalid("pledge \(made.key) already exists") }
      try nonEmpty(made.by, "who pledges")
      try Prose.check(made.text, field: "the pledge")
      if let due = made.due, due < made.on {
        throw invalid("the pledge is due \(due), before it is made (\(made.on))")
      }
      if made.condition < 0 { throw invalid("a pledge condition is at least 1 other person") }
    case .pledgeJoined(let step), .pledgeFulfilled(let step), .pledgeWithdrawn(let step):
      guard let pledge = model.pledges[step.pledge] else {
        throw invalid("no pledge \(step.pledge)")
      }
      try nonEmpty(step.by, "who")
      if pledge.withdrawn != nil {
        throw invalid(
          "pledge \(step.pledge) was withdrawn; a withdrawn pledge cannot be joined, fulfilled or withdrawn"
        )
      }
      if step.on < pledge.made.on {
        throw invalid("\(step.on) is before the pledge was made (\(pledge.made.on))")
      }
      if case .pledgeJoined = event {
        if Self.samePerson(step.by, pledge.made.by) {
          throw invalid("\(step.by) made pledge \(step.pledge); one does not join one's own pledge")
        }
        if pledge.joins.contains(where: { Self.samePerson($0.by, step.by) }) {
          throw invalid("\(step.by) has joined pledge \(step.pledge) already")
        }
      } else if case .pledgeFulfilled = event {
        if pledge.fulfilled != nil { throw invalid("pledge \(step.pledge) is fulfilled already") }
        guard let story = storyIndex(forKey: step.text) else {
          throw invalid("no story \(step.text) to fulfil the pledge with")
        }
        if isWithdrawn(story) { throw invalid("story \(step.text) was withdrawn") }
      } else if pledge.fulfilled != nil {
        throw invalid("pledge \(step.pledge) is fulfilled; it cannot be withdrawn")
      }
    case .participantErased:
      // Checked by the erasure that writes it, against the events it lists.
      break
    case .sessionStarted(let started):
      try validateSessionStarted(started)
    case .sessionLinked:
      throw invalid(
        "a session.linked event is written by the ledger after the events recorded in a session: name the session in the append's options (AppendOptions.session, --session)"
      )
    case .ledgerCreated, .nodeAdded, .nodeRenamed, .nodeMoved, .nodeRetired, .storyTold,
      .tellingRecorded, .storyUpdated, .storyWithdrawn, .storyAnswered, .itemRecorded,
      .itemRevised, .itemRated, .itemAgreed, .storyVerified, .storyGrouped, .domainAdded,
      .campaignAdded, .participantAdded, .proxySet:
      // Not the dialogue's, or checked by `validate(_:)`.
      break
    }
  }

  /// Whether two names are the same person's (ignoring case and surrounding spaces).
  static func samePerson(_ left: String, _ right: String) -> Bool {
    left.trimmingCharacters(in: .whitespaces).lowercased()
      == right.trimmingCharacters(in: .whitespaces).lowercased()
  }
}
