#include "dhcpd/lease/sql_journal.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "dhcpd/lease/sql_lease4_columns.h"  // kInfiniteLifetime, kSqlMaxDbTime (Kea's MAX_DB_TIME)

namespace tandem {
namespace {

// Kea stores no expiry past MAX_DB_TIME (both SQL backends); a lease lasting beyond 2038 is
// stored as lasting until then (the client renews long before).
Lease storable(const Lease& l) {
  if (l.validLifetime == kInfiniteLifetime) return l;
  const std::int64_t expire = l.cltt + std::int64_t(l.validLifetime);
  if (expire <= kSqlMaxDbTime) return l;
  Lease c = l;
  c.validLifetime = static_cast<std::uint32_t>(std::max<std::int64_t>(0, kSqlMaxDbTime - l.cltt));
  return c;
}

}  // namespace

const char* SqlJournal::toString(State s) noexcept {
  switch (s) {
    case State::Connected: return "connected";
    case State::Reconnecting: return "reconnecting";
    case State::Failed: return "failed";
  }
  return "unknown";
}

SqlJournal::SqlJournal(Policy policy) : policy_(policy) {
  policy_.maxBatch = std::max<std::size_t>(policy_.maxBatch, 1);
}

SqlJournal::~SqlJournal() { stopWriter(); }

void SqlJournal::startWriter() {
  writer_ = std::thread([this] { run(); });
}

void SqlJournal::stopWriter() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
}

std::uint64_t SqlJournal::enqueue(Op op) {
  std::uint64_t seq;
  {
    std::lock_guard lk(mu_);
    seq = lastSeq_.load(std::memory_order_relaxed) + 1;
    op.seq = seq;
    queue_.push_back(std::move(op));
    queued_.store(queue_.size(), std::memory_order_relaxed);
    lastSeq_.store(seq);
  }
  wake_.notify_one();
  return seq;
}

std::uint64_t SqlJournal::append(const Lease& lease) { return appendGuarded(lease, false, WriteGuard::None); }

std::uint64_t SqlJournal::appendDelete(const Lease& lease) { return appendGuarded(lease, true, WriteGuard::None); }

std::uint64_t SqlJournal::appendGuarded(const Lease& lease, bool remove, WriteGuard guard) {
  Op op;
  op.remove = remove;
  op.guard = guard;
  op.lease = storable(lease);
  return enqueue(std::move(op));
}

std::vector<LostWrite> SqlJournal::takeLost() {
  std::lock_guard lk(mu_);
  return std::exchange(lost_, {});
}

Result<void> SqlJournal::flush() {
  std::unique_lock lk(mu_);
  const std::uint64_t target = lastSeq_.load();
  const std::uint64_t failuresBefore = failures_;
  // A database given up on (max-reconnect-tries spent) will not take the writes: say so now.
  // Nothing queued and no batch in hand: every write up to `target` is settled, committed or
  // refused, even when the refusal came before this call (it never reaches announcedSeq_).
  done_.wait(lk, [&] {
    return announcedSeq_ >= target || failures_ != failuresBefore || writerDone_ || state_.load() == State::Failed ||
           (queue_.empty() && !busy_);
  });
  if (announcedSeq_ >= target) return {};
  if (lastError_) return *lastError_;
  if (lastRefusal_) return *lastRefusal_;
  return makeError("lease database journal stopped before " + std::to_string(target) + " was committed");
}

void SqlJournal::setOnDurable(std::function<void(std::uint64_t)> cb) {
  std::lock_guard lk(mu_);
  onDurable_ = std::move(cb);
}

std::optional<Error> SqlJournal::lastError() const {
  std::lock_guard lk(mu_);
  return lastError_;
}

SqlJournal::Counters SqlJournal::counters() const {
  std::lock_guard lk(mu_);
  return counters_;
}

std::vector<std::string> SqlJournal::takeRejections() {
  std::lock_guard lk(mu_);
  return std::exchange(rejections_, {});
}

void SqlJournal::collectLost(const std::vector<Op>& batch, const std::vector<std::size_t>& unmatched,
                             std::vector<LostWrite>& out) {
  for (std::size_t i : unmatched) {
    const Op& op = batch[i];
    LostWrite l;
    l.seq = op.seq;
    l.address = op.lease.address;
    auto current = readLease(l.address);
    // A delete that matched nothing because the row is already gone reached its goal.
    if (current && op.remove && !*current) continue;
    // Unreadable now (connection trouble): the address is believed free, the next write
    // to it asks the database again.
    if (current) l.current = std::move(*current);
    out.push_back(std::move(l));
  }
}

void SqlJournal::run() {
  std::vector<Op> batch;
  std::unique_lock lk(mu_);
  std::uint32_t tries = 0;  // reconnection attempts since the connection was lost
  while (true) {
    if (!connected()) {
      // Waiting to reconnect: reconnect-wait-time between attempts, as Kea's ReconnectCtl.
      if (stop_) break;
      const State st = state_.load();
      const bool keepTrying = st != State::Failed || policy_.retryForever;
      const auto wait = std::chrono::milliseconds(std::max<std::uint32_t>(policy_.reconnectWaitTime, 1));
      if (!keepTrying) {
        wake_.wait(lk, [&] { return stop_; });
        continue;
      }
      if (wake_.wait_for(lk, wait, [&] { return stop_; })) break;
      ++counters_.reconnectAttempts;
      lk.unlock();
      auto conn = reconnect();
      lk.lock();
      if (conn) {
        ++counters_.reconnects;
        tries = 0;
        state_.store(State::Connected);
        failing_.store(false, std::memory_order_relaxed);
        lastError_.reset();
        continue;
      }
      ++tries;
      ++failures_;
      lastError_ = makeError(fmt::format("lease database connection lost, reconnect attempt {} of {} failed: {}", tries,
                                         policy_.maxReconnectTries, conn.error().message));
      done_.notify_all();
      if (tries >= policy_.maxReconnectTries) state_.store(State::Failed);
      continue;
    }
    wake_.wait(lk, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) {
      if (stop_) break;
      continue;
    }
    batch.clear();
    const std::size_t n = std::min(queue_.size(), policy_.maxBatch);
    for (std::size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    busy_ = true;
    lk.unlock();
    std::size_t bad = 0;
    std::string message;
    std::vector<std::size_t> unmatched;
    const BatchOutcome outcome = writeBatch(batch, bad, message, unmatched);
    std::vector<LostWrite> lost;
    if (outcome == BatchOutcome::Committed && !unmatched.empty()) collectLost(batch, unmatched, lost);
    if (outcome == BatchOutcome::Rejected) {
      // The refused write's reply must not leave either: it is reported like a lost write,
      // with whatever the database holds for that address.
      LostWrite l;
      l.seq = batch[bad].seq;
      l.address = batch[bad].lease.address;
      if (auto current = readLease(l.address); current) l.current = std::move(*current);
      lost.push_back(std::move(l));
    }
    lk.lock();
    if (outcome == BatchOutcome::Committed) {
      const std::uint64_t seq = batch.back().seq;
      // Published before durableSeq moves past them (LeaseJournal::takeLost).
      counters_.lost += lost.size();
      for (auto& l : lost) lost_.push_back(std::move(l));
      counters_.committed += batch.size();
      ++counters_.transactions;
      queued_.store(queue_.size(), std::memory_order_relaxed);
      durableSeq_.store(seq);
      lastError_.reset();
      auto cb = onDurable_;
      lk.unlock();
      if (cb) cb(seq);
      lk.lock();
      announcedSeq_ = seq;
      busy_ = false;
      done_.notify_all();
      continue;
    }
    // Not committed: the batch goes back to the front of the queue, in order.
    if (outcome == BatchOutcome::Retry) {
      ++counters_.retried;
    } else if (outcome == BatchOutcome::Rejected) {
      // The whole transaction rolled back; only the refused statement is dropped (and
      // logged), the rest is sent again. A statement refused for its data (a hostname
      // longer than Kea's column) would be refused forever.
      ++counters_.rejected;
      for (auto& l : lost) lost_.push_back(std::move(l));
      lastError_ = makeError("the lease database refused a write: " + message);
      lastRefusal_ = lastError_;
      if (rejections_.size() < 100) {
        rejections_.push_back(fmt::format("lease {}: {}", batch[bad].lease.address.toString(), message));
      }
      batch.erase(batch.begin() + static_cast<std::ptrdiff_t>(bad));
      ++failures_;
      done_.notify_all();
    } else {
      lastError_ = makeError("lease database connection lost: " + message);
      ++counters_.connectionLosses;
      ++failures_;
      failing_.store(true, std::memory_order_relaxed);
      tries = 0;
      state_.store(policy_.maxReconnectTries == 0 ? State::Failed : State::Reconnecting);
      lk.unlock();
      disconnect();  // the writer thread owns the connection; closing may take a moment
      lk.lock();
      done_.notify_all();
    }
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) queue_.push_front(std::move(*it));
    queued_.store(queue_.size(), std::memory_order_relaxed);
    busy_ = false;
    done_.notify_all();
  }
  writerDone_ = true;
  done_.notify_all();
}

}  // namespace tandem
