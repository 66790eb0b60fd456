import StoryLedger

/// What the help and the parser know of an option: its name, placeholder and help line.
struct OptionSpec: Sendable {
  /// The option with its dashes, for example `--rows`.
  var name: String
  /// The value's placeholder (`N`, `FILE`), or `nil` for a flag.
  var valueName: String?
  /// Whether the option may be given more than once.
  var isRepeatable = false
  /// One line of help.
  var help: String
}

/// An option a command declares once, in its ``CommandSpec/options``, and reads through
/// the same declaration: a ``Flag`` or an ``Option``.
///
/// Reading options through their declarations makes a misspelt option a compile error:
///
/// ```swift
/// static let depth = Option.integer("--depth", "N", "show N levels below NODE", in: 0...64)
/// static let spec = CommandSpec(name: "tree", …, options: [depth, Flag.json])
/// let levels = try arguments.value(depth) ?? 2
/// ```
protocol OptionDeclaration: Sendable {
  var spec: OptionSpec { get }
}

/// An option without a value: given or not.
struct Flag: OptionDeclaration {
  let spec: OptionSpec

  init(_ name: String, _ help: String) {
    spec = OptionSpec(name: name, valueName: nil, help: help)
  }

  /// `--json`, for commands that show data.
  static let json = Flag("--json", "machine output as JSON")
  /// `--help` (or `-h`), accepted by every command.
  static let help = Flag("--help", "show this help")
}

/// An option with a value, which `parse` reads as a `Value`.
///
/// A value `parse` rejects with a ``ValueError`` is a usage error naming the option; other
/// errors pass through unchanged.
struct Option<Value>: OptionDeclaration {
  let spec: OptionSpec
  let parse: @Sendable (String) throws -> Value

  init(
    _ name: String, _ valueName: String, _ help: String, repeatable: Bool = false,
    parse: @escaping @Sendable (String) throws -> Value
  ) {
    spec = OptionSpec(name: name, valueName: valueName, isRepeatable: repeatable, help: help)
    self.parse = parse
  }

  /// The option's name with its dashes, for messages.
  var name: String { spec.name }
}

extension Option where Value == String {
  /// An option whose value is the text as given.
  init(_ name: String, _ valueName: String, _ help: String, repeatable: Bool = false) {
    self.init(name, valueName, help, repeatable: repeatable) { $0 }
  }

  /// `--ledger DIR`, accepted by every command.
  static let ledger = Option(
    "--ledger", "DIR|URL", "the ledger directory or server URL (default: see `storyledger --help`)")
  /// `--token-file FILE`, accepted by every command: the token for a ledger on a server.
  static let tokenFile = Option(
    "--token-file", "FILE", "the token for a ledger on a server (default: $STORYLEDGER_TOKEN)")
}

extension Option where Value == Day {
  /// A date option in the form `YYYY-MM-DD`.
  static func day(_ name: String, _ valueName: String = "DATE", _ help: String) -> Option {
    Option(name, valueName, help) { try Day(parsing: $0, field: name) }
  }
}

extension Option where Value == Int {
  /// A whole-number option within `range`.
  static func integer(
    _ name: String, _ valueName: String = "N", _ help: String, in range: ClosedRange<Int>
  ) -> Option {
    Option(name, valueName, help) { text in
      guard let number = Int(text), range.contains(number) else {
        throw ValueError(
          field: name, value: text,
          reason: "is not a whole number from \(range.lowerBound) to \(range.upperBound)")
      }
      return number
    }
  }
}

extension Option where Value == Period {
  /// A period length: `day`, `week`, `month`, `quarter` or `year`.
  static func period(_ name: String, _ valueName: String = "P", _ help: String) -> Option {
    Option(name, valueName, help) { try Period(parsing: $0) }
  }
}

extension Option where Value == DateRange {
  /// A period option: `2026`, `2026-Q1`, `2026-03`, `2026-W05`, a day, or `FROM..TO`.
  static func range(_ name: String, _ valueName: String = "P", _ help: String) -> Option {
    Option(name, valueName, help) { try DateRange(parsing: $0, field: name) }
  }
}

/// What a command is: its name, usage, help and options.
struct CommandSpec: Sendable {
  /// The words that name it, for example `export timeseries`.
  var name: String
  /// One line saying what it does.
  var abstract: String
  /// The arguments after the name, for the usage line. The words before its first option
  /// are the positional arguments: `NODE` required, `[NODE]` optional (see
  /// ``positionals``).
  var arguments: String
  /// Paragraphs of help.
  var discussion: String = ""
  /// Worked examples, one command line each with a comment.
  var examples: [String] = []
  /// The options the command declares and reads; `--ledger`, `--token-file` and `--help`
  /// come with every command.
  var options: [any OptionDeclaration] = []

  var usage: String { "usage: storyledger [--ledger DIR|URL] \(name) \(arguments)" }

  /// The positional arguments the usage line names before its first option, with how many
  /// of them are required: `NODE --period P` takes one, required; `[NODE | STORY] [--json]`
  /// one, optional; `PATH NAME` two, both required. Required ones come first: the count is
  /// up to the last word without brackets.
  var positionals: (names: [String], required: Int) {
    var names: [String] = []
    var required = 0
    var rest = Substring(arguments)
    while true {
      rest = rest.drop(while: \.isWhitespace)
      guard let first = rest.first else { break }
      if first == "[", let close = rest.firstIndex(of: "]") {
        let inside = rest[rest.index(after: rest.startIndex)..<close]
        guard inside.first?.isUppercase == true else { break }
        names.append(String(inside))
        rest = rest[rest.index(after: close)...]
      } else if first.isLetter, first.isUppercase {
        let word = rest.prefix { !$0.isWhitespace }
        names.append(String(word))
        required = names.count
        rest = rest.dropFirst(word.count)
      } else {
        break
      }
    }
    return (names, required)
  }

  /// Every option the command accepts, in the order of its help.
  var allOptions: [OptionSpec] {
    options.map(\.spec) + [Option.ledger.spec, Option.tokenFile.spec, Flag.help.spec]
  }

  var help: String {
    var text = "\(abstract)\n\n\(usage)\n"
    if !discussion.isEmpty { text += "\n\(discussion)\n" }
    let shown = allOptions
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

/// A parsed command line: positional arguments, and the options given, read through their
/// declarations.
struct ParsedArguments: Sendable {
  var positionals: [String] = []
  /// The names the usage line gives the positional arguments (`NODE`, `PATH`).
  fileprivate var positionalNames: [String] = []
  fileprivate var values: [String: [String]] = [:]
  fileprivate var flags: Set<String> = []
  /// The names of the options the command declares.
  fileprivate var declared: Set<String> = []
  var usage: String
  /// How long a write waits for another writer's lock: `STORYLEDGER_LOCK_WAIT` seconds, set
  /// by the tool from the environment.
  var lockTimeout: Duration = Ledger.defaultLockTimeout

  /// The node path given as positional argument `index` (which must have been given); a
  /// malformed path is an error naming the argument as the usage line does.
  func node(_ index: Int = 0) throws -> NodePath {
    try NodePath(parsing: positionals[index], field: positionalNames[index])
  }

  /// The node path given as the optional positional argument `index`, if it was given.
  func optionalNode(_ index: Int = 0) throws -> NodePath? {
    index < positionals.count ? try node(index) : nil
  }

  /// Whether the flag was given.
  func has(_ flag: Flag) -> Bool {
    assertDeclared(flag)
    return flags.contains(flag.spec.name)
  }

  /// Whether the option or flag was given at all.
  func isGiven(_ option: any OptionDeclaration) -> Bool {
    assertDeclared(option)
    return flags.contains(option.spec.name) || values[option.spec.name] != nil
  }

  /// Whether the command declares the option or flag: for what several commands share,
  /// where only some of them declare it (`--session`).
  func declares(_ option: any OptionDeclaration) -> Bool {
    declared.contains(option.spec.name)
  }

  /// The option's last value, read by its parser, if given.
  func value<Value>(_ option: Option<Value>) throws -> Value? {
    assertDeclared(option)
    guard let text = values[option.name]?.last else { return nil }
    return try parse(text, as: option)
  }

  /// Every value of a repeatable option, read by its parser, in order.
  func values<Value>(_ option: Option<Value>) throws -> [Value] {
    assertDeclared(option)
    return try (values[option.name] ?? []).map { try parse($0, as: option) }
  }

  private func parse<Value>(_ text: String, as option: Option<Value>) throws -> Value {
    do { return try option.parse(text) } catch let error as ValueError {
      var copy = error
      copy.field = option.name
      throw UsageError(copy.description, usage: usage)
    }
  }

  /// An option read that the command did not declare would always be missing: a mistake
  /// in the command, caught by its tests.
  private func assertDeclared(_ option: any OptionDeclaration) {
    assert(
      declared.contains(option.spec.name),
      "\(option.spec.name) is read but not in the command's options")
  }
}

enum ArgumentParser {
  /// Parses `arguments` (after the command's name) against `spec`.
  static func parse(_ arguments: [String], for spec: CommandSpec) throws -> ParsedArguments {
    let options = spec.allOptions
    let positionals = spec.positionals
    var parsed = ParsedArguments(usage: spec.usage)
    parsed.positionalNames = positionals.names
    parsed.declared = Set(options.map(\.name))
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
        parsed.flags.insert(Flag.help.spec.name)
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
    if parsed.has(Flag.help) { return parsed }
    if parsed.positionals.count < positionals.required {
      let missing = positionals.names[parsed.positionals.count]
      throw UsageError("missing \(missing)", usage: spec.usage)
    }
    if parsed.positionals.count > positionals.names.count {
      let extra = parsed.positionals[positionals.names.count]
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
