#include "dhcpd/lease/sql_lease4_columns.h"

#include <string>

namespace tandem {

Result<std::int64_t> SqlLease4Columns::expireOf(const Lease& l) {
  const std::int64_t expire = l.validLifetime == kInfiniteLifetime ? l.cltt : l.cltt + std::int64_t(l.validLifetime);
  if (expire > kSqlMaxDbTime || expire < 0) {
    return makeError("lease " + l.address.toString() + ": expiry " + std::to_string(expire) +
                     " cannot be stored (beyond 2038-01-19, as in Kea)");
  }
  return expire;
}

}  // namespace tandem
