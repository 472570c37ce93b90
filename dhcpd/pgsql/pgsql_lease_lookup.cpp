#include "dhcpd/pgsql/pgsql_lease_lookup.h"

#include <algorithm>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "dhcpd/lease/pgsql_lease_row.h"
#include "dhcpd/pgsql/pgsql_lease_loader.h"

namespace tandem::pgsql {
namespace {

constexpr const char* kLookup = "tandem_lease4_client";

// Kea's GET_LEASE4_HWADDR_SUBID and GET_LEASE4_CLIENTID_SUBID (each served by its index of
// the schema: lease4_by_hwaddr_subnet_id, lease4_by_client_id_subnet_id) for the subnets in
// $3. A NULL identifier matches nothing, so an absent one is not searched (an empty hwaddr is
// what a declined lease holds). A row matching both comes twice; the caller keeps it once.
std::string lookupSql() {
  return fmt::format(
      "SELECT {0} FROM lease4 WHERE hwaddr = $1::bytea AND subnet_id = ANY($3::bigint[]) "
      "UNION ALL SELECT {0} FROM lease4 WHERE client_id = $2::bytea AND subnet_id = ANY($3::bigint[])",
      kPgsqlLease4Columns);
}

}  // namespace

PgsqlLeaseLookup::PgsqlLeaseLookup(Options options)
    : SqlLeaseLookup(Policy{options.maxBatch, options.capacity, options.db.reconnectWaitTime}),
      options_(std::move(options)) {}

Result<std::unique_ptr<PgsqlLeaseLookup>> PgsqlLeaseLookup::open(Options options, std::unique_ptr<PgConnection> conn) {
  std::unique_ptr<PgsqlLeaseLookup> l(new PgsqlLeaseLookup(std::move(options)));
  if (auto r = prepare(*conn); !r) return r.error();
  l->conn_ = std::move(conn);
  l->startThread();
  return l;
}

PgsqlLeaseLookup::~PgsqlLeaseLookup() { stopThread(); }

Result<void> PgsqlLeaseLookup::prepare(PgConnection& conn) { return conn.prepare(kLookup, lookupSql(), 3); }

Result<void> PgsqlLeaseLookup::reconnect() {
  auto conn = PgConnection::open(options_.db);
  if (!conn) return conn.error();
  if (auto r = prepare(**conn); !r) return r.error();
  conn_ = std::move(*conn);
  return {};
}

Result<void> PgsqlLeaseLookup::lookupBatch(const std::vector<const ClientLeaseQuery*>& batch,
                                           std::vector<std::vector<Lease>>& rows) {
  PGconn* c = conn_->raw();
  auto lost = [&](const PGresult* r) -> Result<void> { return makeError(resultMessage(r, c)); };
  if (PQstatus(c) != CONNECTION_OK) return lost(nullptr);
  if (PQenterPipelineMode(c) != 1) return lost(nullptr);
  std::string hw, cid, subnets;
  for (const ClientLeaseQuery* q : batch) {
    hw = q->hwAddr.empty() ? std::string() : toByteaHex(q->hwAddr.bytes.data(), q->hwAddr.length);
    cid = q->clientId.empty() ? std::string() : toByteaHex(q->clientId.data(), q->clientId.size());
    subnets = "{";
    for (std::size_t i = 0; i < q->subnetIds.size(); ++i) {
      if (i) subnets += ',';
      subnets += std::to_string(q->subnetIds[i]);
    }
    subnets += '}';
    const char* values[3] = {hw.empty() ? nullptr : hw.c_str(), cid.empty() ? nullptr : cid.c_str(), subnets.c_str()};
    if (PQsendQueryPrepared(c, kLookup, 3, values, nullptr, nullptr, 0) != 1) return lost(nullptr);
  }
  if (PQpipelineSync(c) != 1) return lost(nullptr);

  std::size_t index = 0;  // lookup whose results are being read
  std::optional<std::string> failure;
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
    if (s == PGRES_TUPLES_OK && index < batch.size()) {
      if (PQnfields(raw) != static_cast<int>(PgsqlLeaseRow::kColumns)) {
        if (!failure) failure = "lease4: unexpected column count";
        continue;
      }
      auto& out = rows[index];
      for (int i = 0, n = PQntuples(raw); i < n; ++i) {
        auto lease = parsePgsqlLease(PgsqlLeaseLoader::rowAt(raw, i));
        // A row Kea could not read either is left out (the start-up load skips it too).
        if (!lease) continue;
        const bool seen =
            std::any_of(out.begin(), out.end(), [&](const Lease& l) { return l.address == lease->address; });
        if (!seen) out.push_back(std::move(*lease));
      }
    } else if (s == PGRES_FATAL_ERROR || s == PGRES_NONFATAL_ERROR || s == PGRES_PIPELINE_ABORTED) {
      if (!failure) failure = resultMessage(raw, c);
    }
  }
  if (PQexitPipelineMode(c) != 1) return lost(nullptr);
  if (failure) return makeError(*failure);
  return {};
}

}  // namespace tandem::pgsql
