#pragma once
// Kea 2.2's MySQL configuration backend tables (what libdhcp_mysql_cb.so reads): the
// connection half of config::SqlCbReader, MariaDB Connector/C on a connection of its own. The
// dialect gives the columns in the text forms config::CbRow expects (PostgreSQL's):
// addresses (INT UNSIGNED) through INET_NTOA, the binary option value as "\x" + hex, and the
// 4o6 columns under the PostgreSQL names; booleans (TINYINT) print as "0"/"1".
#include <memory>

#include "dhcpd/config/sql_cb_reader.h"
#include "dhcpd/mysql/my_connection.h"

namespace tandem::mysql {

class MysqlCbReader final : public config::SqlCbReader {
 public:
  // Connects (bounded by connect-timeout) and checks Kea's schema_version.
  static Result<std::unique_ptr<MysqlCbReader>> open(const config::LeaseDatabase& db);

  const config::LeaseDatabase& database() const noexcept override { return db_; }
  bool ensureConnected(std::string* error) override;
  bool connected() const override { return ok_; }

 private:
  MysqlCbReader(config::LeaseDatabase db, std::unique_ptr<MyConnection> conn);
  Result<void> execute(std::string_view sql) override;
  Result<std::vector<config::CbRow>> select(const std::string& sql) override;
  // After a failed statement: whether the connection is still there.
  void noteFailure(const MyError& e);

  config::LeaseDatabase db_;
  std::unique_ptr<MyConnection> conn_;
  bool ok_ = true;  // false after a statement failed with a lost connection
};

}  // namespace tandem::mysql
