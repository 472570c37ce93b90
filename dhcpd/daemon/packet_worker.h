#pragma once
// A packet worker (issue 12, several cores; Kea's "multi-threading"): a thread with its own
// pipeline (decode, engine, encode, parking lot, statistics), its own batch of queries and
// its own sendmmsg, and its own wait for the lease file's group commit: a DHCPACK leaves
// only once the journal reports its lease durable, as on the packet loop.
//
// Distribution: the packet loop (worker 0, on the daemon's io_context) reads every socket
// with recvmmsg and hands each datagram to the worker chosen by its client's hardware
// address (net/client_dispatch.h), so one client's packets stay in order on one worker.
// Not SO_REUSEPORT sockets, one per worker: the kernel hashes those on the 4-tuple (all
// clients of a link send from 0.0.0.0:68, a relay from giaddr:67), and it delivers a
// broadcast DISCOVER to every socket of the group, not to one.
//
// Sharing: the engine, lease store, lease writer and journal append are used under one lock
// (DhcpPipeline::setSharedState), held from the engine's decision to the journal append: two
// workers never choose the same free address, nor race on an offer or a reservation. The
// daemon's control thread takes the same lock for commands and timers.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "dhcpd/common/clock.h"
#include "dhcpd/config/multi_threading.h"
#include "dhcpd/daemon/reply_sender.h"
#include "dhcpd/engine/engine.h"
#include "dhcpd/net/dhcp_pipeline.h"

namespace tandem::daemon {

// Descriptors the workers send on: dup()s of the packet loop's sockets, closed when the last
// worker lets go of them, so a reopen (reload) never pulls a socket from under a send.
class SendTable {
 public:
  explicit SendTable(std::span<const SendSocket> sockets);  // dups each fd
  ~SendTable();
  SendTable(const SendTable&) = delete;
  SendTable& operator=(const SendTable&) = delete;
  std::span<const SendSocket> sockets() const noexcept { return sockets_; }

 private:
  std::vector<SendSocket> sockets_;
};

class PacketWorker {
 public:
  using NowFn = std::function<TimePoint()>;

  // How many workers serve, Kea's MultiThreadingMgr::apply: off = 1 (the packet loop alone);
  // on, thread-pool-size, 0 meaning one per core (`cores`, hardware_concurrency(), which may
  // be 0 = unknown: then 1). With HA there is one (`ha`): its update queue, parking lot and
  // heartbeats are single-threaded.
  static std::size_t countFor(const config::MultiThreadingConfig& mt, bool ha, unsigned cores) noexcept;

  struct Job {
    std::vector<std::uint8_t> bytes;
    engine::RecvMeta meta;
  };
  struct Counters {
    std::atomic<std::uint64_t> wakeups{0};     // rounds of the worker's loop that found work
    std::atomic<std::uint64_t> processed{0};   // datagrams through its pipeline
    std::atomic<std::uint64_t> queueDrops{0};  // the oldest queued dropped: queue full (Kea's packet queue)
    std::atomic<std::uint64_t> sendCalls{0};
    std::atomic<std::uint64_t> sent{0};
  };

  // `index`: 1.. (the loop is worker 0), in the thread's name ("tandem-pkt1", for top -H and
  // /proc/PID/task). `queueLimit`: packet-queue-size (0 = unbounded).
  PacketWorker(std::size_t index, net::DhcpPipeline& pipeline, NowFn now, std::size_t queueLimit,
               std::uint16_t serverPort);
  ~PacketWorker();
  PacketWorker(const PacketWorker&) = delete;
  PacketWorker& operator=(const PacketWorker&) = delete;

  void start();
  // Thread-safe: queues the jobs (moved out; `jobs` is left empty) and wakes the worker.
  void enqueue(std::vector<Job>& jobs, std::shared_ptr<const SendTable> table);
  // Thread-safe: the journal made progress; parked replies may leave.
  void notifyDurable();
  // Processes what is queued, sends every parked reply whose lease is durable, drops the rest
  // and joins the thread (shutdown: call after the journal's final flush).
  void stop();
  const Counters& counters() const noexcept { return counters_; }

 private:
  void run();
  void send();

  std::size_t index_;
  net::DhcpPipeline& pipeline_;
  NowFn now_;
  std::size_t queueLimit_;
  std::uint16_t serverPort_;
  ReplySender sender_;
  std::vector<net::Outgoing> ready_;
  std::shared_ptr<const SendTable> table_;  // worker thread's copy

  std::mutex mutex_;  // guards the fields below
  std::condition_variable wake_;
  std::deque<Job> queue_;
  std::shared_ptr<const SendTable> newTable_;
  std::uint64_t queueDrops_ = 0;  // not yet counted in the pipeline
  bool durable_ = false;
  bool stop_ = false;

  Counters counters_;
  std::thread thread_;
};

}  // namespace tandem::daemon
