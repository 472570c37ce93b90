#pragma once
// A lease as a row of Kea 2.2's MySQL `lease4` table (schema 14.0, created by `kea-admin
// db-init mysql`), both ways, and the SQL statements that write it. Pure: no client library
// here; the adapter in dhcpd/mysql sends these statements over the text protocol.
//
// Columns (Kea's MySqlLease4Exchange, in table order: SqlLease4Columns): address INT UNSIGNED
// (the IPv4 address as a number), hwaddr VARBINARY(20), client_id VARBINARY(128),
// valid_lifetime INT UNSIGNED, expire TIMESTAMP, subnet_id INT UNSIGNED, fqdn_fwd BOOL,
// fqdn_rev BOOL, hostname VARCHAR(255), state INT UNSIGNED (0 default, 1 declined, 2
// expired-reclaimed; a foreign key to lease_state), user_context TEXT. Kea 2.2's lease4 has no
// pool_id column (it came later).
//
// Every value is a SQL literal built here: numbers, X'..' hex literals for the binary columns
// and for hostname/user_context too (binary-safe, independent of the connection's character
// set, nothing to escape), FROM_UNIXTIME(n) for expire (the stored instant does not depend on
// the session's time zone; Kea writes local time into the same TIMESTAMP, which the server
// converts with the same zone).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dhcpd/common/result.h"
#include "dhcpd/lease/lease.h"
#include "dhcpd/lease/lease_journal.h"
#include "dhcpd/lease/sql_lease4_columns.h"

namespace tandem {

// Kea 2.2's MySQL schema version (schema_version: version, minor), MYSQL_SCHEMA_VERSION_*.
inline constexpr std::uint32_t kMysqlSchemaMajor = 14;
inline constexpr std::uint32_t kMysqlSchemaMinor = 0;

struct MysqlLeaseRow : SqlLease4Columns {
  // SQL literals, one per column, ready to be placed in a statement.
  std::array<std::string, kColumns> literals;
  std::uint32_t address = 0;

  // Kea's encoding (MySqlLease4Exchange::createBindForSend): no hardware address, no
  // client-id and no user context are NULL; the hostname is always a string (maybe empty).
  // Fails for an expiry Kea could not store either (past 2038-01-19).
  static Result<MysqlLeaseRow> fromLease(const Lease& lease);
};

// The statements (text protocol) for one write.
// Unguarded: INSERT ... ON DUPLICATE KEY UPDATE (the row is new or replaced; Kea's triggers
// keep lease4_stat right either way).
std::string mysqlUpsertSql(const MysqlLeaseRow& row);
// Guarded, step 1: UPDATE ... WHERE address = A AND <guard on the row the database holds>.
// One matched row (the connection counts matched rows: CLIENT_FOUND_ROWS) = the write won.
std::string mysqlGuardedUpdateSql(const MysqlLeaseRow& row, WriteGuard guard);
// Guarded, step 2, sent right after step 1 in the same multi-statement query:
//   INSERT INTO lease4 (...) SELECT <values> FROM DUAL WHERE ROW_COUNT() = 0
// ROW_COUNT() is the UPDATE's count (matched rows: CLIENT_FOUND_ROWS), so the INSERT adds the
// row only when the UPDATE matched none; then the primary key refuses it (ER_DUP_ENTRY) when
// a row the guard kept exists: the write lost. One matched UPDATE or one inserted row: won.
// Unlike INSERT IGNORE, every other error (strict mode's data errors) still refuses it.
std::string mysqlInsertUnmatchedSql(const MysqlLeaseRow& row);
// DELETE ... WHERE address = A [AND <guard>]; for a delete only kAddress, kHwAddr and kClientId
// of `row` are used.
std::string mysqlDeleteSql(const MysqlLeaseRow& row, WriteGuard guard);

// The SELECT list that produces a row parseMysqlLease() reads (expire as epoch seconds).
inline constexpr std::string_view kMysqlLease4Columns =
    "address, hwaddr, client_id, valid_lifetime, UNIX_TIMESTAMP(expire), subnet_id, fqdn_fwd, fqdn_rev, "
    "hostname, state, user_context";

// One result row of the text protocol (binary columns as raw bytes); nullopt = SQL NULL.
using MysqlTextRow = std::array<std::optional<std::string_view>, MysqlLeaseRow::kColumns>;
Result<Lease> parseMysqlLease(const MysqlTextRow& row);

// X'0aff' (X'' for no bytes).
std::string mysqlHexLiteral(std::string_view bytes);

}  // namespace tandem
