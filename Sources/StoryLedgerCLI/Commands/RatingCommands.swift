import Foundation
import StoryLedger

/// `storyledger item rate STORY/ITEM --by NAME --weight W [--on DATE]`: one person's rating.
enum ItemRateCommand: Command {
  static let spec = CommandSpec(
    name: "item rate", abstract: "record one person's rating of an item, 1 to 5",
    arguments: "STORY/ITEM --by NAME --weight W [--on DATE]",
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
    options: [by, weight, on, Recording.expectVersion] + Recording.writeOptions)

  static let by = Option("--by", "NAME", "who rates (required; any language)")
  static let weight = Option.integer("--weight", "W", "the rating, 1 to 5 (required)", in: 1...5)
  static let on = Option.day("--on", "DATE", "the date the rating is about (default today)")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let reference = try Recording.itemReference(arguments.positionals[0], usage: spec.usage)
    guard let name = try arguments.value(by) else {
      throw UsageError("missing --by (who rates the item)", usage: spec.usage)
    }
    guard let rating = try arguments.value(weight) else {
      throw UsageError("missing --weight (the rating, 1 to 5)", usage: spec.usage)
    }
    let day = try arguments.value(on)
    try Recording.record(arguments, in: context, story: reference.story.key, what: "the rating") {
      ledger, options in
      try ledger.rateItem(reference, by: name, weight: rating, on: day, options: options)
    }
  }
}

/// `storyledger item agree STORY/ITEM --weight W`: the group's agreed value.
enum ItemAgreeCommand: Command {
  static let spec = CommandSpec(
    name: "item agree", abstract: "record the value a group agreed for an item, 1 to 5",
    arguments: "STORY/ITEM --weight W [--note T] [--on DATE]",
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
    options: [weight, note, on, Recording.expectVersion] + Recording.writeOptions)

  static let weight = Option.integer(
    "--weight", "W", "the agreed value, 1 to 5 (required)", in: 1...5)
  static let note = Option("--note", "T", "how the group reached it (any language)")
  static let on = Option.day("--on", "DATE", "the date of the agreement (default today)")

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    let reference = try Recording.itemReference(arguments.positionals[0], usage: spec.usage)
    guard let value = try arguments.value(weight) else {
      throw UsageError("missing --weight (the agreed value, 1 to 5)", usage: spec.usage)
    }
    let text = try arguments.value(note) ?? ""
    let day = try arguments.value(on)
    try Recording.record(
      arguments, in: context, story: reference.story.key, what: "the agreed value"
    ) { ledger, options in
      try ledger.agreeOnItem(reference, weight: value, on: day, note: text, options: options)
    }
  }
}

/// `storyledger export ratings`: the ratings time series.
enum ExportRatingsCommand: Command {
  static let spec = CommandSpec(
    name: "export ratings", abstract: "the ratings time series per period, node and dimension",
    arguments:
      "--period P --level L [--domain D] [--campaign C] [--from DATE] [--to DATE] [--format csv|jsonl] [--output FILE]",
    discussion: """
      One row per (period, node at level L, dimension), sorted by period, node path and
      dimension, zero-filled, with the columns
        \(RatingSeriesRow.columns.joined(separator: ","))
      ratings_recorded counts ratings dated in the period; the others describe the ratings
      that count at the period's end (each person's latest per item): the items rated, the
      ratings, their median, minimum and maximum, the items that also have an agreed value,
      and the median distance between agreed values and their items' medians. An empty
      median, range or distance means no rating. The README and the DocC article "Time
      series" define every column. --domain and --campaign count only the items of the
      stories under that domain of change or in that campaign.
      """,
    examples: [
      "storyledger export ratings --period quarter --level region",
      "storyledger export ratings --period month --level organisation --format jsonl --output ratings.jsonl",
    ],
    options: Export.options(StoryGroupOptions.all))

  static func run(_ arguments: ParsedArguments, in context: Context) throws {
    try Export.write(arguments, grouped: true, in: context, RatingSeriesRow.self) {
      try $0.ratingSeries($1, $2)
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
