#include "dhcpd/mysql/my_connection.h"

#include <sys/stat.h>

#include <errmsg.h>
#include <mysqld_error.h>

#include <fmt/format.h>

namespace tandem::mysql {

std::string describeConnection(const config::LeaseDatabase& db) {
  return fmt::format("host={} port={} name={} user={}", db.host.empty() ? "localhost" : db.host,
                     db.port ? std::to_string(db.port) : std::string("default"), db.name,
                     db.user.empty() ? std::string("(default)") : db.user);
}

bool MyError::connectionLost() const noexcept {
  // 2000..2999: the client library's own errors (CR_SERVER_GONE_ERROR, CR_SERVER_LOST,
  // CR_CONNECTION_ERROR...): nothing came back from the server.
  if (code >= CR_MIN_ERROR && code <= CR_MAX_ERROR) return true;
  switch (code) {
    case ER_SERVER_SHUTDOWN:
    case ER_CONNECTION_KILLED:
    case ER_QUERY_INTERRUPTED:
    case ER_NEW_ABORTING_CONNECTION:
    case ER_ABORTING_CONNECTION:
    case ER_NET_READ_ERROR:
    case ER_NET_READ_INTERRUPTED:
    case ER_NET_ERROR_ON_WRITE:
    case ER_NET_WRITE_INTERRUPTED:
    case ER_CON_COUNT_ERROR:
    case ER_OUT_OF_RESOURCES: return true;
    default: return false;
  }
}

bool MyError::retryTransaction() const noexcept { return code == ER_LOCK_DEADLOCK || code == ER_LOCK_WAIT_TIMEOUT; }

bool MyError::duplicateKey() const noexcept { return code == ER_DUP_ENTRY; }

Result<std::unique_ptr<MyConnection>> MyConnection::open(const config::LeaseDatabase& db) {
  MYSQL* c = mysql_init(nullptr);
  if (!c) return makeError("cannot allocate a MySQL connection");
  auto fail = [&](const std::string& what) {
    std::string msg = what.empty() ? std::string(mysql_error(c)) : what;
    mysql_close(c);
    return makeError(msg);
  };
  const unsigned timeout = db.connectTimeout;
  mysql_options(c, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  // Kea sets no automatic reconnection: a lost connection must be noticed (the session's
  // settings and the open transaction would be gone silently).
  my_bool no = 0;
  mysql_options(c, MYSQL_OPT_RECONNECT, &no);
  // Kea's MySqlConnection: the strictest sql_mode, so invalid data is refused, not truncated.
  mysql_options(c, MYSQL_INIT_COMMAND, "SET SESSION sql_mode = 'STRICT_ALL_TABLES'");
  // Kea 2.2's TLS keys: trust-anchor is a CA file or a directory of them.
  if (!db.trustAnchor.empty() || !db.certFile.empty() || !db.keyFile.empty() || !db.cipherList.empty()) {
    if (!db.keyFile.empty()) mysql_options(c, MYSQL_OPT_SSL_KEY, db.keyFile.c_str());
    if (!db.certFile.empty()) mysql_options(c, MYSQL_OPT_SSL_CERT, db.certFile.c_str());
    if (!db.trustAnchor.empty()) {
      struct stat st {};
      const bool dir = ::stat(db.trustAnchor.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
      mysql_options(c, dir ? MYSQL_OPT_SSL_CAPATH : MYSQL_OPT_SSL_CA, db.trustAnchor.c_str());
    }
    if (!db.cipherList.empty()) mysql_options(c, MYSQL_OPT_SSL_CIPHER, db.cipherList.c_str());
    // TLS asked for is TLS required: never fall back to a clear-text session.
    my_bool yes = 1;
    mysql_options(c, MYSQL_OPT_SSL_ENFORCE, &yes);
  }
  const std::string host = db.host.empty() ? "localhost" : db.host;
  // CLIENT_FOUND_ROWS (as Kea): an UPDATE reports the rows it matched, not only those it
  // changed, so a guarded write that rewrites identical values still counts as won.
  if (!mysql_real_connect(c, host.c_str(), db.user.empty() ? nullptr : db.user.c_str(),
                          db.password.empty() ? nullptr : db.password.c_str(), db.name.c_str(), db.port, nullptr,
                          CLIENT_FOUND_ROWS)) {
    return fail("");
  }
  std::unique_ptr<MyConnection> conn(new MyConnection(c));
  // READ COMMITTED: see MysqlJournal (no gap locks, so two servers inserting the same free
  // address do not deadlock; the second INSERT waits for the first and fails on the key).
  if (auto e = conn->execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")) {
    return makeError("setting the isolation level: " + e->message);
  }
  return conn;
}

MyConnection::~MyConnection() {
  if (conn_) mysql_close(conn_);
}

std::optional<MyError> MyConnection::execute(const std::string& sql) {
  if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) {
    return MyError{mysql_errno(conn_), mysql_error(conn_)};
  }
  // A statement with a result set (none of the journal's) must have it read before the next
  // one; a statement without one keeps its affected-rows count untouched.
  if (mysql_field_count(conn_) > 0) {
    if (MYSQL_RES* r = mysql_store_result(conn_)) mysql_free_result(r);
  }
  return std::nullopt;
}

std::optional<MyError> MyConnection::allowMultiStatements() {
  if (mysql_set_server_option(conn_, MYSQL_OPTION_MULTI_STATEMENTS_ON) != 0) {
    return MyError{mysql_errno(conn_), mysql_error(conn_)};
  }
  return std::nullopt;
}

Result<MyResult> MyConnection::query(const std::string& sql) {
  if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) return makeError(mysql_error(conn_));
  MyResult r(mysql_store_result(conn_));
  if (!r) return makeError(mysql_errno(conn_) ? mysql_error(conn_) : "the statement returned no rows");
  return r;
}

Result<void> MyConnection::checkSchemaVersion(std::uint32_t major, std::uint32_t minor) {
  auto r = query("SELECT version, minor FROM schema_version");
  if (!r) {
    return makeError("cannot read schema_version (create the schema with `kea-admin db-init mysql`): " +
                     r.error().message);
  }
  if (mysql_num_rows(r->get()) != 1) {
    return makeError(fmt::format("schema_version holds {} rows, expected 1", mysql_num_rows(r->get())));
  }
  MYSQL_ROW row = mysql_fetch_row(r->get());
  const std::string found = fmt::format("{}.{}", row[0] ? row[0] : "NULL", row[1] ? row[1] : "NULL");
  const std::string expected = fmt::format("{}.{}", major, minor);
  if (found != expected) {
    return makeError(
        fmt::format("MySQL schema version mismatch: expected version: {}, found version: {} "
                    "(tandemd uses Kea 2.2's schema; `kea-admin db-upgrade` or db-init with Kea 2.2)",
                    expected, found));
  }
  return {};
}

}  // namespace tandem::mysql
