#include "dhcpd/daemon/host_source.h"

#include <fmt/format.h>

#include "dhcpd/mysql/mysql_host_backend.h"
#include "dhcpd/pgsql/pgsql_host_backend.h"

namespace tandem::daemon {

Result<std::unique_ptr<HostSource>> HostSource::open(const config::HostsDatabase& db) {
  Result<std::unique_ptr<config::HostDatabaseBackend>> backend =
      makeError("unknown hosts database type " + db.access.type);
  if (db.access.type == "postgresql") backend = pgsql::PgsqlHostBackend::open(db.access);
  else if (db.access.type == "mysql") backend = mysql::MysqlHostBackend::open(db.access);
  if (!backend) return backend.error();
  return std::make_unique<HostSource>(db, std::move(*backend));
}

HostSource::~HostSource() { stop(); }

Result<config::HostMap> HostSource::loadAll(std::vector<std::int64_t>* duplicates) {
  auto rows = backend_->readHosts();
  if (!rows) return rows.error();
  snapshot_ = config::hostMapOf(std::move(*rows), duplicates);
  std::lock_guard lock(mutex_);
  counters_.hosts = snapshot_.size();
  return snapshot_;
}

void HostSource::start(std::chrono::milliseconds period, OnDiff onDiff) {
  period_ = period;
  onDiff_ = std::move(onDiff);
  thread_ = std::thread([this] { run(); });
}

void HostSource::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

HostSource::Counters HostSource::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

void HostSource::post(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_all();
}

void HostSource::run() {
  auto next = std::chrono::steady_clock::now() + period_;
  std::unique_lock lock(mutex_);
  while (!stop_) {
    if (!jobs_.empty()) {
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
      continue;
    }
    if (std::chrono::steady_clock::now() >= next) {
      lock.unlock();
      refresh();
      lock.lock();
      next = std::chrono::steady_clock::now() + period_;
      continue;
    }
    cv_.wait_until(lock, next);
  }
  // Writes still queued at shutdown are answered, not dropped silently.
  while (!jobs_.empty()) {
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

bool HostSource::ensureConnected() {
  const bool ok = backend_->ensureConnected();
  std::lock_guard lock(mutex_);
  counters_.connected = ok;
  if (!ok) counters_.lastError = backend_->lastMessage();
  return ok;
}

void HostSource::refresh() {
  const auto t0 = std::chrono::steady_clock::now();
  if (!ensureConnected()) {
    std::lock_guard lock(mutex_);
    ++counters_.refreshFailures;
    return;
  }
  auto rows = backend_->readHosts();
  if (!rows) {
    std::lock_guard lock(mutex_);
    ++counters_.refreshFailures;
    counters_.lastError = rows.error().message;
    counters_.connected = backend_->connected();
    return;
  }
  config::HostMap now = config::hostMapOf(std::move(*rows));
  config::HostDiff diff = config::diffHosts(snapshot_, now);
  snapshot_ = std::move(now);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
  {
    std::lock_guard lock(mutex_);
    ++counters_.refreshes;
    counters_.lastRefreshMicros = static_cast<std::uint64_t>(us.count());
    counters_.hosts = snapshot_.size();
    counters_.changesApplied += diff.upserts.size() + diff.removed.size();
    counters_.connected = true;
  }
  if (!diff.empty() && onDiff_) onDiff_(std::move(diff));
}

void HostSource::publish(config::HostDiff diff) {
  config::applyHostDiff(snapshot_, diff);
  {
    std::lock_guard lock(mutex_);
    counters_.hosts = snapshot_.size();
  }
  if (!diff.empty() && onDiff_) onDiff_(std::move(diff));
}

void HostSource::addHost(config::HostRow row, std::function<void(Result<void>)> done) {
  post([this, row = std::move(row), done = std::move(done)]() mutable {
    // Kea's checkReadOnly wording (PgSqlHostDataSourceImpl / MySqlHostDataSourceImpl).
    if (db_.readonly) {
      return done(makeError(
          fmt::format("{} host database backend is configured to operate in read only mode", backend_->product())));
    }
    if (!ensureConnected()) return done(makeError("hosts database unavailable: " + backend_->lastMessage()));
    auto id = backend_->insertHost(row);
    if (!id) return done(id.error());
    row.hostId = *id;
    config::HostDiff diff;
    diff.upserts.push_back(std::move(row));
    publish(std::move(diff));
    done({});
  });
}

void HostSource::delHost(config::HostRowSelector sel, std::function<void(Result<bool>)> done) {
  post([this, sel = std::move(sel), done = std::move(done)]() mutable {
    if (db_.readonly) {
      return done(makeError(
          fmt::format("{} host database backend is configured to operate in read only mode", backend_->product())));
    }
    if (!ensureConnected()) return done(makeError("hosts database unavailable: " + backend_->lastMessage()));
    auto keys = backend_->deleteHosts(sel);
    if (!keys) return done(keys.error());
    config::HostDiff diff;
    diff.removed = std::move(*keys);
    const bool deleted = !diff.removed.empty();
    publish(std::move(diff));
    done(deleted);
  });
}

}  // namespace tandem::daemon
