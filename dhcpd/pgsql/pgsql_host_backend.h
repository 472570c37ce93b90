#pragma once
// Kea 2.2's PostgreSQL hosts schema (`hosts`, `dhcp4_options` of scope "host") as a hosts
// database backend (config::HostDatabaseBackend; the refresh thread, diff and write queue
// around it are dhcpd/daemon/host_source.h). Adapter: libpq, one connection, used only on
// the source's thread.
#include <memory>

#include "dhcpd/config/host_database_backend.h"
#include "dhcpd/pgsql/pg_connection.h"

namespace tandem::pgsql {

class PgsqlHostBackend final : public config::HostDatabaseBackend {
 public:
  // Connects (bounded by connect-timeout) and checks Kea's schema_version, as the lease backend.
  static Result<std::unique_ptr<config::HostDatabaseBackend>> open(const config::LeaseDatabase& db);

  const char* product() const noexcept override { return "PostgreSQL"; }
  Result<std::vector<config::HostRow>> readHosts() override;
  Result<std::int64_t> insertHost(const config::HostRow& row) override;
  Result<std::vector<std::string>> deleteHosts(const config::HostRowSelector& selector) override;
  bool ensureConnected() override;
  bool connected() const override { return conn_->ok(); }
  std::string lastMessage() const override { return conn_->lastMessage(); }

 private:
  explicit PgsqlHostBackend(std::unique_ptr<PgConnection> conn) : conn_(std::move(conn)) {}
  std::unique_ptr<PgConnection> conn_;
};

}  // namespace tandem::pgsql
