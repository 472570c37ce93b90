#include "dhcpd/lease/pgsql_lease_row.h"

#include <charconv>
#include <limits>

#include <nlohmann/json.hpp>

namespace tandem {
namespace {

constexpr char kHex[] = "0123456789abcdef";

int hexValue(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

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

}  // namespace

std::string toByteaHex(const std::uint8_t* data, std::size_t n) {
  std::string out;
  out.reserve(2 + 2 * n);
  out += "\\x";
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 0xf];
  }
  return out;
}

std::optional<std::string> fromByteaHex(std::string_view text, std::size_t max) {
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2 != 0) return std::nullopt;
  const std::size_t n = (text.size() - 2) / 2;
  if (n > max) return std::nullopt;
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    const int hi = hexValue(text[2 + 2 * i]);
    const int lo = hexValue(text[3 + 2 * i]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return out;
}

Result<PgsqlLeaseRow> PgsqlLeaseRow::fromLease(const Lease& l) {
  // Kea (PgSqlExchange::convertToDatabaseTime) stores cltt for an infinite lease and refuses
  // an expiry past MAX_DB_TIME.
  const std::int64_t expire = l.validLifetime == kInfiniteLifetime ? l.cltt : l.cltt + std::int64_t(l.validLifetime);
  if (expire > kPgsqlMaxDbTime || expire < 0) {
    return makeError("lease " + l.address.toString() + ": expiry " + std::to_string(expire) +
                     " cannot be stored (beyond 2038-01-19, as in Kea)");
  }
  if (l.hostname.size() > 255) return makeError("lease " + l.address.toString() + ": hostname longer than 255");
  PgsqlLeaseRow r;
  r.values[kAddress] = std::to_string(l.address.value);
  r.values[kHwAddr] = toByteaHex(l.hwAddr.bytes.data(), l.hwAddr.length);
  r.values[kClientId] = toByteaHex(l.clientId.data(), l.clientId.size());
  r.values[kValidLifetime] = std::to_string(l.validLifetime);
  r.values[kExpire] = std::to_string(expire);
  r.values[kSubnetId] = std::to_string(l.subnetId);
  r.values[kFqdnFwd] = l.fqdnFwd ? "t" : "f";
  r.values[kFqdnRev] = l.fqdnRev ? "t" : "f";
  r.values[kHostname] = l.hostname;
  r.values[kState] = std::to_string(static_cast<unsigned>(l.state));
  r.values[kUserContext] = l.userContext;
  return r;
}

Result<Lease> parsePgsqlLease(const PgsqlTextRow& row) {
  Lease l;
  auto col = [&](PgsqlLeaseRow::Column c) { return row[c]; };

  std::uint32_t address = 0;
  if (!col(PgsqlLeaseRow::kAddress) || !parseNumber(*col(PgsqlLeaseRow::kAddress), address)) {
    return columnError("address", col(PgsqlLeaseRow::kAddress));
  }
  l.address = Ipv4{address};
  const std::string where = " (lease " + l.address.toString() + ")";

  // Kea reads a NULL bytea as empty (PgSqlExchange::convertFromBytea).
  if (auto hw = col(PgsqlLeaseRow::kHwAddr)) {
    auto bytes = fromByteaHex(*hw, l.hwAddr.bytes.size());
    if (!bytes) return makeError(columnError("hwaddr", hw).message + where);
    l.hwAddr = HwAddr::fromBytes(std::span(reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size()));
  }
  if (auto cid = col(PgsqlLeaseRow::kClientId)) {
    auto bytes = fromByteaHex(*cid, 255);
    if (!bytes) return makeError(columnError("client_id", cid).message + where);
    l.clientId.assign(bytes->begin(), bytes->end());
  }
  std::int64_t expire = 0;
  if (!col(PgsqlLeaseRow::kValidLifetime) || !parseNumber(*col(PgsqlLeaseRow::kValidLifetime), l.validLifetime)) {
    return makeError(columnError("valid_lifetime", col(PgsqlLeaseRow::kValidLifetime)).message + where);
  }
  if (!col(PgsqlLeaseRow::kExpire) || !parseNumber(*col(PgsqlLeaseRow::kExpire), expire)) {
    return makeError(columnError("expire", col(PgsqlLeaseRow::kExpire)).message + where);
  }
  l.cltt = l.validLifetime == kInfiniteLifetime ? expire : expire - std::int64_t(l.validLifetime);
  if (!col(PgsqlLeaseRow::kSubnetId) || !parseNumber(*col(PgsqlLeaseRow::kSubnetId), l.subnetId)) {
    return makeError(columnError("subnet_id", col(PgsqlLeaseRow::kSubnetId)).message + where);
  }
  auto boolean = [&](PgsqlLeaseRow::Column c, const char* name, bool& out) -> Result<void> {
    auto v = col(c);
    if (v && (*v == "t" || *v == "f")) {
      out = *v == "t";
      return {};
    }
    if (!v) {  // NULL: Kea's getColumnValue would refuse it; treat as false like an empty flag
      out = false;
      return {};
    }
    return makeError(columnError(name, v).message + where);
  };
  if (auto r = boolean(PgsqlLeaseRow::kFqdnFwd, "fqdn_fwd", l.fqdnFwd); !r) return r.error();
  if (auto r = boolean(PgsqlLeaseRow::kFqdnRev, "fqdn_rev", l.fqdnRev); !r) return r.error();
  if (auto h = col(PgsqlLeaseRow::kHostname)) l.hostname = std::string(*h);
  unsigned state = 0;
  if (auto s = col(PgsqlLeaseRow::kState); s && (!parseNumber(*s, state) || state > 2)) {
    return makeError(columnError("state", s).message + where);
  }
  l.state = static_cast<LeaseState>(state);
  if (auto u = col(PgsqlLeaseRow::kUserContext); u && !u->empty()) {
    // Kea requires a JSON map (PgSqlLease4Exchange::convertFromDatabase).
    if (u->front() != '{' || !nlohmann::json::accept(*u)) return makeError(columnError("user_context", u).message + where);
    l.userContext = std::string(*u);
  }
  return l;
}

}  // namespace tandem
