import Foundation
import StoryLedgerCLI
import Testing

/// The README's tours run as written: every `storyledger` command in the shell blocks of its
/// sections for facilitators (from "A tour for facilitators" to "Bringing in a NarraFirma
/// export"), in order, on one new ledger, succeeds, whatever today's date is, and prints what
/// its comment says it prints.
@Suite("The README's tours run as written")
struct ReadmeTourTests {
  /// The README at the top of the package.
  static let readme = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appending(path: "README.md")

  /// The files the tour reads, as a facilitator would have them beside the ledger.
  static let files: [String: String] = [
    "walking.txt": "We began walking our clinics in the park, forty of us by May.",
    "walks.txt": "Families walk the ward with the night staff.",
    "register.pdf": "%PDF-1.4 attendance register",
    "stories.csv": """
    story,node,told_on,title,narrative,teller
    S1,nhs/north-east/trust-07,2026-01-05,Walking clinic,We started walking our clinics.,Asha
    S2,nhs/north-east/trust-07,2026-02-10,Café du matin,"Nous avons parlé, longtemps",

    """,
  ]

  @Test func everyCommandOfTheFacilitatorsToursSucceeds() throws {
    let text = try String(contentsOf: Self.readme, encoding: .utf8)
    let commands = try Self.commands(in: text)
    #expect(commands.count > 60, "only \(commands.count) commands were found in the tours")
    let session = try Session()
    for (name, content) in Self.files {
      try Data(content.utf8).write(to: session.root.appending(path: name))
    }
    for command in commands {
      var arguments = command.words
      #expect(arguments.removeFirst() == "storyledger")
      let input = try command.input.map {
        try String(contentsOf: session.root.appending(path: $0), encoding: .utf8)
      }
      let result = session.run(arguments, input: input ?? "")
      #expect(result.status == 0, "README line \(command.line): \(command.text)\n\(result.error)")
      if let printed = command.prints {
        #expect(
          result.output.trimmingCharacters(in: .newlines) == printed,
          "README line \(command.line) says it prints \(printed): \(result.output)")
      }
    }
  }

  /// A command of the tours: its words, the file it reads on standard input, where it is.
  struct Command {
    var words: [String]
    var input: String?
    /// What its comment says it prints (`# prints X`).
    var prints: String?
    var line: Int
    var text: String
  }

  /// The `storyledger` commands of the shell blocks between the two headings, with
  /// continuation lines joined, comments dropped and `;` separating commands.
  static func commands(in readme: String) throws -> [Command] {
    let lines = readme.components(separatedBy: "\n")
    let start = try #require(lines.firstIndex(of: "## A tour for facilitators"))
    let end = try #require(lines.firstIndex(of: "### Bringing in a NarraFirma export"))
    var commands: [Command] = []
    var inBlock = false
    var pending = ""
    var pendingLine = 0
    var prints: String?
    for index in start..<end {
      let line = lines[index]
      if line.hasPrefix("```") {
        inBlock = line == "```sh"
        continue
      }
      guard inBlock else { continue }
      let code = withoutComment(line)
      if pending.isEmpty {
        pendingLine = index + 1
        prints = nil
      }
      if let comment = line.range(of: " # prints ") {
        prints = line[comment.upperBound...].split(separator: " ").first.map(String.init)
      }
      if code.hasSuffix("\\") {
        pending += code.dropLast() + " "
        continue
      }
      let whole = pending + code
      pending = ""
      for part in split(whole, on: ";") where !part.trimmingCharacters(in: .whitespaces).isEmpty {
        var words = try shellWords(part)
        guard words.first == "storyledger" else { continue }
        var input: String?
        if let redirect = words.firstIndex(of: "<"), redirect + 1 < words.count {
          input = words[redirect + 1]
          words.removeSubrange(redirect...(redirect + 1))
        }
        commands.append(
          Command(
            words: words, input: input, prints: prints, line: pendingLine,
            text: part.trimmingCharacters(in: .whitespaces)))
      }
    }
    return commands
  }

  /// `line` up to a `#` that starts a comment (after a space, outside quotes).
  static func withoutComment(_ line: String) -> String {
    var quote: Character?
    var previous: Character = " "
    for (offset, character) in line.enumerated() {
      if let open = quote {
        if character == open { quote = nil }
      } else if character == "\"" || character == "'" {
        quote = character
      } else if character == "#", previous == " " {
        return String(line.prefix(offset)).trimmingCharacters(in: .whitespaces)
      }
      previous = character
    }
    return line.trimmingCharacters(in: .whitespaces)
  }

  /// `text` split at `separator` outside quotes.
  static func split(_ text: String, on separator: Character) -> [String] {
    var parts: [String] = [""]
    var quote: Character?
    for character in text {
      if let open = quote {
        if character == open { quote = nil }
      } else if character == "\"" || character == "'" {
        quote = character
      } else if character == separator {
        parts.append("")
        continue
      }
      parts[parts.count - 1].append(character)
    }
    return parts
  }

  /// The words of a shell command line with double and single quotes.
  static func shellWords(_ text: String) throws -> [String] {
    var words: [String] = []
    var word = ""
    var inWord = false
    var quote: Character?
    for character in text {
      if let open = quote {
        if character == open { quote = nil } else { word.append(character) }
      } else if character == "\"" || character == "'" {
        quote = character
        inWord = true
      } else if character == " " {
        if inWord { words.append(word) }
        word = ""
        inWord = false
      } else {
        word.append(character)
        inWord = true
      }
    }
    if quote != nil { throw TourError(text: text) }
    if inWord { words.append(word) }
    return words
  }

  struct TourError: Error, CustomStringConvertible {
    var text: String
    var description: String { "an unclosed quote in: \(text)" }
  }
}
