#pragma once
// Kea 2.2's PostgreSQL configuration backend tables (what libdhcp_pgsql_cb.so reads): adapter,
// libpq on a connection of its own. Rows in libpq's text format, as config::CbRow expects them.
#include <memory>

#include "dhcpd/config/cb_reader.h"
#include "dhcpd/pgsql/pg_connection.h"

namespace tandem::pgsql {

class PgsqlCbReader final : public config::CbReader {
 public:
  // Connects (bounded by connect-timeout) and checks Kea's schema_version.
  static Result<std::unique_ptr<PgsqlCbReader>> open(const config::LeaseDatabase& db);

  const config::LeaseDatabase& database() const noexcept override { return db_; }
  Result<std::string> auditStamp() override;
  Result<config::CbSnapshot> readTables(std::string* stamp) override;
  bool ensureConnected(std::string* error) override;
  bool connected() const override { return conn_->ok(); }

 private:
  PgsqlCbReader(config::LeaseDatabase db, std::unique_ptr<PgConnection> conn)
      : db_(std::move(db)), conn_(std::move(conn)) {}
  config::LeaseDatabase db_;
  std::unique_ptr<PgConnection> conn_;
};

}  // namespace tandem::pgsql
