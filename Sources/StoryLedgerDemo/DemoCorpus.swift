import Foundation
import StoryLedger

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
  public static let configuration: LedgerConfiguration = {
    do {
      return try LedgerConfiguration(
        levels: ["national", "region", "organisation", "team"], currency: "GBP",
        timeZoneIdentifier: "UTC")
    } catch {
      preconditionFailure("the demo corpus's configuration is valid: \(error)")
    }
  }()

  /// The dates the corpus's tellings and revisions fall within: 2025-01-01 to 2026-12-31.
  public static let dates: ClosedRange<Day> = "2025-01-01"..."2026-12-31"

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
  /// The corpus goes through ``AtomicOutputFile``, the writer of every output: to a temporary
  /// file in the same directory, synced and renamed over `url`, so a reader never sees a
  /// partial corpus; a path inside a ledger directory is refused; a device or FIFO is
  /// written directly and a symlink is written through.
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
    let file = try AtomicOutputFile(url: url)
    do {
      try writeContents(to: file, progress: progress)
      try file.commit()
    } catch {
      let path = url.path(percentEncoded: false)
      throw LedgerError(
        error.code == .cannotCreate ? .cannotCreate : .io,
        error.message.hasPrefix("cannot")
          ? error.message : "cannot write \(path): \(error.message)",
        path: path)
    }
  }

  private func writeContents(
    to file: AtomicOutputFile, progress: ((_ rowsWritten: Int, _ totalRows: Int) -> Void)?
  ) throws(LedgerError) {
    let flushSize = 4 << 20
    var generator = DemoCorpusGenerator(rows: rows, seed: seed)
    var buffer = DemoCorpusGenerator.header
    buffer.reserveCapacity(flushSize + (1 << 16))
    var isGenerating = true
    while isGenerating {
      isGenerating = generator.writeNextStory(into: &buffer)
      if buffer.count >= flushSize || (!isGenerating && !buffer.isEmpty) {
        try file.write(buffer)
        buffer.removeAll(keepingCapacity: true)
        progress?(generator.rowsWritten, rows)
      }
    }
  }
}
