#pragma once
// Kea 2.2's PostgreSQL configuration backend tables (what libdhcp_pgsql_cb.so reads): the
// connection half of config::SqlCbReader, libpq on a connection of its own. Rows in libpq's
// text format, as config::CbRow expects them.
#include <memory>

#include "dhcpd/config/sql_cb_reader.h"
#include "dhcpd/pgsql/pg_connection.h"

namespace tandem::pgsql {

class PgsqlCbReader final : public config::SqlCbReader {
 public:
  // Connects (bounded by connect-timeout) and checks Kea's schema_version.
  static Result<std::unique_ptr<PgsqlCbReader>> open(const config::LeaseDatabase& db);

  const config::LeaseDatabase& database() const noexcept override { return db_; }
  bool ensureConnected(std::string* error) override;
  bool connected() const override { return conn_->ok(); }

 private:
  PgsqlCbReader(config::LeaseDatabase db, std::unique_ptr<PgConnection> conn);
  Result<void> execute(std::string_view sql) override;
  Result<std::vector<config::CbRow>> select(const std::string& sql) override;

  config::LeaseDatabase db_;
  std::unique_ptr<PgConnection> conn_;
};

}  // namespace tandem::pgsql
