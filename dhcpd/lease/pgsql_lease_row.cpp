#include "dhcpd/lease/pgsql_lease_row.h"

#include "dhcpd/common/sql_text.h"
#include "dhcpd/lease/sql_lease_decoder.h"

namespace tandem {

std::string toByteaHex(const std::uint8_t* data, std::size_t n) {
  return sql::pgsqlByteaHex(std::string_view(reinterpret_cast<const char*>(data), n));
}

std::optional<std::string> fromByteaHex(std::string_view text, std::size_t max) {
  return sql::PgsqlText::bytes(text, max);
}

Result<PgsqlLeaseRow> PgsqlLeaseRow::fromLease(const Lease& l) {
  // Kea (PgSqlExchange::convertToDatabaseTime) refuses an expiry past MAX_DB_TIME.
  auto expire = expireOf(l);
  if (!expire) return expire.error();
  if (l.hostname.size() > 255) return makeError("lease " + l.address.toString() + ": hostname longer than 255");
  PgsqlLeaseRow r;
  r.values[kAddress] = std::to_string(l.address.value);
  r.values[kHwAddr] = toByteaHex(l.hwAddr.bytes.data(), l.hwAddr.length);
  r.values[kClientId] = toByteaHex(l.clientId.data(), l.clientId.size());
  r.values[kValidLifetime] = std::to_string(l.validLifetime);
  r.values[kExpire] = std::to_string(*expire);
  r.values[kSubnetId] = std::to_string(l.subnetId);
  r.values[kFqdnFwd] = l.fqdnFwd ? "t" : "f";
  r.values[kFqdnRev] = l.fqdnRev ? "t" : "f";
  r.values[kHostname] = l.hostname;
  r.values[kState] = std::to_string(static_cast<unsigned>(l.state));
  r.values[kUserContext] = l.userContext;
  return r;
}

Result<Lease> parsePgsqlLease(const PgsqlTextRow& row) { return decodeSqlLease<sql::PgsqlText>(row); }

}  // namespace tandem
