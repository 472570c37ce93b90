#pragma once
// The PostgreSQL lease journal: lease writes go to Kea 2.2's lease4 table with group commit.
//
// append() queues the lease under a short lock; one writer thread takes up to maxBatch queued
// writes, encodes them (dhcpd/lease/pgsql_lease_row.h) and sends them as prepared statements
// in libpq pipeline mode followed by one Sync: one round trip and one implicit transaction
// (one WAL flush) per batch, however many clients it holds. durableSeq advances only when the
// Sync's result says the transaction committed, so a reply parked on seq S leaves only once
// its lease is in the database (the LeaseJournal contract). The lease4 triggers of Kea's
// schema keep lease4_stat (stat-lease4-get, kea-dhcp4's recount) right for these rows.
//
// The queue, the writer thread, reconnection (reconnect-wait-time, max-reconnect-tries,
// on-fail), back-pressure, refused statements and the lost-write bookkeeping are SqlJournal's
// (dhcpd/lease/sql_journal.h), shared with the MySQL journal; this class is the connection and
// writeBatch(). After a reconnect the queued writes are sent again; upserts and deletes by
// address are idempotent, so a batch whose COMMIT outcome was lost is safe to repeat.
#include <memory>

#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/lease/pgsql_lease_row.h"
#include "dhcpd/lease/sql_journal.h"
#include "dhcpd/pgsql/pg_connection.h"

namespace tandem::pgsql {

class PgsqlJournal final : public SqlJournal {
 public:
  struct Options {
    config::LeaseDatabase db;
    std::size_t maxBatch = 512;    // statements per transaction
    std::size_t highWater = 8192;  // queued writes beyond which failing() reports back-pressure
    // Uncommitted writes beyond which behind() sheds new exchanges: two full transactions
    // waiting, a few hundred milliseconds at the commit rates measured (README).
    std::size_t shedWater = 1024;
  };

  // Prepares the statements on `conn` (already connected, schema checked) and starts the thread.
  // Guarded writes are conditional statements (INSERT ... ON CONFLICT DO UPDATE ... WHERE,
  // DELETE ... WHERE) evaluated by the database against the row it holds, so several servers
  // on one database never give one address to two clients: a write that matches no row is
  // lost (takeLost), with the row that won.
  static Result<std::unique_ptr<PgsqlJournal>> open(Options options, std::unique_ptr<PgConnection> conn);
  ~PgsqlJournal() override;

 private:
  explicit PgsqlJournal(Options options);
  Result<void> prepareStatements(PgConnection& conn);
  bool connected() const noexcept override { return conn_ != nullptr; }
  Result<void> reconnect() override;
  void disconnect() override { conn_.reset(); }
  // Sends `batch` in one pipeline. Rejected: `bad` is the refused statement's index.
  // `unmatched` gets the indexes of guarded statements that changed no row.
  BatchOutcome writeBatch(const std::vector<Op>& batch, std::size_t& bad, std::string& message,
                          std::vector<std::size_t>& unmatched) override;
  Result<std::optional<Lease>> readLease(Ipv4 address) override;

  Options options_;
  std::unique_ptr<PgConnection> conn_;  // writer thread only (after open)
};

}  // namespace tandem::pgsql
