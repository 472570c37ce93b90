#include "dhcpd/net/reply_route.h"

#include <gtest/gtest.h>

namespace tandem::net {
namespace {

using proto::MessageType;
using proto::Packet4;

Packet4 query() {
  Packet4 q;
  q.op = Packet4::kBootRequest;
  q.htype = 1;
  q.hlen = 6;
  q.chaddr = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
  q.set(proto::opt::kMessageType, {std::uint8_t(MessageType::Request)});
  return q;
}

Packet4 reply(MessageType t) {
  Packet4 r;
  r.op = Packet4::kBootReply;
  r.yiaddr = Ipv4(198, 18, 0, 50);
  r.set(proto::opt::kMessageType, {std::uint8_t(t)});
  return r;
}

const ReplyPorts kPorts{6767, 6868};

TEST(ReplyRoute, RelayedGoesToGiaddrOnServerPort) {
  auto q = query();
  q.giaddr = Ipv4(198, 18, 0, 100);
  q.ciaddr = Ipv4(198, 18, 0, 7);  // giaddr wins over ciaddr and the broadcast flag
  q.flags = Packet4::kBroadcastFlag;
  auto d = replyDestination(q, reply(MessageType::Ack), kPorts);
  EXPECT_EQ(d.kind, Destination::Kind::Udp);
  EXPECT_EQ(d.addr, Ipv4(198, 18, 0, 100));
  EXPECT_EQ(d.port, 6767);
}

TEST(ReplyRoute, RelayedNakAlsoGoesToRelay) {
  auto q = query();
  q.giaddr = Ipv4(198, 18, 0, 100);
  auto d = replyDestination(q, reply(MessageType::Nak), kPorts);
  EXPECT_EQ(d.kind, Destination::Kind::Udp);
  EXPECT_EQ(d.addr, Ipv4(198, 18, 0, 100));
  EXPECT_EQ(d.port, 6767);
}

TEST(ReplyRoute, LocalNakGoesToCiaddrLikeKea) {
  // difftest rfc2131-*/renewing-other-clients-address: Kea 2.2 unicasts the NAK to ciaddr.
  auto q = query();
  q.ciaddr = Ipv4(198, 18, 0, 7);
  auto d = replyDestination(q, reply(MessageType::Nak), kPorts);
  EXPECT_EQ(d.kind, Destination::Kind::Udp);
  EXPECT_EQ(d.addr, Ipv4(198, 18, 0, 7));
  EXPECT_EQ(d.port, 6868);
}

TEST(ReplyRoute, LocalNakWithoutCiaddrIsBroadcast) {
  auto q = query();
  auto d = replyDestination(q, reply(MessageType::Nak), kPorts);
  EXPECT_EQ(d.kind, Destination::Kind::Broadcast);
  EXPECT_EQ(d.addr, Ipv4::broadcast());
  EXPECT_EQ(d.port, 6868);
}

TEST(ReplyRoute, CiaddrAllOnesIsBroadcast) {
  // difftest rfc2131-*/selecting-ciaddr-broadcast-address: Kea answers at ciaddr, i.e. broadcast.
  auto q = query();
  q.ciaddr = Ipv4::broadcast();
  auto d = replyDestination(q, reply(MessageType::Ack), kPorts);
  EXPECT_EQ(d.kind, Destination::Kind::Broadcast);
  EXPECT_EQ(d.port, 6868);
}

Packet4 inform() {
  auto q = query();
  q.set(proto::opt::kMessageType, {std::uint8_t(MessageType::Inform)});
  return q;
}

TEST(ReplyRoute, RelayedInformWithCiaddrGoesToTheClient) {
  // difftest inform/inform-relayed: Kea answers at ciaddr, not through the relay.
  auto q = inform();
  q.giaddr = Ipv4(198, 18, 0, 100);
  q.ciaddr = Ipv4(198, 18, 0, 45);
  auto d = replyDestination(q, reply(MessageType::Ack), kPorts, Ipv4(198, 18, 0, 100));
  EXPECT_EQ(d.kind, Destination::Kind::Udp);
  EXPECT_EQ(d.addr, Ipv4(198, 18, 0, 45));
  EXPECT_EQ(d.port, 6868);
}

TEST(ReplyRoute, RelayedInformWithoutCiaddrGoesToTheRelay) {
  auto q = inform();
  q.giaddr = Ipv4(198, 18, 0, 100);
  auto d = replyDestination(q, reply(MessageType::Ack), kPorts, Ipv4(198, 18, 0, 100));
  EXPECT_EQ(d.kind, Destination::Kind::Udp);
  EXPECT_EQ(d.addr, Ipv4(198, 18, 0, 100));
  EXPECT_EQ(d.port, 6767);
}

TEST(ReplyRoute, InformWithoutCiaddrGoesToItsSource) {
  // difftest inform/inform-ciaddr-zero-src-ip.
  auto q = inform();
  auto d = replyDestination(q, reply(MessageType::Ack), kPorts, Ipv4(198, 18, 0, 43));
  EXPECT_EQ(d.kind, Destination::Kind::Udp);
  EXPECT_EQ(d.addr, Ipv4(198, 18, 0, 43));
  EXPECT_EQ(d.port, 6868);
}

TEST(ReplyRoute, CiaddrIsUnicastToClientPort) {
  auto q = query();
  q.ciaddr = Ipv4(198, 18, 0, 7);
  q.flags = Packet4::kBroadcastFlag;  // ciaddr outranks the flag
  auto d = replyDestination(q, reply(MessageType::Ack), kPorts);
  EXPECT_EQ(d.kind, Destination::Kind::Udp);
  EXPECT_EQ(d.addr, Ipv4(198, 18, 0, 7));
  EXPECT_EQ(d.port, 6868);
}

TEST(ReplyRoute, BroadcastFlagIsHonoured) {
  auto q = query();
  q.flags = Packet4::kBroadcastFlag;
  auto d = replyDestination(q, reply(MessageType::Offer), kPorts);
  EXPECT_EQ(d.kind, Destination::Kind::Broadcast);
  EXPECT_EQ(d.addr, Ipv4::broadcast());
  EXPECT_EQ(d.port, 6868);
}

TEST(ReplyRoute, AddresslessClientGetsLinkLayerUnicastToYiaddr) {
  auto q = query();
  auto d = replyDestination(q, reply(MessageType::Offer), kPorts);
  EXPECT_EQ(d.kind, Destination::Kind::L2Unicast);
  EXPECT_EQ(d.addr, Ipv4(198, 18, 0, 50));
  EXPECT_EQ(d.port, 6868);
  EXPECT_EQ(d.mac.toString(), "02:11:22:33:44:55");
  EXPECT_EQ(d.mac.length, 6);
}

TEST(ReplyRoute, NonEthernetHardwareFallsBackToBroadcast) {
  auto q = query();
  q.htype = 6;  // IEEE 802
  EXPECT_EQ(replyDestination(q, reply(MessageType::Offer), kPorts).kind, Destination::Kind::Broadcast);
  q = query();
  q.hlen = 8;
  EXPECT_EQ(replyDestination(q, reply(MessageType::Offer), kPorts).kind, Destination::Kind::Broadcast);
}

TEST(ReplyRoute, NoYiaddrFallsBackToBroadcast) {
  auto q = query();
  auto r = reply(MessageType::Ack);
  r.yiaddr = Ipv4();
  EXPECT_EQ(replyDestination(q, r, kPorts).kind, Destination::Kind::Broadcast);
}

TEST(ReplyRoute, DefaultPortsAre67And68) {
  auto q = query();
  q.giaddr = Ipv4(10, 0, 0, 1);
  EXPECT_EQ(replyDestination(q, reply(MessageType::Ack)).port, 67);
  q.giaddr = Ipv4();
  q.ciaddr = Ipv4(10, 0, 0, 2);
  EXPECT_EQ(replyDestination(q, reply(MessageType::Ack)).port, 68);
}

TEST(ReplyRoute, KindNames) {
  EXPECT_EQ(toString(Destination::Kind::Udp), "udp");
  EXPECT_EQ(toString(Destination::Kind::Broadcast), "broadcast");
  EXPECT_EQ(toString(Destination::Kind::L2Unicast), "l2-unicast");
}

}  // namespace
}  // namespace tandem::net
