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

}  // namespace

PgsqlJournal::PgsqlJournal(Options options) : SqlJournal(Policy::of(options)), options_(std::move(options)) {}

Result<std::unique_ptr<PgsqlJournal>> PgsqlJournal::open(Options options, std::unique_ptr<PgConnection> conn) {
  std::unique_ptr<PgsqlJournal> j(new PgsqlJournal(std::move(options)));
  if (auto r = j->prepareStatements(*conn); !r) return r.error();
  j->conn_ = std::move(conn);
  j->startWriter();
  return j;
}

PgsqlJournal::~PgsqlJournal() { stopWriter(); }

Result<void> PgsqlJournal::prepareStatements(PgConnection& conn) {
  if (auto r = conn.prepare(kUpsert, kUpsertSql, 12); !r) return r;
  return conn.prepare(kDelete, kDeleteSql, 4);
}

Result<void> PgsqlJournal::reconnect() {
  auto conn = PgConnection::open(options_.db);
  if (!conn) return conn.error();
  if (auto r = prepareStatements(**conn); !r) return r.error();
  conn_ = std::move(*conn);
  return {};
}

Result<std::optional<Lease>> PgsqlJournal::readLease(Ipv4 address) { return PgsqlLeaseLoader::get(*conn_, address); }

PgsqlJournal::BatchOutcome PgsqlJournal::writeBatch(const std::vector<Op>& batch, std::size_t& bad,
                                                    std::string& message, std::vector<std::size_t>& unmatched) {
  unmatched.clear();
  // Encoded first: a lease Kea could not store either (a hostname longer than its column) is
  // refused before anything is sent.
  std::vector<PgsqlLeaseRow> rows;
  rows.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    // A delete uses only the address and the identifiers: its hostname cannot refuse it.
    Lease key;
    if (batch[i].remove) {
      key = batch[i].lease;
      key.hostname.clear();
    }
    auto row = PgsqlLeaseRow::fromLease(batch[i].remove ? key : batch[i].lease);
    if (!row) {
      bad = i;
      message = row.error().message;
      return BatchOutcome::Rejected;
    }
    rows.push_back(std::move(*row));
  }
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
  for (std::size_t n = 0; n < batch.size(); ++n) {
    const Op& op = batch[n];
    const PgsqlLeaseRow& row = rows[n];
    const char* guard = kGuards[static_cast<int>(op.guard)];
    int sent;
    if (op.remove) {
      values[0] = row.values[PgsqlLeaseRow::kAddress].c_str();
      values[1] = guard;
      values[2] = row.values[PgsqlLeaseRow::kHwAddr].c_str();
      values[3] = row.values[PgsqlLeaseRow::kClientId].c_str();
      sent = PQsendQueryPrepared(c, kDelete, 4, values, nullptr, nullptr, 0);
    } else {
      for (std::size_t i = 0; i < PgsqlLeaseRow::kColumns; ++i) values[i] = row.values[i].c_str();
      values[PgsqlLeaseRow::kColumns] = guard;
      sent = PQsendQueryPrepared(c, kUpsert, 12, values, nullptr, nullptr, 0);
    }
    if (sent != 1) return lost(nullptr);
  }
  if (PQpipelineSync(c) != 1) return lost(nullptr);

  std::size_t index = 0;  // statement whose results are being read
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
    if (s == PGRES_TUPLES_OK && index < batch.size() && batch[index].guard != WriteGuard::None && PQntuples(raw) == 0) {
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

}  // namespace tandem::pgsql
