#include "dhcpd/pgsql/pgsql_session.h"

#include <algorithm>

#include "dhcpd/lease/pgsql_lease_row.h"
#include "dhcpd/pgsql/pgsql_lease_loader.h"

namespace tandem::pgsql {
namespace {

constexpr const char* kUpsert = "tandem_lease4_upsert";
constexpr const char* kDelete = "tandem_lease4_delete";

// Kea's INSERT_LEASE4 / UPDATE_LEASE4 columns in one statement: the address decides whether
// the row is new or replaced (the lease4 triggers update lease4_stat either way). $12 is the
// WriteGuard: 0 none; 1 only over an expired or reclaimed row or the same client's (the
// client-ids decide when both rows have one, else the hardware addresses); 2 only over a row
// that is still expired. A row with an infinite lifetime (expire = cltt, Kea's INFINITY_LFT)
// never expires. A row the guard keeps is not returned: the write lost.
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
    "OR ($12::int = 1 AND ((l.expire <= now() AND l.valid_lifetime <> 4294967295) OR l.state = 2 "
    "OR (coalesce(length(l.client_id), 0) > 0 AND length(EXCLUDED.client_id) > 0 "
    "AND l.client_id = EXCLUDED.client_id) "
    "OR ((coalesce(length(l.client_id), 0) = 0 OR length(EXCLUDED.client_id) = 0) AND l.hwaddr = EXCLUDED.hwaddr))) "
    "OR ($12::int = 2 AND l.expire <= now() AND l.valid_lifetime <> 4294967295) "
    "RETURNING address";
// $2 guard as above, $3/$4 the releasing client's hwaddr/client_id.
constexpr const char* kDeleteSql =
    "DELETE FROM lease4 AS l WHERE address = $1::bigint AND ($2::int = 0 "
    "OR ($2::int = 1 AND ((l.expire <= now() AND l.valid_lifetime <> 4294967295) OR l.state = 2 "
    "OR (coalesce(length(l.client_id), 0) > 0 AND length($4::bytea) > 0 AND l.client_id = $4::bytea) "
    "OR ((coalesce(length(l.client_id), 0) = 0 OR length($4::bytea) = 0) AND l.hwaddr = $3::bytea))) "
    "OR ($2::int = 2 AND l.expire <= now() AND l.valid_lifetime <> 4294967295)) "
    "RETURNING address";

Result<void> prepareStatements(PgConnection& conn) {
  if (auto r = conn.prepare(kUpsert, kUpsertSql, 12); !r) return r;
  return conn.prepare(kDelete, kDeleteSql, 4);
}

}  // namespace

Result<std::unique_ptr<PgsqlSession>> PgsqlSession::open(std::unique_ptr<PgConnection> conn) {
  if (auto r = prepareStatements(*conn); !r) return r.error();
  return std::unique_ptr<PgsqlSession>(new PgsqlSession(std::move(conn)));
}

Result<std::optional<Lease>> PgsqlSession::get(Ipv4 address) { return PgsqlLeaseLoader::get(*conn_, address); }

SqlSession::BatchResult PgsqlSession::write(const std::vector<SqlWrite>& batch) {
  BatchResult out;
  // Encoded first: a lease Kea could not store either (a hostname longer than the column)
  // is refused before anything is sent.
  std::vector<PgsqlLeaseRow> rows;
  rows.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto row = PgsqlLeaseRow::fromLease(batch[i].lease);
    if (!row) {
      out.outcome = Outcome::Rejected;
      out.bad = i;
      out.message = row.error().message;
      return out;
    }
    rows.push_back(std::move(*row));
  }
  PGconn* c = conn_->raw();
  auto lost = [&](const PGresult* r) {
    out.outcome = Outcome::ConnectionLost;
    out.message = resultMessage(r, c);
    out.unmatched.clear();
    return out;
  };
  if (PQstatus(c) != CONNECTION_OK) return lost(nullptr);
  if (PQenterPipelineMode(c) != 1) return lost(nullptr);
  // Every statement of the batch, then one Sync: the server runs them as one implicit
  // transaction and commits it at the Sync (PostgreSQL protocol, "Pipelining").
  static constexpr const char* kGuards[] = {"0", "1", "2"};
  const char* values[PgsqlLeaseRow::kColumns + 1];
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const SqlWrite& op = batch[i];
    const PgsqlLeaseRow& row = rows[i];
    const char* guard = kGuards[static_cast<int>(op.guard)];
    int sent;
    if (op.remove) {
      values[0] = row.values[PgsqlLeaseRow::kAddress].c_str();
      values[1] = guard;
      values[2] = row.values[PgsqlLeaseRow::kHwAddr].c_str();
      values[3] = row.values[PgsqlLeaseRow::kClientId].c_str();
      sent = PQsendQueryPrepared(c, kDelete, 4, values, nullptr, nullptr, 0);
    } else {
      for (std::size_t k = 0; k < PgsqlLeaseRow::kColumns; ++k) values[k] = row.values[k].c_str();
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
    if (s == PGRES_TUPLES_OK && index < batch.size() && batch[index].guard != WriteGuard::None &&
        PQntuples(raw) == 0) {
      out.unmatched.push_back(index);
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
        out.bad = std::min(index, batch.size() - 1);
        out.message = resultMessage(raw, c);
        // 40P01 deadlock_detected, 40001 serialization_failure: the transaction is sent again.
        if (state && (std::string_view(state) == "40P01" || std::string_view(state) == "40001")) {
          out.outcome = Outcome::Retry;
        } else {
          out.outcome = Outcome::Rejected;
        }
      }
    }
  }
  if (PQexitPipelineMode(c) != 1) return lost(nullptr);
  if (failed) {
    out.unmatched.clear();
    return out;
  }
  out.outcome = Outcome::Committed;
  return out;
}

Result<std::unique_ptr<SqlJournal>> openPgsqlJournal(const config::LeaseDatabase& db,
                                                     std::unique_ptr<PgConnection> conn) {
  auto session = PgsqlSession::open(std::move(conn));
  if (!session) return session.error();
  SqlJournal::Options o;
  o.maxReconnectTries = db.maxReconnectTries;
  o.reconnectWaitTime = db.reconnectWaitTime;
  o.retryForever = db.onFail == config::DbOnFail::ServeRetryContinue;
  return SqlJournal::open(o, std::move(*session), [db]() -> Result<std::unique_ptr<SqlSession>> {
    auto c = PgConnection::open(db);
    if (!c) return c.error();
    auto s = PgsqlSession::open(std::move(*c));
    if (!s) return s.error();
    return std::unique_ptr<SqlSession>(std::move(*s));
  });
}

}  // namespace tandem::pgsql
