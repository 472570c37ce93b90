#include "dhcpd/lease/sql_lease_decoder.h"

#include <tuple>

#include <nlohmann/json.hpp>

#include "dhcpd/common/sql_text.h"
#include "dhcpd/lease/pgsql_lease_row.h"  // kInfiniteLifetime

namespace tandem {
namespace {

Error columnError(std::string_view column, std::optional<std::string_view> value) {
  std::string msg = "bad ";
  msg += column;
  msg += value ? " '" + std::string(value->substr(0, 64)) + "'" : std::string(" (NULL)");
  return makeError(msg);
}

}  // namespace

template <class Text>
Result<Lease> decodeSqlLease(const SqlLeaseTextRow& row) {
  Lease l;
  std::uint32_t address = 0;
  if (!row[kSqlAddress] || !sql::parseNumber(*row[kSqlAddress], address)) {
    return columnError("address", row[kSqlAddress]);
  }
  l.address = Ipv4{address};
  const std::string where = " (lease " + l.address.toString() + ")";
  auto bad = [&](std::string_view column, std::optional<std::string_view> v) {
    return makeError(columnError(column, v).message + where);
  };
  // A number column that must be there (Kea's getColumnValue refuses NULL too).
  auto number = [&](SqlLeaseColumn c, auto& out) -> bool { return row[c] && sql::parseNumber(*row[c], out); };

  if (auto hw = row[kSqlHwAddr]) {
    auto bytes = Text::bytes(*hw, l.hwAddr.bytes.size());
    if (!bytes) return bad("hwaddr", hw);
    l.hwAddr = HwAddr::fromBytes(std::span(reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size()));
  }
  if (auto cid = row[kSqlClientId]) {
    auto bytes = Text::bytes(*cid, 255);
    if (!bytes) return bad("client_id", cid);
    l.clientId.assign(bytes->begin(), bytes->end());
  }
  std::int64_t expire = 0;
  if (!number(kSqlValidLifetime, l.validLifetime)) return bad("valid_lifetime", row[kSqlValidLifetime]);
  if (!number(kSqlExpire, expire)) return bad("expire", row[kSqlExpire]);
  l.cltt = l.validLifetime == kInfiniteLifetime ? expire : expire - std::int64_t(l.validLifetime);
  if (!number(kSqlSubnetId, l.subnetId)) return bad("subnet_id", row[kSqlSubnetId]);
  for (auto [c, column, out] :
       {std::tuple{kSqlFqdnFwd, "fqdn_fwd", &l.fqdnFwd}, std::tuple{kSqlFqdnRev, "fqdn_rev", &l.fqdnRev}}) {
    *out = false;  // NULL: an unset flag
    if (!row[c]) continue;
    auto f = Text::flag(*row[c]);
    if (!f) return bad(column, row[c]);
    *out = *f;
  }
  if (auto h = row[kSqlHostname]) l.hostname = std::string(*h);
  unsigned state = 0;
  if (auto s = row[kSqlState]; s && (!sql::parseNumber(*s, state) || state > 2)) return bad("state", s);
  l.state = static_cast<LeaseState>(state);
  if (auto u = row[kSqlUserContext]; u && !u->empty()) {
    // Kea requires a JSON map (PgSqlLease4Exchange::convertFromDatabase, MySqlLease4Exchange::getLeaseData).
    if (u->front() != '{' || !nlohmann::json::accept(*u)) return bad("user_context", u);
    l.userContext = std::string(*u);
  }
  return l;
}

template Result<Lease> decodeSqlLease<sql::PgsqlText>(const SqlLeaseTextRow&);
template Result<Lease> decodeSqlLease<sql::MysqlText>(const SqlLeaseTextRow&);

}  // namespace tandem
