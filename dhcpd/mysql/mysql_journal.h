#pragma once
// The MySQL/MariaDB lease journal: lease writes go to Kea 2.2's lease4 table (MySQL schema
// 14.0) with group commit. The same contract as PgsqlJournal (dhcpd/pgsql/pgsql_journal.h),
// whose batching thread, reconnect policy and lost-write bookkeeping this class follows line
// for line (parallel code, see the README's MySQL section); what differs is writeBatch().
//
// append() encodes the row (dhcpd/lease/mysql_lease_row.h) and queues it under a short lock;
// one writer thread takes up to maxBatch queued writes and runs them in one transaction
// (START TRANSACTION, one statement each, COMMIT: one redo-log flush per batch however many
// clients it holds). durableSeq advances only once COMMIT succeeded, so a reply parked on seq
// S leaves only once its lease is in the database (the LeaseJournal contract). Kea's lease4
// triggers keep lease4_stat right for these rows.
//
// Several servers on one database (WriteGuard): a guarded write is a conditional
//   UPDATE lease4 SET ... WHERE address = A AND <guard on the row the database holds>
// and, when it matched no row, a plain INSERT, which the primary key refuses (ER_DUP_ENTRY)
// when a row exists that the guard kept: the write lost, it is reported through takeLost()
// before durableSeq passes its seq. The connection counts matched rows (CLIENT_FOUND_ROWS, as
// Kea): a renewal that rewrites identical values matched and won. Isolation is READ
// COMMITTED: the UPDATE and the INSERT's key check read the latest committed row and wait for
// a row another transaction holds, then judge what it committed. Two servers racing for a free
// address: both UPDATEs match nothing, the first INSERT takes the key, the second waits for
// its COMMIT and fails on the key (lost), or succeeds if the first rolled back. Under InnoDB's
// default REPEATABLE READ both UPDATEs would take gap locks on the missing key and the two
// INSERTs would deadlock; that still leaves exactly one winner (the victim retries and then
// loses on the key) but costs a rollback per race, so tandemd sets READ COMMITTED. A deadlock
// or a lock-wait timeout rolls back (ROLLBACK is sent for the timeout, which InnoDB rolls back
// only the statement of) and the whole transaction is sent again.
//
// Connection loss, back-pressure, refused statements: as PgsqlJournal.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/lease/lease_journal.h"
#include "dhcpd/lease/mysql_lease_row.h"
#include "dhcpd/mysql/my_connection.h"

namespace tandem::mysql {

class MysqlJournal final : public LeaseJournal {
 public:
  enum class State { Connected, Reconnecting, Failed };
  struct Options {
    config::LeaseDatabase db;
    std::size_t maxBatch = 512;    // statements per transaction
    std::size_t highWater = 8192;  // queued writes beyond which failing() reports back-pressure
  };
  struct Counters {
    std::uint64_t committed = 0;     // statements committed
    std::uint64_t transactions = 0;  // batches committed
    std::uint64_t rejected = 0;      // statements the database refused (dropped, logged)
    std::uint64_t lost = 0;          // guarded writes another server's row won
    std::uint64_t retried = 0;       // transactions sent again after a deadlock or lock-wait timeout
    std::uint64_t connectionLosses = 0;
    std::uint64_t reconnects = 0;  // successful
    std::uint64_t reconnectAttempts = 0;
  };

  // Starts the thread on `conn` (already connected, schema checked).
  static Result<std::unique_ptr<MysqlJournal>> open(Options options, std::unique_ptr<MyConnection> conn);
  ~MysqlJournal() override;
  MysqlJournal(const MysqlJournal&) = delete;
  MysqlJournal& operator=(const MysqlJournal&) = delete;

  std::uint64_t append(const Lease& lease) override;
  std::uint64_t appendDelete(const Lease& lease) override;
  std::uint64_t appendGuarded(const Lease& lease, bool remove, WriteGuard guard) override;
  std::vector<LostWrite> takeLost() override;
  std::uint64_t durableSeq() const noexcept override { return durableSeq_.load(); }
  std::uint64_t lastSeq() const noexcept override { return lastSeq_.load(); }
  Result<void> flush() override;
  void setOnDurable(std::function<void(std::uint64_t)> cb) override;
  std::optional<Error> lastError() const override;
  bool failing() const noexcept override {
    return failing_.load(std::memory_order_relaxed) || queued_.load(std::memory_order_relaxed) >= options_.highWater;
  }

  State state() const noexcept { return state_.load(); }
  std::size_t queued() const noexcept { return queued_.load(); }
  Counters counters() const;
  std::vector<std::string> takeRejections();

  static const char* toString(State s) noexcept;

 private:
  struct Op {
    std::uint64_t seq = 0;
    bool remove = false;
    WriteGuard guard = WriteGuard::None;
    MysqlLeaseRow row;    // remove: address, hwaddr and client_id are used
    std::string invalid;  // set: the lease cannot be encoded (refused like a database refusal)
  };
  enum class BatchOutcome { Committed, Rejected, Retry, ConnectionLost };

  explicit MysqlJournal(Options options);
  std::uint64_t enqueue(Op op);
  void run();
  BatchOutcome writeBatch(const std::vector<Op>& batch, std::size_t& bad, std::string& message,
                          std::vector<std::size_t>& unmatched);
  void collectLost(const std::vector<Op>& batch, const std::vector<std::size_t>& unmatched,
                   std::vector<LostWrite>& out);

  Options options_;
  std::unique_ptr<MyConnection> conn_;  // writer thread only (after open)

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::deque<Op> queue_;
  std::atomic<std::size_t> queued_{0};
  std::atomic<std::uint64_t> lastSeq_{0};
  std::atomic<std::uint64_t> durableSeq_{0};
  std::uint64_t announcedSeq_ = 0;
  std::uint64_t failures_ = 0;
  std::optional<Error> lastError_;
  std::atomic<bool> failing_{false};
  std::atomic<State> state_{State::Connected};
  Counters counters_;
  std::vector<std::string> rejections_;
  std::vector<LostWrite> lost_;
  std::function<void(std::uint64_t)> onDurable_;
  bool stop_ = false;
  bool writerDone_ = false;
  std::thread writer_;
};

}  // namespace tandem::mysql
