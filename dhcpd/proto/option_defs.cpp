#include "dhcpd/proto/option_defs.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>

#include <fmt/format.h>

namespace tandem::proto {
namespace {

using T = OptionType;

struct Row {
  std::uint8_t code;
  std::string_view name;
  OptionType type;
  bool array;
  std::initializer_list<OptionType> fields;
  std::string_view encapsulate;
};

// Kea 2.2.0's standard dhcp4 definitions (std_option_defs.h of that release; each name, code
// and type checked against the installed kea-dhcp4 2.2.0). Kea 2.2 has no definition for
// 120 (SIP servers), 121 (classless static routes, added in Kea 2.5) or 162 (DNR): those
// need an option-def or hex data, as in Kea.
const Row kDhcp4Rows[] = {
    {1, "subnet-mask", T::Ipv4Address, false, {}, {}},
    {2, "time-offset", T::Int32, false, {}, {}},
    {3, "routers", T::Ipv4Address, true, {}, {}},
    {4, "time-servers", T::Ipv4Address, true, {}, {}},
    {5, "name-servers", T::Ipv4Address, true, {}, {}},
    {6, "domain-name-servers", T::Ipv4Address, true, {}, {}},
    {7, "log-servers", T::Ipv4Address, true, {}, {}},
    {8, "cookie-servers", T::Ipv4Address, true, {}, {}},
    {9, "lpr-servers", T::Ipv4Address, true, {}, {}},
    {10, "impress-servers", T::Ipv4Address, true, {}, {}},
    {11, "resource-location-servers", T::Ipv4Address, true, {}, {}},
    {12, "host-name", T::String, false, {}, {}},
    {13, "boot-size", T::Uint16, false, {}, {}},
    {14, "merit-dump", T::String, false, {}, {}},
    {15, "domain-name", T::String, false, {}, {}},
    {16, "swap-server", T::Ipv4Address, false, {}, {}},
    {17, "root-path", T::String, false, {}, {}},
    {18, "extensions-path", T::String, false, {}, {}},
    {19, "ip-forwarding", T::Boolean, false, {}, {}},
    {20, "non-local-source-routing", T::Boolean, false, {}, {}},
    {21, "policy-filter", T::Ipv4Address, true, {}, {}},
    {22, "max-dgram-reassembly", T::Uint16, false, {}, {}},
    {23, "default-ip-ttl", T::Uint8, false, {}, {}},
    {24, "path-mtu-aging-timeout", T::Uint32, false, {}, {}},
    {25, "path-mtu-plateau-table", T::Uint16, true, {}, {}},
    {26, "interface-mtu", T::Uint16, false, {}, {}},
    {27, "all-subnets-local", T::Boolean, false, {}, {}},
    {28, "broadcast-address", T::Ipv4Address, false, {}, {}},
    {29, "perform-mask-discovery", T::Boolean, false, {}, {}},
    {30, "mask-supplier", T::Boolean, false, {}, {}},
    {31, "router-discovery", T::Boolean, false, {}, {}},
    {32, "router-solicitation-address", T::Ipv4Address, false, {}, {}},
    {33, "static-routes", T::Ipv4Address, true, {}, {}},
    {34, "trailer-encapsulation", T::Boolean, false, {}, {}},
    {35, "arp-cache-timeout", T::Uint32, false, {}, {}},
    {36, "ieee802-3-encapsulation", T::Boolean, false, {}, {}},
    {37, "default-tcp-ttl", T::Uint8, false, {}, {}},
    {38, "tcp-keepalive-interval", T::Uint32, false, {}, {}},
    {39, "tcp-keepalive-garbage", T::Boolean, false, {}, {}},
    {40, "nis-domain", T::String, false, {}, {}},
    {41, "nis-servers", T::Ipv4Address, true, {}, {}},
    {42, "ntp-servers", T::Ipv4Address, true, {}, {}},
    {44, "netbios-name-servers", T::Ipv4Address, true, {}, {}},
    {45, "netbios-dd-server", T::Ipv4Address, true, {}, {}},
    {46, "netbios-node-type", T::Uint8, false, {}, {}},
    {47, "netbios-scope", T::String, false, {}, {}},
    {48, "font-servers", T::Ipv4Address, true, {}, {}},
    {49, "x-display-manager", T::Ipv4Address, true, {}, {}},
    {50, "dhcp-requested-address", T::Ipv4Address, false, {}, {}},
    {51, "dhcp-lease-time", T::Uint32, false, {}, {}},
    {52, "dhcp-option-overload", T::Uint8, false, {}, {}},
    {53, "dhcp-message-type", T::Uint8, false, {}, {}},
    {54, "dhcp-server-identifier", T::Ipv4Address, false, {}, {}},
    {55, "dhcp-parameter-request-list", T::Uint8, true, {}, {}},
    {56, "dhcp-message", T::String, false, {}, {}},
    {57, "dhcp-max-message-size", T::Uint16, false, {}, {}},
    {58, "dhcp-renewal-time", T::Uint32, false, {}, {}},
    {59, "dhcp-rebinding-time", T::Uint32, false, {}, {}},
    {60, "vendor-class-identifier", T::String, false, {}, {}},
    {61, "dhcp-client-identifier", T::Binary, false, {}, {}},
    {62, "nwip-domain-name", T::String, false, {}, {}},
    {63, "nwip-suboptions", T::Binary, false, {}, {}},
    {64, "nisplus-domain-name", T::String, false, {}, {}},
    {65, "nisplus-servers", T::Ipv4Address, true, {}, {}},
    {66, "tftp-server-name", T::String, false, {}, {}},
    {67, "boot-file-name", T::String, false, {}, {}},
    {68, "mobile-ip-home-agent", T::Ipv4Address, true, {}, {}},
    {69, "smtp-server", T::Ipv4Address, true, {}, {}},
    {70, "pop-server", T::Ipv4Address, true, {}, {}},
    {71, "nntp-server", T::Ipv4Address, true, {}, {}},
    {72, "www-server", T::Ipv4Address, true, {}, {}},
    {73, "finger-server", T::Ipv4Address, true, {}, {}},
    {74, "irc-server", T::Ipv4Address, true, {}, {}},
    {75, "streettalk-server", T::Ipv4Address, true, {}, {}},
    {76, "streettalk-directory-assistance-server", T::Ipv4Address, true, {}, {}},
    {77, "user-class", T::Binary, false, {}, {}},
    {78, "slp-directory-agent", T::Record, true, {T::Boolean, T::Ipv4Address}, {}},  // RFC 2610
    {79, "slp-service-scope", T::Record, false, {T::Boolean, T::String}, {}},        // RFC 2610
    {81, "fqdn", T::Record, false, {T::Uint8, T::Uint8, T::Uint8, T::Fqdn}, {}},     // RFC 4702
    {82, "dhcp-agent-options", T::Empty, false, {}, kAgentSpace},                    // RFC 3046
    {85, "nds-servers", T::Ipv4Address, true, {}, {}},
    {86, "nds-tree-name", T::String, false, {}, {}},
    {87, "nds-context", T::String, false, {}, {}},
    {88, "bcms-controller-names", T::Fqdn, true, {}, {}},
    {89, "bcms-controller-address", T::Ipv4Address, true, {}, {}},
    {90, "authenticate", T::Binary, false, {}, {}},
    {91, "client-last-transaction-time", T::Uint32, false, {}, {}},
    {92, "associated-ip", T::Ipv4Address, true, {}, {}},
    {93, "client-system", T::Uint16, true, {}, {}},  // RFC 4578
    {94, "client-ndi", T::Record, false, {T::Uint8, T::Uint8, T::Uint8}, {}},
    {97, "uuid-guid", T::Record, false, {T::Uint8, T::Binary}, {}},
    {98, "uap-servers", T::String, false, {}, {}},
    {99, "geoconf-civic", T::Binary, false, {}, {}},
    {100, "pcode", T::String, false, {}, {}},
    {101, "tcode", T::String, false, {}, {}},
    {108, "v6-only-preferred", T::Uint32, false, {}, {}},  // RFC 8925
    {112, "netinfo-server-address", T::Ipv4Address, true, {}, {}},
    {113, "netinfo-server-tag", T::String, false, {}, {}},
    {114, "v4-captive-portal", T::String, false, {}, {}},  // RFC 8910
    {116, "auto-config", T::Uint8, false, {}, {}},
    {117, "name-service-search", T::Uint16, true, {}, {}},
    {118, "subnet-selection", T::Ipv4Address, false, {}, {}},
    {119, "domain-search", T::Fqdn, true, {}, {}},                            // RFC 3397, not compressed
    {124, "vivco-suboptions", T::Record, false, {T::Uint32, T::Binary}, {}},  // RFC 3925
    {125, "vivso-suboptions", T::Uint32, false, {}, {}},                      // RFC 3925, enterprise id
    {136, "pana-agent", T::Ipv4Address, true, {}, {}},
    {137, "v4-lost", T::Fqdn, false, {}, {}},
    {138, "capwap-ac-v4", T::Ipv4Address, true, {}, {}},
    {141, "sip-ua-cs-domains", T::Fqdn, true, {}, {}},
    {146, "rdnss-selection", T::Record, true, {T::Uint8, T::Ipv4Address, T::Ipv4Address, T::Fqdn}, {}},  // RFC 6731
    {159, "v4-portparams", T::Record, false, {T::Uint8, T::Psid}, {}},                                   // RFC 7618
    {212, "option-6rd", T::Record, true, {T::Uint8, T::Uint8, T::Ipv6Address, T::Ipv4Address}, {}},      // RFC 5969
    {213, "v4-access-domain", T::Fqdn, false, {}, {}},
};

// Kea's DOCSIS 3 DHCPv4 vendor space (docsis3_option_defs.h): the vendor ORO and TFTP servers.
const Row kDocsisRows[] = {
    {1, "oro", T::Uint8, true, {}, {}},
    {2, "tftp-servers", T::Ipv4Address, true, {}, {}},
};

std::vector<OptionDef> build(std::span<const Row> rows, std::string_view space) {
  std::vector<OptionDef> out;
  out.reserve(rows.size());
  for (const Row& r : rows) {
    OptionDef d;
    d.code = r.code;
    d.name = std::string(r.name);
    d.space = std::string(space);
    d.type = r.type;
    d.array = r.array;
    d.recordFields.assign(r.fields.begin(), r.fields.end());
    d.encapsulate = std::string(r.encapsulate);
    out.push_back(std::move(d));
  }
  return out;
}

const std::vector<OptionDef>& dhcp4Defs() {
  static const std::vector<OptionDef> defs = build(kDhcp4Rows, kDhcp4Space);
  return defs;
}

const std::vector<OptionDef>& docsisDefs() {
  static const std::vector<OptionDef> defs = build(kDocsisRows, "vendor-4491");
  return defs;
}

// Kea's last-resort definition of option 43: a container of the
// "vendor-encapsulated-options-space" sub-options, used when no option-def replaces it.
const OptionDef& vendorEncapsulatedLastResort() {
  static const OptionDef def = [] {
    OptionDef d;
    d.code = 43;
    d.name = "vendor-encapsulated-options";
    d.type = T::Empty;
    d.encapsulate = std::string(kVendorEncapsulatedSpace);
    return d;
  }();
  return def;
}

const std::array<const OptionDef*, 256>& dhcp4CodeIndex() {
  static const std::array<const OptionDef*, 256> index = [] {
    std::array<const OptionDef*, 256> a{};
    for (const auto& d : dhcp4Defs()) a[d.code] = &d;
    a[43] = &vendorEncapsulatedLastResort();
    return a;
  }();
  return index;
}

// ---- Kea's CSV tokens ---------------------------------------------------------------------

bool isBlank(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string trim(std::string_view s) {
  while (!s.empty() && isBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && isBlank(s.back())) s.remove_suffix(1);
  return std::string(s);
}

// isc::util::str::tokens(data, ",", escape=true): "\," is a literal comma, "\\" a backslash;
// empty tokens are dropped. Each token is then trimmed, as optionFactory does.
std::vector<std::string> csvTokens(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  bool escaped = false;
  auto flush = [&] {
    if (!cur.empty()) out.push_back(trim(cur));
    cur.clear();
  };
  for (char c : text) {
    if (escaped) {
      if (c != ',' && c != '\\') cur.push_back('\\');
      cur.push_back(c);
      escaped = false;
    } else if (c == '\\') {
      escaped = true;
    } else if (c == ',') {
      flush();
    } else {
      cur.push_back(c);
    }
  }
  if (escaped) cur.push_back('\\');
  flush();
  return out;
}

int hexDigit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Plain hex digits (a CSV "binary" value: no separators, no prefix, even length), as Kea's
// util::encode::decodeHex accepts them.
bool plainHex(std::string_view s, std::vector<std::uint8_t>& out) {
  if (s.size() % 2) return false;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    int hi = hexDigit(s[i]), lo = hexDigit(s[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return true;
}

// ---- Kea's integer text (OptionDefinition::lexicalCastWithRangeCheck) ---------------------

// Decimal first (boost::lexical_cast<int64_t>: optional sign, digits); if that fails, the
// text is read as hex by a stream (optional sign, optional 0x, hex digits, nothing after),
// so "0x10", "ff" and "12abc" are numbers too.
std::optional<std::int64_t> keaInteger(std::string_view s) {
  auto digitsOnly = [](std::string_view d, int base) {
    if (d.empty()) return false;
    for (char c : d) {
      if (base == 10 ? !(c >= '0' && c <= '9') : hexDigit(c) < 0) return false;
    }
    return true;
  };
  std::string_view body = s;
  bool negative = false;
  if (!body.empty() && (body.front() == '+' || body.front() == '-')) {
    negative = body.front() == '-';
    body.remove_prefix(1);
  }
  auto read = [&](std::string_view d, int base) -> std::optional<std::int64_t> {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(d.data(), d.data() + d.size(), v, base);
    if (ec != std::errc() || p != d.data() + d.size()) return std::nullopt;
    if (v > std::uint64_t(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return negative ? -std::int64_t(v) : std::int64_t(v);
  };
  if (digitsOnly(body, 10)) return read(body, 10);
  std::string_view hex = body;
  if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
  if (digitsOnly(hex, 16)) return read(hex, 16);
  return std::nullopt;
}

Result<std::int64_t> rangedInteger(const std::string& s, std::int64_t lo, std::int64_t hi) {
  auto v = keaInteger(s);
  if (!v) return makeError(fmt::format("unable to convert the value '{}' to integer data type", s));
  if (*v < lo || *v > hi) {
    return makeError(
        fmt::format("unable to convert '{}' to numeric type. This value is expected to be in the range of {}..{}", s,
                    lo, hi));
  }
  return *v;
}

void appendBigEndian(std::uint64_t v, int bytes, std::vector<std::uint8_t>& out) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

Result<void> appendInteger(const std::string& s, std::int64_t lo, std::int64_t hi, int bytes,
                           std::vector<std::uint8_t>& out) {
  auto v = rangedInteger(s, lo, hi);
  if (!v) return v.error();
  appendBigEndian(static_cast<std::uint64_t>(*v), bytes, out);
  return {};
}

// OptionDefinition::convertToBool: "true"/"false" in any case, or an integer 0/1.
Result<void> appendBoolean(const std::string& s, std::vector<std::uint8_t>& out) {
  std::string lower(s);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "true" || lower == "false") {
    out.push_back(lower == "true" ? 1 : 0);
    return {};
  }
  std::string_view d = s;
  if (!d.empty() && (d.front() == '+' || d.front() == '-')) d.remove_prefix(1);
  int v = 0;
  auto [p, ec] = std::from_chars(d.data(), d.data() + d.size(), v);
  if (d.empty() || ec != std::errc() || p != d.data() + d.size()) {
    return makeError(fmt::format("unable to covert the value '{}' to boolean data type", s));  // Kea's spelling
  }
  if (!s.empty() && s.front() == '-') v = -v;
  if (v != 0 && v != 1) return makeError(fmt::format("unable to convert '{}' to boolean data type", s));
  out.push_back(static_cast<std::uint8_t>(v));
  return {};
}

Error badAddress(const std::string& s) {
  return makeError(fmt::format("Failed to convert string to address '{}': Invalid argument", s));
}

Result<void> appendIpv4(const std::string& s, std::vector<std::uint8_t>& out) {
  std::uint8_t buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
    out.insert(out.end(), buf, buf + 4);
    return {};
  }
  // Kea 2.2 writes an IPv6 address given for an ipv4-address field as 16 bytes; a config
  // doing that is a mistake, so it is refused here.
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) return makeError(fmt::format("'{}' is not an IPv4 address", s));
  return badAddress(s);
}

Result<void> appendIpv6(const std::string& s, std::vector<std::uint8_t>& out) {
  std::uint8_t buf[16];
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    out.insert(out.end(), buf, buf + 16);
    return {};
  }
  // Kea writes an IPv4 address's 4 bytes and then fails on the 16-byte field.
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) return makeError("option buffer truncated");
  return badAddress(s);
}

std::string withoutBlanks(const std::string& s) {
  std::string t;
  for (char c : s) {
    if (c != ' ' && c != '\t') t.push_back(c);
  }
  return t;
}

// "2001:db8::/48": the length, then the (len + 7) / 8 significant bytes with the bits past
// the length cleared (Kea's OptionDataTypeUtil::writePrefix).
Result<void> appendPrefix(const std::string& s, std::vector<std::uint8_t>& out) {
  std::string t = withoutBlanks(s);
  std::size_t slash = t.find('/');
  if (slash == std::string::npos) return makeError(fmt::format("provided address/prefix {} is not valid.", s));
  std::string addr = t.substr(0, slash), lenText = t.substr(slash + 1);
  std::uint8_t buf[16];
  if (inet_pton(AF_INET6, addr.c_str(), buf) != 1) {
    if (inet_pton(AF_INET, addr.c_str(), buf) == 1)
      return makeError(fmt::format("{} is not a valid IPv4 or IPv6 address.", addr));
    return badAddress(addr);
  }
  auto len = rangedInteger(lenText, 0, 255);
  if (!len) return makeError(fmt::format("provided prefix {} is not valid.", lenText));
  // Kea 2.2 accepts lengths up to 255 and then reads past the address; refused here.
  if (*len > 128) return makeError(fmt::format("provided prefix {} is not valid.", lenText));
  const int n = static_cast<int>((*len + 7) / 8);
  out.push_back(static_cast<std::uint8_t>(*len));
  for (int i = 0; i < n; ++i) {
    std::uint8_t b = buf[i];
    if (i == n - 1 && *len % 8) b &= static_cast<std::uint8_t>(0xff << (8 - *len % 8));
    out.push_back(b);
  }
  return {};
}

// "psid/length": the length byte, then the PSID shifted to the top of 16 bits (RFC 7597
// section 5.1; Kea's OptionDataTypeUtil::writePsid).
Result<void> appendPsid(const std::string& s, std::vector<std::uint8_t>& out) {
  std::string t = withoutBlanks(s);
  std::size_t slash = t.find('/');
  if (slash == std::string::npos) return makeError(fmt::format("provided PSID value {} is not valid", s));
  std::string psidText = t.substr(0, slash), lenText = t.substr(slash + 1);
  auto psid = rangedInteger(psidText, 0, 0xffff);
  if (!psid) return makeError(fmt::format("provided PSID {} is not valid", psidText));
  auto len = rangedInteger(lenText, 0, 255);
  if (!len) return makeError(fmt::format("provided PSID length {} is not valid", lenText));
  if (*len > 16) return makeError(fmt::format("invalid value {} of PSID length", *len));
  if (*len > 0 && *psid > (0xffff >> (16 - *len))) {
    return makeError(fmt::format("invalid PSID value {} for a specified PSID length {}", *psid, *len));
  }
  out.push_back(static_cast<std::uint8_t>(*len));
  appendBigEndian(*len == 0 ? 0 : static_cast<std::uint16_t>(*psid << (16 - *len)), 2, out);
  return {};
}

Result<void> appendTuple(const std::string& s, std::vector<std::uint8_t>& out) {
  // DHCPv4 tuples have a one-byte length (RFC 3925 section 3).
  if (s.size() > 255) return makeError(fmt::format("invalid tuple length {}: at most 255 bytes", s.size()));
  out.push_back(static_cast<std::uint8_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
  return {};
}

Result<void> appendFqdn(std::string_view text, std::vector<std::uint8_t>& out) {
  // isc::dns::Name from text: labels of 1..63 octets, 255 octets in wire form at most, the
  // root "." alone; a trailing dot is optional and case is kept.
  std::string_view name = text;
  if (name == ".") {
    out.push_back(0);
    return {};
  }
  if (name.empty()) return makeError("fqdn must not be empty");
  if (name.back() == '.') name.remove_suffix(1);
  if (name.size() + 2 > 255) return makeError(fmt::format("name is too long: {}", text));
  std::size_t pos = 0;
  while (true) {
    std::size_t dot = name.find('.', pos);
    std::string_view label = name.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
    if (label.empty()) return makeError(fmt::format("duplicate period in {}", text));
    if (label.size() > 63) return makeError(fmt::format("label is too long in {}", text));
    out.push_back(static_cast<std::uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  out.push_back(0);
  return {};
}

// One value of a field type (OptionDefinition::writeToBuffer).
Result<void> appendValue(OptionType type, const std::string& v, std::vector<std::uint8_t>& out) {
  switch (type) {
    case T::Uint8: return appendInteger(v, 0, 0xff, 1, out);
    case T::Uint16: return appendInteger(v, 0, 0xffff, 2, out);
    case T::Uint32: return appendInteger(v, 0, 0xffffffffLL, 4, out);
    case T::Int8: return appendInteger(v, -128, 127, 1, out);
    case T::Int16: return appendInteger(v, -32768, 32767, 2, out);
    case T::Int32: return appendInteger(v, -2147483648LL, 2147483647LL, 4, out);
    case T::Boolean: return appendBoolean(v, out);
    case T::Ipv4Address: return appendIpv4(v, out);
    case T::Ipv6Address: return appendIpv6(v, out);
    case T::Ipv6Prefix: return appendPrefix(v, out);
    case T::Psid: return appendPsid(v, out);
    case T::Tuple: return appendTuple(v, out);
    case T::Fqdn: return appendFqdn(v, out);
    case T::String: out.insert(out.end(), v.begin(), v.end()); return {};
    case T::Binary: {
      // Kea's base16 decoder skips blanks inside the digits; separators are errors.
      std::string digits;
      for (char c : v) {
        if (!isBlank(c)) digits.push_back(c);
      }
      if (digits.size() % 2 && std::all_of(digits.begin(), digits.end(), [](char c) { return hexDigit(c) >= 0; })) {
        return makeError(fmt::format("unable to cast {} to binary data type: Incomplete input for base16", v));
      }
      if (!plainHex(digits, out)) {
        return makeError(
            fmt::format("unable to cast {} to binary data type: attempt to decode a value not in base16 char set", v));
      }
      return {};
    }
    case T::Empty:
    case T::Record: break;
  }
  return makeError(fmt::format("attempt to write invalid option data field type into the option buffer: {}",
                               static_cast<int>(type)));
}

// Kea's client FQDN option (RFC 4702) keeps the name in ASCII when the E flag is clear. Kea
// 2.2 builds that ASCII form from the label bytes it encoded, so the wire carries the DNS
// text escapes of those bytes ("\004host\007example\003org\000"); reproduced here.
void asciiFqdnLikeKea(std::vector<std::uint8_t>& payload) {
  if (payload.size() < 3 || (payload[0] & 0x04)) return;
  std::vector<std::uint8_t> text(payload.begin(), payload.begin() + 3);
  for (std::size_t i = 3; i < payload.size(); ++i) {
    const std::uint8_t b = payload[i];
    if (b <= 0x20 || b >= 0x7f) {
      std::string esc = fmt::format("\\{:03d}", b);
      text.insert(text.end(), esc.begin(), esc.end());
    } else {
      if (b == '.' || b == '\\' || b == '"' || b == '(' || b == ')' || b == ';' || b == '@' || b == '$') {
        text.push_back('\\');
      }
      text.push_back(b);
    }
  }
  payload = std::move(text);
}

}  // namespace

std::span<const OptionDef> standardOptionDefs(std::string_view space) {
  if (space == kDhcp4Space) return dhcp4Defs();
  if (space == "vendor-4491") return docsisDefs();
  return {};
}

const OptionDef* findOptionDef(std::string_view name) noexcept {
  if (name == vendorEncapsulatedLastResort().name) return &vendorEncapsulatedLastResort();
  return findStandardOptionDef(kDhcp4Space, name);
}

const OptionDef* findOptionDef(std::uint8_t code) noexcept { return dhcp4CodeIndex()[code]; }

const OptionDef* findStandardOptionDef(std::string_view space, std::string_view name) noexcept {
  for (const auto& d : standardOptionDefs(space)) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

const OptionDef* findStandardOptionDef(std::string_view space, std::uint8_t code) noexcept {
  if (space == kDhcp4Space) {
    const OptionDef* d = dhcp4CodeIndex()[code];
    return d == &vendorEncapsulatedLastResort() ? nullptr : d;
  }
  for (const auto& d : standardOptionDefs(space)) {
    if (d.code == code) return &d;
  }
  return nullptr;
}

bool isStandardOption(std::string_view space, std::uint8_t code) noexcept {
  return space == kDhcp4Space && findStandardOptionDef(space, code) != nullptr;
}

bool isStandardOption(std::string_view space, std::string_view name) noexcept {
  return space == kDhcp4Space && findStandardOptionDef(space, name) != nullptr;
}

std::string_view toString(OptionType t) noexcept {
  switch (t) {
    case T::Empty: return "empty";
    case T::Binary: return "binary";
    case T::Boolean: return "boolean";
    case T::Int8: return "int8";
    case T::Int16: return "int16";
    case T::Int32: return "int32";
    case T::Uint8: return "uint8";
    case T::Uint16: return "uint16";
    case T::Uint32: return "uint32";
    case T::Ipv4Address: return "ipv4-address";
    case T::Ipv6Address: return "ipv6-address";
    case T::Ipv6Prefix: return "ipv6-prefix";
    case T::Psid: return "psid";
    case T::Record: return "record";
    case T::String: return "string";
    case T::Tuple: return "tuple";
    case T::Fqdn: return "fqdn";
  }
  return "unknown";
}

std::optional<OptionType> parseOptionType(std::string_view name) noexcept {
  for (int i = 0; i <= static_cast<int>(T::Fqdn); ++i) {
    if (toString(static_cast<T>(i)) == name) return static_cast<T>(i);
  }
  return std::nullopt;
}

bool isValidSpaceName(std::string_view name) noexcept {
  // isc::dhcp::OptionSpace::validateName: letters, digits, '-' and '_', neither of the last
  // two first or last.
  if (name.empty()) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  auto edge = [](char c) { return c == '-' || c == '_'; };
  return !edge(name.front()) && !edge(name.back());
}

bool isValidOptionName(std::string_view name) noexcept { return isValidSpaceName(name); }

std::optional<std::uint32_t> vendorSpaceId(std::string_view space) noexcept {
  constexpr std::string_view prefix = "vendor-";
  if (space.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view digits = space.substr(prefix.size());
  std::uint32_t id = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size()) return std::nullopt;
  return id;
}

Result<std::vector<std::uint8_t>> decodeHexData(std::string_view data) {
  auto bad = [&] {
    return makeError(fmt::format("option data is not a valid string of hexadecimal digits: {}", data));
  };
  std::vector<std::uint8_t> out;
  // A quoted string ('text', blanks around it ignored) is taken as its bytes
  // (util::str::quotedStringToBinary).
  const std::string quoted = trim(data);
  if (quoted.size() > 2 && quoted.front() == '\'' && quoted.back() == '\'') {
    out.assign(quoted.begin() + 1, quoted.end() - 1);
    return out;
  }
  // util::str::decodeFormattedHexString.
  std::string_view s = data;
  const bool colons = s.find(':') != std::string_view::npos;
  if (colons || s.find(' ') != std::string_view::npos) {
    // Groups of one or two digits between single separators.
    const char sep = colons ? ':' : ' ';
    std::size_t i = 0;
    while (true) {
      std::size_t j = s.find(sep, i);
      if (j == std::string_view::npos) j = s.size();
      std::string_view group = s.substr(i, j - i);
      if (group.empty() || group.size() > 2) return bad();
      int v = 0;
      for (char c : group) {
        int h = hexDigit(c);
        if (h < 0) return bad();
        v = v * 16 + h;
      }
      out.push_back(static_cast<std::uint8_t>(v));
      if (j == s.size()) break;
      i = j + 1;
    }
    return out;
  }
  // Odd lengths (counted with a "0x" prefix, which Kea takes in lower case only) get a
  // leading zero nibble.
  std::string digits = s.size() % 2 ? "0" : "";
  digits += s.size() > 2 && s.substr(0, 2) == "0x" ? s.substr(2) : s;
  if (!plainHex(digits, out)) return bad();
  return out;
}

Result<std::vector<std::uint8_t>> encodeOptionData(const OptionDef* def, std::string_view data, bool csvFormat) {
  if (!csvFormat) return decodeHexData(data);
  if (!def) return makeError("no definition for csv-format data");
  const std::vector<std::string> values = csvTokens(data);
  std::vector<std::uint8_t> out;
  if (def->type != T::Record) {
    if (!def->array) {
      if (values.empty()) {
        if (def->type == T::Empty) return out;
        return makeError("no option value specified");
      }
      if (auto r = appendValue(def->type, values[0], out); !r) return r.error();
      return out;
    }
    for (const auto& v : values) {
      if (auto r = appendValue(def->type, v, out); !r) return r.error();
    }
    return out;
  }
  const auto& fields = def->recordFields;
  if (fields.size() > values.size()) {
    return makeError(
        fmt::format("number of data fields for the option type '{}' is greater than number of values provided.",
                    def->code));
  }
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (auto r = appendValue(fields[i], values[i], out); !r) return r.error();
  }
  if (def->array) {
    for (std::size_t i = fields.size(); i < values.size(); ++i) {
      if (auto r = appendValue(fields.back(), values[i], out); !r) return r.error();
    }
  }
  if (def->space == kDhcp4Space && def->code == 81) asciiFqdnLikeKea(out);
  return out;
}

Result<std::vector<std::uint8_t>> encodeDomainName(std::string_view name) {
  std::vector<std::uint8_t> out;
  if (auto r = appendFqdn(name, out); !r) return r.error();
  return out;
}

}  // namespace tandem::proto
