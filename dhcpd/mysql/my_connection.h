#pragma once
// A MariaDB Connector/C connection for the MySQL lease backend (adapter: the only code besides
// the journal that talks to the database). Blocking calls: used at start-up and on the
// journal's own thread; never on the packet path.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <mysql.h>

#include "dhcpd/common/result.h"
#include "dhcpd/config/dhcp4_config.h"

namespace tandem::mysql {

// "host=... port=... name=... user=..." for log lines; the password is never shown.
std::string describeConnection(const config::LeaseDatabase& db);

// Owns a MYSQL_RES.
struct MyResultDeleter {
  void operator()(MYSQL_RES* r) const noexcept { mysql_free_result(r); }
};
using MyResult = std::unique_ptr<MYSQL_RES, MyResultDeleter>;

// A failed statement: the server's (or the client library's) error number and message.
struct MyError {
  unsigned code = 0;
  std::string message;
  // The connection is gone or unusable (client errors CR_*, the server shutting down or the
  // session killed): the statement's outcome is unknown, reconnect and send it again.
  bool connectionLost() const noexcept;
  // InnoDB rolled the transaction back (deadlock) or a lock wait timed out: retry it whole.
  bool retryTransaction() const noexcept;
  bool duplicateKey() const noexcept;  // ER_DUP_ENTRY: the primary key refused an INSERT
};

class MyConnection {
 public:
  // Connects as Kea 2.2's MySqlConnection does (host default "localhost", port when set,
  // connect-timeout, TLS from trust-anchor/cert-file/key-file/cipher-list, CLIENT_FOUND_ROWS,
  // sql_mode STRICT_ALL_TABLES, no automatic reconnection), with READ COMMITTED isolation (see
  // mysql_journal.h for why).
  static Result<std::unique_ptr<MyConnection>> open(const config::LeaseDatabase& db);
  ~MyConnection();
  MyConnection(const MyConnection&) = delete;
  MyConnection& operator=(const MyConnection&) = delete;

  MYSQL* raw() const noexcept { return conn_; }

  // Runs one statement; nullopt on success. affectedRows() then has its count (matched rows
  // for an UPDATE: CLIENT_FOUND_ROWS).
  std::optional<MyError> execute(const std::string& sql);
  std::uint64_t affectedRows() const noexcept { return mysql_affected_rows(conn_); }
  // Runs a SELECT and returns its whole result.
  Result<MyResult> query(const std::string& sql);

  // Lets this session take several statements in one query (MYSQL_OPTION_MULTI_STATEMENTS_ON;
  // the lease journal's batches). Off by default: only the journal's literal-built statements
  // are ever sent this way.
  std::optional<MyError> allowMultiStatements();
  // A statement of a multi-statement query that failed: the server ran none after it.
  struct MultiFailure {
    std::size_t index = 0;  // 0-based, in the order of the query's statements
    MyError error;
  };
  // Sends statements separated by ';' in one round trip and reads every outcome in order:
  // onResult(index, affected rows) for each statement that succeeded. The server stops at the
  // first failing statement (the rest never ran); that one is returned. A result set (none of
  // the journal's statements has one) is read and dropped.
  template <class OnResult>
  std::optional<MultiFailure> executeMulti(const std::string& sql, OnResult&& onResult) {
    std::size_t index = 0;
    if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) return failureAt(index);
    for (;;) {
      if (mysql_field_count(conn_) > 0) {
        if (MYSQL_RES* r = mysql_store_result(conn_)) mysql_free_result(r);
      }
      onResult(index, static_cast<std::uint64_t>(mysql_affected_rows(conn_)));
      const int next = mysql_next_result(conn_);
      if (next < 0) return std::nullopt;  // no more results
      ++index;
      if (next > 0) return failureAt(index);
    }
  }

  // Kea 2.2's schema check (MySqlConnection::getVersion against MYSQL_SCHEMA_VERSION_*): an
  // error naming both versions when the database holds another.
  Result<void> checkSchemaVersion(std::uint32_t major, std::uint32_t minor);

 private:
  explicit MyConnection(MYSQL* c) : conn_(c) {}
  MultiFailure failureAt(std::size_t index) const { return {index, MyError{mysql_errno(conn_), mysql_error(conn_)}}; }
  MYSQL* conn_;
};

}  // namespace tandem::mysql
