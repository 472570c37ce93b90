#include "dhcpd/mysql/my_connection.h"

#include <sys/stat.h>

#include <errmsg.h>
#include <mysqld_error.h>

#include <fmt/format.h>

namespace tandem::mysql {
namespace {

bool isDirectory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

const char* orNull(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

}  // namespace

std::string describeConnection(const config::LeaseDatabase& db) {
  return fmt::format("host={} port={} name={} user={}{}", db.host.empty() ? "localhost" : db.host,
                     db.port ? std::to_string(db.port) : std::string("default"), db.name,
                     db.user.empty() ? std::string("(default)") : db.user, db.tls() ? " tls=yes" : "");
}

std::vector<std::string> sessionInitCommands() {
  return {
      // Kea's MySqlConnection::openDatabase: a long idle window, strict data checks (a value
      // that does not fit its column is an error, not a silent truncation).
      "SET SESSION wait_timeout = 30 * 86400",
      "SET SESSION sql_mode = 'STRICT_ALL_TABLES'",
      // tandemd's own: expire is written with FROM_UNIXTIME and read with UNIX_TIMESTAMP, exact
      // in UTC (no daylight-saving gap or overlap in the conversion).
      "SET SESSION time_zone = '+00:00'",
      // No gap locks: a conditional UPDATE that finds no row does not lock the gap, so two
      // servers inserting nearby addresses do not deadlock; the unique key still decides.
      "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
  };
}

bool isConnectionError(unsigned int e) noexcept {
  return (e >= CR_MIN_ERROR && e <= CR_MAX_ERROR) || e == ER_SERVER_SHUTDOWN || e == ER_CONNECTION_KILLED ||
         e == ER_QUERY_INTERRUPTED || e == ER_NEW_ABORTING_CONNECTION || e == ER_ABORTING_CONNECTION;
}

bool isTransientError(unsigned int e) noexcept { return e == ER_LOCK_DEADLOCK || e == ER_LOCK_WAIT_TIMEOUT; }

Result<std::unique_ptr<MyConnection>> MyConnection::open(const config::LeaseDatabase& db) {
  MYSQL* c = mysql_init(nullptr);
  if (!c) return makeError("cannot allocate a MySQL connection");
  std::unique_ptr<MyConnection> conn(new MyConnection(c));
  // Kea turns the client's own reconnect off: a silent reconnect would lose the session
  // settings and a transaction's state; the journal reconnects itself.
  my_bool reconnect = 0;
  mysql_optionsv(c, MYSQL_OPT_RECONNECT, &reconnect);
  for (const auto& cmd : sessionInitCommands()) mysql_optionsv(c, MYSQL_INIT_COMMAND, cmd.c_str());
  unsigned int timeout = db.connectTimeout;
  mysql_optionsv(c, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_optionsv(c, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (db.tls()) {
    // Kea: a trust-anchor that is a directory is the CA path, otherwise the CA file.
    const bool dir = !db.trustAnchor.empty() && isDirectory(db.trustAnchor);
    mysql_ssl_set(c, orNull(db.keyFile), orNull(db.certFile), dir ? nullptr : orNull(db.trustAnchor),
                  dir ? db.trustAnchor.c_str() : nullptr, orNull(db.cipherList));
  }
  const std::string host = db.host.empty() ? "localhost" : db.host;
  // CLIENT_MULTI_STATEMENTS: a batch of writes is one round trip. Not CLIENT_FOUND_ROWS (which
  // Kea sets): the INSERT of a conditional write must report 0 rows when the row is there.
  if (!mysql_real_connect(c, host.c_str(), orNull(db.user), db.password.empty() ? nullptr : db.password.c_str(),
                          db.name.c_str(), db.port, nullptr, CLIENT_MULTI_STATEMENTS)) {
    return makeError(conn->lastMessage());
  }
  if (mysql_autocommit(c, 1) != 0) return makeError(conn->lastMessage());
  return conn;
}

MyConnection::~MyConnection() {
  if (conn_) mysql_close(conn_);
}

std::string MyConnection::lastMessage() const {
  std::string m = mysql_error(conn_);
  for (char& ch : m) {
    if (ch == '\n') ch = ' ';
  }
  return m;
}

Result<MyResult> MyConnection::query(const std::string& sql) {
  if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) return makeError(lastMessage());
  MyResult r(mysql_store_result(conn_));
  if (!r && mysql_field_count(conn_) != 0) return makeError(lastMessage());
  // Anything after the first result (a multi-statement text) is read and dropped.
  while (mysql_more_results(conn_)) {
    const int next = mysql_next_result(conn_);
    if (next > 0) return makeError(lastMessage());
    if (next < 0) break;
    MyResult extra(mysql_store_result(conn_));
  }
  return r;
}

Result<void> MyConnection::checkSchemaVersion(std::uint32_t major, std::uint32_t minor) {
  auto r = query("SELECT version, minor FROM schema_version");
  if (!r) {
    return makeError("cannot read schema_version (create the schema with `kea-admin db-init mysql`): " +
                     r.error().message);
  }
  const auto rows = *r ? mysql_num_rows(r->get()) : 0;
  if (rows != 1) return makeError(fmt::format("schema_version holds {} rows, expected 1", rows));
  MYSQL_ROW row = mysql_fetch_row(r->get());
  const std::string found = fmt::format("{}.{}", row[0] ? row[0] : "NULL", row[1] ? row[1] : "NULL");
  const std::string expected = fmt::format("{}.{}", major, minor);
  if (found != expected) {
    // Kea's message (MySqlConnection::ensureSchemaVersion), and what to do about it.
    return makeError(fmt::format("MySQL schema version mismatch: expected version: {}, found version: {} "
                                 "(tandemd uses Kea 2.2's schema; `kea-admin db-upgrade` or db-init with Kea 2.2)",
                                 expected, found));
  }
  return {};
}

}  // namespace tandem::mysql
