import Foundation
import StoryLedger

/// `storyledger node add PATH`: adds a node to the hierarchy.
enum NodeAddCommand: Command {
  static let spec = CommandSpec(
    name: "node add", abstract: "add a node to the hierarchy",
    arguments: "PATH [--name NAME] [--parents]",
    discussion: """
      PATH is slug segments separated by / (letters, digits, -, _ and .); its depth picks its
      level. The parent must exist, unless --parents adds the missing ancestors too. Prints
      the node's path.
      """,
    examples: [
      "storyledger node add nhs/north-east --name \"North East\"",
      "storyledger node add nhs/north-east/trust-07/team-03 --parents",
    ],
    options: [name, parents] + Recording.writeOptions)

  static let name = Option("--name", "NAME", "the display name (default: the last segment)")
  static let parents = Flag("--parents", "also add missing ancestors")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let path = try arguments.node()
    let name = try arguments.value(Self.name)
    if let name, name.trimmingCharacters(in: .whitespaces).isEmpty {
      throw UsageError("--name cannot be empty", usage: spec.usage)
    }
    try Recording.record(arguments, in: context, what: "the node", printing: path.description) {
      ledger, options in
      try ledger.addNode(
        path, name: name, creatingParents: arguments.has(parents), options: options)
    }
  }
}

/// `storyledger node rename PATH NAME`.
enum NodeRenameCommand: Command {
  static let spec = CommandSpec(
    name: "node rename", abstract: "give a node a new display name",
    arguments: "PATH NAME",
    discussion: "Changes the display name only; the path stays (use `node move` to change it).",
    examples: ["storyledger node rename nhs/north-east \"North East and Cumbria\""],
    options: Recording.writeOptions)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let path = try arguments.node()
    let name = arguments.positionals[1]
    guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw UsageError("NAME cannot be empty", usage: spec.usage)
    }
    try Recording.record(arguments, in: context, what: "the rename", printing: path.description) {
      ledger, options in
      try ledger.renameNode(path, to: name, options: options)
    }
  }
}

/// `storyledger node move PATH NEW_PARENT`.
enum NodeMoveCommand: Command {
  static let spec = CommandSpec(
    name: "node move", abstract: "move a node and its subtree under another parent",
    arguments: "PATH NEW_PARENT",
    discussion: """
      The node keeps its last segment under NEW_PARENT (give / for the top of the hierarchy)
      and takes its stories and whole subtree with it. Summaries and exports count everything
      under the hierarchy as it stands; the old path answers with a hint to the new one.
      Prints the new path.
      """,
    examples: ["storyledger node move nhs/north-east/trust-07 nhs/cumbria"],
    options: Recording.writeOptions)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let path = try arguments.node()
    let parentText = arguments.positionals[1]
    let parent = parentText == "/" ? nil : try NodePath(parsing: parentText, field: "NEW_PARENT")
    try Recording.record(arguments, in: context, what: "the move") {
      ledger, options in
      try ledger.moveNode(path, under: parent, options: options)
    }
  }
}

/// `storyledger node retire PATH`.
enum NodeRetireCommand: Command {
  static let spec = CommandSpec(
    name: "node retire", abstract: "retire a node: it keeps its history but takes nothing new",
    arguments: "PATH [--reason TEXT] [--force]",
    discussion: """
      A retired node and its subtree keep their stories and figures but take no new stories
      or children. A node whose subtree still holds active stories is retired only with --force.
      """,
    examples: [
      "storyledger node retire nhs/north-east/trust-07/team-09 --reason \"merged into team-03\""
    ],
    options: [reason, force] + Recording.writeOptions)

  static let reason = Option("--reason", "TEXT", "why, in a few words")
  static let force = Flag("--force", "retire it even though its subtree has active stories")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let path = try arguments.node()
    try Recording.record(arguments, in: context, what: "the retirement", printing: path.description)
    {
      ledger, options in
      try ledger.retireNode(
        path, reason: arguments.value(reason) ?? "", force: arguments.has(force),
        options: options)
    }
  }
}

/// `storyledger tree [NODE]`: the hierarchy with levels and counts.
enum TreeCommand: Command {
  static let spec = CommandSpec(
    name: "tree",
    abstract: "the hierarchy with its levels and the stories and items of each subtree",
    arguments: "[NODE] [--depth N] [--json]",
    discussion: """
      Shows NODE's subtree (the whole hierarchy when NODE is not given), one node per line,
      indented by depth, with its level, display name, and the active stories and items in
      its subtree. Retired nodes are marked.
      """,
    examples: ["storyledger tree", "storyledger tree nhs/north-east --depth 1 --json"],
    options: [depth, Flag.json])

  static let depth = Option.integer(
    "--depth", "N", "show only N levels below NODE (or the top)", in: 0...64)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let path = try arguments.optionalNode()
    let depth = try arguments.value(Self.depth)
    let ledger = try context.openLedger()
    let entries = try ledger.tree(of: path, maximumDepth: depth)
    try JSONOutput.show(
      entries, arguments, in: context,
      empty: "the ledger has no nodes yet; add one with `storyledger node add PATH`",
      render: render)
  }

  /// The hierarchy as an indented table.
  static func render(_ entries: [TreeEntry]) -> String {
    let base = entries.first?.depth ?? 1
    var table = TextTable(columns: [
      .init("node"), .init("level"), .init("stories", right: true), .init("items", right: true),
      .init("name"),
    ])
    for entry in entries {
      let indent = String(repeating: "  ", count: max(0, entry.depth - base))
      table.add([
        indent + (entry.depth == base ? entry.node.description : entry.node.name),
        entry.level, String(entry.stories), String(entry.items),
        entry.name + (entry.isRetired ? " (retired)" : ""),
      ])
    }
    return table.render()
  }
}

/// JSON output for people's commands: sorted keys, snake case.
enum JSONOutput {
  static func write<T: Encodable>(_ value: T, to context: Context) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    let data = try encoder.encode(value)
    context.console.write(bytes: Array(data) + [0x0A])
  }

  /// Shows a listing: `entries` as JSON with `--json`; else `empty` on standard error when
  /// there are none; else the text `render` makes of them.
  static func show<Entry: Encodable>(
    _ entries: [Entry], _ arguments: ParsedArguments, in context: Context,
    empty: @autoclosure () -> String, render: ([Entry]) -> String
  ) throws {
    if arguments.has(Flag.json) {
      try write(entries, to: context)
    } else if entries.isEmpty {
      context.console.message(empty())
    } else {
      context.console.write(render(entries) + "\n")
    }
  }
}
