#include "dhcpd/proto/packet4.h"

#include "dhcpd/proto/client_fqdn.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "dhcpd/proto/bootp_layout.h"
#include "dhcpd/proto/option_defs.h"

namespace tandem::proto {
namespace {

// RFC 2131 section 2, figure 1: the fixed BOOTP header, then the magic cookie (section 3).
using layout::kChaddrOffset;
using layout::kCookie;
using layout::kFileOffset;
using layout::kFixedLen;
using layout::kOptionsOffset;
using layout::kSnameOffset;
// RFC 1542 section 3.3: a BOOTP message is at least 300 bytes (236 + 64 vendor bytes).
constexpr std::size_t kMinMessage = 300;
// RFC 2132 section 9.10: 576 is the smallest legal maximum message size; it counts the
// IP (20) and UDP (8) headers, as in ISC dhcpd's DHCP_FIXED_LEN arithmetic.
constexpr std::size_t kMinMaxSize = 576;
constexpr std::size_t kIpUdpOverhead = 28;
constexpr std::size_t kMaxOptionChunk = 255;

// Overload values, RFC 2132 section 9.3.
constexpr std::uint8_t kOverloadFile = 1, kOverloadSname = 2, kOverloadBoth = 3;

std::uint32_t load32(const std::uint8_t* p) noexcept {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}
std::uint16_t load16(const std::uint8_t* p) noexcept { return std::uint16_t((p[0] << 8) | p[1]); }
std::uint8_t* store32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = std::uint8_t(v >> 24);
  p[1] = std::uint8_t(v >> 16);
  p[2] = std::uint8_t(v >> 8);
  p[3] = std::uint8_t(v);
  return p + 4;
}
std::uint8_t* store16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = std::uint8_t(v >> 8);
  p[1] = std::uint8_t(v);
  return p + 2;
}

Error codecError(CodecError e) { return makeError(std::string(toString(e)), static_cast<int>(e)); }

// Collects options from the areas in RFC 3396 section 7 order, concatenating instances of
// the same code into the entry of the first one (RFC 2131 section 4.1 does the same for
// repeated options). The index avoids a search per option.
class OptionCollector {
 public:
  explicit OptionCollector(std::vector<Option>& out) noexcept : out_(out) { index_.fill(-1); }

  void add(std::uint8_t code, const std::uint8_t* data, std::uint8_t len) {
    std::int16_t& slot = index_[code];
    if (slot < 0) {
      slot = static_cast<std::int16_t>(out_.size());
      out_.push_back(Option{code, std::vector<std::uint8_t>(data, data + len)});
    } else {
      auto& d = out_[static_cast<std::size_t>(slot)].data;
      d.insert(d.end(), data, data + len);
      if (code == opt::kMessageType) repeatedMessageType_ = true;
    }
  }
  bool repeatedMessageType() const noexcept { return repeatedMessageType_; }

 private:
  std::vector<Option>& out_;
  std::array<std::int16_t, 256> index_;
  bool repeatedMessageType_ = false;
};

enum class AreaKind { Options, Overloaded };

// What Kea 2.2 does with one received option instance: LibDHCP::unpackOptions4 builds it with
// its standard definition's factory (OptionInt, OptionIntArray, Option4AddrLst, OptionCustom,
// Option4ClientFqdn, OptionVendorClass), and a factory that throws fails the whole packet
// (Dhcpv4Srv: DHCP4_PACKET_DROP_0001, pkt4-parse-failed). Measured against kea-dhcp4 2.2.0
// (tests/difftest/scenarios/malformed.py, group malformed-optlen).
enum class Verdict { Keep, Skip, Malformed };

constexpr std::size_t fixedSize(OptionType t) noexcept {
  switch (t) {
    case OptionType::Boolean:
    case OptionType::Int8:
    case OptionType::Uint8: return 1;
    case OptionType::Int16:
    case OptionType::Uint16: return 2;
    case OptionType::Int32:
    case OptionType::Uint32:
    case OptionType::Ipv4Address: return 4;
    case OptionType::Ipv6Address: return 16;
    case OptionType::Psid: return 3;  // length octet + 16-bit PSID
    default: return 0;
  }
}

// One RFC 1035 section 3.1 name starting at `i` (uncompressed, as Kea's OptionDataTypeUtil
// reads it): its size, or 0 when it runs past the data or has a label longer than 63 octets
// ("incomplete wire-format name").
std::size_t wireNameSize(std::span<const std::uint8_t> d, std::size_t i) noexcept {
  const std::size_t start = i;
  std::size_t total = 0;
  while (i < d.size()) {
    const std::uint8_t l = d[i];
    if (l == 0) return i + 1 - start;
    // A compression pointer (RFC 1035 4.1.4) ends the name; isc::dns::Name follows it.
    if ((l & 0xc0) == 0xc0) return i + 2 <= d.size() ? i + 2 - start : 0;
    if (l > 63) return 0;
    total += l + 1;
    if (total > 255) return 0;
    i += 1 + std::size_t(l);
  }
  return 0;
}

Verdict checkOption(std::uint8_t code, std::span<const std::uint8_t> d) noexcept {
  const std::size_t n = d.size();
  switch (code) {
    case opt::kHostName:
      // LibDHCP::unpackOptions4 skips an empty host name instead of failing the packet.
      return n == 0 ? Verdict::Skip : Verdict::Keep;
    case opt::kClientFqdn: {
      // Option4ClientFqdn: flags, rcode1, rcode2, then (E flag, RFC 4702 2.1) a wire-format
      // name that may be partial (no final zero label).
      if (n < 3) return Verdict::Malformed;
      if (!(d[0] & 0x04)) return Verdict::Keep;
      for (std::size_t i = 3; i < n;) {
        const std::uint8_t l = d[i];
        // The root label ends the name; octets after it are ignored, as Kea reads the name
        // (measured: difftest names-*/fqdn-e-trailing-junk is served).
        if (l == 0) return Verdict::Keep;
        if (l > 63 || i + 1 + l > n) return Verdict::Malformed;
        i += 1 + std::size_t(l);
      }
      return Verdict::Keep;
    }
    case 124: {
      // OptionVendorClass: enterprise number, then tuples of a length octet and data.
      if (n < 4) return Verdict::Malformed;
      for (std::size_t i = 4; i < n; i += 1 + std::size_t(d[i]))
        if (i + 1 + d[i] > n) return Verdict::Malformed;
      return Verdict::Keep;
    }
    case 125:  // Kea 2.2 serves a query whose V-I vendor option is short or truncated.
    case 43:   // unpacked later (deferred), never fails the packet
      return Verdict::Keep;
    default: break;
  }
  const OptionDef* def = findStandardOptionDef(kDhcp4Space, code);
  if (!def) return Verdict::Keep;
  const std::size_t size = fixedSize(def->type);
  switch (def->type) {
    case OptionType::Record: {
      std::size_t need = 0;
      for (OptionType f : def->recordFields) {
        if (f == OptionType::Fqdn) {
          const std::size_t s = need < n ? wireNameSize(d, need) : 0;
          if (s == 0) return Verdict::Malformed;
          need += s;
        } else {
          need += fixedSize(f);
        }
      }
      return need > n ? Verdict::Malformed : Verdict::Keep;
    }
    case OptionType::Fqdn: {
      if (n == 0) return def->array ? Verdict::Keep : Verdict::Malformed;
      for (std::size_t i = 0; i < n;) {
        const std::size_t s = wireNameSize(d, i);
        if (s == 0) return Verdict::Malformed;
        i += s;
        if (!def->array) break;
      }
      return Verdict::Keep;
    }
    default: break;
  }
  if (size == 0) return Verdict::Keep;                                    // binary, string, empty: any length
  if (!def->array) return n < size ? Verdict::Malformed : Verdict::Keep;  // extra octets ignored
  // Option4AddrLst takes an empty list; OptionIntArray does not.
  if (n % size != 0) return Verdict::Malformed;
  return n == 0 && def->type != OptionType::Ipv4Address ? Verdict::Malformed : Verdict::Keep;
}

// Relay agent information (RFC 3046): Kea parses the sub-options and stops at one that runs
// past the option, keeping those before it (LibDHCP::unpackOptions4 in that space).
std::uint8_t agentSubOptionsLength(const std::uint8_t* data, std::uint8_t len) noexcept {
  std::size_t i = 0;
  while (i + 2 <= len && i + 2 + data[i + 1] <= len) i += 2 + std::size_t(data[i + 1]);
  return static_cast<std::uint8_t>(i);
}

// Walks one option area. Returns 0 on success, else the CodecError value. Option 52 is read
// (into `overload`) only from the options field, as RFC 2131 section 4.1 requires it there.
// Like Kea's LibDHCP::unpackOptions4, an option whose header or data runs past the end of
// the area ends the walk: it and whatever follows are ignored, the packet is served.
int parseArea(std::span<const std::uint8_t> area, AreaKind kind, OptionCollector& collector, std::uint8_t& overload) {
  const std::uint8_t* a = area.data();
  const std::size_t n = area.size();
  std::size_t i = 0;
  bool seenOverload = false;
  while (i < n) {
    const std::uint8_t code = a[i];
    if (code == opt::kPad) {
      ++i;
      continue;
    }
    if (code == opt::kEnd) return 0;
    if (i + 1 >= n) return 0;
    const std::uint8_t len = a[i + 1];
    if (len > n - i - 2) return 0;
    const std::uint8_t* data = a + i + 2;
    i += 2 + std::size_t(len);
    switch (checkOption(code, std::span<const std::uint8_t>(data, len))) {
      case Verdict::Malformed: return static_cast<int>(CodecError::BadOptionLength);
      case Verdict::Skip: continue;
      case Verdict::Keep: break;
    }
    if (code == opt::kOverload) {
      if (kind == AreaKind::Options && !seenOverload) overload = data[0];
      seenOverload = true;
    } else if (code == opt::kRelayAgentInfo) {
      collector.add(code, data, agentSubOptionsLength(data, len));
    } else {
      collector.add(code, data, len);
    }
  }
  // The last option ended exactly at the end of the area without End: real clients send
  // this (and fixed-size sname/file can be filled completely), so it is tolerated.
  return 0;
}

constexpr bool isProtected(std::uint8_t code) noexcept {
  return code == opt::kMessageType || code == opt::kServerId || code == opt::kSubnetMask || code == opt::kLeaseTime;
}
constexpr bool isWritten(std::uint8_t code) noexcept {
  return code != opt::kPad && code != opt::kEnd && code != opt::kOverload;
}
// Whether one instance of an option, as written on the wire, is read back whole by a
// receiver that builds each instance on its own: kept by checkOption, and for option 82 made
// of whole sub-options (parseArea cuts the rest).
bool instanceSurvives(std::uint8_t code, std::span<const std::uint8_t> d) noexcept {
  if (checkOption(code, d) != Verdict::Keep) return false;
  return code != opt::kRelayAgentInfo ||
         agentSubOptionsLength(d.data(), static_cast<std::uint8_t>(d.size())) == d.size();
}

// Instance lengths for an option longer than 255 octets (RFC 3396 section 6). The RFC lets
// the split fall anywhere, but Kea 2.2 builds each received instance with its definition's
// factory before joining them (LibDHCP::unpackOptions4, then fuseOptions4 in Pkt4::unpack),
// and so does decode(): a 4-octet address cut in two fails the whole packet there. So the cut
// points are chosen so that every instance is valid on its own (addresses and integers whole,
// names whole, sub-options whole), the instances as long as possible. ok[i] says the octets
// from i on can be cut that way; the first instance is then the longest valid one after which
// the rest can still be cut. Data that no cut makes valid (not produced by decode() or by the
// config parser) falls back to 255-octet instances.
std::vector<std::size_t> longOptionInstances(const Option& o) {
  const std::span<const std::uint8_t> d(o.data);
  const std::size_t n = d.size();
  // Common case first: 255-octet instances that are all valid (text, binary, options without
  // a standard definition).
  std::vector<std::size_t> lengths;
  for (std::size_t i = 0; i < n; i += kMaxOptionChunk) lengths.push_back(std::min(kMaxOptionChunk, n - i));
  bool allValid = true;
  for (std::size_t i = 0, k = 0; allValid && k < lengths.size(); i += lengths[k++])
    allValid = instanceSurvives(o.code, d.subspan(i, lengths[k]));
  if (allValid) return lengths;
  std::vector<std::size_t> next(n + 1, 0);  // next[i]: end of the instance starting at i, 0: none
  std::vector<bool> ok(n + 1, false);
  ok[n] = true;
  for (std::size_t i = n; i-- > 0;) {
    for (std::size_t j = std::min(n, i + kMaxOptionChunk); j > i; --j) {
      if (ok[j] && instanceSurvives(o.code, d.subspan(i, j - i))) {
        ok[i] = true;
        next[i] = j;
        break;
      }
    }
  }
  if (!ok[0]) return lengths;  // no valid cut: the 255-octet instances
  lengths.clear();
  for (std::size_t i = 0; i < n; i = next[i]) lengths.push_back(next[i] - i);
  return lengths;
}

// Writes one option: a single instance, or the instances longOptionInstances() chose.
std::uint8_t* writeOption(std::uint8_t* p, const Option& o, const std::vector<std::size_t>& instances) noexcept {
  const std::uint8_t* d = o.data.data();
  if (instances.empty()) {
    *p++ = o.code;
    *p++ = static_cast<std::uint8_t>(o.data.size());
    if (!o.data.empty()) std::memcpy(p, d, o.data.size());
    return p + o.data.size();
  }
  for (std::size_t chunk : instances) {
    *p++ = o.code;
    *p++ = static_cast<std::uint8_t>(chunk);
    std::memcpy(p, d, chunk);
    p += chunk;
    d += chunk;
  }
  return p;
}

}  // namespace

std::string_view toString(MessageType t) noexcept {
  switch (t) {
    case MessageType::Discover: return "DHCPDISCOVER";
    case MessageType::Offer: return "DHCPOFFER";
    case MessageType::Request: return "DHCPREQUEST";
    case MessageType::Decline: return "DHCPDECLINE";
    case MessageType::Ack: return "DHCPACK";
    case MessageType::Nak: return "DHCPNAK";
    case MessageType::Release: return "DHCPRELEASE";
    case MessageType::Inform: return "DHCPINFORM";
  }
  return "DHCP-UNKNOWN";
}

std::string_view toString(CodecError e) noexcept {
  switch (e) {
    case CodecError::Truncated: return "packet shorter than the BOOTP header and magic cookie";
    case CodecError::BadMagicCookie: return "bad magic cookie";
    case CodecError::BadOptionLength: return "option length does not fit its definition";
    case CodecError::NoMessageType: return "no DHCP message type option (53)";
    case CodecError::BadClientFqdn: return "malformed Client FQDN option (81)";
  }
  return "unknown codec error";
}

const Option* Packet4::find(std::uint8_t code) const noexcept {
  for (const auto& o : options)
    if (o.code == code) return &o;
  return nullptr;
}

Option* Packet4::find(std::uint8_t code) noexcept {
  for (auto& o : options)
    if (o.code == code) return &o;
  return nullptr;
}

void Packet4::set(std::uint8_t code, std::vector<std::uint8_t> data) {
  if (Option* o = find(code)) {
    o->data = std::move(data);
    return;
  }
  options.push_back(Option{code, std::move(data)});
}

void Packet4::remove(std::uint8_t code) {
  std::erase_if(options, [code](const Option& o) { return o.code == code; });
}

std::optional<MessageType> Packet4::messageType() const noexcept {
  const Option* o = find(opt::kMessageType);
  if (!o || o->data.empty() || o->data[0] < 1 || o->data[0] > 8) return std::nullopt;
  return static_cast<MessageType>(o->data[0]);
}

HwAddr Packet4::hwAddr() const noexcept {
  return HwAddr::fromBytes(std::span<const std::uint8_t>(chaddr.data(), std::min<std::size_t>(hlen, 16)), htype);
}

namespace {
std::optional<Ipv4> addressOption(const Packet4& p, std::uint8_t code) noexcept {
  const Option* o = p.find(code);
  // Kea reads the first four octets of a longer option (OptionCustom ignores the rest).
  if (!o || o->data.size() < 4) return std::nullopt;
  return Ipv4(load32(o->data.data()));
}
}  // namespace

std::optional<Ipv4> Packet4::requestedAddress() const noexcept { return addressOption(*this, opt::kRequestedAddress); }

std::optional<Ipv4> Packet4::serverId() const noexcept { return addressOption(*this, opt::kServerId); }

std::optional<std::vector<std::uint8_t>> Packet4::clientId() const {
  // RFC 2132 section 9.14: at least 2 bytes (type + identifier). A shorter one cannot name a
  // client, so it is treated as absent and the client is known by chaddr; the raw option is
  // still in `options` for the RFC 6842 echo.
  const Option* o = find(opt::kClientId);
  if (!o || o->data.size() < 2) return std::nullopt;
  return o->data;
}

std::optional<std::uint16_t> Packet4::maxMessageSize() const noexcept {
  const Option* o = find(opt::kMaxMessageSize);
  if (!o || o->data.size() < 2) return std::nullopt;
  return load16(o->data.data());
}

std::vector<std::uint8_t> Packet4::parameterRequestList() const {
  const Option* o = find(opt::kParameterRequestList);
  return o ? o->data : std::vector<std::uint8_t>{};
}

Result<Packet4> decode(std::span<const std::uint8_t> wire) noexcept {
  if (wire.size() < kOptionsOffset) return codecError(CodecError::Truncated);
  const std::uint8_t* w = wire.data();
  Packet4 p;
  // Kea 2.2 keeps any op (it goes by the message type) and any hlen; chaddr holds 16 octets,
  // so a larger hlen names those 16 (Kea's reply carries hlen 16 too).
  p.op = w[0];
  p.htype = w[1];
  p.hlen = std::min<std::uint8_t>(w[2], 16);
  if (std::memcmp(w + kFixedLen, kCookie, sizeof kCookie) != 0) return codecError(CodecError::BadMagicCookie);
  p.hops = w[3];
  p.xid = load32(w + 4);
  p.secs = load16(w + 8);
  p.flags = load16(w + 10);
  p.ciaddr = Ipv4(load32(w + 12));
  p.yiaddr = Ipv4(load32(w + 16));
  p.siaddr = Ipv4(load32(w + 20));
  p.giaddr = Ipv4(load32(w + 24));
  std::memcpy(p.chaddr.data(), w + kChaddrOffset, p.chaddr.size());
  std::memcpy(p.sname.data(), w + kSnameOffset, p.sname.size());
  std::memcpy(p.file.data(), w + kFileOffset, p.file.size());

  // One allocation for the option list in the common case (an option takes >= 2 bytes).
  p.options.reserve(std::min<std::size_t>((wire.size() - kOptionsOffset) / 2 + 1, 32));
  OptionCollector collector(p.options);
  std::uint8_t overload = 0;
  if (int rc = parseArea(wire.subspan(kOptionsOffset), AreaKind::Options, collector, overload))
    return codecError(static_cast<CodecError>(rc));
  // RFC 2131 section 4.1 / RFC 3396 section 7: options, then file, then sname. Values
  // outside 1..3 mean nothing to overload and are ignored.
  std::uint8_t unused = 0;
  if (overload == kOverloadFile || overload == kOverloadBoth) {
    if (int rc = parseArea(p.file, AreaKind::Overloaded, collector, unused))
      return codecError(static_cast<CodecError>(rc));
    p.file.fill(0);
  }
  if (overload == kOverloadSname || overload == kOverloadBoth) {
    if (int rc = parseArea(p.sname, AreaKind::Overloaded, collector, unused))
      return codecError(static_cast<CodecError>(rc));
    p.sname.fill(0);
  }

  // RFC 2132 section 9.6: without option 53 this is BOOTP, which we do not serve.
  // An empty option 53 failed above (OptionInt needs one octet); Kea reads the first octet
  // of a longer one. A value outside 1..8 is decoded: the server drops it as an unsupported
  // message type, as Kea does (pkt4-unknown-received, pkt4-receive-drop).
  Option* mt = p.find(opt::kMessageType);
  if (!mt) return codecError(CodecError::NoMessageType);
  // Kea 2.2 finds no message type in a query carrying option 53 twice (DHCP4_PACKET_DROP_0004,
  // measured: difftest malformed/msg-type-twice): kept empty, so messageType() has none and
  // the query is dropped as unsupported (pkt4-receive-drop), not as unparsable.
  if (collector.repeatedMessageType()) mt->data.clear();
  // Kea 2.2 unpacks option 81 with the packet and drops the packet when that fails (checked
  // against kea-dhcp4: truncated, N and S both set, a bad label).
  if (const Option* f = p.find(opt::kClientFqdn); f && !ClientFqdn::parse(f->data)) {
    return codecError(CodecError::BadClientFqdn);
  }
  return p;
}

EncodeResult encode(const Packet4& p, std::size_t maxSize) {
  EncodeResult result;
  const std::size_t budget = std::max(maxSize, kMinMaxSize) - kIpUdpOverhead;

  // Instance lengths of the options longer than 255 octets, and of those that decode() fused
  // from several instances (RFC 3396) into a whole that is not valid as one instance (each
  // piece was: a vendor class (124) whose second instance holds only an enterprise number),
  // by option index; left empty (no allocation) in the common case of none. Written whole,
  // such an option would be refused by decode() and by Kea 2.2; cut where each piece is valid,
  // it decodes back to the same data (found by tests/fuzz/packet4).
  std::vector<std::vector<std::size_t>> split;
  static const std::vector<std::size_t> kWhole;
  auto instancesOf = [&](std::size_t i) -> const std::vector<std::size_t>& {
    return split.empty() ? kWhole : split[i];
  };
  auto wireBytes = [&](std::size_t i) {
    return p.options[i].data.size() + 2 * std::max<std::size_t>(1, instancesOf(i).size());
  };
  std::size_t optionBytes = 0;
  for (std::size_t i = 0; i < p.options.size(); ++i) {
    if (!isWritten(p.options[i].code)) continue;
    if (p.options[i].data.size() > kMaxOptionChunk || !instanceSurvives(p.options[i].code, p.options[i].data)) {
      if (split.empty()) split.resize(p.options.size());
      split[i] = longOptionInstances(p.options[i]);
    }
  }
  for (std::size_t i = 0; i < p.options.size(); ++i)
    if (isWritten(p.options[i].code)) optionBytes += wireBytes(i);
  std::size_t size = kOptionsOffset + optionBytes + 1;  // + End

  // Rare path: too big for the client. Drop from the end, sparing the options a reply
  // cannot do without (message type, server id, mask, lease time).
  std::vector<bool> dropped;
  if (size > budget) {
    dropped.assign(p.options.size(), false);
    for (std::size_t i = p.options.size(); i-- > 0 && size > budget;) {
      const Option& o = p.options[i];
      if (!isWritten(o.code) || isProtected(o.code)) continue;
      dropped[i] = true;
      size -= wireBytes(i);
      result.droppedOptions.push_back(o.code);
    }
  }
  auto keep = [&](std::size_t i) { return isWritten(p.options[i].code) && (dropped.empty() || !dropped[i]); };

  // resize() zero-fills: the zeros are the RFC 1542 padding and empty sname/file bytes.
  result.bytes.resize(std::max(size, kMinMessage));
  std::uint8_t* w = result.bytes.data();
  w[0] = p.op;
  w[1] = p.htype;
  w[2] = p.hlen;
  w[3] = p.hops;
  store32(w + 4, p.xid);
  store16(w + 8, p.secs);
  store16(w + 10, p.flags);
  store32(w + 12, p.ciaddr.value);
  store32(w + 16, p.yiaddr.value);
  store32(w + 20, p.siaddr.value);
  store32(w + 24, p.giaddr.value);
  std::memcpy(w + kChaddrOffset, p.chaddr.data(), p.chaddr.size());
  std::memcpy(w + kSnameOffset, p.sname.data(), p.sname.size());
  std::memcpy(w + kFileOffset, p.file.data(), p.file.size());
  std::memcpy(w + kFixedLen, kCookie, sizeof kCookie);

  // Option 53 first: RFC 2131 does not require it, but some clients and relays only look
  // at the first option, and every server puts it there.
  std::uint8_t* out = w + kOptionsOffset;
  for (std::size_t i = 0; i < p.options.size(); ++i)
    if (p.options[i].code == opt::kMessageType && keep(i)) out = writeOption(out, p.options[i], instancesOf(i));
  for (std::size_t i = 0; i < p.options.size(); ++i)
    if (p.options[i].code != opt::kMessageType && keep(i)) out = writeOption(out, p.options[i], instancesOf(i));
  *out = opt::kEnd;
  return result;
}

std::string summary(const Packet4& p) {
  auto mt = p.messageType();
  return fmt::format("{} xid=0x{:08x} hw={} ciaddr={} yiaddr={} giaddr={}",
                     mt ? toString(*mt) : std::string_view("BOOTP"), p.xid, p.hwAddr().toString(), p.ciaddr.toString(),
                     p.yiaddr.toString(), p.giaddr.toString());
}

std::vector<std::uint8_t> u32Bytes(std::uint32_t v) {
  std::vector<std::uint8_t> b(4);
  store32(b.data(), v);
  return b;
}

std::vector<std::uint8_t> ipBytes(Ipv4 a) { return u32Bytes(a.value); }

std::vector<std::uint8_t> ipListBytes(std::span<const Ipv4> list) {
  std::vector<std::uint8_t> b(list.size() * 4);
  std::uint8_t* q = b.data();
  for (Ipv4 a : list) q = store32(q, a.value);
  return b;
}

}  // namespace tandem::proto
