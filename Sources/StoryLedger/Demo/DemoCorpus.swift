import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A deterministic, realistic corpus of value items in the CSV import format (<doc:ImportFormat>).
///
/// The corpus models a national health system measured with the Revaluation method: one
/// national node (`nhs`), seven regions, 302 organisations (trusts, practices, hospices) and
/// 2,000 teams, 2,310 nodes in all, whatever the number of rows. Stories are told mostly by
/// teams, some by organisations and regions (and a few nationally), in English and in
/// Welsh, Polish, Urdu, Spanish, Bengali, Romanian and Chinese, between
/// ``dates``' bounds. Each story has tellings (narratives) retold months apart, and items
/// in all six boxes that are revised over time: many start invisible and are made visible
/// with evidence and a monetised proxy, some are revised twice on the same day, and a few
/// go back from visible to invisible. Some fields contain commas, quotes and line breaks,
/// so that the corpus exercises a CSV reader.
///
/// A corpus of `rows` rows holds about `rows / 5` stories and about 180 bytes a row
/// (1,000,000 rows make about 180 MB). The same rows and seed always give the same bytes.
///
/// ```swift
/// let corpus = DemoCorpus(rows: 1_000_000, seed: 7)
/// try corpus.write(to: URL(filePath: "corpus.csv")) { written, total in
///   print("\(written) of \(total) rows")
/// }
/// let small = String(decoding: DemoCorpus(rows: 20).csvBytes(), as: UTF8.self)
/// ```
public struct DemoCorpus: Hashable, Sendable {
  /// The configuration of a ledger the corpus imports into: levels `national`, `region`,
  /// `organisation`, `team`, and currency GBP.
  public static let configuration = LedgerConfiguration(
    validLevels: ["national", "region", "organisation", "team"], currency: "GBP",
    timeZoneIdentifier: "UTC")

  /// The dates the corpus's tellings and revisions fall within: 2025-01-01 to 2026-12-31.
  public static let dates: ClosedRange<Day> =
    Day(
      daysSinceEpoch: Int32(Day.daysFromCivil(year: 2025, month: 1, day: 1)))...Day(
      daysSinceEpoch: Int32(Day.daysFromCivil(year: 2026, month: 12, day: 31)))

  /// The number of nodes in the corpus's hierarchy (2,310), whatever its size.
  public static var nodeCount: Int { DemoHierarchy.shared.nodeCount }

  /// The number of data rows (after the header).
  public let rows: Int
  /// The seed all the corpus's choices follow from.
  public let seed: UInt64

  /// Describes a corpus of exactly `rows` data rows (a negative count means none).
  ///
  /// Nothing is generated until ``write(to:progress:)`` or ``csvBytes()`` is called.
  public init(rows: Int, seed: UInt64 = 1) {
    self.rows = max(0, rows)
    self.seed = seed
  }

  /// The whole corpus as UTF-8 CSV bytes, header first: for small corpora and tests.
  ///
  /// ```swift
  /// let bytes = DemoCorpus(rows: 2_000).csvBytes()
  /// ```
  public func csvBytes() -> [UInt8] {
    var generator = DemoCorpusGenerator(rows: rows, seed: seed)
    var output = DemoCorpusGenerator.header
    output.reserveCapacity(output.count + rows * 200)
    while generator.writeNextStory(into: &output) {}
    return output
  }

  /// Writes the corpus to `url`, replacing any file there only once the whole corpus is
  /// written.
  ///
  /// The corpus is written to a temporary file in the same directory, which is then renamed
  /// over `url`, so a reader never sees a partial corpus. The file is not synced to disk.
  ///
  /// - Parameters:
  ///   - url: The file to write.
  ///   - progress: Called now and then (about every 4 MiB) and once at the end with the rows
  ///     written so far and the total.
  /// - Throws: ``LedgerError`` with code `cannotCreate` when the file cannot be created,
  ///   or `io` when writing fails; no file is left behind either way.
  public func write(
    to url: URL, progress: ((_ rowsWritten: Int, _ totalRows: Int) -> Void)? = nil
  ) throws(LedgerError) {
    let path = url.path(percentEncoded: false)
    let directory = url.deletingLastPathComponent().path(percentEncoded: false)
    let temporaryPath =
      (directory.hasSuffix("/") ? directory : directory + "/")
      + ".\(url.lastPathComponent).partial-\(getpid())"
    let file: SystemFile
    do {
      file = try SystemFile(
        path: temporaryPath, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644, action: "create")
    } catch {
      // Name the file asked for, not the temporary one.
      let message = error.message.replacingOccurrences(of: temporaryPath, with: path)
      throw LedgerError(.cannotCreate, message, path: path)
    }
    do {
      try writeContents(to: file, progress: progress)
    } catch {
      SystemFile.remove(temporaryPath)
      throw LedgerError(.io, "cannot write \(path): \(error.message)", path: path)
    }
    guard rename(temporaryPath, path) == 0 else {
      let reason = SystemFile.errnoMessage()
      SystemFile.remove(temporaryPath)
      throw LedgerError(.cannotCreate, "cannot create \(path): \(reason)", path: path)
    }
  }

  private func writeContents(
    to file: SystemFile, progress: ((_ rowsWritten: Int, _ totalRows: Int) -> Void)?
  ) throws(LedgerError) {
    let flushSize = 4 << 20
    var generator = DemoCorpusGenerator(rows: rows, seed: seed)
    var buffer = DemoCorpusGenerator.header
    buffer.reserveCapacity(flushSize + (1 << 16))
    var offset: UInt64 = 0
    var isGenerating = true
    while isGenerating {
      isGenerating = generator.writeNextStory(into: &buffer)
      if buffer.count >= flushSize || (!isGenerating && !buffer.isEmpty) {
        try file.write(buffer, at: offset)
        offset += UInt64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
        progress?(generator.rowsWritten, rows)
      }
    }
  }
}
