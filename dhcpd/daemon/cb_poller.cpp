#include "dhcpd/daemon/cb_poller.h"

namespace tandem::daemon {

CbPoller::~CbPoller() { stop(); }

Result<config::CbSnapshot> CbPoller::fetch() {
  const auto t0 = std::chrono::steady_clock::now();
  std::string stamp;
  auto s = reader_->readTables(&stamp);
  if (!s) return s;
  stamp_ = stamp;
  std::lock_guard lock(mutex_);
  ++counters_.fetches;
  counters_.lastFetchMicros = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
  return s;
}

void CbPoller::start(std::chrono::milliseconds period, OnChange onChange, OnError onError) {
  if (period.count() <= 0) return;
  period_ = period;
  onChange_ = std::move(onChange);
  onError_ = std::move(onError);
  thread_ = std::thread([this] { run(); });
}

void CbPoller::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

CbPoller::Counters CbPoller::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

void CbPoller::run() {
  std::unique_lock lock(mutex_);
  while (!stop_ && !counters_.exhausted) {
    if (cv_.wait_for(lock, period_, [this] { return stop_; })) break;
    lock.unlock();
    poll();
    lock.lock();
  }
}

void CbPoller::fail(const std::string& message) {
  bool exhausted = false;
  {
    std::lock_guard lock(mutex_);
    ++counters_.failures;
    counters_.lastError = message;
    counters_.connected = reader_->connected();
    exhausted = ++counters_.consecutiveFailures > kMaxFetchFailures;
    counters_.exhausted = exhausted;
  }
  if (onError_) onError_(message, exhausted);
}

void CbPoller::poll() {
  {
    std::lock_guard lock(mutex_);
    ++counters_.polls;
  }
  std::string error;
  if (!reader_->ensureConnected(&error)) return fail(error);
  auto now = reader_->auditStamp();
  if (!now) return fail(now.error().message);
  if (*now != stamp_) {
    const std::string previous = stamp_;
    auto s = fetch();
    if (!s) return fail(s.error().message);
    if (onChange_) {
      if (auto r = onChange_(std::move(*s)); !r) {
        stamp_ = previous;  // read again at the next period (Kea reverts its last audit time)
        return fail(r.error().message);
      }
    }
  }
  std::lock_guard lock(mutex_);
  counters_.consecutiveFailures = 0;
  counters_.connected = true;
  counters_.lastError.clear();
}

}  // namespace tandem::daemon
