// DISCOVER -> OFFER (RFC 2131 4.3.1): address choice, offer table, reply options.
#include <set>

#include "tests/engine/engine_fixture.h"

namespace tandem::test {
namespace {

TEST_F(EngineTest, DiscoverOffersPoolAddressWithBasicOptions) {
  Decision d = send(discover(mac(1)));
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  EXPECT_EQ(d.drop, DropReason::None);
  EXPECT_EQ(d.subnetId, 1u);
  const Packet4& r = *d.reply;
  EXPECT_EQ(r.op, Packet4::kBootReply);
  EXPECT_EQ(r.xid, 0x1234u + 1);
  EXPECT_EQ(r.chaddr[5], 1);
  EXPECT_GE(r.yiaddr, ip("198.18.0.10"));
  EXPECT_LE(r.yiaddr, ip("198.18.0.50"));
  EXPECT_TRUE(r.ciaddr.isZero());
  EXPECT_EQ(ipOpt(r, opt::kServerId), ip("198.18.0.1"));
  EXPECT_EQ(u32Opt(r, opt::kLeaseTime), 4000u);
  // No renew-timer/rebind-timer configured and calculate-tee-times off: no T1/T2 (Kea 2.2,
  // difftest tee-times-none).
  EXPECT_EQ(findOpt(r, opt::kRenewalTime), nullptr);
  EXPECT_EQ(findOpt(r, opt::kRebindingTime), nullptr);
  EXPECT_EQ(ipOpt(r, opt::kSubnetMask), ip("255.255.255.0"));
  // Routers, DNS and domain name go out even without a PRL (Kea's basic options); the subnet's
  // domain-name beats the global one; ntp-servers (42) was not requested.
  EXPECT_EQ(ipOpt(r, opt::kRouters), ip("198.18.0.1"));
  EXPECT_EQ(ipOpt(r, opt::kDomainNameServers), ip("198.18.0.2"));
  ASSERT_NE(findOpt(r, opt::kDomainName), nullptr);
  EXPECT_EQ(findOpt(r, opt::kDomainName)->data, bytes("subnet1.example"));
  EXPECT_EQ(findOpt(r, 42), nullptr);
  // Kea's order (LibDHCP::packOptions4): 53 first, then ascending codes, 82 last.
  EXPECT_EQ(codes(r), (std::vector<std::uint8_t>{53, 1, 3, 6, 15, 51, 54}));
}

// The engine's own options (host name, client-id echo) are merged into the configured ones
// by code, not appended after them.
TEST_F(EngineTest, ComputedOptionsAreMergedInCodeOrder) {
  Packet4 p = discover(mac(1));
  p.set(opt::kHostName, bytes("host1"));
  p.set(opt::kClientId, {1, 2, 0, 0, 0, 0, 1});
  p.set(opt::kParameterRequestList, {1, 3, 42, 12});
  Decision d = send(p);
  ASSERT_TRUE(d.reply);
  const Packet4& r = *d.reply;
  EXPECT_EQ(codes(r), (std::vector<std::uint8_t>{53, 1, 3, 6, 12, 15, 42, 51, 54, 61}));
  EXPECT_EQ(findOpt(r, opt::kHostName)->data, bytes("host1"));
}

TEST_F(EngineTest, OfferIsTentativeNotALeaseChange) {
  Decision d = send(discover(mac(1)));
  ASSERT_TRUE(d.reply);
  EXPECT_TRUE(d.changes.empty());
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(eng().offerCount(), 1u);
}

TEST_F(EngineTest, RepeatedDiscoverGetsTheSameOffer) {
  Ipv4 first = send(discover(mac(1))).reply->yiaddr;
  send(discover(mac(2)));
  EXPECT_EQ(send(discover(mac(1))).reply->yiaddr, first);
  EXPECT_EQ(eng().offerCount(), 2u);
}

TEST_F(EngineTest, TwoClientsAreNeverOfferedTheSameAddress) {
  std::set<std::uint32_t> seen;
  for (std::uint8_t i = 1; i <= 41; ++i) {
    Decision d = send(discover(mac(i)));
    ASSERT_EQ(typeOf(d), MessageType::Offer) << int(i) << " " << d.note;
    EXPECT_TRUE(seen.insert(d.reply->yiaddr.value).second) << d.reply->yiaddr.toString();
  }
  // 41 addresses in the pool, all offered: the 42nd client finds none.
  Decision d = send(discover(mac(42)));
  EXPECT_FALSE(d.reply);
  EXPECT_EQ(d.drop, DropReason::NoAddress);
}

TEST_F(EngineTest, RequestedAddressIsOfferedWhenFreeAndInPool) {
  Packet4 p = discover(mac(1));
  p.set(opt::kRequestedAddress, proto::ipBytes(ip("198.18.0.33")));
  EXPECT_EQ(send(p).reply->yiaddr, ip("198.18.0.33"));
}

TEST_F(EngineTest, RequestedAddressOutsidePoolOrTakenIsNotOffered) {
  Packet4 p = discover(mac(1));
  p.set(opt::kRequestedAddress, proto::ipBytes(ip("198.18.0.200")));
  EXPECT_NE(send(p).reply->yiaddr, ip("198.18.0.200"));

  ASSERT_TRUE(store.put(leaseFor(mac(9), ip("198.18.0.33"))).ok());
  Packet4 q = discover(mac(2));
  q.set(opt::kRequestedAddress, proto::ipBytes(ip("198.18.0.33")));
  Decision d = send(q);
  ASSERT_TRUE(d.reply);
  EXPECT_NE(d.reply->yiaddr, ip("198.18.0.33"));
}

TEST_F(EngineTest, ExpiredLeaseOfAnotherClientIsReusable) {
  Lease old = leaseFor(mac(9), ip("198.18.0.33"));
  old.cltt -= 5000;  // expired 1000 s ago
  ASSERT_TRUE(store.put(old).ok());
  Packet4 p = discover(mac(2));
  p.set(opt::kRequestedAddress, proto::ipBytes(ip("198.18.0.33")));
  Decision d = send(p);
  EXPECT_EQ(d.reply->yiaddr, ip("198.18.0.33"));
  Decision ack = send(selecting(mac(2), ip("198.18.0.33")));
  ASSERT_EQ(typeOf(ack), MessageType::Ack);
  ASSERT_EQ(ack.changes.size(), 1u);
  ASSERT_TRUE(ack.changes[0].previous);
  EXPECT_EQ(ack.changes[0].previous->hwAddr, mac(9));
}

TEST_F(EngineTest, ClientWithLeaseGetsItOnDiscover) {
  ASSERT_TRUE(store.put(leaseFor(mac(1), ip("198.18.0.44"))).ok());
  Packet4 p = discover(mac(1));
  p.set(opt::kRequestedAddress, proto::ipBytes(ip("198.18.0.20")));  // current binding wins
  EXPECT_EQ(send(p).reply->yiaddr, ip("198.18.0.44"));
}

TEST_F(EngineTest, ClientWithExpiredLeaseGetsItBackIfFree) {
  Lease l = leaseFor(mac(1), ip("198.18.0.44"));
  l.cltt -= 100000;
  l.state = LeaseState::ExpiredReclaimed;
  ASSERT_TRUE(store.put(l).ok());
  EXPECT_EQ(send(discover(mac(1))).reply->yiaddr, ip("198.18.0.44"));
}

TEST_F(EngineTest, ReturningClientAfterReleaseGetsPreviousAddress) {
  Ipv4 a = dora(mac(1));
  // Other clients move the allocation cursor past a.
  for (std::uint8_t i = 2; i < 6; ++i) dora(mac(i));
  Packet4 rel = packet(MessageType::Release, mac(1));
  rel.ciaddr = a;
  rel.set(opt::kServerId, proto::ipBytes(ip("198.18.0.1")));
  Decision d = send(rel);
  ASSERT_EQ(d.changes.size(), 1u);
  EXPECT_FALSE(store.byAddress(a));
  EXPECT_EQ(dora(mac(1)), a);
}

TEST_F(EngineTest, ReturningClientAfterExpiryAndFlushGetsPreviousAddress) {
  cfg.expiredLeases.holdReclaimedTime = 0;
  Ipv4 a = dora(mac(1));
  clock.advance(5000s);
  apply(eng().reclaimExpired(clock.now(), 100));
  EXPECT_FALSE(store.byAddress(a));  // expired long enough ago: deleted outright
  dora(mac(2));
  EXPECT_EQ(dora(mac(1)), a);
}

TEST_F(EngineTest, NoSubnetForInterfaceDrops) {
  meta.ifName = "eth9";
  meta.ifAddr = ip("198.18.50.1");
  Decision d = send(discover(mac(1)));
  EXPECT_FALSE(d.reply);
  EXPECT_EQ(d.drop, DropReason::NoSubnet);
  EXPECT_EQ(d.subnetId, 0u);
}

TEST_F(EngineTest, SubnetChosenByInterfaceAddressWhenNameUnknown) {
  meta.ifName = "eth1";
  meta.ifAddr = ip("198.18.2.1");
  Decision d = send(discover(mac(1)));
  EXPECT_EQ(d.subnetId, 2u);
  EXPECT_EQ(ipOpt(*d.reply, opt::kServerId), ip("198.18.2.1"));
}

TEST_F(EngineTest, RelayedDiscoverUsesGiaddrSubnet) {
  Packet4 p = discover(mac(1));
  p.giaddr = ip("198.18.2.1");
  p.hops = 1;
  Decision d = send(p);
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.subnetId, 2u);
  EXPECT_EQ(d.reply->giaddr, ip("198.18.2.1"));
  EXPECT_GE(d.reply->yiaddr, ip("198.18.2.10"));
  EXPECT_LE(d.reply->yiaddr, ip("198.18.2.20"));
  EXPECT_EQ(ipOpt(*d.reply, opt::kSubnetMask), ip("255.255.255.0"));
}

TEST_F(EngineTest, RelayedDiscoverUsesRelayIpAddresses) {
  Packet4 p = discover(mac(1));
  p.giaddr = ip("198.18.100.1");
  Decision d = send(p);
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.subnetId, 3u);
  EXPECT_GE(d.reply->yiaddr, ip("198.18.3.10"));
}

TEST_F(EngineTest, RelayedDiscoverFromUnknownRelayDrops) {
  Packet4 p = discover(mac(1));
  p.giaddr = ip("198.18.200.1");
  EXPECT_EQ(send(p).drop, DropReason::NoSubnet);
}

TEST_F(EngineTest, RelayAgentInformationIsEchoedLast) {
  Packet4 p = discover(mac(1));
  p.giaddr = ip("198.18.2.1");
  std::vector<std::uint8_t> agent = {1, 4, 'p', 'o', 'r', 't', 2, 2, 0xab, 0xcd};
  p.set(opt::kRelayAgentInfo, agent);
  Decision d = send(p);
  ASSERT_TRUE(d.reply);
  ASSERT_FALSE(d.reply->options.empty());
  EXPECT_EQ(d.reply->options.back().code, opt::kRelayAgentInfo);
  EXPECT_EQ(d.reply->options.back().data, agent);
}

TEST_F(EngineTest, NoRelayAgentInformationWhenNotSent) {
  EXPECT_EQ(findOpt(*send(discover(mac(1))).reply, opt::kRelayAgentInfo), nullptr);
}

TEST_F(EngineTest, ClientIdentifierIsEchoed) {
  Packet4 p = discover(mac(1));
  std::vector<std::uint8_t> id = {0x01, 0x02, 0, 0, 0, 0, 1};
  p.set(opt::kClientId, id);
  Decision d = send(p);
  ASSERT_NE(findOpt(*d.reply, opt::kClientId), nullptr);
  EXPECT_EQ(findOpt(*d.reply, opt::kClientId)->data, id);
  EXPECT_EQ(findOpt(*send(discover(mac(2))).reply, opt::kClientId), nullptr);
}

TEST_F(EngineTest, ParameterRequestListSelectsConfiguredOptions) {
  Packet4 p = discover(mac(1));
  p.set(opt::kParameterRequestList, {1, 3, 42});
  Decision d = send(p);
  ASSERT_NE(findOpt(*d.reply, 42), nullptr);
  EXPECT_EQ(ipOpt(*d.reply, 42), ip("198.18.0.3"));
}

TEST_F(EngineTest, AlwaysSendAndNeverSend) {
  cfg.options.push_back(optionData(44, proto::ipBytes(ip("198.18.0.4")), /*always=*/true));  // netbios-name-servers
  cfg.subnets[0].options[0].neverSend = true;                                                // routers
  Decision d = send(discover(mac(1)));
  EXPECT_NE(findOpt(*d.reply, 44), nullptr);
  EXPECT_EQ(findOpt(*d.reply, opt::kRouters), nullptr);
}

TEST_F(EngineTest, ConfiguredLeaseTimesAndTimers) {
  cfg.renewTimer = 1000;
  cfg.rebindTimer = 1800;
  cfg.subnets[0].validLifetime = 3000;
  Decision d = send(discover(mac(1)));
  EXPECT_EQ(u32Opt(*d.reply, opt::kLeaseTime), 3000u);
  EXPECT_EQ(u32Opt(*d.reply, opt::kRenewalTime), 1000u);
  EXPECT_EQ(u32Opt(*d.reply, opt::kRebindingTime), 1800u);

  cfg.subnets[0].renewTimer = 500;
  engine::Engine e2(cfg, store);
  Decision d2 = e2.handle(discover(mac(2)), meta, clock.now());
  EXPECT_EQ(u32Opt(*d2.reply, opt::kRenewalTime), 500u);
  EXPECT_EQ(u32Opt(*d2.reply, opt::kRebindingTime), 1800u);
}

TEST_F(EngineTest, TimersNotBelowLeaseTimeAreOmitted) {
  cfg.renewTimer = 5000;
  cfg.rebindTimer = 6000;
  Decision d = send(discover(mac(1)));
  EXPECT_EQ(findOpt(*d.reply, opt::kRenewalTime), nullptr);
  EXPECT_EQ(findOpt(*d.reply, opt::kRebindingTime), nullptr);
  EXPECT_EQ(u32Opt(*d.reply, opt::kLeaseTime), 4000u);
}

TEST_F(EngineTest, NextServerSetsSiaddr) {
  cfg.nextServer = ip("198.18.0.9");
  EXPECT_EQ(send(discover(mac(1))).reply->siaddr, ip("198.18.0.9"));
}

TEST_F(EngineTest, SubnetNextServerBeatsGlobal) {
  cfg.nextServer = ip("198.18.0.9");
  cfg.subnets[0].nextServer = ip("198.18.0.8");
  EXPECT_EQ(send(discover(mac(1))).reply->siaddr, ip("198.18.0.8"));
}

TEST_F(EngineTest, PoolOptionsBeatSubnetOptions) {
  cfg.subnets[0].pools[0].options.push_back(optionData(opt::kRouters, proto::ipBytes(ip("198.18.0.254"))));
  EXPECT_EQ(ipOpt(*send(discover(mac(1))).reply, opt::kRouters), ip("198.18.0.254"));
}

TEST_F(EngineTest, ConfiguredServerIdentifierIsUsed) {
  cfg.subnets[0].options.push_back(optionData(opt::kServerId, proto::ipBytes(ip("198.18.0.5"))));
  Decision offer = send(discover(mac(1)));
  EXPECT_EQ(ipOpt(*offer.reply, opt::kServerId), ip("198.18.0.5"));
  Decision ack = send(selecting(mac(1), offer.reply->yiaddr, ip("198.18.0.5")));
  EXPECT_EQ(typeOf(ack), MessageType::Ack) << ack.note;
}

TEST_F(EngineTest, ServerMessagesAndBootpAreUnsupported) {
  // Kea 2.2 goes by the message type only; a DISCOVER with op BOOTREPLY is answered
  // (difftest malformed/op-bootreply).
  Packet4 reply = discover(mac(1));
  reply.op = Packet4::kBootReply;
  EXPECT_EQ(typeOf(send(reply)), MessageType::Offer);
  EXPECT_EQ(send(packet(MessageType::Offer, mac(1))).drop, DropReason::UnsupportedMessage);
  EXPECT_EQ(send(packet(MessageType::Ack, mac(1))).drop, DropReason::UnsupportedMessage);
  Packet4 bootp = discover(mac(1));
  bootp.remove(opt::kMessageType);
  EXPECT_EQ(send(bootp).drop, DropReason::UnsupportedMessage);
}

TEST_F(EngineTest, ClientWithoutIdentityIsRejected) {
  Packet4 p = discover(mac(1));
  p.hlen = 0;
  EXPECT_EQ(send(p).drop, DropReason::BadRequest);
}

TEST_F(EngineTest, ClientIdAloneIdentifiesClient) {
  Packet4 p = discover(mac(1));
  p.hlen = 0;
  p.set(opt::kClientId, {0xff, 1, 2, 3});
  Decision d = send(p);
  EXPECT_EQ(typeOf(d), MessageType::Offer) << d.note;
}

TEST_F(EngineTest, ClientIdDistinguishesClientsSharingHardwareAddress) {
  Packet4 a = discover(mac(1));
  a.set(opt::kClientId, {1, 0xaa});
  Packet4 b = discover(mac(1));
  b.set(opt::kClientId, {1, 0xbb});
  EXPECT_NE(send(a).reply->yiaddr, send(b).reply->yiaddr);
}

TEST_F(EngineTest, MatchClientIdFalseUsesHardwareAddressOnly) {
  cfg.subnets[0].matchClientId = false;
  Packet4 a = discover(mac(1));
  a.set(opt::kClientId, {1, 0xaa});
  Ipv4 first = send(a).reply->yiaddr;
  ASSERT_EQ(typeOf(send(selecting(mac(1), first))), MessageType::Ack);
  Packet4 b = discover(mac(1));
  b.set(opt::kClientId, {1, 0xbb});
  EXPECT_EQ(send(b).reply->yiaddr, first);
}

TEST_F(EngineTest, ClientIdNotEchoedWhenDisabled) {
  cfg.echoClientId = false;
  Packet4 p = discover(mac(1));
  p.set(opt::kClientId, {1, 2, 3});
  EXPECT_EQ(findOpt(*send(p).reply, opt::kClientId), nullptr);
}

TEST_F(EngineTest, ClassRestrictedSubnetServesOnlyItsClass) {
  cfg.subnets[0].clientClass = "lab";
  EXPECT_EQ(send(discover(mac(1))).drop, DropReason::NoSubnet);
  meta.classes = {"lab"};
  EXPECT_EQ(send(discover(mac(1))).subnetId, 1u);
}

TEST_F(EngineTest, CalculatedTeeTimesUseConfiguredPercents) {
  cfg.subnets[0].calculateTeeTimes = true;
  cfg.subnets[0].t1Percent = 0.25;
  cfg.subnets[0].t2Percent = 0.5;
  Decision d = send(discover(mac(1)));
  EXPECT_EQ(u32Opt(*d.reply, opt::kRenewalTime), 1000u);
  EXPECT_EQ(u32Opt(*d.reply, opt::kRebindingTime), 2000u);
}

}  // namespace
}  // namespace tandem::test
