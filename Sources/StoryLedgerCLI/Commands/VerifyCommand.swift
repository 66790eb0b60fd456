import Foundation
import StoryLedger

/// `storyledger verify`: checks every record and the whole chain.
enum VerifyCommand: Command {
  static let spec = CommandSpec(
    name: "verify", abstract: "check the whole ledger; exit 0 only if intact",
    arguments: "[--json]",
    discussion: """
      Reads every record of the log, checks its checksum, its sequence number, the SHA-256 chain
      that links it to the record before, and its personal-text digest, then the checksums of
      the projection snapshot. Exits 0 when the ledger is intact, 65 naming the first bad
      record when it is not (or saying that the snapshot needs `storyledger rebuild`).
      """,
    examples: ["storyledger verify", "storyledger --ledger nhs.ledger verify --json"],
    options: [Flag.json])

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    var report: VerificationReport
    var snapshotProblem: String?
    if case .remote(let address)? = try context.namedLocation() {
      // The server checks its log; every erasure is checked against the events here.
      context.console.progress("verifying the ledger on \(address.hostAndPort)")
      let store = RemoteEventStore(transport: try context.remoteTransport(address))
      report = try store.verify(progress: nil)
      if report.isIntact, !(try store.erasedSequences().isEmpty) {
        context.console.progress("checking erasures")
        if let problem = try Ledger(store: store).unexplainedErasures().first {
          report.problem = problem
        }
      }
    } else {
      let directory = try context.ledgerDirectory()
      let store = try FileLog(directory: directory)
      report = try store.verify { done, total in
        context.console.progress("verifying", done: done, of: total)
      }
      if report.isIntact, !(try store.erasedSequences().isEmpty) {
        context.console.progress("checking erasures")
        if let problem = try Ledger.open(at: directory).unexplainedErasures().first {
          report.problem = problem
        }
      }
      context.console.progress("verifying the projection snapshot")
      snapshotProblem = Ledger.snapshotProblem(in: directory)
    }
    context.console.clearProgress()
    if arguments.has(Flag.json) {
      var object = JSONObjectWriter(bytes: [])
      object.raw("intact", report.isIntact ? "true" : "false")
      object.number("events", report.eventCount)
      object.number("bytes", report.byteCount)
      object.string("last_hash", report.lastHash)
      if let problem = report.problem {
        object.problem(problem)
      }
      object.strings("notes", report.notes)
      if let snapshotProblem { object.string("snapshot_problem", snapshotProblem) }
      context.console.write(bytes: object.finish() + [0x0A])
    } else {
      for note in report.notes { context.console.message("note: \(note)") }
      if report.isIntact && snapshotProblem == nil {
        context.console.write(
          "intact: \(report.eventCount) events, \(report.byteCount) bytes, last hash \(report.lastHash)\n"
        )
      }
    }
    if report.problem == nil, let snapshotProblem {
      throw CommandFailure(code: .dataError, message: "the log is intact, but \(snapshotProblem)")
    }
    if let problem = report.problem {
      throw CommandFailure(
        code: .dataError,
        message:
          "the ledger fails verification: \(problem) (\(intactEvents(report, problem)))"
      )
    }
  }

  /// What is known to be intact: the events before the problem when the problem is a
  /// record's, or the log's records that check out when the problem is elsewhere (a head
  /// that names another event than the one at its offset).
  static func intactEvents(
    _ report: VerificationReport, _ problem: VerificationReport.Problem
  ) -> String {
    let count = report.eventCount
    if problem.sequence == count + 1 {
      return count == 1
        ? "the 1 event before it is intact" : "the \(count) events before it are intact"
    }
    return count == 0
      ? "no event of the log checks out" : "events 1 to \(count) of the log check out"
  }
}

extension JSONObjectWriter {
  /// Writes `problem` as the object `problem`: its sequence number, offset and reason.
  mutating func problem(_ problem: VerificationReport.Problem) {
    key("problem")
    var detail = JSONObjectWriter(bytes: [])
    detail.number("sequence", problem.sequence)
    detail.number("offset", problem.offset)
    detail.string("reason", problem.reason)
    bytes += detail.finish()
  }
}
