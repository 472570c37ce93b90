#include "dhcpd/pgsql/pgsql_lease_lookup.h"

#include <algorithm>
#include <cstdlib>
#include <span>
#include <string>

#include <fmt/format.h>

#include "dhcpd/lease/pgsql_lease_row.h"
#include "dhcpd/pgsql/pgsql_lease_loader.h"

namespace tandem::pgsql {
namespace {

constexpr const char* kLookup = "tandem_lease4_client";

// Kea's GET_LEASE4_HWADDR_SUBID and GET_LEASE4_CLIENTID_SUBID for a whole batch in one
// statement: $1 and $2 are the lookups' hardware addresses and client-ids (element i of each is
// lookup i; NULL, which matches nothing, where a lookup has none: an empty hwaddr is what a
// declined lease holds). Each element is one probe of lease4_by_hwaddr_subnet_id or
// lease4_by_client_id_subnet_id by its first column; the last column says which lookup a row
// answers, and the caller keeps the rows in that lookup's own subnets (a client holds a
// lease or two, so the rows of other subnets cost nothing). The subnet is not in the
// statement on purpose: with "subnet_id = ANY($3)" the generic plan, made while lease4 held
// few rows, read the whole subnet through lease4_by_subnet_id and filtered it by hwaddr,
// 5 ms per batch at 7,000 rows (pg_stat_statements in scripts/bench-pgsql.sh PGSS=1), which
// made PostgreSQL spend 650-950 us of CPU per DORA. One statement instead of one per lookup:
// the server parses, binds and plans once per batch.
std::string lookupSql() {
  return fmt::format(
      "SELECT {0}, q.i FROM unnest($1::bytea[]) WITH ORDINALITY AS q(hw, i) "
      "JOIN lease4 ON hwaddr = q.hw "
      "UNION ALL SELECT {0}, q.i FROM unnest($2::bytea[]) WITH ORDINALITY AS q(cid, i) "
      "JOIN lease4 ON client_id = q.cid",
      kPgsqlLease4Columns);
}

// One element of a bytea[] in the array text format: "\\x0a0b" (quoted, its backslash
// escaped), or NULL.
void appendBytea(std::string& out, std::span<const std::uint8_t> b) {
  if (b.empty()) {
    out += "NULL";
    return;
  }
  out += "\"\\";
  out += toByteaHex(b.data(), b.size());
  out += '"';
}

}  // namespace

PgsqlLeaseLookup::PgsqlLeaseLookup(Options options)
    : SqlLeaseLookup(Policy{options.maxBatch, options.capacity, options.db.reconnectWaitTime, options.gather}),
      options_(std::move(options)) {}

Result<std::unique_ptr<PgsqlLeaseLookup>> PgsqlLeaseLookup::open(Options options, std::unique_ptr<PgConnection> conn) {
  std::unique_ptr<PgsqlLeaseLookup> l(new PgsqlLeaseLookup(std::move(options)));
  if (auto r = prepare(*conn); !r) return r.error();
  l->conn_ = std::move(conn);
  l->startThread();
  return l;
}

PgsqlLeaseLookup::~PgsqlLeaseLookup() { stopThread(); }

Result<void> PgsqlLeaseLookup::prepare(PgConnection& conn) {
  // The statement is planned once, at start-up, when lease4 may be nearly empty: a sequential
  // scan would then look cheapest and stay the plan while the table grows to millions of rows
  // (measured: 6.6 ms per batch of about 50 lookups once lease4 held 30,000 rows). On this
  // connection, which runs nothing else, the planner keeps to the indexes, so each lookup
  // stays two index probes however the table grew.
  if (auto r = conn.exec("SET enable_seqscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off"); !r) {
    return r.error();
  }
  return conn.prepare(kLookup, lookupSql(), 2);
}

Result<void> PgsqlLeaseLookup::reconnect() {
  auto conn = PgConnection::open(options_.db);
  if (!conn) return conn.error();
  if (auto r = prepare(**conn); !r) return r.error();
  conn_ = std::move(*conn);
  return {};
}

Result<void> PgsqlLeaseLookup::lookupBatch(const std::vector<const ClientLeaseQuery*>& batch,
                                           std::vector<std::vector<Lease>>& rows) {
  std::string hw = "{", cid = "{";
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (i) {
      hw += ',';
      cid += ',';
    }
    appendBytea(hw, batch[i]->hwAddr.view());
    appendBytea(cid, batch[i]->clientId);
  }
  hw += '}';
  cid += '}';
  auto r = conn_->execPrepared(kLookup, {hw.c_str(), cid.c_str()});
  if (!r) return r.error();
  const PGresult* res = r->get();
  if (PQnfields(res) != static_cast<int>(PgsqlLeaseRow::kColumns) + 1)
    return makeError("lease4: unexpected column count");
  for (int n = 0, count = PQntuples(res); n < count; ++n) {
    const long long which = std::strtoll(PQgetvalue(res, n, static_cast<int>(PgsqlLeaseRow::kColumns)), nullptr, 10);
    if (which < 1 || static_cast<std::size_t>(which) > batch.size()) continue;
    const ClientLeaseQuery& q = *batch[static_cast<std::size_t>(which - 1)];
    auto lease = parsePgsqlLease(PgsqlLeaseLoader::rowAt(res, n));
    // A row Kea could not read either is left out (the start-up load skips it too).
    if (!lease) continue;
    if (std::find(q.subnetIds.begin(), q.subnetIds.end(), lease->subnetId) == q.subnetIds.end()) continue;
    auto& out = rows[static_cast<std::size_t>(which - 1)];
    // A row found by both identifiers comes twice.
    const bool seen = std::any_of(out.begin(), out.end(), [&](const Lease& l) { return l.address == lease->address; });
    if (!seen) out.push_back(std::move(*lease));
  }
  return {};
}

}  // namespace tandem::pgsql
