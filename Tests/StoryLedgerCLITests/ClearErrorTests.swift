import Foundation
import Testing

@testable import StoryLedger
@testable import StoryLedgerCLI

/// Issue 14, item 10 and the "Low" list: every surprise becomes a clear error, a notice or a
/// safe rendering.
@Suite("Clear errors instead of surprises")
struct ClearErrorTests {
  /// A ledger with one node.
  private func session() throws -> Session {
    let session = try Session()
    session.ok(["init"])
    session.ok(["node", "add", "nhs"])
    return session
  }

  /// Bytes past the head (an append that never completed) are cut by the next writer of any
  /// kind, and every writer says so.
  @Test func everyWriterReportsACutTail() throws {
    let session = try session()
    let key = session.ok(["story", "tell", "nhs", "--title", "T", "--text", "x"])
    let writers: [[String]] = [
      ["node", "add", "nhs/north"],
      ["story", "tell", "nhs", "--title", "Told", "--text", "y"],
      ["item", "add", key, "--dimension", "calculating", "--visibility", "visible"],
      ["node", "rename", "nhs", "NHS"],
    ]
    let log = session.ledger.appending(path: "events.log").path
    for arguments in writers {
      let handle = try #require(FileHandle(forWritingAtPath: log))
      handle.seekToEndOfFile()
      handle.write(Data(repeating: 0xAB, count: 37))
      try handle.close()
      let result = session.run(arguments)
      #expect(result.status == 0, "\(arguments): \(result.error)")
      #expect(
        result.error.contains("note:") && result.error.contains("cut off 37 bytes"),
        "\(arguments): \(result.error)")
    }
    session.ok(["verify"])
  }

  @Test func aTellerOrTagWithAUnitSeparatorIsRefused() throws {
    let session = try session()
    for arguments in [
      ["--teller", "Asha\u{1F}Patel"], ["--tag", "walk\u{1F}ing"], ["--teller", "Asha\u{0}"],
    ] {
      let result = session.run(
        ["story", "tell", "nhs", "--title", "T", "--text", "x"] + arguments)
      #expect(result.status == 65, "\(arguments): \(result.error)")
      #expect(result.error.contains("control character"), "\(result.error)")
    }
    // Text in any script is welcome.
    session.ok([
      "story", "tell", "nhs", "--title", "Ходьба", "--teller", "أحمد", "--teller", "李华",
      "--tag", "नमस्ते", "--text", "x",
    ])
  }

  @Test func aNewlineInATitleIsShownOnOneLineAndKeptInJSON() throws {
    let session = try session()
    let key = session.ok([
      "story", "tell", "nhs", "--title", "Real title\n  node     forged/path", "--text", "x",
    ])
    let shown = session.ok(["story", "show", key])
    #expect(!shown.contains("\n  node     forged/path"), "\(shown)")
    #expect(shown.contains("Real title␤  node     forged/path"), "\(shown)")
    let json = session.ok(["story", "show", key, "--json"])
    #expect(json.contains(#"Real title\n  node     forged/path"#), "\(json)")
  }

  @Test func anEmptyLedgerOptionIsAUsageError() throws {
    let session = try session()
    for arguments in [
      ["--ledger", "", "verify"], ["--ledger=", "verify"], ["verify", "--ledger", ""],
    ] {
      let result = session.run(arguments)
      #expect(result.status == 64, "\(arguments): \(result.error)")
      #expect(result.error.contains("--ledger"), "\(result.error)")
    }
  }

  @Test func initOnADanglingOrLoopingSymlinkExits73() throws {
    let session = try Session()
    let dangling = session.root.appending(path: "dangling").path
    let loop = session.root.appending(path: "loop").path
    try FileManager.default.createSymbolicLink(
      atPath: dangling, withDestinationPath: session.root.appending(path: "nowhere").path)
    try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: loop)
    for path in [dangling, loop] {
      let result = session.run(["--ledger", path, "init"])
      #expect(result.status == 73, "\(path): \(result.error)")
      #expect(result.error.contains("symlink"), "\(result.error)")
    }
  }

  @Test func aMissingHeadNamesRecover() throws {
    let session = try session()
    try FileManager.default.removeItem(at: session.ledger.appending(path: "events.head"))
    let result = session.run(["tree"])
    #expect(result.status == 66, "\(result.error)")
    #expect(result.error.contains("storyledger recover"), "\(result.error)")
    #expect(session.run(["recover", "--yes"]).status == 0)
    session.ok(["verify"])
  }

  @Test func aRepeatWithoutAKeyDoesNotMentionTheKey() throws {
    let session = try session()
    let key = session.ok(["story", "tell", "nhs", "--title", "T", "--text", "x"])
    session.ok(["story", "withdraw", key, "--erase"])
    let again = session.run(["story", "withdraw", key, "--erase"])
    #expect(again.status == 0, "\(again.error)")
    #expect(!again.error.contains("--idempotency-key"), "\(again.error)")
    session.ok(["node", "add", "nhs/a", "--idempotency-key", "k1"])
    let repeated = session.run(["node", "add", "nhs/a", "--idempotency-key", "k1"])
    #expect(repeated.error.contains("--idempotency-key"), "\(repeated.error)")
  }

  /// `help GROUP` lists the group's commands; an unknown command is named without the
  /// argument after it.
  @Test func helpOnAGroupListsItsCommandsAndAnUnknownCommandIsNamedAlone() throws {
    let session = try Session()
    let help = session.run(["help", "pledge"])
    #expect(help.status == 0, "\(help.error)")
    for name in ["make", "join", "fulfil", "withdraw"] {
      #expect(help.output.contains("storyledger pledge \(name) "), "\(help.output)")
    }
    let misspelt = session.run(["sumary", "nhs"])
    #expect(misspelt.status == 64)
    #expect(misspelt.error.contains(#"unknown command "sumary"; did you mean `summary`?"#))
    let inGroup = session.run(["export", "timeserie"])
    #expect(inGroup.error.contains(#"unknown command "export timeserie""#), "\(inGroup.error)")
    #expect(session.run(["help", "nosuch"]).status == 64)
  }

  /// A retried `item add` prints the item it recorded the first time; a key that a story
  /// tell used is refused for an item (exit 65) and writes nothing.
  @Test func aRetryPrintsTheOriginalItemAndAKeyOfAnotherWriteIsRefused() throws {
    let session = try session()
    let story = session.ok([
      "story", "tell", "nhs", "--title", "T", "--text", "x", "--idempotency-key", "t1",
    ])
    let add = ["item", "add", story, "--dimension", "calibrating", "--visibility", "invisible"]
    let first = session.ok(add + ["--idempotency-key", "i1"])
    #expect(first == "\(story)/i1")
    #expect(session.ok(add + ["--idempotency-key", "i1"]) == first)
    let before = try session.ledgerBytes().map(\.1)
    let misused = session.run(add + ["--idempotency-key", "t1"])
    #expect(misused.status == 65)
    #expect(misused.output.isEmpty)
    #expect(
      misused.error.contains("was used by another write (story.told, event"), "\(misused.error)")
    #expect(try session.ledgerBytes().map(\.1) == before)
  }

  /// An empty note for settling over objections is a usage error that says so, and an
  /// expected version the story has not reached is not called someone else's change.
  @Test func anEmptyOverObjectionsNoteAndAVersionNotReachedAreNamed() throws {
    let session = try session()
    let empty = session.run([
      "account", "settle", "nhs", "--period", "2026-Q1", "--over-objections", "  ",
    ])
    #expect(empty.status == 64)
    #expect(empty.error.contains("--over-objections is empty"), "\(empty.error)")
    let story = session.ok(["story", "tell", "nhs", "--title", "T", "--text", "x"])
    session.ok(["item", "add", story, "--dimension", "calibrating", "--visibility", "visible"])
    let ahead = session.run([
      "item", "revise", "\(story)/i1", "--weight", "3", "--expect-version", "99",
    ])
    #expect(ahead.status == 65)
    #expect(ahead.error.contains("has not reached that version"), "\(ahead.error)")
    #expect(!ahead.error.contains("someone changed it"))
  }

  /// An import whose idempotency key an earlier import used adds nothing, and says that a
  /// different file needs a new key rather than that the file was imported.
  @Test func aReusedImportKeySaysTheFileWasTakenAsARepeat() throws {
    let session = try session()
    let first = session.root.appending(path: "first.csv")
    let second = session.root.appending(path: "second.csv")
    try "story,node,told_on,title\nk1,nhs,2026-03-01,First\n".write(
      to: first, atomically: true, encoding: .utf8)
    try "story,node,told_on,title\nk2,nhs,2026-03-02,Second\n".write(
      to: second, atomically: true, encoding: .utf8)
    session.ok(["import", first.path, "--idempotency-key", "batch-1"])
    let again = session.ok(["import", second.path, "--idempotency-key", "batch-1"])
    #expect(again.hasPrefix("nothing added: the idempotency key batch-1 was used"), "\(again)")
    #expect(again.contains("give it a new key"), "\(again)")
    #expect(!again.contains("already imported"), "\(again)")
    #expect(session.run(["story", "show", "k2"]).status == 65)
  }

  /// A head whose sequence number is raised (checksum recomputed): the counts name the
  /// events the log really holds.
  @Test func countsInVerifyAndRecoverAreTheLogs() throws {
    let session = try session()
    for index in 0..<5 { session.ok(["node", "add", "nhs/n\(index)"]) }
    let log = try FileLog(directory: session.ledger)
    let head = try log.head()
    let headURL = session.ledger.appending(path: "events.head")
    let original = try Data(contentsOf: headURL)
    // A head whose sequence number is lowered to 2: the problem is event 2's, and the events
    // before it are 1, not all the log's.
    let lowered = LogPosition(sequence: 2, hash: head.hash, offset: head.offset)
    try Data(FileLog.encodeHead(lowered)).write(to: headURL)
    let verify = session.run(["verify"])
    #expect(verify.status == 65)
    #expect(!verify.error.contains("\(head.sequence) events before it"), "\(verify.error)")
    try original.write(to: headURL)
    // Tear the last record, and raise the head by 5: one record is dropped, not six.
    let logPath = session.ledger.appending(path: "events.log").path
    let handle = try #require(FileHandle(forUpdatingAtPath: logPath))
    try handle.truncate(atOffset: head.offset - 3)
    try handle.close()
    let raised = LogPosition(sequence: head.sequence + 5, hash: head.hash, offset: head.offset)
    try Data(FileLog.encodeHead(raised)).write(to: headURL)
    let recover = session.run(["recover"])
    let text = recover.output + recover.error
    #expect(!text.contains("events \(head.sequence) to"), "\(text)")
    #expect(text.contains("event \(head.sequence) ("), "\(text)")
  }
}
