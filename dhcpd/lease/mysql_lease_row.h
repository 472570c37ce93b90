#pragma once
// A lease as a row of Kea 2.2's MySQL `lease4` table (schema 14.0, created by `kea-admin
// db-init mysql`), both ways. Pure: no client library here; the adapter in dhcpd/mysql sends
// the statements built here over the text protocol and hands back the raw result columns.
//
// Columns (Kea's MySqlLease4Exchange, in table order): address INT UNSIGNED, hwaddr
// VARBINARY(20), client_id VARBINARY(128), valid_lifetime INT UNSIGNED, expire TIMESTAMP,
// subnet_id INT UNSIGNED, fqdn_fwd BOOL, fqdn_rev BOOL, hostname VARCHAR(255), state INT
// UNSIGNED (0 default, 1 declined, 2 expired-reclaimed), user_context TEXT.
//
// Values are SQL literals: numbers in decimal, byte strings as hex literals (X'0a1b', never
// quoted text, so no value can end a string or change the statement), expire as
// FROM_UNIXTIME(epoch) (the session runs with time_zone '+00:00', so the stored instant does
// not depend on the server's zone; Kea's local-time MYSQL_TIME in the SYSTEM zone stores the
// same instant).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dhcpd/common/result.h"
#include "dhcpd/lease/lease.h"
#include "dhcpd/lease/lease_journal.h"
#include "dhcpd/lease/sql_limits.h"

namespace tandem {

// Kea 2.2's MySQL schema version (schema_version table: version, minor): MYSQL_SCHEMA_VERSION_*.
inline constexpr std::uint32_t kMysqlSchemaMajor = 14;
inline constexpr std::uint32_t kMysqlSchemaMinor = 0;
// Column widths of Kea's schema.
inline constexpr std::size_t kMysqlHwAddrMax = 20;
inline constexpr std::size_t kMysqlClientIdMax = 128;
inline constexpr std::size_t kMysqlHostnameMax = 255;

struct MysqlLeaseRow {
  static constexpr std::size_t kColumns = 11;
  enum Column : std::size_t {
    kAddress, kHwAddr, kClientId, kValidLifetime, kExpire, kSubnetId, kFqdnFwd, kFqdnRev, kHostname, kState,
    kUserContext
  };
  std::array<std::string, kColumns> literals;

  // Kea's encoding: no hwaddr, client-id or user context is NULL; an infinite lifetime is
  // stored with expire = cltt. Fails for a value Kea could not store either (an expiry past
  // 2038-01-19, identifiers or a hostname longer than the columns).
  static Result<MysqlLeaseRow> fromLease(const Lease& lease);

  // The statements of one write of this row, in order. Unguarded: one INSERT ... ON
  // DUPLICATE KEY UPDATE (Kea's insert or update, whichever applies). Guarded: an UPDATE that
  // changes the row only where `guard` lets it ("Rows matched: 1"), then an INSERT that adds
  // the row only where the address has none (1 affected row; a row already there is left as
  // is, 0). The write won when either did; both run in one transaction, the database's row
  // locks deciding between servers that write the same address at once.
  std::vector<std::string> upsertStatements(WriteGuard guard) const;
  // "DELETE ...": 1 affected row when the guard let it delete the row.
  std::string deleteStatement(WriteGuard guard) const;
};

// The SELECT list that produces a row parseMysqlLease() reads (expire as epoch seconds).
inline constexpr std::string_view kMysqlLease4Columns =
    "address, hwaddr, client_id, valid_lifetime, UNIX_TIMESTAMP(expire), subnet_id, fqdn_fwd, fqdn_rev, hostname, "
    "state, user_context";

// One result row of the text protocol (binary columns as their bytes); nullopt = SQL NULL.
// Errors name the column and the value.
using MysqlTextRow = std::array<std::optional<std::string_view>, MysqlLeaseRow::kColumns>;
Result<Lease> parseMysqlLease(const MysqlTextRow& row);

// "Rows matched: 1  Changed: 0  Warnings: 0" (mysql_info() after an UPDATE): the matched
// count, nullopt if the text is not that.
std::optional<std::uint64_t> mysqlRowsMatched(std::string_view info);

// X'0a1b' (X'' for no bytes).
std::string mysqlHexLiteral(const std::uint8_t* data, std::size_t n);

}  // namespace tandem
