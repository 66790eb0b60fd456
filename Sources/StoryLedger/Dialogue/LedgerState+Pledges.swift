import Foundation

extension LedgerState {
  /// The pledges made in the subtree of `path` (every pledge when `nil`), as they stand at the
  /// end of `day` (today's data when `nil`), in the order made.
  public func pledges(under path: NodePath?, asOf day: Day? = nil) throws(LedgerError)
    -> [PledgeView]
  {
    if let path { _ = try node(at: path) }
    let model = dialogueModel()
    let cutoff = day ?? .latest
    return model.pledgeOrder.compactMap { key -> PledgeView? in
      guard let pledge = model.pledges[key], path?.contains(pledge.made.node) ?? true,
        pledge.made.on <= cutoff
      else { return nil }
      return Self.view(of: pledge, asOf: cutoff)
    }
  }

  static func view(of pledge: DialogueModel.Pledge, asOf day: Day) -> PledgeView {
    let joins = pledge.joins.filter { $0.on <= day }
    return PledgeView(
      key: pledge.made.key, node: pledge.made.node, by: pledge.made.by, text: pledge.made.text,
      on: pledge.made.on, due: pledge.made.due, condition: pledge.made.condition,
      joined: joins.map(\.by),
      fulfilledBy: pledge.fulfilled.flatMap { $0.on <= day ? $0.story : nil },
      fulfilledOn: pledge.fulfilled.flatMap { $0.on <= day ? $0.on : nil },
      withdrawnOn: pledge.withdrawn.flatMap { $0 <= day ? $0 : nil },
      status: status(of: pledge, asOf: day))
  }

  /// Where a pledge stands at the end of `day`: withdrawn, fulfilled, lapsed (past due),
  /// conditional (too few have joined), or active.
  static func status(of pledge: DialogueModel.Pledge, asOf day: Day) -> PledgeView.Status {
    if let withdrawn = pledge.withdrawn, withdrawn <= day { return .withdrawn }
    if let fulfilled = pledge.fulfilled, fulfilled.on <= day { return .fulfilled }
    if let due = pledge.made.due, due < day { return .lapsed }
    let joined = pledge.joins.filter { $0.on <= day }.count
    return joined < pledge.made.condition ? .conditional : .active
  }

  /// The pledge counts of the subtree of `path` at the end of `day`.
  public func pledgeCounts(under path: NodePath, asOf day: Day? = nil) throws(LedgerError)
    -> PledgeCounts
  {
    var counts = PledgeCounts()
    for pledge in try pledges(under: path, asOf: day) { counts.add(pledge.status) }
    return counts
  }

  /// The full key of the pledge `text` names: its key, or the one key that starts with it.
  public func resolvePledge(_ text: String) throws(LedgerError) -> String {
    let model = dialogueModel()
    if model.pledges[text] != nil { return text }
    let matches = model.pledgeOrder.filter { !text.isEmpty && $0.hasPrefix(text) }
    switch matches.count {
    case 1: return matches[0]
    case 0:
      throw LedgerError(.invalid, "no pledge \(text)", remedy: .listPledges)
    default:
      throw LedgerError(
        .invalid,
        "pledge \"\(text)\" is ambiguous: it starts \(matches.prefix(10).joined(separator: ", "))")
    }
  }

  /// A new pledge key: `p` and five characters, not yet used.
  func newPledgeKey() -> String {
    var generator = SystemRandomNumberGenerator()
    let model = dialogueModel()
    while true {
      let key = "p" + String((0..<5).map { _ in Self.keyAlphabet[Int(generator.next() % 32)] })
      if model.pledges[key] == nil { return key }
    }
  }
}
