#pragma once
// The PostgreSQL side of the SQL lease journal (dhcpd/lease/sql_journal.h): one libpq
// connection, Kea 2.2's lease4 table. A batch is sent as prepared statements in libpq pipeline
// mode followed by one Sync: one round trip and one implicit transaction (one WAL flush) per
// batch, however many clients it holds. The lease4 triggers of Kea's schema keep lease4_stat
// (stat-lease4-get, kea-dhcp4's recount) right for these rows.
#include <memory>

#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/lease/sql_journal.h"
#include "dhcpd/pgsql/pg_connection.h"

namespace tandem::pgsql {

class PgsqlSession final : public SqlSession {
 public:
  // Prepares the statements on `conn` (connected, schema checked).
  static Result<std::unique_ptr<PgsqlSession>> open(std::unique_ptr<PgConnection> conn);
  BatchResult write(const std::vector<SqlWrite>& batch) override;
  Result<std::optional<Lease>> get(Ipv4 address) override;

 private:
  explicit PgsqlSession(std::unique_ptr<PgConnection> conn) : conn_(std::move(conn)) {}
  std::unique_ptr<PgConnection> conn_;
};

// The journal on `conn`, reconnecting with the parameters of `db` (on-fail, reconnect-*).
Result<std::unique_ptr<SqlJournal>> openPgsqlJournal(const config::LeaseDatabase& db,
                                                     std::unique_ptr<PgConnection> conn);

}  // namespace tandem::pgsql
