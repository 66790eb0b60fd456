import Foundation

extension LedgerState {
  /// Everything that came down to `path`, newest first: feedback to it (or to an ancestor's
  /// whole subtree), its ancestors' selections and settled accounts.
  public func inbox(of path: NodePath, viewer: Viewer? = nil) throws(LedgerError)
    -> [InboxEntry]
  {
    let target = try node(at: path)
    let here = nodes[Int(target)].path
    let viewer = try readerIndex(viewer, default: target)
    let model = dialogueModel()
    var entries: [InboxEntry] = []
    for (event, sequence, milliseconds) in model.feedback
    where event.to == here || (event.toSubtree && event.to.contains(here)) {
      entries.append(
        InboxEntry(
          kind: .feedback, from: event.from, recordedAt: Date(ledgerMilliseconds: milliseconds),
          by: event.by, text: event.text, story: event.story,
          title: event.story.flatMap { scopedTitle($0, by: viewer) }, period: event.account,
          sequence: sequence))
    }
    for selection in model.selections where selection.node != here && selection.node.contains(here)
    {
      entries.append(
        InboxEntry(
          kind: .selection, from: selection.node,
          recordedAt: Date(ledgerMilliseconds: selection.milliseconds), by: selection.by,
          text: selection.choice.reason, story: selection.choice.story,
          title: scopedTitle(selection.choice.story, by: viewer), period: selection.period,
          sequence: selection.sequence))
    }
    for key in model.accountOrder where key.node != here && key.node.contains(here) {
      guard let account = model.accounts[key], account.status == .settled,
        let settled = account.lastSettled, let proposal = account.proposals.last?.event
      else { continue }
      entries.append(
        InboxEntry(
          kind: .account, from: key.node,
          recordedAt: Date(ledgerMilliseconds: settled.milliseconds),
          by: settled.by, text: proposal.narrative, story: nil, title: nil, period: key.period,
          sequence: settled.sequence))
    }
    return entries.sorted { $0.sequence > $1.sequence }
  }
}
