#include "dhcpd/pgsql/pgsql_journal.h"

#include <algorithm>

#include <fmt/format.h>

#include "dhcpd/pgsql/pgsql_lease_loader.h"

namespace tandem::pgsql {
namespace {

constexpr const char* kUpsert = "tandem_lease4_upsert";
constexpr const char* kDelete = "tandem_lease4_delete";

// Kea's INSERT_LEASE4 / UPDATE_LEASE4 columns in one statement: the address decides whether
// the row is new or replaced (the lease4 triggers update lease4_stat either way). $12 is the
// WriteGuard: 0 none; 1 only over an expired or reclaimed row or the same client's (the
// client-ids decide when both rows have one, else the hardware addresses); 2 only over a row
// that is still expired. A row the guard keeps is not returned: the write lost.
constexpr const char* kUpsertSql =
    "INSERT INTO lease4 AS l (address, hwaddr, client_id, valid_lifetime, expire, subnet_id, fqdn_fwd, fqdn_rev, "
    "hostname, state, user_context) "
    "VALUES ($1::bigint, $2::bytea, $3::bytea, $4::bigint, to_timestamp($5::bigint), $6::bigint, $7::boolean, "
    "$8::boolean, $9::varchar, $10::bigint, $11::text) "
    "ON CONFLICT (address) DO UPDATE SET hwaddr = EXCLUDED.hwaddr, client_id = EXCLUDED.client_id, "
    "valid_lifetime = EXCLUDED.valid_lifetime, expire = EXCLUDED.expire, subnet_id = EXCLUDED.subnet_id, "
    "fqdn_fwd = EXCLUDED.fqdn_fwd, fqdn_rev = EXCLUDED.fqdn_rev, hostname = EXCLUDED.hostname, "
    "state = EXCLUDED.state, user_context = EXCLUDED.user_context "
    "WHERE $12::int = 0 "
    "OR ($12::int = 1 AND (l.expire <= now() OR l.state = 2 "
    "OR (coalesce(length(l.client_id), 0) > 0 AND length(EXCLUDED.client_id) > 0 "
    "AND l.client_id = EXCLUDED.client_id) "
    "OR ((coalesce(length(l.client_id), 0) = 0 OR length(EXCLUDED.client_id) = 0) AND l.hwaddr = EXCLUDED.hwaddr))) "
    "OR ($12::int = 2 AND l.expire <= now()) "
    "RETURNING address";
// $2 guard as above, $3/$4 the releasing client's hwaddr/client_id.
constexpr const char* kDeleteSql =
    "DELETE FROM lease4 AS l WHERE address = $1::bigint AND ($2::int = 0 "
    "OR ($2::int = 1 AND (l.expire <= now() OR l.state = 2 "
    "OR (coalesce(length(l.client_id), 0) > 0 AND length($4::bytea) > 0 AND l.client_id = $4::bytea) "
    "OR ((coalesce(length(l.client_id), 0) = 0 OR length($4::bytea) = 0) AND l.hwaddr = $3::bytea))) "
    "OR ($2::int = 2 AND l.expire <= now())) "
    "RETURNING address";

// Kea stores no expiry past MAX_DB_TIME; a lease lasting beyond 2038 is stored as lasting
// until then (the client renews long before).
Lease storable(const Lease& l) {
  if (l.validLifetime == kInfiniteLifetime) return l;
  const std::int64_t expire = l.cltt + std::int64_t(l.validLifetime);
  if (expire <= kPgsqlMaxDbTime) return l;
  Lease c = l;
  c.validLifetime = static_cast<std::uint32_t>(std::max<std::int64_t>(0, kPgsqlMaxDbTime - l.cltt));
  return c;
}

}  // namespace

const char* PgsqlJournal::toString(State s) noexcept {
  switch (s) {
    case State::Connected: return "connected";
    case State::Reconnecting: return "reconnecting";
    case State::Failed: return "failed";
  }
  return "unknown";
}

PgsqlJournal::PgsqlJournal(Options options) : options_(std::move(options)) {
  options_.maxBatch = std::max<std::size_t>(options_.maxBatch, 1);
}

Result<std::unique_ptr<PgsqlJournal>> PgsqlJournal::open(Options options, std::unique_ptr<PgConnection> conn) {
  std::unique_ptr<PgsqlJournal> j(new PgsqlJournal(std::move(options)));
  if (auto r = j->prepareStatements(*conn); !r) return r.error();
  j->conn_ = std::move(conn);
  j->writer_ = std::thread([p = j.get()] { p->run(); });
  return j;
}

PgsqlJournal::~PgsqlJournal() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
}

Result<void> PgsqlJournal::prepareStatements(PgConnection& conn) {
  if (auto r = conn.prepare(kUpsert, kUpsertSql, 12); !r) return r;
  return conn.prepare(kDelete, kDeleteSql, 4);
}

std::uint64_t PgsqlJournal::enqueue(Op op) {
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

std::uint64_t PgsqlJournal::append(const Lease& lease) { return appendGuarded(lease, false, WriteGuard::None); }

std::uint64_t PgsqlJournal::appendDelete(const Lease& lease) { return appendGuarded(lease, true, WriteGuard::None); }

std::vector<LostWrite> PgsqlJournal::takeLost() {
  std::lock_guard lk(mu_);
  return std::exchange(lost_, {});
}

std::uint64_t PgsqlJournal::appendGuarded(const Lease& lease, bool remove, WriteGuard guard) {
  Op op;
  op.remove = remove;
  op.guard = guard;
  auto row = PgsqlLeaseRow::fromLease(storable(lease));
  if (row) {
    op.row = std::move(*row);
  } else {
    // Only a hostname longer than the column can get here (the engine never makes one); the
    // database refuses it like Kea's would, and the refusal is counted and logged.
    op.row.values[PgsqlLeaseRow::kAddress] = std::to_string(lease.address.value);
    op.row.values[PgsqlLeaseRow::kHostname] = lease.hostname;
  }
  return enqueue(std::move(op));
}

Result<void> PgsqlJournal::flush() {
  std::unique_lock lk(mu_);
  const std::uint64_t target = lastSeq_.load();
  const std::uint64_t failuresBefore = failures_;
  // A database given up on (max-reconnect-tries spent) will not take the writes: say so now.
  done_.wait(lk, [&] {
    return announcedSeq_ >= target || failures_ != failuresBefore || writerDone_ || state_.load() == State::Failed;
  });
  if (announcedSeq_ >= target) return {};
  if (lastError_) return *lastError_;
  return makeError("lease database journal stopped before " + std::to_string(target) + " was committed");
}

void PgsqlJournal::setOnDurable(std::function<void(std::uint64_t)> cb) {
  std::lock_guard lk(mu_);
  onDurable_ = std::move(cb);
}

std::optional<Error> PgsqlJournal::lastError() const {
  std::lock_guard lk(mu_);
  return lastError_;
}

PgsqlJournal::Counters PgsqlJournal::counters() const {
  std::lock_guard lk(mu_);
  return counters_;
}

std::vector<std::string> PgsqlJournal::takeRejections() {
  std::lock_guard lk(mu_);
  return std::exchange(rejections_, {});
}

PgsqlJournal::BatchOutcome PgsqlJournal::writeBatch(const std::vector<Op>& batch, std::size_t& bad,
                                                    std::string& message, std::vector<std::size_t>& unmatched) {
  unmatched.clear();
  PGconn* c = conn_->raw();
  auto lost = [&](const PGresult* r) {
    message = resultMessage(r, c);
    return BatchOutcome::ConnectionLost;
  };
  if (PQstatus(c) != CONNECTION_OK) return lost(nullptr);
  if (PQenterPipelineMode(c) != 1) return lost(nullptr);
  // Every statement of the batch, then one Sync: the server runs them as one implicit
  // transaction and commits it at the Sync (PostgreSQL protocol, "Pipelining").
  static constexpr const char* kGuards[] = {"0", "1", "2"};
  const char* values[PgsqlLeaseRow::kColumns + 1];
  for (const Op& op : batch) {
    const char* guard = kGuards[static_cast<int>(op.guard)];
    int sent;
    if (op.remove) {
      values[0] = op.row.values[PgsqlLeaseRow::kAddress].c_str();
      values[1] = guard;
      values[2] = op.row.values[PgsqlLeaseRow::kHwAddr].c_str();
      values[3] = op.row.values[PgsqlLeaseRow::kClientId].c_str();
      sent = PQsendQueryPrepared(c, kDelete, 4, values, nullptr, nullptr, 0);
    } else {
      for (std::size_t i = 0; i < PgsqlLeaseRow::kColumns; ++i) values[i] = op.row.values[i].c_str();
      values[PgsqlLeaseRow::kColumns] = guard;
      sent = PQsendQueryPrepared(c, kUpsert, 12, values, nullptr, nullptr, 0);
    }
    if (sent != 1) return lost(nullptr);
  }
  if (PQpipelineSync(c) != 1) return lost(nullptr);

  std::size_t index = 0;      // statement whose results are being read
  bool failed = false;
  while (true) {
    PGresult* raw = PQgetResult(c);
    if (!raw) {
      // End of one statement's results.
      if (PQstatus(c) != CONNECTION_OK) return lost(nullptr);
      if (++index > batch.size() + 1) return lost(nullptr);  // never without a Sync result
      continue;
    }
    PgResult r(raw);
    const auto s = PQresultStatus(raw);
    if (s == PGRES_PIPELINE_SYNC) break;
    if (s == PGRES_TUPLES_OK && index < batch.size() && batch[index].guard != WriteGuard::None &&
        PQntuples(raw) == 0) {
      unmatched.push_back(index);
    }
    if (s == PGRES_FATAL_ERROR || s == PGRES_NONFATAL_ERROR) {
      if (PQstatus(c) != CONNECTION_OK) return lost(raw);
      // SQLSTATE class 08 (connection exception) and 57 (operator intervention: the server
      // shutting down) mean the database went away mid-batch, not that the row is bad.
      const char* state = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
      if (state && (std::string_view(state).substr(0, 2) == "08" || std::string_view(state).substr(0, 2) == "57")) {
        return lost(raw);
      }
      if (!failed) {
        failed = true;
        bad = std::min(index, batch.size() - 1);
        message = resultMessage(raw, c);
      }
    }
  }
  if (PQexitPipelineMode(c) != 1) return lost(nullptr);
  return failed ? BatchOutcome::Rejected : BatchOutcome::Committed;
}

void PgsqlJournal::collectLost(const std::vector<Op>& batch, const std::vector<std::size_t>& unmatched,
                               std::vector<LostWrite>& out) {
  for (std::size_t i : unmatched) {
    const Op& op = batch[i];
    LostWrite l;
    l.seq = op.seq;
    l.address = Ipv4(static_cast<std::uint32_t>(std::stoul(op.row.values[PgsqlLeaseRow::kAddress])));
    auto current = PgsqlLeaseLoader::get(*conn_, l.address);
    // A delete that matched nothing because the row is already gone reached its goal.
    if (current && op.remove && !*current) continue;
    // Unreadable now (connection trouble): the address is believed free, the next write
    // to it asks the database again.
    if (current) l.current = std::move(*current);
    out.push_back(std::move(l));
  }
}

Result<std::unique_ptr<PgConnection>> PgsqlJournal::reconnect() {
  auto conn = PgConnection::open(options_.db);
  if (!conn) return conn.error();
  if (auto r = prepareStatements(**conn); !r) return r.error();
  return conn;
}

void PgsqlJournal::run() {
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
      auto conn = reconnect();
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
      lastError_ = makeError(fmt::format("lease database connection lost, reconnect attempt {} of {} failed: {}",
                                         tries, options_.db.maxReconnectTries, conn.error().message));
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
      l.address = Ipv4(static_cast<std::uint32_t>(std::stoul(batch[bad].row.values[PgsqlLeaseRow::kAddress])));
      if (auto current = PgsqlLeaseLoader::get(*conn_, l.address); current) l.current = std::move(*current);
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
    if (outcome == BatchOutcome::Rejected) {
      // The whole transaction rolled back; only the refused statement is dropped (and
      // logged), the rest is sent again. A statement refused for its data (a hostname
      // longer than Kea's column) would be refused forever.
      ++counters_.rejected;
      for (auto& l : lost) lost_.push_back(std::move(l));
      lastError_ = makeError("the lease database refused a write: " + message);
      if (rejections_.size() < 100) {
        const auto address = static_cast<std::uint32_t>(std::stoul(batch[bad].row.values[PgsqlLeaseRow::kAddress]));
        rejections_.push_back(fmt::format("lease {}: {}", Ipv4(address).toString(), message));
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

}  // namespace tandem::pgsql
