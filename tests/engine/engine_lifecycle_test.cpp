// RELEASE, DECLINE, INFORM (RFC 2131 4.3.3-4.3.5), reclamation, offer expiry, reconfigure.
#include "tests/engine/engine_fixture.h"

#include <limits>

namespace tandem::test {
namespace {

Packet4 withServerId(Packet4 p, Ipv4 sid = ip("198.18.0.1")) {
  p.set(opt::kServerId, proto::ipBytes(sid));
  return p;
}

// ---- RELEASE ------------------------------------------------------------------------------

TEST_F(EngineTest, ReleaseDeletesOwnLease) {
  Ipv4 a = dora(mac(1));
  Packet4 p = withServerId(packet(MessageType::Release, mac(1)));
  p.ciaddr = a;
  Decision d = send(p);
  EXPECT_FALSE(d.reply);
  EXPECT_EQ(d.drop, DropReason::None);
  ASSERT_EQ(d.changes.size(), 1u);
  EXPECT_EQ(d.changes[0].kind, LeaseChange::Kind::Delete);
  EXPECT_EQ(d.changes[0].lease.address, a);
  EXPECT_EQ(d.subnetId, 1u);
  EXPECT_EQ(store.size(), 0u);
}

TEST_F(EngineTest, ReleaseOfAnotherClientsLeaseIsIgnored) {
  Ipv4 a = dora(mac(1));
  Packet4 p = withServerId(packet(MessageType::Release, mac(2)));
  p.ciaddr = a;
  Decision d = send(p);
  EXPECT_EQ(d.drop, DropReason::NotForUs);
  EXPECT_TRUE(d.changes.empty());
}

TEST_F(EngineTest, ReleaseForAnotherServerIsIgnored) {
  Ipv4 a = dora(mac(1));
  Packet4 p = withServerId(packet(MessageType::Release, mac(1)), ip("198.18.0.99"));
  p.ciaddr = a;
  EXPECT_EQ(send(p).drop, DropReason::NotForUs);
  EXPECT_EQ(store.size(), 1u);
}

TEST_F(EngineTest, ReleaseWithoutCiaddrIsBadRequest) {
  dora(mac(1));
  EXPECT_EQ(send(withServerId(packet(MessageType::Release, mac(1)))).drop, DropReason::BadRequest);
}

// ---- DECLINE ------------------------------------------------------------------------------

TEST_F(EngineTest, DeclinePutsAddressInProbationThenBackInPool) {
  cfg.subnets[0].pools = {pool("198.18.0.10", "198.18.0.10")};
  Ipv4 a = dora(mac(1));
  clock.advance(5s);
  Packet4 p = withServerId(packet(MessageType::Decline, mac(1)));
  p.set(opt::kRequestedAddress, proto::ipBytes(a));
  Decision d = send(p);
  EXPECT_FALSE(d.reply);
  ASSERT_EQ(d.changes.size(), 1u);
  const Lease& l = d.changes[0].lease;
  EXPECT_EQ(l.state, LeaseState::Declined);
  EXPECT_TRUE(l.hwAddr.empty());
  EXPECT_TRUE(l.clientId.empty());
  EXPECT_EQ(l.validLifetime, 600u);
  EXPECT_EQ(l.cltt, toEpochSeconds(clock.now()));

  // During probation nobody gets it, not even the decliner.
  EXPECT_EQ(send(discover(mac(1))).drop, DropReason::NoAddress);
  EXPECT_EQ(send(discover(mac(2))).drop, DropReason::NoAddress);
  EXPECT_TRUE(eng().reclaimExpired(clock.now(), 10).empty());

  clock.advance(601s);
  auto changes = eng().reclaimExpired(clock.now(), 10);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, LeaseChange::Kind::Delete);
  apply(changes);
  EXPECT_EQ(send(discover(mac(2))).reply->yiaddr, a);
}

TEST_F(EngineTest, DeclinedAddressIsFreeAfterProbationEvenBeforeReclaim) {
  cfg.subnets[0].pools = {pool("198.18.0.10", "198.18.0.10")};
  Ipv4 a = dora(mac(1));
  Packet4 p = packet(MessageType::Decline, mac(1));
  p.set(opt::kRequestedAddress, proto::ipBytes(a));
  send(p);
  EXPECT_EQ(send(discover(mac(2))).drop, DropReason::NoAddress);
  clock.advance(601s);
  EXPECT_EQ(send(discover(mac(2))).reply->yiaddr, a);
}

TEST_F(EngineTest, DeclineWithoutRequestedAddressIsBadRequest) {
  dora(mac(1));
  EXPECT_EQ(send(packet(MessageType::Decline, mac(1))).drop, DropReason::BadRequest);
}

TEST_F(EngineTest, DeclineOfAnotherClientsLeaseIsIgnored) {
  Ipv4 a = dora(mac(1));
  Packet4 p = packet(MessageType::Decline, mac(2));
  p.set(opt::kRequestedAddress, proto::ipBytes(a));
  Decision d = send(p);
  EXPECT_EQ(d.drop, DropReason::NotForUs);
  EXPECT_EQ(store.byAddress(a)->state, LeaseState::Default);
}

// ---- INFORM -------------------------------------------------------------------------------

TEST_F(EngineTest, InformGetsOptionsWithoutLease) {
  Packet4 p = packet(MessageType::Inform, mac(1));
  p.ciaddr = ip("198.18.0.200");
  p.set(opt::kParameterRequestList, {1, 3, 6, 42});
  Decision d = send(p);
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  EXPECT_TRUE(d.changes.empty());
  EXPECT_TRUE(d.reply->yiaddr.isZero());
  EXPECT_EQ(d.reply->ciaddr, ip("198.18.0.200"));
  EXPECT_EQ(findOpt(*d.reply, opt::kLeaseTime), nullptr);
  EXPECT_EQ(findOpt(*d.reply, opt::kRenewalTime), nullptr);
  EXPECT_EQ(findOpt(*d.reply, opt::kRebindingTime), nullptr);
  EXPECT_EQ(ipOpt(*d.reply, opt::kRouters), ip("198.18.0.1"));
  EXPECT_EQ(ipOpt(*d.reply, 42), ip("198.18.0.3"));
  EXPECT_EQ(ipOpt(*d.reply, opt::kServerId), ip("198.18.0.1"));
  EXPECT_EQ(store.size(), 0u);
}

// Kea 2.2 (difftest options-defs/inform-mask-requested, options-precedence/*): the mask comes
// with a lease; an INFORM gets option 1 only from option-data, and an OFFER the prefix's mask
// even when option-data configures another one.
TEST_F(EngineTest, SubnetMaskAsKeaSendsIt) {
  Packet4 p = packet(MessageType::Inform, mac(1));
  p.ciaddr = ip("198.18.0.200");
  p.set(opt::kParameterRequestList, {1, 3});
  Decision d = send(p);
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  EXPECT_EQ(findOpt(*d.reply, opt::kSubnetMask), nullptr);
  cfg.options.push_back(optionData(opt::kSubnetMask, proto::ipBytes(ip("255.255.254.0"))));
  engine::Engine withMask(cfg, store);
  d = withMask.handle(p, meta, clock.now());
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  EXPECT_EQ(ipOpt(*d.reply, opt::kSubnetMask), ip("255.255.254.0"));
  d = withMask.handle(discover(mac(2)), meta, clock.now());
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  EXPECT_EQ(ipOpt(*d.reply, opt::kSubnetMask), ip("255.255.255.0"));
}

// Kea 2.2: an INFORM sent to us by unicast from a network we do not serve still gets an ACK,
// with the server identifier only (difftest inform/inform-foreign-ciaddr).
TEST_F(EngineTest, UnicastInformFromUnknownNetworkGetsServerIdOnly) {
  Packet4 p = packet(MessageType::Inform, mac(1));
  p.ciaddr = ip("10.9.9.9");
  p.set(opt::kParameterRequestList, {1, 3, 6});
  engine::RecvMeta unicast = meta;
  unicast.srcAddr = ip("10.9.9.9");
  unicast.dstAddr = ip("198.18.0.1");
  Decision d = sendVia(p, unicast);
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  EXPECT_EQ(codes(*d.reply), (std::vector<std::uint8_t>{opt::kMessageType, opt::kServerId}));
}

// Without ciaddr and from 0.0.0.0 there is nowhere to answer (difftest inform/inform-ciaddr-zero).
TEST_F(EngineTest, InformWithoutAnyAddressIsDropped) {
  Decision d = send(packet(MessageType::Inform, mac(1)));
  EXPECT_FALSE(d.reply);
  EXPECT_EQ(d.drop, DropReason::BadRequest);
}

// Kea's INFORM ACK: no computed subnet mask and no host name (difftest inform/*,
// reservations/host-no-address-inform).
TEST_F(EngineTest, InformAckHasNoSubnetMaskNorHostname) {
  cfg.subnets[0].reservations.push_back([] {
    config::Reservation r;
    r.hwAddr = mac(1);
    r.hostname = "host-1";
    return r;
  }());
  Packet4 p = packet(MessageType::Inform, mac(1));
  p.ciaddr = ip("198.18.0.200");
  p.set(opt::kParameterRequestList, {1, 3, 12});
  Decision d = send(p);
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  EXPECT_EQ(findOpt(*d.reply, opt::kSubnetMask), nullptr);
  EXPECT_EQ(findOpt(*d.reply, opt::kHostName), nullptr);
  EXPECT_NE(findOpt(*d.reply, opt::kRouters), nullptr);
}

// A relayed INFORM with ciaddr is answered at ciaddr: giaddr, hops and option 82 go (Kea;
// difftest inform/inform-relayed). Without ciaddr it goes through the relay with the
// broadcast flag set (difftest inform/inform-relayed-ciaddr-zero).
TEST_F(EngineTest, RelayedInformRepliesLikeKea) {
  Packet4 p = packet(MessageType::Inform, mac(1));
  p.giaddr = ip("198.18.2.1");
  p.hops = 1;
  p.ciaddr = ip("198.18.2.30");
  p.set(opt::kRelayAgentInfo, {1, 1, 'x'});
  Decision d = send(p);
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  EXPECT_TRUE(d.reply->giaddr.isZero());
  EXPECT_EQ(d.reply->hops, 0);
  EXPECT_EQ(findOpt(*d.reply, opt::kRelayAgentInfo), nullptr);
  EXPECT_EQ(d.reply->flags, 0);

  p.ciaddr = Ipv4();
  d = send(p);
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  EXPECT_EQ(d.reply->giaddr, ip("198.18.2.1"));
  EXPECT_EQ(d.reply->hops, 1);
  EXPECT_EQ(d.reply->flags, Packet4::kBroadcastFlag);
  EXPECT_NE(findOpt(*d.reply, opt::kRelayAgentInfo), nullptr);
}

// ---- reclamation --------------------------------------------------------------------------

TEST_F(EngineTest, ReclaimMarksExpiredLeasesReclaimed) {
  Packet4 disc = discover(mac(1));
  disc.set(opt::kHostName, bytes("h1"));
  Ipv4 a = send(disc).reply->yiaddr;
  Packet4 req = selecting(mac(1), a);
  req.set(opt::kHostName, bytes("h1"));
  send(req);
  dora(mac(2));
  EXPECT_TRUE(eng().reclaimExpired(clock.now(), 10).empty());
  clock.advance(4001s);
  auto changes = eng().reclaimExpired(clock.now(), 1);
  ASSERT_EQ(changes.size(), 1u);  // limit honoured
  changes = eng().reclaimExpired(clock.now(), 10);
  ASSERT_EQ(changes.size(), 2u);
  for (const auto& c : changes) {
    EXPECT_EQ(c.kind, LeaseChange::Kind::Upsert);
    EXPECT_EQ(c.lease.state, LeaseState::ExpiredReclaimed);
    EXPECT_FALSE(c.lease.hwAddr.empty());  // kept: the client may come back
    EXPECT_TRUE(c.lease.hostname.empty());
    ASSERT_TRUE(c.previous);
  }
  apply(changes);
  EXPECT_TRUE(eng().reclaimExpired(clock.now(), 10).empty());
  // After hold-reclaimed-time the reclaimed records are flushed.
  clock.advance(std::chrono::seconds(cfg.expiredLeases.holdReclaimedTime));
  changes = eng().reclaimExpired(clock.now(), 10);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].kind, LeaseChange::Kind::Delete);
  apply(changes);
  EXPECT_EQ(store.size(), 0u);
  // The reclaimed client still gets its address back.
  EXPECT_EQ(dora(mac(1)), a);
}

TEST_F(EngineTest, ReclaimedRecordsKeptWhenFlushDisabled) {
  cfg.expiredLeases.flushReclaimedTimerWaitTime = 0;
  dora(mac(1));
  clock.advance(100000s);
  auto changes = eng().reclaimExpired(clock.now(), 10);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, LeaseChange::Kind::Upsert);
  apply(changes);
  clock.advance(100000s);
  EXPECT_TRUE(eng().reclaimExpired(clock.now(), 10).empty());
}

// Kea keeps lease times as a 64-bit time_t and loads a lease file line whose expire is near
// 2^63. The flush of reclaimed records compared expire + hold-reclaimed-time, which
// overflowed (wrapped negative) and flushed such a record at once.
TEST_F(EngineTest, ReclaimedLeaseExpiringNearTimeLimitIsNotFlushed) {
  Lease l = leaseFor(mac(1), ip("198.18.0.20"));
  l.state = LeaseState::ExpiredReclaimed;
  l.cltt = std::numeric_limits<std::int64_t>::max() - 10 - l.validLifetime;
  ASSERT_TRUE(store.put(l).ok());
  EXPECT_TRUE(eng().reclaimExpired(clock.now(), 10).empty());
}

// A pool whose every address is held until year 3000 (a lease file or lease4-add may say
// so): the free-address scan notes when an address frees up, a time past TimePoint's range
// (2262) that must saturate rather than overflow; the client gets no address, twice.
TEST_F(EngineTest, PoolHeldUntilYear3000OffersNothing) {
  for (int i = 10; i <= 20; ++i) {
    Lease l = leaseFor(mac(std::uint8_t(100 + i)), ip("198.18.2." + std::to_string(i)), 2);
    l.cltt = 32'503'680'000 - l.validLifetime;
    ASSERT_TRUE(store.put(l).ok());
  }
  for (int round = 0; round < 2; ++round) {
    Packet4 p = discover(mac(1));
    p.giaddr = ip("198.18.2.1");
    p.hops = 1;
    auto d = send(p);
    EXPECT_FALSE(d.reply.has_value()) << d.note;
  }
}

// ---- offers -------------------------------------------------------------------------------

TEST_F(EngineTest, OfferExpiresAfterOfferLifetime) {
  Packet4 p = discover(mac(1));
  p.set(opt::kRequestedAddress, proto::ipBytes(ip("198.18.0.20")));
  ASSERT_EQ(send(p).reply->yiaddr, ip("198.18.0.20"));
  Packet4 q = discover(mac(2));
  q.set(opt::kRequestedAddress, proto::ipBytes(ip("198.18.0.20")));
  clock.advance(9s);
  eng().expireOffers(clock.now());
  EXPECT_EQ(eng().offerCount(), 1u);
  EXPECT_NE(send(q).reply->yiaddr, ip("198.18.0.20"));
  clock.advance(1s);
  eng().expireOffers(clock.now());
  EXPECT_EQ(eng().offerCount(), 1u);  // only mac(2)'s offer remains
  Packet4 r = discover(mac(3));
  r.set(opt::kRequestedAddress, proto::ipBytes(ip("198.18.0.20")));
  EXPECT_EQ(send(r).reply->yiaddr, ip("198.18.0.20"));
}

TEST_F(EngineTest, ExpiredOfferStopsBlockingEvenWithoutTimer) {
  cfg.subnets[0].pools = {pool("198.18.0.10", "198.18.0.10")};
  send(discover(mac(1)));
  EXPECT_EQ(send(discover(mac(2))).drop, DropReason::NoAddress);
  clock.advance(10s);
  EXPECT_EQ(send(discover(mac(2))).reply->yiaddr, ip("198.18.0.10"));
}

TEST_F(EngineTest, ReconfigureKeepsOffersOfSurvivingSubnets) {
  send(discover(mac(1)));
  Packet4 p = discover(mac(2));
  p.giaddr = ip("198.18.2.1");
  send(p);
  ASSERT_EQ(eng().offerCount(), 2u);
  config::Dhcp4Config next = baseConfig();
  next.subnets.erase(next.subnets.begin() + 1);  // subnet 2 removed
  eng().reconfigure(next);
  EXPECT_EQ(eng().offerCount(), 1u);
}

TEST_F(EngineTest, ReconfigureAppliesNewPools) {
  config::Dhcp4Config next = baseConfig();
  next.subnets[0].pools = {pool("198.18.0.100", "198.18.0.100")};
  eng().reconfigure(next);
  EXPECT_EQ(send(discover(mac(1))).reply->yiaddr, ip("198.18.0.100"));
}

// The engine resolves option sets per subnet and pool at configuration time: a reload must
// replace them (and not keep pointers into the old configuration).
TEST_F(EngineTest, ReconfigureAppliesNewOptions) {
  EXPECT_EQ(ipOpt(*send(discover(mac(1))).reply, opt::kRouters), ip("198.18.0.1"));
  config::Dhcp4Config next = baseConfig();
  next.subnets[0].options[0].payload = proto::ipBytes(ip("198.18.0.7"));
  next.options.push_back(optionData(44, proto::ipBytes(ip("198.18.0.4")), /*always=*/true));
  eng().reconfigure(next);
  next = config::Dhcp4Config{};  // the engine keeps its own copy
  Decision d = send(discover(mac(2)));
  EXPECT_EQ(ipOpt(*d.reply, opt::kRouters), ip("198.18.0.7"));
  EXPECT_EQ(ipOpt(*d.reply, 44), ip("198.18.0.4"));
}

TEST_F(EngineTest, DropReasonNames) {
  EXPECT_EQ(engine::toString(DropReason::NotForUs), "not-for-us");
  EXPECT_EQ(engine::toString(DropReason::NoAddress), "no-address");
}

}  // namespace
}  // namespace tandem::test
