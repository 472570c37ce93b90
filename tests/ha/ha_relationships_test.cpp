// Hub-and-spoke: subnets tied to HA relationships by "ha-server-name" (ha/ha_relationships.h).
#include "ha/ha_relationships.h"

#include <gtest/gtest.h>

#include "tests/ha/ha_test_util.h"

namespace tandem::ha {
namespace {

using nlohmann::json;
using testing::peer;
using testing::relationship;

// Relationship 0: hot-standby hub-a / spoke-a; relationship 1: load-balancing hub-b / spoke-b.
std::vector<HaConfig> hubRelationships() {
  json params = {{"high-availability",
                  json::array({relationship("hub-a", "hot-standby",
                                            json::array({peer("hub-a", "http://198.18.0.1:8001/", "primary"),
                                                         peer("spoke-a", "http://198.18.0.2:8001/", "standby")})),
                               relationship("hub-b", "load-balancing",
                                            json::array({peer("hub-b", "http://198.18.0.1:8002/", "primary"),
                                                         peer("spoke-b", "http://198.18.0.3:8001/", "secondary")}))})}};
  auto r = parseHaConfig(params);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r->relationships : std::vector<HaConfig>{};
}

config::Dhcp4Config dhcp(const std::string& subnetsAndNetworks) {
  auto cfg = config::parseDhcp4Config(std::string_view(R"({"Dhcp4": {)" + subnetsAndNetworks + "}}"),
                                      config::ParseContext{"/tmp", "/tmp/leases.csv", {}});
  EXPECT_TRUE(cfg.ok()) << (cfg.ok() ? "" : cfg.error().message);
  return cfg.ok() ? std::move(cfg).value() : config::Dhcp4Config{};
}

std::string errorOf(const std::string& subnets) {
  auto r = tieSubnets(hubRelationships(), dhcp(subnets));
  return r.ok() ? std::string("ok") : r.error().message;
}

TEST(HaRelationships, SubnetsTiedByAnyPeerNameOfTheRelationship) {
  auto r = tieSubnets(hubRelationships(), dhcp(R"("subnet4": [
      {"id": 10, "subnet": "198.18.16.0/24", "user-context": {"ha-server-name": "spoke-a"}},
      {"id": 20, "subnet": "198.18.17.0/24", "user-context": {"ha-server-name": "hub-b", "site": "x"}},
      {"id": 30, "subnet": "198.18.18.0/24", "user-context": {"ha-server-name": "hub-a"}}])"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->hub());
  EXPECT_EQ(r->bySubnet(10), 0u);
  EXPECT_EQ(r->bySubnet(20), 1u);
  EXPECT_EQ(r->bySubnet(30), 0u);
  EXPECT_EQ(r->bySubnet(40), std::nullopt);
  EXPECT_EQ(r->bySubnet(0), std::nullopt) << "no subnet selected";
  EXPECT_EQ(r->byPeerName("spoke-b"), 1u);
  EXPECT_EQ(r->byPeerName("hub-a"), 0u);
  EXPECT_EQ(r->byPeerName("nobody"), std::nullopt);
}

TEST(HaRelationships, SharedNetworkContextTiesItsSubnets) {
  auto r = tieSubnets(hubRelationships(), dhcp(R"("shared-networks": [{"name": "branch",
      "user-context": {"ha-server-name": "spoke-b"},
      "subnet4": [{"id": 1, "subnet": "198.18.16.0/24"},
                  {"id": 2, "subnet": "198.18.17.0/24", "user-context": {"ha-server-name": "hub-b"}}]}],
      "subnet4": [{"id": 3, "subnet": "198.18.18.0/24", "user-context": {"ha-server-name": "spoke-a"}}])"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->bySubnet(1), 1u);
  EXPECT_EQ(r->bySubnet(2), 1u);
  EXPECT_EQ(r->bySubnet(3), 0u);
}

TEST(HaRelationships, HubRefusesUntiedUnknownAndSplitNetworks) {
  EXPECT_EQ(errorOf(R"("subnet4": [{"id": 7, "subnet": "198.18.16.0/24"}])"),
            "Dhcp4/subnet4/0: no \"ha-server-name\" in the user context of subnet 7 (198.18.16.0/24) or its shared "
            "network: with several HA relationships every subnet must name the relationship serving it");
  EXPECT_EQ(errorOf(R"("subnet4": [{"id": 7, "subnet": "198.18.16.0/24", "user-context": {"ha-server-name": "x"}}])"),
            "Dhcp4/subnet4/0/user-context/ha-server-name: 'x' is not a peer of any HA relationship");
  EXPECT_EQ(errorOf(R"("subnet4": [{"id": 7, "subnet": "198.18.16.0/24", "user-context": {"ha-server-name": 3}}])"),
            "Dhcp4/subnet4/0/user-context/ha-server-name: must be a string");
  EXPECT_EQ(errorOf(R"("shared-networks": [{"name": "n", "subnet4": [
      {"id": 1, "subnet": "198.18.16.0/24", "user-context": {"ha-server-name": "spoke-a"}},
      {"id": 2, "subnet": "198.18.17.0/24", "user-context": {"ha-server-name": "spoke-b"}}]}])"),
            "Dhcp4/shared-networks/0/subnet4/1/user-context/ha-server-name: subnet 2 of shared network 'n' is tied "
            "to another HA relationship than the network's other subnets");
}

// One relationship is Kea 2.2's model: user contexts are not read, every subnet is its own.
TEST(HaRelationships, OneRelationshipReadsNoContext) {
  auto one = hubRelationships();
  one.resize(1);
  auto r = tieSubnets(one, dhcp(R"("subnet4": [{"id": 7, "subnet": "198.18.16.0/24",
      "user-context": {"ha-server-name": "somebody-else"}}, {"id": 8, "subnet": "198.18.17.0/24"}])"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->hub());
  EXPECT_TRUE(r->subnets.empty());
  EXPECT_EQ(r->bySubnet(7), 0u);
  EXPECT_EQ(r->bySubnet(12345), 0u);
}

TEST(HaRelationships, ChangesAreNamedPerRelationship) {
  auto before = tieSubnets(hubRelationships(), dhcp(R"("subnet4": [
      {"id": 1, "subnet": "198.18.16.0/24", "user-context": {"ha-server-name": "spoke-a"}}])"));
  ASSERT_TRUE(before.ok());
  auto after = *before;
  after.relationships[1].heartbeatDelay = std::chrono::milliseconds(1000);
  const auto changes = describeHaChanges(*before, after);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].rfind("hub-b: heartbeat-delay", 0), 0u) << changes[0];
  EXPECT_FALSE(listenerChanged(*before, after));
  after.subnets[0].second = 1;
  EXPECT_EQ(describeHaChanges(*before, after).back(), "subnets tied to other HA relationships");
}

}  // namespace
}  // namespace tandem::ha
