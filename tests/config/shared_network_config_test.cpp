// "shared-networks": inheritance global > shared network > subnet, ids across all subnets,
// and the network-level values the engine looks up itself (relay, interface, options, class).
#include <gtest/gtest.h>

#include "tests/config/config_test_util.h"

namespace tandem::config {
namespace {

using testing::dhcp4;
using testing::parseOk;

TEST(SharedNetworkConfig, SubnetsInheritGlobalThenNetworkValues) {
  auto cfg = parseOk(dhcp4(R"(
      "valid-lifetime": 1000, "renew-timer": 100, "authoritative": false, "match-client-id": true,
      "next-server": "198.18.0.9", "boot-file-name": "global.efi", "reservations-out-of-pool": false,
      "shared-networks": [{
        "name": "floor1", "comment": "two subnets on one wire", "user-context": {"site": "a"},
        "valid-lifetime": 2000, "authoritative": true, "match-client-id": false, "server-hostname": "net-srv",
        "next-server": "198.18.0.8", "reservations-out-of-pool": true, "store-extended-info": true,
        "calculate-tee-times": true, "t1-percent": 0.4, "t2-percent": 0.7,
        "relay": {"ip-addresses": ["198.18.100.1"]}, "interface": "eth1", "client-class": "floor",
        "require-client-classes": ["late"],
        "option-data": [{"name": "domain-name", "data": "floor1.example"}],
        "ddns-send-updates": false, "cache-threshold": 0,
        "subnet4": [
          {"id": 10, "subnet": "198.18.10.0/24", "valid-lifetime": 3000, "next-server": "198.18.0.7",
           "relay": {"ip-address": "198.18.100.2"}},
          {"id": 11, "subnet": "198.18.11.0/24", "authoritative": false}]}],
      "subnet4": [{"id": 1, "subnet": "198.18.0.0/24"}])"));
  ASSERT_EQ(cfg.subnets.size(), 3u);
  ASSERT_EQ(cfg.sharedNetworks.size(), 1u);
  const SharedNetwork4& n = cfg.sharedNetworks[0];
  EXPECT_EQ(n.name, "floor1");
  EXPECT_EQ(n.subnetIds, (std::vector<std::uint32_t>{10, 11}));
  EXPECT_EQ(n.relayAddresses, std::vector<Ipv4>{Ipv4(198, 18, 100, 1)});
  EXPECT_EQ(n.interface, "eth1");
  EXPECT_EQ(n.clientClass, "floor");
  EXPECT_EQ(n.requireClientClasses, std::vector<std::string>{"late"});
  ASSERT_EQ(n.options.size(), 1u);
  EXPECT_EQ(n.options[0].code, 15);

  const Subnet4& a = cfg.subnets[0];
  EXPECT_EQ(a.id, 10u);
  EXPECT_EQ(a.sharedNetwork, "floor1");
  EXPECT_EQ(a.sourcePointer, "/Dhcp4/shared-networks/0/subnet4/0");
  EXPECT_EQ(a.validLifetime, 3000u);             // subnet
  EXPECT_EQ(a.renewTimer, 100u);                 // global
  EXPECT_TRUE(a.authoritative);                  // network
  EXPECT_FALSE(a.matchClientId);                 // network
  EXPECT_EQ(a.nextServer, Ipv4(198, 18, 0, 7));  // subnet
  EXPECT_EQ(a.serverHostname, "net-srv");        // network
  EXPECT_EQ(a.bootFileName, "global.efi");       // global
  EXPECT_TRUE(a.reservationsOutOfPool);          // network
  EXPECT_TRUE(a.storeExtendedInfo);
  EXPECT_TRUE(a.calculateTeeTimes);
  EXPECT_DOUBLE_EQ(a.t1Percent, 0.4);
  // relay/interface stay the subnet's own; the engine falls back to the network's.
  EXPECT_EQ(a.relayAddresses, std::vector<Ipv4>{Ipv4(198, 18, 100, 2)});
  EXPECT_TRUE(a.interface.empty());

  const Subnet4& b = cfg.subnets[1];
  EXPECT_EQ(b.validLifetime, 2000u);
  EXPECT_FALSE(b.authoritative);
  EXPECT_EQ(b.nextServer, Ipv4(198, 18, 0, 8));
  EXPECT_TRUE(b.relayAddresses.empty());

  const Subnet4& plain = cfg.subnets[2];
  EXPECT_TRUE(plain.sharedNetwork.empty());
  EXPECT_EQ(plain.sourcePointer, "/Dhcp4/subnet4/0");
  EXPECT_EQ(plain.validLifetime, 1000u);
  EXPECT_FALSE(plain.authoritative);
  EXPECT_EQ(plain.nextServer, Ipv4(198, 18, 0, 9));
  EXPECT_FALSE(plain.reservationsOutOfPool);
}

// Kea 2.2 parses "shared-networks" before "subnet4": their subnets get the first auto-ids,
// network by network in the order given (checked with config-get on kea-dhcp4 2.2).
TEST(SharedNetworkConfig, AutoIdsNumberSharedNetworkSubnetsFirst) {
  auto cfg = parseOk(dhcp4(R"(
      "subnet4": [{"subnet": "198.18.1.0/24"}, {"subnet": "198.18.2.0/24", "id": 7}, {"subnet": "198.18.3.0/24"}],
      "shared-networks": [{"name": "z", "subnet4": [{"subnet": "198.18.4.0/24"}, {"subnet": "198.18.5.0/24"}]},
                          {"name": "a", "subnet4": [{"subnet": "198.18.6.0/24"}]}])"));
  std::map<std::string, std::uint32_t> ids;
  for (const auto& s : cfg.subnets) ids[s.prefix.toString()] = s.id;
  EXPECT_EQ(ids["198.18.4.0/24"], 1u);
  EXPECT_EQ(ids["198.18.5.0/24"], 2u);
  EXPECT_EQ(ids["198.18.6.0/24"], 3u);
  EXPECT_EQ(ids["198.18.1.0/24"], 4u);
  EXPECT_EQ(ids["198.18.2.0/24"], 7u);
  EXPECT_EQ(ids["198.18.3.0/24"], 5u);
  ASSERT_EQ(cfg.sharedNetworks.size(), 2u);
  EXPECT_EQ(cfg.sharedNetworks[0].subnetIds, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(cfg.sharedNetworks[1].subnetIds, (std::vector<std::uint32_t>{3}));
}

TEST(SharedNetworkConfig, NetworkIdsAreSortedAndEmptyNetworkIsAllowed) {
  auto cfg = parseOk(dhcp4(R"("shared-networks": [
      {"name": "n", "subnet4": [{"id": 9, "subnet": "198.18.9.0/24"}, {"id": 3, "subnet": "198.18.3.0/24"}]},
      {"name": "empty"}])"));
  ASSERT_EQ(cfg.sharedNetworks.size(), 2u);
  EXPECT_EQ(cfg.sharedNetworks[0].subnetIds, (std::vector<std::uint32_t>{3, 9}));
  EXPECT_TRUE(cfg.sharedNetworks[1].subnetIds.empty());
}

TEST(SharedNetworkConfig, ReservationFlagsInheritThroughTheNetwork) {
  auto cfg = parseOk(dhcp4(R"("reservations-global": true, "shared-networks": [{"name": "n",
      "reservation-mode": "out-of-pool",
      "subnet4": [{"id": 1, "subnet": "198.18.1.0/24"},
                  {"id": 2, "subnet": "198.18.2.0/24", "reservations-in-subnet": false}]}])"));
  ASSERT_EQ(cfg.subnets.size(), 2u);
  EXPECT_FALSE(cfg.subnets[0].reservationsGlobal);  // "out-of-pool" sets all three
  EXPECT_TRUE(cfg.subnets[0].reservationsInSubnet);
  EXPECT_TRUE(cfg.subnets[0].reservationsOutOfPool);
  EXPECT_FALSE(cfg.subnets[1].reservationsInSubnet);
  EXPECT_TRUE(cfg.subnets[1].reservationsOutOfPool);
}

TEST(ReservationConfig, EveryIdentifierType) {
  auto cfg = parseOk(dhcp4(R"(
      "host-reservation-identifiers": ["circuit-id", "flex-id", "client-id", "duid", "hw-address"],
      "subnet4": [{"id": 1, "subnet": "198.18.0.0/24", "reservations": [
        {"hw-address": "aa:bb:cc:dd:ee:ff", "ip-address": "198.18.0.5"},
        {"duid": "00:03:00:01:aa:bb:cc:dd:ee:01", "ip-address": "198.18.0.6"},
        {"circuit-id": "'eth0:5'", "ip-address": "198.18.0.7"},
        {"client-id": "01:aa:bb:cc:dd:ee:02", "ip-address": "198.18.0.8"},
        {"flex-id": "'s0mEVaLue'", "ip-address": "198.18.0.9"}]}])"));
  EXPECT_EQ(cfg.hostReservationIdentifiers,
            (std::vector<HostIdType>{HostIdType::CircuitId, HostIdType::FlexId, HostIdType::ClientId, HostIdType::Duid,
                                     HostIdType::HwAddress}));
  const auto& r = cfg.subnets.at(0).reservations;
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r[0].identifierType(), HostIdType::HwAddress);
  EXPECT_EQ(r[0].identifier(), (std::vector<std::uint8_t>{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}));
  EXPECT_EQ(r[1].identifierType(), HostIdType::Duid);
  EXPECT_EQ(r[1].duid, (std::vector<std::uint8_t>{0, 3, 0, 1, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 1}));
  EXPECT_EQ(r[2].identifierType(), HostIdType::CircuitId);
  EXPECT_EQ(r[2].circuitId, (std::vector<std::uint8_t>{'e', 't', 'h', '0', ':', '5'}));
  EXPECT_EQ(r[3].identifierType(), HostIdType::ClientId);
  EXPECT_EQ(r[4].identifierType(), HostIdType::FlexId);
  EXPECT_EQ(r[4].identifier(), (std::vector<std::uint8_t>{'s', '0', 'm', 'E', 'V', 'a', 'L', 'u', 'e'}));
}

TEST(ReservationConfig, DefaultIdentifierOrderIsKeas) {
  auto cfg = parseOk(dhcp4(R"("subnet4": [])"));
  EXPECT_EQ(cfg.hostReservationIdentifiers, (std::vector<HostIdType>{HostIdType::HwAddress, HostIdType::Duid,
                                                                     HostIdType::CircuitId, HostIdType::ClientId}));
}

TEST(ReservationConfig, NonUniqueAddressesWhenAllowed) {
  auto cfg = parseOk(dhcp4(R"("ip-reservations-unique": false, "subnet4": [{"id": 1, "subnet": "198.18.0.0/24",
      "reservations": [{"hw-address": "aa:bb:cc:dd:ee:01", "ip-address": "198.18.0.5"},
                       {"hw-address": "aa:bb:cc:dd:ee:02", "ip-address": "198.18.0.5"}]}])"));
  EXPECT_EQ(cfg.subnets.at(0).reservations.size(), 2u);
}

}  // namespace
}  // namespace tandem::config
