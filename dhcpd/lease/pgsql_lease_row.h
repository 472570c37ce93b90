#pragma once
// A lease as a row of Kea 2.2's PostgreSQL `lease4` table (schema 13.0, created by
// `kea-admin db-init pgsql`), in libpq's text format, both ways. Pure: no libpq here; the
// adapter in dhcpd/pgsql binds these strings to its prepared statements.
//
// Columns (Kea's PgSqlLease4Exchange, in table order: SqlLease4Columns): address bigint (the
// IPv4 address as an unsigned 32-bit number), hwaddr bytea, client_id bytea, valid_lifetime
// bigint, expire timestamptz, subnet_id bigint, fqdn_fwd bool, fqdn_rev bool, hostname
// varchar(255), state bigint (lease_state: 0 default, 1 declined, 2 expired-reclaimed),
// user_context text.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dhcpd/common/result.h"
#include "dhcpd/lease/lease.h"
#include "dhcpd/lease/sql_lease4_columns.h"

namespace tandem {

// Kea 2.2's schema version (schema_version table: version, minor) that tandemd reads and writes.
inline constexpr std::uint32_t kPgsqlSchemaMajor = 13;
inline constexpr std::uint32_t kPgsqlSchemaMinor = 0;

struct PgsqlLeaseRow : SqlLease4Columns {
  // Text-format parameters; `expire` is the expiry in epoch seconds (the statements convert it
  // with to_timestamp(), so the stored instant does not depend on the session's time zone, as
  // Kea's local-time string does).
  std::array<std::string, kColumns> values;

  // Kea's encoding: no hwaddr or client-id is an empty bytea (not NULL), no user context an
  // empty string. Fails for an expiry Kea could not store either.
  static Result<PgsqlLeaseRow> fromLease(const Lease& lease);
};

// The SELECT list that produces a row parseLease() reads (expire as epoch seconds, as Kea's
// own `extract(epoch from expire)::bigint`).
inline constexpr std::string_view kPgsqlLease4Columns =
    "address, hwaddr, client_id, valid_lifetime, extract(epoch from expire)::bigint, subnet_id, fqdn_fwd, "
    "fqdn_rev, hostname, state, user_context";

// One result row in text format; nullopt = SQL NULL. Errors name the column and the value.
using PgsqlTextRow = std::array<std::optional<std::string_view>, PgsqlLeaseRow::kColumns>;
Result<Lease> parsePgsqlLease(const PgsqlTextRow& row);

// bytea in PostgreSQL's hex output format ("\x0aff"; bytea_output = hex, the default since 9.0).
std::string toByteaHex(const std::uint8_t* data, std::size_t n);
// Decodes "\x..." hex bytea; nullopt if malformed or longer than `max` bytes.
std::optional<std::string> fromByteaHex(std::string_view text, std::size_t max);

}  // namespace tandem
