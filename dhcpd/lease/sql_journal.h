#pragma once
// What the SQL lease journals (PostgreSQL: dhcpd/pgsql/pgsql_journal.h, MySQL:
// dhcpd/mysql/mysql_journal.h) share: the queue, the one writer thread with group commit, the
// reconnect policy (Kea's reconnect-wait-time / max-reconnect-tries / on-fail), back-pressure,
// refused statements and the lost-write bookkeeping of several servers on one database. A
// backend supplies only its connection and writeBatch(): one transaction for a batch.
//
// append() queues the lease under a short lock; the writer thread takes up to maxBatch queued
// writes and hands them to writeBatch(). durableSeq advances only when it says Committed, so a
// reply parked on seq S leaves only once its lease is in the database (the LeaseJournal
// contract); writes the database refused or another server won are published (takeLost)
// before durableSeq passes their seq.
//
// Connection loss (a database restart): the batch stays queued, failing() turns true (the
// packet path stops taking lease-changing queries: Kea's "stop" of on-fail), and the thread
// reconnects every reconnect-wait-time ms, up to max-reconnect-tries; after that state() is
// Failed, which the server turns into an exit (on-fail *-exit) or keeps retrying
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
// leaves; the rest of the batch is sent again. Retry (a deadlock) sends the batch again whole.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dhcpd/lease/lease_journal.h"

namespace tandem {

class SqlJournal : public LeaseJournal {
 public:
  enum class State { Connected, Reconnecting, Failed };
  struct Policy {
    std::size_t maxBatch = 512;           // statements per transaction
    std::size_t highWater = 8192;         // queued writes beyond which failing() reports back-pressure
    std::size_t shedWater = 1024;         // uncommitted writes beyond which behind() sheds new exchanges
    std::uint32_t maxReconnectTries = 0;  // Kea's max-reconnect-tries (0: none)
    std::uint32_t reconnectWaitTime = 0;  // ms between attempts
    bool retryForever = false;            // on-fail serve-retry-continue: keep trying after the last

    // A backend's options: its lease-database map (`db`) and its queue limits. A template so
    // that this library needs no config dependency (the backends have one).
    template <class BackendOptions>
    static Policy of(const BackendOptions& o) {
      Policy p;
      p.maxBatch = o.maxBatch;
      p.highWater = o.highWater;
      p.shedWater = o.shedWater;
      p.maxReconnectTries = o.db.maxReconnectTries;
      p.reconnectWaitTime = o.db.reconnectWaitTime;
      p.retryForever = o.db.onFail == decltype(o.db.onFail)::ServeRetryContinue;
      return p;
    }
  };
  struct Counters {
    std::uint64_t committed = 0;     // statements committed
    std::uint64_t transactions = 0;  // batches committed
    std::uint64_t rejected = 0;      // statements the database refused (dropped, logged)
    std::uint64_t lost = 0;          // guarded writes another server's row won
    std::uint64_t retried = 0;       // transactions sent again (deadlock, lock-wait timeout)
    std::uint64_t connectionLosses = 0;
    std::uint64_t reconnects = 0;  // successful
    std::uint64_t reconnectAttempts = 0;
  };

  ~SqlJournal() override;
  SqlJournal(const SqlJournal&) = delete;
  SqlJournal& operator=(const SqlJournal&) = delete;

  // Unguarded (operator commands, HA): written as given.
  std::uint64_t append(const Lease& lease) override;
  std::uint64_t appendDelete(const Lease& lease) override;
  // Guarded writes are evaluated by the database against the row it holds (the backend's
  // conditional statements), so several servers on one database never give one address to
  // two clients: a write that loses is reported by takeLost(), with the row that won.
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
  bool behind() const noexcept override { return queued_.load(std::memory_order_relaxed) >= policy_.shedWater; }
  bool failing() const noexcept override {
    return failing_.load(std::memory_order_relaxed) || queued_.load(std::memory_order_relaxed) >= policy_.highWater;
  }

  State state() const noexcept { return state_.load(); }
  std::size_t queued() const noexcept { return queued_.load(); }
  Counters counters() const;
  // Refused statements since the last call ("lease 198.18.0.5: <server message>"), for the log.
  std::vector<std::string> takeRejections();

  static const char* toString(State s) noexcept;

 protected:
  struct Op {
    std::uint64_t seq = 0;
    bool remove = false;
    WriteGuard guard = WriteGuard::None;
    Lease lease;  // remove: address, hwaddr and client-id are used
  };
  enum class BatchOutcome { Committed, Rejected, Retry, ConnectionLost };

  explicit SqlJournal(Policy policy);
  // The derived class starts the thread once its connection is set, and stops it first thing
  // in its destructor (the thread calls the hooks below).
  void startWriter();
  void stopWriter();

  // Writer-thread hooks (never called concurrently).
  virtual bool connected() const noexcept = 0;
  virtual Result<void> reconnect() = 0;  // a new connection, ready for writeBatch
  virtual void disconnect() = 0;         // drop the broken one
  // One transaction for `batch`. Rejected: `bad` is the refused statement's index, `message`
  // the database's words. `unmatched` gets the indexes of guarded writes the database's row
  // kept (lost writes).
  virtual BatchOutcome writeBatch(const std::vector<Op>& batch, std::size_t& bad, std::string& message,
                                  std::vector<std::size_t>& unmatched) = 0;
  // The row the database holds for `address` now (nullopt: none).
  virtual Result<std::optional<Lease>> readLease(Ipv4 address) = 0;

 private:
  std::uint64_t enqueue(Op op);
  void run();
  void collectLost(const std::vector<Op>& batch, const std::vector<std::size_t>& unmatched,
                   std::vector<LostWrite>& out);

  Policy policy_;
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
  // The writer holds a batch outside the lock (until announcedSeq_ or the queue reflects it).
  bool busy_ = false;
  std::optional<Error> lastRefusal_;  // kept across commits, for flush()
  bool stop_ = false;
  bool writerDone_ = false;
  std::thread writer_;
};

}  // namespace tandem
