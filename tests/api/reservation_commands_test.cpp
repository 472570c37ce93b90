#include "dhcpd/api/reservation_commands.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "tests/api/fake_server_control.h"

namespace tandem::api {
namespace {

class ReservationCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::setUpTwoSubnets(control_);
    registerReservationCommands(registry_, control_);
  }
  json run(const std::string& name, const char* args = nullptr) {
    return registry_.execute(name, args ? json::parse(args) : json(), CommandContext{"test", "", "", {}});
  }
  const json& subnetReservations(int index) { return control_.cfg.source["Dhcp4"]["subnet4"][index]["reservations"]; }
  testing::FakeServerControl control_;
  CommandRegistry registry_;
};

TEST_F(ReservationCommandsTest, AddGoesThroughApplyConfig) {
  auto a = run(
      "reservation-add",
      R"({"reservation":{"subnet-id":2,"hw-address":"1A:1B:1C:1D:1E:1F","ip-address":"198.18.17.5","hostname":"printer"}})");
  EXPECT_EQ(a, makeAnswer(0, "Host added."));
  ASSERT_EQ(control_.applied.size(), 1u);
  ASSERT_EQ(subnetReservations(1).size(), 1u);
  EXPECT_EQ(subnetReservations(1)[0],
            json::parse(R"({"hw-address":"1A:1B:1C:1D:1E:1F","ip-address":"198.18.17.5","hostname":"printer"})"));
  auto g = run("reservation-get", R"({"subnet-id":2,"identifier-type":"hw-address","identifier":"1a:1b:1c:1d:1e:1f"})");
  EXPECT_EQ(g,
            makeAnswer(0, "Host found.", json::parse(R"({"boot-file-name":"","client-classes":[],"hostname":"printer",
      "hw-address":"1a:1b:1c:1d:1e:1f","ip-address":"198.18.17.5","next-server":"0.0.0.0","option-data":[],
      "server-hostname":"","subnet-id":2})")));
}

TEST_F(ReservationCommandsTest, GlobalReservationWithSubnetIdZero) {
  EXPECT_EQ(run("reservation-add",
                R"({"reservation":{"subnet-id":0,"client-id":"01:02:03","hostname":"g"}})")["result"],
            0);
  EXPECT_EQ(control_.cfg.source["Dhcp4"]["reservations"].size(), 1u);
  EXPECT_EQ(run("reservation-get-all", R"({"subnet-id":0})")["text"], "1 IPv4 host(s) found.");
}

TEST_F(ReservationCommandsTest, AddConsistencyChecks) {
  auto add = [&](const char* r) {
    return run("reservation-add", (std::string(R"({"reservation":)") + r + "}").c_str());
  };
  EXPECT_EQ(add(R"({"subnet-id":7,"hw-address":"1a:1b:1c:1d:1e:1f"})"),
            makeAnswer(1, "IPv4 subnet with id 7 does not exist"));
  EXPECT_EQ(add(R"({"subnet-id":1,"hw-address":"1a:1b:1c:1d:1e:1f","ip-address":"198.18.17.9"})"),
            makeAnswer(
                1,
                "specified reservation address 198.18.17.9 is not within the IPv4 subnet 198.18.16.0/24, subnet-id=1"));
  auto dupId = add(R"({"subnet-id":1,"hw-address":"aa:bb:cc:dd:ee:01","ip-address":"198.18.16.6"})");
  EXPECT_EQ(dupId["result"], kResultConflict);
  EXPECT_NE(dupId["text"].get<std::string>().find("already been added"), std::string::npos);
  auto dupAddr = add(R"({"subnet-id":1,"hw-address":"aa:bb:cc:dd:ee:02","ip-address":"198.18.16.5"})");
  EXPECT_EQ(dupAddr["result"], kResultConflict);
  EXPECT_NE(dupAddr["text"].get<std::string>().find("There's already a reservation for this address"),
            std::string::npos);
  EXPECT_EQ(add(R"({"hw-address":"1a:1b:1c:1d:1e:1f"})"), makeAnswer(1, "Mandatory 'subnet-id' parameter missing."));
  EXPECT_EQ(add(R"({"subnet-id":1,"ip-address":"198.18.16.7"})")["result"], 1);
  EXPECT_EQ(add(R"({"subnet-id":1,"hw-address":"1a:1b:1c:1d:1e:1f","client-id":"01:02"})")["result"], 1);
  EXPECT_EQ(add(R"({"subnet-id":1,"hw-address":"zz"})")["result"], 1);
  EXPECT_EQ(add(R"({"subnet-id":1,"hw-address":"1a:1b:1c:1d:1e:1f","ip-address":"x"})")["result"], 1);
  EXPECT_EQ(run("reservation-add", "{}"), makeAnswer(1, "missing parameter 'reservation'"));
  EXPECT_EQ(run("reservation-add", R"({"reservation":5})"), makeAnswer(1, "'reservation' parameter must be a map"));
  EXPECT_EQ(run("reservation-add")["result"], 1);
  EXPECT_TRUE(control_.applied.empty());
}

TEST_F(ReservationCommandsTest, AddReportsAddressLeasedToAnotherClient) {
  Lease other;
  other.address = Ipv4(198, 18, 16, 30);
  other.hwAddr = *HwAddr::parse("02:00:00:00:00:99");
  other.subnetId = 1;
  ASSERT_TRUE(control_.store.put(other));
  auto a = run("reservation-add",
               R"({"reservation":{"subnet-id":1,"hw-address":"1a:1b:1c:1d:1e:1f","ip-address":"198.18.16.30"}})");
  EXPECT_EQ(a["result"], 0);
  EXPECT_EQ(a["text"], "Host added.");
  ASSERT_EQ(a["arguments"]["warnings"].size(), 1u);
  EXPECT_NE(a["arguments"]["warnings"][0].get<std::string>().find("02:00:00:00:00:99"), std::string::npos);
  // The reserved client's own lease is no conflict.
  Lease own = other;
  own.address = Ipv4(198, 18, 16, 31);
  own.hwAddr = *HwAddr::parse("1a:1b:1c:1d:1e:20");
  ASSERT_TRUE(control_.store.put(own));
  auto b = run("reservation-add",
               R"({"reservation":{"subnet-id":1,"hw-address":"1a:1b:1c:1d:1e:20","ip-address":"198.18.16.31"}})");
  EXPECT_EQ(b, makeAnswer(0, "Host added."));
}

TEST_F(ReservationCommandsTest, RejectedConfigLeavesRunningOne) {
  control_.applyError = makeError("Dhcp4/subnet4/0/reservations/1: duplicate");
  auto before = control_.cfg.source;
  EXPECT_EQ(run("reservation-add", R"({"reservation":{"subnet-id":1,"hw-address":"1a:1b:1c:1d:1e:1f"}})"),
            makeAnswer(1, "Dhcp4/subnet4/0/reservations/1: duplicate"));
  EXPECT_EQ(run("reservation-del", R"({"subnet-id":1,"ip-address":"198.18.16.5"})")["result"], 1);
  EXPECT_EQ(control_.cfg.source, before);
}

TEST_F(ReservationCommandsTest, GetVariantsAndErrors) {
  EXPECT_EQ(run("reservation-get", R"({"subnet-id":1,"ip-address":"198.18.16.5"})")["arguments"]["hostname"], "res1");
  EXPECT_EQ(run("reservation-get", R"({"subnet-id":2,"ip-address":"198.18.16.5"})"), makeAnswer(3, "Host not found."));
  EXPECT_EQ(run("reservation-get", R"({"ip-address":"198.18.16.5"})"),
            makeAnswer(1, "Mandatory 'subnet-id' parameter missing."));
  EXPECT_EQ(run("reservation-get", R"({"subnet-id":1})")["text"],
            "No 'ip-address' provided and 'identifier-type' is either missing or not a string.");
  EXPECT_EQ(run("reservation-get", R"({"subnet-id":1,"identifier-type":"hw-address"})")["text"],
            "No 'ip-address' provided and 'identifier' is either missing or not a string.");
  EXPECT_EQ(run("reservation-get", R"({"subnet-id":1,"identifier-type":"foo","identifier":"01"})")["result"], 1);
  EXPECT_EQ(run("reservation-get", R"({"subnet-id":1,"ip-address":"x"})")["result"], 1);
  EXPECT_EQ(run("reservation-get")["result"], 1);
}

// A big subnet's reservations are turned into the answer in slices (5,000 hosts each) with
// progress; a configuration change between two slices ends the command with an error.
TEST_F(ReservationCommandsTest, GetAllInSlices) {
  json& hosts = control_.cfg.source["Dhcp4"]["subnet4"][1]["reservations"];
  hosts = json::array();
  for (int i = 0; i < 12000; ++i) {
    hosts.push_back({{"hw-address", fmt::format("02:00:00:00:{:02x}:{:02x}", i >> 8, i & 0xff)}});
  }
  control_.sliced = true;
  std::optional<json> answer;
  registry_.executeAsync("reservation-get-all", json::parse(R"({"subnet-id":2})"), {}, [&](json a) { answer = a; });
  ASSERT_TRUE(control_.operation);
  EXPECT_EQ(control_.operation->total(), 12000u);
  EXPECT_FALSE(control_.stepOperation());
  EXPECT_FALSE(control_.stepOperation());
  EXPECT_EQ(control_.operation->done(), 10000u);
  EXPECT_FALSE(answer);
  EXPECT_TRUE(control_.stepOperation());
  ASSERT_TRUE(answer);
  EXPECT_EQ((*answer)["text"], "12000 IPv4 host(s) found.");
  ASSERT_EQ((*answer)["arguments"]["hosts"].size(), 12000u);
  EXPECT_EQ((*answer)["arguments"]["hosts"][11999]["hw-address"], "02:00:00:00:2e:df");

  answer.reset();
  registry_.executeAsync("reservation-get-all", json::parse(R"({"subnet-id":2})"), {}, [&](json a) { answer = a; });
  EXPECT_FALSE(control_.stepOperation());
  control_.clock.advance(std::chrono::seconds(1));
  ASSERT_TRUE(control_.reloadConfig());
  EXPECT_TRUE(control_.stepOperation());
  ASSERT_TRUE(answer);
  EXPECT_EQ(*answer, makeAnswer(1, "the configuration changed while reservation-get-all ran; run it again"));
}

TEST_F(ReservationCommandsTest, GetAllByHostnameByAddress) {
  EXPECT_EQ(run("reservation-get-all", R"({"subnet-id":1})")["arguments"]["hosts"].size(), 1u);
  EXPECT_EQ(run("reservation-get-all", R"({"subnet-id":2})"),
            makeAnswer(3, "0 IPv4 host(s) found.", json{{"hosts", json::array()}}));
  EXPECT_EQ(run("reservation-get-all", "{}")["text"], "Mandatory 'subnet-id' parameter missing.");
  EXPECT_EQ(run("reservation-get-by-hostname", R"({"hostname":"RES1"})")["arguments"]["hosts"][0]["subnet-id"], 1);
  EXPECT_EQ(run("reservation-get-by-hostname", R"({"hostname":"res1","subnet-id":2})")["result"], 3);
  EXPECT_EQ(run("reservation-get-by-hostname", "{}")["text"], "'hostname' parameter not specified");
  EXPECT_EQ(run("reservation-get-by-hostname", R"({"hostname":""})")["text"], "'hostname' parameter is empty");
  EXPECT_EQ(run("reservation-get-by-address", R"({"ip-address":"198.18.16.5"})")["text"], "1 IPv4 host(s) found.");
  EXPECT_EQ(run("reservation-get-by-address", R"({"ip-address":"198.18.16.6"})")["result"], 3);
  EXPECT_EQ(run("reservation-get-by-address", "{}")["text"], "'ip-address' parameter not specified");
  EXPECT_EQ(run("reservation-get-by-address", R"({"ip-address":"bad"})")["result"], 1);
}

TEST_F(ReservationCommandsTest, GetPageWalksAllHosts) {
  ASSERT_EQ(run("reservation-add", R"({"reservation":{"subnet-id":1,"hw-address":"00:00:00:00:00:02"}})")["result"], 0);
  ASSERT_EQ(run("reservation-add", R"({"reservation":{"subnet-id":2,"hw-address":"00:00:00:00:00:03"}})")["result"], 0);
  auto p1 = run("reservation-get-page", R"({"limit":2})");
  EXPECT_EQ(p1["arguments"]["count"], 2);
  EXPECT_EQ(p1["arguments"]["next"], json::parse(R"({"from":2,"source-index":0})"));
  auto p2 = run("reservation-get-page", R"({"limit":2,"from":2,"source-index":0})");
  EXPECT_EQ(p2["arguments"]["count"], 1);
  EXPECT_EQ(p2["arguments"]["hosts"][0]["subnet-id"], 2);
  auto p3 = run("reservation-get-page", R"({"limit":2,"from":3})");
  EXPECT_EQ(p3["result"], 3);
  EXPECT_EQ(run("reservation-get-page", R"({"limit":5,"subnet-id":1})")["arguments"]["count"], 2);
  EXPECT_EQ(run("reservation-get-page", "{}")["text"], "'limit' parameter not specified");
  EXPECT_EQ(run("reservation-get-page", R"({"limit":0})")["result"], 1);
  EXPECT_EQ(run("reservation-get-page", R"({"limit":"x"})")["result"], 1);
}

TEST_F(ReservationCommandsTest, Delete) {
  EXPECT_EQ(run("reservation-del",
                R"({"subnet-id":1,"identifier-type":"hw-address","identifier":"aa:bb:cc:dd:ee:01"})"),
            makeAnswer(0, "Host deleted."));
  EXPECT_TRUE(subnetReservations(0).empty());
  EXPECT_EQ(run("reservation-del", R"({"subnet-id":1,"ip-address":"198.18.16.5"})"),
            makeAnswer(3, "Host not deleted (not found)."));
  EXPECT_EQ(run("reservation-del", R"({"subnet-id":9,"ip-address":"198.18.16.5"})")["result"], 3);
  EXPECT_EQ(run("reservation-del", R"({"ip-address":"198.18.16.5"})")["result"], 1);
}

// Subnets of shared networks hold reservations too; every identifier type is accepted.
TEST(ReservationCommandsSharedNetwork, AddGetDelInASharedNetworksSubnet) {
  testing::FakeServerControl control;
  auto parsed = config::parseDhcp4Config(std::string(R"({"Dhcp4": {"ip-reservations-unique": false,
      "shared-networks": [{"name": "n", "subnet4": [
        {"id": 5, "subnet": "198.18.20.0/24", "reservations": [{"circuit-id": "'port1'", "ip-address": "198.18.20.9"}]},
        {"id": 6, "subnet": "198.18.21.0/24"}]}],
      "subnet4": [{"id": 1, "subnet": "198.18.16.0/24"}]}})"),
                                         config::ParseContext{});
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  control.cfg = std::move(parsed).value();
  CommandRegistry registry;
  registerReservationCommands(registry, control);
  auto run = [&](const std::string& name, const char* args) {
    return registry.execute(name, json::parse(args), CommandContext{"test", "", "", {}});
  };
  EXPECT_EQ(run("reservation-get-all", R"({"subnet-id":5})")["text"], "1 IPv4 host(s) found.");
  EXPECT_EQ(run("reservation-get",
                R"({"subnet-id":5,"identifier-type":"circuit-id","identifier":"'port1'"})")["result"],
            0);
  auto add = run("reservation-add",
                 R"({"reservation":{"subnet-id":6,"duid":"00:03:00:01:aa:bb","ip-address":"198.18.21.7"}})");
  EXPECT_EQ(add, makeAnswer(0, "Host added."));
  ASSERT_EQ(control.applied.size(), 1u);
  const json& sn = control.cfg.source["Dhcp4"]["shared-networks"][0]["subnet4"][1];
  ASSERT_EQ(sn["reservations"].size(), 1u);
  EXPECT_EQ(sn["reservations"][0]["duid"], "00:03:00:01:aa:bb");
  EXPECT_FALSE(control.cfg.source["Dhcp4"]["subnet4"][0].contains("reservations"));
  // ip-reservations-unique false: a second host may reserve the same address.
  EXPECT_EQ(run("reservation-add",
                R"({"reservation":{"subnet-id":6,"flex-id":"'x'","ip-address":"198.18.21.7"}})")["result"],
            0);
  EXPECT_EQ(run("reservation-del", R"({"subnet-id":5,"identifier-type":"circuit-id","identifier":"'port1'"})"),
            makeAnswer(0, "Host deleted."));
  EXPECT_TRUE(control.cfg.source["Dhcp4"]["shared-networks"][0]["subnet4"][0]["reservations"].empty());
}

}  // namespace
}  // namespace tandem::api
