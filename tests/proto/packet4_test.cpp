// Codec tests: byte-exact encodings built by hand from the RFC 2131 section 2 layout, round
// trips, and every malformed-input path.
#include "dhcpd/proto/packet4.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

namespace tandem::proto {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint8_t kMac[6] = {0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc};

// RFC 2131 section 2 field offsets, written out so the expected bytes do not depend on the
// code under test.
struct Wire {
  Bytes b = Bytes(300, 0);
  Wire(std::uint8_t op, std::uint32_t xid, std::uint16_t flags) {
    b[0] = op;
    b[1] = 1;  // htype Ethernet
    b[2] = 6;  // hlen
    b[3] = 0;  // hops
    put32(4, xid);
    b[10] = std::uint8_t(flags >> 8);
    b[11] = std::uint8_t(flags);
    std::copy(std::begin(kMac), std::end(kMac), b.begin() + 28);
    b[236] = 99;  // magic cookie, RFC 2131 section 3
    b[237] = 130;
    b[238] = 83;
    b[239] = 99;
  }
  void put32(std::size_t at, std::uint32_t v) {
    b[at] = std::uint8_t(v >> 24);
    b[at + 1] = std::uint8_t(v >> 16);
    b[at + 2] = std::uint8_t(v >> 8);
    b[at + 3] = std::uint8_t(v);
  }
  void ciaddr(Ipv4 a) { put32(12, a.value); }
  void yiaddr(Ipv4 a) { put32(16, a.value); }
  void siaddr(Ipv4 a) { put32(20, a.value); }
  void giaddr(Ipv4 a) { put32(24, a.value); }
  // Options from offset 240; the buffer grows if they do not fit in the 300-byte minimum.
  Wire& options(const Bytes& opts) {
    if (240 + opts.size() > b.size()) b.resize(240 + opts.size(), 0);
    std::copy(opts.begin(), opts.end(), b.begin() + 240);
    return *this;
  }
};

Packet4 basePacket(std::uint8_t op, std::uint32_t xid, std::uint16_t flags) {
  Packet4 p;
  p.op = op;
  p.xid = xid;
  p.flags = flags;
  std::copy(std::begin(kMac), std::end(kMac), p.chaddr.begin());
  return p;
}

Bytes ascii(std::string_view s) { return Bytes(s.begin(), s.end()); }

int errorCode(const Result<Packet4>& r) { return r.ok() ? 0 : r.error().code; }

constexpr int code(CodecError e) { return static_cast<int>(e); }

// A DHCPDISCOVER as dhclient sends it (client-id, PRL, max message size).
Packet4 discover() {
  Packet4 p = basePacket(Packet4::kBootRequest, 0x3903f326, Packet4::kBroadcastFlag);
  p.set(opt::kMessageType, {1});
  p.set(opt::kClientId, {0x01, 0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc});
  p.set(opt::kParameterRequestList, {1, 3, 6, 15, 51, 54});
  p.set(opt::kMaxMessageSize, {0x05, 0xdc});
  return p;
}

Bytes discoverWire() {
  Wire w(1, 0x3903f326, 0x8000);
  w.options({53, 1, 1,                                         // DHCPDISCOVER
             61, 7, 0x01, 0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc,  // client-id: type 1 + MAC
             55, 6, 1,    3,    6,    15,   51,   54,          // parameter request list
             57, 2, 0x05, 0xdc,                                // max message size 1500
             255});
  return w.b;
}

TEST(Packet4Encode, DiscoverByteExact) {
  auto r = encode(discover());
  EXPECT_EQ(r.bytes, discoverWire());
  EXPECT_TRUE(r.droppedOptions.empty());
}

TEST(Packet4Encode, OfferByteExactWithMessageTypeMovedFirst) {
  Packet4 p = basePacket(Packet4::kBootReply, 0x3903f326, Packet4::kBroadcastFlag);
  p.yiaddr = Ipv4(198, 18, 0, 10);
  p.siaddr = Ipv4(198, 18, 0, 1);
  p.set(opt::kServerId, ipBytes(Ipv4(198, 18, 0, 1)));
  p.set(opt::kLeaseTime, u32Bytes(3600));
  p.set(opt::kSubnetMask, ipBytes(Ipv4(255, 255, 255, 0)));
  p.set(opt::kRouters, ipBytes(Ipv4(198, 18, 0, 1)));
  const Ipv4 dns[] = {Ipv4(198, 18, 0, 1), Ipv4(198, 18, 0, 2)};
  p.set(opt::kDomainNameServers, ipListBytes(dns));
  p.set(opt::kMessageType, {2});  // stored last, written first

  Wire w(2, 0x3903f326, 0x8000);
  w.yiaddr(Ipv4(198, 18, 0, 10));
  w.siaddr(Ipv4(198, 18, 0, 1));
  w.options({53,  1, 2, 54, 4,   198, 18, 0, 1, 51, 4,   0x00, 0x00, 0x0e, 0x10, 1,  4, 255, 255,
             255, 0, 3, 4,  198, 18,  0,  1, 6, 8,  198, 18,   0,    1,    198,  18, 0, 2,   255});
  EXPECT_EQ(encode(p).bytes, w.b);
}

TEST(Packet4Encode, RequestByteExact) {
  Packet4 p = basePacket(Packet4::kBootRequest, 0xdeadbeef, 0);
  p.secs = 3;
  p.set(opt::kMessageType, {3});
  p.set(opt::kRequestedAddress, ipBytes(Ipv4(198, 18, 0, 10)));
  p.set(opt::kServerId, ipBytes(Ipv4(198, 18, 0, 1)));
  p.set(opt::kHostName, ascii("tpr-host"));

  Wire w(1, 0xdeadbeef, 0);
  w.b[9] = 3;  // secs
  w.options(
      {53, 1, 3, 50, 4, 198, 18, 0, 10, 54, 4, 198, 18, 0, 1, 12, 8, 't', 'p', 'r', '-', 'h', 'o', 's', 't', 255});
  EXPECT_EQ(encode(p).bytes, w.b);
}

TEST(Packet4Encode, RelayedAckByteExact) {
  Packet4 p = basePacket(Packet4::kBootReply, 0x01020304, 0);
  p.hops = 1;
  p.ciaddr = Ipv4(198, 19, 0, 20);
  p.yiaddr = Ipv4(198, 19, 0, 20);
  p.giaddr = Ipv4(198, 19, 0, 1);
  p.set(opt::kMessageType, {5});
  p.set(opt::kServerId, ipBytes(Ipv4(198, 18, 0, 1)));
  p.set(opt::kLeaseTime, u32Bytes(7200));
  p.set(opt::kRenewalTime, u32Bytes(3600));
  p.set(opt::kRebindingTime, u32Bytes(6300));
  p.set(opt::kDomainName, ascii("example.org"));
  p.set(opt::kRelayAgentInfo, {1, 3, 'e', 't', '0'});  // RFC 3046 echoed as opaque bytes

  Wire w(2, 0x01020304, 0);
  w.b[3] = 1;
  w.ciaddr(Ipv4(198, 19, 0, 20));
  w.yiaddr(Ipv4(198, 19, 0, 20));
  w.giaddr(Ipv4(198, 19, 0, 1));
  w.options({53,  1,    5,    54,   4,    198, 18,  0,    1,    51,   4,    0x00, 0x00, 0x1c, 0x20, 58,
             4,   0x00, 0x00, 0x0e, 0x10, 59,  4,   0x00, 0x00, 0x18, 0x9c, 15,   11,   'e',  'x',  'a',
             'm', 'p',  'l',  'e',  '.',  'o', 'r', 'g',  82,   5,    1,    3,    'e',  't',  '0',  255});
  EXPECT_EQ(encode(p).bytes, w.b);
}

TEST(Packet4Encode, PadsToBootpMinimumAndEndsWithEnd) {
  Packet4 p = basePacket(Packet4::kBootRequest, 1, 0);
  p.set(opt::kMessageType, {1});
  auto bytes = encode(p).bytes;
  ASSERT_EQ(bytes.size(), 300u);
  EXPECT_EQ(bytes[240], 53);
  EXPECT_EQ(bytes[243], 255);
  EXPECT_TRUE(std::all_of(bytes.begin() + 244, bytes.end(), [](std::uint8_t b) { return b == 0; }));
}

TEST(Packet4Encode, LargePacketIsNotPaddedAndEndsWithEnd) {
  Packet4 p = basePacket(Packet4::kBootReply, 1, 0);
  p.set(opt::kMessageType, {2});
  p.set(43, Bytes(200, 0xab));
  auto bytes = encode(p).bytes;
  EXPECT_EQ(bytes.size(), 240u + 3 + 202 + 1);
  EXPECT_EQ(bytes.back(), 255);
}

TEST(Packet4Encode, NeverWritesOverloadPadOrEndOptions) {
  Packet4 p = basePacket(Packet4::kBootReply, 1, 0);
  p.set(opt::kMessageType, {2});
  p.options.push_back(Option{opt::kOverload, {3}});
  p.options.push_back(Option{opt::kPad, {1, 2}});
  p.options.push_back(Option{opt::kEnd, {1}});
  p.set(opt::kRouters, ipBytes(Ipv4(198, 18, 0, 1)));
  Wire w(2, 1, 0);
  std::fill(w.b.begin() + 28, w.b.begin() + 34, 0);
  std::copy(std::begin(kMac), std::end(kMac), w.b.begin() + 28);
  w.options({53, 1, 2, 3, 4, 198, 18, 0, 1, 255});
  EXPECT_EQ(encode(p).bytes, w.b);
}

TEST(Packet4Encode, ZeroLengthOptionIsWritten) {
  Packet4 p = basePacket(Packet4::kBootRequest, 1, 0);
  p.set(opt::kMessageType, {1});
  p.set(80, {});  // RFC 4039 rapid commit carries no data
  auto bytes = encode(p).bytes;
  EXPECT_EQ(Bytes(bytes.begin() + 240, bytes.begin() + 246), (Bytes{53, 1, 1, 80, 0, 255}));
}

// RFC 3396 section 6: long options are split into 255-byte instances in order.
TEST(Packet4Encode, SplitsLongOptions) {
  constexpr std::uint8_t kLong = 43;  // vendor-encapsulated: any bytes (a 119 must hold names)
  for (std::size_t len : {254u, 255u, 256u, 510u, 600u}) {
    SCOPED_TRACE(len);
    Packet4 p = basePacket(Packet4::kBootReply, 1, 0);
    p.set(opt::kMessageType, {5});
    Bytes data(len);
    for (std::size_t i = 0; i < len; ++i) data[i] = std::uint8_t(i * 7);
    p.set(kLong, data);
    auto r = encode(p, 1500);
    ASSERT_TRUE(r.droppedOptions.empty());
    const auto& b = r.bytes;
    std::size_t pos = 243, copied = 0;
    while (copied < len) {
      ASSERT_EQ(b[pos], kLong);
      const std::size_t chunk = std::min<std::size_t>(255, len - copied);
      ASSERT_EQ(b[pos + 1], chunk);
      EXPECT_TRUE(
          std::equal(b.begin() + long(pos) + 2, b.begin() + long(pos + 2 + chunk), data.begin() + long(copied)));
      pos += 2 + chunk;
      copied += chunk;
    }
    EXPECT_EQ(b[pos], 255);
    auto d = decode(b);
    ASSERT_TRUE(d.ok());
    ASSERT_NE(d->find(kLong), nullptr);
    EXPECT_EQ(d->find(kLong)->data, data);
  }
}

// The instances an encoded packet carries for one option code, in order.
std::vector<Bytes> instancesOf(const Bytes& wire, std::uint8_t code) {
  std::vector<Bytes> out;
  for (std::size_t i = 240; i < wire.size() && wire[i] != 255;) {
    if (wire[i] == 0) {
      ++i;
      continue;
    }
    if (wire[i] == code) out.emplace_back(wire.begin() + long(i) + 2, wire.begin() + long(i) + 2 + wire[i + 1]);
    i += 2 + std::size_t(wire[i + 1]);
  }
  return out;
}

// Found by tests/fuzz/packet4: a list of addresses longer than 255 octets was cut at octet 255,
// inside an address, and decode() (which checks each instance as Kea 2.2's unpackOptions4
// does before joining them) refused the packet encode() had written. Each instance now holds
// whole addresses, and the packet decodes back to the same list.
TEST(Packet4Rfc3396, LongAddressListSplitsBetweenAddresses) {
  for (std::size_t count : {64u, 65u, 70u, 130u}) {
    SCOPED_TRACE(count);
    Packet4 p = basePacket(Packet4::kBootReply, 1, 0);
    p.set(opt::kMessageType, {2});
    Bytes dns;
    for (std::size_t i = 0; i < count; ++i) dns.insert(dns.end(), {198, 18, std::uint8_t(i >> 8), std::uint8_t(i)});
    p.set(6, dns);
    auto r = encode(p, 1500);
    ASSERT_TRUE(r.droppedOptions.empty());
    const auto parts = instancesOf(r.bytes, 6);
    ASSERT_EQ(parts.size(), (count * 4 + 251) / 252);
    for (const Bytes& part : parts) {
      EXPECT_LE(part.size(), 255u);
      EXPECT_EQ(part.size() % 4, 0u);
    }
    EXPECT_EQ(parts[0].size(), std::min<std::size_t>(252, count * 4));
    auto d = decode(r.bytes);
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_EQ(d->find(6)->data, dns);
  }
}

// 16-bit arrays (option 117, name service search) split at an even length.
TEST(Packet4Rfc3396, LongUint16ArraySplitsBetweenValues) {
  Packet4 p = basePacket(Packet4::kBootReply, 1, 0);
  p.set(opt::kMessageType, {2});
  Bytes list(300);
  for (std::size_t i = 0; i < list.size(); ++i) list[i] = std::uint8_t(i);
  p.set(117, list);
  auto r = encode(p, 1500);
  const auto parts = instancesOf(r.bytes, 117);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].size(), 254u);
  EXPECT_EQ(parts[1].size(), 46u);
  auto d = decode(r.bytes);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->find(117)->data, list);
}

// A domain search list (119, an array of names) over 255 octets splits between names, so
// that each instance is a list of complete names as Kea 2.2 requires of each.
TEST(Packet4Rfc3396, LongDomainSearchSplitsBetweenNames) {
  Bytes names;
  std::vector<std::size_t> starts;
  for (int i = 0; i < 12; ++i) {
    starts.push_back(names.size());
    const std::string label = "zone" + std::to_string(i) + std::string(20, 'x');
    names.push_back(std::uint8_t(label.size()));
    names.insert(names.end(), label.begin(), label.end());
    names.insert(names.end(), {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0});
  }
  ASSERT_GT(names.size(), 255u);
  Packet4 p = basePacket(Packet4::kBootReply, 1, 0);
  p.set(opt::kMessageType, {2});
  p.set(119, names);
  auto r = encode(p, 1500);
  const auto parts = instancesOf(r.bytes, 119);
  ASSERT_GE(parts.size(), 2u);
  std::size_t at = 0;
  for (const Bytes& part : parts) {
    EXPECT_NE(std::find(starts.begin(), starts.end(), at), starts.end())
        << "an instance starts inside a name at " << at;
    at += part.size();
  }
  auto d = decode(r.bytes);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->find(119)->data, names);
}

// Found by tests/fuzz/packet4: a vendor class (124) in two instances, each valid on its own
// (enterprise number and one tuple; then an enterprise number alone), fuses into a whole
// that is not one valid vendor class (the second enterprise number reads as tuples that run
// past the end). decode() keeps the fused data, as Kea 2.2 does; encode() wrote it as one
// instance, which decode() (and Kea 2.2) refused. It now cuts it where each piece is valid,
// and the packet decodes back to the same data.
TEST(Packet4Rfc3396, FusedOptionInvalidAsOneInstanceIsCutAgain) {
  Wire w(1, 0x11223344, 0);
  w.options({53,  1, 1, 124, 9,    0,    0, 0x0d, 0xe9, 3, 'a', 'b', 'c', 0,  // enterprise 3561, "abc", ""
             124, 4, 0, 0,   0x07, 0xd0,                                      // enterprise 2000 alone
             255});
  auto d = decode(w.b);
  ASSERT_TRUE(d.ok()) << d.error().message;
  const Bytes fused{0, 0, 0x0d, 0xe9, 3, 'a', 'b', 'c', 0, 0, 0, 0x07, 0xd0};
  ASSERT_NE(d->find(124), nullptr);
  EXPECT_EQ(d->find(124)->data, fused);
  auto r = encode(*d, 1500);
  const auto parts = instancesOf(r.bytes, 124);
  EXPECT_EQ(parts.size(), 2u);
  auto again = decode(r.bytes);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->find(124)->data, fused);
  // One instance of the whole is refused, as Kea 2.2 refuses it.
  Wire one(1, 0x11223344, 0);
  Bytes opts{53, 1, 1, 124, std::uint8_t(fused.size())};
  opts.insert(opts.end(), fused.begin(), fused.end());
  opts.push_back(255);
  one.options(opts);
  EXPECT_EQ(errorCode(decode(one.b)), code(CodecError::BadOptionLength));
}

// Relay agent information (82): each instance holds whole sub-options, since a receiver cuts
// an instance at its first incomplete sub-option.
TEST(Packet4Rfc3396, LongRelayAgentInfoSplitsBetweenSubOptions) {
  Bytes subs;
  for (std::uint8_t i = 1; i <= 30; ++i) {
    subs.insert(subs.end(), {i, 10});
    subs.insert(subs.end(), 10, i);
  }
  ASSERT_EQ(subs.size(), 360u);
  Packet4 p = basePacket(Packet4::kBootRequest, 1, 0);
  p.set(opt::kMessageType, {1});
  p.set(opt::kRelayAgentInfo, subs);
  auto r = encode(p, 1500);
  const auto parts = instancesOf(r.bytes, opt::kRelayAgentInfo);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].size(), 252u);  // 21 whole sub-options of 12 octets
  auto d = decode(r.bytes);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->find(opt::kRelayAgentInfo)->data, subs);
}

// What no cut can make valid (not from decode() or the config parser) still goes out in
// 255-octet instances rather than not at all.
TEST(Packet4Rfc3396, InvalidLongOptionFallsBackTo255OctetInstances) {
  Packet4 p = basePacket(Packet4::kBootReply, 1, 0);
  p.set(opt::kMessageType, {2});
  p.set(6, Bytes(301, 1));  // not a multiple of 4
  auto r = encode(p, 1500);
  const auto parts = instancesOf(r.bytes, 6);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].size(), 255u);
  EXPECT_EQ(parts[1].size(), 46u);
}

// RFC 2132 section 9.10: the reply must fit the client's maximum message size.
TEST(Packet4Encode, DropsOptionsFromTheEndToFitMaxSize) {
  Packet4 p = basePacket(Packet4::kBootReply, 1, 0);
  p.set(opt::kMessageType, {2});
  p.set(opt::kServerId, ipBytes(Ipv4(198, 18, 0, 1)));
  p.set(opt::kSubnetMask, ipBytes(Ipv4(255, 255, 255, 0)));
  p.set(opt::kLeaseTime, u32Bytes(3600));
  p.set(opt::kRouters, ipBytes(Ipv4(198, 18, 0, 1)));
  p.set(100, Bytes(150, 1));
  p.set(101, Bytes(150, 2));
  p.set(opt::kDomainName, ascii("example.org"));
  // Options: 3+6+6+6+6+152+152+13 = 344, + 240 + End = 585 > 548 = 576 - 28.
  auto r = encode(p, 576);
  EXPECT_EQ(r.droppedOptions, (Bytes{opt::kDomainName, 101}));
  EXPECT_LE(r.bytes.size(), 548u);
  auto d = decode(r.bytes);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->find(101), nullptr);
  EXPECT_EQ(d->find(opt::kDomainName), nullptr);
  EXPECT_NE(d->find(100), nullptr);
  EXPECT_NE(d->find(opt::kRouters), nullptr);
}

TEST(Packet4Encode, MaxSizeBelow576IsRaisedTo576) {
  Packet4 p = basePacket(Packet4::kBootReply, 1, 0);
  p.set(opt::kMessageType, {2});
  p.set(100, Bytes(250, 1));
  auto r = encode(p, 300);  // a client claiming 300 still gets the RFC minimum
  EXPECT_TRUE(r.droppedOptions.empty());
  EXPECT_EQ(r.bytes.size(), 240u + 3 + 252 + 1);
}

TEST(Packet4Encode, ProtectedOptionsAreNeverDropped) {
  Packet4 p = basePacket(Packet4::kBootReply, 1, 0);
  p.set(opt::kSubnetMask, ipBytes(Ipv4(255, 255, 255, 0)));
  p.set(opt::kLeaseTime, u32Bytes(60));
  p.set(100, Bytes(200, 1));
  p.set(opt::kServerId, Bytes(400, 9));  // absurd, but must survive
  p.set(opt::kMessageType, {2});
  auto r = encode(p, 576);
  EXPECT_EQ(r.droppedOptions, (Bytes{100}));
  auto d = decode(r.bytes);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->find(opt::kServerId)->data.size(), 400u);
  EXPECT_NE(d->find(opt::kSubnetMask), nullptr);
  EXPECT_NE(d->find(opt::kLeaseTime), nullptr);
}

TEST(Packet4Decode, DiscoverFields) {
  auto r = decode(discoverWire());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Packet4& p = *r;
  EXPECT_EQ(p.op, Packet4::kBootRequest);
  EXPECT_EQ(p.htype, 1);
  EXPECT_EQ(p.hlen, 6);
  EXPECT_EQ(p.xid, 0x3903f326u);
  EXPECT_TRUE(p.broadcastFlag());
  EXPECT_EQ(p.messageType(), MessageType::Discover);
  EXPECT_EQ(p.hwAddr().toString(), "00:0c:29:aa:bb:cc");
  EXPECT_EQ(p.clientId(), (Bytes{0x01, 0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc}));
  EXPECT_EQ(p.maxMessageSize(), 1500);
  EXPECT_EQ(p.parameterRequestList(), (Bytes{1, 3, 6, 15, 51, 54}));
  EXPECT_FALSE(p.requestedAddress());
  EXPECT_FALSE(p.serverId());
  ASSERT_EQ(p.options.size(), 4u);
  EXPECT_EQ(p.options[0].code, opt::kMessageType);
  EXPECT_EQ(p.options[3].code, opt::kMaxMessageSize);
}

TEST(Packet4Decode, AllHeaderFields) {
  Wire w(2, 0xa1b2c3d4, 0x8000);
  w.b[1] = 6;  // IEEE 802
  w.b[3] = 4;
  w.b[8] = 0x01;
  w.b[9] = 0x02;
  w.ciaddr(Ipv4(198, 18, 0, 1));
  w.yiaddr(Ipv4(198, 18, 0, 2));
  w.siaddr(Ipv4(198, 18, 0, 3));
  w.giaddr(Ipv4(198, 18, 0, 4));
  w.b[44] = 's';
  w.b[108] = 'f';
  w.options({53, 1, 5, 255});
  auto r = decode(w.b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->op, 2);
  EXPECT_EQ(r->htype, 6);
  EXPECT_EQ(r->hops, 4);
  EXPECT_EQ(r->secs, 0x0102);
  EXPECT_EQ(r->ciaddr, Ipv4(198, 18, 0, 1));
  EXPECT_EQ(r->yiaddr, Ipv4(198, 18, 0, 2));
  EXPECT_EQ(r->siaddr, Ipv4(198, 18, 0, 3));
  EXPECT_EQ(r->giaddr, Ipv4(198, 18, 0, 4));
  EXPECT_EQ(r->sname[0], 's');
  EXPECT_EQ(r->file[0], 'f');
  EXPECT_EQ(r->hwAddr().htype, 6);
  // Without overload sname/file keep their bytes and re-encode unchanged.
  EXPECT_EQ(encode(*r).bytes, w.b);
}

TEST(Packet4RoundTrip, EncodeDecodeEncodeIsStable) {
  for (std::uint8_t type = 1; type <= 8; ++type) {
    Packet4 p = discover();
    p.set(opt::kMessageType, {type});
    p.set(opt::kHostName, ascii("tpr"));
    p.set(opt::kRelayAgentInfo, {1, 4, 0, 0, 0, 1, 2, 2, 0xaa, 0xbb});
    p.set(200, Bytes(300, 0x5a));
    auto first = encode(p).bytes;
    auto d = decode(first);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->messageType(), static_cast<MessageType>(type));
    ASSERT_EQ(d->options.size(), p.options.size());
    for (std::size_t i = 0; i < p.options.size(); ++i) {
      EXPECT_EQ(d->options[i].code, p.options[i].code);
      EXPECT_EQ(d->options[i].data, p.options[i].data);
    }
    EXPECT_EQ(encode(*d).bytes, first);
  }
}

// RFC 6842: a server echoes the client identifier exactly as received.
TEST(Packet4, ClientIdEchoIsByteIdentical) {
  Bytes odd = {0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x2a, 0x2b, 0x2c, 0x00, 0x01, 0x02};  // RFC 4361 form
  Packet4 q = discover();
  q.set(opt::kClientId, odd);
  auto dq = decode(encode(q).bytes);
  ASSERT_TRUE(dq.ok());
  Packet4 reply = basePacket(Packet4::kBootReply, dq->xid, 0);
  reply.set(opt::kMessageType, {2});
  reply.set(opt::kClientId, dq->find(opt::kClientId)->data);
  auto bytes = encode(reply).bytes;
  Bytes expected{61, std::uint8_t(odd.size())};
  expected.insert(expected.end(), odd.begin(), odd.end());
  EXPECT_EQ(Bytes(bytes.begin() + 243, bytes.begin() + 245 + long(odd.size())), expected);
}

TEST(Packet4, ShortClientIdIsNotAnIdentity) {
  Packet4 p = discover();
  p.set(opt::kClientId, {0x01});
  EXPECT_FALSE(p.clientId());                  // RFC 2132 9.14: at least 2 bytes
  ASSERT_NE(p.find(opt::kClientId), nullptr);  // still there for the echo
  p.set(opt::kClientId, {0x00, 'x'});
  EXPECT_EQ(p.clientId(), (Bytes{0x00, 'x'}));
}

TEST(Packet4, AccessorsRejectWrongLengths) {
  Packet4 p;
  p.set(opt::kRequestedAddress, {198, 18, 0});
  p.set(opt::kServerId, {198, 18, 0});
  p.set(opt::kMaxMessageSize, {5});
  p.set(opt::kMessageType, {9});
  EXPECT_FALSE(p.requestedAddress());
  EXPECT_FALSE(p.serverId());
  EXPECT_FALSE(p.maxMessageSize());
  EXPECT_FALSE(p.messageType());
  // Longer than the type: the first octets, as Kea's OptionInt/OptionCustom read them.
  p.set(opt::kServerId, {198, 18, 0, 1, 0});
  p.set(opt::kMaxMessageSize, {5, 220, 0});
  p.set(opt::kMessageType, {3, 1});
  EXPECT_EQ(p.serverId(), Ipv4(198, 18, 0, 1));
  EXPECT_EQ(p.maxMessageSize(), 1500);
  EXPECT_EQ(p.messageType(), MessageType::Request);
  p.set(opt::kRequestedAddress, {198, 18, 0, 7});
  p.set(opt::kServerId, {198, 18, 0, 1});
  p.set(opt::kMessageType, {8});
  EXPECT_EQ(p.requestedAddress(), Ipv4(198, 18, 0, 7));
  EXPECT_EQ(p.serverId(), Ipv4(198, 18, 0, 1));
  EXPECT_EQ(p.messageType(), MessageType::Inform);
  EXPECT_TRUE(p.parameterRequestList().empty());
}

TEST(Packet4, SetReplacesFindAndRemove) {
  Packet4 p;
  p.set(3, {1});
  p.set(6, {2});
  p.set(3, {3, 4});
  ASSERT_EQ(p.options.size(), 2u);
  EXPECT_EQ(p.options[0].code, 3);
  EXPECT_EQ(p.find(3)->data, (Bytes{3, 4}));
  const Packet4& cp = p;
  EXPECT_EQ(cp.find(6)->data, (Bytes{2}));
  EXPECT_EQ(cp.find(7), nullptr);
  p.options.push_back(Option{3, {9}});
  p.remove(3);
  ASSERT_EQ(p.options.size(), 1u);
  EXPECT_EQ(p.options[0].code, 6);
  p.remove(99);  // absent: no effect
  EXPECT_EQ(p.options.size(), 1u);
}

TEST(Packet4, HwAddrUsesHlenAndHtype) {
  Packet4 p;
  p.htype = 6;
  p.hlen = 3;
  p.chaddr = {1, 2, 3, 4, 5};
  EXPECT_EQ(p.hwAddr().toString(), "01:02:03");
  EXPECT_EQ(p.hwAddr().htype, 6);
  p.hlen = 0;
  EXPECT_TRUE(p.hwAddr().empty());
}

TEST(Packet4, PayloadHelpers) {
  EXPECT_EQ(u32Bytes(0x01020304), (Bytes{1, 2, 3, 4}));
  EXPECT_EQ(ipBytes(Ipv4(198, 18, 0, 1)), (Bytes{198, 18, 0, 1}));
  const Ipv4 list[] = {Ipv4(198, 18, 0, 1), Ipv4(198, 19, 255, 254)};
  EXPECT_EQ(ipListBytes(list), (Bytes{198, 18, 0, 1, 198, 19, 255, 254}));
  EXPECT_TRUE(ipListBytes({}).empty());
}

TEST(Packet4, ToStringCoversEveryValue) {
  std::set<std::string_view> seen;
  for (int t = 1; t <= 8; ++t) seen.insert(toString(static_cast<MessageType>(t)));
  EXPECT_EQ(seen.size(), 8u);
  EXPECT_EQ(toString(MessageType::Discover), "DHCPDISCOVER");
  EXPECT_EQ(toString(MessageType::Ack), "DHCPACK");
  seen.clear();
  for (int e = 1; e <= 4; ++e) seen.insert(toString(static_cast<CodecError>(e)));
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_EQ(summary(discover()),
            "DHCPDISCOVER xid=0x3903f326 hw=00:0c:29:aa:bb:cc ciaddr=0.0.0.0 yiaddr=0.0.0.0 giaddr=0.0.0.0");
}

// --- Malformed input: one test per CodecError, then the tolerated cases. ---

TEST(Packet4Malformed, Truncated) {
  auto full = discoverWire();
  for (std::size_t len : {0u, 1u, 235u, 236u, 239u}) {
    Bytes cut(full.begin(), full.begin() + long(len));
    EXPECT_EQ(errorCode(decode(cut)), code(CodecError::Truncated)) << len;
  }
}

TEST(Packet4Malformed, BadMagicCookie) {
  auto w = discoverWire();
  w[239] = 98;
  auto r = decode(w);
  EXPECT_EQ(errorCode(r), code(CodecError::BadMagicCookie));
  EXPECT_FALSE(r.error().message.empty());
}

// Kea 2.2 goes by the message type alone: any op decodes (the server decides).
TEST(Packet4Tolerated, AnyOpCode) {
  for (std::uint8_t op : {0, 2, 3, 255}) {
    auto w = discoverWire();
    w[0] = op;
    auto r = decode(w);
    ASSERT_TRUE(r.ok()) << int(op);
    EXPECT_EQ(r->op, op);
    EXPECT_EQ(r->messageType(), MessageType::Discover);
  }
}

// chaddr holds 16 octets: a larger hlen names those 16, as in Kea's reply (hlen 16).
TEST(Packet4Tolerated, HlenAbove16ReadsTheWholeChaddr) {
  auto w = discoverWire();
  for (std::uint8_t hlen : {17, 255}) {
    w[2] = hlen;
    auto r = decode(w);
    ASSERT_TRUE(r.ok()) << int(hlen);
    EXPECT_EQ(r->hlen, 16);
    EXPECT_EQ(r->hwAddr().length, 16);
  }
}

TEST(Packet4Malformed, NoMessageType) {
  Wire w(1, 1, 0);
  w.options({61, 2, 0, 1, 255});
  EXPECT_EQ(errorCode(decode(w.b)), code(CodecError::NoMessageType));
  Wire bootp(1, 1, 0);  // all pads: a plain BOOTP request with the cookie
  EXPECT_EQ(errorCode(decode(bootp.b)), code(CodecError::NoMessageType));
}

// Option 53 is an OptionInt<uint8_t> in Kea: it needs one octet and reads the first.
TEST(Packet4Malformed, EmptyMessageType) {
  Wire w(1, 1, 0);
  w.options({53, 0, 255});
  EXPECT_EQ(errorCode(decode(w.b)), code(CodecError::BadOptionLength));
}

TEST(Packet4Tolerated, MessageTypeFirstOctetAndUnknownValues) {
  Wire two(1, 1, 0);
  two.options({53, 2, 1, 1, 255});
  auto r = decode(two.b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->messageType(), MessageType::Discover);
  Wire twice(1, 1, 0);  // twice: Kea 2.2 finds no message type (dropped, not unparsable)
  twice.options({53, 1, 3, 53, 1, 1, 255});
  r = decode(twice.b);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->find(opt::kMessageType), nullptr);
  EXPECT_FALSE(r->messageType().has_value());
  // Outside 1..8: decoded, no known type; the server drops it as unsupported.
  for (std::uint8_t t : {0, 9, 18, 255}) {
    Wire w(1, 1, 0);
    w.options({53, 1, t, 255});
    r = decode(w.b);
    ASSERT_TRUE(r.ok()) << int(t);
    EXPECT_FALSE(r->messageType().has_value());
  }
}

// LibDHCP::unpackOptions4: an option whose header or data runs past the end of the area is
// ignored with everything after it; the options before it stand.
TEST(Packet4Tolerated, OptionRunningPastTheEndIsIgnored) {
  Wire w(1, 1, 0);
  w.options({53, 1, 1, 61, 2, 0, 7, 12, 200, 'a', 'b'});
  w.b.resize(240 + 11);  // the host-name claims 200 bytes, 2 remain
  auto r = decode(w.b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->clientId(), (Bytes{0, 7}));
  EXPECT_EQ(r->find(opt::kHostName), nullptr);
  Wire v(1, 1, 0);  // a code byte without its length
  v.options({53, 1, 1, 12});
  v.b.resize(240 + 4);
  r = decode(v.b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->options.size(), 1u);
  Wire u(1, 1, 0);  // the message type itself cut off: no option 53
  u.options({61, 2, 0, 7, 53, 1});
  u.b.resize(240 + 6);
  EXPECT_EQ(errorCode(decode(u.b)), code(CodecError::NoMessageType));
}

// Kea 2.2's standard definitions decide which lengths fail the packet (measured against
// kea-dhcp4 2.2.0 by the difftest group malformed-optlen).
TEST(Packet4OptionLength, FixedSizeOptionsNeedTheirSizeAndIgnoreExtraOctets) {
  struct Case {
    Bytes opt;
    bool ok;
  };
  const Case cases[] = {
      {{1, 3, 255, 255, 255}, false},  // subnet mask (ipv4-address)
      {{1, 5, 255, 255, 255, 0, 0}, true},
      {{13, 1, 1}, false},  // boot-size (uint16)
      {{19, 0}, false},     // ip-forwarding (boolean)
      {{19, 2, 1, 1}, true},
      {{50, 3, 198, 18, 0}, false},  // requested address
      {{50, 5, 198, 18, 0, 10, 0}, true},
      {{51, 2, 1, 2}, false},  // lease time (uint32)
      {{51, 5, 0, 0, 16, 0, 0}, true},
      {{52, 0}, false},  // overload (uint8)
      {{52, 2, 0, 0}, true},
      {{54, 3, 198, 18, 0}, false},  // server identifier
      {{57, 1, 5}, false},           // max message size (uint16)
      {{57, 3, 5, 220, 0}, true},
      {{58, 3, 0, 0, 1}, false},
      {{118, 3, 198, 18, 0}, false},  // subnet selection
  };
  for (const auto& c : cases) {
    Wire w(1, 1, 0);
    Bytes opts = {53, 1, 1};
    opts.insert(opts.end(), c.opt.begin(), c.opt.end());
    opts.push_back(255);
    w.options(opts);
    auto r = decode(w.b);
    if (c.ok) {
      EXPECT_TRUE(r.ok()) << int(c.opt[0]) << "/" << int(c.opt[1]);
    } else {
      EXPECT_EQ(errorCode(r), code(CodecError::BadOptionLength)) << int(c.opt[0]) << "/" << int(c.opt[1]);
    }
  }
}

TEST(Packet4OptionLength, ArraysRecordsNamesAndSpecialForms) {
  struct Case {
    Bytes opt;
    bool ok;
  };
  const Case cases[] = {
      {{3, 5, 198, 18, 0, 1, 1}, false},  // routers: a multiple of 4
      {{3, 0}, true},                     // an empty address list is fine
      {{55, 0}, false},                   // PRL (uint8 array): not empty
      {{55, 2, 1, 3}, true},
      {{25, 3, 1, 2, 3}, false},  // uint16 array: even
      {{25, 0}, false},
      {{93, 3, 0, 7, 0}, false},
      {{78, 3, 1, 198, 18}, false},  // slp-directory-agent: boolean + address
      {{94, 2, 1, 2}, false},        // client-ndi: three uint8
      {{97, 0}, false},              // uuid-guid: uint8 + binary
      {{97, 1, 0}, true},
      {{159, 3, 0, 0, 0}, false},              // v4-portparams: uint8 + psid (3)
      {{119, 5, 5, 'a', 'b', 'c', 0}, false},  // domain search: label past the data
      {{119, 5, 3, 'a', 'b', 'c', 0}, true},
      {{119, 2, 0xc0, 0x00}, true},  // a compression pointer ends a name
      {{119, 2, 64, 0}, false},      // label length 64
      {{81, 0}, false},              // client FQDN: 3 fixed octets
      {{81, 2, 0, 0}, false},
      {{81, 6, 5, 0, 0, 10, 'a', 'b'}, false},                // E flag: a wire name that runs past the option
      {{81, 6, 5, 0, 0, 2, 'a', 'b'}, true},                  // partial name (no final zero label)
      {{81, 5, 0, 0, 0, 'a', 'b'}, true},                     // ASCII name
      {{81, 9, 4, 0, 0, 1, 'a', 0, 3, 'a', 'b', 'c'}, true},  // E flag: junk after the root label

      {{124, 3, 0, 0, 17}, false},               // vivco: enterprise number
      {{124, 6, 0, 0, 17, 139, 5, 'a'}, false},  // tuple past the data
      {{124, 7, 0, 0, 17, 139, 1, 'a', 0}, true},
      {{125, 3, 0, 0, 17}, true},  // Kea 2.2 serves a short vivso
      {{12, 1, 0}, true},          // strings and binaries: any length
      {{15, 0}, true},
      {{60, 0}, true},
      {{61, 0}, true},  // (a short client id is the engine's rule)
      {{77, 0}, true},
      {{200, 0}, true},  // no definition: anything
  };
  for (const auto& c : cases) {
    Wire w(1, 1, 0);
    Bytes opts = {53, 1, 1};
    opts.insert(opts.end(), c.opt.begin(), c.opt.end());
    opts.push_back(255);
    w.options(opts);
    auto r = decode(w.b);
    if (c.ok) {
      EXPECT_TRUE(r.ok()) << int(c.opt[0]) << "/" << int(c.opt[1]);
    } else {
      EXPECT_EQ(errorCode(r), code(CodecError::BadOptionLength)) << int(c.opt[0]) << "/" << int(c.opt[1]);
    }
  }
}

// Each instance is checked on its own, as Kea builds each instance with its definition.
TEST(Packet4OptionLength, EachInstanceIsCheckedAlone) {
  Wire w(1, 1, 0);
  w.options({53, 1, 1, 51, 2, 0, 0, 51, 2, 1, 0, 255});  // 2 + 2 octets: two bad instances
  EXPECT_EQ(errorCode(decode(w.b)), code(CodecError::BadOptionLength));
}

TEST(Packet4OptionLength, EmptyHostNameIsSkipped) {
  Wire w(1, 1, 0);
  w.options({53, 1, 1, 12, 0, 255});
  auto r = decode(w.b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->find(opt::kHostName), nullptr);
}

// RFC 3046 sub-options: the walk stops at one that runs past the option (Kea keeps those
// before it, and echoes option 82 only when some remain).
TEST(Packet4OptionLength, RelayAgentSubOptionsCutAtTheFirstOverrun) {
  Wire w(1, 1, 0);
  w.options({53, 1, 1, 82, 9, 1, 2, 'a', 'b', 2, 5, 'x', 'y', 'z', 255});
  auto r = decode(w.b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->find(opt::kRelayAgentInfo)->data, (Bytes{1, 2, 'a', 'b'}));
  Wire v(1, 1, 0);
  v.options({53, 1, 1, 82, 5, 1, 5, 'a', 'b', 'c', 255});
  r = decode(v.b);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->find(opt::kRelayAgentInfo)->data.empty());
}

TEST(Packet4Tolerated, NoEndAtExactEndOfBuffer) {
  Wire w(1, 1, 0);
  w.options({53, 1, 1, 61, 2, 0, 7});
  w.b.resize(240 + 7);
  auto r = decode(w.b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->clientId(), (Bytes{0, 7}));
}

TEST(Packet4Tolerated, BytesAfterEndAreIgnored) {
  auto w = discoverWire();
  w.resize(400, 0xee);  // junk after End and the padding
  auto r = decode(w);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->options.size(), 4u);
}

TEST(Packet4Tolerated, ZeroLengthOptions) {
  Wire w(1, 1, 0);
  w.options({80, 0, 53, 1, 1, 0, 0, 15, 0, 255});
  auto r = decode(w.b);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->options.size(), 3u);
  EXPECT_EQ(r->options[0].code, 80);
  EXPECT_TRUE(r->options[0].data.empty());
  EXPECT_TRUE(r->find(opt::kDomainName)->data.empty());
}

TEST(Packet4Tolerated, HlenZero) {
  auto w = discoverWire();
  w[2] = 0;
  auto r = decode(w);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->hwAddr().empty());
}

// RFC 3396 section 7 / RFC 2131 section 4.1: repeated instances concatenate in order.
TEST(Packet4Rfc3396, ConcatenatesRepeatedOptionsAtFirstPosition) {
  Wire w(1, 1, 0);
  w.options({53, 1, 3, 77, 2, 'a', 'b', 12, 1, 'h', 77, 3, 'c', 'd', 'e', 77, 0, 255});
  auto r = decode(w.b);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->options.size(), 3u);
  EXPECT_EQ(r->options[1].code, 77);
  EXPECT_EQ(r->options[1].data, ascii("abcde"));
  EXPECT_EQ(r->options[2].code, opt::kHostName);
}

// RFC 3397 section 2's own example: a compressed search list split mid-label over two
// instances.
TEST(Packet4Rfc3396, Rfc3397ExampleSplitAcrossInstances) {
  Wire w(2, 1, 0);
  w.options({53,  1,   5,   119, 9, 3,   'e', 'n', 'g', 5,   'a', 'p', 'p', 'l', 119,  18,   'e', 3,
             'c', 'o', 'm', 0,   9, 'm', 'a', 'r', 'k', 'e', 't', 'i', 'n', 'g', 0xc0, 0x04, 255});
  // Kea 2.2 builds each instance with the domain-search definition before joining them, and
  // the first instance alone ends mid-label: the packet fails, as in Kea.
  EXPECT_EQ(errorCode(decode(w.b)), code(CodecError::BadOptionLength));
}

// RFC 2131 section 4.1 / RFC 2132 9.3: overload moves options into file then sname.
TEST(Packet4Overload, BothFieldsInFileThenSnameOrder) {
  Wire w(1, 1, 0);
  w.options({53, 1, 1, 52, 1, 3, 77, 1, 'a', 255});
  const Bytes file = {77, 1, 'b', 12, 2, 'h', 'f', 255};
  const Bytes sname = {0, 77, 1, 'c', 66, 1, 's', 255};
  std::copy(file.begin(), file.end(), w.b.begin() + 108);
  std::copy(sname.begin(), sname.end(), w.b.begin() + 44);
  auto r = decode(w.b);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->find(77)->data, ascii("abc"));
  EXPECT_EQ(r->find(opt::kHostName)->data, ascii("hf"));
  EXPECT_EQ(r->find(66)->data, ascii("s"));
  EXPECT_EQ(r->find(opt::kOverload), nullptr);  // describes the wire layout, not stored
  EXPECT_TRUE(std::all_of(r->file.begin(), r->file.end(), [](auto b) { return b == 0; }));
  EXPECT_TRUE(std::all_of(r->sname.begin(), r->sname.end(), [](auto b) { return b == 0; }));
  // Re-encoding without overload keeps every option and re-decodes the same.
  auto again = decode(encode(*r).bytes);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->find(77)->data, ascii("abc"));
  EXPECT_EQ(again->options.size(), r->options.size());
}

TEST(Packet4Overload, FileOnlyLeavesSnameAlone) {
  Wire w(1, 1, 0);
  w.options({52, 1, 1, 255});
  const Bytes file = {53, 1, 3, 12, 1, 'x', 255};  // message type only in file: valid
  std::copy(file.begin(), file.end(), w.b.begin() + 108);
  const Bytes sname = {12, 1, 'y', 255};  // not overloaded: a name, not options
  std::copy(sname.begin(), sname.end(), w.b.begin() + 44);
  auto r = decode(w.b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->messageType(), MessageType::Request);
  EXPECT_EQ(r->find(opt::kHostName)->data, ascii("x"));
  EXPECT_EQ(r->sname[0], 12);
}

TEST(Packet4Overload, SnameOnly) {
  Wire w(1, 1, 0);
  w.options({53, 1, 1, 52, 1, 2, 255});
  const Bytes sname = {66, 3, 't', 'f', 'p', 255};
  std::copy(sname.begin(), sname.end(), w.b.begin() + 44);
  w.b[108] = 67;  // file not overloaded: untouched
  auto r = decode(w.b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->find(66)->data, ascii("tfp"));
  EXPECT_EQ(r->find(67), nullptr);
  EXPECT_EQ(r->file[0], 67);
}

TEST(Packet4Overload, FilledFieldWithoutEndIsTolerated) {
  Wire w(1, 1, 0);
  w.options({53, 1, 1, 52, 1, 2, 255});
  w.b[44] = 66;
  w.b[45] = 62;  // exactly fills the 64-byte sname
  std::fill(w.b.begin() + 46, w.b.begin() + 108, 'z');
  auto r = decode(w.b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->find(66)->data.size(), 62u);
}

TEST(Packet4Overload, OptionRunningPastOverloadedField) {
  Wire w(1, 1, 0);
  w.options({53, 1, 1, 52, 1, 1, 255});
  w.b[108 + 120] = 12;
  w.b[108 + 121] = 20;  // needs bytes past the 128-byte file field: ignored, as in the options
  auto r = decode(w.b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->find(opt::kHostName), nullptr);
  w.b[108 + 120] = 0;
  w.b[108 + 121] = 0;
  w.b[108 + 127] = 12;  // a code in the last byte of file, no length
  r = decode(w.b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->find(opt::kHostName), nullptr);
}

// Option 52 is a uint8 in Kea: empty fails the packet, a longer one is read by its first octet.
TEST(Packet4Overload, OverloadLength) {
  Wire w(1, 1, 0);
  w.options({53, 1, 1, 52, 2, 1, 1, 255});
  const Bytes file = {12, 1, 'f', 255};
  std::copy(file.begin(), file.end(), w.b.begin() + 108);
  auto r = decode(w.b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->find(opt::kHostName)->data, ascii("f"));
  Wire v(1, 1, 0);
  v.options({53, 1, 1, 52, 0, 255});
  EXPECT_EQ(errorCode(decode(v.b)), code(CodecError::BadOptionLength));
}

TEST(Packet4Overload, UnknownValueAndOverloadInsideFileAreIgnored) {
  Wire w(1, 1, 0);
  w.options({53, 1, 1, 52, 1, 7, 255});
  w.b[108] = 12;  // would be a bogus option if parsed
  w.b[109] = 250;
  auto r = decode(w.b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->file[0], 12);

  Wire v(1, 1, 0);
  v.options({53, 1, 1, 52, 1, 1, 255});
  const Bytes file = {52, 1, 2, 12, 1, 'f', 255};  // a 52 in file must not pull in sname
  std::copy(file.begin(), file.end(), v.b.begin() + 108);
  v.b[44] = 12;
  v.b[45] = 250;
  auto s = decode(v.b);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->find(opt::kHostName)->data, ascii("f"));
  EXPECT_EQ(s->sname[0], 12);
}

// Every prefix of a valid packet decodes or fails with a sensible error, never crashes.
// Each prefix is its own exact-size heap buffer so sanitizers catch any over-read.
TEST(Packet4Malformed, EveryTruncationLength) {
  Packet4 p = discover();
  p.set(opt::kHostName, ascii("tpr-host"));
  auto full = encode(p).bytes;
  ASSERT_EQ(full.size(), 300u);
  const std::size_t endAt = 240 + 3 + 9 + 8 + 4 + 10;  // offset of End
  ASSERT_EQ(full[endAt], 255);
  for (std::size_t len = 0; len <= full.size(); ++len) {
    auto cut = std::make_unique<std::uint8_t[]>(len + 1);
    std::copy(full.begin(), full.begin() + long(len), cut.get());
    auto r = decode(std::span<const std::uint8_t>(cut.get(), len));
    if (len < 240) {
      EXPECT_EQ(errorCode(r), code(CodecError::Truncated)) << len;
    } else if (len > endAt) {
      EXPECT_TRUE(r.ok()) << len;
    } else if (!r.ok()) {
      const int c = r.error().code;
      EXPECT_TRUE(c == code(CodecError::BadOptionLength) || c == code(CodecError::NoMessageType))
          << len << ": " << r.error().message;
    }
  }
}

TEST(Packet4Fuzz, RandomBytesNeverCrash) {
  std::mt19937 rng(20240601);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> size(0, 700);
  int accepted = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    Bytes b(size(rng));
    for (auto& x : b) x = std::uint8_t(byte(rng));
    // Half the time give it a plausible header so the option parser gets exercised.
    if (iter % 2 && b.size() >= 240) {
      b[0] = 1;
      b[2] = 6;
      b[236] = 99, b[237] = 130, b[238] = 83, b[239] = 99;
    }
    auto r = decode(b);
    if (r.ok()) {
      ++accepted;
      EXPECT_NE(r->find(opt::kMessageType), nullptr);
    } else {
      EXPECT_GE(r.error().code, 1);
      EXPECT_LE(r.error().code, 4);
    }
  }
  SUCCEED() << accepted << " random packets decoded";
}

// Mutating a valid packet: whatever decodes must re-encode and decode to the same options.
TEST(Packet4Fuzz, MutationsRoundTripWhenAccepted) {
  Packet4 p = discover();
  p.set(opt::kHostName, ascii("tpr-host"));
  p.set(opt::kRelayAgentInfo, {1, 2, 'a', 'b'});
  const auto base = encode(p).bytes;
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::size_t> pos(0, base.size() - 1);
  std::uniform_int_distribution<int> byte(0, 255);
  int accepted = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    Bytes b = base;
    const int flips = 1 + iter % 4;
    for (int i = 0; i < flips; ++i) b[240 + pos(rng) % (base.size() - 240)] = std::uint8_t(byte(rng));
    if (iter % 3 == 0) b[2 + pos(rng) % 2] = std::uint8_t(byte(rng));  // hlen/hops
    auto r = decode(b);
    if (!r.ok() || !r->messageType()) continue;  // (a repeated 53 is kept empty: not re-encodable)
    ++accepted;
    auto again = decode(encode(*r).bytes);
    ASSERT_TRUE(again.ok()) << iter;
    ASSERT_EQ(again->options.size(), r->options.size());
    // Order may differ only by option 53 moving first.
    for (const auto& o : r->options) {
      const Option* same = again->find(o.code);
      ASSERT_NE(same, nullptr) << int(o.code);
      EXPECT_EQ(same->data, o.data);
    }
  }
  EXPECT_GT(accepted, 1000);
}

}  // namespace
}  // namespace tandem::proto
