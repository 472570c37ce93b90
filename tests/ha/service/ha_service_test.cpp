// HaService, the Asio shell around the HA core, driven with a fake clock, fake timers and
// fake peers: every exchange is visible as JSON and nothing sleeps.
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ha/service/ha_service.h"
#include "dhcpd/daemon/metrics_page.h"
#include "heartbeat/http_date.h"
#include "sync/bulk_apply_json.h"
#include "sync/bulk_apply_reader.h"
#include "tests/api/fake_server_control.h"
#include "tests/ha/ha_test_util.h"
#include "tests/ha/service/ha_service_fakes.h"

namespace tandem::daemon {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

json ok(std::string text = "ok", json args = nullptr) {
  json a = {{"result", 0}, {"text", std::move(text)}};
  if (!args.is_null()) a["arguments"] = std::move(args);
  return a;
}

using testing::FakePeer;
using testing::FakeTimers;

// What a healthy partner answers, in the given state.
struct PartnerSim {
  std::string state = "waiting";
  std::vector<Lease> leases;
  bool bulkApply = false;  // a tandemd partner announcing tandem-lease4-bulk-apply
  Result<json> operator()(const json& cmd) const {
    const std::string name = cmd.at("command");
    if (name == "ha-heartbeat") {
      json args = {{"state", state},
                   {"date-time", heartbeat::formatRfc1123(now)},
                   {"scopes", json::array()},
                   {"unsent-update-count", 0}};
      if (bulkApply) args[std::string(sync::kBulkApplyKey)] = sync::kBulkApplyVersion;
      return ok("HA peer status returned.", std::move(args));
    }
    if (name == "lease4-get-page") {
      std::vector<Lease> page = leases;
      return sync::pageAnswer(page).at(0);
    }
    return ok();
  }
  TimePoint now;
};

// The fakes' lease (one definition for every part's tests).
Lease makeLease(Ipv4 a, std::uint8_t mac) { return testing::testLease(a, mac); }

proto::Packet4 discoverFrom(std::vector<std::uint8_t> mac, std::uint16_t secs = 0) {
  proto::Packet4 p;
  p.hlen = static_cast<std::uint8_t>(mac.size());
  std::copy(mac.begin(), mac.end(), p.chaddr.begin());
  p.secs = secs;
  p.set(proto::opt::kMessageType, {1});
  return p;
}

class HaServiceTest : public ::testing::Test {
 protected:
  void build(ha::HaConfig cfg) {
    log.setSeverity(Severity::Error);
    api::testing::setUpTwoSubnets(control);
    HaService::Peers peers;
    for (const ha::PeerConfig* p : cfg.otherPeers()) {
      auto fake = std::make_unique<FakePeer>();
      fakes[p->name] = fake.get();
      peers[p->name] = std::move(fake);
    }
    partner().responder = [this](const json& c) {
      sim.now = control.clock.now();
      return sim(c);
    };
    if (fakes.count("server3")) fakes["server3"]->responder = [](const json&) -> Result<json> { return ok(); };
    service = std::make_unique<HaService>(cfg, control.cfg, control, std::move(peers), timers, log);
    service->onStateChange([this](const ha::StateChanged& s) { changes.push_back(s.to); });
    service->registerCommands(registry);
  }
  FakePeer& partner() { return *fakes.at(self == "server1" ? "server2" : "server1"); }
  void heartbeat() {
    timers.fire(ha::TimerId::Heartbeat, control.clock);
    partner().drain();
  }
  // Startup sequence of the primary against a partner that follows it (reference 2.5).
  void reachLoadBalancing() {
    service->start();
    sim.state = "waiting";
    heartbeat();  // waiting + partner waiting -> primary syncs -> ready
    ASSERT_EQ(service->state(), ha::HaState::Ready);
    sim.state = "ready";
    heartbeat();  // both ready: the primary goes first
    ASSERT_EQ(service->state(), ha::HaState::LoadBalancing);
    sim.state = "load-balancing";
    heartbeat();
  }
  // A pair of tandemd peers: the partner announces batched updates; one request on the wire.
  void reachLoadBalancingBatched() {
    build(ha::testing::lbConfig());
    service->setBatchOptions({.maxInFlight = 1, .maxBatch = 100});
    sim.bulkApply = true;
    reachLoadBalancing();
  }
  // Commits one allocation per host (198.18.16.<host>), each with its own reply to release.
  void commitEach(std::initializer_list<std::uint8_t> hosts) {
    auto results = std::make_shared<std::vector<std::optional<bool>>>(hosts.size());
    std::size_t i = 0;
    for (std::uint8_t h : hosts) {
      engine::LeaseChange c;
      c.lease = makeLease(Ipv4(198, 18, 16, h), h);
      service->onLeasesCommitted({c}, [results, i](bool okay) { (*results)[i] = okay; });
      ++i;
    }
    pendingResults = results;
  }
  std::vector<std::optional<bool>> results() const { return *pendingResults; }
  std::shared_ptr<std::vector<std::optional<bool>>> pendingResults;

  // Runs a command; an asynchronous one (ha-sync, ha-maintenance-*) gets the requests it
  // sends answered by the peers' responders, oldest first, until it answers. Requests that
  // were already queued before the command stay queued.
  json run(const std::string& name, json args = nullptr) {
    std::map<FakePeer*, std::size_t> before;
    for (auto& [peer, f] : fakes) before[f] = f->queue.size();
    std::optional<json> answer;
    registry.executeAsync(name, args, api::CommandContext{"test", "", "", {}},
                          [&answer](json a) { answer = std::move(a); });
    for (int guard = 0; !answer && guard < 10'000; ++guard) {
      bool progressed = false;
      for (auto& [peer, f] : fakes) {
        if (f->queue.size() <= before[f]) continue;
        auto it = f->queue.begin() + static_cast<std::ptrdiff_t>(before[f]);
        auto r = std::move(*it);
        f->queue.erase(it);
        r.cb(f->responder ? f->responder(r.command) : Result<json>(makeError("no responder")));
        progressed = true;
        break;
      }
      if (!progressed) break;
    }
    return answer ? *answer : json{{"result", -1}, {"text", "no answer (still waiting for a peer)"}};
  }

  std::string self = "server1";
  api::testing::FakeServerControl control;
  FakeTimers timers;
  Logger log;
  api::CommandRegistry registry;
  std::map<std::string, FakePeer*> fakes;
  PartnerSim sim;
  std::unique_ptr<HaService> service;
  std::vector<ha::HaState> changes;
};

TEST_F(HaServiceTest, StartsWaitingWithDhcpDisabledAndAHeartbeatArmed) {
  build(ha::testing::lbConfig());
  service->start();
  EXPECT_EQ(service->state(), ha::HaState::Waiting);
  ASSERT_TRUE(control.lastDisable);
  EXPECT_EQ(control.lastDisable->first, "ha-local");
  ASSERT_TRUE(timers.has(ha::TimerId::Heartbeat));
  EXPECT_EQ(timers.armed[ha::TimerId::Heartbeat].at, control.steadyNow() + 1s);
  timers.fire(ha::TimerId::Heartbeat, control.clock);
  ASSERT_EQ(partner().queue.size(), 1u);
  const json& hb = partner().queue.front().command;
  EXPECT_EQ(hb["command"], "ha-heartbeat");
  EXPECT_EQ(hb["arguments"]["server-name"], "server1");
  EXPECT_EQ(hb["service"], json::array({"dhcp4"}));
}

TEST_F(HaServiceTest, PrimarySyncsFromWaitingPartnerThenReachesLoadBalancing) {
  build(ha::testing::lbConfig());
  sim.leases = {makeLease(Ipv4(198, 18, 16, 20), 1), makeLease(Ipv4(198, 18, 16, 21), 2)};
  reachLoadBalancing();
  // The sync used Kea's protocol: dhcp-disable (origin ha-partner, max-period), a page,
  // then ha-sync-complete-notify.
  const auto& sent = partner().sent;
  auto find = [&](const std::string& n) {
    return std::find_if(sent.begin(), sent.end(), [&](const json& c) { return c["command"] == n; });
  };
  auto dis = find("dhcp-disable");
  ASSERT_NE(dis, sent.end());
  EXPECT_EQ((*dis)["arguments"]["origin"], "ha-partner");
  EXPECT_EQ((*dis)["arguments"]["origin-id"], 2000);
  EXPECT_EQ((*dis)["arguments"]["max-period"], 60);
  auto page = find("lease4-get-page");
  ASSERT_NE(page, sent.end());
  EXPECT_EQ((*page)["arguments"]["from"], "start");
  ASSERT_NE(find("ha-sync-complete-notify"), sent.end());
  EXPECT_LT(dis - sent.begin(), page - sent.begin());
  // Both leases merged into the store as partner changes (never echoed back).
  ASSERT_EQ(control.puts.size(), 2u);
  EXPECT_EQ(control.puts[0].second, Origin::Partner);
  EXPECT_TRUE(control.store.byAddress(Ipv4(198, 18, 16, 21)));
  EXPECT_EQ(changes, (std::vector<ha::HaState>{ha::HaState::Syncing, ha::HaState::Ready, ha::HaState::LoadBalancing}));
  EXPECT_TRUE(control.enabled);
  EXPECT_EQ(control.lastEnable, "ha-local");
}

TEST_F(HaServiceTest, SyncFailureReenablesThePartnerAndStaysSyncing) {
  build(ha::testing::lbConfig());
  service->start();
  sim.state = "waiting";
  timers.fire(ha::TimerId::Heartbeat, control.clock);
  partner().answerNext(partner().responder(partner().queue.front().command));  // heartbeat
  ASSERT_EQ(service->state(), ha::HaState::Syncing);
  partner().answerNext(ok());                           // dhcp-disable
  partner().answerNext(makeError("connection reset"));  // lease4-get-page
  ASSERT_EQ(partner().queue.size(), 1u);
  EXPECT_EQ(partner().queue.front().command["command"], "dhcp-enable");
  partner().answerNext(ok());
  EXPECT_EQ(service->state(), ha::HaState::Syncing);
}

TEST_F(HaServiceTest, LeaseUpdateWaitsForThePartnerButNotForTheBackup) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();
  partner().sent.clear();
  engine::LeaseChange c;
  c.lease = makeLease(Ipv4(198, 18, 16, 30), 7);
  std::optional<bool> result;
  service->onLeasesCommitted({c}, [&](bool okay) { result = okay; });
  EXPECT_FALSE(result);
  ASSERT_EQ(partner().queue.size(), 1u);
  const json& upd = partner().queue.front().command;
  EXPECT_EQ(upd["command"], "lease4-update");
  EXPECT_EQ(upd["arguments"]["ip-address"], "198.18.16.30");
  EXPECT_EQ(upd["arguments"]["origin"], "ha-partner");
  EXPECT_EQ(upd["arguments"]["force-create"], true);
  // Backup fed, not waited for (plus one ha-heartbeat asking what it takes).
  EXPECT_EQ(fakes["server3"]->names(), (std::vector<std::string>{"ha-heartbeat", "lease4-update"}));
  partner().answerNext(ok("IPv4 lease added."));
  EXPECT_EQ(result, true);
}

TEST_F(HaServiceTest, DeleteGoesAsLease4Del) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();
  engine::LeaseChange c;
  c.kind = engine::LeaseChange::Kind::Delete;
  c.lease = makeLease(Ipv4(198, 18, 16, 31), 8);
  std::optional<bool> result;
  service->onLeasesCommitted({c}, [&](bool okay) { result = okay; });
  ASSERT_EQ(partner().queue.size(), 1u);
  EXPECT_EQ(partner().queue.front().command["command"], "lease4-del");
  partner().answerNext(json{{"result", 3}, {"text", "IPv4 lease not found."}});
  EXPECT_EQ(result, true);  // not found counts as success (reference 4.3)
}

TEST_F(HaServiceTest, FailedUpdateDropsTheReplyAndEntersCommunicationRecovery) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();
  engine::LeaseChange c;
  c.lease = makeLease(Ipv4(198, 18, 16, 32), 9);
  std::optional<bool> result;
  service->onLeasesCommitted({c}, [&](bool okay) { result = okay; });
  partner().answerNext(makeError("connect: connection refused"));
  EXPECT_EQ(result, false);
  EXPECT_EQ(service->state(), ha::HaState::CommunicationRecovery);
  // The failed update itself waits in the backlog (the lease is committed here).
  EXPECT_EQ(service->backlogSize(), 1u);
  // Now updates are queued for the partner and the reply goes out at once.
  std::optional<bool> second;
  partner().sent.clear();
  engine::LeaseChange c2;
  c2.lease = makeLease(Ipv4(198, 18, 16, 34), 11);
  service->onLeasesCommitted({c2}, [&](bool okay) { second = okay; });
  EXPECT_EQ(second, true);
  EXPECT_EQ(service->backlogSize(), 2u);
  EXPECT_TRUE(partner().sent.empty());
  // The partner answers heartbeats again: the backlog is replayed, back to load-balancing.
  heartbeat();
  EXPECT_EQ(service->state(), ha::HaState::LoadBalancing);
  EXPECT_EQ(service->backlogSize(), 0u);
  const auto n = partner().names();
  EXPECT_NE(std::find(n.begin(), n.end(), "lease4-update"), n.end());
}

// Found with a Kea 2.2 partner (ha_kea_mixed_test, partition of the HA link): the lease whose
// update failed was committed locally but, like in Kea, never queued, so after the backlog
// replay the pair was back in load-balancing with that lease missing on the partner.
TEST_F(HaServiceTest, FailedUpdateIsReplayedInOrderAfterCommunicationRecovery) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();
  engine::LeaseChange first, gone;
  first.lease = makeLease(Ipv4(198, 18, 16, 40), 20);
  gone.kind = engine::LeaseChange::Kind::Delete;
  gone.lease = makeLease(Ipv4(198, 18, 16, 41), 21);
  std::optional<bool> r1;
  service->onLeasesCommitted({first, gone}, [&](bool okay) { r1 = okay; });
  ASSERT_EQ(partner().queue.size(), 2u);
  partner().answerNext(makeError("connect: Network is unreachable"));
  partner().answerNext(makeError("connect: Network is unreachable"));
  EXPECT_EQ(r1, false);  // Kea's rule stands: the reply is dropped
  ASSERT_EQ(service->state(), ha::HaState::CommunicationRecovery);
  EXPECT_EQ(service->backlogSize(), 2u);
  engine::LeaseChange later;
  later.lease = makeLease(Ipv4(198, 18, 16, 42), 22);
  service->onLeasesCommitted({later}, [](bool) {});
  partner().sent.clear();
  heartbeat();
  EXPECT_EQ(service->state(), ha::HaState::LoadBalancing);
  EXPECT_EQ(service->backlogSize(), 0u);
  std::vector<std::pair<std::string, std::string>> replayed;
  for (const json& c : partner().sent) {
    const std::string n = c["command"];
    if (n == "lease4-update" || n == "lease4-del") replayed.emplace_back(n, c["arguments"]["ip-address"]);
  }
  EXPECT_EQ(replayed, (std::vector<std::pair<std::string, std::string>>{{"lease4-update", "198.18.16.40"},
                                                                        {"lease4-del", "198.18.16.41"},
                                                                        {"lease4-update", "198.18.16.42"}}));
}

TEST_F(HaServiceTest, LateFailureNeverQueuesOverANewerChange) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();
  engine::LeaseChange a, b, newer;
  a.lease = makeLease(Ipv4(198, 18, 16, 50), 30);
  b.lease = makeLease(Ipv4(198, 18, 16, 51), 31);
  service->onLeasesCommitted({a}, [](bool) {});
  service->onLeasesCommitted({b}, [](bool) {});
  ASSERT_EQ(partner().queue.size(), 2u);
  partner().answerNext(makeError("timeout"));  // a fails: communication-recovery, a queued
  ASSERT_EQ(service->state(), ha::HaState::CommunicationRecovery);
  newer.lease = makeLease(Ipv4(198, 18, 16, 51), 32);  // b's address changes meanwhile
  service->onLeasesCommitted({newer}, [](bool) {});
  EXPECT_EQ(service->backlogSize(), 2u);
  partner().answerNext(makeError("timeout"));  // b's late failure: the newer entry wins
  EXPECT_EQ(service->backlogSize(), 2u);
}

TEST_F(HaServiceTest, FailedUpdateNotQueuedWithoutABacklog) {
  // Hot-standby has no communication-recovery: a failure is not queued; the partner resyncs
  // from us when it comes back.
  build(ha::testing::hsConfig());
  service->start();
  sim.state = "waiting";
  heartbeat();
  sim.state = "ready";
  heartbeat();
  ASSERT_EQ(service->state(), ha::HaState::HotStandby);
  engine::LeaseChange c;
  c.lease = makeLease(Ipv4(198, 18, 16, 60), 40);
  std::optional<bool> r;
  service->onLeasesCommitted({c}, [&](bool okay) { r = okay; });
  partner().answerNext(makeError("connect: connection refused"));
  EXPECT_EQ(r, false);
  EXPECT_EQ(service->backlogSize(), 0u);
}

TEST_F(HaServiceTest, ConflictIsNotQueued) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();
  engine::LeaseChange c;
  c.lease = makeLease(Ipv4(198, 18, 16, 61), 41);
  service->onLeasesCommitted({c}, [](bool) {});
  partner().answerNext(json{{"result", 4}, {"text", "conflict"}});
  EXPECT_EQ(service->backlogSize(), 0u);
}

TEST_F(HaServiceTest, ConflictAlsoDropsTheReply) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();
  engine::LeaseChange c;
  c.lease = makeLease(Ipv4(198, 18, 16, 33), 10);
  std::optional<bool> result;
  service->onLeasesCommitted({c}, [&](bool okay) { result = okay; });
  partner().answerNext(json{{"result", 4}, {"text", "conflict"}});
  EXPECT_EQ(result, false);
  EXPECT_EQ(service->state(), ha::HaState::LoadBalancing);
}

// An acknowledged update clears its client's rejected-update record (reference 3.5), also now
// that acknowledgements skip the state machine while no client has one. Two distinct clients
// rejected terminate HA here; one whose later update succeeded does not count.
class HaServiceRejectionTest : public HaServiceTest {
 protected:
  ha::HaState twoConflicts(bool acknowledgeBetween) {
    auto cfg = ha::testing::lbConfig();
    cfg.maxRejectedLeaseUpdates = 2;
    build(cfg);
    reachLoadBalancing();
    engine::LeaseChange a, b;
    a.lease = makeLease(Ipv4(198, 18, 16, 70), 70);
    b.lease = makeLease(Ipv4(198, 18, 16, 71), 71);
    service->onLeasesCommitted({a}, [](bool) {});
    partner().answerNext(json{{"result", 4}, {"text", "conflict"}});
    if (acknowledgeBetween) {
      service->onLeasesCommitted({a}, [](bool) {});
      partner().answerNext(ok());
    }
    service->onLeasesCommitted({b}, [](bool) {});
    partner().answerNext(json{{"result", 4}, {"text", "conflict"}});
    return service->state();
  }
};

TEST_F(HaServiceRejectionTest, AcknowledgedUpdateClearsTheClientsRejection) {
  EXPECT_EQ(twoConflicts(true), ha::HaState::LoadBalancing);
}

TEST_F(HaServiceRejectionTest, TwoRejectedClientsTerminate) { EXPECT_EQ(twoConflicts(false), ha::HaState::Terminated); }

TEST_F(HaServiceTest, UpdatesNotSentInWaitingAreCountedAndDoneAtOnce) {
  build(ha::testing::lbConfig());
  service->start();
  engine::LeaseChange c;
  c.lease = makeLease(Ipv4(198, 18, 16, 34), 11);
  std::optional<bool> result;
  service->onLeasesCommitted({c}, [&](bool okay) { result = okay; });
  EXPECT_EQ(result, true);
  EXPECT_TRUE(partner().queue.empty());
  auto hb = run("ha-heartbeat");
  EXPECT_EQ(hb["arguments"]["unsent-update-count"], 1);
  EXPECT_EQ(hb["arguments"]["state"], "waiting");
}

TEST_F(HaServiceTest, ShouldServeTagsClassesAndServesOwnScopeOnly) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();
  engine::RecvMeta own, other;
  // RFC 3074 vectors (reference 5.3): hash 254 -> primary, 161 -> secondary.
  EXPECT_TRUE(service->shouldServe(discoverFrom({0, 0, 0, 0, 0, 0}), own));
  EXPECT_EQ(own.classes, std::vector<std::string>{"HA_server1"});
  EXPECT_FALSE(service->shouldServe(discoverFrom({0, 1, 2, 3, 4, 5}), other));
  EXPECT_EQ(other.classes, std::vector<std::string>{"HA_server2"});
}

// Both peers reclaim an expired lease; only the one serving its client's scope sends the DNS
// removal: none while waiting, its own clients in load-balancing, everyone's in partner-down.
TEST_F(HaServiceTest, ServesScopeOfDecidesWhoRemovesTheNameOfAReclaimedLease) {
  build(ha::testing::lbConfig());
  Lease own = makeLease(Ipv4(198, 18, 16, 40), 0), other = makeLease(Ipv4(198, 18, 16, 41), 0);
  // RFC 3074 vectors (reference 5.3): 00:00:00:00:00:00 -> primary, 00:01:02:03:04:05 -> secondary.
  own.hwAddr = HwAddr::fromBytes(std::vector<std::uint8_t>{0, 0, 0, 0, 0, 0});
  other.hwAddr = HwAddr::fromBytes(std::vector<std::uint8_t>{0, 1, 2, 3, 4, 5});
  EXPECT_FALSE(service->servesScopeOf(own));  // not started: waiting, no scope served
  EXPECT_FALSE(service->servesScopeOf(other));
  reachLoadBalancing();
  EXPECT_TRUE(service->servesScopeOf(own));
  EXPECT_FALSE(service->servesScopeOf(other));
  // The client-id decides when there is one (option 61 "client1" hashes to the secondary).
  Lease withId = own;
  withId.clientId = {'c', 'l', 'i', 'e', 'n', 't', '1'};
  EXPECT_FALSE(service->servesScopeOf(withId));
  ASSERT_EQ(run("ha-scopes", json{{"scopes", {"server1", "server2"}}})["result"], 0);
  EXPECT_TRUE(service->servesScopeOf(other));
}

TEST_F(HaServiceTest, GoesPartnerDownAfterUnackedClientsAndServesEveryone) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();
  // The partner dies: heartbeats fail at once (connection refused).
  partner().responder = [](const json&) -> Result<json> { return makeError("connect: connection refused"); };
  heartbeat();
  EXPECT_NE(service->state(), ha::HaState::PartnerDown);
  // max-response-delay (3 s) runs out: communication interrupted.
  ASSERT_TRUE(timers.has(ha::TimerId::CommunicationCheck));
  timers.fire(ha::TimerId::CommunicationCheck, control.clock);
  EXPECT_TRUE(service->machine().communicationInterrupted(control.steadyNow()));
  // More than max-unacked-clients (2) of the partner's clients retrying for > 1 s.
  const std::vector<std::vector<std::uint8_t>> partnerClients = {{0, 1, 2, 3, 4, 5},
                                                                 {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
  engine::RecvMeta m;
  for (const auto& mac : partnerClients) EXPECT_FALSE(service->shouldServe(discoverFrom(mac, 5), m));
  EXPECT_NE(service->state(), ha::HaState::PartnerDown);
  // A third distinct partner client (option 61 "client1" hashes to the secondary's scope).
  auto third = discoverFrom({1, 2, 3, 4, 5, 6}, 5);
  third.set(proto::opt::kClientId, {'c', 'l', 'i', 'e', 'n', 't', '1'});
  (void)service->shouldServe(third, m);
  EXPECT_EQ(service->state(), ha::HaState::PartnerDown);
  engine::RecvMeta later;
  EXPECT_TRUE(service->shouldServe(discoverFrom({0, 1, 2, 3, 4, 5}), later));
  // The partner's free share stays off limits until takeover-delay (default 1 h).
  ASSERT_TRUE(service->poolSplit().partnerShareUsableFrom());
  EXPECT_EQ(*service->poolSplit().partnerShareUsableFrom(), control.steadyNow() + 3600s);
}

// Back from partner-down with a lease update to the partner still unanswered (the partner
// synchronised from us, then we gave one of its clients an address): the hand-over must not end
// before the partner holds that lease, or it may give the address to another client
// (ha_chaos_partition_test, ha_handover_drain.h).
class HandoverDrainTest : public HaServiceTest {
 protected:
  void reachHandoverWithAnUpdateInFlight() {
    build(ha::testing::lbConfig());
    reachLoadBalancing();
    partner().responder = [](const json&) -> Result<json> { return makeError("connect: connection refused"); };
    heartbeat();
    ASSERT_TRUE(timers.fire(ha::TimerId::CommunicationCheck, control.clock));
    engine::RecvMeta m;
    auto third = discoverFrom({1, 2, 3, 4, 5, 6}, 5);
    third.set(proto::opt::kClientId, {'c', 'l', 'i', 'e', 'n', 't', '1'});
    for (const auto& q :
         {discoverFrom({0, 1, 2, 3, 4, 5}, 5), discoverFrom({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 5), third}) {
      (void)service->shouldServe(q, m);
    }
    ASSERT_EQ(service->state(), ha::HaState::PartnerDown);
    // The partner is back and has pulled our leases.
    partner().responder = [this](const json& c) {
      sim.now = control.clock.now();
      return sim(c);
    };
    sim.state = "ready";
    ASSERT_EQ(run("ha-sync-complete-notify", {{"server-name", "server2"}, {"origin-id", 2000}})["result"], 0);
    // A lease for one of its clients: the update is on its way, unanswered.
    commitEach({40});
    ASSERT_EQ(partner().queue.size(), 1u);
    ASSERT_EQ(partner().queue.front().command["command"], "lease4-update");
    // Our heartbeat shows the partner ready: load-balancing, still serving its clients.
    ASSERT_TRUE(timers.fire(ha::TimerId::Heartbeat, control.clock));
    ASSERT_EQ(partner().queue.size(), 2u);
    auto hb = std::move(partner().queue.back());
    partner().queue.pop_back();
    hb.cb(sim(hb.command));
    ASSERT_EQ(service->state(), ha::HaState::LoadBalancing);
    ASSERT_TRUE(service->machine().handingOver());
  }
  // The partner's ha-heartbeat; the answer lands in `into` whenever it comes.
  void partnerAsks(std::shared_ptr<std::optional<json>> into) {
    registry.executeAsync("ha-heartbeat", {{"server-name", "server2"}}, api::CommandContext{"test", "", "", {}},
                          [into](json a) { *into = std::move(a); });
  }
  bool servesPartnersClient() {
    engine::RecvMeta m;
    return service->shouldServe(discoverFrom({0, 1, 2, 3, 4, 5}), m);
  }
};

TEST_F(HandoverDrainTest, TheHeartbeatAnswerWaitsForTheUpdatesInFlight) {
  reachHandoverWithAnUpdateInFlight();
  EXPECT_TRUE(servesPartnersClient());
  auto first = std::make_shared<std::optional<json>>();
  auto second = std::make_shared<std::optional<json>>();
  partnerAsks(first);
  // The hand-over ends as the partner asks: its clients are no longer ours...
  EXPECT_FALSE(service->machine().handingOver());
  EXPECT_FALSE(servesPartnersClient());
  // ...but it learns our state only once it holds the lease, and so does a second heartbeat.
  EXPECT_FALSE(*first);
  partnerAsks(second);
  EXPECT_FALSE(*second);
  ASSERT_TRUE(timers.has(ha::TimerId::HandoverDrain));
  partner().answerNext(ok("IPv4 lease updated."));
  ASSERT_TRUE(*first);
  ASSERT_TRUE(*second);
  EXPECT_EQ((**first)["arguments"]["state"], "load-balancing");
  EXPECT_EQ((**first)["arguments"]["scopes"], json::array({"server1"}));
  EXPECT_EQ(results()[0], true);
  EXPECT_FALSE(timers.has(ha::TimerId::HandoverDrain));
  // Nothing in flight any more: the next heartbeat is answered at once.
  auto third = std::make_shared<std::optional<json>>();
  partnerAsks(third);
  EXPECT_TRUE(*third);
}

TEST_F(HandoverDrainTest, AFailedUpdateAlsoEndsTheWait) {
  reachHandoverWithAnUpdateInFlight();
  auto answer = std::make_shared<std::optional<json>>();
  partnerAsks(answer);
  EXPECT_FALSE(*answer);
  partner().answerNext(makeError("connection lost"));
  ASSERT_TRUE(*answer);
  EXPECT_EQ((**answer)["result"], 0);
  EXPECT_EQ(results()[0], false);  // Kea drops the reply
}

// A request stuck on a dead connection must not keep the partner waiting until it takes us
// for dead: the answer goes at the bound (2 s, or half of max-response-delay).
TEST_F(HandoverDrainTest, TheWaitIsBounded) {
  reachHandoverWithAnUpdateInFlight();
  auto answer = std::make_shared<std::optional<json>>();
  partnerAsks(answer);
  EXPECT_FALSE(*answer);
  const auto start = control.steadyNow();
  ASSERT_TRUE(timers.fire(ha::TimerId::HandoverDrain, control.clock));
  ASSERT_TRUE(*answer);
  EXPECT_EQ((**answer)["arguments"]["state"], "load-balancing");
  const auto waited = control.steadyNow() - start;
  EXPECT_GT(waited, 0s);
  EXPECT_LE(waited, 2s);
}

TEST_F(HandoverDrainTest, StoppingAnswersTheParkedHeartbeats) {
  reachHandoverWithAnUpdateInFlight();
  auto answer = std::make_shared<std::optional<json>>();
  partnerAsks(answer);
  EXPECT_FALSE(*answer);
  service->stop();
  EXPECT_TRUE(*answer);
}

// The early drop before decoding: only the partner's clients, only while this server does
// not serve the partner's scope, and never while communication is interrupted (the partner's
// clients then feed the unacked-clients test, which the ordinary path runs).
TEST_F(HaServiceTest, PartnerQueryTypeDropsOnlyThePartnersClientsEarly) {
  build(ha::testing::lbConfig());
  auto wire = [](const proto::Packet4& p) { return proto::encode(p).bytes; };
  // RFC 3074 vectors (reference 5.3): 00:00:00:00:00:00 -> primary (us), 00:01:02:03:04:05 -> partner.
  const auto own = wire(discoverFrom({0, 0, 0, 0, 0, 0})), partners = wire(discoverFrom({0, 1, 2, 3, 4, 5}));
  reachLoadBalancing();
  EXPECT_EQ(service->partnerQueryType(own), 0);
  EXPECT_EQ(service->partnerQueryType(partners), 1);  // DHCPDISCOVER
  engine::RecvMeta m;
  EXPECT_FALSE(service->shouldServe(*proto::decode(partners), m));  // the ordinary path agrees
  // Serving every scope (ha-scopes, as partner-down does): nothing is dropped early.
  ASSERT_EQ(run("ha-scopes", json{{"scopes", {"server1", "server2"}}})["result"], 0);
  EXPECT_EQ(service->partnerQueryType(partners), 0);
  ASSERT_EQ(run("ha-scopes", json{{"scopes", {"server1"}}})["result"], 0);
  EXPECT_EQ(service->partnerQueryType(partners), 1);
  // The partner goes silent: once communication is interrupted its clients' queries take the
  // ordinary path again, and the unacked-clients test moves us to partner-down.
  partner().responder = [](const json&) -> Result<json> { return makeError("connect: connection refused"); };
  heartbeat();
  timers.fire(ha::TimerId::CommunicationCheck, control.clock);
  ASSERT_TRUE(service->machine().communicationInterrupted(control.steadyNow()));
  EXPECT_EQ(service->partnerQueryType(partners), 0);
  EXPECT_EQ(service->partnerQueryType(own), 0);
}

TEST_F(HaServiceTest, AllocFilterGivesThePrimaryTheEvenAddresses) {
  build(ha::testing::lbConfig());
  auto filter = service->allocFilter();
  EXPECT_TRUE(filter(Ipv4(198, 18, 16, 20)));
  EXPECT_FALSE(filter(Ipv4(198, 18, 16, 21)));
}

TEST_F(HaServiceTest, HeartbeatCommandAnswersInKeasShape) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();
  auto a = run("ha-heartbeat", {{"server-name", "server2"}});
  EXPECT_EQ(a["result"], 0);
  EXPECT_EQ(a["text"], "HA peer status returned.");
  EXPECT_EQ(a["arguments"]["state"], "load-balancing");
  EXPECT_EQ(a["arguments"]["scopes"], json::array({"server1"}));
  EXPECT_TRUE(heartbeat::parseRfc1123(a["arguments"]["date-time"].get<std::string>()));
  EXPECT_EQ(run("ha-heartbeat", {{"server-name", "nobody"}})["result"], 1);
}

// A full lease disk: no lease can be made durable, so the partner must take over our clients.
// The heartbeat answers an error naming the cause while it lasts, and the normal answer after.
TEST_F(HaServiceTest, HeartbeatAnswersAnErrorWhileLeasesCannotBeStored) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();
  std::optional<std::string> failure = "No space left on device";
  service->setLocalFailure([&failure] { return failure; });
  auto a = run("ha-heartbeat", {{"server-name", "server2"}});
  EXPECT_EQ(a["result"], 1);
  EXPECT_EQ(a["text"], "server1 cannot store leases: No space left on device");
  failure.reset();
  auto b = run("ha-heartbeat", {{"server-name", "server2"}});
  EXPECT_EQ(b["result"], 0);
  EXPECT_EQ(b["arguments"]["state"], "load-balancing");
}

TEST_F(HaServiceTest, StatusSectionShowsLocalAndRemote) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();
  auto s = service->statusSection();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0]["ha-mode"], "load-balancing");
  EXPECT_EQ(s[0]["ha-servers"]["local"]["state"], "load-balancing");
  EXPECT_EQ(s[0]["ha-servers"]["remote"]["last-state"], "load-balancing");
  EXPECT_EQ(s[0]["ha-servers"]["remote"]["in-touch"], true);
}

TEST_F(HaServiceTest, StatusSectionKeepsTheLastStateChanges) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();
  auto local = service->statusSection()[0]["ha-servers"]["local"];
  const json& h = local["state-history"];
  ASSERT_TRUE(h.is_array());
  ASSERT_GE(h.size(), 2u);
  EXPECT_EQ(h.back()["from"], "ready");
  EXPECT_EQ(h.back()["to"], "load-balancing");
  EXPECT_EQ(h.back()["reason"], local["state-reason"]);  // the reason of the current state
  EXPECT_EQ(h[h.size() - 2]["to"], "ready");
  const auto age = h.back()["age"].get<std::int64_t>();
  EXPECT_EQ(h.back()["time"], heartbeat::formatSystemTime(control.clock.now() - std::chrono::seconds(age)));
  control.clock.advance(7s);
  EXPECT_EQ(service->statusSection()[0]["ha-servers"]["local"]["state-history"].back()["age"], age + 7);
  // Bounded: each ha-reset adds waiting and syncing; only the newest kHistoryLength stay.
  for (int i = 0; i < 15; ++i) run("ha-reset");
  const json h2 = service->statusSection()[0]["ha-servers"]["local"]["state-history"];
  ASSERT_EQ(h2.size(), HaService::kHistoryLength);
  EXPECT_EQ(h2.back()["to"], ha::toString(service->state()));
  EXPECT_EQ(h2.back()["age"], 0);
}

TEST_F(HaServiceTest, ScopesContinueAndResetCommands) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();
  EXPECT_EQ(run("ha-scopes", {{"scopes", {"server1", "server2"}}})["result"], 0);
  engine::RecvMeta m;
  EXPECT_TRUE(service->shouldServe(discoverFrom({0, 1, 2, 3, 4, 5}), m));
  EXPECT_EQ(run("ha-scopes", {{"scopes", {"nobody"}}})["result"], 1);
  EXPECT_EQ(run("ha-continue")["text"], "HA state machine is not paused.");
  changes.clear();
  EXPECT_EQ(run("ha-reset")["text"], "HA state machine reset.");
  // Through waiting straight to syncing: the partner is in a normal state (reference 2.4).
  EXPECT_EQ(changes, (std::vector<ha::HaState>{ha::HaState::Waiting, ha::HaState::Syncing}));
  EXPECT_EQ(partner().queue.back().command["command"], "dhcp-disable");
}

TEST_F(HaServiceTest, MaintenanceStartPutsThePartnerInMaintenance) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();
  auto a = run("ha-maintenance-start");
  EXPECT_EQ(a["result"], 0) << a.dump();
  EXPECT_EQ(service->state(), ha::HaState::PartnerInMaintenance);
  const json& notify = partner().sent.back();
  EXPECT_EQ(notify["command"], "ha-maintenance-notify");
  EXPECT_EQ(notify["arguments"]["cancel"], false);
  EXPECT_EQ(notify["arguments"]["state"], "load-balancing");
  EXPECT_EQ(run("ha-maintenance-cancel")["result"], 0);
  EXPECT_EQ(service->state(), ha::HaState::LoadBalancing);
}

TEST_F(HaServiceTest, MaintenanceNotifyFromThePartner) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();
  auto a = run("ha-maintenance-notify", {{"server-name", "server2"}, {"cancel", false}, {"state", "load-balancing"}});
  EXPECT_EQ(a["result"], 0);
  EXPECT_EQ(service->state(), ha::HaState::InMaintenance);
  EXPECT_FALSE(control.enabled);
  a = run("ha-maintenance-notify", {{"server-name", "server2"}, {"cancel", true}, {"state", "partner-in-maintenance"}});
  EXPECT_EQ(a["result"], 0);
  EXPECT_EQ(a["arguments"]["state"], "load-balancing");
}

TEST_F(HaServiceTest, SyncCompleteNotifyReenablesThePartnerOrigin) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();
  auto a = run("ha-sync-complete-notify", {{"server-name", "server2"}, {"origin-id", 2000}, {"origin", 2000}});
  EXPECT_EQ(a["result"], 0);
  EXPECT_EQ(control.lastEnable, "ha-partner");
}

TEST_F(HaServiceTest, HaSyncPullsEveryPage) {
  auto cfg = ha::testing::lbConfig("server1", ha::testing::fastTimers({{"sync-page-limit", 2}}));
  build(cfg);
  sim.leases = {makeLease(Ipv4(198, 18, 16, 40), 1), makeLease(Ipv4(198, 18, 16, 41), 2)};
  // Page 1 is full (2 = limit), page 2 is empty: two fetches.
  int pages = 0;
  partner().responder = [&](const json& c) -> Result<json> {
    if (c["command"] == "lease4-get-page") {
      return ++pages == 1 ? sync::pageAnswer(sim.leases).at(0) : sync::pageAnswer({}).at(0);
    }
    return ok();
  };
  auto a = run("ha-sync", {{"server-name", "server2"}, {"max-period", 30}});
  EXPECT_EQ(a["result"], 0) << a.dump();
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(partner().sent[3]["arguments"]["from"], "198.18.16.41");
  EXPECT_EQ(control.store.size(), 2u);
  EXPECT_EQ(run("ha-sync", {{"server-name", "server1"}})["result"], 1);
}

// ha-sync and maintenance no longer block the daemon (issue 11): the command answers when
// the partner's answers came, and everything else goes on meanwhile.
TEST_F(HaServiceTest, HaSyncAnswersWhenThePullEndsAndShowsProgressMeanwhile) {
  build(ha::testing::lbConfig("server1", ha::testing::fastTimers({{"sync-page-limit", 1}})));
  sim.leases = {makeLease(Ipv4(198, 18, 16, 40), 1)};
  int pages = 0;
  partner().responder = [&](const json& c) -> Result<json> {
    if (c["command"] == "lease4-get-page") {
      return ++pages == 1 ? sync::pageAnswer(sim.leases).at(0) : sync::pageAnswer({}).at(0);
    }
    return ok();
  };
  std::optional<json> answer;
  registry.executeAsync("ha-sync", {{"server-name", "server2"}}, {}, [&](json a) { answer = std::move(a); });
  EXPECT_FALSE(answer);
  ASSERT_EQ(partner().queue.size(), 1u);
  EXPECT_EQ(partner().queue.front().command["command"], "dhcp-disable");
  EXPECT_FALSE(partner().queue.front().command["arguments"].contains("max-period"));  // Kea's default
  partner().answerNext(ok());                                                         // dhcp-disable
  partner().answerNext(partner().responder(partner().queue.front().command));         // page 1
  // Mid-way: other commands are answered, status-get shows the run.
  EXPECT_EQ(run("ha-continue")["text"], "HA state machine is not paused.");
  auto progress = service->statusSection()[0]["ha-servers"]["local"]["sync"]["in-progress"];
  ASSERT_TRUE(progress.is_object()) << progress.dump();
  EXPECT_EQ(progress["peer"], "server2");
  EXPECT_EQ(progress["leases-received"], 1);
  EXPECT_EQ(run("ha-sync", {{"server-name", "server2"}})["text"],
            "a lease database synchronisation is already running");
  partner().drain();
  ASSERT_TRUE(answer);
  EXPECT_EQ(*answer, json::parse(R"({"result":0,"text":"Lease database synchronization complete."})"));
  EXPECT_EQ(control.store.size(), 1u);
  EXPECT_EQ(partner().names().back(), "ha-sync-complete-notify");
  EXPECT_TRUE(service->statusSection()[0]["ha-servers"]["local"]["sync"]["in-progress"].is_null());
}

TEST_F(HaServiceTest, HaSyncFailureAndStopBothAnswerTheCommand) {
  build(ha::testing::lbConfig());
  std::optional<json> answer;
  registry.executeAsync("ha-sync", {{"server-name", "server2"}}, {}, [&](json a) { answer = std::move(a); });
  partner().answerNext(makeError("connect: connection refused"));  // dhcp-disable
  partner().drain();  // the dhcp-enable that gives the partner its service back
  ASSERT_TRUE(answer);
  EXPECT_EQ((*answer)["result"], 1);
  EXPECT_NE((*answer)["text"].get<std::string>().find("connection refused"), std::string::npos) << answer->dump();
  answer.reset();
  service->start();
  registry.executeAsync("ha-sync", {{"server-name", "server2"}}, {}, [&](json a) { answer = std::move(a); });
  EXPECT_FALSE(answer);
  service->stop();  // shutdown or reconfiguration: the waiting operator is told
  ASSERT_TRUE(answer);
  EXPECT_EQ((*answer)["text"], "HA service stopped");
}

TEST_F(HaServiceTest, MaintenanceStartWaitsForThePartnerAndRefusesASecondMeanwhile) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();
  std::optional<json> answer;
  registry.executeAsync("ha-maintenance-start", nullptr, {}, [&](json a) { answer = std::move(a); });
  EXPECT_FALSE(answer);
  ASSERT_EQ(partner().queue.back().command["command"], "ha-maintenance-notify");
  EXPECT_EQ(run("ha-maintenance-start")["text"], "A maintenance request is already in progress.");
  EXPECT_EQ(service->state(), ha::HaState::LoadBalancing);  // still serving as before
  partner().answerNext(ok("Server is in-maintenance state."));
  ASSERT_TRUE(answer);
  EXPECT_EQ((*answer)["result"], 0) << answer->dump();
  EXPECT_EQ(service->state(), ha::HaState::PartnerInMaintenance);
}

TEST_F(HaServiceTest, MaintenanceStartWithAnUnreachablePartnerGoesPartnerDown) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();
  std::optional<json> answer;
  registry.executeAsync("ha-maintenance-start", nullptr, {}, [&](json a) { answer = std::move(a); });
  partner().answerNext(makeError("connect: connection refused"));
  ASSERT_TRUE(answer);
  EXPECT_EQ((*answer)["text"],
            "Server is now in the partner-down state as its partner appears to be offline for maintenance.");
  EXPECT_EQ(service->state(), ha::HaState::PartnerDown);
}

TEST_F(HaServiceTest, StopCancelsWithoutDrivingTheMachine) {
  build(ha::testing::lbConfig());
  service->start();
  timers.fire(ha::TimerId::Heartbeat, control.clock);
  service->stop();
  EXPECT_TRUE(partner().queue.empty());
  EXPECT_FALSE(timers.has(ha::TimerId::Heartbeat));
  EXPECT_EQ(service->state(), ha::HaState::Waiting);
}

// ---- batched lease updates to a tandemd partner ----------------------------------------------

std::vector<Lease> rowsOf(const json& cmd, const char* key) {
  auto r = sync::parseBulkApplyRequest(cmd.at("arguments"));
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  if (!r) return {};
  return std::string(key) == "leases" ? r->leases : r->deleted;
}

TEST_F(HaServiceTest, TandemPartnerGetsBatchedUpdatesKeaPartnerDoesNot) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();  // the simulated partner announced nothing: a Kea partner
  EXPECT_FALSE(service->peerHasBulkApply("server2"));
  sim.bulkApply = true;
  heartbeat();
  EXPECT_TRUE(service->peerHasBulkApply("server2"));
  partner().sent.clear();
  engine::LeaseChange a, b, gone;
  a.lease = makeLease(Ipv4(198, 18, 16, 30), 7);
  b.lease = makeLease(Ipv4(198, 18, 16, 31), 8);
  gone.kind = engine::LeaseChange::Kind::Delete;
  gone.lease = makeLease(Ipv4(198, 18, 16, 32), 9);
  std::optional<bool> result;
  service->onLeasesCommitted({a, b, gone}, [&](bool okay) { result = okay; });
  ASSERT_EQ(partner().queue.size(), 1u);  // one request for three changes
  const json& cmd = partner().queue.front().command;
  EXPECT_EQ(cmd["command"], sync::kBulkApplyCommand);
  EXPECT_EQ(cmd["arguments"]["server-name"], "server1");
  EXPECT_EQ(rowsOf(cmd, "leases").size(), 2u);
  ASSERT_EQ(rowsOf(cmd, "deleted").size(), 1u);
  EXPECT_EQ(rowsOf(cmd, "deleted")[0].address, Ipv4(198, 18, 16, 32));
  // The backup (no heartbeats, capability unknown) still gets Kea's commands.
  const auto toBackup = fakes["server3"]->names();
  EXPECT_EQ(std::count(toBackup.begin(), toBackup.end(), "lease4-update"), 2);
  EXPECT_EQ(std::count(toBackup.begin(), toBackup.end(), "lease4-del"), 1);
  EXPECT_FALSE(result);
  partner().answerNext(ok(sync::bulkApplyText(3), sync::bulkApplyAnswerArgs({})));
  EXPECT_EQ(result, true);
  EXPECT_EQ(service->bulkRequests(), 1u);
  EXPECT_EQ(service->bulkLeases(), 3u);
}

TEST_F(HaServiceTest, UpdatesCommittedWhileTheWireIsFullTravelTogether) {
  reachLoadBalancingBatched();
  partner().sent.clear();
  commitEach({40, 41, 42, 43});
  ASSERT_EQ(partner().queue.size(), 1u);  // the first went at once, the rest wait
  partner().answerNext(ok(sync::bulkApplyText(1), sync::bulkApplyAnswerArgs({})));
  EXPECT_EQ(results()[0], true);
  EXPECT_FALSE(results()[1]);
  ASSERT_EQ(partner().queue.size(), 1u);
  EXPECT_EQ(rowsOf(partner().queue.front().command, "leases").size(), 3u);
  // One of the three conflicts with the partner's config: only that reply is dropped.
  partner().answerNext(ok(sync::bulkApplyText(2),
                          sync::bulkApplyAnswerArgs({{Ipv4(198, 18, 16, 42), api::kResultConflict, "no subnet"}})));
  EXPECT_EQ(results()[1], true);
  EXPECT_EQ(results()[2], false);
  EXPECT_EQ(results()[3], true);
  EXPECT_EQ(service->state(), ha::HaState::LoadBalancing);
}

TEST_F(HaServiceTest, BatchTransportFailureFailsWaitingChangesIntoTheBacklog) {
  reachLoadBalancingBatched();
  commitEach({50, 51});
  partner().answerNext(makeError("connect: connection refused"));
  EXPECT_EQ(results()[0], false);
  EXPECT_EQ(results()[1], false);  // failed with it instead of waiting for its own timeout
  EXPECT_EQ(service->state(), ha::HaState::CommunicationRecovery);
  EXPECT_EQ(service->backlogSize(), 2u);  // both committed here: the partner gets them later
  EXPECT_TRUE(partner().queue.empty());
}

TEST_F(HaServiceTest, PartnerThatForgotBulkApplyGetsSingleUpdates) {
  build(ha::testing::lbConfig());
  sim.bulkApply = true;
  reachLoadBalancing();
  partner().sent.clear();
  engine::LeaseChange c;
  c.lease = makeLease(Ipv4(198, 18, 16, 60), 60);
  std::optional<bool> result;
  service->onLeasesCommitted({c}, [&](bool okay) { result = okay; });
  partner().answerNext(json{{"result", 2}, {"text", "'tandem-lease4-bulk-apply' command not supported."}});
  EXPECT_FALSE(result);
  ASSERT_EQ(partner().queue.size(), 1u);
  EXPECT_EQ(partner().queue.front().command["command"], "lease4-update");
  partner().answerNext(ok("IPv4 lease added."));
  EXPECT_EQ(result, true);
  EXPECT_FALSE(service->peerHasBulkApply("server2"));
  EXPECT_EQ(service->state(), ha::HaState::LoadBalancing);
}

TEST_F(HaServiceTest, StopReleasesBatchedChangesNotSentYet) {
  reachLoadBalancingBatched();
  commitEach({70, 71});  // the first on the wire, the second waiting behind it
  service->stop();
  EXPECT_EQ(results()[0], false);
  EXPECT_EQ(results()[1], false);
}

TEST_F(HaServiceTest, ServesBulkApplyLikeSingleUpdates) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();
  ASSERT_TRUE(control.store.put(makeLease(Ipv4(198, 18, 16, 80), 80)).ok());
  std::vector<sync::UpdateBatcher::Item> items;
  items.push_back({makeLease(Ipv4(198, 18, 16, 81), 81), true, nullptr});
  Lease wrongSubnet = makeLease(Ipv4(198, 18, 99, 1), 82);  // no local subnet holds it
  wrongSubnet.subnetId = 0;
  items.push_back({wrongSubnet, true, nullptr});
  Lease otherSubnet = makeLease(Ipv4(198, 18, 16, 84), 84);  // subnet 2 does not hold it
  otherSubnet.subnetId = 2;
  items.push_back({otherSubnet, true, nullptr});
  items.push_back({makeLease(Ipv4(198, 18, 16, 80), 80), false, nullptr});
  items.push_back({makeLease(Ipv4(198, 18, 16, 83), 83), false, nullptr});  // not here
  json answer = run(std::string(sync::kBulkApplyCommand), sync::bulkApplyArgs("server2", items));
  ASSERT_EQ(answer["result"], 0) << answer.dump();
  EXPECT_EQ(answer["text"], "Bulk apply of 2 IPv4 lease(s) completed.");
  const json& failed = answer["arguments"]["failed"];
  ASSERT_EQ(failed.size(), 3u);
  std::map<std::string, int> byAddress;
  std::map<std::string, std::string> why;
  for (const auto& f : failed) {
    byAddress[f["ip-address"]] = f["result"];
    why[f["ip-address"]] = f["error-message"];
  }
  EXPECT_EQ(byAddress["198.18.99.1"], api::kResultConflict);
  EXPECT_EQ(byAddress["198.18.16.84"], api::kResultConflict);
  // The same checks and words as lease4-update.
  EXPECT_EQ(why["198.18.16.84"], "The address 198.18.16.84 does not belong to subnet 198.18.17.0/24, subnet-id=2");
  EXPECT_EQ(byAddress["198.18.16.83"], api::kResultEmpty);
  EXPECT_TRUE(control.store.byAddress(Ipv4(198, 18, 16, 81)));
  EXPECT_FALSE(control.store.byAddress(Ipv4(198, 18, 16, 80)));
  ASSERT_FALSE(control.puts.empty());
  EXPECT_EQ(control.puts.back().second, Origin::Partner);  // never replicated back
  // A broken request is refused whole, and an unknown sender too.
  EXPECT_EQ(run(std::string(sync::kBulkApplyCommand), json{{"leases", "garbage"}})["result"], 1);
  EXPECT_EQ(run(std::string(sync::kBulkApplyCommand), json{{"server-name", "intruder"}})["result"], 1);
  // The heartbeat answer announces the command.
  EXPECT_EQ(run("ha-heartbeat")["arguments"][std::string(sync::kBulkApplyKey)], sync::kBulkApplyVersion);
}

// The partner's batches are read from the body text (sync/bulk_apply_reader.h, no JSON tree):
// same answer text, same store and the forensic-log observer called, as through the tree.
TEST_F(HaServiceTest, BulkApplyBodyTakesTheShortcutWithTheTreesAnswer) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();
  std::vector<std::pair<std::string, json>> observed;
  registry.observe(std::string(sync::kBulkApplyCommand), [&](const std::string& name, const json& args, const json& a) {
    observed.emplace_back(name, json{{"args", args}, {"answer", a}});
  });
  auto items = [](std::uint8_t first) {
    std::vector<sync::UpdateBatcher::Item> v;
    v.push_back({makeLease(Ipv4(198, 18, 16, first), first), true, nullptr});
    Lease elsewhere = makeLease(Ipv4(198, 18, 99, first), first);  // no local subnet: conflict
    elsewhere.subnetId = 0;
    v.push_back({elsewhere, true, nullptr});
    v.push_back({makeLease(Ipv4(198, 18, 16, first + 1), first), false, nullptr});  // not here
    return v;
  };
  auto process = [&](const std::string& body) {
    std::optional<std::string> text;
    registry.processTextAsync(body, api::CommandContext{"test", "", "", {}}, [&](std::string t) { text = t; });
    return text.value_or("(no answer)");
  };
  const std::string fast =
      sync::makeCommand(sync::kBulkApplyCommand, sync::bulkApplyArgs("server2", items(100))).dump();
  ASSERT_TRUE(sync::readBulkApplyCommand(fast));
  const std::string fastAnswer = process(fast);
  // The same kind of request through the tree (the registry without the shortcut, as before).
  const std::string tree =
      sync::makeCommand(sync::kBulkApplyCommand, sync::bulkApplyArgs("server2", items(110))).dump();
  registry.setTextShortcut({});
  const std::string treeAnswer = process(tree);
  auto norm = [](std::string t, std::uint8_t first) {
    for (const auto& [from, to] : {std::pair{fmt::format("198.18.99.{}", first), std::string("CONFLICT")},
                                   std::pair{fmt::format("198.18.16.{}", first + 1), std::string("MISSING")}}) {
      for (auto p = t.find(from); p != std::string::npos; p = t.find(from)) t.replace(p, from.size(), to);
    }
    return t;
  };
  EXPECT_EQ(norm(fastAnswer, 100), norm(treeAnswer, 110));
  EXPECT_NE(norm(fastAnswer, 100).find("CONFLICT"), std::string::npos);
  EXPECT_EQ(json::parse(fastAnswer)[0]["text"], "Bulk apply of 1 IPv4 lease(s) completed.");
  EXPECT_TRUE(control.store.byAddress(Ipv4(198, 18, 16, 100)));
  EXPECT_TRUE(control.store.byAddress(Ipv4(198, 18, 16, 110)));
  EXPECT_EQ(control.puts.back().second, Origin::Partner);
  // The observer saw both, with arguments that read to the same request.
  ASSERT_EQ(observed.size(), 2u);
  EXPECT_EQ(observed[0].first, sync::kBulkApplyCommand);
  auto seen = sync::parseBulkApplyRequest(observed[0].second["args"]);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->leases.size(), 2u);
  EXPECT_EQ(seen->deleted.size(), 1u);
  EXPECT_EQ(observed[0].second["answer"]["arguments"]["failed"].size(), 2u);
  // Anything the reader declines still gets the registry's answer (here: a broken row).
  service->registerCommands(registry);
  ASSERT_TRUE(registry.hasTextShortcut());
  const std::string broken =
      R"({"command":"tandem-lease4-bulk-apply","service":["dhcp4"],"arguments":{"leases":"x\n"}})";
  ASSERT_FALSE(sync::readBulkApplyCommand(broken));
  EXPECT_EQ(json::parse(process(broken))[0]["result"], 1);
}

TEST_F(HaServiceTest, BackupThatAnnouncesBulkApplyGetsBatchesAfterTheProbe) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();
  FakePeer& backup = *fakes["server3"];
  commitEach({90});
  ASSERT_EQ(backup.names(), (std::vector<std::string>{"ha-heartbeat", "lease4-update"}));
  EXPECT_EQ(backup.sent[0]["arguments"]["server-name"], "server1");
  // A Kea backup: its answer carries no tandem key; no new probe within 30 s.
  backup.answerNext(ok("HA peer status returned.", {{"state", "backup"}}));
  commitEach({91});
  EXPECT_EQ(backup.names().size(), 3u);
  EXPECT_EQ(backup.names().back(), "lease4-update");
  // Later the backup is (re)started as tandemd: the next probe finds out.
  control.clock.advance(31s);
  backup.queue.clear();
  commitEach({92});
  ASSERT_EQ(backup.names().size(), 5u);
  EXPECT_EQ(backup.names()[3], "ha-heartbeat");
  backup.answerNext(ok("HA peer status returned.",
                       {{"state", "backup"}, {std::string(sync::kBulkApplyKey), sync::kBulkApplyVersion}}));
  EXPECT_TRUE(service->peerHasBulkApply("server3"));
  commitEach({93});
  EXPECT_EQ(backup.names().back(), sync::kBulkApplyCommand);
  EXPECT_EQ(backup.names().size(), 6u);  // no more probes once it takes batches
}

// /metrics: both peers' states as labelled gauges, time in state, the backlog and the last sync.
TEST_F(HaServiceTest, MetricsShowBothStatesTheBacklogAndTheLastSync) {
  build(ha::testing::lbConfig());
  reachLoadBalancing();
  auto render = [&] {
    api::PrometheusText out;
    writeHaMetrics(out, *service, nullptr, control.clock.now(), control.steadyNow());
    return out.finish();
  };
  auto has = [](const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos;
  };
  std::string m = render();
  EXPECT_TRUE(has(m, "tandem_ha_state{peer=\"local\",server=\"server1\",role=\"primary\",state=\"load-balancing\"} 1"))
      << m;
  EXPECT_TRUE(has(m, "tandem_ha_state{peer=\"local\",server=\"server1\",role=\"primary\",state=\"waiting\"} 0"));
  EXPECT_TRUE(
      has(m, "tandem_ha_state{peer=\"partner\",server=\"server2\",role=\"secondary\",state=\"load-balancing\"} 1"));
  EXPECT_TRUE(has(m, "tandem_ha_sync_in_progress 0"));
  EXPECT_TRUE(has(m, "tandem_ha_last_sync_success{peer=\"server2\"} 1"));
  EXPECT_TRUE(has(m, "tandem_ha_backlog_size 0"));
  EXPECT_TRUE(has(m, "tandem_ha_partner_in_touch 1"));
  // One "# TYPE" per family, whatever the number of series.
  EXPECT_EQ(m.find("# TYPE tandem_ha_state gauge"), m.rfind("# TYPE tandem_ha_state gauge"));

  // A failed update: communication-recovery with the update in the backlog.
  engine::LeaseChange c;
  c.lease = makeLease(Ipv4(198, 18, 16, 40), 20);
  service->onLeasesCommitted({c}, [](bool) {});
  partner().answerNext(makeError("connect: Network is unreachable"));
  ASSERT_EQ(service->state(), ha::HaState::CommunicationRecovery);
  control.clock.advance(7s);
  m = render();
  EXPECT_TRUE(has(m,
                  "tandem_ha_state{peer=\"local\",server=\"server1\",role=\"primary\",state=\"communication-"
                  "recovery\"} 1"))
      << m;
  EXPECT_TRUE(has(m, "tandem_ha_state{peer=\"local\",server=\"server1\",role=\"primary\",state=\"load-balancing\"} 0"));
  EXPECT_TRUE(has(m, "tandem_ha_state_duration_seconds{server=\"server1\"} 7"));
  EXPECT_TRUE(has(m, "tandem_ha_backlog_size 1"));
}

}  // namespace
}  // namespace tandem::daemon
