// subnet4: pools, relay, reservations, inheritance of global values, automatic ids.
#include <gtest/gtest.h>

#include "config_test_util.h"

namespace tandem::config {
namespace {

using testing::allWarnings;
using testing::dhcp4;
using testing::hasWarning;
using testing::parseOk;

TEST(SubnetConfig, EveryKeyWithItsValue) {
  auto cfg = parseOk(dhcp4(R"("subnet4": [{
      "id": 7, "subnet": "198.18.0.0/16", "interface": "eth0",
      "pools": [{"pool": "198.18.1.10 - 198.18.1.20",
                 "option-data": [{"name": "routers", "data": "198.18.1.1"}],
                 "client-class": "HA_server1", "require-client-classes": ["late"], "comment": "p"},
                {"pool": "198.18.2.0/24"}, {"pool": "198.18.3.1-198.18.3.1"}],
      "option-data": [{"name": "routers", "data": "198.18.0.1"}],
      "relay": {"ip-addresses": ["198.18.0.2", "198.18.0.3"]},
      "valid-lifetime": 600, "min-valid-lifetime": 300, "max-valid-lifetime": 900,
      "renew-timer": 200, "rebind-timer": 400, "calculate-tee-times": true, "t1-percent": 0.3, "t2-percent": 0.6,
      "next-server": "198.18.0.5", "server-hostname": "boot", "boot-file-name": "ipxe.efi",
      "match-client-id": false, "authoritative": true, "store-extended-info": true,
      "client-class": "lab", "require-client-classes": ["x"],
      "reservations-global": true, "reservations-in-subnet": false, "reservations-out-of-pool": true,
      "ddns-send-updates": false, "hostname-char-set": "[^A-Za-z0-9.-]", "user-context": {"a": 1}, "comment": "s"}])"));
  ASSERT_EQ(cfg.subnets.size(), 1u);
  const Subnet4& s = cfg.subnets[0];
  EXPECT_EQ(s.id, 7u);
  EXPECT_EQ(s.prefix.toString(), "198.18.0.0/16");
  EXPECT_EQ(s.interface, "eth0");
  ASSERT_EQ(s.pools.size(), 3u);
  EXPECT_EQ(s.pools[0].first, Ipv4(198, 18, 1, 10));
  EXPECT_EQ(s.pools[0].last, Ipv4(198, 18, 1, 20));
  EXPECT_EQ(s.pools[0].size(), 11u);
  EXPECT_EQ(s.pools[0].clientClass, "HA_server1");
  EXPECT_EQ(s.pools[0].requireClientClasses, std::vector<std::string>{"late"});
  ASSERT_EQ(s.pools[0].options.size(), 1u);
  EXPECT_EQ(s.pools[0].options[0].payload, (std::vector<std::uint8_t>{198, 18, 1, 1}));
  EXPECT_EQ(s.pools[1].first, Ipv4(198, 18, 2, 0));
  EXPECT_EQ(s.pools[1].last, Ipv4(198, 18, 2, 255));
  EXPECT_EQ(s.pools[2].size(), 1u);
  ASSERT_EQ(s.options.size(), 1u);
  EXPECT_EQ(s.options[0].code, 3);
  EXPECT_EQ(s.relayAddresses, (std::vector<Ipv4>{Ipv4(198, 18, 0, 2), Ipv4(198, 18, 0, 3)}));
  EXPECT_EQ(s.validLifetime, 600u);
  EXPECT_EQ(s.minValidLifetime, 300u);
  EXPECT_EQ(s.maxValidLifetime, 900u);
  EXPECT_EQ(s.renewTimer, 200u);
  EXPECT_EQ(s.rebindTimer, 400u);
  EXPECT_TRUE(s.calculateTeeTimes);
  EXPECT_DOUBLE_EQ(s.t1Percent, 0.3);
  EXPECT_DOUBLE_EQ(s.t2Percent, 0.6);
  EXPECT_EQ(s.nextServer, Ipv4(198, 18, 0, 5));
  EXPECT_EQ(s.serverHostname, "boot");
  EXPECT_EQ(s.bootFileName, "ipxe.efi");
  EXPECT_FALSE(s.matchClientId);
  EXPECT_TRUE(s.authoritative);
  EXPECT_TRUE(s.storeExtendedInfo);
  EXPECT_EQ(s.clientClass, "lab");
  EXPECT_EQ(s.requireClientClasses, std::vector<std::string>{"x"});
  EXPECT_TRUE(s.reservationsGlobal);
  EXPECT_FALSE(s.reservationsInSubnet);
  EXPECT_TRUE(s.reservationsOutOfPool);
  EXPECT_TRUE(cfg.warnings.empty()) << allWarnings(cfg);
}

TEST(SubnetConfig, InheritsGlobalValues) {
  auto cfg = parseOk(dhcp4(R"(
      "valid-lifetime": 4000, "renew-timer": 1000, "rebind-timer": 2000, "min-valid-lifetime": 3000,
      "max-valid-lifetime": 5000, "calculate-tee-times": true, "t1-percent": 0.25, "t2-percent": 0.75,
      "next-server": "198.18.0.9", "server-hostname": "g", "boot-file-name": "f", "match-client-id": false,
      "authoritative": true, "store-extended-info": true, "reservations-out-of-pool": true,
      "subnet4": [{"subnet": "198.18.0.0/24"}, {"subnet": "198.18.1.0/24", "valid-lifetime": 3500,
                   "renew-timer": 100, "next-server": "198.18.1.9", "reservations-in-subnet": false}])"));
  ASSERT_EQ(cfg.subnets.size(), 2u);
  const Subnet4& a = cfg.subnets[0];
  EXPECT_EQ(a.validLifetime, 4000u);
  EXPECT_EQ(a.renewTimer, 1000u);
  EXPECT_EQ(a.rebindTimer, 2000u);
  EXPECT_EQ(a.minValidLifetime, 3000u);
  EXPECT_EQ(a.maxValidLifetime, 5000u);
  EXPECT_TRUE(a.calculateTeeTimes);
  EXPECT_DOUBLE_EQ(a.t1Percent, 0.25);
  EXPECT_DOUBLE_EQ(a.t2Percent, 0.75);
  EXPECT_EQ(a.nextServer, Ipv4(198, 18, 0, 9));
  EXPECT_EQ(a.serverHostname, "g");
  EXPECT_EQ(a.bootFileName, "f");
  EXPECT_FALSE(a.matchClientId);
  EXPECT_TRUE(a.authoritative);
  EXPECT_TRUE(a.storeExtendedInfo);
  EXPECT_FALSE(a.reservationsGlobal);
  EXPECT_TRUE(a.reservationsInSubnet);
  EXPECT_TRUE(a.reservationsOutOfPool);
  const Subnet4& b = cfg.subnets[1];
  EXPECT_EQ(b.validLifetime, 3500u);
  EXPECT_EQ(b.renewTimer, 100u);
  EXPECT_EQ(b.rebindTimer, 2000u);
  EXPECT_EQ(b.nextServer, Ipv4(198, 18, 1, 9));
  EXPECT_FALSE(b.reservationsInSubnet);
  EXPECT_TRUE(b.reservationsOutOfPool);
}

TEST(SubnetConfig, UnsetTimersStayUnset) {
  auto cfg = parseOk(dhcp4(R"("subnet4": [{"subnet": "198.18.0.0/24"}])"));
  EXPECT_EQ(cfg.subnets[0].validLifetime, 7200u);
  EXPECT_FALSE(cfg.subnets[0].renewTimer);
  EXPECT_FALSE(cfg.subnets[0].rebindTimer);
}

TEST(SubnetConfig, MissingIdsAreNumberedInOrderLikeKea22) {
  auto cfg = parseOk(dhcp4(R"("subnet4": [{"subnet": "198.18.0.0/24"}, {"id": 10, "subnet": "198.18.1.0/24"},
                                          {"subnet": "198.18.2.0/24"}, {"id": 0, "subnet": "198.18.3.0/24"}])"));
  ASSERT_EQ(cfg.subnets.size(), 4u);
  EXPECT_EQ(cfg.subnets[0].id, 1u);
  EXPECT_EQ(cfg.subnets[1].id, 10u);
  EXPECT_EQ(cfg.subnets[2].id, 2u);
  EXPECT_EQ(cfg.subnets[3].id, 3u);
}

TEST(SubnetConfig, SubnetWithHostBitsIsNormalizedToItsNetwork) {
  auto cfg = parseOk(dhcp4(R"("subnet4": [{"subnet": "198.18.0.77/24"}])"));
  EXPECT_EQ(cfg.subnets[0].prefix.toString(), "198.18.0.0/24");
}

TEST(SubnetConfig, LegacyRelayIpAddress) {
  auto cfg = parseOk(dhcp4(R"("subnet4": [{"subnet": "198.18.0.0/24", "relay": {"ip-address": "198.18.5.1"}}])"));
  EXPECT_EQ(cfg.subnets[0].relayAddresses, std::vector<Ipv4>{Ipv4(198, 18, 5, 1)});
}

TEST(SubnetConfig, OverlappingSubnetsAreAcceptedAsInKea) {
  auto cfg = parseOk(dhcp4(R"("subnet4": [{"subnet": "198.18.0.0/24"}, {"subnet": "198.18.0.0/23"}])"));
  EXPECT_EQ(cfg.subnets.size(), 2u);
}

TEST(SubnetConfig, RebindNotBelowValidIsAWarningAsKeaAcceptsIt) {
  auto cfg = parseOk(dhcp4(R"("subnet4": [{"subnet": "198.18.0.0/24", "valid-lifetime": 3000,
                                           "renew-timer": 2000, "rebind-timer": 4000}])"));
  EXPECT_TRUE(hasWarning(cfg,
                         "Dhcp4/subnet4/0/rebind-timer: rebind-timer (4000) is not below valid-lifetime "
                         "(3000); T2 will not be sent"))
      << allWarnings(cfg);
}

TEST(SubnetConfig, ReservationModeMapsToFlags) {
  struct Case {
    const char* mode;
    bool global, inSubnet, outOfPool;
  };
  for (const Case& c : {Case{"disabled", false, false, false}, Case{"out-of-pool", false, true, true},
                        Case{"global", true, false, false}, Case{"all", false, true, false}}) {
    auto cfg = parseOk(
        dhcp4(std::string(R"("reservation-mode": ")") + c.mode + R"(", "subnet4": [{"subnet": "198.18.0.0/24"}])"));
    ASSERT_EQ(cfg.subnets.size(), 1u) << c.mode;
    EXPECT_EQ(cfg.reservationsGlobal, c.global) << c.mode;
    EXPECT_EQ(cfg.subnets[0].reservationsGlobal, c.global) << c.mode;
    EXPECT_EQ(cfg.subnets[0].reservationsInSubnet, c.inSubnet) << c.mode;
    EXPECT_EQ(cfg.subnets[0].reservationsOutOfPool, c.outOfPool) << c.mode;
    EXPECT_TRUE(hasWarning(cfg,
                           "Dhcp4/reservation-mode: deprecated; use reservations-global, reservations-in-subnet "
                           "and reservations-out-of-pool"));
  }
}

TEST(SubnetConfig, Reservations) {
  auto cfg = parseOk(dhcp4(R"("subnet4": [{"subnet": "198.18.0.0/24", "pools": [{"pool": "198.18.0.10-198.18.0.20"}],
      "reservations": [
        {"hw-address": "1a:1b:1c:1d:1e:1f", "ip-address": "198.18.0.201"},
        {"client-id": "01:11:22:33:44:55:66", "ip-address": "198.18.0.202", "hostname": "special-snowflake"},
        {"client-id": "'text-id'", "next-server": "198.18.0.1", "server-hostname": "hal9000",
         "boot-file-name": "/dev/null", "client-classes": ["a", "b"],
         "option-data": [{"name": "domain-name-servers", "data": "198.18.1.202, 198.18.1.203"}]},
        {"hw-address": "aabbccddee01", "hostname": "no-address", "comment": "no address"}]}])"));
  const auto& r = cfg.subnets[0].reservations;
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].hwAddr->toString(), "1a:1b:1c:1d:1e:1f");
  EXPECT_TRUE(r[0].clientId.empty());
  EXPECT_EQ(r[0].address, Ipv4(198, 18, 0, 201));
  EXPECT_EQ(r[0].source["hw-address"], "1a:1b:1c:1d:1e:1f");
  EXPECT_FALSE(r[1].hwAddr);
  EXPECT_EQ(r[1].clientId, (std::vector<std::uint8_t>{1, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66}));
  EXPECT_EQ(r[1].hostname, "special-snowflake");
  EXPECT_EQ(r[2].clientId, (std::vector<std::uint8_t>{'t', 'e', 'x', 't', '-', 'i', 'd'}));
  EXPECT_FALSE(r[2].address);
  EXPECT_EQ(r[2].nextServer, Ipv4(198, 18, 0, 1));
  EXPECT_EQ(r[2].serverHostname, "hal9000");
  EXPECT_EQ(r[2].bootFileName, "/dev/null");
  EXPECT_EQ(r[2].clientClasses, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(r[2].options.size(), 1u);
  EXPECT_EQ(r[2].options[0].code, 6);
  EXPECT_EQ(r[3].hwAddr->toString(), "aa:bb:cc:dd:ee:01");
  EXPECT_FALSE(r[3].address);
}

TEST(SubnetConfig, GlobalReservations) {
  auto cfg = parseOk(dhcp4(R"("reservations-global": true, "reservations": [
      {"hw-address": "aa:bb:cc:dd:ee:ff", "hostname": "printer", "ip-address": "198.18.9.9"}])"));
  ASSERT_EQ(cfg.reservations.size(), 1u);
  EXPECT_EQ(cfg.reservations[0].hostname, "printer");
  EXPECT_EQ(cfg.reservations[0].address, Ipv4(198, 18, 9, 9));
  EXPECT_TRUE(cfg.warnings.empty()) << allWarnings(cfg);
}

TEST(SubnetConfig, GlobalReservationsWithoutReservationsGlobalWarn) {
  auto cfg = parseOk(dhcp4(R"("reservations": [{"hw-address": "aa:bb:cc:dd:ee:ff", "hostname": "printer"}])"));
  EXPECT_EQ(cfg.warnings, std::vector<std::string>{"Dhcp4/reservations: global reservations are used only with "
                                                   "\"reservations-global\": true (Kea 2.2 default is false)"});
  auto enabledInSubnet = parseOk(dhcp4(R"("reservations": [{"hw-address": "aa:bb:cc:dd:ee:ff", "hostname": "p"}],
      "subnet4": [{"subnet": "198.18.0.0/24", "reservations-global": true}])"));
  EXPECT_TRUE(enabledInSubnet.warnings.empty()) << allWarnings(enabledInSubnet);
}

TEST(SubnetConfig, SameAddressTwiceIsAllowedWhenIpReservationsAreNotUnique) {
  auto cfg = parseOk(dhcp4(R"("ip-reservations-unique": false, "subnet4": [{"subnet": "198.18.0.0/24",
      "reservations": [{"hw-address": "aa:bb:cc:dd:ee:01", "ip-address": "198.18.0.5"},
                       {"hw-address": "aa:bb:cc:dd:ee:02", "ip-address": "198.18.0.5"}]}])"));
  EXPECT_EQ(cfg.subnets[0].reservations.size(), 2u);
}

TEST(SubnetConfig, SameIdentifierInDifferentSubnetsIsFine) {
  auto cfg = parseOk(dhcp4(R"("subnet4": [
      {"subnet": "198.18.0.0/24", "reservations": [{"hw-address": "aa:bb:cc:dd:ee:01", "hostname": "a"}]},
      {"subnet": "198.18.1.0/24", "reservations": [{"hw-address": "aa:bb:cc:dd:ee:01", "hostname": "a"}]}])"));
  EXPECT_EQ(cfg.subnets.size(), 2u);
}

}  // namespace
}  // namespace tandem::config
