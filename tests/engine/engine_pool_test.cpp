// Allocation from pools: exhaustion, client classes, the HA allocation filter.
#include <set>

#include "tests/engine/engine_fixture.h"

namespace tandem::test {
namespace {

class SmallPoolTest : public EngineTest {
 protected:
  SmallPoolTest() {
    // A /30 whose pool holds its two host addresses .1 and .2.
    config::Subnet4 s;
    s.id = 7;
    s.prefix = Prefix4::parse("198.18.4.0/30").value();
    s.interface = "eth4";
    s.pools.push_back(pool("198.18.4.1", "198.18.4.2"));
    cfg.subnets = {s};
    meta.ifName = "eth4";
    meta.ifAddr = ip("198.18.4.1");
  }
};

TEST_F(SmallPoolTest, PoolExhaustionAndRecovery) {
  Ipv4 a = dora(mac(1));
  Ipv4 b = dora(mac(2));
  EXPECT_EQ(std::set<Ipv4>({a, b}), std::set<Ipv4>({ip("198.18.4.1"), ip("198.18.4.2")}));
  Decision d = send(discover(mac(3)));
  EXPECT_FALSE(d.reply);
  EXPECT_EQ(d.drop, DropReason::NoAddress);
  EXPECT_EQ(d.subnetId, 7u);
  EXPECT_FALSE(d.note.empty());
  // Still exhausted on retry.
  EXPECT_EQ(send(discover(mac(3))).drop, DropReason::NoAddress);
  // A release frees one.
  Packet4 rel = packet(MessageType::Release, mac(1));
  rel.ciaddr = a;
  send(rel);
  EXPECT_EQ(dora(mac(3)), a);
}

TEST_F(SmallPoolTest, ExhaustedPoolRecoversWhenLeaseExpires) {
  dora(mac(1));
  clock.advance(1000s);
  Ipv4 b = dora(mac(2));
  EXPECT_EQ(send(discover(mac(3))).drop, DropReason::NoAddress);
  clock.advance(3001s);  // mac(1)'s lease expired, mac(2)'s not
  Decision d = send(discover(mac(3)));
  ASSERT_EQ(typeOf(d), MessageType::Offer);
  EXPECT_NE(d.reply->yiaddr, b);
}

TEST_F(SmallPoolTest, ExhaustedPoolRecoversWhenLeaseDeletedOutsideEngine) {
  Ipv4 a = dora(mac(1));
  dora(mac(2));
  EXPECT_EQ(send(discover(mac(3))).drop, DropReason::NoAddress);
  ASSERT_TRUE(store.erase(a).ok());  // e.g. lease4-del or a partner's update
  EXPECT_EQ(send(discover(mac(3))).reply->yiaddr, a);
}

TEST_F(SmallPoolTest, NakWhenNoAddressForRequest) {
  dora(mac(1));
  dora(mac(2));
  EXPECT_EQ(typeOf(send(selecting(mac(3), ip("198.18.4.1"), ip("198.18.4.1")))), MessageType::Nak);
}

TEST_F(EngineTest, ClassRestrictedPoolNeedsTheClass) {
  cfg.subnets[0].pools = {pool("198.18.0.10", "198.18.0.19", "HA_server1"),
                          pool("198.18.0.20", "198.18.0.29", "HA_server2")};
  EXPECT_EQ(send(discover(mac(1))).drop, DropReason::NoAddress);
  meta.classes = {"HA_server2"};
  Decision d = send(discover(mac(2)));
  ASSERT_TRUE(d.reply);
  EXPECT_GE(d.reply->yiaddr, ip("198.18.0.20"));
  EXPECT_LE(d.reply->yiaddr, ip("198.18.0.29"));
  // The requested address in the other class's pool is not given.
  Packet4 p = discover(mac(3));
  p.set(opt::kRequestedAddress, proto::ipBytes(ip("198.18.0.12")));
  EXPECT_GE(send(p).reply->yiaddr, ip("198.18.0.20"));
  EXPECT_EQ(typeOf(send(selecting(mac(4), ip("198.18.0.12")))), MessageType::Nak);
}

TEST_F(EngineTest, AllocFilterRestrictsNewAllocations) {
  eng().setAllocFilter([](Ipv4 a) { return a.value % 2 == 1; });
  for (std::uint8_t i = 1; i <= 20; ++i) {
    Decision d = send(discover(mac(i)));
    ASSERT_TRUE(d.reply) << d.note;
    EXPECT_EQ(d.reply->yiaddr.value % 2, 1u) << d.reply->yiaddr.toString();
  }
  // 198.18.0.11 .. .49: 20 odd addresses, all offered now.
  EXPECT_EQ(send(discover(mac(21))).drop, DropReason::NoAddress);
  Packet4 p = discover(mac(22));
  p.set(opt::kRequestedAddress, proto::ipBytes(ip("198.18.0.30")));
  EXPECT_EQ(send(p).drop, DropReason::NoAddress);
  // Removing the filter opens the even addresses.
  eng().setAllocFilter({});
  EXPECT_EQ(send(p).reply->yiaddr, ip("198.18.0.30"));
}

// The HA hub's gate at subnet selection (Kea's subnet4_select): it sees the selected subnet,
// a false answer drops the query, and a class it names opens the pools guarded by it.
TEST_F(EngineTest, SubnetGateDecidesOnTheSelectedSubnet) {
  cfg.subnets[0].pools = {pool("198.18.0.10", "198.18.0.19", "HA_server1"),
                          pool("198.18.0.20", "198.18.0.29", "HA_server2")};
  std::vector<std::uint32_t> seen;
  bool serve = false;
  eng().setSubnetGate([&](const Packet4&, std::uint32_t subnet, std::vector<std::string>& join) {
    seen.push_back(subnet);
    join.push_back("HA_server2");
    return serve;
  });
  Decision d = send(discover(mac(1)));
  EXPECT_FALSE(d.reply);
  EXPECT_EQ(d.drop, DropReason::ServiceDisabled);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], cfg.subnets[0].id);
  serve = true;
  d = send(discover(mac(2)));
  ASSERT_TRUE(d.reply) << d.note;
  EXPECT_GE(d.reply->yiaddr, ip("198.18.0.20"));
  EXPECT_LE(d.reply->yiaddr, ip("198.18.0.29"));
  eng().setSubnetGate({});
  EXPECT_EQ(send(discover(mac(3))).drop, DropReason::NoAddress) << "no gate: no HA class, no pool";
}

TEST_F(EngineTest, CursorMovesForwardAcrossAllocations) {
  Ipv4 a = dora(mac(1));
  Ipv4 b = dora(mac(2));
  Ipv4 c = dora(mac(3));
  EXPECT_EQ(b.value, a.value + 1);
  EXPECT_EQ(c.value, b.value + 1);
}

TEST_F(EngineTest, CursorSkipsLeasedAddresses) {
  for (int i = 10; i < 20; ++i) ASSERT_TRUE(store.put(leaseFor(mac(200 + i), Ipv4(ip("198.18.0.0").value + i))).ok());
  EXPECT_EQ(dora(mac(1)), ip("198.18.0.20"));
}

TEST_F(EngineTest, ReconfigureKeepsCursorOfUnchangedPool) {
  Ipv4 a = dora(mac(1));
  Packet4 rel = packet(MessageType::Release, mac(1));
  rel.ciaddr = a;
  send(rel);
  eng().reconfigure(cfg);
  // A new client continues after a instead of restarting at the pool start.
  EXPECT_EQ(dora(mac(2)).value, a.value + 1);
}

TEST_F(EngineTest, ExhaustedPoolIsNotRescannedForEveryDiscover) {
  cfg.subnets[0].pools = {pool("198.18.1.0", "198.18.1.255")};
  cfg.subnets[0].prefix = Prefix4::parse("198.18.0.0/23").value();
  for (std::uint32_t a = ip("198.18.1.0").value; a <= ip("198.18.1.255").value; ++a) {
    Lease l = leaseFor(mac(std::uint8_t(a), 7), Ipv4(a));
    if (Ipv4(a) == ip("198.18.1.77")) l.validLifetime = 100;  // the first to expire
    ASSERT_TRUE(store.put(l).ok());
  }
  EXPECT_EQ(send(discover(mac(1))).drop, DropReason::NoAddress);
  std::size_t before = store.addressLookups;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(send(discover(mac(1))).drop, DropReason::NoAddress);
  EXPECT_LT(store.addressLookups - before, 10u);  // no per-packet scan of the 256 addresses
  clock.advance(99s);
  EXPECT_EQ(send(discover(mac(1))).drop, DropReason::NoAddress);
  // When the earliest lease seen in the failed scan expires, the pool is scanned again.
  clock.advance(1s);
  Decision d = send(discover(mac(1)));
  ASSERT_EQ(typeOf(d), MessageType::Offer);
  EXPECT_EQ(d.reply->yiaddr, ip("198.18.1.77"));
}

// Deliberately unlike Kea 2.2 (difftest pool-whole-subnet, listed in the expected
// divergences): a pool spanning the whole prefix never gives the subnet's network and
// broadcast addresses (RFC 1122 3.2.1.3), not as a new address, a requested one, nor in a
// REQUEST. A ".0" that is a host address of a larger subnet is given (next test).
TEST_F(SmallPoolTest, SubnetNetworkAndBroadcastAddressesAreNeverGiven) {
  cfg.subnets[0].pools = {pool("198.18.4.0", "198.18.4.3")};
  std::set<Ipv4> given;
  for (int i = 1; i <= 3; ++i) {
    Decision d = send(discover(mac(i)));
    if (d.reply) given.insert(d.reply->yiaddr);
  }
  EXPECT_EQ(given, std::set<Ipv4>({ip("198.18.4.1"), ip("198.18.4.2")}));
  Packet4 p = discover(mac(4));
  p.set(opt::kRequestedAddress, proto::ipBytes(ip("198.18.4.3")));
  Decision d = send(p);
  EXPECT_TRUE(!d.reply || d.reply->yiaddr != ip("198.18.4.3"));
  Decision n = send(selecting(mac(5), ip("198.18.4.3"), ip("198.18.4.1")));
  EXPECT_EQ(typeOf(n), MessageType::Nak) << n.note;
}

TEST_F(EngineTest, PoolStartingAtANetworkAddressInsideALargerSubnet) {
  cfg.subnets[0].prefix = Prefix4::parse("198.18.0.0/23").value();
  cfg.subnets[0].pools = {pool("198.18.1.0", "198.18.1.3")};
  EXPECT_EQ(dora(mac(1)), ip("198.18.1.0"));
}

}  // namespace
}  // namespace tandem::test
