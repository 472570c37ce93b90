#pragma once
// The lease journal of the SQL backends (PostgreSQL, MySQL/MariaDB): lease writes go to Kea
// 2.2's lease4 table with group commit. What does not depend on the database lives here, once:
// the queue, batching, durableSeq, back-pressure, lost and refused writes, reconnection with
// max-reconnect-tries / reconnect-wait-time and the on-fail states. The database itself is
// behind SqlSession (dhcpd/pgsql/pgsql_session.h, dhcpd/mysql/mysql_session.h), one connection
// used by the writer thread only. Pure: no client library here.
//
// append() queues the write under a short lock; one writer thread takes up to maxBatch queued
// writes and hands them to the session, which sends them as one transaction in one round trip.
// durableSeq advances only when the session says the transaction committed, so a reply parked
// on seq S leaves only once its lease is in the database (the LeaseJournal contract).
//
// Connection loss (a database restart): the batch stays queued, failing() turns true (the
// packet path stops taking lease-changing queries: Kea's "stop" of on-fail), and the thread
// reconnects every reconnect-wait-time ms, up to max-reconnect-tries; after that state() is
// Failed, which the server turns into an exit (on-fail *-exit) or keeps retrying
// (serve-retry-continue). After a reconnect the queued writes are sent again; upserts and
// deletes by address are idempotent, so a batch whose COMMIT outcome was lost is safe to repeat.
//
// Back-pressure: beyond highWater queued writes failing() is also true, so a slow database
// sheds new queries (counted by the pipeline) instead of growing the queue without bound.
//
// A statement the database refuses (its data, not the connection) rolls its batch back; it is
// dropped, logged, and reported through takeLost() like a lost write, so its reply never
// leaves; the rest of the batch is sent again. A transaction the database aborted for a
// transient reason (a deadlock between servers sharing the database) is sent again whole.
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

#include "dhcpd/lease/lease_journal.h"
#include "dhcpd/lease/sql_limits.h"

namespace tandem {

// One queued write, as the session sends it.
struct SqlWrite {
  std::uint64_t seq = 0;
  bool remove = false;
  WriteGuard guard = WriteGuard::None;
  Lease lease;  // remove: address, hwaddr and client-id are used
};

// One connection to the database (the writer thread's). Implementations: PgsqlSession,
// MysqlSession.
class SqlSession {
 public:
  enum class Outcome {
    Committed,       // the whole batch is in the database
    Rejected,        // statement `bad` was refused for its data; nothing was committed
    ConnectionLost,  // nothing known to be committed; the connection is unusable
    Retry,           // the database aborted the transaction (deadlock...); nothing was committed
  };
  struct BatchResult {
    Outcome outcome = Outcome::Committed;
    std::size_t bad = 0;                 // Rejected: the refused write's index
    std::string message;                 // the database's message (not Committed)
    std::vector<std::size_t> unmatched;  // Committed: guarded writes that changed no row
  };
  virtual ~SqlSession() = default;
  // Writes `batch` in order as one transaction.
  virtual BatchResult write(const std::vector<SqlWrite>& batch) = 0;
  // The database's row for `address` (nullopt: none).
  virtual Result<std::optional<Lease>> get(Ipv4 address) = 0;
};

class SqlJournal final : public LeaseJournal {
 public:
  enum class State { Connected, Reconnecting, Failed };
  struct Options {
    std::size_t maxBatch = 512;        // statements per transaction
    std::size_t highWater = 8192;      // queued writes beyond which failing() reports back-pressure
    std::uint32_t maxReconnectTries = 0;
    std::uint32_t reconnectWaitTime = 0;  // ms
    bool retryForever = false;            // on-fail serve-retry-continue: keep trying once Failed
  };
  struct Counters {
    std::uint64_t committed = 0;        // statements committed
    std::uint64_t transactions = 0;     // batches committed
    std::uint64_t rejected = 0;         // statements the database refused (dropped, logged)
    std::uint64_t lost = 0;             // guarded writes another server's row won
    std::uint64_t retried = 0;          // transactions aborted by the database and sent again
    std::uint64_t connectionLosses = 0;
    std::uint64_t reconnects = 0;       // successful
    std::uint64_t reconnectAttempts = 0;
  };
  using Connector = std::function<Result<std::unique_ptr<SqlSession>>()>;

  // Starts the writer thread on `session` (connected, schema checked); `connect` opens a new
  // session after a connection loss.
  static std::unique_ptr<SqlJournal> open(Options options, std::unique_ptr<SqlSession> session, Connector connect);
  ~SqlJournal() override;
  SqlJournal(const SqlJournal&) = delete;
  SqlJournal& operator=(const SqlJournal&) = delete;

  // Unguarded (operator commands, HA): written as given.
  std::uint64_t append(const Lease& lease) override;
  std::uint64_t appendDelete(const Lease& lease) override;
  // Guarded writes are conditional statements evaluated by the database against the row it
  // holds, so several servers on one database never give one address to two clients: a
  // write that matches no row is lost (takeLost), with the row that won.
  std::uint64_t appendGuarded(const Lease& lease, bool remove, WriteGuard guard) override;
  std::vector<LostWrite> takeLost() override;
  std::uint64_t durableSeq() const noexcept override { return durableSeq_.load(); }
  std::uint64_t lastSeq() const noexcept override { return lastSeq_.load(); }
  // Returns once everything appended before the call is committed and onDurable saw it, or
  // with the error of the first failed attempt after the call (database gone at shutdown).
  Result<void> flush() override;
  void setOnDurable(std::function<void(std::uint64_t)> cb) override;
  std::optional<Error> lastError() const override;
  bool failing() const noexcept override {
    return failing_.load(std::memory_order_relaxed) || queued_.load(std::memory_order_relaxed) >= options_.highWater;
  }

  State state() const noexcept { return state_.load(); }
  std::size_t queued() const noexcept { return queued_.load(); }
  Counters counters() const;
  // Refused statements since the last call ("lease 198.18.0.5: <server message>"), for the log.
  std::vector<std::string> takeRejections();

  static const char* toString(State s) noexcept;
  // The lease as an SQL backend stores it: an expiry past 2038 is cut to MAX_DB_TIME (the
  // client renews long before), an infinite lifetime is kept.
  static Lease storable(const Lease& l);

 private:
  explicit SqlJournal(Options options, Connector connect);
  std::uint64_t enqueue(SqlWrite op);
  void run();
  // After a commit: the rows that won over unmatched guarded writes (lost writes).
  void collectLost(const std::vector<SqlWrite>& batch, const std::vector<std::size_t>& unmatched,
                   std::vector<LostWrite>& out);

  Options options_;
  Connector connect_;
  std::unique_ptr<SqlSession> session_;  // writer thread only (after open)

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::deque<SqlWrite> queue_;
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

}  // namespace tandem
