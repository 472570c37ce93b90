#include "dhcpd/lease/mysql_lease_row.h"

#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "dhcpd/lease/pgsql_lease_row.h"  // kInfiniteLifetime, kPgsqlMaxDbTime (Kea's MAX_DB_TIME)

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

std::string bytesOrNull(const std::uint8_t* data, std::size_t n) {
  if (n == 0) return "NULL";
  return mysqlHexLiteral(std::string_view(reinterpret_cast<const char*>(data), n));
}

// The row the database holds (the UPDATE's / DELETE's own columns) against the new one:
// SameClientOrFree takes it only when it is expired or reclaimed, or is the same client's (the
// client-ids decide when both rows have one, else the hardware addresses), as PgsqlJournal's
// guard; StillExpired only while it is still expired. NOW() and the TIMESTAMP column are in the
// same session time zone.
std::string guardCondition(const MysqlLeaseRow& row, WriteGuard guard) {
  const std::string& cid = row.literals[MysqlLeaseRow::kClientId];
  const std::string& hw = row.literals[MysqlLeaseRow::kHwAddr];
  switch (guard) {
    case WriteGuard::None: return "TRUE";
    case WriteGuard::SameClientOrFree:
      return fmt::format(
          "(expire <= NOW() OR state = 2 "
          "OR (COALESCE(LENGTH(client_id), 0) > 0 AND COALESCE(LENGTH({0}), 0) > 0 AND client_id = {0}) "
          "OR ((COALESCE(LENGTH(client_id), 0) = 0 OR COALESCE(LENGTH({0}), 0) = 0) "
          "AND COALESCE(hwaddr, X'') = COALESCE({1}, X'')))",
          cid, hw);
    case WriteGuard::StillExpired: return "(expire <= NOW())";
  }
  return "FALSE";
}

}  // namespace

std::string mysqlHexLiteral(std::string_view bytes) {
  std::string out;
  out.reserve(3 + 2 * bytes.size());
  out += "X'";
  for (char ch : bytes) {
    const auto b = static_cast<std::uint8_t>(ch);
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  out += '\'';
  return out;
}

Result<MysqlLeaseRow> MysqlLeaseRow::fromLease(const Lease& l) {
  // Kea (MySqlConnection::convertToDatabaseTime) stores cltt for an infinite lease and refuses
  // an expiry past MAX_DB_TIME (TIMESTAMP ends in 2038).
  const std::int64_t expire = l.validLifetime == kInfiniteLifetime ? l.cltt : l.cltt + std::int64_t(l.validLifetime);
  if (expire > kPgsqlMaxDbTime || expire < 0) {
    return makeError("lease " + l.address.toString() + ": expiry " + std::to_string(expire) +
                     " cannot be stored (beyond 2038-01-19, as in Kea)");
  }
  MysqlLeaseRow r;
  r.address = l.address.value;
  r.literals[kAddress] = std::to_string(l.address.value);
  r.literals[kHwAddr] = bytesOrNull(l.hwAddr.bytes.data(), l.hwAddr.length);
  r.literals[kClientId] = bytesOrNull(l.clientId.data(), l.clientId.size());
  r.literals[kValidLifetime] = std::to_string(l.validLifetime);
  // FROM_UNIXTIME(0) is NULL-free but TIMESTAMP's range starts at 1 s; Kea never writes 0.
  r.literals[kExpire] = fmt::format("FROM_UNIXTIME({})", expire);
  r.literals[kSubnetId] = std::to_string(l.subnetId);
  r.literals[kFqdnFwd] = l.fqdnFwd ? "1" : "0";
  r.literals[kFqdnRev] = l.fqdnRev ? "1" : "0";
  r.literals[kHostname] = mysqlHexLiteral(l.hostname);
  r.literals[kState] = std::to_string(static_cast<unsigned>(l.state));
  r.literals[kUserContext] = l.userContext.empty() ? std::string("NULL") : mysqlHexLiteral(l.userContext);
  return r;
}

namespace {

constexpr const char* kColumnNames[MysqlLeaseRow::kColumns] = {"address",  "hwaddr",    "client_id",   "valid_lifetime",
                                                               "expire",   "subnet_id", "fqdn_fwd",    "fqdn_rev",
                                                               "hostname", "state",     "user_context"};

std::string valuesList(const MysqlLeaseRow& row) {
  std::string out;
  for (std::size_t i = 0; i < MysqlLeaseRow::kColumns; ++i) {
    if (i) out += ", ";
    out += row.literals[i];
  }
  return out;
}

std::string setList(const MysqlLeaseRow& row) {
  std::string out;
  for (std::size_t i = 1; i < MysqlLeaseRow::kColumns; ++i) {
    if (i > 1) out += ", ";
    out += kColumnNames[i];
    out += " = ";
    out += row.literals[i];
  }
  return out;
}

constexpr std::string_view kInsertHead =
    "INSERT INTO lease4 (address, hwaddr, client_id, valid_lifetime, expire, subnet_id, fqdn_fwd, fqdn_rev, "
    "hostname, state, user_context) VALUES (";

}  // namespace

std::string mysqlUpsertSql(const MysqlLeaseRow& row) {
  std::string out(kInsertHead);
  out += valuesList(row);
  out += ") ON DUPLICATE KEY UPDATE ";
  out += setList(row);
  return out;
}

std::string mysqlGuardedUpdateSql(const MysqlLeaseRow& row, WriteGuard guard) {
  return fmt::format("UPDATE lease4 SET {} WHERE address = {} AND {}", setList(row),
                     row.literals[MysqlLeaseRow::kAddress], guardCondition(row, guard));
}

std::string mysqlInsertSql(const MysqlLeaseRow& row) {
  std::string out(kInsertHead);
  out += valuesList(row);
  out += ')';
  return out;
}

std::string mysqlDeleteSql(const MysqlLeaseRow& row, WriteGuard guard) {
  if (guard == WriteGuard::None) return "DELETE FROM lease4 WHERE address = " + row.literals[MysqlLeaseRow::kAddress];
  return fmt::format("DELETE FROM lease4 WHERE address = {} AND {}", row.literals[MysqlLeaseRow::kAddress],
                     guardCondition(row, guard));
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

  // NULL hwaddr / client_id: none (Kea writes NULL when the lease has none).
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
    if (!v) {  // NULL: read as false, as an unset flag
      out = false;
      return {};
    }
    unsigned n = 0;
    if (!parseNumber(*v, n)) return makeError(columnError(name, v).message + where);
    out = n != 0;  // BOOL is TINYINT(1): any non-zero is true
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
    if (u->front() != '{' || !nlohmann::json::accept(*u)) {
      return makeError(columnError("user_context", u).message + where);
    }
    l.userContext = std::string(*u);
  }
  return l;
}

}  // namespace tandem
