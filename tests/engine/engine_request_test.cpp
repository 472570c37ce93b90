// REQUEST in each client state (RFC 2131 4.3.2): SELECTING, INIT-REBOOT, RENEWING, REBINDING.
#include "tests/engine/engine_fixture.h"

namespace tandem::test {
namespace {

void expectNak(const Decision& d) {
  ASSERT_EQ(typeOf(d), MessageType::Nak) << d.note << " drop=" << engine::toString(d.drop);
  const Packet4& r = *d.reply;
  EXPECT_TRUE(r.yiaddr.isZero());
  EXPECT_TRUE(r.ciaddr.isZero());
  EXPECT_EQ(ipOpt(r, opt::kServerId), ip("198.18.0.1"));
  EXPECT_EQ(findOpt(r, opt::kMessage), nullptr);  // Kea 2.2 sends no message option
  EXPECT_FALSE(d.note.empty());
  EXPECT_EQ(findOpt(r, opt::kLeaseTime), nullptr);
  EXPECT_TRUE(d.changes.empty());
}

// ---- SELECTING ----------------------------------------------------------------------------

TEST_F(EngineTest, SelectingAcksOfferAndBindsLease) {
  Packet4 disc = discover(mac(1));
  disc.set(opt::kHostName, bytes("laptop"));
  Ipv4 a = send(disc).reply->yiaddr;
  clock.advance(2s);
  Packet4 req = selecting(mac(1), a);
  req.set(opt::kClientId, {1, 2, 0, 0, 0, 0, 1});
  req.set(opt::kHostName, bytes("laptop"));
  Decision d = send(req);
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  EXPECT_EQ(d.reply->yiaddr, a);
  EXPECT_EQ(u32Opt(*d.reply, opt::kLeaseTime), 4000u);
  EXPECT_EQ(findOpt(*d.reply, opt::kHostName)->data, bytes("laptop"));
  ASSERT_EQ(d.changes.size(), 1u);
  const LeaseChange& c = d.changes[0];
  EXPECT_EQ(c.kind, LeaseChange::Kind::Upsert);
  EXPECT_FALSE(c.previous);
  EXPECT_EQ(c.lease.address, a);
  EXPECT_EQ(c.lease.hwAddr, mac(1));
  EXPECT_EQ(c.lease.clientId, (std::vector<std::uint8_t>{1, 2, 0, 0, 0, 0, 1}));
  EXPECT_EQ(c.lease.validLifetime, 4000u);
  EXPECT_EQ(c.lease.cltt, toEpochSeconds(clock.now()));
  EXPECT_EQ(c.lease.subnetId, 1u);
  EXPECT_EQ(c.lease.hostname, "laptop");
  EXPECT_EQ(c.lease.state, LeaseState::Default);
  EXPECT_EQ(eng().offerCount(), 0u);
}

// Answering formats no text (issue 12: no string formatting per packet): an OFFER or ACK
// says how its address was chosen with static text, and note stays empty.
TEST_F(EngineTest, RepliesSayHowTheAddressWasChosenWithoutFormatting) {
  Decision offer = send(discover(mac(1)));
  ASSERT_EQ(typeOf(offer), MessageType::Offer);
  EXPECT_EQ(offer.how, "new address");
  EXPECT_TRUE(offer.note.empty());
  const Ipv4 a = offer.reply->yiaddr;
  Decision ack = send(selecting(mac(1), a));
  ASSERT_EQ(typeOf(ack), MessageType::Ack);
  EXPECT_EQ(ack.how, "requested address");
  EXPECT_TRUE(ack.note.empty());
  Decision renew = send(renewing(mac(1), a));
  ASSERT_EQ(typeOf(renew), MessageType::Ack);
  EXPECT_EQ(renew.how, "own lease");
  EXPECT_TRUE(renew.note.empty());
}

TEST_F(EngineTest, SelectingAnotherServerDropsAndReleasesOffer) {
  Packet4 p = discover(mac(1));
  p.set(opt::kRequestedAddress, proto::ipBytes(ip("198.18.0.20")));
  ASSERT_EQ(send(p).reply->yiaddr, ip("198.18.0.20"));
  Decision d = send(selecting(mac(1), ip("198.18.0.20"), ip("198.18.0.99")));
  EXPECT_FALSE(d.reply);
  EXPECT_EQ(d.drop, DropReason::NotForUs);
  EXPECT_TRUE(d.changes.empty());
  EXPECT_EQ(eng().offerCount(), 0u);
  // The address is free again for someone else.
  Packet4 q = discover(mac(2));
  q.set(opt::kRequestedAddress, proto::ipBytes(ip("198.18.0.20")));
  EXPECT_EQ(send(q).reply->yiaddr, ip("198.18.0.20"));
}

TEST_F(EngineTest, SelectingAddressLeasedToAnotherClientIsNaked) {
  ASSERT_TRUE(store.put(leaseFor(mac(9), ip("198.18.0.20"))).ok());
  send(discover(mac(1)));
  expectNak(send(selecting(mac(1), ip("198.18.0.20"))));
  EXPECT_EQ(eng().offerCount(), 0u);
}

TEST_F(EngineTest, SelectingAddressOfferedToAnotherClientIsNaked) {
  Ipv4 a = send(discover(mac(1))).reply->yiaddr;
  expectNak(send(selecting(mac(2), a)));
  // The first client still gets it.
  EXPECT_EQ(typeOf(send(selecting(mac(1), a))), MessageType::Ack);
}

TEST_F(EngineTest, SelectingFreeAddressWithoutOfferIsAcked) {
  Decision d = send(selecting(mac(1), ip("198.18.0.30")));
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  EXPECT_EQ(d.reply->yiaddr, ip("198.18.0.30"));
}

// Kea 2.2 ignores a REQUEST for an address in no pool of the subnet (difftest
// rfc2131-*/selecting-out-of-pool, selecting-foreign).
TEST_F(EngineTest, SelectingAddressOutsidePoolIsIgnored) {
  Decision d = send(selecting(mac(1), ip("198.18.0.200")));
  EXPECT_FALSE(d.reply);
  EXPECT_EQ(d.drop, DropReason::NotForUs);
}

TEST_F(EngineTest, SelectingAddressOnAnotherNetworkIsIgnored) {
  Decision d = send(selecting(mac(1), ip("198.18.2.15")));
  EXPECT_FALSE(d.reply);
  EXPECT_EQ(d.drop, DropReason::NotForUs);
}

// Kea answers a REQUEST naming no address as if it were a DISCOVER + REQUEST (difftest
// rfc2131-*/selecting-no-option50, request-bare).
TEST_F(EngineTest, SelectingWithoutRequestedAddressGetsAnAddress) {
  Packet4 p = packet(MessageType::Request, mac(1));
  p.set(opt::kServerId, proto::ipBytes(ip("198.18.0.1")));
  Decision d = send(p);
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  EXPECT_EQ(store.byAddress(d.reply->yiaddr)->hwAddr, mac(1));
}

TEST_F(EngineTest, NakEchoesClientIdAndRelayInfo) {
  ASSERT_TRUE(store.put(leaseFor(mac(9), ip("198.18.2.12"), 2)).ok());
  Packet4 p = selecting(mac(1), ip("198.18.2.12"));
  p.giaddr = ip("198.18.2.1");
  p.set(opt::kClientId, {1, 7});
  p.set(opt::kRelayAgentInfo, {1, 2, 'x', 'y'});
  Decision d = send(p);
  ASSERT_EQ(typeOf(d), MessageType::Nak);
  EXPECT_EQ(findOpt(*d.reply, opt::kClientId)->data, (std::vector<std::uint8_t>{1, 7}));
  EXPECT_EQ(d.reply->options.back().code, opt::kRelayAgentInfo);
  EXPECT_EQ(d.reply->giaddr, ip("198.18.2.1"));
}

TEST_F(EngineTest, ClientMovingToAnotherAddressLosesOldLease) {
  Ipv4 a = dora(mac(1));
  ASSERT_NE(a, ip("198.18.0.40"));
  Decision d = send(selecting(mac(1), ip("198.18.0.40")));
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  ASSERT_EQ(d.changes.size(), 2u);
  EXPECT_EQ(d.changes[0].kind, LeaseChange::Kind::Delete);
  EXPECT_EQ(d.changes[0].lease.address, a);
  EXPECT_EQ(d.changes[1].kind, LeaseChange::Kind::Upsert);
  EXPECT_EQ(store.size(), 1u);
}

// ---- INIT-REBOOT --------------------------------------------------------------------------

TEST_F(EngineTest, InitRebootWithOwnLeaseIsAcked) {
  Ipv4 a = dora(mac(1));
  clock.advance(100s);
  Decision d = send(initReboot(mac(1), a));
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  EXPECT_EQ(d.reply->yiaddr, a);
  EXPECT_EQ(d.changes.at(0).lease.cltt, toEpochSeconds(clock.now()));
}

TEST_F(EngineTest, InitRebootWithOwnExpiredLeaseIsAcked) {
  Ipv4 a = dora(mac(1));
  clock.advance(5000s);
  EXPECT_EQ(typeOf(send(initReboot(mac(1), a))), MessageType::Ack);
}

TEST_F(EngineTest, InitRebootOnWrongNetworkIsNaked) {
  dora(mac(1));
  expectNak(send(initReboot(mac(1), ip("10.0.0.5"))));
}

// RFC 2131 4.3.2 as Kea reads it: without a lease of the client the server cannot judge
// its address at all, so it stays silent (difftest init-reboot-unknown-client-foreign).
TEST_F(EngineTest, InitRebootWrongNetworkFromUnknownClientIsSilent) {
  Decision d = send(initReboot(mac(1), ip("198.18.2.15")));
  EXPECT_FALSE(d.reply);
  EXPECT_EQ(d.drop, DropReason::NotForUs);
}

TEST_F(EngineTest, InitRebootWrongNetworkFromUnknownClientIsNakedWhenAuthoritative) {
  cfg.subnets[0].authoritative = true;
  expectNak(send(initReboot(mac(1), ip("198.18.2.15"))));
}

TEST_F(EngineTest, InitRebootFromUnknownClientIsSilent) {
  Decision d = send(initReboot(mac(1), ip("198.18.0.20")));
  EXPECT_FALSE(d.reply);
  EXPECT_EQ(d.drop, DropReason::NotForUs);
  EXPECT_TRUE(d.changes.empty());
}

TEST_F(EngineTest, InitRebootFromUnknownClientIsNakedWhenAuthoritative) {
  cfg.subnets[0].authoritative = true;
  expectNak(send(initReboot(mac(1), ip("198.18.0.20"))));
}

TEST_F(EngineTest, InitRebootForAddressLeasedToAnotherClientIsNaked) {
  ASSERT_TRUE(store.put(leaseFor(mac(9), ip("198.18.0.20"))).ok());
  EXPECT_EQ(send(initReboot(mac(1), ip("198.18.0.20"))).drop, DropReason::NotForUs);  // unknown client
  dora(mac(1));
  expectNak(send(initReboot(mac(1), ip("198.18.0.20"))));
}

TEST_F(EngineTest, InitRebootUnknownClientForAddressLeasedToAnotherIsSilent) {
  ASSERT_TRUE(store.put(leaseFor(mac(9), ip("198.18.0.20"))).ok());
  EXPECT_FALSE(send(initReboot(mac(1), ip("198.18.0.20"))).reply);
}

// The client's notion of its address is wrong: its lease is elsewhere. Kea NAKs even when the
// address asked for is free (difftest rfc2131-*/init-reboot-free-not-own).
TEST_F(EngineTest, InitRebootKnownClientAskingAnotherFreeAddressIsNaked) {
  Ipv4 a = dora(mac(1));
  Ipv4 other = a == ip("198.18.0.45") ? ip("198.18.0.46") : ip("198.18.0.45");
  expectNak(send(initReboot(mac(1), other)));
  EXPECT_EQ(store.byAddress(a)->hwAddr, mac(1));  // the lease stays
  EXPECT_FALSE(store.byAddress(other));
}

// ---- RENEWING / REBINDING -----------------------------------------------------------------

TEST_F(EngineTest, RenewingExtendsOwnLease) {
  Ipv4 a = dora(mac(1));
  clock.advance(2000s);
  engine::RecvMeta unicast = meta;
  unicast.srcAddr = a;
  unicast.dstAddr = ip("198.18.0.1");
  Decision d = sendVia(renewing(mac(1), a), unicast);
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  EXPECT_EQ(d.reply->yiaddr, a);
  EXPECT_EQ(d.reply->ciaddr, a);
  ASSERT_EQ(d.changes.size(), 1u);
  EXPECT_EQ(d.changes[0].lease.cltt, toEpochSeconds(clock.now()));
  ASSERT_TRUE(d.changes[0].previous);
  EXPECT_EQ(d.changes[0].previous->cltt, toEpochSeconds(clock.now()) - 2000);
}

TEST_F(EngineTest, RebindingExtendsOwnLease) {
  Ipv4 a = dora(mac(1));
  clock.advance(3600s);
  Decision d = send(renewing(mac(1), a));  // broadcast: REBINDING
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  EXPECT_EQ(store.byAddress(a)->cltt, toEpochSeconds(clock.now()));
}

TEST_F(EngineTest, RebindingThroughRelayUsesGiaddrSubnet) {
  Packet4 p = renewing(mac(1), ip("198.18.2.15"));
  p.giaddr = ip("198.18.2.1");
  ASSERT_TRUE(store.put(leaseFor(mac(1), ip("198.18.2.15"), 2)).ok());
  Decision d = send(p);
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  EXPECT_EQ(d.subnetId, 2u);
}

TEST_F(EngineTest, RenewingUnknownFreeAddressInPoolIsReallocated) {
  Decision d = send(renewing(mac(1), ip("198.18.0.25")));
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  EXPECT_EQ(store.byAddress(ip("198.18.0.25"))->hwAddr, mac(1));
}

TEST_F(EngineTest, RenewingAddressOfAnotherClientIsNaked) {
  ASSERT_TRUE(store.put(leaseFor(mac(9), ip("198.18.0.25"))).ok());
  expectNak(send(renewing(mac(1), ip("198.18.0.25"))));
  EXPECT_EQ(store.byAddress(ip("198.18.0.25"))->hwAddr, mac(9));
}

// difftest rfc2131-*/renewing-out-of-pool, rebinding-out-of-pool: Kea stays silent.
TEST_F(EngineTest, RenewingAddressOutsidePoolWithoutLeaseIsIgnored) {
  Decision d = send(renewing(mac(1), ip("198.18.0.200")));
  EXPECT_FALSE(d.reply);
  EXPECT_EQ(d.drop, DropReason::NotForUs);
}

// A broadcast REQUEST (REBINDING) is placed on the receiving interface's subnet whatever its
// ciaddr (Kea's subnet selection), so a foreign ciaddr is an address in no pool: ignored.
TEST_F(EngineTest, RebindingAddressNotOnAnySubnetIsIgnored) {
  Decision d = send(renewing(mac(1), ip("10.1.1.1")));
  EXPECT_FALSE(d.reply);
  EXPECT_EQ(d.drop, DropReason::NotForUs);
  EXPECT_EQ(d.subnetId, 1u);
}

// Unicast to us with a ciaddr of no subnet: Kea NAKs (difftest rfc2131-*/renewing-foreign).
TEST_F(EngineTest, RenewingAddressNotOnAnySubnetIsNaked) {
  engine::RecvMeta unicast = meta;
  unicast.srcAddr = ip("10.1.1.1");
  unicast.dstAddr = ip("198.18.0.1");
  Decision d = sendVia(renewing(mac(1), ip("10.1.1.1")), unicast);
  ASSERT_EQ(typeOf(d), MessageType::Nak) << d.note;
}

TEST_F(EngineTest, RenewingFreeAddressRefusedByAllocFilterIsSilent) {
  eng().setAllocFilter([](Ipv4 a) { return a != ip("198.18.0.25"); });
  Decision d = send(renewing(mac(1), ip("198.18.0.25")));
  EXPECT_FALSE(d.reply);
  EXPECT_EQ(d.drop, DropReason::NotForUs);
}

TEST_F(EngineTest, RenewalOfOwnLeaseIsNeverFiltered) {
  Ipv4 a = dora(mac(1));
  eng().setAllocFilter([](Ipv4) { return false; });
  EXPECT_EQ(typeOf(send(renewing(mac(1), a))), MessageType::Ack);
  EXPECT_EQ(typeOf(send(discover(mac(1)))), MessageType::Offer);
}

TEST_F(EngineTest, ClientHostnameIsSanitizedLikeKea) {
  Packet4 req = selecting(mac(1), ip("198.18.0.30"));
  req.set(opt::kHostName, {'m', 'y', ' ', 'p', 'c', ',', '1', 0});
  Decision d = send(req);
  ASSERT_EQ(typeOf(d), MessageType::Ack);
  EXPECT_EQ(d.changes.at(0).lease.hostname, "mypc1");
  EXPECT_EQ(findOpt(*d.reply, opt::kHostName)->data, bytes("mypc1"));
}

TEST_F(EngineTest, HostnameOfOnlyInvalidCharactersIsDropped) {
  Packet4 req = selecting(mac(1), ip("198.18.0.30"));
  req.set(opt::kHostName, {' ', ',', 0});
  Decision d = send(req);
  EXPECT_TRUE(d.changes.at(0).lease.hostname.empty());
  EXPECT_EQ(findOpt(*d.reply, opt::kHostName), nullptr);
}

TEST_F(EngineTest, CustomHostnameCharSetAndReplacement) {
  cfg.subnets[0].ddns.hostnameCharSet = "[^a-z]";
  cfg.subnets[0].ddns.hostnameCharReplacement = "x";
  Packet4 req = selecting(mac(1), ip("198.18.0.30"));
  req.set(opt::kHostName, bytes("ab-C1"));
  EXPECT_EQ(send(req).changes.at(0).lease.hostname, "abxxx");
}

TEST_F(EngineTest, RequestedLeaseTimeHonouredWithinBounds) {
  cfg.subnets[0].minValidLifetime = 1000;
  cfg.subnets[0].maxValidLifetime = 8000;
  cfg.subnets[0].calculateTeeTimes = true;  // T1 follows the granted lifetime
  Packet4 req = selecting(mac(1), ip("198.18.0.30"));
  req.set(opt::kLeaseTime, proto::u32Bytes(100000));
  Decision d = send(req);
  EXPECT_EQ(u32Opt(*d.reply, opt::kLeaseTime), 8000u);
  EXPECT_EQ(d.changes.at(0).lease.validLifetime, 8000u);
  req.set(opt::kLeaseTime, proto::u32Bytes(2000));
  d = send(req);
  EXPECT_EQ(u32Opt(*d.reply, opt::kLeaseTime), 2000u);
  EXPECT_EQ(u32Opt(*d.reply, opt::kRenewalTime), 1000u);
}

TEST_F(EngineTest, RequestedLeaseTimeIgnoredWithoutBounds) {
  Packet4 req = selecting(mac(1), ip("198.18.0.30"));
  req.set(opt::kLeaseTime, proto::u32Bytes(100000));
  EXPECT_EQ(u32Opt(*send(req).reply, opt::kLeaseTime), 4000u);
}

}  // namespace
}  // namespace tandem::test
