#include "dhcpd/daemon/packet_worker.h"

#include <pthread.h>
#include <unistd.h>

#include <string>

#include <fcntl.h>

namespace tandem::daemon {

namespace {
// Parked replies past their deadline are dropped and the statistics published on this tick,
// as the server's housekeeping does for the packet loop.
constexpr auto kTick = std::chrono::milliseconds(250);
}  // namespace

SendTable::SendTable(std::span<const SendSocket> sockets) {
  for (const auto& s : sockets) {
    const int fd = ::fcntl(s.fd, F_DUPFD_CLOEXEC, 0);
    if (fd >= 0) sockets_.push_back(SendSocket{s.ifIndex, fd});
  }
}

SendTable::~SendTable() {
  for (const auto& s : sockets_) ::close(s.fd);
}

std::size_t PacketWorker::countFor(const config::MultiThreadingConfig& mt, bool ha, unsigned cores) noexcept {
  if (!mt.enabled || ha) return 1;
  const std::size_t n = mt.threadPoolSize ? mt.threadPoolSize : cores;
  return n ? n : 1;
}

PacketWorker::PacketWorker(std::size_t index, net::DhcpPipeline& pipeline, NowFn now, std::size_t queueLimit,
                           std::uint16_t serverPort)
    : index_(index), pipeline_(pipeline), now_(std::move(now)), queueLimit_(queueLimit), serverPort_(serverPort) {
  // Clients without an address get link-layer unicasts (the packet loop logs when it cannot).
  (void)sender_.openPacketSocket();
}

PacketWorker::~PacketWorker() { stop(); }

void PacketWorker::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void PacketWorker::enqueue(std::vector<Job>& jobs, std::shared_ptr<const SendTable> table) {
  {
    std::lock_guard lock(mutex_);
    if (table != newTable_) newTable_ = std::move(table);
    for (auto& j : jobs) {
      // A full queue drops its oldest query: the newer one is likelier to be answered before
      // its client gives up (and a retransmission replaces the dropped one).
      if (queueLimit_ && queue_.size() >= queueLimit_) {
        queue_.pop_front();
        ++queueDrops_;
      }
      queue_.push_back(std::move(j));
    }
  }
  jobs.clear();
  wake_.notify_one();
}

void PacketWorker::notifyDurable() {
  {
    std::lock_guard lock(mutex_);
    if (durable_) return;  // already pending: one wake-up per burst of syncs
    durable_ = true;
  }
  wake_.notify_one();
}

void PacketWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void PacketWorker::send() {
  if (ready_.empty()) return;
  if (!table_) {
    ready_.clear();
    return;
  }
  auto sent = sender_.send(ready_, table_->sockets(), pipeline_, serverPort_);
  counters_.sendCalls.fetch_add(sent.calls, std::memory_order_relaxed);
  counters_.sent.fetch_add(sent.datagrams, std::memory_order_relaxed);
}

void PacketWorker::run() {
  const std::string name = "tandem-pkt" + std::to_string(index_);
  ::pthread_setname_np(::pthread_self(), name.c_str());
  std::deque<Job> jobs;
  auto nextTick = std::chrono::steady_clock::now() + kTick;
  for (;;) {
    bool stopping = false;
    std::uint64_t drops = 0;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, nextTick, [this] { return stop_ || durable_ || !queue_.empty(); });
      jobs.swap(queue_);
      durable_ = false;
      drops = std::exchange(queueDrops_, 0);
      stopping = stop_;
      if (newTable_ != table_) table_ = newTable_;
    }
    if (drops) {
      pipeline_.countReceiveDrops(drops);
      counters_.queueDrops.fetch_add(drops, std::memory_order_relaxed);
    }
    if (!jobs.empty()) {
      counters_.wakeups.fetch_add(1, std::memory_order_relaxed);
      // Shed before any work when parked replies pile up (the disk is behind), as the loop does.
      if (pipeline_.congested()) {
        pipeline_.countReceiveDrops(jobs.size());
      } else {
        const TimePoint now = now_();
        for (const Job& j : jobs) pipeline_.process(j.bytes, j.meta, now, ready_);
        counters_.processed.fetch_add(jobs.size(), std::memory_order_relaxed);
      }
      jobs.clear();
    }
    pipeline_.releaseDurable(ready_);
    send();
    const auto t = std::chrono::steady_clock::now();
    if (t >= nextTick) {
      pipeline_.expireParked();
      pipeline_.publish(now_());
      nextTick = t + kTick;
    }
    if (stopping) break;
  }
  // Shutdown, after the journal's final flush: what is durable leaves, the rest is dropped.
  pipeline_.releaseDurable(ready_);
  send();
  pipeline_.drainParked();
  pipeline_.publish(now_());
}

}  // namespace tandem::daemon
