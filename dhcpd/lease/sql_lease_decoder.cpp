#include "dhcpd/lease/sql_lease_decoder.h"

#include <utility>

#include <nlohmann/json.hpp>

#include "dhcpd/common/sql_text.h"

namespace tandem {
namespace {

using C = SqlLease4Columns;

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
  if (!row[C::kAddress] || !sql::parseNumber(*row[C::kAddress], address)) {
    return columnError(C::kNames[C::kAddress], row[C::kAddress]);
  }
  l.address = Ipv4{address};
  const std::string where = " (lease " + l.address.toString() + ")";
  auto bad = [&](C::Column c) { return makeError(columnError(C::kNames[c], row[c]).message + where); };
  // A number column that must be there (Kea's getColumnValue refuses NULL too).
  auto number = [&](C::Column c, auto& out) -> bool { return row[c] && sql::parseNumber(*row[c], out); };

  if (auto hw = row[C::kHwAddr]) {
    auto bytes = Text::bytes(*hw, l.hwAddr.bytes.size());
    if (!bytes) return bad(C::kHwAddr);
    l.hwAddr = HwAddr::fromBytes(std::span(reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size()));
  }
  if (auto cid = row[C::kClientId]) {
    auto bytes = Text::bytes(*cid, 255);
    if (!bytes) return bad(C::kClientId);
    l.clientId.assign(bytes->begin(), bytes->end());
  }
  std::int64_t expire = 0;
  if (!number(C::kValidLifetime, l.validLifetime)) return bad(C::kValidLifetime);
  if (!number(C::kExpire, expire)) return bad(C::kExpire);
  l.cltt = l.validLifetime == kInfiniteLifetime ? expire : expire - std::int64_t(l.validLifetime);
  if (!number(C::kSubnetId, l.subnetId)) return bad(C::kSubnetId);
  for (auto [c, out] : {std::pair{C::kFqdnFwd, &l.fqdnFwd}, std::pair{C::kFqdnRev, &l.fqdnRev}}) {
    *out = false;  // NULL: an unset flag
    if (!row[c]) continue;
    auto f = Text::flag(*row[c]);
    if (!f) return bad(c);
    *out = *f;
  }
  if (auto h = row[C::kHostname]) l.hostname = std::string(*h);
  unsigned state = 0;
  if (auto s = row[C::kState]; s && (!sql::parseNumber(*s, state) || state > 2)) return bad(C::kState);
  l.state = static_cast<LeaseState>(state);
  if (auto u = row[C::kUserContext]; u && !u->empty()) {
    // Kea requires a JSON map (PgSqlLease4Exchange::convertFromDatabase, MySqlLease4Exchange::getLeaseData).
    if (u->front() != '{' || !nlohmann::json::accept(*u)) return bad(C::kUserContext);
    l.userContext = std::string(*u);
  }
  return l;
}

template Result<Lease> decodeSqlLease<sql::PgsqlText>(const SqlLeaseTextRow&);
template Result<Lease> decodeSqlLease<sql::MysqlText>(const SqlLeaseTextRow&);

}  // namespace tandem
