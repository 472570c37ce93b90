#include "dhcpd/mysql/mysql_journal.h"

#include <algorithm>

#include <fmt/format.h>

#include "dhcpd/lease/pgsql_lease_row.h"  // kInfiniteLifetime, kPgsqlMaxDbTime (Kea's MAX_DB_TIME)
#include "dhcpd/mysql/mysql_lease_loader.h"

namespace tandem::mysql {
namespace {

// Kea stores no expiry past MAX_DB_TIME; a lease lasting beyond 2038 is stored as lasting
// until then (the client renews long before), as PgsqlJournal does.
Lease storable(const Lease& l) {
  if (l.validLifetime == kInfiniteLifetime) return l;
  const std::int64_t expire = l.cltt + std::int64_t(l.validLifetime);
  if (expire <= kPgsqlMaxDbTime) return l;
  Lease c = l;
  c.validLifetime = static_cast<std::uint32_t>(std::max<std::int64_t>(0, kPgsqlMaxDbTime - l.cltt));
  return c;
}

}  // namespace

const char* MysqlJournal::toString(State s) noexcept {
  switch (s) {
    case State::Connected: return "connected";
    case State::Reconnecting: return "reconnecting";
    case State::Failed: return "failed";
  }
  return "unknown";
}

MysqlJournal::MysqlJournal(Options options) : options_(std::move(options)) {
  options_.maxBatch = std::max<std::size_t>(options_.maxBatch, 1);
}

Result<std::unique_ptr<MysqlJournal>> MysqlJournal::open(Options options, std::unique_ptr<MyConnection> conn) {
  std::unique_ptr<MysqlJournal> j(new MysqlJournal(std::move(options)));
  j->conn_ = std::move(conn);
  j->writer_ = std::thread([p = j.get()] { p->run(); });
  return j;
}

MysqlJournal::~MysqlJournal() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
}

std::uint64_t MysqlJournal::enqueue(Op op) {
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

std::uint64_t MysqlJournal::append(const Lease& lease) { return appendGuarded(lease, false, WriteGuard::None); }

std::uint64_t MysqlJournal::appendDelete(const Lease& lease) { return appendGuarded(lease, true, WriteGuard::None); }

std::vector<LostWrite> MysqlJournal::takeLost() {
  std::lock_guard lk(mu_);
  return std::exchange(lost_, {});
}

std::uint64_t MysqlJournal::appendGuarded(const Lease& lease, bool remove, WriteGuard guard) {
  Op op;
  op.remove = remove;
  op.guard = guard;
  auto row = MysqlLeaseRow::fromLease(storable(lease));
  if (row) {
    op.row = std::move(*row);
  } else {
    op.row.address = lease.address.value;
    op.row.literals[MysqlLeaseRow::kAddress] = std::to_string(lease.address.value);
    op.invalid = row.error().message;
  }
  return enqueue(std::move(op));
}

Result<void> MysqlJournal::flush() {
  std::unique_lock lk(mu_);
  const std::uint64_t target = lastSeq_.load();
  const std::uint64_t failuresBefore = failures_;
  done_.wait(lk, [&] {
    return announcedSeq_ >= target || failures_ != failuresBefore || writerDone_ || state_.load() == State::Failed;
  });
  if (announcedSeq_ >= target) return {};
  if (lastError_) return *lastError_;
  return makeError("lease database journal stopped before " + std::to_string(target) + " was committed");
}

void MysqlJournal::setOnDurable(std::function<void(std::uint64_t)> cb) {
  std::lock_guard lk(mu_);
  onDurable_ = std::move(cb);
}

std::optional<Error> MysqlJournal::lastError() const {
  std::lock_guard lk(mu_);
  return lastError_;
}

MysqlJournal::Counters MysqlJournal::counters() const {
  std::lock_guard lk(mu_);
  return counters_;
}

std::vector<std::string> MysqlJournal::takeRejections() {
  std::lock_guard lk(mu_);
  return std::exchange(rejections_, {});
}

MysqlJournal::BatchOutcome MysqlJournal::writeBatch(const std::vector<Op>& batch, std::size_t& bad,
                                                    std::string& message, std::vector<std::size_t>& unmatched) {
  unmatched.clear();
  MyConnection& c = *conn_;
  // What a failed statement means for the transaction.
  auto failed = [&](const MyError& e, std::size_t index) {
    message = fmt::format("{} (error {})", e.message, e.code);
    if (e.connectionLost()) return BatchOutcome::ConnectionLost;
    // A deadlock already rolled the transaction back; a lock-wait timeout only the statement:
    // end it either way and send the whole transaction again.
    auto rb = c.execute("ROLLBACK");
    if (rb && rb->connectionLost()) return BatchOutcome::ConnectionLost;
    if (e.retryTransaction()) return BatchOutcome::Retry;
    bad = index;
    return BatchOutcome::Rejected;
  };
  if (auto e = c.execute("START TRANSACTION")) return failed(*e, 0);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Op& op = batch[i];
    if (!op.invalid.empty()) {
      message = op.invalid;
      if (auto rb = c.execute("ROLLBACK"); rb && rb->connectionLost()) return BatchOutcome::ConnectionLost;
      bad = i;
      return BatchOutcome::Rejected;
    }
    std::optional<MyError> e;
    if (op.remove) {
      e = c.execute(mysqlDeleteSql(op.row, op.guard));
      if (!e && op.guard != WriteGuard::None && c.affectedRows() == 0) unmatched.push_back(i);
    } else if (op.guard == WriteGuard::None) {
      e = c.execute(mysqlUpsertSql(op.row));
    } else {
      e = c.execute(mysqlGuardedUpdateSql(op.row, op.guard));
      if (!e && c.affectedRows() == 0) {
        // No row the guard allows replacing: either there is no row (the INSERT takes the
        // address) or another client's live row holds it (the key refuses the INSERT: lost).
        // InnoDB rolls back only the refused statement, the transaction goes on.
        e = c.execute(mysqlInsertSql(op.row));
        if (e && e->duplicateKey()) {
          unmatched.push_back(i);
          e.reset();
        }
      }
    }
    if (e) return failed(*e, i);
  }
  if (auto e = c.execute("COMMIT")) {
    message = fmt::format("COMMIT: {} (error {})", e->message, e->code);
    if (e->retryTransaction()) {
      (void)c.execute("ROLLBACK");
      return BatchOutcome::Retry;
    }
    // Outcome unknown: reconnect and send the batch again (the writes are idempotent).
    return BatchOutcome::ConnectionLost;
  }
  return BatchOutcome::Committed;
}

void MysqlJournal::collectLost(const std::vector<Op>& batch, const std::vector<std::size_t>& unmatched,
                               std::vector<LostWrite>& out) {
  for (std::size_t i : unmatched) {
    const Op& op = batch[i];
    LostWrite l;
    l.seq = op.seq;
    l.address = Ipv4(op.row.address);
    auto current = MysqlLeaseLoader::get(*conn_, l.address);
    // A delete that matched nothing because the row is already gone reached its goal.
    if (current && op.remove && !*current) continue;
    // Unreadable now (connection trouble): the address is believed free, the next write
    // to it asks the database again.
    if (current) l.current = std::move(*current);
    out.push_back(std::move(l));
  }
}

void MysqlJournal::run() {
  std::vector<Op> batch;
  std::unique_lock lk(mu_);
  std::uint32_t tries = 0;  // reconnection attempts since the connection was lost
  while (true) {
    if (!conn_) {
      // Waiting to reconnect: reconnect-wait-time between attempts, as Kea's ReconnectCtl.
      if (stop_) break;
      const State st = state_.load();
      const bool keepTrying = st != State::Failed || options_.db.onFail == config::DbOnFail::ServeRetryContinue;
      const auto wait = std::chrono::milliseconds(std::max<std::uint32_t>(options_.db.reconnectWaitTime, 1));
      if (!keepTrying) {
        wake_.wait(lk, [&] { return stop_; });
        continue;
      }
      if (wake_.wait_for(lk, wait, [&] { return stop_; })) break;
      ++counters_.reconnectAttempts;
      lk.unlock();
      auto conn = MyConnection::open(options_.db);
      lk.lock();
      if (conn) {
        conn_ = std::move(*conn);
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
                                         options_.db.maxReconnectTries, conn.error().message));
      done_.notify_all();
      if (tries >= options_.db.maxReconnectTries) state_.store(State::Failed);
      continue;
    }
    wake_.wait(lk, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) {
      if (stop_) break;
      continue;
    }
    batch.clear();
    const std::size_t n = std::min(queue_.size(), options_.maxBatch);
    for (std::size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
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
      l.address = Ipv4(batch[bad].row.address);
      if (auto current = MysqlLeaseLoader::get(*conn_, l.address); current) l.current = std::move(*current);
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
      done_.notify_all();
      continue;
    }
    // Not committed: the batch goes back to the front of the queue, in order.
    if (outcome == BatchOutcome::Retry) {
      ++counters_.retried;
    } else if (outcome == BatchOutcome::Rejected) {
      // The whole transaction rolled back; only the refused statement is dropped (and
      // logged), the rest is sent again.
      ++counters_.rejected;
      for (auto& l : lost) lost_.push_back(std::move(l));
      lastError_ = makeError("the lease database refused a write: " + message);
      if (rejections_.size() < 100) {
        rejections_.push_back(fmt::format("lease {}: {}", Ipv4(batch[bad].row.address).toString(), message));
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
      state_.store(options_.db.maxReconnectTries == 0 ? State::Failed : State::Reconnecting);
      lk.unlock();
      conn_.reset();  // the writer thread owns it; closing may take a moment
      lk.lock();
      done_.notify_all();
    }
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) queue_.push_front(std::move(*it));
    queued_.store(queue_.size(), std::memory_order_relaxed);
  }
  writerDone_ = true;
  done_.notify_all();
}

}  // namespace tandem::mysql
