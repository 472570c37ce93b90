#pragma once
// A libpq connection for the PostgreSQL lease backend (adapter: the only code besides the
// journal that talks to the database). Blocking calls: used at start-up, by lease commands
// that must read the database, and on the journal's own thread; never on the packet path.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <libpq-fe.h>

#include "dhcpd/common/result.h"
#include "dhcpd/config/dhcp4_config.h"

namespace tandem::pgsql {

// Owns a PGresult.
struct PgResultDeleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

// libpq keyword/value pairs for Kea's lease-database parameters (PgSqlConnection's
// getConnParameters: host default "localhost", port only when set, connect_timeout).
std::vector<std::pair<std::string, std::string>> connectionParameters(const config::LeaseDatabase& db);
// "host=... port=... dbname=... user=..." for log lines; the password is never shown.
std::string describeConnection(const config::LeaseDatabase& db);

class PgConnection {
 public:
  // Connects (blocking, bounded by connect-timeout). The error carries libpq's message.
  static Result<std::unique_ptr<PgConnection>> open(const config::LeaseDatabase& db);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  PGconn* raw() const noexcept { return conn_; }
  bool ok() const noexcept { return PQstatus(conn_) == CONNECTION_OK; }
  std::string lastMessage() const;

  // Runs one statement (no parameters); the result must be COMMAND_OK or TUPLES_OK.
  Result<PgResult> exec(const std::string& sql);
  // Parameterised statement in text format (nullptr value = NULL).
  Result<PgResult> execParams(const std::string& sql, const std::vector<const char*>& values);
  Result<void> prepare(const char* name, const std::string& sql, int nParams);
  // A statement prepare() made, with text parameters (nullptr value = NULL).
  Result<PgResult> execPrepared(const char* name, const std::vector<const char*>& values);

  // Kea 2.2's schema check (PgSqlConnection::getVersion against PGSQL_SCHEMA_VERSION_*):
  // an error naming the version found when it is not the one tandemd writes.
  Result<void> checkSchemaVersion(std::uint32_t major, std::uint32_t minor);

 private:
  explicit PgConnection(PGconn* c) : conn_(c) {}
  PGconn* conn_;
};

// Error text of a failed result (one line, libpq's trailing newline removed).
std::string resultMessage(const PGresult* r, PGconn* c);

}  // namespace tandem::pgsql
