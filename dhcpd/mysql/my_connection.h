#pragma once
// A MariaDB Connector/C connection for the MySQL/MariaDB lease backend (adapter: the only code
// besides the session that talks to the database). Blocking calls: used at start-up, by the
// journal's own thread and its reconnection; never on the packet path, which decides against
// the in-memory store and only waits for the journal's durableSeq.
#include <memory>
#include <string>
#include <vector>

#include <mysql.h>

#include "dhcpd/common/result.h"
#include "dhcpd/config/dhcp4_config.h"

namespace tandem::mysql {

struct MyResultDeleter {
  void operator()(MYSQL_RES* r) const noexcept { mysql_free_result(r); }
};
using MyResult = std::unique_ptr<MYSQL_RES, MyResultDeleter>;

// "host=... port=... name=... user=..." for log lines; the password is never shown.
std::string describeConnection(const config::LeaseDatabase& db);

// What Kea's MySqlConnection::openDatabase sets, and tandemd's own session settings, as the
// statements the connection runs first (MYSQL_INIT_COMMAND, also after a reconnect).
std::vector<std::string> sessionInitCommands();

// An error number that means the connection is gone (client errors 2000..2999, the server
// shutting down or killing the connection), not that a statement was wrong.
bool isConnectionError(unsigned int errnum) noexcept;
// InnoDB aborted the transaction (deadlock, lock wait timeout): sending it again is right.
bool isTransientError(unsigned int errnum) noexcept;

class MyConnection {
 public:
  // Connects (blocking, bounded by connect-timeout); TLS when any TLS parameter is set.
  static Result<std::unique_ptr<MyConnection>> open(const config::LeaseDatabase& db);
  ~MyConnection();
  MyConnection(const MyConnection&) = delete;
  MyConnection& operator=(const MyConnection&) = delete;

  MYSQL* raw() const noexcept { return conn_; }
  std::string lastMessage() const;
  unsigned int lastErrno() const noexcept { return mysql_errno(conn_); }

  // Runs one statement; the result set, if it has one (nullptr otherwise).
  Result<MyResult> query(const std::string& sql);

  // Kea 2.2's schema check (MySqlConnection::getVersion against MYSQL_SCHEMA_VERSION_*).
  Result<void> checkSchemaVersion(std::uint32_t major, std::uint32_t minor);

 private:
  explicit MyConnection(MYSQL* c) : conn_(c) {}
  MYSQL* conn_;
};

}  // namespace tandem::mysql
