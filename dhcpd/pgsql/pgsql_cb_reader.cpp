#include "dhcpd/pgsql/pgsql_cb_reader.h"

#include "dhcpd/lease/pgsql_lease_row.h"

namespace tandem::pgsql {
namespace {

// bytea prints as "\x..." already; inet as "198.18.0.1" (host() drops a mask).
const config::CbSqlDialect kDialect{
    .address = "host({})",
    .bytes = "{}",
    .subnet4o6 = "n.interface_4o6, n.interface_id_4o6, n.subnet_4o6",
    .beginSnapshot = {"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"},
};

}  // namespace

PgsqlCbReader::PgsqlCbReader(config::LeaseDatabase db, std::unique_ptr<PgConnection> conn)
    : SqlCbReader(kDialect), db_(std::move(db)), conn_(std::move(conn)) {}

Result<std::unique_ptr<PgsqlCbReader>> PgsqlCbReader::open(const config::LeaseDatabase& db) {
  auto conn = PgConnection::open(db);
  if (!conn) return makeError("Unable to open database: " + conn.error().message);
  if (auto r = (*conn)->checkSchemaVersion(kPgsqlSchemaMajor, kPgsqlSchemaMinor); !r) {
    return makeError("Unable to open database: " + r.error().message);
  }
  return std::unique_ptr<PgsqlCbReader>(new PgsqlCbReader(db, std::move(*conn)));
}

Result<void> PgsqlCbReader::execute(std::string_view sql) {
  auto r = conn_->exec(std::string(sql));
  if (!r) return r.error();
  return {};
}

Result<std::vector<config::CbRow>> PgsqlCbReader::select(const std::string& sql) {
  auto res = conn_->exec(sql);
  if (!res) return res.error();
  const PGresult* r = res->get();
  const int n = PQntuples(r), cols = PQnfields(r);
  std::vector<config::CbRow> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    config::CbRow row;
    for (int c = 0; c < cols; ++c) {
      if (PQgetisnull(r, i, c)) row[PQfname(r, c)] = std::nullopt;
      else row[PQfname(r, c)] = std::string(PQgetvalue(r, i, c), static_cast<std::size_t>(PQgetlength(r, i, c)));
    }
    out.push_back(std::move(row));
  }
  return out;
}

bool PgsqlCbReader::ensureConnected(std::string* error) {
  if (conn_->ok()) return true;
  PQreset(conn_->raw());
  if (conn_->ok()) return true;
  if (error) *error = "connection lost: " + conn_->lastMessage();
  return false;
}

}  // namespace tandem::pgsql
