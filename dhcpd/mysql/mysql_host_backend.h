#pragma once
// Kea 2.2's MySQL hosts schema (`kea-admin db-init mysql`: `hosts`, `dhcp4_options` of scope
// "host") as a hosts database backend (config::HostDatabaseBackend; the refresh thread, diff
// and write queue around it are dhcpd/daemon/host_source.h, shared with PostgreSQL). Reads
// with the same SELECT and decoder as PostgreSQL (config/host_row_decoder.h), writes with the
// statements of config/mysql_host_sql.h. Adapter: MariaDB Connector/C, one connection, used
// only on the source's thread.
#include <memory>
#include <string>

#include "dhcpd/config/host_database_backend.h"
#include "dhcpd/mysql/my_connection.h"

namespace tandem::mysql {

class MysqlHostBackend final : public config::HostDatabaseBackend {
 public:
  // Connects (bounded by connect-timeout) and checks Kea's schema_version, as the lease backend.
  static Result<std::unique_ptr<config::HostDatabaseBackend>> open(const config::LeaseDatabase& db);

  const char* product() const noexcept override { return "MySQL"; }
  Result<std::vector<config::HostRow>> readHosts() override;
  Result<std::int64_t> insertHost(const config::HostRow& row) override;
  Result<std::vector<std::string>> deleteHosts(const config::HostRowSelector& selector) override;
  bool ensureConnected() override;
  bool connected() const override { return ok_; }
  std::string lastMessage() const override { return lastError_; }

 private:
  MysqlHostBackend(config::LeaseDatabase db, std::unique_ptr<MyConnection> conn)
      : db_(std::move(db)), conn_(std::move(conn)) {}
  // The error of the statement that just failed; a lost connection (MyError::connectionLost)
  // makes the next ensureConnected() open a new one (Kea sets no automatic reconnection).
  Error failed(const std::string& what);
  // Rolls back an open transaction after a failed statement.
  Error abort(const std::string& what);

  config::LeaseDatabase db_;
  std::unique_ptr<MyConnection> conn_;
  bool ok_ = true;
  std::string lastError_;
};

}  // namespace tandem::mysql
