// Shared networks (Kea "shared-networks"): selection finds one subnet, allocation moves on to
// the network's other subnets, leases and reservations anywhere in the network are the
// client's, and options come from the subnet the address belongs to.
#include "tests/engine/engine_fixture.h"

namespace tandem::test {
namespace {

// Network "floor" on eth0 with subnet 10 (198.18.10.0/24, pool .10-.11: two addresses) and
// subnet 11 (198.18.11.0/24, pool .10-.20); no plain subnet serves eth0.
class SharedNetworkTest : public EngineTest {
 protected:
  SharedNetworkTest() {
    cfg = baseConfig();
    cfg.subnets[0].interface.clear();  // subnet 1 no longer on eth0; the network is
    config::SharedNetwork4 net;
    net.name = "floor";
    net.interface = "eth0";
    net.relayAddresses.push_back(ip("198.18.200.1"));
    net.options.push_back(optionData(opt::kDomainName, bytes("floor.example")));
    net.options.push_back(optionData(opt::kRouters, proto::ipBytes(ip("198.18.10.1"))));
    net.subnetIds = {10, 11};
    cfg.sharedNetworks.push_back(net);

    config::Subnet4 a;
    a.id = 10;
    a.prefix = Prefix4::parse("198.18.10.0/24").value();
    a.sharedNetwork = "floor";
    a.pools.push_back(pool("198.18.10.10", "198.18.10.11"));
    cfg.subnets.push_back(a);

    config::Subnet4 b;
    b.id = 11;
    b.prefix = Prefix4::parse("198.18.11.0/24").value();
    b.sharedNetwork = "floor";
    b.pools.push_back(pool("198.18.11.10", "198.18.11.20"));
    b.options.push_back(optionData(opt::kRouters, proto::ipBytes(ip("198.18.11.1"))));
    b.validLifetime = 900;
    cfg.subnets.push_back(b);
  }

  config::Subnet4& subnet(std::uint32_t id) {
    for (auto& s : cfg.subnets) {
      if (s.id == id) return s;
    }
    throw std::logic_error("no subnet");
  }

  engine::RecvMeta relayed() {
    engine::RecvMeta m = meta;
    m.srcAddr = ip("198.18.200.1");
    m.dstAddr = ip("198.18.0.1");
    return m;
  }
};

TEST_F(SharedNetworkTest, AllocationMovesToTheNextSubnetWhenOneIsFull) {
  EXPECT_EQ(dora(mac(1)), ip("198.18.10.10"));
  EXPECT_EQ(dora(mac(2)), ip("198.18.10.11"));
  Decision d = send(discover(mac(3)));
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  EXPECT_EQ(d.reply->yiaddr, ip("198.18.11.10"));
  EXPECT_EQ(d.subnetId, 11u);
  // Options and lifetime of the subnet the address is in, the network's, then global.
  EXPECT_EQ(ipOpt(*d.reply, opt::kRouters), ip("198.18.11.1"));
  EXPECT_EQ(findOpt(*d.reply, opt::kDomainName)->data, bytes("floor.example"));
  EXPECT_EQ(u32Opt(*d.reply, opt::kLeaseTime), 900u);
  EXPECT_EQ(ipOpt(*d.reply, opt::kSubnetMask), ip("255.255.255.0"));
  Decision ack = send(selecting(mac(3), ip("198.18.11.10")));
  ASSERT_EQ(typeOf(ack), MessageType::Ack) << ack.note;
  EXPECT_EQ(ack.subnetId, 11u);
  EXPECT_EQ(store.byAddress(ip("198.18.11.10"))->subnetId, 11u);
  EXPECT_EQ(store.byAddress(ip("198.18.10.10"))->subnetId, 10u);
}

TEST_F(SharedNetworkTest, NetworkOptionsSitBetweenSubnetAndGlobal) {
  Decision d = send(discover(mac(1)));
  ASSERT_EQ(typeOf(d), MessageType::Offer);
  EXPECT_EQ(d.subnetId, 10u);
  EXPECT_EQ(ipOpt(*d.reply, opt::kRouters), ip("198.18.10.1"));                  // network (subnet 10 has none)
  EXPECT_EQ(findOpt(*d.reply, opt::kDomainName)->data, bytes("floor.example"));  // network over global
  EXPECT_EQ(ipOpt(*d.reply, opt::kDomainNameServers), ip("198.18.0.2"));         // global
}

TEST_F(SharedNetworkTest, NewClientsStartInTheMostRecentlyUsedSubnet) {
  // Kea's getPreferredSubnet: once subnet 11 allocated, new clients start there even when an
  // address of subnet 10 frees up.
  dora(mac(1));
  dora(mac(2));
  EXPECT_EQ(dora(mac(3)), ip("198.18.11.10"));
  Packet4 rel = packet(MessageType::Release, mac(1));
  rel.ciaddr = ip("198.18.10.10");
  ASSERT_TRUE(send(rel).changes.size() == 1);
  EXPECT_EQ(dora(mac(4)), ip("198.18.11.11"));
}

TEST_F(SharedNetworkTest, FullNetworkDropsWithNetworkName) {
  subnet(11).pools = {pool("198.18.11.10", "198.18.11.10")};
  dora(mac(1));
  dora(mac(2));
  dora(mac(3));
  Decision d = send(discover(mac(4)));
  EXPECT_EQ(d.drop, DropReason::NoAddress);
  EXPECT_EQ(d.note, "no free address in the pools of shared network floor");
}

TEST_F(SharedNetworkTest, ExistingLeaseInAnotherSubnetOfTheNetworkIsFound) {
  ASSERT_TRUE(store.put(leaseFor(mac(1), ip("198.18.11.15"), 11)).ok());
  Decision d = send(discover(mac(1)));
  ASSERT_EQ(typeOf(d), MessageType::Offer);
  EXPECT_EQ(d.reply->yiaddr, ip("198.18.11.15"));
  EXPECT_EQ(d.subnetId, 11u);
  EXPECT_EQ(ipOpt(*d.reply, opt::kRouters), ip("198.18.11.1"));
}

TEST_F(SharedNetworkTest, RenewalAndRebindingAcrossSubnetsAreAcked) {
  ASSERT_TRUE(store.put(leaseFor(mac(1), ip("198.18.11.15"), 11)).ok());
  // REBINDING (broadcast, ciaddr): selection by interface picks subnet 10, the lease is in 11.
  Decision d = send(renewing(mac(1), ip("198.18.11.15")));
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  EXPECT_EQ(d.subnetId, 11u);
  EXPECT_EQ(u32Opt(*d.reply, opt::kLeaseTime), 900u);
  ASSERT_EQ(d.changes.size(), 1u);
  EXPECT_EQ(d.changes[0].lease.subnetId, 11u);
  // Relayed renewal through the network's relay address.
  Packet4 p = renewing(mac(1), ip("198.18.11.15"));
  p.giaddr = ip("198.18.200.1");
  Decision r = sendVia(p, relayed());
  ASSERT_EQ(typeOf(r), MessageType::Ack) << r.note;
  EXPECT_EQ(r.subnetId, 11u);
}

TEST_F(SharedNetworkTest, InitRebootForAddressInOtherSubnetIsAcked) {
  ASSERT_TRUE(store.put(leaseFor(mac(1), ip("198.18.11.15"), 11)).ok());
  Decision d = send(initReboot(mac(1), ip("198.18.11.15")));
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  EXPECT_EQ(d.subnetId, 11u);
  // An address outside every subnet of the network is refused.
  Decision n = send(initReboot(mac(1), ip("198.18.0.20")));
  EXPECT_EQ(typeOf(n), MessageType::Nak) << n.note;
}

TEST_F(SharedNetworkTest, MovingWithinTheNetworkReplacesTheClientsLease) {
  ASSERT_TRUE(store.put(leaseFor(mac(1), ip("198.18.10.10"), 10)).ok());
  Decision d = send(selecting(mac(1), ip("198.18.11.12")));
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  ASSERT_EQ(d.changes.size(), 2u);
  EXPECT_EQ(d.changes[0].kind, LeaseChange::Kind::Delete);
  EXPECT_EQ(d.changes[0].lease.address, ip("198.18.10.10"));
  EXPECT_EQ(d.changes[1].lease.subnetId, 11u);
}

TEST_F(SharedNetworkTest, RequestedAddressFromAnySubnetOfTheNetwork) {
  Packet4 p = discover(mac(1));
  p.set(opt::kRequestedAddress, proto::ipBytes(ip("198.18.11.17")));
  Decision d = send(p);
  ASSERT_EQ(typeOf(d), MessageType::Offer);
  EXPECT_EQ(d.reply->yiaddr, ip("198.18.11.17"));
  EXPECT_EQ(d.subnetId, 11u);
}

TEST_F(SharedNetworkTest, RelayAddressOfTheNetworkSelectsItsFirstSubnet) {
  Packet4 p = discover(mac(1));
  p.giaddr = ip("198.18.200.1");
  Decision d = sendVia(p, relayed());
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  EXPECT_EQ(d.subnetId, 10u);
}

TEST_F(SharedNetworkTest, SubnetRelayOverridesNetworkRelay) {
  subnet(10).relayAddresses = {ip("198.18.201.1")};
  Packet4 p = discover(mac(1));
  p.giaddr = ip("198.18.200.1");
  Decision d = sendVia(p, relayed());
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  EXPECT_EQ(d.subnetId, 11u);  // subnet 10 answers only to its own relay now
}

TEST_F(SharedNetworkTest, ClientClassesRestrictSubnetsOfTheNetwork) {
  subnet(11).clientClass = "vip";
  dora(mac(1));
  dora(mac(2));
  EXPECT_EQ(send(discover(mac(3))).drop, DropReason::NoAddress);
  engine::RecvMeta m = meta;
  m.classes = {"vip"};
  Decision d = sendVia(discover(mac(3)), m);
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  EXPECT_EQ(d.subnetId, 11u);
}

TEST_F(SharedNetworkTest, NetworkClientClassGuardsEverySubnet) {
  cfg.sharedNetworks[0].clientClass = "floor-users";
  // Not a member: no subnet of the network; Kea falls back to the interface address's subnet.
  EXPECT_EQ(send(discover(mac(1))).subnetId, 1u);
  engine::RecvMeta m = meta;
  m.classes = {"floor-users"};
  Decision d = sendVia(discover(mac(1)), m);
  EXPECT_EQ(typeOf(d), MessageType::Offer);
  EXPECT_EQ(d.subnetId, 10u);
}

TEST_F(SharedNetworkTest, ReservationInAnotherSubnetOfTheNetwork) {
  config::Reservation r;
  r.hwAddr = mac(7);
  r.address = ip("198.18.11.99");  // outside the pools
  r.hostname = "printer";
  subnet(11).reservations.push_back(r);
  Decision d = send(discover(mac(7)));
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  EXPECT_EQ(d.reply->yiaddr, ip("198.18.11.99"));
  EXPECT_EQ(d.subnetId, 11u);
  Decision ack = send(selecting(mac(7), ip("198.18.11.99")));
  ASSERT_EQ(typeOf(ack), MessageType::Ack) << ack.note;
  EXPECT_EQ(ack.changes.back().lease.subnetId, 11u);
  EXPECT_EQ(ack.changes.back().lease.hostname, "printer");
}

TEST_F(SharedNetworkTest, SubnetsAreTriedInIdOrderFromTheSelectedOne) {
  // Three subnets; the interface selects the lowest id (Kea iterates subnets by id).
  config::Subnet4 c;
  c.id = 5;
  c.prefix = Prefix4::parse("198.18.5.0/24").value();
  c.sharedNetwork = "floor";
  c.pools.push_back(pool("198.18.5.10", "198.18.5.10"));
  cfg.subnets.push_back(c);
  cfg.sharedNetworks[0].subnetIds = {5, 10, 11};
  EXPECT_EQ(dora(mac(1)), ip("198.18.5.10"));
  EXPECT_EQ(dora(mac(2)), ip("198.18.10.10"));
  EXPECT_EQ(dora(mac(3)), ip("198.18.10.11"));
  EXPECT_EQ(dora(mac(4)), ip("198.18.11.10"));
}

}  // namespace
}  // namespace tandem::test
