#include "ha/query_peek.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "dhcpd/proto/packet4.h"
#include "ha/scope_filter.h"
#include "tests/ha/ha_test_util.h"

namespace tandem::ha {
namespace {

using Bytes = std::vector<std::uint8_t>;

// A BOOTREQUEST: fixed header, chaddr, the magic cookie, then `options` as given (raw, so the
// tests can write what an encoder never would).
Bytes datagram(const Bytes& chaddr, const Bytes& options, std::uint8_t hlen = 6) {
  Bytes w(240, 0);
  w[0] = 1;
  w[1] = 1;
  w[2] = hlen;
  for (std::size_t i = 0; i < chaddr.size() && i < 16; ++i) w[28 + i] = chaddr[i];
  w[236] = 99;
  w[237] = 130;
  w[238] = 83;
  w[239] = 99;
  w.insert(w.end(), options.begin(), options.end());
  return w;
}

Bytes bytesOf(std::span<const std::uint8_t> s) { return Bytes(s.begin(), s.end()); }

TEST(QueryPeek, ReadsTypeClientIdAndChaddr) {
  const Bytes mac = {0x02, 0, 0, 0, 0, 7};
  // The view points into the datagram, which must outlive it.
  const Bytes d = datagram(mac, {0, 0, 53, 1, 3, 12, 2, 'h', 'x', 61, 3, 1, 9, 9, 255});
  const auto v = peekQuery(d);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->messageType, 3);
  EXPECT_EQ(bytesOf(v->clientId), (Bytes{1, 9, 9}));
  EXPECT_EQ(bytesOf(v->hwAddr), mac);
}

TEST(QueryPeek, AgreesWithTheDecoderOnWhatTheEncoderWrites) {
  for (int i = 0; i < 64; ++i) {
    proto::Packet4 p;
    p.op = 1;
    p.htype = 1;
    p.hlen = 6;
    p.xid = 0x1000 + i;
    p.chaddr[0] = 0x02;
    p.chaddr[5] = static_cast<std::uint8_t>(i);
    p.set(proto::opt::kMessageType, {static_cast<std::uint8_t>(i % 2 ? 1 : 3)});
    if (i % 4 == 0) p.set(proto::opt::kClientId, {0x01, 0x02, 0, 0, 0, 0, static_cast<std::uint8_t>(i)});
    p.set(proto::opt::kHostName, {'h', 'o', 's', 't'});
    const auto wire = proto::encode(p, 1500).bytes;
    const auto decoded = proto::decode(wire);
    ASSERT_TRUE(decoded);
    const auto v = peekQuery(wire);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->messageType, static_cast<std::uint8_t>(*decoded->messageType()));
    const auto id = decoded->clientId();
    EXPECT_EQ(bytesOf(v->clientId), id ? Bytes(id->begin(), id->end()) : Bytes{});
    EXPECT_EQ(bytesOf(v->hwAddr), Bytes(decoded->chaddr.begin(), decoded->chaddr.begin() + decoded->hlen));
  }
}

TEST(QueryPeek, HlenAbove16NamesThe16ChaddrOctets) {
  const Bytes d = datagram({1, 2, 3}, {53, 1, 1}, 40);
  const auto v = peekQuery(d);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->hwAddr.size(), 16u);
}

TEST(QueryPeek, TruncatedLastOptionIsIgnoredAsByTheDecoder) {
  const Bytes d = datagram({1}, {53, 1, 1, 61, 9, 1, 2});
  const auto v = peekQuery(d);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->clientId.empty());
  // Options after End are not read.
  const Bytes e = datagram({1}, {53, 1, 1, 255, 61, 2, 1, 2});
  const auto w = peekQuery(e);
  ASSERT_TRUE(w);
  EXPECT_TRUE(w->clientId.empty());
}

// Whatever the decoder would read differently leaves the query to the ordinary path.
TEST(QueryPeek, UnusualQueriesAreLeftToTheDecoder) {
  EXPECT_FALSE(peekQuery(Bytes(239, 0)));  // shorter than the header
  auto badCookie = datagram({1}, {53, 1, 1});
  badCookie[236] = 0;
  EXPECT_FALSE(peekQuery(badCookie));
  EXPECT_FALSE(peekQuery(datagram({1}, {})));                                 // BOOTP: no option 53
  EXPECT_FALSE(peekQuery(datagram({1}, {53, 0})));                            // empty option 53
  EXPECT_FALSE(peekQuery(datagram({1}, {53, 1, 1, 53, 1, 3})));               // option 53 twice
  EXPECT_FALSE(peekQuery(datagram({1}, {53, 1, 1, 61, 2, 1, 2, 61, 1, 3})));  // 61 twice (RFC 3396)
  EXPECT_FALSE(peekQuery(datagram({1}, {53, 1, 1, 52, 1, 3})));               // overload: more in sname/file
}

// The peeked view hashes like the decoded query: the scope filter says the same either way.
TEST(QueryPeek, PartnerQueriesOfALoadBalancingPeer) {
  const HaConfig c = testing::lbConfig("server1");
  ScopeFilter f(c);
  f.serveDefaultScopes();
  // RFC 3074 vectors (reference 5.3): 00:01:02:03:04:05 -> secondary, 00:00:00:00:00:00 -> primary.
  EXPECT_TRUE(f.isPartnerQuery(*peekQuery(datagram({0, 1, 2, 3, 4, 5}, {53, 1, 1}))));
  EXPECT_FALSE(f.isPartnerQuery(*peekQuery(datagram({0, 0, 0, 0, 0, 0}, {53, 1, 1}))));
  // Option 61 01:08:00:27:aa:bb:cc hashes to the primary whatever chaddr says.
  EXPECT_FALSE(
      f.isPartnerQuery(*peekQuery(datagram({0, 1, 2, 3, 4, 5}, {53, 1, 1, 61, 7, 1, 8, 0, 0x27, 0xaa, 0xbb, 0xcc}))));
}

}  // namespace
}  // namespace tandem::ha
