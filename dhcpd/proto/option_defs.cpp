#include "dhcpd/proto/option_defs.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <utility>

#include <fmt/format.h>

#include "dhcpd/common/ipv4.h"

namespace tandem::proto {
namespace {

using T = OptionType;

// Record layouts, as in Kea's std_option_defs.h.
constexpr OptionType kSlpDirectoryAgent[] = {T::Boolean, T::Ipv4Address};  // RFC 2610
constexpr OptionType kSlpServiceScope[] = {T::Boolean, T::String};         // RFC 2610
constexpr OptionType kClientFqdn[] = {T::Uint8, T::Uint8, T::Uint8, T::Fqdn};  // RFC 4702
constexpr OptionType kClientNdi[] = {T::Uint8, T::Uint8, T::Uint8};         // RFC 4578
constexpr OptionType kUuidGuid[] = {T::Uint8, T::Binary};                  // RFC 4578
constexpr OptionType kVivco[] = {T::Uint32, T::Binary};                    // RFC 3925
constexpr OptionType kRdnssSelection[] = {T::Uint8, T::Ipv4Address, T::Ipv4Address, T::Fqdn};  // RFC 6731
constexpr OptionType kOption6rd[] = {T::Uint8, T::Uint8, T::Ipv6Address, T::Ipv4Address};  // RFC 5969

// The standard "dhcp4" space with Kea's names, in code order. Deliberate departures:
//  - domain-name (15): Kea documents type fqdn but RFC 2132 section 3.17 defines an ASCII
//    string and Kea writes it as one, so it is String here;
//  - vendor-encapsulated-options (43), dhcp-agent-options (82), vivso-suboptions (125),
//    v4-portparams (159), v4-dnr (162): Kea builds these from sub-option spaces or special
//    formats; here they are Binary (hex data), which covers every payload;
//  - policy-filter (21) and static-routes (33): Kea accepts any address count, RFC 2132
//    sections 4.3/5.8 require pairs, so an odd count is rejected;
//  - classless-static-route (121): RFC 3442, Kea 2.4+'s text form.
constexpr OptionDef kDefs[] = {
    {1, "subnet-mask", T::Ipv4Address},
    {2, "time-offset", T::Int32},
    {3, "routers", T::Ipv4List, true},
    {4, "time-servers", T::Ipv4List, true},
    {5, "name-servers", T::Ipv4List, true},
    {6, "domain-name-servers", T::Ipv4List, true},
    {7, "log-servers", T::Ipv4List, true},
    {8, "cookie-servers", T::Ipv4List, true},
    {9, "lpr-servers", T::Ipv4List, true},
    {10, "impress-servers", T::Ipv4List, true},
    {11, "resource-location-servers", T::Ipv4List, true},
    {12, "host-name", T::String},
    {13, "boot-size", T::Uint16},
    {14, "merit-dump", T::String},
    {15, "domain-name", T::String},
    {16, "swap-server", T::Ipv4Address},
    {17, "root-path", T::String},
    {18, "extensions-path", T::String},
    {19, "ip-forwarding", T::Boolean},
    {20, "non-local-source-routing", T::Boolean},
    {21, "policy-filter", T::Ipv4Pairs, true},
    {22, "max-dgram-reassembly", T::Uint16},
    {23, "default-ip-ttl", T::Uint8},
    {24, "path-mtu-aging-timeout", T::Uint32},
    {25, "path-mtu-plateau-table", T::Uint16List, true},
    {26, "interface-mtu", T::Uint16},
    {27, "all-subnets-local", T::Boolean},
    {28, "broadcast-address", T::Ipv4Address},
    {29, "perform-mask-discovery", T::Boolean},
    {30, "mask-supplier", T::Boolean},
    {31, "router-discovery", T::Boolean},
    {32, "router-solicitation-address", T::Ipv4Address},
    {33, "static-routes", T::Ipv4Pairs, true},
    {34, "trailer-encapsulation", T::Boolean},
    {35, "arp-cache-timeout", T::Uint32},
    {36, "ieee802-3-encapsulation", T::Boolean},
    {37, "default-tcp-ttl", T::Uint8},
    {38, "tcp-keepalive-interval", T::Uint32},
    {39, "tcp-keepalive-garbage", T::Boolean},
    {40, "nis-domain", T::String},
    {41, "nis-servers", T::Ipv4List, true},
    {42, "ntp-servers", T::Ipv4List, true},
    {43, "vendor-encapsulated-options", T::Binary},
    {44, "netbios-name-servers", T::Ipv4List, true},
    {45, "netbios-dd-server", T::Ipv4List, true},
    {46, "netbios-node-type", T::Uint8},
    {47, "netbios-scope", T::String},
    {48, "font-servers", T::Ipv4List, true},
    {49, "x-display-manager", T::Ipv4List, true},
    {50, "dhcp-requested-address", T::Ipv4Address},
    {51, "dhcp-lease-time", T::Uint32},
    {52, "dhcp-option-overload", T::Uint8},
    {53, "dhcp-message-type", T::Uint8},
    {54, "dhcp-server-identifier", T::Ipv4Address},
    {55, "dhcp-parameter-request-list", T::Uint8List, true},
    {56, "dhcp-message", T::String},
    {57, "dhcp-max-message-size", T::Uint16},
    {58, "dhcp-renewal-time", T::Uint32},
    {59, "dhcp-rebinding-time", T::Uint32},
    {60, "vendor-class-identifier", T::String},
    {61, "dhcp-client-identifier", T::Binary},
    {62, "nwip-domain-name", T::String},
    {63, "nwip-suboptions", T::Binary},
    {64, "nisplus-domain-name", T::String},
    {65, "nisplus-servers", T::Ipv4List, true},
    {66, "tftp-server-name", T::String},
    {67, "boot-file-name", T::String},
    {68, "mobile-ip-home-agent", T::Ipv4List, true},
    {69, "smtp-server", T::Ipv4List, true},
    {70, "pop-server", T::Ipv4List, true},
    {71, "nntp-server", T::Ipv4List, true},
    {72, "www-server", T::Ipv4List, true},
    {73, "finger-server", T::Ipv4List, true},
    {74, "irc-server", T::Ipv4List, true},
    {75, "streettalk-server", T::Ipv4List, true},
    {76, "streettalk-directory-assistance-server", T::Ipv4List, true},
    {77, "user-class", T::Binary},
    {78, "slp-directory-agent", T::Record, true, kSlpDirectoryAgent},
    {79, "slp-service-scope", T::Record, false, kSlpServiceScope},
    {81, "fqdn", T::Record, false, kClientFqdn},
    {82, "dhcp-agent-options", T::Binary},
    {85, "nds-servers", T::Ipv4List, true},
    {86, "nds-tree-name", T::String},
    {87, "nds-context", T::String},
    {88, "bcms-controller-names", T::FqdnList, true},
    {89, "bcms-controller-address", T::Ipv4List, true},
    {90, "authenticate", T::Binary},
    {91, "client-last-transaction-time", T::Uint32},
    {92, "associated-ip", T::Ipv4List, true},
    {93, "client-system", T::Uint16List, true},
    {94, "client-ndi", T::Record, false, kClientNdi},
    {97, "uuid-guid", T::Record, false, kUuidGuid},
    {98, "uap-servers", T::String},
    {99, "geoconf-civic", T::Binary},
    {100, "pcode", T::String},
    {101, "tcode", T::String},
    {108, "v6-only-preferred", T::Uint32},
    {112, "netinfo-server-address", T::Ipv4List, true},
    {113, "netinfo-server-tag", T::String},
    {114, "v4-captive-portal", T::String},
    {116, "auto-config", T::Uint8},
    {117, "name-service-search", T::Uint16List, true},
    {118, "subnet-selection", T::Ipv4Address},
    {119, "domain-search", T::FqdnList, true},
    {121, "classless-static-route", T::ClasslessRoutes, true},
    {124, "vivco-suboptions", T::Record, false, kVivco},
    {125, "vivso-suboptions", T::Binary},
    {136, "pana-agent", T::Ipv4List, true},
    {137, "v4-lost", T::Fqdn},
    {138, "capwap-ac-v4", T::Ipv4List, true},
    {141, "sip-ua-cs-domains", T::FqdnList, true},
    {146, "rdnss-selection", T::Record, true, kRdnssSelection},
    {159, "v4-portparams", T::Binary},
    {162, "v4-dnr", T::Binary},
    {212, "option-6rd", T::Record, true, kOption6rd},
    {213, "v4-access-domain", T::Fqdn},
};

const std::array<const OptionDef*, 256>& codeIndex() noexcept {
  static const std::array<const OptionDef*, 256> index = [] {
    std::array<const OptionDef*, 256> a{};
    for (const auto& d : kDefs) a[d.code] = &d;
    return a;
  }();
  return index;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Comma separated values with surrounding blanks trimmed; views point into `text`.
std::vector<std::string_view> splitCsv(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    std::size_t comma = text.find(',', start);
    out.push_back(trim(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

int hexDigit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Kea's csv-format false forms: "0a0b0c", "0x0a0b0c", "0a:0b:c", "0a 0b 0c", and a quoted
// string literal "'text'" taken as its bytes. An odd-length unseparated string gets a
// leading zero nibble, as Kea's decodeFormattedHexString does.
Result<std::vector<std::uint8_t>> parseHex(std::string_view text) {
  std::string_view s = trim(text);
  std::vector<std::uint8_t> out;
  if (s.size() >= 2 && s.front() == '\'' && s.back() == '\'') {
    s = s.substr(1, s.size() - 2);
    out.assign(s.begin(), s.end());
    return out;
  }
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  auto bad = [&](std::string_view why) {
    return makeError(fmt::format("invalid hex data '{}': {}", trim(text), why));
  };
  const bool colons = s.find(':') != std::string_view::npos;
  const bool spaces = s.find(' ') != std::string_view::npos;
  if (colons && spaces) return bad("mixes ':' and ' ' separators");
  if (colons || spaces) {
    const char sep = colons ? ':' : ' ';
    std::size_t i = 0;
    while (true) {
      std::size_t j = s.find(sep, i);
      if (j == std::string_view::npos) j = s.size();
      std::string_view group = s.substr(i, j - i);
      if (group.empty() || group.size() > 2) return bad("each byte must be 1 or 2 hex digits");
      int v = 0;
      for (char c : group) {
        int h = hexDigit(c);
        if (h < 0) return bad(fmt::format("'{}' is not a hex digit", c));
        v = v * 16 + h;
      }
      out.push_back(static_cast<std::uint8_t>(v));
      if (j == s.size()) break;
      i = j + 1;
    }
    return out;
  }
  out.reserve(s.size() / 2 + 1);
  std::size_t i = 0;
  if (s.size() % 2) {
    int h = hexDigit(s[0]);
    if (h < 0) return bad(fmt::format("'{}' is not a hex digit", s[0]));
    out.push_back(static_cast<std::uint8_t>(h));
    i = 1;
  }
  for (; i < s.size(); i += 2) {
    int hi = hexDigit(s[i]), lo = hexDigit(s[i + 1]);
    if (hi < 0 || lo < 0) return bad(fmt::format("'{}' is not a hex digit", hi < 0 ? s[i] : s[i + 1]));
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return out;
}

// Decimal, or hex with a 0x prefix; the whole token must be consumed.
Result<std::int64_t> parseInteger(std::string_view tok, std::int64_t lo, std::int64_t hi, std::string_view typeName) {
  auto bad = [&] {
    return makeError(fmt::format("invalid {} value '{}': expected an integer from {} to {}", typeName, tok, lo, hi));
  };
  if (tok.empty()) return bad();
  std::string_view digits = tok;
  bool negative = false;
  if (digits.front() == '-' || digits.front() == '+') {
    negative = digits.front() == '-';
    digits.remove_prefix(1);
  }
  int base = 10;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    base = 16;
    digits.remove_prefix(2);
  }
  std::uint64_t magnitude = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
  if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size()) return bad();
  if (magnitude > std::uint64_t(1) << 40) return bad();  // far outside every field's range
  std::int64_t v = negative ? -std::int64_t(magnitude) : std::int64_t(magnitude);
  if (v < lo || v > hi) return bad();
  return v;
}

void appendBigEndian(std::uint64_t v, int bytes, std::vector<std::uint8_t>& out) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

Result<void> appendInteger(std::string_view tok, std::int64_t lo, std::int64_t hi, int bytes, std::string_view name,
                           std::vector<std::uint8_t>& out) {
  auto v = parseInteger(tok, lo, hi, name);
  if (!v) return v.error();
  appendBigEndian(static_cast<std::uint64_t>(*v), bytes, out);
  return {};
}

Result<void> appendIpv4(std::string_view tok, std::vector<std::uint8_t>& out) {
  auto a = Ipv4::parse(tok);
  if (!a) return makeError(fmt::format("invalid IPv4 address '{}'", tok));
  appendBigEndian(a->value, 4, out);
  return {};
}

// RFC 3442 section 5: width, the significant octets of the destination, then the router.
Result<void> appendClasslessRoute(std::string_view tok, std::vector<std::uint8_t>& out) {
  auto bad = [&](std::string_view why) {
    return makeError(fmt::format("invalid classless static route '{}': {}", tok, why));
  };
  std::size_t dash = tok.find('-');
  if (dash == std::string_view::npos) return bad("expected 'destination/width - router'");
  auto prefix = Prefix4::parse(trim(tok.substr(0, dash)));
  if (!prefix) return bad("destination is not an address/width prefix");
  auto router = Ipv4::parse(trim(tok.substr(dash + 1)));
  if (!router) return bad("router is not an IPv4 address");
  if ((prefix->network.value & ~prefix->mask()) != 0) return bad("destination has bits set beyond its width");
  out.push_back(prefix->length);
  const int significant = (prefix->length + 7) / 8;
  for (int k = 0; k < significant; ++k) out.push_back(static_cast<std::uint8_t>(prefix->network.value >> (24 - 8 * k)));
  appendBigEndian(router->value, 4, out);
  return {};
}

Result<void> appendScalar(OptionType type, std::string_view tok, std::vector<std::uint8_t>& out) {
  switch (type) {
    case T::Uint8: return appendInteger(tok, 0, 0xff, 1, "uint8", out);
    case T::Uint16: return appendInteger(tok, 0, 0xffff, 2, "uint16", out);
    case T::Uint32: return appendInteger(tok, 0, 0xffffffffLL, 4, "uint32", out);
    case T::Int8: return appendInteger(tok, -128, 127, 1, "int8", out);
    case T::Int16: return appendInteger(tok, -32768, 32767, 2, "int16", out);
    case T::Int32: return appendInteger(tok, -2147483648LL, 2147483647LL, 4, "int32", out);
    case T::Boolean: {
      std::string lower(tok);
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      if (lower == "true" || lower == "1") out.push_back(1);
      else if (lower == "false" || lower == "0") out.push_back(0);
      else return makeError(fmt::format("invalid boolean value '{}': expected true, false, 1 or 0", tok));
      return {};
    }
    case T::Ipv4Address: return appendIpv4(tok, out);
    case T::Ipv6Address: {
      std::string text(tok);
      std::uint8_t buf[16];
      if (inet_pton(AF_INET6, text.c_str(), buf) != 1) return makeError(fmt::format("invalid IPv6 address '{}'", tok));
      out.insert(out.end(), buf, buf + 16);
      return {};
    }
    case T::Fqdn: {
      auto name = encodeDomainName(tok);
      if (!name) return name.error();
      out.insert(out.end(), name->begin(), name->end());
      return {};
    }
    case T::String:
      if (tok.empty()) return makeError("string value must not be empty");
      out.insert(out.end(), tok.begin(), tok.end());
      return {};
    case T::Binary: {
      auto bytes = parseHex(tok);
      if (!bytes) return bytes.error();
      out.insert(out.end(), bytes->begin(), bytes->end());
      return {};
    }
    case T::ClasslessRoutes: return appendClasslessRoute(tok, out);
    case T::Empty:
    case T::FqdnList:
    case T::Ipv4List:
    case T::Ipv4Pairs:
    case T::Uint8List:
    case T::Uint16List:
    case T::Record: break;
  }
  return makeError(fmt::format("type {} is not a single value", toString(type)));
}

// The element type of a list type; the type itself for scalars.
OptionType elementType(OptionType t) noexcept {
  switch (t) {
    case T::Ipv4List:
    case T::Ipv4Pairs: return T::Ipv4Address;
    case T::Uint8List: return T::Uint8;
    case T::Uint16List: return T::Uint16;
    case T::FqdnList: return T::Fqdn;
    default: return t;
  }
}

Error valueError(std::size_t index, const Error& e) { return makeError(fmt::format("value {}: {}", index + 1, e.message)); }

Result<std::vector<std::uint8_t>> encodeList(const OptionDef& def, std::string_view data) {
  std::vector<std::uint8_t> out;
  if (trim(data).empty()) return makeError(fmt::format("{} needs at least one value", def.name));
  auto tokens = splitCsv(data);
  if (def.type == T::Ipv4Pairs && tokens.size() % 2)
    return makeError(fmt::format("{} needs address pairs (RFC 2132), got {} addresses", def.name, tokens.size()));
  if (def.type == T::FqdnList) {
    for (std::size_t i = 0; i < tokens.size(); ++i)
      if (tokens[i].empty()) return valueError(i, makeError("empty domain name"));
    // RFC 3397 section 2 compression is used where that RFC defines the encoding.
    if (auto r = encodeDomainList(tokens, def.code == 119, out); !r) return r.error();
    return out;
  }
  const OptionType element = elementType(def.type);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].empty()) return valueError(i, makeError("empty value"));
    if (auto r = appendScalar(element, tokens[i], out); !r) return valueError(i, r.error());
  }
  return out;
}

Result<std::vector<std::uint8_t>> encodeRecord(const OptionDef& def, std::string_view data) {
  std::vector<std::uint8_t> out;
  auto fields = def.recordFields;
  if (fields.empty()) return makeError(fmt::format("{} is a record without fields", def.name));
  auto tokens = splitCsv(data);
  if (tokens.size() < fields.size())
    return makeError(fmt::format("{} needs {} comma separated fields, got {}", def.name, fields.size(), tokens.size()));
  if (tokens.size() > fields.size() && !def.array) {
    // A trailing string field keeps its commas, as a whole string option would.
    if (fields.back() != T::String)
      return makeError(fmt::format("{} needs {} comma separated fields, got {}", def.name, fields.size(), tokens.size()));
    std::string_view rest = trim(data.substr(static_cast<std::size_t>(tokens[fields.size() - 1].data() - data.data())));
    tokens.resize(fields.size());
    tokens.back() = rest;
  }
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const OptionType field = fields[std::min(i, fields.size() - 1)];
    if (auto r = appendScalar(field, tokens[i], out); !r)
      return makeError(fmt::format("field {}: {}", i + 1, r.error().message));
  }
  return out;
}

}  // namespace

std::span<const OptionDef> standardOptionDefs() noexcept { return kDefs; }

std::string_view toString(OptionType t) noexcept {
  switch (t) {
    case T::Empty: return "empty";
    case T::Binary: return "binary";
    case T::String: return "string";
    case T::Fqdn: return "fqdn";
    case T::FqdnList: return "fqdn array";
    case T::Ipv4Address: return "ipv4-address";
    case T::Ipv4List: return "ipv4-address array";
    case T::Ipv4Pairs: return "ipv4-address pairs";
    case T::Uint8: return "uint8";
    case T::Uint16: return "uint16";
    case T::Uint32: return "uint32";
    case T::Int32: return "int32";
    case T::Boolean: return "boolean";
    case T::Uint8List: return "uint8 array";
    case T::Uint16List: return "uint16 array";
    case T::Record: return "record";
    case T::Int8: return "int8";
    case T::Int16: return "int16";
    case T::Ipv6Address: return "ipv6-address";
    case T::ClasslessRoutes: return "classless static routes";
  }
  return "unknown";
}

const OptionDef* findOptionDef(std::string_view name) noexcept {
  for (const auto& d : kDefs)
    if (d.name == name) return &d;
  return nullptr;
}

const OptionDef* findOptionDef(std::uint8_t code) noexcept { return codeIndex()[code]; }

Result<std::vector<std::uint8_t>> encodeOptionData(const OptionDef* def, std::string_view data, bool csvFormat) {
  if (!csvFormat) return parseHex(data);
  if (!def) return makeError("option has no definition, so csv-format true cannot be used; give hex data with csv-format false");
  switch (def->type) {
    case T::Empty:
      if (!trim(data).empty()) return makeError(fmt::format("{} carries no data, got '{}'", def->name, data));
      return std::vector<std::uint8_t>{};
    case T::Binary: return parseHex(data);
    case T::String:
      // Kea takes a string option's data verbatim: commas and blanks are part of it.
      if (data.empty()) return makeError(fmt::format("{} must not be empty", def->name));
      return std::vector<std::uint8_t>(data.begin(), data.end());
    case T::Record: return encodeRecord(*def, data);
    case T::FqdnList:
    case T::Ipv4List:
    case T::Ipv4Pairs:
    case T::Uint8List:
    case T::Uint16List:
    case T::ClasslessRoutes: return encodeList(*def, data);
    case T::Fqdn:
    case T::Ipv4Address:
    case T::Uint8:
    case T::Uint16:
    case T::Uint32:
    case T::Int8:
    case T::Int16:
    case T::Int32:
    case T::Boolean:
    case T::Ipv6Address: {
      if (def->array) return encodeList(*def, data);
      std::string_view tok = trim(data);
      if (tok.find(',') != std::string_view::npos)
        return makeError(fmt::format("{} takes one {} value, got '{}'", def->name, toString(def->type), tok));
      std::vector<std::uint8_t> out;
      if (auto r = appendScalar(def->type, tok, out); !r) return r.error();
      return out;
    }
  }
  return makeError("unsupported option type");
}

Result<std::vector<std::uint8_t>> encodeDomainName(std::string_view name) {
  std::vector<std::uint8_t> out;
  std::string_view one[] = {name};
  if (auto r = encodeDomainList(one, false, out); !r) return r.error();
  return out;
}

Result<void> encodeDomainList(std::span<const std::string_view> names, bool compress, std::vector<std::uint8_t>& out) {
  // Suffixes already written ("apple.com" -> offset), for RFC 1035 section 4.1.4 pointers.
  std::vector<std::pair<std::string_view, std::size_t>> written;
  const std::size_t base = out.size();
  for (std::string_view raw : names) {
    std::string_view name = trim(raw);
    auto bad = [&](std::string_view why) { return makeError(fmt::format("invalid domain name '{}': {}", name, why)); };
    if (name.empty()) return bad("empty");
    if (name == ".") {  // the root: a single zero-length label
      out.push_back(0);
      continue;
    }
    if (name.back() == '.') name.remove_suffix(1);
    // RFC 1035 section 3.1: labels of 1..63 octets, at most 255 octets in wire form.
    if (name.size() + 2 > 255) return bad("longer than 255 octets in wire form");
    std::size_t pos = 0;
    while (true) {
      std::string_view suffix = name.substr(pos);
      if (compress) {
        auto hit = std::find_if(written.begin(), written.end(), [&](const auto& w) { return w.first == suffix; });
        if (hit != written.end()) {
          out.push_back(static_cast<std::uint8_t>(0xc0 | (hit->second >> 8)));
          out.push_back(static_cast<std::uint8_t>(hit->second & 0xff));
          break;
        }
        // Pointers hold 14 bits; a suffix written further in can only be repeated in full.
        if (out.size() - base < 0x4000) written.emplace_back(suffix, out.size() - base);
      }
      std::size_t dot = name.find('.', pos);
      std::string_view label = name.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
      if (label.empty()) return bad("empty label");
      if (label.size() > 63) return bad("label longer than 63 octets");
      for (char c : label)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
          return bad("contains a blank or non-ASCII character");
      out.push_back(static_cast<std::uint8_t>(label.size()));
      out.insert(out.end(), label.begin(), label.end());
      if (dot == std::string_view::npos) {
        out.push_back(0);
        break;
      }
      pos = dot + 1;
    }
  }
  return {};
}

}  // namespace tandem::proto
