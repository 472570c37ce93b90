#pragma once
// Start-up load of Kea 2.2's lease4 table into the in-memory store, so the engine keeps
// deciding against memory (the packet path never waits on the database).
#include "dhcpd/lease/lease_journal.h"
#include "dhcpd/lease/lease_store.h"
#include "dhcpd/lease/pgsql_lease_row.h"
#include "dhcpd/pgsql/pg_connection.h"

namespace tandem::pgsql {

class PgsqlLeaseLoader {
 public:
  // Pages through lease4 by address (bounded memory for millions of rows) into `store`,
  // which is cleared first. Rows Kea could not read either are reported and skipped.
  static Result<LoadReport> load(PgConnection& conn, LeaseStore& store, std::size_t pageSize = 10000);
  // One lease by address (nullopt: no row); lease commands and conflict refreshes.
  static Result<std::optional<Lease>> get(PgConnection& conn, Ipv4 address);
  // Row i of a result selecting kPgsqlLease4Columns, for parsePgsqlLease().
  static PgsqlTextRow rowAt(const PGresult* r, int i);
};

}  // namespace tandem::pgsql
