#include "dhcpd/lease/mysql_lease_row.h"

#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace tandem {
namespace {

constexpr char kHex[] = "0123456789abcdef";

template <typename T>
bool parseNumber(std::string_view s, T& out) noexcept {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

Error columnError(std::string_view column, std::optional<std::string_view> value) {
  std::string msg = "bad ";
  msg += column;
  msg += value ? " '" + std::string(value->substr(0, 64)) + "'" : std::string(" (NULL)");
  return makeError(msg);
}

std::string hexOrNull(const std::uint8_t* data, std::size_t n) {
  return n == 0 ? std::string("NULL") : mysqlHexLiteral(data, n);
}

std::string hexText(std::string_view s) {
  return mysqlHexLiteral(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

// Kea's expiry test: a row whose expire has passed, unless its lifetime is infinite
// (stored with expire = cltt). The database's clock decides, as it does for every server.
constexpr std::string_view kExpired =
    "(valid_lifetime <> 4294967295 AND UNIX_TIMESTAMP(expire) <= UNIX_TIMESTAMP())";

// The WriteGuard as a WHERE condition on the stored row (old values), against the writing
// client's identifiers (SQL literals): the same rule as the PostgreSQL statements.
std::string guardCondition(WriteGuard guard, const std::string& hwaddr, const std::string& clientId) {
  switch (guard) {
    case WriteGuard::None: return "TRUE";
    case WriteGuard::StillExpired: return std::string(kExpired);
    case WriteGuard::SameClientOrFree: {
      // The client-ids decide when both rows have one, else the hardware addresses.
      std::string same;
      if (clientId != "NULL") {
        same = fmt::format("((IFNULL(LENGTH(client_id), 0) > 0 AND client_id = {0}) OR "
                           "(IFNULL(LENGTH(client_id), 0) = 0 AND hwaddr = {1}))",
                           clientId, hwaddr);
      } else {
        same = fmt::format("hwaddr = {}", hwaddr);
      }
      return fmt::format("(state = 2 OR {} OR {})", kExpired, same);
    }
  }
  return "FALSE";
}

}  // namespace

std::string mysqlHexLiteral(const std::uint8_t* data, std::size_t n) {
  std::string out;
  out.reserve(3 + 2 * n);
  out += "X'";
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 0xf];
  }
  out += '\'';
  return out;
}

Result<MysqlLeaseRow> MysqlLeaseRow::fromLease(const Lease& l) {
  // Kea (MySqlConnection::convertToDatabaseTime) stores cltt for an infinite lease and
  // refuses an expiry past MAX_DB_TIME.
  const std::int64_t expire = l.validLifetime == kInfiniteLifetime ? l.cltt : l.cltt + std::int64_t(l.validLifetime);
  if (expire > kSqlMaxDbTime || expire < 0) {
    return makeError("lease " + l.address.toString() + ": expiry " + std::to_string(expire) +
                     " cannot be stored (beyond 2038-01-19, as in Kea)");
  }
  if (l.hwAddr.length > kMysqlHwAddrMax) return makeError("lease " + l.address.toString() + ": hwaddr longer than 20");
  if (l.clientId.size() > kMysqlClientIdMax) {
    return makeError("lease " + l.address.toString() + ": client-id longer than 128 (Kea's column)");
  }
  if (l.hostname.size() > kMysqlHostnameMax) {
    return makeError("lease " + l.address.toString() + ": hostname longer than 255");
  }
  MysqlLeaseRow r;
  r.literals[kAddress] = std::to_string(l.address.value);
  r.literals[kHwAddr] = hexOrNull(l.hwAddr.bytes.data(), l.hwAddr.length);
  r.literals[kClientId] = hexOrNull(l.clientId.data(), l.clientId.size());
  r.literals[kValidLifetime] = std::to_string(l.validLifetime);
  r.literals[kExpire] = fmt::format("FROM_UNIXTIME({})", expire);
  r.literals[kSubnetId] = std::to_string(l.subnetId);
  r.literals[kFqdnFwd] = l.fqdnFwd ? "1" : "0";
  r.literals[kFqdnRev] = l.fqdnRev ? "1" : "0";
  // Kea binds the hostname as a string: an empty one is '' (not NULL).
  r.literals[kHostname] = hexText(l.hostname);
  r.literals[kState] = std::to_string(static_cast<unsigned>(l.state));
  r.literals[kUserContext] = l.userContext.empty() ? std::string("NULL") : hexText(l.userContext);
  return r;
}

std::vector<std::string> MysqlLeaseRow::upsertStatements(WriteGuard guard) const {
  const auto& v = literals;
  std::string insert = fmt::format(
      "INSERT INTO lease4 (address, hwaddr, client_id, valid_lifetime, expire, subnet_id, fqdn_fwd, fqdn_rev, "
      "hostname, state, user_context) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}) ON DUPLICATE KEY UPDATE ",
      v[kAddress], v[kHwAddr], v[kClientId], v[kValidLifetime], v[kExpire], v[kSubnetId], v[kFqdnFwd], v[kFqdnRev],
      v[kHostname], v[kState], v[kUserContext]);
  if (guard == WriteGuard::None) {
    insert +=
        "hwaddr = VALUES(hwaddr), client_id = VALUES(client_id), valid_lifetime = VALUES(valid_lifetime), "
        "expire = VALUES(expire), subnet_id = VALUES(subnet_id), fqdn_fwd = VALUES(fqdn_fwd), "
        "fqdn_rev = VALUES(fqdn_rev), hostname = VALUES(hostname), state = VALUES(state), "
        "user_context = VALUES(user_context)";
    return {std::move(insert)};
  }
  insert += "address = address";
  std::string update = fmt::format(
      "UPDATE lease4 SET hwaddr = {1}, client_id = {2}, valid_lifetime = {3}, expire = {4}, subnet_id = {5}, "
      "fqdn_fwd = {6}, fqdn_rev = {7}, hostname = {8}, state = {9}, user_context = {10} "
      "WHERE address = {0} AND {11}",
      v[kAddress], v[kHwAddr], v[kClientId], v[kValidLifetime], v[kExpire], v[kSubnetId], v[kFqdnFwd], v[kFqdnRev],
      v[kHostname], v[kState], v[kUserContext], guardCondition(guard, v[kHwAddr], v[kClientId]));
  return {std::move(update), std::move(insert)};
}

std::optional<std::uint64_t> mysqlRowsMatched(std::string_view info) {
  constexpr std::string_view kPrefix = "Rows matched: ";
  if (info.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  info.remove_prefix(kPrefix.size());
  const auto end = info.find(' ');
  std::uint64_t n = 0;
  if (!parseNumber(info.substr(0, end), n)) return std::nullopt;
  return n;
}

std::string MysqlLeaseRow::deleteStatement(WriteGuard guard) const {
  return fmt::format("DELETE FROM lease4 WHERE address = {} AND {}", literals[kAddress],
                     guardCondition(guard, literals[kHwAddr], literals[kClientId]));
}

Result<Lease> parseMysqlLease(const MysqlTextRow& row) {
  Lease l;
  auto col = [&](MysqlLeaseRow::Column c) { return row[c]; };

  std::uint32_t address = 0;
  if (!col(MysqlLeaseRow::kAddress) || !parseNumber(*col(MysqlLeaseRow::kAddress), address)) {
    return columnError("address", col(MysqlLeaseRow::kAddress));
  }
  l.address = Ipv4{address};
  const std::string where = " (lease " + l.address.toString() + ")";

  // NULL identifiers are "none" (Kea's client_id_null_ / hwaddr_null_).
  if (auto hw = col(MysqlLeaseRow::kHwAddr)) {
    if (hw->size() > l.hwAddr.bytes.size()) return makeError(columnError("hwaddr", hw).message + where);
    l.hwAddr = HwAddr::fromBytes(std::span(reinterpret_cast<const std::uint8_t*>(hw->data()), hw->size()));
  }
  if (auto cid = col(MysqlLeaseRow::kClientId)) {
    if (cid->size() > 255) return makeError(columnError("client_id", cid).message + where);
    l.clientId.assign(cid->begin(), cid->end());
  }
  std::int64_t expire = 0;
  if (!col(MysqlLeaseRow::kValidLifetime) || !parseNumber(*col(MysqlLeaseRow::kValidLifetime), l.validLifetime)) {
    return makeError(columnError("valid_lifetime", col(MysqlLeaseRow::kValidLifetime)).message + where);
  }
  if (!col(MysqlLeaseRow::kExpire) || !parseNumber(*col(MysqlLeaseRow::kExpire), expire)) {
    return makeError(columnError("expire", col(MysqlLeaseRow::kExpire)).message + where);
  }
  l.cltt = l.validLifetime == kInfiniteLifetime ? expire : expire - std::int64_t(l.validLifetime);
  if (!col(MysqlLeaseRow::kSubnetId) || !parseNumber(*col(MysqlLeaseRow::kSubnetId), l.subnetId)) {
    return makeError(columnError("subnet_id", col(MysqlLeaseRow::kSubnetId)).message + where);
  }
  auto boolean = [&](MysqlLeaseRow::Column c, const char* name, bool& out) -> Result<void> {
    auto v = col(c);
    int n = 0;
    if (!v) {  // NULL: read as false, as an unset flag
      out = false;
      return {};
    }
    // BOOL is TINYINT(1): MySQL takes any non-zero value as true.
    if (!parseNumber(*v, n)) return makeError(columnError(name, v).message + where);
    out = n != 0;
    return {};
  };
  if (auto r = boolean(MysqlLeaseRow::kFqdnFwd, "fqdn_fwd", l.fqdnFwd); !r) return r.error();
  if (auto r = boolean(MysqlLeaseRow::kFqdnRev, "fqdn_rev", l.fqdnRev); !r) return r.error();
  if (auto h = col(MysqlLeaseRow::kHostname)) l.hostname = std::string(*h);
  unsigned state = 0;
  if (auto s = col(MysqlLeaseRow::kState); s && (!parseNumber(*s, state) || state > 2)) {
    return makeError(columnError("state", s).message + where);
  }
  l.state = static_cast<LeaseState>(state);
  if (auto u = col(MysqlLeaseRow::kUserContext); u && !u->empty()) {
    // Kea requires a JSON map (MySqlLease4Exchange::getLeaseData).
    if (u->front() != '{' || !nlohmann::json::accept(*u)) return makeError(columnError("user_context", u).message + where);
    l.userContext = std::string(*u);
  }
  return l;
}

}  // namespace tandem
