#pragma once
// Kea 2.2's MySQL configuration backend tables (what libdhcp_mysql_cb.so reads): adapter,
// MariaDB Connector/C on a connection of its own. The SELECTs give the columns in the text
// forms config::CbRow expects (PostgreSQL's): addresses (INT UNSIGNED) through INET_NTOA, the
// binary option value as "\x" + hex, and the 4o6 columns under the PostgreSQL names.
#include <memory>

#include "dhcpd/config/cb_reader.h"
#include "dhcpd/mysql/my_connection.h"

namespace tandem::mysql {

class MysqlCbReader final : public config::CbReader {
 public:
  // Connects (bounded by connect-timeout) and checks Kea's schema_version.
  static Result<std::unique_ptr<MysqlCbReader>> open(const config::LeaseDatabase& db);

  const config::LeaseDatabase& database() const noexcept override { return db_; }
  Result<std::string> auditStamp() override;
  Result<config::CbSnapshot> readTables(std::string* stamp) override;
  bool ensureConnected(std::string* error) override;
  bool connected() const override { return ok_; }

 private:
  MysqlCbReader(config::LeaseDatabase db, std::unique_ptr<MyConnection> conn)
      : db_(std::move(db)), conn_(std::move(conn)) {}
  Result<std::vector<config::CbRow>> rows(const std::string& sql, const char* table);
  config::LeaseDatabase db_;
  std::unique_ptr<MyConnection> conn_;
  bool ok_ = true;  // false after a statement failed with a lost connection
};

}  // namespace tandem::mysql
