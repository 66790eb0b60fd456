// Embedding StoryLedger: create a ledger, record stories and items of value, print the
// cascade up the hierarchy, and export a monthly time series as CSV.
import Foundation
import StoryLedger

/// Runs the example in a fresh temporary directory, removed afterwards.
func main() throws {
  let directory = FileManager.default.temporaryDirectory.appending(
    path: "storyledger-embedding-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: directory) }

  // 1. A ledger on disk: four levels, figures in pounds.
  let ledger = try Ledger.create(
    at: directory.appending(path: "ledger"),
    configuration: try LedgerConfiguration(
      levels: ["national", "region", "organisation", "team"], currency: "GBP"),
    actor: "example")
  // Who records from now on, set once (an append's options may still name another).
  ledger.actor = "facilitator"

  // 2. The hierarchy: teams in two organisations of one region.
  let teams = [
    "nhs/north/trust-7/ward-3", "nhs/north/trust-7/ward-5", "nhs/north/trust-9/clinic-1",
  ]
  for team in teams {
    // Text from outside the program is parsed; literals in code need no `try`.
    try ledger.addNode(try NodePath(parsing: team), creatingParents: true)
  }

  // 3. Stories told at the teams, each translated into items of value.
  let walking = try ledger.tellStory(
    Ledger.NewStory(
      node: "nhs/north/trust-7/ward-3", title: "Walking ward rounds",
      narrative: "We started walking the ward with patients' families every morning.",
      on: "2026-01-12", tellers: ["Sam"], tags: ["patient-experience"]))
  let network = try ledger.addItem(
    to: walking.ref, dimension: .capacitating, on: "2026-01-12",
    facts: ItemFacts(visibility: .invisible, description: "families who now join the rounds"))
  try ledger.addItem(
    to: walking.ref, dimension: .calculating, on: "2026-01-20",
    facts: ItemFacts(
      visibility: .visible, description: "complaints avoided", quantity: "6", unit: "complaints",
      monetised: try Money(parsing: "1800.00")))
  // Evidence arrives in February: the network is made visible.
  try ledger.attachEvidence(
    to: network.ref, evidence: "sign-up sheet with 14 families",
    on: "2026-02-09")

  let clinic = try ledger.tellStory(
    Ledger.NewStory(
      node: "nhs/north/trust-9/clinic-1", title: "Text reminders",
      narrative: "Reminders by text halved the missed appointments.",
      on: "2026-02-03", tellers: ["Priya"]))
  try ledger.addItem(
    to: clinic.ref, dimension: .calibrating, on: "2026-02-03",
    facts: ItemFacts(visibility: .visible, description: "staff time moved to care", weight: 4))
  try ledger.addItem(
    to: clinic.ref, dimension: .calculating, on: "2026-02-03",
    facts: ItemFacts(
      visibility: .invisible, description: "missed appointments avoided",
      monetised: try Money(parsing: "5200.50")))

  // 4. The cascade up from the region: each level's six boxes.
  let cascade = try ledger.cascadeUp(of: "nhs/north")
  print("Cascade up from nhs/north")
  for level in cascade.levels {
    print("  \(level.level)")
    for node in level.nodes {
      var boxes: [String] = []
      for dimension in Dimension.allCases {
        let figures = node.boxes[dimension]
        boxes.append(
          "\(dimension.rawValue) \(figures.visible.items)/\(figures.invisible.items)")
      }
      print(
        "    \(node.node.description.padding(toLength: 28, withPad: " ", startingAt: 0))"
          + " stories \(node.stories)  items visible/invisible: \(boxes.joined(separator: ", "))"
          + "  monetised £\(node.boxes.total.monetised)")
    }
  }

  // 5. The monthly time series at the organisation level as CSV. Every series row is a
  //    SeriesRow, which writes itself as the "Time series" article defines it.
  print("\nTime series by month at organisation level")
  var csv = TimeSeriesRow.csvHeader
  var rows = 0
  try ledger.timeSeries(try TimeSeriesQuery(period: .month, level: "organisation")) { row in
    rows += 1
    row.append(as: .csv, to: &csv)
  }
  print(String(decoding: csv, as: UTF8.self), terminator: "")

  // 6. The log proves itself.
  let report = try ledger.verify()
  print(
    "\n\(rows) rows; verify: \(report.isIntact ? "intact" : "FAILED"), \(report.eventCount) events")
  guard report.isIntact, rows > 0 else {
    throw LedgerError(.corrupt, "the example's ledger is not intact")
  }
}

do {
  try main()
} catch {
  FileHandle.standardError.write(Data("embedding: \(error)\n".utf8))
  exit(1)
}
