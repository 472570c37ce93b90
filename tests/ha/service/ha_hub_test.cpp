// HaHub: several HA relationships in one server (hub-and-spoke), driven with fake peers, fake
// timers and a fake clock: command routing by "server-name", relationship choice by subnet,
// lease updates only to the subnet's relationship, status per relationship.
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dhcpd/daemon/metrics_page.h"
#include "ha/service/ha_hub.h"
#include "heartbeat/http_date.h"
#include "sync/ha_json.h"
#include "tests/api/fake_server_control.h"
#include "tests/ha/ha_test_util.h"
#include "tests/ha/service/ha_service_fakes.h"

namespace tandem::daemon {
namespace {

using ha::testing::peer;
using ha::testing::relationship;
using nlohmann::json;
using testing::FakePeer;
using testing::FakeTimers;
using testing::okAnswer;

// A spoke: a FakePeer answering at once as a healthy partner in `state` would.
struct SimPeer {
  FakePeer* peer = nullptr;
  std::string state = "waiting";

  void drain() { peer->drain(); }
  std::size_t count(const std::string& command) const { return peer->count(command); }
  Result<json> answer(const json& cmd, const FakeClock& clock) const {
    const std::string name = cmd.at("command");
    if (name == "ha-heartbeat") {
      return okAnswer("HA peer status returned.", {{"state", state},
                                                   {"date-time", heartbeat::formatRfc1123(clock.now())},
                                                   {"scopes", json::array()},
                                                   {"unsent-update-count", 0}});
    }
    if (name == "lease4-get-page") return sync::pageAnswer({}).at(0);
    return okAnswer();
  }
};

proto::Packet4 discoverFrom(std::uint8_t last) {
  proto::Packet4 p;
  p.hlen = 6;
  const std::uint8_t mac[6] = {0x52, 0x54, 0, 0, 0, last};
  std::copy(std::begin(mac), std::end(mac), p.chaddr.begin());
  p.set(proto::opt::kMessageType, {1});
  return p;
}

Lease leaseIn(std::uint32_t subnet, Ipv4 a) {
  Lease l = testing::testLease(a, 9);
  l.subnetId = subnet;
  return l;
}

// Relationship 0: hot-standby, hub-a (primary) with spoke-a, subnet 1 (198.18.16.0/24).
// Relationship 1: load-balancing, hub-b (primary) with spoke-b, subnet 2 (198.18.17.0/24).
class HaHubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log.setSeverity(Severity::Error);
    api::testing::setUpTwoSubnets(control);
    control.cfg.subnets[0].sourcePointer = "/Dhcp4/subnet4/0";
    control.cfg.subnets[1].sourcePointer = "/Dhcp4/subnet4/1";
    control.cfg.source["Dhcp4"]["subnet4"][0]["user-context"] = {{"ha-server-name", "spoke-a"}};
    control.cfg.source["Dhcp4"]["subnet4"][1]["user-context"] = {{"ha-server-name", "hub-b"}};
    const json timers = ha::testing::fastTimers();
    json params = {{"high-availability",
                    json::array({relationship("hub-a", "hot-standby",
                                              json::array({peer("hub-a", "http://198.18.0.1:8001/", "primary"),
                                                           peer("spoke-a", "http://198.18.0.2:8001/", "standby")}),
                                              timers),
                                 relationship("hub-b", "load-balancing",
                                              json::array({peer("hub-b", "http://198.18.0.1:8002/", "primary"),
                                                           peer("spoke-b", "http://198.18.0.3:8001/", "secondary")}),
                                              timers)})}};
    auto set = ha::parseHaConfig(params);
    ASSERT_TRUE(set.ok()) << set.error().message;
    auto rels = ha::tieSubnets(set->relationships, control.cfg);
    ASSERT_TRUE(rels.ok()) << rels.error().message;
    std::vector<HaService::Peers> peers(2);
    const std::pair<std::size_t, const char*> spokeOf[] = {{0, "spoke-a"}, {1, "spoke-b"}};
    for (const auto& [i, name] : spokeOf) {
      auto p = std::make_unique<FakePeer>();
      SimPeer& sim = spokes[name];
      sim.peer = p.get();
      p->responder = [this, &sim](const json& cmd) { return sim.answer(cmd, control.clock); };
      peers[i][name] = std::move(p);
    }
    hub = std::make_unique<HaHub>(
        *rels, control.cfg, control, std::move(peers),
        [this] {
          auto t = std::make_unique<FakeTimers>();
          timers_.push_back(t.get());
          return t;
        },
        log);
    hub->registerCommands(registry);
  }
  json run(const std::string& name, json args) {
    std::optional<json> answer;
    registry.executeAsync(name, args, api::CommandContext{"test", "", "", {}}, [&](json a) { answer = std::move(a); });
    return answer.value_or(json{{"result", -1}});
  }
  // Drives relationship 1 (hub-b primary) to load-balancing with spoke-b.
  void relationshipBToLoadBalancing() {
    SimPeer& b = spokes.at("spoke-b");
    auto beat = [&] {
      timers_.at(1)->fire(ha::TimerId::Heartbeat, control.clock);
      b.drain();
    };
    b.state = "waiting";
    beat();
    b.state = "ready";
    beat();
    b.state = "load-balancing";
    beat();
    ASSERT_EQ(hub->relationship(1).state(), ha::HaState::LoadBalancing);
  }

  api::testing::FakeServerControl control;
  Logger log;
  api::CommandRegistry registry;
  std::map<std::string, SimPeer> spokes;
  std::vector<FakeTimers*> timers_;
  std::unique_ptr<HaHub> hub;
};

TEST_F(HaHubTest, OneServicePerRelationshipWithItsOwnTimers) {
  ASSERT_TRUE(hub->hub());
  ASSERT_EQ(hub->size(), 2u);
  ASSERT_EQ(timers_.size(), 2u);
  hub->start();
  EXPECT_EQ(hub->relationship(0).state(), ha::HaState::Waiting);
  EXPECT_EQ(hub->relationship(1).state(), ha::HaState::Waiting);
  const json status = hub->statusSection();
  ASSERT_EQ(status.size(), 2u);
  EXPECT_EQ(status[0]["ha-mode"], "hot-standby");
  EXPECT_EQ(status[0]["ha-servers"]["local"]["server-name"], "hub-a");
  EXPECT_EQ(status[1]["ha-mode"], "load-balancing");
  EXPECT_EQ(status[1]["ha-servers"]["local"]["server-name"], "hub-b");
  EXPECT_EQ(status[1]["ha-servers"]["remote"]["server-name"], "spoke-b");
}

TEST_F(HaHubTest, CommandsRoutedByServerName) {
  hub->start();
  // ha-scopes names the relationship by any of its peers; the other one is untouched.
  json a = run("ha-scopes", {{"server-name", "spoke-b"}, {"scopes", json::array({"hub-b", "spoke-b"})}});
  EXPECT_EQ(a["result"], 0) << a.dump();
  json status = hub->statusSection();
  EXPECT_EQ(status[1]["ha-servers"]["local"]["scopes"], json::array({"hub-b", "spoke-b"}));
  EXPECT_EQ(status[0]["ha-servers"]["local"]["scopes"], json::array());
  // Without server-name: the first relationship (Kea).
  a = run("ha-scopes", {{"scopes", json::array({"hub-a"})}});
  EXPECT_EQ(a["result"], 0) << a.dump();
  EXPECT_EQ(hub->statusSection()[0]["ha-servers"]["local"]["scopes"], json::array({"hub-a"}));
  // Bad names: result 1 with Kea 2.6's texts.
  a = run("ha-heartbeat", {{"server-name", "nobody"}});
  EXPECT_EQ(a["result"], 1);
  EXPECT_EQ(a["text"], "nobody matches no configured 'server-name'");
  a = run("ha-heartbeat", {{"server-name", 7}});
  EXPECT_EQ(a["text"], "'server-name' must be a string in the 'ha-heartbeat' command");
  // A heartbeat answers with its own relationship's state.
  a = run("ha-heartbeat", {{"server-name", "spoke-a"}});
  EXPECT_EQ(a["result"], 0) << a.dump();
  EXPECT_EQ(a["arguments"]["state"], "waiting");
  EXPECT_EQ(*hub->route("ha-sync", {{"server-name", "spoke-b"}}), 1u);
}

TEST_F(HaHubTest, SubnetSelectsTheRelationshipWhoseScopeDecides) {
  hub->start();
  std::vector<std::string> join;
  // Both relationships wait: nobody's scope is served.
  EXPECT_FALSE(hub->subnetGate(discoverFrom(1), 1, join));
  EXPECT_FALSE(hub->subnetGate(discoverFrom(1), 2, join));
  relationshipBToLoadBalancing();
  // Relationship B serves its own scope of subnet 2; A (subnet 1) still waits.
  int servedB = 0;
  for (std::uint8_t m = 1; m <= 40; ++m) {
    join.clear();
    if (hub->subnetGate(discoverFrom(m), 2, join)) {
      ++servedB;
      ASSERT_EQ(join.size(), 1u);
      EXPECT_EQ(join[0], "HA_hub-b");
    }
    join.clear();
    EXPECT_FALSE(hub->subnetGate(discoverFrom(m), 1, join));
  }
  EXPECT_GT(servedB, 5) << "load-balancing: about half of the clients are hub-b's";
  EXPECT_LT(servedB, 35);
  // No subnet, or a subnet tied to no relationship: not for us.
  EXPECT_FALSE(hub->subnetGate(discoverFrom(1), 0, join));
  EXPECT_FALSE(hub->subnetGate(discoverFrom(1), 99, join));
  // The pre-engine test lets everything through on a hub.
  engine::RecvMeta meta;
  EXPECT_TRUE(hub->shouldServe(discoverFrom(1), meta));
  EXPECT_TRUE(meta.classes.empty());
}

TEST_F(HaHubTest, LeaseUpdatesGoOnlyToTheSubnetsRelationship) {
  hub->start();
  relationshipBToLoadBalancing();
  SimPeer& a = spokes.at("spoke-a");
  SimPeer& b = spokes.at("spoke-b");
  const std::size_t aBefore = a.peer->sent.size();
  std::optional<bool> done;
  engine::LeaseChange c;
  c.lease = leaseIn(2, Ipv4(198, 18, 17, 20));
  hub->onLeasesCommitted({c}, [&](bool okay) { done = okay; });
  b.drain();
  EXPECT_EQ(done, true);
  EXPECT_EQ(b.count("lease4-update"), 1u);
  EXPECT_EQ(a.peer->sent.size(), aBefore) << "spoke-a gets nothing of subnet 2";
  // A lease of subnet 1 (relationship A, still waiting: no update sent, none awaited).
  done.reset();
  c.lease = leaseIn(1, Ipv4(198, 18, 16, 20));
  hub->onLeasesCommitted({c}, [&](bool okay) { done = okay; });
  EXPECT_EQ(done, true);
  EXPECT_EQ(b.count("lease4-update"), 1u);
  EXPECT_EQ(a.count("lease4-update"), 0u);
  // Both in one decision: each part to its own relationship, one answer.
  done.reset();
  engine::LeaseChange c2;
  c2.lease = leaseIn(2, Ipv4(198, 18, 17, 21));
  hub->onLeasesCommitted({c, c2}, [&](bool okay) { done = okay; });
  b.drain();
  EXPECT_EQ(done, true);
  EXPECT_EQ(b.count("lease4-update"), 2u);
  EXPECT_EQ(a.count("lease4-update"), 0u);
}

TEST_F(HaHubTest, PoolSplitPerRelationship) {
  // Relationship B (load-balancing primary) splits subnet 2's pool; subnet 1 is A's (hot-standby,
  // nothing to split): an odd address of subnet 1 stays allocatable, one of subnet 2 does not.
  auto filter = hub->allocFilter(control.cfg, [this] { return control.steadyNow(); });
  EXPECT_TRUE(filter(Ipv4(198, 18, 16, 11)));
  EXPECT_TRUE(filter(Ipv4(198, 18, 17, 10)));
  EXPECT_FALSE(filter(Ipv4(198, 18, 17, 11)));
}

// /metrics on a hub: every relationship's series, each labelled with its relationship (the
// name this server has in it); the families' HELP and TYPE once.
TEST_F(HaHubTest, MetricsShowEveryRelationship) {
  hub->start();
  relationshipBToLoadBalancing();
  MetricsInputs in{control.statsRegistry, control.cfg};
  in.now = control.now();
  in.steadyNow = control.steadyNow();
  in.ha = {&hub->relationship(0), &hub->relationship(1)};
  const std::string m = renderMetrics(in);
  auto has = [&](const std::string& line) { return m.find(line + "\n") != std::string::npos; };
  EXPECT_TRUE(
      has(R"(tandem_ha_state{relationship="hub-a",peer="local",server="hub-a",role="primary",state="waiting"} 1)"))
      << m;
  EXPECT_TRUE(has(
      R"(tandem_ha_state{relationship="hub-b",peer="local",server="hub-b",role="primary",state="load-balancing"} 1)"));
  EXPECT_TRUE(has(R"(tandem_ha_partner_in_touch{relationship="hub-b"} 1)"));
  EXPECT_EQ(m.find("# TYPE tandem_ha_state gauge"), m.rfind("# TYPE tandem_ha_state gauge"));
  // One relationship (every Kea 2.2 pair): the labels stay as they were.
  in.ha = {&hub->relationship(1)};
  const std::string one = renderMetrics(in);
  EXPECT_NE(one.find(R"(tandem_ha_state{peer="local",server="hub-b",role="primary",state="load-balancing"} 1)"),
            std::string::npos);
  EXPECT_EQ(one.find("relationship="), std::string::npos);
}

}  // namespace
}  // namespace tandem::daemon
