#include "dhcpd/pgsql/pgsql_host_source.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>

#include "dhcpd/lease/pgsql_lease_row.h"

namespace tandem::pgsql {
namespace {

// Kea 2.2's PgSqlHostDataSource reads hosts joined with their options the same way (its
// GET_HOST_* queries with a LEFT JOIN on dhcp4_options); scope 3 is "host".
constexpr const char* kSelectHosts =
    "SELECT h.host_id, h.dhcp_identifier, h.dhcp_identifier_type, h.dhcp4_subnet_id, h.ipv4_address, h.hostname, "
    "h.dhcp4_client_classes, h.dhcp4_next_server, h.dhcp4_server_hostname, h.dhcp4_boot_file_name, "
    "h.user_context, o.option_id, o.code, o.value, o.formatted_value, o.space, o.persistent, o.user_context "
    "FROM hosts h LEFT JOIN dhcp4_options o ON o.host_id = h.host_id AND o.scope_id = 3 "
    "WHERE h.dhcp4_subnet_id IS NOT NULL ORDER BY h.host_id, o.option_id";

std::string text(const PGresult* r, int row, int col) {
  if (PQgetisnull(r, row, col)) return {};
  return std::string(PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col)));
}

template <class T>
Result<T> number(const PGresult* r, int row, int col, const char* what) {
  if (PQgetisnull(r, row, col)) return T{};
  const char* s = PQgetvalue(r, row, col);
  const char* e = s + PQgetlength(r, row, col);
  long long v = 0;
  auto [p, ec] = std::from_chars(s, e, v);
  if (ec != std::errc() || p != e) return makeError(fmt::format("{}: '{}' is not a number", what, std::string(s, e)));
  if (v < 0 || static_cast<unsigned long long>(v) > std::numeric_limits<T>::max()) {
    return makeError(fmt::format("{}: {} is out of range", what, v));
  }
  return static_cast<T>(v);
}

// bytea in PostgreSQL's hex output format ("\x0a1b...").
Result<std::vector<std::uint8_t>> bytea(const PGresult* r, int row, int col, const char* what) {
  if (PQgetisnull(r, row, col)) return std::vector<std::uint8_t>{};
  std::string_view s(PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col)));
  if (s.size() < 2 || s[0] != '\\' || s[1] != 'x') return makeError(fmt::format("{}: not in bytea hex format", what));
  s.remove_prefix(2);
  auto bytes = parseHexBytes(s);
  if (!bytes && !s.empty()) return makeError(fmt::format("{}: bad bytea", what));
  return bytes ? std::move(*bytes) : std::vector<std::uint8_t>{};
}

std::string byteaParam(const std::vector<std::uint8_t>& b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s = "\\x";
  for (std::uint8_t c : b) {
    s.push_back(kHex[c >> 4]);
    s.push_back(kHex[c & 15]);
  }
  return s;
}

}  // namespace

Result<std::unique_ptr<PgsqlHostSource>> PgsqlHostSource::open(const config::HostsDatabase& db) {
  auto conn = PgConnection::open(db.access);
  if (!conn) return makeError("Unable to open database: " + conn.error().message);
  if (auto r = (*conn)->checkSchemaVersion(kPgsqlSchemaMajor, kPgsqlSchemaMinor); !r) {
    return makeError("Unable to open database: " + r.error().message);
  }
  return std::unique_ptr<PgsqlHostSource>(new PgsqlHostSource(db, std::move(*conn)));
}

PgsqlHostSource::~PgsqlHostSource() { stop(); }

Result<std::vector<config::HostRow>> PgsqlHostSource::readHosts(PgConnection& conn) {
  auto res = conn.exec(kSelectHosts);
  if (!res) return makeError("reading hosts: " + res.error().message);
  const PGresult* r = res->get();
  std::vector<config::HostRow> rows;
  const int n = PQntuples(r);
  std::int64_t current = -1;
  for (int i = 0; i < n; ++i) {
    auto id = number<std::int64_t>(r, i, 0, "host_id");
    if (!id) return id.error();
    if (*id != current) {
      current = *id;
      config::HostRow h;
      h.hostId = *id;
      const std::string where = fmt::format("hosts host_id {}", *id);
      auto ident = bytea(r, i, 1, "dhcp_identifier");
      auto type = number<std::uint8_t>(r, i, 2, "dhcp_identifier_type");
      auto subnet = number<std::uint32_t>(r, i, 3, "dhcp4_subnet_id");
      auto addr = number<std::uint32_t>(r, i, 4, "ipv4_address");
      auto next = number<std::uint32_t>(r, i, 7, "dhcp4_next_server");
      for (const Error* e : {ident ? nullptr : &ident.error(), type ? nullptr : &type.error(),
                             subnet ? nullptr : &subnet.error(), addr ? nullptr : &addr.error(),
                             next ? nullptr : &next.error()}) {
        if (e) return makeError(where + ": " + e->message);
      }
      h.identifier = std::move(*ident);
      h.identifierType = *type;
      h.subnetId = *subnet;
      h.ipv4Address = *addr;
      h.hostname = text(r, i, 5);
      h.clientClasses = text(r, i, 6);
      h.nextServer = *next;
      h.serverHostname = text(r, i, 8);
      h.bootFileName = text(r, i, 9);
      h.userContext = text(r, i, 10);
      rows.push_back(std::move(h));
    }
    if (PQgetisnull(r, i, 11)) continue;  // a host without options
    config::HostOptionRow o;
    auto code = number<std::uint8_t>(r, i, 12, "dhcp4_options.code");
    auto value = bytea(r, i, 13, "dhcp4_options.value");
    if (!code || !value) {
      return makeError(fmt::format("hosts host_id {}: {}", current, (!code ? code.error() : value.error()).message));
    }
    o.code = *code;
    o.value = std::move(*value);
    o.formattedValue = text(r, i, 14);
    o.space = text(r, i, 15);
    if (o.space.empty()) o.space = "dhcp4";
    o.persistent = text(r, i, 16) == "t";
    o.userContext = text(r, i, 17);
    rows.back().options.push_back(std::move(o));
  }
  return rows;
}

Result<config::HostMap> PgsqlHostSource::loadAll(std::vector<std::int64_t>* duplicates) {
  auto rows = readHosts(*conn_);
  if (!rows) return rows.error();
  snapshot_ = config::hostMapOf(std::move(*rows), duplicates);
  std::lock_guard lock(mutex_);
  counters_.hosts = snapshot_.size();
  return snapshot_;
}

void PgsqlHostSource::start(std::chrono::milliseconds period, OnDiff onDiff) {
  period_ = period;
  onDiff_ = std::move(onDiff);
  thread_ = std::thread([this] { run(); });
}

void PgsqlHostSource::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

PgsqlHostSource::Counters PgsqlHostSource::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

void PgsqlHostSource::post(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_all();
}

void PgsqlHostSource::run() {
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

bool PgsqlHostSource::ensureConnected() {
  if (conn_->ok()) return true;
  PQreset(conn_->raw());
  const bool ok = conn_->ok();
  std::lock_guard lock(mutex_);
  counters_.connected = ok;
  if (!ok) counters_.lastError = conn_->lastMessage();
  return ok;
}

void PgsqlHostSource::refresh() {
  const auto t0 = std::chrono::steady_clock::now();
  if (!ensureConnected()) {
    std::lock_guard lock(mutex_);
    ++counters_.refreshFailures;
    return;
  }
  auto rows = readHosts(*conn_);
  if (!rows) {
    std::lock_guard lock(mutex_);
    ++counters_.refreshFailures;
    counters_.lastError = rows.error().message;
    counters_.connected = conn_->ok();
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

void PgsqlHostSource::addHost(config::HostRow row, std::function<void(Result<void>)> done) {
  post([this, row = std::move(row), done = std::move(done)]() mutable {
    if (db_.readonly) {
      return done(makeError("PostgreSQL host database backend is configured to operate in read only mode"));
    }
    if (!ensureConnected()) return done(makeError("hosts database unavailable: " + conn_->lastMessage()));
    auto fail = [&](const Error& e) {
      (void)conn_->exec("ROLLBACK");
      done(makeError(e.message));
    };
    if (auto r = conn_->exec("BEGIN"); !r) return done(r.error());
    const std::string ident = byteaParam(row.identifier), type = std::to_string(row.identifierType),
                      subnet = std::to_string(row.subnetId), addr = std::to_string(row.ipv4Address),
                      next = std::to_string(row.nextServer);
    // As Kea's PgSqlHostDataSource::add: 0 for no address / next server, NULL user context.
    auto ins = conn_->execParams(
        "INSERT INTO hosts (dhcp_identifier, dhcp_identifier_type, dhcp4_subnet_id, ipv4_address, hostname, "
        "dhcp4_client_classes, dhcp4_next_server, dhcp4_server_hostname, dhcp4_boot_file_name, user_context) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING host_id",
        {ident.c_str(), type.c_str(), subnet.c_str(), addr.c_str(), row.hostname.c_str(), row.clientClasses.c_str(),
         next.c_str(), row.serverHostname.c_str(), row.bootFileName.c_str(),
         row.userContext.empty() ? nullptr : row.userContext.c_str()});
    if (!ins) return fail(ins.error());
    row.hostId = std::stoll(PQgetvalue(ins->get(), 0, 0));
    const std::string hostId = std::to_string(row.hostId);
    for (const auto& o : row.options) {
      const std::string code = std::to_string(o.code), value = byteaParam(o.value);
      auto r = conn_->execParams(
          "INSERT INTO dhcp4_options (code, value, formatted_value, space, persistent, user_context, host_id, "
          "scope_id) VALUES ($1, $2, $3, $4, $5, $6, $7, 3)",
          {code.c_str(), o.formattedValue.empty() ? value.c_str() : nullptr,
           o.formattedValue.empty() ? nullptr : o.formattedValue.c_str(), o.space.c_str(), o.persistent ? "t" : "f",
           o.userContext.empty() ? nullptr : o.userContext.c_str(), hostId.c_str()});
      if (!r) return fail(r.error());
    }
    if (auto r = conn_->exec("COMMIT"); !r) return done(r.error());
    config::HostDiff diff;
    diff.upserts.push_back(row);
    config::applyHostDiff(snapshot_, diff);
    {
      std::lock_guard lock(mutex_);
      counters_.hosts = snapshot_.size();
    }
    if (onDiff_) onDiff_(std::move(diff));
    done({});
  });
}

void PgsqlHostSource::delHost(Selector sel, std::function<void(Result<bool>)> done) {
  post([this, sel = std::move(sel), done = std::move(done)]() mutable {
    if (db_.readonly) {
      return done(makeError("PostgreSQL host database backend is configured to operate in read only mode"));
    }
    if (!ensureConnected()) return done(makeError("hosts database unavailable: " + conn_->lastMessage()));
    const std::string subnet = std::to_string(sel.subnetId);
    Result<PgResult> r = makeError("no selector");
    // Kea 2.2's DEL_HOST_ADDR4 / DEL_HOST_SUBID4_ID; the host's options go with it (ON DELETE CASCADE).
    if (sel.address) {
      const std::string addr = std::to_string(*sel.address);
      r = conn_->execParams(
          "DELETE FROM hosts WHERE dhcp4_subnet_id = $1 AND ipv4_address = $2 "
          "RETURNING dhcp_identifier, dhcp_identifier_type",
          {subnet.c_str(), addr.c_str()});
    } else {
      const std::string type = std::to_string(sel.identifierType), ident = byteaParam(sel.identifier);
      r = conn_->execParams(
          "DELETE FROM hosts WHERE dhcp4_subnet_id = $1 AND dhcp_identifier_type = $2 AND dhcp_identifier = $3 "
          "RETURNING dhcp_identifier, dhcp_identifier_type",
          {subnet.c_str(), type.c_str(), ident.c_str()});
    }
    if (!r) return done(r.error());
    config::HostDiff diff;
    for (int i = 0; i < PQntuples(r->get()); ++i) {
      auto ident = bytea(r->get(), i, 0, "dhcp_identifier");
      auto type = number<std::uint8_t>(r->get(), i, 1, "dhcp_identifier_type");
      if (!ident || !type) continue;
      diff.removed.push_back(config::hostKeyOf(sel.subnetId, static_cast<config::HostIdType>(*type), *ident));
    }
    const bool deleted = !diff.removed.empty();
    config::applyHostDiff(snapshot_, diff);
    {
      std::lock_guard lock(mutex_);
      counters_.hosts = snapshot_.size();
    }
    if (deleted && onDiff_) onDiff_(std::move(diff));
    done(deleted);
  });
}

}  // namespace tandem::pgsql
