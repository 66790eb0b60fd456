import Foundation
import Logging
import PostgresNIO

/// Keeps this instance's read models close behind the database: it `LISTEN`s on
/// ``PostgresEventStore/appendsChannel``, where every committed append is announced, and
/// has the ledger it names catch up at once, whichever instance wrote.
///
/// A request still brings its ledger up to date first (one query for the head), so a read
/// after a write on another instance sees it whether or not the announcement has arrived:
/// the feed makes that catch-up short, and keeps an idle instance current. When the
/// connection is lost (a database restart) the feed connects again, then catches up every
/// open ledger, since announcements made meanwhile were not heard.
struct ChangeFeed: Sendable {
  let client: PostgresClient
  let hosts: LedgerHosts
  let logger: Logger

  /// Listens until the task is cancelled.
  func run() async {
    var failures = 0
    while !Task.isCancelled {
      do {
        try await client.withConnection { connection in
          try await connection.listen(on: PostgresEventStore.appendsChannel) { announcements in
            failures = 0
            logger.info(
              "listening for appends", metadata: ["channel": "\(PostgresEventStore.appendsChannel)"]
            )
            await hosts.announcedAll()
            for try await announcement in announcements {
              await hosts.announced(table: announcement.payload)
            }
          }
        }
      } catch {
        guard !Task.isCancelled else { return }
        if failures % 20 == 0 {
          logger.warning("not listening for appends; trying again: \(error)")
        }
        failures += 1
      }
      try? await Task.sleep(for: .milliseconds(min(100 * (failures + 1), 2_000)))
    }
  }
}
