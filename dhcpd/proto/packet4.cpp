#include "dhcpd/proto/packet4.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace tandem::proto {
namespace {

// RFC 2131 section 2, figure 1: the fixed BOOTP header, then the magic cookie (section 3).
constexpr std::size_t kFixedLen = 236;
constexpr std::size_t kOptionsOffset = 240;
constexpr std::size_t kChaddrOffset = 28;
constexpr std::size_t kSnameOffset = 44;
constexpr std::size_t kFileOffset = 108;
constexpr std::uint8_t kCookie[4] = {99, 130, 83, 99};
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
    }
  }

 private:
  std::vector<Option>& out_;
  std::array<std::int16_t, 256> index_;
};

enum class AreaKind { Options, Overloaded };

// Walks one option area. Returns 0 on success, else the CodecError value. Option 52 is read
// (into `overload`) only from the options field, as RFC 2131 section 4.1 requires it there.
int parseArea(std::span<const std::uint8_t> area, AreaKind kind, OptionCollector& collector,
              std::uint8_t& overload) {
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
    // A code byte without its length byte: the area stops mid-option, not cleanly.
    if (i + 1 >= n) return static_cast<int>(CodecError::MissingEnd);
    const std::uint8_t len = a[i + 1];
    if (len > n - i - 2) return static_cast<int>(CodecError::BadOptionLength);
    const std::uint8_t* data = a + i + 2;
    if (code == opt::kOverload) {
      if (len != 1) return static_cast<int>(CodecError::BadOptionLength);
      if (kind == AreaKind::Options && !seenOverload) overload = data[0];
      seenOverload = true;
    } else {
      collector.add(code, data, len);
    }
    i += 2 + std::size_t(len);
  }
  // The last option ended exactly at the end of the area without End: real clients send
  // this (and fixed-size sname/file can be filled completely), so it is tolerated.
  return 0;
}

constexpr bool isProtected(std::uint8_t code) noexcept {
  return code == opt::kMessageType || code == opt::kServerId || code == opt::kSubnetMask ||
         code == opt::kLeaseTime;
}
constexpr bool isWritten(std::uint8_t code) noexcept {
  return code != opt::kPad && code != opt::kEnd && code != opt::kOverload;
}
// Bytes an option takes on the wire once split into 255-byte instances (RFC 3396 section 6).
constexpr std::size_t wireSize(std::size_t len) noexcept {
  return len == 0 ? 2 : len + 2 * ((len + kMaxOptionChunk - 1) / kMaxOptionChunk);
}

std::uint8_t* writeOption(std::uint8_t* p, const Option& o) noexcept {
  const std::uint8_t* d = o.data.data();
  std::size_t left = o.data.size();
  do {
    const std::size_t chunk = std::min(left, kMaxOptionChunk);
    *p++ = o.code;
    *p++ = static_cast<std::uint8_t>(chunk);
    if (chunk) std::memcpy(p, d, chunk);
    p += chunk;
    d += chunk;
    left -= chunk;
  } while (left > 0);
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
    case CodecError::BadOptionLength: return "option length runs past the end of its area";
    case CodecError::NoMessageType: return "no DHCP message type option (53)";
    case CodecError::BadMessageType: return "bad DHCP message type option (53)";
    case CodecError::BadOpCode: return "op is neither BOOTREQUEST nor BOOTREPLY";
    case CodecError::BadHardwareLength: return "hardware address length above 16";
    case CodecError::MissingEnd: return "options end in the middle of an option without End";
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
  if (!o || o->data.size() != 1 || o->data[0] < 1 || o->data[0] > 8) return std::nullopt;
  return static_cast<MessageType>(o->data[0]);
}

HwAddr Packet4::hwAddr() const noexcept {
  return HwAddr::fromBytes(std::span<const std::uint8_t>(chaddr.data(), std::min<std::size_t>(hlen, 16)), htype);
}

namespace {
std::optional<Ipv4> addressOption(const Packet4& p, std::uint8_t code) noexcept {
  const Option* o = p.find(code);
  if (!o || o->data.size() != 4) return std::nullopt;
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
  if (!o || o->data.size() != 2) return std::nullopt;
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
  p.op = w[0];
  if (p.op != Packet4::kBootRequest && p.op != Packet4::kBootReply) return codecError(CodecError::BadOpCode);
  p.htype = w[1];
  p.hlen = w[2];
  if (p.hlen > 16) return codecError(CodecError::BadHardwareLength);
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
    if (int rc = parseArea(p.file, AreaKind::Overloaded, collector, unused)) return codecError(static_cast<CodecError>(rc));
    p.file.fill(0);
  }
  if (overload == kOverloadSname || overload == kOverloadBoth) {
    if (int rc = parseArea(p.sname, AreaKind::Overloaded, collector, unused)) return codecError(static_cast<CodecError>(rc));
    p.sname.fill(0);
  }

  // RFC 2132 section 9.6: without option 53 this is BOOTP, which we do not serve.
  const Option* mt = p.find(opt::kMessageType);
  if (!mt) return codecError(CodecError::NoMessageType);
  if (mt->data.size() != 1 || mt->data[0] < 1 || mt->data[0] > 8) return codecError(CodecError::BadMessageType);
  return p;
}

EncodeResult encode(const Packet4& p, std::size_t maxSize) {
  EncodeResult result;
  const std::size_t budget = std::max(maxSize, kMinMaxSize) - kIpUdpOverhead;

  std::size_t optionBytes = 0;
  for (const auto& o : p.options)
    if (isWritten(o.code)) optionBytes += wireSize(o.data.size());
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
      size -= wireSize(o.data.size());
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
    if (p.options[i].code == opt::kMessageType && keep(i)) out = writeOption(out, p.options[i]);
  for (std::size_t i = 0; i < p.options.size(); ++i)
    if (p.options[i].code != opt::kMessageType && keep(i)) out = writeOption(out, p.options[i]);
  *out = opt::kEnd;
  return result;
}

std::string summary(const Packet4& p) {
  auto mt = p.messageType();
  return fmt::format("{} xid=0x{:08x} hw={} ciaddr={} yiaddr={} giaddr={}",
                     mt ? toString(*mt) : std::string_view("BOOTP"), p.xid, p.hwAddr().toString(),
                     p.ciaddr.toString(), p.yiaddr.toString(), p.giaddr.toString());
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
