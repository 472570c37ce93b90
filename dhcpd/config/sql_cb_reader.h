#pragma once
// What the PostgreSQL and MySQL configuration backend readers share (dhcpd/pgsql/
// pgsql_cb_reader.h, dhcpd/mysql/mysql_cb_reader.h): the SELECTs of Kea 2.2's CB tables, one
// snapshot transaction around them, and the audit stamp. A subclass gives the connection (run
// a statement, run a SELECT into CbRows) and its SQL dialect; nothing else differs.
//
// Both schemas hold the same columns under the same names (Kea generates both from one
// model), except what the dialect rewrites so that every row reaches cb_merge in
// PostgreSQL's text forms: an address column (inet; MySQL: INT UNSIGNED), an option's binary
// value (bytea's "\x..." hex; MySQL: BLOB) and the 4o6 columns (MySQL: `4o6_interface`...).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dhcpd/config/cb_reader.h"

namespace tandem::config {

struct CbSqlDialect {
  // An IPv4 address column as dotted text, "{}" the column ("host({})", "INET_NTOA({})").
  std::string_view address;
  // A binary column as "\x" + lower-case hex ("{}" where the server prints bytea so).
  std::string_view bytes;
  // dhcp4_subnet's 4o6 columns, aliased interface_4o6, interface_id_4o6, subnet_4o6 (table n).
  std::string_view subnet4o6;
  // The statements that open one read-only transaction whose reads all see one snapshot.
  std::vector<std::string_view> beginSnapshot;
};

// The SELECTs of one fetch, in CbSnapshot's order (tests read them).
struct CbQueries {
  std::string globals, optionDefs, options, sharedNetworks, subnets, pools, clientClasses, audit;
};
CbQueries cbQueries(const CbSqlDialect& dialect);

class SqlCbReader : public CbReader {
 public:
  Result<std::string> auditStamp() override;
  Result<CbSnapshot> readTables(std::string* stamp) override;

 protected:
  explicit SqlCbReader(CbSqlDialect dialect) : dialect_(std::move(dialect)), queries_(cbQueries(dialect_)) {}
  // One statement without rows (BEGIN, COMMIT, ROLLBACK); the error text is the server's.
  virtual Result<void> execute(std::string_view sql) = 0;
  // One SELECT: every row, column name -> text (NULL: nullopt).
  virtual Result<std::vector<CbRow>> select(const std::string& sql) = 0;

 private:
  CbSqlDialect dialect_;
  CbQueries queries_;
};

}  // namespace tandem::config
