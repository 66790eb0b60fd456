extension LedgerError {
  /// What would put an error right, in domain terms: a command-line tool, a server or an
  /// app words it for its own users (a flag, a button, a link).
  ///
  /// ```swift
  /// do { try ledger.retireNode("nhs/north") } catch let error as LedgerError {
  ///   if error.remedy == .retireAnyway { /* offer to retire it anyway */ }
  /// }
  /// ```
  public enum Remedy: Hashable, Sendable {
    /// Give the narrative of the story or telling.
    case giveNarrative
    /// Give the story a title.
    case giveTitle
    /// Retire the node anyway, though stories in its subtree are still active.
    case retireAnyway
    /// Look at the story again (its history and version), then retry.
    case reviewStory(StoryRef)
    /// List the stories to find the key.
    case listStories
    /// List the pledges to find the key.
    case listPledges
    /// Name the person who takes the step.
    case namePerson
    /// Propose the account first.
    case proposeAccount
    /// Reopen the settled account first.
    case reopenAccount
    /// Answer the open objections, or settle over them with a note.
    case answerOrSettleOverObjections
    /// Rebuild the projection snapshot from the log.
    case rebuildSnapshot
  }
}
