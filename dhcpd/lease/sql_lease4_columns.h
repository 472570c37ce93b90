#pragma once
// Kea 2.2's lease4 table as both SQL backends hold it: PostgreSQL's schema 13.0
// (PgSqlLease4Exchange) and MySQL's 14.0 (MySqlLease4Exchange) have the same eleven columns in
// the same order, and Kea puts the same limits on the expiry it stores there. Written once for
// the two row encoders (PgsqlLeaseRow, MysqlLeaseRow derive from it), the one decoder
// (decodeSqlLease) and the journal. Pure.
#include <cstddef>
#include <cstdint>

#include "dhcpd/common/result.h"
#include "dhcpd/lease/lease.h"

namespace tandem {

// Kea refuses to store an expiry past 2038-01-19 (DatabaseConnection::MAX_DB_TIME), in either
// backend (MySQL's TIMESTAMP ends there; Kea applies the same bound to PostgreSQL).
inline constexpr std::int64_t kSqlMaxDbTime = 2147483647;
// Kea's Lease::INFINITY_LFT: such a lease is stored with expire = cltt.
inline constexpr std::uint32_t kInfiniteLifetime = 0xffffffffu;

struct SqlLease4Columns {
  static constexpr std::size_t kColumns = 11;
  // In table order, which is also the order of both backends' SELECT lists
  // (kPgsqlLease4Columns, kMysqlLease4Columns).
  enum Column : std::size_t {
    kAddress,
    kHwAddr,
    kClientId,
    kValidLifetime,
    kExpire,
    kSubnetId,
    kFqdnFwd,
    kFqdnRev,
    kHostname,
    kState,
    kUserContext
  };
  // The columns' names, in table order.
  static constexpr const char* kNames[kColumns] = {"address",  "hwaddr",    "client_id",   "valid_lifetime",
                                                   "expire",   "subnet_id", "fqdn_fwd",    "fqdn_rev",
                                                   "hostname", "state",     "user_context"};

  // The expire column of `lease` in epoch seconds, as Kea's convertToDatabaseTime computes it
  // (PgSqlExchange and MySqlConnection alike): cltt for an infinite lease, else cltt + valid
  // lifetime. An error for an expiry Kea could not store either (past MAX_DB_TIME, or before
  // the epoch).
  static Result<std::int64_t> expireOf(const Lease& lease);
};

}  // namespace tandem
