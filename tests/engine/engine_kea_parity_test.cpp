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

// discover/discover-with-own-server-id: RFC 2131 table 5 forbids option 54 in a DISCOVER;
// Kea 2.2's sanityCheck drops it even when it names this server.
TEST_F(EngineTest, DiscoverWithAnyServerIdentifierIsDropped) {
  Packet4 d = discover(mac(1));
  d.set(opt::kServerId, proto::ipBytes(ip("198.18.0.1")));
  Decision r = send(d);
  EXPECT_FALSE(r.reply);
  EXPECT_EQ(r.drop, DropReason::BadRequest);
  EXPECT_TRUE(r.changes.empty());
  cfg.ignoreServerId = true;  // not a server-selection question: still dropped
  engine::Engine other(cfg, store);
  EXPECT_EQ(other.handle(d, meta, clock.now()).drop, DropReason::BadRequest);
  EXPECT_EQ(typeOf(send(discover(mac(1)))), MessageType::Offer);
}

// client-id/cid-one-byte, client-id/cid-empty (also with match-client-id false): Kea 2.2's
// ClientId needs 2 octets; a shorter option 61 drops the query once a subnet is selected,
// and always for RELEASE and DECLINE.
TEST_F(EngineTest, ClientIdentifierShorterThanTwoOctetsIsDropped) {
  for (const std::vector<std::uint8_t>& cid : {std::vector<std::uint8_t>{}, std::vector<std::uint8_t>{1}}) {
    for (bool match : {true, false}) {
      cfg.matchClientId = match;
      for (auto& s : cfg.subnets) s.matchClientId = match;
      engine::Engine e(cfg, store);
      Packet4 d = discover(mac(1));
      d.set(opt::kClientId, cid);
      Decision r = e.handle(d, meta, clock.now());
      EXPECT_FALSE(r.reply) << cid.size();
      EXPECT_EQ(r.drop, DropReason::BadRequest) << cid.size();
      Packet4 q = selecting(mac(1), ip("198.18.0.10"));
      q.set(opt::kClientId, cid);
      EXPECT_EQ(e.handle(q, meta, clock.now()).drop, DropReason::BadRequest);
    }
  }
  Ipv4 a = dora(mac(2));
  Packet4 rel = packet(MessageType::Release, mac(2));
  rel.ciaddr = a;
  rel.set(opt::kServerId, proto::ipBytes(ip("198.18.0.1")));
  rel.set(opt::kClientId, {1});
  Decision r = send(rel);
  EXPECT_EQ(r.drop, DropReason::BadRequest);
  EXPECT_TRUE(r.changes.empty());
  EXPECT_TRUE(store.byAddress(a).has_value());
  // Two octets are a client identifier.
  Packet4 ok = discover(mac(3));
  ok.set(opt::kClientId, {1, 2});
  EXPECT_EQ(typeOf(send(ok)), MessageType::Offer);
}

// malformed-optlen/agent-empty, agent-sub-overrun: option 82 is echoed only when it holds
// sub-options (the decoder keeps the sub-options before one that overruns).
TEST_F(EngineTest, EmptyRelayAgentInformationIsNotEchoed) {
  Packet4 d = discover(mac(1));
  d.set(opt::kRelayAgentInfo, {});
  Decision r = send(d);
  ASSERT_EQ(typeOf(r), MessageType::Offer) << r.note;
  EXPECT_EQ(r.reply->find(opt::kRelayAgentInfo), nullptr);
  d.set(opt::kRelayAgentInfo, {1, 2, 'a', 'b'});
  r = send(d);
  ASSERT_EQ(typeOf(r), MessageType::Offer) << r.note;
  ASSERT_NE(r.reply->find(opt::kRelayAgentInfo), nullptr);
  EXPECT_EQ(r.reply->find(opt::kRelayAgentInfo)->data, (std::vector<std::uint8_t>{1, 2, 'a', 'b'}));
}

}  // namespace
}  // namespace tandem::test
