import Foundation
import StoryLedger

/// `storyledger item rate STORY/ITEM --by NAME --weight W [--on DATE]`: one person's rating.
enum ItemRateCommand: Command {
  static let spec = CommandSpec(
    name: "item rate", abstract: "record one person's rating of an item, 1 to 5",
    arguments: "STORY/ITEM --by NAME --weight W [--on DATE]", positionals: ["STORY/ITEM"],
    minimumPositionals: 1,
    discussion: """
      Calibrating is judgement by several people: each rates how much the item matters, 1 to
      5, as of a date (default today). Rating again revises the person's own rating: their
      latest rating dated on or before a date is the one that counts then. `story show`,
      `items`, `summary` and the report show the spread (count, median, range, and how far
      the agreed value of `item agree` lies from the median). A name is the same person's when
      it is the same text (canonically equivalent spellings alike, surrounding spaces
      ignored), in any script, as `erase person` compares names. The rater's name is
      personal: `erase person NAME` erases it and keeps the rating.
      """,
    examples: [
      "storyledger item rate k3f9/i2 --by \"Asha Patel\" --weight 4",
      "storyledger item rate k3f9/i2 --by 李小龍 --weight 2 --on 2026-03-02",
      "storyledger item rate k3f9/i2 --by \"Zoë Ångström\" --weight 5 --json",
    ],
    options: [
      .value("--by", "NAME", "who rates (required; any language)"),
      .value("--weight", "W", "the rating, 1 to 5 (required)"),
      .value("--on", "DATE", "the date the rating is about (default today)"),
      Recording.expectVersion,
    ] + Recording.writeOptions)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let reference = try Recording.itemReference(arguments.positionals[0], usage: spec.usage)
    guard let by = arguments.value("--by") else {
      throw UsageError("missing --by (who rates the item)", usage: spec.usage)
    }
    guard let weight = try arguments.integer("--weight", in: 1...5) else {
      throw UsageError("missing --weight (the rating, 1 to 5)", usage: spec.usage)
    }
    let day = try Recording.day(arguments)
    let options = try Recording.options(arguments, story: reference.story.key)
    let ledger = try context.openLedger()
    let recorded = try ledger.rateItem(
      reference, by: by, weight: weight, on: day, options: options)
    Recording.report(
      recorded, printing: recorded.ref.description, what: "the rating", arguments: arguments,
      context: context)
  }
}

/// `storyledger item agree STORY/ITEM --weight W`: the group's agreed value.
enum ItemAgreeCommand: Command {
  static let spec = CommandSpec(
    name: "item agree", abstract: "record the value a group agreed for an item, 1 to 5",
    arguments: "STORY/ITEM --weight W [--note T] [--on DATE]", positionals: ["STORY/ITEM"],
    minimumPositionals: 1,
    discussion: """
      The value the group settles on after comparing its members' ratings (`item rate`), as of
      a date (default today). The agreed value and the --weight of `item add`/`item revise`
      are one line through time: the latest dated is the item's agreed value, so a ledger
      recorded before ratings existed reads its weights as agreed values. --note says how it
      was reached, in any language.
      """,
    examples: [
      "storyledger item agree k3f9/i2 --weight 4",
      "storyledger item agree k3f9/i2 --weight 3 --note \"agreed at the March workshop\" --on 2026-03-20",
    ],
    options: [
      .value("--weight", "W", "the agreed value, 1 to 5 (required)"),
      .value("--note", "T", "how the group reached it (any language)"),
      .value("--on", "DATE", "the date of the agreement (default today)"),
      Recording.expectVersion,
    ] + Recording.writeOptions)

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let reference = try Recording.itemReference(arguments.positionals[0], usage: spec.usage)
    guard let weight = try arguments.integer("--weight", in: 1...5) else {
      throw UsageError("missing --weight (the agreed value, 1 to 5)", usage: spec.usage)
    }
    let day = try Recording.day(arguments)
    let options = try Recording.options(arguments, story: reference.story.key)
    let ledger = try context.openLedger()
    let recorded = try ledger.agreeOnItem(
      reference, weight: weight, on: day, note: arguments.value("--note") ?? "", options: options)
    Recording.report(
      recorded, printing: recorded.ref.description, what: "the agreed value",
      arguments: arguments, context: context)
  }
}

/// `storyledger export ratings`: the ratings time series.
enum ExportRatingsCommand: Command {
  static let spec = CommandSpec(
    name: "export ratings", abstract: "the ratings time series per period, node and dimension",
    arguments:
      "--period P --level L [--from DATE] [--to DATE] [--format csv|jsonl] [--output FILE]",
    discussion: """
      One row per (period, node at level L, dimension), sorted by period, node path and
      dimension, zero-filled, with the columns
        \(RatingSeriesRow.columns.joined(separator: ","))
      ratings_recorded counts ratings dated in the period; the others describe the ratings
      that count at the period's end (each person's latest per item): the items rated, the
      ratings, their median, minimum and maximum, the items that also have an agreed value,
      and the median distance between agreed values and their items' medians. An empty
      median, range or distance means no rating. The README and the DocC article "Time
      series" define every column.
      """,
    examples: [
      "storyledger export ratings --period quarter --level region",
      "storyledger export ratings --period month --level organisation --format jsonl --output ratings.jsonl",
    ],
    options: [
      .value("--period", "P", "day, week, month, quarter or year"),
      .value("--level", "L", "the level whose nodes are the rows"),
      .value("--from", "DATE", "first day to cover (its period is the first)"),
      .value("--to", "DATE", "last day to cover (its period is the last)"),
      .value("--format", "FORMAT", "csv (default) or jsonl"),
      .value("--output", "FILE", "write to FILE instead of stdout"),
    ])

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    guard let period = try arguments.value("--period", { try Period(parsing: $0) }) else {
      throw UsageError(
        "missing --period (one of \(Period.allCases.map(\.rawValue).joined(separator: ", ")))",
        usage: spec.usage)
    }
    guard let level = arguments.value("--level") else {
      throw UsageError("missing --level (a level name of the ledger)", usage: spec.usage)
    }
    let format =
      try arguments.value("--format") { text -> ExportFormat in
        guard let format = ExportFormat(rawValue: text.lowercased()) else {
          throw ValueError(
            field: "--format", value: text, reason: "is not a format",
            validValues: ExportFormat.allCases.map(\.rawValue))
        }
        return format
      } ?? .csv
    let query: TimeSeriesQuery
    do {
      query = try TimeSeriesQuery(
        period: period, level: level, from: try arguments.day("--from"),
        to: try arguments.day("--to"))
    } catch let error as ValueError {
      throw UsageError(error.description, usage: spec.usage)
    }
    let ledger = try context.openLedger()
    do { _ = try ledger.configuration.depth(parsingLevel: level, field: "--level") } catch {
      throw UsageError(error.description, usage: spec.usage)
    }
    let output = try arguments.value("--output").map {
      try AtomicOutputFile(url: context.url(for: $0))
    }
    var buffer: [UInt8] = format == .csv ? RatingSeriesRow.csvHeader : []
    var rows = 0
    try ledger.ratingSeries(query) { row in
      row.append(as: format, to: &buffer)
      rows += 1
    }
    if let output {
      try output.write(buffer)
      try output.commit()
      context.console.message("wrote \(rows) rows to \(output.url.path)")
    } else {
      context.console.write(bytes: buffer)
    }
  }
}

/// The spread of an item's ratings in a few words, for tables: `3 ratings, median 4 (3–5),
/// agreed 4 (+0)`; empty without ratings or agreed value.
enum RatingText {
  static func spread(_ calibration: ItemCalibration?) -> String {
    guard let calibration else { return "" }
    var parts: [String] = []
    if let median = calibration.median, let low = calibration.minimum,
      let high = calibration.maximum
    {
      parts.append(
        "\(calibration.count) rating\(calibration.count == 1 ? "" : "s"), median \(ItemCalibration.text(median)) (\(low)–\(high))"
      )
    }
    if let agreed = calibration.agreed {
      var text = "agreed \(agreed)"
      if let distance = calibration.distance {
        text += " (\(distance > 0 ? "+" : "")\(ItemCalibration.text(distance)) from the median)"
      }
      parts.append(text)
    }
    return parts.joined(separator: ", ")
  }

  /// The spread of a subtree's ratings, for the summary.
  static func counts(_ counts: RatingCounts) -> String {
    guard let median = counts.median, let low = counts.minimum, let high = counts.maximum else {
      return "no ratings"
    }
    var text =
      "\(counts.ratings) rating\(counts.ratings == 1 ? "" : "s") of \(counts.itemsRated) item\(counts.itemsRated == 1 ? "" : "s"), median \(ItemCalibration.text(median)) (\(low)–\(high))"
    if let distance = counts.medianDistance {
      text +=
        "; agreed values \(ItemCalibration.text(distance)) from the ratings' median (median of \(counts.itemsCompared))"
    }
    return text
  }
}
