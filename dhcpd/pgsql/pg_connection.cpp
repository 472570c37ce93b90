#include "dhcpd/pgsql/pg_connection.h"

#include <fmt/format.h>

namespace tandem::pgsql {
namespace {

std::string trimmed(const char* s) {
  std::string out = s ? s : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  // Multi-line server messages (DETAIL, HINT) become one log line.
  for (char& c : out) {
    if (c == '\n') c = ' ';
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> connectionParameters(const config::LeaseDatabase& db) {
  std::vector<std::pair<std::string, std::string>> p;
  p.emplace_back("host", db.host.empty() ? "localhost" : db.host);
  if (db.port) p.emplace_back("port", std::to_string(db.port));
  if (!db.user.empty()) p.emplace_back("user", db.user);
  if (!db.password.empty()) p.emplace_back("password", db.password);
  p.emplace_back("dbname", db.name);
  p.emplace_back("connect_timeout", std::to_string(db.connectTimeout));
  p.emplace_back("application_name", "tandemd");
  return p;
}

std::string describeConnection(const config::LeaseDatabase& db) {
  return fmt::format("host={} port={} name={} user={}", db.host.empty() ? "localhost" : db.host,
                     db.port ? std::to_string(db.port) : std::string("default"), db.name,
                     db.user.empty() ? std::string("(default)") : db.user);
}

std::string resultMessage(const PGresult* r, PGconn* c) {
  if (r) {
    const char* m = PQresultErrorMessage(r);
    if (m && *m) return trimmed(m);
  }
  return trimmed(PQerrorMessage(c));
}

Result<std::unique_ptr<PgConnection>> PgConnection::open(const config::LeaseDatabase& db) {
  const auto params = connectionParameters(db);
  std::vector<const char*> keys, values;
  for (const auto& [k, v] : params) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* c = PQconnectdbParams(keys.data(), values.data(), 0);
  if (!c) return makeError("cannot allocate a PostgreSQL connection");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = trimmed(PQerrorMessage(c));
    PQfinish(c);
    return makeError(msg);
  }
  std::unique_ptr<PgConnection> conn(new PgConnection(c));
  // Leases are stored with to_timestamp() (absolute); the session zone only matters for
  // text output, which tandemd never reads (expire comes back as epoch seconds).
  if (auto r = conn->exec("SET client_min_messages = warning"); !r) return r.error();
  return conn;
}

PgConnection::~PgConnection() {
  if (conn_) PQfinish(conn_);
}

std::string PgConnection::lastMessage() const { return trimmed(PQerrorMessage(conn_)); }

Result<PgResult> PgConnection::exec(const std::string& sql) {
  PgResult r(PQexec(conn_, sql.c_str()));
  const auto s = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) return makeError(resultMessage(r.get(), conn_));
  return r;
}

Result<PgResult> PgConnection::execParams(const std::string& sql, const std::vector<const char*>& values) {
  PgResult r(
      PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0));
  const auto s = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) return makeError(resultMessage(r.get(), conn_));
  return r;
}

Result<PgResult> PgConnection::execPrepared(const char* name, const std::vector<const char*>& values) {
  PgResult r(PQexecPrepared(conn_, name, static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0));
  const auto s = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) return makeError(resultMessage(r.get(), conn_));
  return r;
}

Result<void> PgConnection::prepare(const char* name, const std::string& sql, int nParams) {
  PgResult r(PQprepare(conn_, name, sql.c_str(), nParams, nullptr));
  if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    return makeError(fmt::format("cannot prepare {}: {}", name, resultMessage(r.get(), conn_)));
  }
  return {};
}

Result<void> PgConnection::checkSchemaVersion(std::uint32_t major, std::uint32_t minor) {
  auto r = exec("SELECT version, minor FROM schema_version");
  if (!r) {
    return makeError("cannot read schema_version (create the schema with `kea-admin db-init pgsql`): " +
                     r.error().message);
  }
  if (PQntuples(r->get()) != 1) {
    return makeError(fmt::format("schema_version holds {} rows, expected 1", PQntuples(r->get())));
  }
  const std::string found = fmt::format("{}.{}", PQgetvalue(r->get(), 0, 0), PQgetvalue(r->get(), 0, 1));
  const std::string expected = fmt::format("{}.{}", major, minor);
  if (found != expected) {
    return makeError(
        fmt::format("PostgreSQL schema version mismatch: expected version: {}, found version: {} "
                    "(tandemd uses Kea 2.2's schema; `kea-admin db-upgrade` or db-init with Kea 2.2)",
                    expected, found));
  }
  return {};
}

}  // namespace tandem::pgsql
