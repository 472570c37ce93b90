// Answers where tandemd used to differ from Kea 2.2, found by the differential tester
// (tests/difftest); each test names the difftest scenario that shows Kea's behaviour.
#include "tests/engine/engine_fixture.h"

namespace tandem::test {
namespace {

// rfc2131-*/request-bare: a REQUEST with neither option 50 nor ciaddr (nor server id) is
// answered with an address, the client's own lease when it has one (request-bare-known).
TEST_F(EngineTest, RequestWithoutAnyAddressIsAnswered) {
  Decision d = send(packet(MessageType::Request, mac(1)));
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  Ipv4 a = d.reply->yiaddr;
  EXPECT_EQ(store.byAddress(a)->hwAddr, mac(1));
  Decision again = send(packet(MessageType::Request, mac(1)));
  ASSERT_EQ(typeOf(again), MessageType::Ack) << again.note;
  EXPECT_EQ(again.reply->yiaddr, a);
}

// rfc2131-*/selecting-ciaddr-broadcast-address: ciaddr 255.255.255.255 does not make the
// REQUEST unservable (the subnet of a broadcast comes from the interface).
TEST_F(EngineTest, CiaddrAllOnesIsServed) {
  Ipv4 a = send(discover(mac(1))).reply->yiaddr;
  Packet4 p = selecting(mac(1), a);
  p.ciaddr = Ipv4::broadcast();
  Decision d = send(p);
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  EXPECT_EQ(d.reply->yiaddr, a);
  EXPECT_EQ(d.reply->ciaddr, Ipv4::broadcast());
}

// discover/discover-with-server-id, inform/inform-wrong-server-id: another server's
// identifier makes Kea ignore any message, not only REQUEST/DECLINE/RELEASE.
TEST_F(EngineTest, OtherServersIdentifierIsIgnoredInEveryMessage) {
  Packet4 d = discover(mac(1));
  d.set(opt::kServerId, proto::ipBytes(ip("198.18.0.9")));
  EXPECT_EQ(send(d).drop, DropReason::NotForUs);
  Packet4 i = packet(MessageType::Inform, mac(1));
  i.ciaddr = ip("198.18.0.200");
  i.set(opt::kServerId, proto::ipBytes(ip("198.18.0.9")));
  EXPECT_EQ(send(i).drop, DropReason::NotForUs);
  i.set(opt::kServerId, proto::ipBytes(ip("198.18.0.1")));
  EXPECT_EQ(typeOf(send(i)), MessageType::Ack);
}

// compatibility/ignore-dhcp-server-identifier (newer Kea): the identifier no longer decides;
// the REQUEST keeps its SELECTING meaning.
TEST_F(EngineTest, IgnoreServerIdentifierAcceptsAnyIdentifier) {
  cfg.ignoreServerId = true;
  Ipv4 a = send(discover(mac(1))).reply->yiaddr;
  Decision d = send(selecting(mac(1), a, ip("198.18.0.9")));
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  EXPECT_EQ(d.reply->yiaddr, a);
  EXPECT_EQ(ipOpt(*d.reply, opt::kServerId), ip("198.18.0.1"));  // ours, not the client's
}

// Every NAK of the difftest: Kea 2.2 sends no message option (56) with it.
TEST_F(EngineTest, NakCarriesNoMessage) {
  ASSERT_TRUE(store.put(leaseFor(mac(9), ip("198.18.0.20"))).ok());
  Decision d = send(selecting(mac(1), ip("198.18.0.20")));
  ASSERT_EQ(typeOf(d), MessageType::Nak);
  EXPECT_EQ(findOpt(*d.reply, opt::kMessage), nullptr);
  EXPECT_FALSE(d.note.empty());  // the reason still goes to the log
}

// relay/dora-hops, discover/discover-secs-hops: Kea copies hops into the reply.
TEST_F(EngineTest, HopsAreCopiedIntoTheReply) {
  Packet4 p = discover(mac(1));
  p.hops = 3;
  p.giaddr = ip("198.18.2.1");
  EXPECT_EQ(send(p).reply->hops, 3);
}

// rfc2131-auth/init-reboot-unknown-client-foreign vs nonauth: no lease -> silent unless
// authoritative; a client with a lease elsewhere -> NAK (init-reboot-known-foreign).
TEST_F(EngineTest, InitRebootDecisionOrderFollowsKea) {
  EXPECT_FALSE(send(initReboot(mac(1), ip("10.0.0.5"))).reply);
  dora(mac(2));
  EXPECT_EQ(typeOf(send(initReboot(mac(2), ip("10.0.0.5")))), MessageType::Nak);
  cfg.subnets[0].authoritative = true;
  engine::Engine e2(cfg, store);
  Decision d = e2.handle(initReboot(mac(3), ip("198.18.0.44")), meta, clock.now());
  ASSERT_EQ(typeOf(d), MessageType::Nak) << d.note;
}

// Kea keeps a REQUEST for a free address a client with a reservation does not hold but whose
// reserved address is in use by itself (reservations/hw-dora-then-select-other).
TEST_F(EngineTest, ReservedClientHoldingItsReservationMayMove) {
  config::Reservation r;
  r.hwAddr = mac(1);
  r.address = ip("198.18.0.5");
  cfg.subnets[0].reservations.push_back(r);
  EXPECT_EQ(dora(mac(1)), ip("198.18.0.5"));
  Decision d = send(selecting(mac(1), ip("198.18.0.40")));
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  EXPECT_FALSE(store.byAddress(ip("198.18.0.5")));
}

// relay/relay-link-selection, relay/relay-subnet-selection-118, local-subnet-selection-118:
// RFC 3527's link-selection sub-option (when option 82 is present) or else RFC 3011's option
// 118 chooses the subnet; option 118 is echoed.
TEST_F(EngineTest, LinkSelectionAndSubnetSelectionChooseTheSubnet) {
  Packet4 p = discover(mac(1));
  p.giaddr = ip("198.18.2.1");
  p.set(opt::kRelayAgentInfo, {1, 1, 'x', 5, 4, 198, 18, 3, 0});
  Decision d = send(p);
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  EXPECT_EQ(d.subnetId, 3u);

  Packet4 q = discover(mac(2));
  q.set(118, {198, 18, 2, 0});
  d = send(q);
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  EXPECT_EQ(d.subnetId, 2u);
  ASSERT_NE(findOpt(*d.reply, 118), nullptr);
  EXPECT_EQ(findOpt(*d.reply, 118)->data, (std::vector<std::uint8_t>{198, 18, 2, 0}));

  // With option 82 present but no link selection in it, option 118 is not looked at (Kea).
  Packet4 r = discover(mac(3));
  r.giaddr = ip("198.18.2.1");
  r.set(118, {198, 18, 3, 0});
  r.set(opt::kRelayAgentInfo, {1, 1, 'x'});
  EXPECT_EQ(send(r).subnetId, 2u);
}

// malformed/long-hostname: a host name label over 63 octets is not a DNS name; Kea drops it.
TEST_F(EngineTest, OverlongHostnameIsIgnored) {
  Packet4 p = selecting(mac(1), ip("198.18.0.30"));
  p.set(opt::kHostName, std::vector<std::uint8_t>(64, 'h'));
  p.set(opt::kParameterRequestList, {12});
  Decision d = send(p);
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  EXPECT_EQ(findOpt(*d.reply, opt::kHostName), nullptr);
  EXPECT_TRUE(d.changes.back().lease.hostname.empty());
  p.set(opt::kHostName, std::vector<std::uint8_t>(63, 'h'));
  EXPECT_NE(findOpt(*send(p).reply, opt::kHostName), nullptr);
}

}  // namespace
}  // namespace tandem::test
