#include "dhcpd/lease/lease_csv.h"

#include <charconv>
#include <limits>

#include <nlohmann/json.hpp>

namespace tandem {
namespace {

constexpr std::array<std::string_view, LeaseCsvHeader::kColumnCount> kColumnNames = {
    "address",  "hwaddr",   "client_id", "valid_lifetime", "expire",       "subnet_id",
    "fqdn_fwd", "fqdn_rev", "hostname",  "state",          "user_context", "pool_id"};
// Kea refuses a lease4 file whose header lacks any of the columns up to hostname.
constexpr int kRequiredColumns = LeaseCsvHeader::kHostname + 1;
constexpr std::size_t kMaxFields = 32;
constexpr char kHex[] = "0123456789abcdef";
constexpr std::string_view kEscapeTag = "&#x";

int hexValue(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string quoted(std::string_view what, std::string_view text) {
  constexpr std::size_t kShown = 64;
  std::string s(what);
  s += " '";
  s.append(text.substr(0, kShown));
  if (text.size() > kShown) s += "...";
  s += '\'';
  return s;
}

template <class T>
bool parseUnsigned(std::string_view text, T& out) noexcept {
  if (text.empty() || text[0] < '0' || text[0] > '9') return false;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size();
}

// Kea's HWAddr::fromText / ClientId text: colon-separated groups of one or two hex digits;
// a run of hex digits without separators is also accepted. Writes at most `max` bytes.
bool parseHexInto(std::string_view text, std::uint8_t* out, std::size_t max, std::size_t& len) noexcept {
  len = 0;
  if (text.empty()) return true;
  if (text.find(':') == std::string_view::npos) {
    if (text.size() % 2 || text.size() / 2 > max) return false;
    for (std::size_t i = 0; i < text.size(); i += 2) {
      int hi = hexValue(text[i]), lo = hexValue(text[i + 1]);
      if (hi < 0 || lo < 0) return false;
      out[len++] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return true;
  }
  std::size_t i = 0;
  while (true) {
    int v = 0, digits = 0;
    while (i < text.size() && text[i] != ':') {
      int h = hexValue(text[i]);
      if (h < 0 || ++digits > 2) return false;
      v = v * 16 + h;
      ++i;
    }
    if (digits == 0 || len == max) return false;
    out[len++] = static_cast<std::uint8_t>(v);
    if (i == text.size()) return true;
    ++i;  // the ':'
    if (i == text.size()) return false;
  }
}

bool parseBool(std::string_view text, bool& out) noexcept {
  if (text == "1" || text == "true") {
    out = true;
    return true;
  }
  if (text == "0" || text == "false") {
    out = false;
    return true;
  }
  return false;
}

void appendHexColon(std::string& out, const std::uint8_t* bytes, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (i) out += ':';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xf];
  }
}

template <class T>
void appendNumber(std::string& out, T v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, p);
}

void unescapeInto(std::string_view text, std::string& out) {
  out.clear();
  std::size_t pos = text.find(kEscapeTag);
  if (pos == std::string_view::npos) {
    out.assign(text);
    return;
  }
  std::size_t start = 0;
  while (pos != std::string_view::npos) {
    out.append(text.substr(start, pos - start));
    std::size_t digits = pos + kEscapeTag.size();
    int hi = digits + 1 < text.size() ? hexValue(text[digits]) : -1;
    int lo = digits + 1 < text.size() ? hexValue(text[digits + 1]) : -1;
    if (hi >= 0 && lo >= 0) {
      out += static_cast<char>(hi << 4 | lo);
      start = digits + 2;
    } else {
      // Not an escape after all: keep the text as Kea does.
      out.append(kEscapeTag);
      start = digits;
    }
    pos = text.find(kEscapeTag, start);
  }
  out.append(text.substr(start));
}

}  // namespace

Result<LeaseCsvHeader> LeaseCsvHeader::parse(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  LeaseCsvHeader h;
  h.index_.fill(kAbsent);
  std::size_t field = 0, start = 0;
  while (true) {
    std::size_t comma = line.find(',', start);
    std::string_view name =
        line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    for (int c = 0; c < kColumnCount; ++c) {
      if (name == kColumnNames[c]) {
        if (h.index_[c] != kAbsent) return makeError(quoted("duplicate column", name));
        h.index_[c] = static_cast<int>(field);
      }
    }
    ++field;
    if (field > kMaxFields) return makeError("too many columns in header");
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  for (int c = 0; c < kRequiredColumns; ++c) {
    if (h.index_[c] == kAbsent) {
      return makeError(quoted("not a lease4 file: header lacks column", kColumnNames[c]));
    }
  }
  h.fieldCount_ = field;
  return h;
}

LeaseCsvHeader LeaseCsvHeader::kea22() {
  LeaseCsvHeader h;
  for (int c = 0; c < kColumnCount; ++c) h.index_[c] = c;
  h.index_[kPoolId] = kAbsent;
  h.fieldCount_ = kPoolId;
  return h;
}

Result<void> parseLeaseCsvLine(std::string_view line, const LeaseCsvHeader& header, Lease& out) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::array<std::string_view, kMaxFields> f;
  std::size_t n = 0, start = 0;
  while (true) {
    std::size_t comma = line.find(',', start);
    if (n == kMaxFields) return makeError("too many fields");
    if (comma == std::string_view::npos) {
      f[n++] = line.substr(start);
      break;
    }
    f[n++] = line.substr(start, comma - start);
    start = comma + 1;
  }
  // Kea rejects a row whose field count differs from the header's; a line cut short by a
  // crash in the middle of a write lands here.
  if (n != header.fieldCount()) {
    return makeError("expected " + std::to_string(header.fieldCount()) + " fields, found " + std::to_string(n));
  }
  auto col = [&](LeaseCsvHeader::Column c) -> std::string_view {
    int i = header.index(c);
    return i == LeaseCsvHeader::kAbsent ? std::string_view() : f[static_cast<std::size_t>(i)];
  };

  auto addr = Ipv4::parse(col(LeaseCsvHeader::kAddress));
  if (!addr) return makeError(quoted("bad address", col(LeaseCsvHeader::kAddress)));
  out.address = *addr;

  std::size_t len = 0;
  out.hwAddr = HwAddr{};
  if (!parseHexInto(col(LeaseCsvHeader::kHwAddr), out.hwAddr.bytes.data(), out.hwAddr.bytes.size(), len)) {
    return makeError(quoted("bad hwaddr", col(LeaseCsvHeader::kHwAddr)));
  }
  out.hwAddr.length = static_cast<std::uint8_t>(len);

  std::uint8_t cid[255];
  if (!parseHexInto(col(LeaseCsvHeader::kClientId), cid, sizeof cid, len)) {
    return makeError(quoted("bad client_id", col(LeaseCsvHeader::kClientId)));
  }
  out.clientId.assign(cid, cid + len);

  std::uint64_t expire = 0;
  if (!parseUnsigned(col(LeaseCsvHeader::kValidLifetime), out.validLifetime)) {
    return makeError(quoted("bad valid_lifetime", col(LeaseCsvHeader::kValidLifetime)));
  }
  if (!parseUnsigned(col(LeaseCsvHeader::kExpire), expire) ||
      expire > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return makeError(quoted("bad expire", col(LeaseCsvHeader::kExpire)));
  }
  out.cltt = static_cast<std::int64_t>(expire) - out.validLifetime;
  if (!parseUnsigned(col(LeaseCsvHeader::kSubnetId), out.subnetId)) {
    return makeError(quoted("bad subnet_id", col(LeaseCsvHeader::kSubnetId)));
  }
  if (!parseBool(col(LeaseCsvHeader::kFqdnFwd), out.fqdnFwd)) {
    return makeError(quoted("bad fqdn_fwd", col(LeaseCsvHeader::kFqdnFwd)));
  }
  if (!parseBool(col(LeaseCsvHeader::kFqdnRev), out.fqdnRev)) {
    return makeError(quoted("bad fqdn_rev", col(LeaseCsvHeader::kFqdnRev)));
  }
  unescapeInto(col(LeaseCsvHeader::kHostname), out.hostname);

  out.state = LeaseState::Default;
  if (header.index(LeaseCsvHeader::kState) != LeaseCsvHeader::kAbsent) {
    unsigned state = 0;
    if (!parseUnsigned(col(LeaseCsvHeader::kState), state) || state > 2) {
      return makeError(quoted("bad state", col(LeaseCsvHeader::kState)));
    }
    out.state = static_cast<LeaseState>(state);
  }

  unescapeInto(col(LeaseCsvHeader::kUserContext), out.userContext);
  if (!out.userContext.empty()) {
    // Kea requires the user context to be a JSON map.
    if (out.userContext.front() != '{' || !nlohmann::json::accept(out.userContext)) {
      return makeError(quoted("bad user_context", out.userContext));
    }
  }

  out.poolId = 0;
  if (header.index(LeaseCsvHeader::kPoolId) != LeaseCsvHeader::kAbsent && !col(LeaseCsvHeader::kPoolId).empty() &&
      !parseUnsigned(col(LeaseCsvHeader::kPoolId), out.poolId)) {
    return makeError(quoted("bad pool_id", col(LeaseCsvHeader::kPoolId)));
  }

  // Kea's CSVLeaseFile4::next: only a declined lease may lack both identifiers.
  if (out.hwAddr.empty() && out.clientId.empty() && out.state != LeaseState::Declined) {
    return makeError("lease " + out.address.toString() + " has neither hwaddr nor client_id");
  }
  return {};
}

void appendCsvEscaped(std::string& out, std::string_view text) {
  for (char c : text) {
    if (c == ',' || c == '&' || c == '\n' || c == '\r') {
      out.append(kEscapeTag);
      out += kHex[static_cast<std::uint8_t>(c) >> 4];
      out += kHex[static_cast<std::uint8_t>(c) & 0xf];
    } else {
      out += c;
    }
  }
}

std::string csvUnescape(std::string_view text) {
  std::string s;
  unescapeInto(text, s);
  return s;
}

void appendLeaseCsvLine(std::string& out, const Lease& l) {
  char addr[16];
  char* p = addr;
  for (int shift = 24; shift >= 0; shift -= 8) {
    p = std::to_chars(p, addr + sizeof addr, (l.address.value >> shift) & 0xff).ptr;
    if (shift) *p++ = '.';
  }
  out.append(addr, p);
  out += ',';
  appendHexColon(out, l.hwAddr.bytes.data(), l.hwAddr.length);
  out += ',';
  appendHexColon(out, l.clientId.data(), l.clientId.size());
  out += ',';
  appendNumber(out, l.validLifetime);
  out += ',';
  appendNumber(out, l.expire());
  out += ',';
  appendNumber(out, l.subnetId);
  out += l.fqdnFwd ? ",1," : ",0,";
  out += l.fqdnRev ? "1," : "0,";
  appendCsvEscaped(out, l.hostname);
  out += ',';
  appendNumber(out, static_cast<unsigned>(l.state));
  out += ',';
  appendCsvEscaped(out, l.userContext);
  out += '\n';
}

}  // namespace tandem
