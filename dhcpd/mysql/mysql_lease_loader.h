#pragma once
// Start-up load of Kea 2.2's MySQL lease4 table into the in-memory store, so the engine keeps
// deciding against memory (the packet path never waits on the database).
#include "dhcpd/lease/lease_journal.h"
#include "dhcpd/lease/lease_store.h"
#include "dhcpd/mysql/my_connection.h"

namespace tandem::mysql {

class MysqlLeaseLoader {
 public:
  // Pages through lease4 by address (bounded memory for millions of rows) into `store`,
  // which is cleared first. Rows Kea could not read either are reported and skipped.
  static Result<LoadReport> load(MyConnection& conn, LeaseStore& store, std::size_t pageSize = 10000);
  // One lease by address (nullopt: no row); the row that won over a lost write.
  static Result<std::optional<Lease>> get(MyConnection& conn, Ipv4 address);
};

}  // namespace tandem::mysql
