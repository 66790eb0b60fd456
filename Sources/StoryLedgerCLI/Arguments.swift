import StoryLedger

/// An option a command accepts.
struct OptionSpec: Sendable {
  /// The option with its dashes, for example `--rows`.
  var name: String
  /// The value's placeholder (`N`, `FILE`), or `nil` for a flag.
  var valueName: String?
  /// Whether the option may be given more than once.
  var isRepeatable = false
  /// One line of help.
  var help: String

  static func flag(_ name: String, _ help: String) -> OptionSpec {
    OptionSpec(name: name, valueName: nil, help: help)
  }

  static func value(_ name: String, _ valueName: String, _ help: String, repeatable: Bool = false)
    -> OptionSpec
  {
    OptionSpec(name: name, valueName: valueName, isRepeatable: repeatable, help: help)
  }

  /// `--ledger DIR`, accepted by every command.
  static let ledger = OptionSpec.value(
    "--ledger", "DIR|URL", "the ledger directory or server URL (default: see `storyledger --help`)")
  /// `--token-file FILE`, accepted by every command: the token for a ledger on a server.
  static let tokenFile = OptionSpec.value(
    "--token-file", "FILE", "the token for a ledger on a server (default: $STORYLEDGER_TOKEN)")
  /// `--json`, for commands that show data.
  static let json = OptionSpec.flag("--json", "machine output as JSON")
}

/// What a command is: its name, usage, help and options.
struct CommandSpec: Sendable {
  /// The words that name it, for example `export timeseries`.
  var name: String
  /// One line saying what it does.
  var abstract: String
  /// The arguments after the name, for the usage line.
  var arguments: String
  /// The names of the positional arguments, for messages; `minimum` of them are required.
  var positionals: [String] = []
  var minimumPositionals = 0
  /// Paragraphs of help.
  var discussion: String = ""
  /// Worked examples, one command line each with a comment.
  var examples: [String] = []
  var options: [OptionSpec] = []

  var usage: String { "usage: storyledger [--ledger DIR|URL] \(name) \(arguments)" }

  var help: String {
    var text = "\(abstract)\n\n\(usage)\n"
    if !discussion.isEmpty { text += "\n\(discussion)\n" }
    let shown =
      options + [
        OptionSpec.ledger, OptionSpec.tokenFile, OptionSpec.flag("--help", "show this help"),
      ]
    if !shown.isEmpty {
      text += "\noptions:\n"
      let labels = shown.map { option in
        option.valueName.map { "\(option.name) \($0)" } ?? option.name
      }
      let width = min(28, (labels.map(\.count).max() ?? 0) + 2)
      for (label, option) in zip(labels, shown) {
        text +=
          "  " + label.padding(toLength: max(width, label.count + 2), withPad: " ", startingAt: 0)
          + option.help + "\n"
      }
    }
    if !examples.isEmpty {
      text += "\nexamples:\n" + examples.map { "  \($0)" }.joined(separator: "\n") + "\n"
    }
    return text
  }
}

/// A parsed command line: positional arguments, option values and flags.
struct ParsedArguments: Sendable {
  var positionals: [String] = []
  var values: [String: [String]] = [:]
  var flags: Set<String> = []
  var usage: String
  /// How long a write waits for another writer's lock: `STORYLEDGER_LOCK_WAIT` seconds, set
  /// by the tool from the environment.
  var lockTimeout: Duration = Ledger.defaultLockTimeout

  /// Whether the flag was given.
  func has(_ flag: String) -> Bool { flags.contains(flag) }

  /// The last value of an option, if given.
  func value(_ name: String) -> String? { values[name]?.last }

  /// Every value of a repeatable option, in order.
  func all(_ name: String) -> [String] { values[name] ?? [] }

  /// A value parsed by `parse`, with a usage error naming the option when it fails.
  func value<T>(_ name: String, _ parse: (String) throws -> T) throws -> T? {
    guard let text = value(name) else { return nil }
    do { return try parse(text) } catch let error as ValueError {
      var copy = error
      copy.field = name
      throw UsageError(copy.description, usage: usage)
    }
  }

  /// A date option in the form `YYYY-MM-DD`.
  func day(_ name: String) throws -> Day? {
    try value(name) { try Day(parsing: $0, field: name) }
  }

  /// A positive integer option.
  func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
    try value(name) { text -> Int in
      guard let number = Int(text), range.contains(number) else {
        throw ValueError(
          field: name, value: text,
          reason: "is not a whole number from \(range.lowerBound) to \(range.upperBound)")
      }
      return number
    }
  }
}

enum ArgumentParser {
  /// Parses `arguments` (after the command's name) against `spec`.
  static func parse(_ arguments: [String], for spec: CommandSpec) throws -> ParsedArguments {
    var parsed = ParsedArguments(usage: spec.usage)
    let options =
      spec.options + [OptionSpec.ledger, OptionSpec.tokenFile, OptionSpec.flag("--help", "")]
    var index = 0
    var onlyPositionals = false
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      if onlyPositionals || !argument.hasPrefix("-") || argument == "-" {
        parsed.positionals.append(argument)
        continue
      }
      if argument == "--" {
        onlyPositionals = true
        continue
      }
      if argument == "-h" {
        parsed.flags.insert("--help")
        continue
      }
      var name = argument
      var inlineValue: String?
      if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
        name = String(argument[..<equals])
        inlineValue = String(argument[argument.index(after: equals)...])
      }
      guard let option = options.first(where: { $0.name == name }) else {
        let suggestion = Suggestions.closest(to: name, among: options.map(\.name))
        throw UsageError(
          "unknown option \(name) for `storyledger \(spec.name)`"
            + (suggestion.map { "; did you mean \($0)?" } ?? ""),
          usage: spec.usage)
      }
      if option.valueName == nil {
        guard inlineValue == nil else {
          throw UsageError("\(name) takes no value", usage: spec.usage)
        }
        parsed.flags.insert(name)
        continue
      }
      let value: String
      if let inlineValue {
        value = inlineValue
      } else {
        guard index < arguments.count else {
          throw UsageError(
            "\(name) needs a value (\(name) \(option.valueName ?? "VALUE"))", usage: spec.usage)
        }
        value = arguments[index]
        index += 1
      }
      if !option.isRepeatable, parsed.values[name] != nil {
        throw UsageError("\(name) is given twice; give it once", usage: spec.usage)
      }
      parsed.values[name, default: []].append(value)
    }
    if parsed.has("--help") { return parsed }
    if parsed.positionals.count < spec.minimumPositionals {
      let missing = spec.positionals[parsed.positionals.count]
      throw UsageError("missing \(missing)", usage: spec.usage)
    }
    if parsed.positionals.count > spec.positionals.count {
      let extra = parsed.positionals[spec.positionals.count]
      throw UsageError(
        "unexpected argument \"\(extra)\" for `storyledger \(spec.name)`", usage: spec.usage)
    }
    return parsed
  }
}

/// "Did you mean" suggestions by edit distance.
enum Suggestions {
  /// The candidate closest to `word`, when it is close enough to be a likely typo.
  static func closest(to word: String, among candidates: [String]) -> String? {
    let scored = candidates.map { ($0, distance(word.lowercased(), $0.lowercased())) }
    guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
    let limit = max(2, word.count / 3)
    if best.1 <= limit { return best.0 }
    return candidates.first { $0.hasPrefix(word) && word.count >= 3 }
  }

  /// The Levenshtein distance between two strings.
  static func distance(_ left: String, _ right: String) -> Int {
    let a = Array(left.unicodeScalars)
    let b = Array(right.unicodeScalars)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var row = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      row[0] = i
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
      }
      swap(&previous, &row)
    }
    return previous[b.count]
  }
}
