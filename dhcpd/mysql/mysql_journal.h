#pragma once
// The MySQL/MariaDB lease journal: lease writes go to Kea 2.2's lease4 table (MySQL schema
// 14.0) with group commit. The queue, the writer thread, reconnection, back-pressure and the
// lost-write bookkeeping are SqlJournal's (dhcpd/lease/sql_journal.h), shared with the
// PostgreSQL journal; this class is the connection and one transaction per batch:
// START TRANSACTION, the statements of every write (dhcpd/lease/mysql_lease_row.h), COMMIT,
// sent as ONE multi-statement query (the session allows them: MyConnection::
// allowMultiStatements; the statements and what their outcomes mean: dhcpd/lease/
// mysql_batch.h), so a batch costs one round trip, as PostgreSQL's pipeline does, and
// one redo-log flush however many clients it holds. Each statement's outcome (affected rows
// or error) is read in order. The server stops at the first failing statement, so COMMIT runs
// only when every write before it did: an error leaves the transaction open and uncommitted
// (ROLLBACK, as before), and an ACK still waits for the COMMIT's result. Kea's lease4
// triggers keep lease4_stat right for these rows.
//
// Several servers on one database (WriteGuard): a guarded write is a conditional
//   UPDATE lease4 SET ... WHERE address = A AND <guard on the row the database holds>
// followed in the same query by
//   INSERT INTO lease4 (...) SELECT ... FROM DUAL WHERE ROW_COUNT() = 0
// which adds the row only when the UPDATE matched none, and which the primary key refuses
// (ER_DUP_ENTRY) when a row exists that the guard kept: the write lost (takeLost). InnoDB
// rolls back only the refused statement; the rest of the batch, COMMIT included, is sent in
// one more round trip (one per lost write). The connection counts matched rows
// (CLIENT_FOUND_ROWS, as Kea; ROW_COUNT() too): a renewal that rewrites identical values
// matched and won. Isolation is READ COMMITTED: the UPDATE and the INSERT's key check read the
// latest committed row and wait for a row another transaction holds, then judge what it
// committed. Two servers racing for a free address: both UPDATEs match nothing, the first
// INSERT takes the key, the second waits for its COMMIT and fails on the key (lost), or
// succeeds if the first rolled back. Under InnoDB's default REPEATABLE READ both UPDATEs would
// take gap locks on the missing key and the two INSERTs would deadlock; that still leaves
// exactly one winner (the victim retries and then loses on the key) but costs a rollback per
// race, so tandemd sets READ COMMITTED (the mysql_shared_test ctest shows both). A deadlock or a
// lock-wait timeout ends the transaction (ROLLBACK: InnoDB rolls back only the statement of a
// lock-wait timeout) and the whole batch is sent again. (ROW_COUNT() is unsafe for
// statement-based binary logging: a server with binlog_format=STATEMENT logs a warning;
// MIXED, the default, logs these statements as rows.)
#include <atomic>
#include <cstdint>
#include <memory>

#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/lease/mysql_lease_row.h"
#include "dhcpd/lease/sql_journal.h"
#include "dhcpd/mysql/my_connection.h"

namespace tandem::mysql {

class MysqlJournal final : public SqlJournal {
 public:
  struct Options {
    config::LeaseDatabase db;
    std::size_t maxBatch = 512;    // statements per transaction
    std::size_t highWater = 8192;  // queued writes beyond which failing() reports back-pressure
    std::size_t shedWater = 1024;  // uncommitted writes beyond which behind() sheds new exchanges
  };

  // Starts the thread on `conn` (already connected, schema checked).
  static Result<std::unique_ptr<MysqlJournal>> open(Options options, std::unique_ptr<MyConnection> conn);
  ~MysqlJournal() override;

  // Multi-statement queries sent for batches: one per transaction, plus one per lost write
  // (status-get "round-trips"; the mysql_shared_test ctest compares it with the transactions).
  std::uint64_t roundTrips() const noexcept { return roundTrips_.load(std::memory_order_relaxed); }

 private:
  explicit MysqlJournal(Options options);
  bool connected() const noexcept override { return conn_ != nullptr; }
  Result<void> reconnect() override;
  void disconnect() override { conn_.reset(); }
  BatchOutcome writeBatch(const std::vector<Op>& batch, std::size_t& bad, std::string& message,
                          std::vector<std::size_t>& unmatched) override;
  Result<std::optional<Lease>> readLease(Ipv4 address) override;

  Options options_;
  std::unique_ptr<MyConnection> conn_;  // writer thread only (after open)
  std::atomic<std::uint64_t> roundTrips_{0};
};

}  // namespace tandem::mysql
