#pragma once
// What the SQL backends' client lease lookups share (ClientLeaseLookup; PostgreSQL:
// dhcpd/pgsql/pgsql_lease_lookup.h): a bounded queue, one thread with its own connection that
// sends every waiting lookup in one round trip, and reconnection. A backend supplies only its
// connection and lookupBatch().
//
// Bounded: past `capacity` waiting lookups submit() refuses (the packet path drops the query
// and counts it), so a slow database shows as back-pressure, not as a growing queue. While the
// connection is down submit() refuses too, and the thread reconnects every
// reconnect-wait-time ms (the journal on the same database sheds lease-changing queries then
// anyway). A batch the database fails answers each of its lookups not-ok.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "dhcpd/common/result.h"
#include "dhcpd/lease/client_lease_lookup.h"

namespace tandem {

class SqlLeaseLookup : public ClientLeaseLookup {
 public:
  struct Policy {
    std::size_t maxBatch = 256;           // lookups per round trip
    std::size_t capacity = 2048;          // waiting lookups beyond which submit() refuses
    std::uint32_t reconnectWaitTime = 0;  // ms between attempts (at least 100)
    // How long the thread lets a short batch grow before its round trip (0 = not at all).
    // The statement's fixed cost (bind, executor start-up, the round trip) is most of a
    // lookup's: at 2,000-4,000 DORA/s batches were about one lookup each. A lookup that waits
    // is a DISCOVER answered that much later, far inside any client's patience.
    std::chrono::microseconds gather{0};
  };
  struct Counters {
    std::uint64_t submitted = 0;
    std::uint64_t refused = 0;  // submit() said no (full queue, no connection)
    std::uint64_t answered = 0;
    std::uint64_t failed = 0;  // answered not-ok
    std::uint64_t found = 0;   // lookups that found at least one row
    std::uint64_t batches = 0;
    std::uint64_t connectionLosses = 0;
  };

  ~SqlLeaseLookup() override;
  SqlLeaseLookup(const SqlLeaseLookup&) = delete;
  SqlLeaseLookup& operator=(const SqlLeaseLookup&) = delete;

  bool submit(ClientLeaseQuery query, Done done) override;
  Counters counters() const;
  std::size_t queued() const noexcept { return queued_.load(std::memory_order_relaxed); }
  // Answers every waiting lookup (failed), refuses new ones and joins the thread: once it
  // returns no answer reaches a pipeline's wake-up any more. The server calls it before the
  // packet loop and the workers those wake-ups point at go.
  void stop() { stopThread(); }

 protected:
  explicit SqlLeaseLookup(Policy policy);
  // The derived class starts the thread once its connection is set and stops it first thing
  // in its destructor (the thread calls the hooks below).
  void startThread();
  void stopThread();

  // Lookup-thread hooks (never called concurrently).
  virtual bool connected() const noexcept = 0;
  virtual Result<void> reconnect() = 0;
  virtual void disconnect() = 0;
  // One round trip for `batch`: rows[i] gets batch[i]'s rows. An error fails the whole batch
  // and drops the connection (it is opened again before the next).
  virtual Result<void> lookupBatch(const std::vector<const ClientLeaseQuery*>& batch,
                                   std::vector<std::vector<Lease>>& rows) = 0;

 private:
  struct Pending {
    ClientLeaseQuery query;
    Done done;
  };
  void run();
  static void answer(std::vector<Pending>& batch, std::vector<std::vector<Lease>>* rows);

  Policy policy_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  std::atomic<std::size_t> queued_{0};
  std::atomic<bool> down_{false};  // no connection: submit() refuses
  Counters counters_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace tandem
