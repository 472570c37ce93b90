#include "dhcpd/lease/sql_lease_lookup.h"

#include <algorithm>
#include <chrono>

namespace tandem {

SqlLeaseLookup::SqlLeaseLookup(Policy policy) : policy_(policy) {
  policy_.maxBatch = std::max<std::size_t>(policy_.maxBatch, 1);
  policy_.capacity = std::max<std::size_t>(policy_.capacity, 1);
}

SqlLeaseLookup::~SqlLeaseLookup() { stopThread(); }

void SqlLeaseLookup::startThread() {
  thread_ = std::thread([this] { run(); });
}

void SqlLeaseLookup::stopThread() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool SqlLeaseLookup::submit(ClientLeaseQuery query, Done done) {
  {
    std::lock_guard lk(mu_);
    if (stop_ || down_.load(std::memory_order_relaxed) || queue_.size() >= policy_.capacity) {
      ++counters_.refused;
      return false;
    }
    queue_.push_back(Pending{std::move(query), std::move(done)});
    queued_.store(queue_.size(), std::memory_order_relaxed);
    ++counters_.submitted;
    // The thread needs waking for the first lookup and once a batch is full; in between it
    // is gathering or busy with a round trip (one futex call per batch, not per lookup).
    if (queue_.size() != 1 && queue_.size() != policy_.maxBatch) return true;
  }
  wake_.notify_one();
  return true;
}

SqlLeaseLookup::Counters SqlLeaseLookup::counters() const {
  std::lock_guard lk(mu_);
  return counters_;
}

void SqlLeaseLookup::answer(std::vector<Pending>& batch, std::vector<std::vector<Lease>>* rows) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    ClientLeaseAnswer a;
    a.ok = rows != nullptr;
    if (rows) a.leases = std::move((*rows)[i]);
    batch[i].done(std::move(a));
  }
}

void SqlLeaseLookup::run() {
  std::vector<Pending> batch;
  std::vector<const ClientLeaseQuery*> queries;
  std::vector<std::vector<Lease>> rows;
  std::unique_lock lk(mu_);
  while (true) {
    if (!connected()) {
      down_.store(true, std::memory_order_relaxed);
      // What waited is answered at once: its clients should not wait for a reconnection.
      batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
      queue_.clear();
      queued_.store(0, std::memory_order_relaxed);
      counters_.answered += batch.size();
      counters_.failed += batch.size();
      lk.unlock();
      answer(batch, nullptr);
      batch.clear();
      lk.lock();
      const auto wait = std::chrono::milliseconds(std::max<std::uint32_t>(policy_.reconnectWaitTime, 100));
      if (wake_.wait_for(lk, wait, [&] { return stop_; })) break;
      lk.unlock();
      const bool ok = reconnect().ok();
      lk.lock();
      if (ok) down_.store(false, std::memory_order_relaxed);
      continue;
    }
    wake_.wait(lk, [&] { return stop_ || !queue_.empty(); });
    if (stop_) break;
    if (policy_.gather.count() > 0 && queue_.size() < policy_.maxBatch) {
      wake_.wait_for(lk, policy_.gather, [&] { return stop_ || queue_.size() >= policy_.maxBatch; });
      if (stop_) break;
    }
    batch.clear();
    const std::size_t n = std::min(queue_.size(), policy_.maxBatch);
    for (std::size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    queued_.store(queue_.size(), std::memory_order_relaxed);
    lk.unlock();
    queries.clear();
    for (const auto& p : batch) queries.push_back(&p.query);
    rows.assign(batch.size(), {});
    auto r = lookupBatch(queries, rows);
    std::size_t found = 0;
    if (r) {
      for (const auto& v : rows) found += v.empty() ? 0 : 1;
    } else {
      disconnect();
      down_.store(true, std::memory_order_relaxed);  // refuse before anyone hears of the failure
    }
    // Counted before anyone hears the answers (counters() then agrees with what they saw).
    lk.lock();
    ++counters_.batches;
    counters_.answered += batch.size();
    if (!r) {
      counters_.failed += batch.size();
      ++counters_.connectionLosses;
    }
    counters_.found += found;
    lk.unlock();
    answer(batch, r ? &rows : nullptr);
    lk.lock();
  }
  // Shutdown: every waiting lookup still gets its one answer.
  batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
  queue_.clear();
  queued_.store(0, std::memory_order_relaxed);
  lk.unlock();
  answer(batch, nullptr);
}

}  // namespace tandem
