#pragma once
// The PostgreSQL lease journal: lease writes go to Kea 2.2's lease4 table with group commit.
//
// append() encodes the row (dhcpd/lease/pgsql_lease_row.h) and queues it under a short lock;
// one writer thread takes up to maxBatch queued writes and sends them as prepared statements
// in libpq pipeline mode followed by one Sync: one round trip and one implicit transaction
// (one WAL flush) per batch, however many clients it holds. durableSeq advances only when the
// Sync's result says the transaction committed, so a reply parked on seq S leaves only once
// its lease is in the database (the LeaseJournal contract). The lease4 triggers of Kea's
// schema keep lease4_stat (stat-lease4-get, kea-dhcp4's recount) right for these rows.
//
// Connection loss (a database restart): the batch stays queued, failing() turns true (the
// packet path stops taking lease-changing queries: Kea's "stop" of on-fail), and the thread
// reconnects every reconnect-wait-time ms, up to max-reconnect-tries; after that state()
// is Failed, which the server turns into an exit (on-fail *-exit) or keeps retrying
// (serve-retry-continue). After a reconnect the queued writes are sent again; upserts and
// deletes by address are idempotent, so a batch whose COMMIT outcome was lost is safe to repeat.
//
// Back-pressure: beyond shedWater uncommitted writes behind() is true and the packet path
// sheds new exchanges (DISCOVERs) while the started ones finish; beyond highWater failing()
// is also true, so a slow database sheds every new query (counted by the pipeline) instead
// of growing the queue without bound.
//
// A statement the database refuses (its data, not the connection) rolls its batch back; it is
// dropped, logged, and reported through takeLost() like a lost write, so its reply never
// leaves; the rest of the batch is sent again.
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
#include "dhcpd/lease/pgsql_lease_row.h"
#include "dhcpd/pgsql/pg_connection.h"

namespace tandem::pgsql {

class PgsqlJournal final : public LeaseJournal {
 public:
  enum class State { Connected, Reconnecting, Failed };
  struct Options {
    config::LeaseDatabase db;
    std::size_t maxBatch = 512;     // statements per transaction
    std::size_t highWater = 8192;   // queued writes beyond which failing() reports back-pressure
    // Uncommitted writes beyond which behind() sheds new exchanges: two full transactions
    // waiting, a few hundred milliseconds at the commit rates measured (README).
    std::size_t shedWater = 1024;
  };
  struct Counters {
    std::uint64_t committed = 0;        // statements committed
    std::uint64_t transactions = 0;     // batches committed
    std::uint64_t rejected = 0;         // statements the database refused (dropped, logged)
    std::uint64_t lost = 0;             // guarded writes another server's row won
    std::uint64_t connectionLosses = 0;
    std::uint64_t reconnects = 0;       // successful
    std::uint64_t reconnectAttempts = 0;
  };

  // Prepares the statements on `conn` (already connected, schema checked) and starts the thread.
  static Result<std::unique_ptr<PgsqlJournal>> open(Options options, std::unique_ptr<PgConnection> conn);
  ~PgsqlJournal() override;
  PgsqlJournal(const PgsqlJournal&) = delete;
  PgsqlJournal& operator=(const PgsqlJournal&) = delete;

  // Unguarded (operator commands, HA): written as given.
  std::uint64_t append(const Lease& lease) override;
  std::uint64_t appendDelete(const Lease& lease) override;
  // Guarded writes are conditional statements (INSERT ... ON CONFLICT DO UPDATE ... WHERE,
  // DELETE ... WHERE) evaluated by the database against the row it holds, so several servers
  // on one database never give one address to two clients: a write that matches no row is
  // lost (takeLost), with the row that won.
  std::uint64_t appendGuarded(const Lease& lease, bool remove, WriteGuard guard) override;
  std::vector<LostWrite> takeLost() override;
  bool mayRefuse() const noexcept override { return true; }
  std::uint64_t durableSeq() const noexcept override { return durableSeq_.load(); }
  std::uint64_t lastSeq() const noexcept override { return lastSeq_.load(); }
  // Returns once everything appended before the call is committed and onDurable saw it, or
  // with the error of the first failed attempt after the call (database gone at shutdown).
  Result<void> flush() override;
  void setOnDurable(std::function<void(std::uint64_t)> cb) override;
  std::optional<Error> lastError() const override;
  bool behind() const noexcept override { return queued_.load(std::memory_order_relaxed) >= options_.shedWater; }
  bool failing() const noexcept override {
    return failing_.load(std::memory_order_relaxed) || queued_.load(std::memory_order_relaxed) >= options_.highWater;
  }

  State state() const noexcept { return state_.load(); }
  std::size_t queued() const noexcept { return queued_.load(); }
  Counters counters() const;
  // Refused statements since the last call ("lease 198.18.0.5: <server message>"), for the log.
  std::vector<std::string> takeRejections();

  static const char* toString(State s) noexcept;

 private:
  struct Op {
    std::uint64_t seq = 0;
    bool remove = false;
    WriteGuard guard = WriteGuard::None;
    PgsqlLeaseRow row;  // remove: address, hwaddr and client_id are used
  };
  enum class BatchOutcome { Committed, Rejected, ConnectionLost };

  explicit PgsqlJournal(Options options);
  std::uint64_t enqueue(Op op);
  void run();
  Result<void> prepareStatements(PgConnection& conn);
  // Sends `batch` in one pipeline. Rejected: `bad` is the refused statement's index.
  // `unmatched` gets the indexes of guarded statements that changed no row.
  BatchOutcome writeBatch(const std::vector<Op>& batch, std::size_t& bad, std::string& message,
                          std::vector<std::size_t>& unmatched);
  // After a commit: the rows that won over unmatched guarded writes (lost writes).
  void collectLost(const std::vector<Op>& batch, const std::vector<std::size_t>& unmatched,
                   std::vector<LostWrite>& out);
  // One reconnection attempt (called on the writer thread without the lock).
  Result<std::unique_ptr<PgConnection>> reconnect();

  Options options_;
  std::unique_ptr<PgConnection> conn_;  // writer thread only (after open)

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

}  // namespace tandem::pgsql
