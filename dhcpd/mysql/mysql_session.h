#pragma once
// The MySQL/MariaDB side of the SQL lease journal (dhcpd/lease/sql_journal.h): one MariaDB
// Connector/C connection, Kea 2.2's lease4 table. A batch is one multi-statement text
// (START TRANSACTION; the writes; COMMIT) sent with one mysql_real_query: one round trip and
// one transaction (one redo-log flush) per batch, however many clients it holds. The
// statements come from MysqlLeaseRow (hex literals, no quoting). Kea's lease4 triggers keep
// lease4_stat right for these rows.
//
// The connection is blocking, used only by the journal's writer thread: the packet path never
// waits on it (it waits for durableSeq, like the memfile and PostgreSQL journals).
#include <memory>

#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/lease/sql_journal.h"
#include "dhcpd/mysql/my_connection.h"

namespace tandem::mysql {

class MysqlSession final : public SqlSession {
 public:
  explicit MysqlSession(std::unique_ptr<MyConnection> conn) : conn_(std::move(conn)) {}
  BatchResult write(const std::vector<SqlWrite>& batch) override;
  Result<std::optional<Lease>> get(Ipv4 address) override;

 private:
  std::unique_ptr<MyConnection> conn_;
};

// The journal on `conn`, reconnecting with the parameters of `db` (on-fail, reconnect-*).
std::unique_ptr<SqlJournal> openMysqlJournal(const config::LeaseDatabase& db, std::unique_ptr<MyConnection> conn);

}  // namespace tandem::mysql
