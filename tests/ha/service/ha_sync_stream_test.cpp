// Lease synchronisation between two (or three) real HaServices whose peer transports are
// wired to each other's command registries. Every request is first SERVED (the answer is
// computed at the remote: its snapshot) and later DELIVERED, so tests interleave page
// fetches with lease changes at the partner exactly where a race would hurt: after a page's
// snapshot and before the puller stores it. Fake clock and timers, no sleeps.
#include <gtest/gtest.h>

#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dhcpd/api/lease_commands.h"
#include "dhcpd/api/lease_json.h"
#include "ha/service/ha_service.h"
#include "sync/tandem_sync_json.h"
#include "tests/api/fake_server_control.h"
#include "tests/ha/ha_test_util.h"
#include "tests/ha/service/ha_service_fakes.h"

namespace tandem::daemon {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using ha::HaState;
using testing::FakeTimers;

// Calls the HA hook on lease-command writes, as the daemon's Server does.
class HookedControl final : public api::testing::FakeServerControl {
 public:
  HaService* ha = nullptr;
  int batches = 0;
  // An operator's lease4-add / -update / -del reaches the partner as a served lease does
  // (Server::replicateOperatorChanges).
  Result<void> putLease(const Lease& lease, Origin origin) override {
    auto r = FakeServerControl::putLease(lease, origin);
    if (r && ha) ha->onLeaseWrittenByCommand(lease);
    if (r && ha && origin == Origin::Admin) {
      engine::LeaseChange c;
      c.lease = lease;
      ha->onLeasesCommitted({c}, [](bool) {});
    }
    return r;
  }
  Result<void> deleteLease(Ipv4 address, Origin origin) override {
    auto existing = store.byAddress(address);
    if (ha) ha->onLeaseDeletedByCommand(address, existing);
    auto r = FakeServerControl::deleteLease(address, origin);
    if (r && ha && origin == Origin::Admin && existing) {
      engine::LeaseChange c;
      c.kind = engine::LeaseChange::Kind::Delete;
      c.lease = *existing;
      ha->onLeasesCommitted({c}, [](bool) {});
    }
    return r;
  }
  void leaseDeleteMissed(Ipv4 address, Origin) override {
    if (ha) ha->onLeaseDeletedByCommand(address, std::nullopt);
  }
  Result<void> putLeases(std::span<const Lease> leases, Origin origin) override {
    ++batches;
    if (beforePutLeases) {
      if (auto r = beforePutLeases(leases); !r) return r;
    }
    for (const Lease& l : leases) {
      puts.emplace_back(l, origin);
      if (auto r = store.put(l); !r) return r;
    }
    return {};
  }
  // Service is on while no origin disables it (reference 4.7), unlike the plain fake.
  void disableDhcp(const std::string& origin, std::optional<std::uint32_t> maxPeriod) override {
    disables.push_back(origin);
    disabledBy.insert(origin);
    FakeServerControl::disableDhcp(origin, maxPeriod);
  }
  void enableDhcp(const std::string& origin) override {
    disabledBy.erase(origin);
    FakeServerControl::enableDhcp(origin);
    enabled = disabledBy.empty();
  }
  // Every expectLeases() call: the partner's lease count from a full pull's first page.
  void expectLeases(std::size_t leases) override { expected.push_back(leases); }
  std::vector<std::size_t> expected;
  std::vector<std::string> disables;
  std::set<std::string> disabledBy;
  // Sees every putLeases() batch first; an error fails it (a full disk).
  std::function<Result<void>(std::span<const Lease>)> beforePutLeases;
  // holdDurable: whenLeasesDurable() answers only when the test calls the waiter.
  void whenLeasesDurable(std::function<void(Result<void>)> done) override {
    if (!holdDurable) return done({});
    durableWaiters.push_back(std::move(done));
  }
  bool holdDurable = false;
  std::vector<std::function<void(Result<void>)>> durableWaiters;
};

class Loopback final : public PeerTransport {
 public:
  struct Req {
    json command;
    Callback cb;
    std::optional<Result<json>> answer;
  };
  api::CommandRegistry* remote = nullptr;  // nullptr or down: connection refused
  bool down = false;
  std::deque<Req> queue;
  std::vector<std::string> names;

  void send(json command, std::chrono::milliseconds, Callback cb) override {
    names.push_back(command["command"]);
    queue.push_back({std::move(command), std::move(cb), std::nullopt});
  }
  void cancelAll() override {
    auto q = std::move(queue);
    queue.clear();
    for (auto& r : q) r.cb(makeError("cancelled"));
  }
  Result<json> execute(const json& c) {
    if (down || !remote) return makeError("connect: connection refused");
    return remote->execute(c["command"], c.value("arguments", json(nullptr)), api::CommandContext{"test", "", "", {}});
  }
  // Computes the answer of the oldest unserved request at the remote now.
  bool serveOne() {
    for (auto& r : queue) {
      if (!r.answer) {
        r.answer = execute(r.command);
        return true;
      }
    }
    return false;
  }
  // Hands the oldest request's answer to its callback (serving it first if needed).
  bool deliverOne() {
    if (queue.empty()) return false;
    if (!queue.front().answer) queue.front().answer = execute(queue.front().command);
    auto r = std::move(queue.front());
    queue.pop_front();
    r.cb(std::move(*r.answer));
    return true;
  }
  const json* front() const { return queue.empty() ? nullptr : &queue.front().command; }
};

struct Side {
  std::string name;
  HookedControl control;
  FakeTimers timers;
  Logger log;
  api::CommandRegistry registry;
  std::map<std::string, Loopback*> peers;
  std::unique_ptr<HaService> service;
};

Lease lease(std::uint8_t host, std::int64_t cltt, std::uint8_t mac = 0) {
  Lease l;
  l.address = Ipv4(198, 18, 16, host);
  l.hwAddr = HwAddr::fromBytes(std::vector<std::uint8_t>{0x52, 0x54, 0, 0, 1, mac ? mac : host});
  l.validLifetime = 3600;
  l.cltt = cltt;
  l.subnetId = 1;
  return l;
}

class HaSyncStreamTest : public ::testing::Test {
 protected:
  // server1 primary, server2 secondary, server3 backup (load-balancing).
  Side& add(const std::string& name) {
    auto side = std::make_unique<Side>();
    side->name = name;
    side->log.setSeverity(std::getenv("HA_TEST_LOG") ? Severity::Info : Severity::Error);
    api::testing::setUpTwoSubnets(side->control);
    api::registerLeaseCommands(side->registry, side->control);
    auto cfg = ha::testing::lbConfig(name);
    HaService::Peers peers;
    for (const ha::PeerConfig* p : cfg.otherPeers()) {
      auto t = std::make_unique<Loopback>();
      side->peers[p->name] = t.get();
      peers[p->name] = std::move(t);
    }
    side->service =
        std::make_unique<HaService>(cfg, side->control.cfg, side->control, std::move(peers), side->timers, side->log);
    side->service->registerCommands(side->registry);
    side->service->setStreamPageLimit(3);
    side->control.ha = side->service.get();
    Side& ref = *side;
    sides[name] = std::move(side);
    return ref;
  }
  // Connects every side's transports to the sides that exist (others stay unreachable).
  void wire() {
    for (auto& [n, s] : sides) {
      for (auto& [peer, t] : s->peers) t->remote = sides.count(peer) ? &sides[peer]->registry : nullptr;
    }
  }
  // Serves and delivers everything queued anywhere, including what that triggers.
  void pump() {
    for (int guard = 0; guard < 10000; ++guard) {
      bool any = false;
      for (auto& [n, s] : sides) {
        for (auto& [peer, t] : s->peers) any |= t->deliverOne();
      }
      if (!any) return;
    }
    FAIL() << "pump did not settle";
  }
  void heartbeat(Side& s) {
    s.timers.fireIfArmed(ha::TimerId::Heartbeat, s.control.clock);
    pump();
  }
  // Starts server1 alone: it goes partner-down after max-response-delay (3 s).
  Side& partnerDownPrimary() {
    Side& p = add("server1");
    wire();
    p.service->start();
    heartbeat(p);
    ASSERT_TRUE_OR(p.timers.fireIfArmed(ha::TimerId::CommunicationCheck, p.control.clock));
    pump();
    return p;
  }
  // Brings server2 up, its clock aligned, and lets it heartbeat once: it starts syncing.
  Side& startPuller() {
    Side& s = add("server2");
    s.control.clock = sides["server1"]->control.clock;
    wire();
    s.service->start();
    s.timers.fireIfArmed(ha::TimerId::Heartbeat, s.control.clock);
    // Deliver only the heartbeat: the sync requests it triggers stay queued for the test.
    s.peers["server1"]->deliverOne();
    return s;
  }
  static void ASSERT_TRUE_OR(bool b) { ASSERT_TRUE(b); }
  // server1 (holding `leases` leases, .10 upwards) and server2 started together and brought
  // to load-balancing (each synchronised from the other once).
  void bothInLoadBalancing(std::uint8_t leases) {
    Side& p = add("server1");
    Side& s = add("server2");
    wire();
    for (std::uint8_t h = 10; h < 10 + leases; ++h) commit(p, lease(h, 1000 + h));
    p.service->start();
    s.service->start();
    for (int i = 0; i < 6; ++i) {
      heartbeat(p);
      heartbeat(s);
    }
    ASSERT_EQ(p.service->state(), HaState::LoadBalancing);
    ASSERT_EQ(s.service->state(), HaState::LoadBalancing);
  }
  // A lease committed by the partner's DHCP engine.
  void commit(Side& p, const Lease& l) {
    ASSERT_TRUE(p.control.store.put(l));
    engine::LeaseChange c;
    c.lease = l;
    p.service->onLeasesCommitted({c}, [](bool) {});
  }
  void release(Side& p, Ipv4 a) {
    auto old = p.control.store.byAddress(a);
    ASSERT_TRUE(old);
    ASSERT_TRUE(p.control.store.erase(a));
    engine::LeaseChange c;
    c.kind = engine::LeaseChange::Kind::Delete;
    c.lease = *old;
    p.service->onLeasesCommitted({c}, [](bool) {});
  }
  // server2 restarted with `leases` (a copy: the old side goes), brought back to server1.
  template <class Store>
  Side& restartServer2With(Store leases) {
    sides.erase("server2");
    Side& s = add("server2");
    s.control.store = std::move(leases);
    wire();
    s.service->start();
    for (int i = 0; i < 6; ++i) {
      heartbeat(*sides["server1"]);
      heartbeat(s);
    }
    return s;
  }
  static std::map<std::uint32_t, std::int64_t> contents(const Side& s) {
    std::map<std::uint32_t, std::int64_t> m;
    s.control.store.forEach([&](const Lease& l) { m[l.address.value] = l.cltt; });
    return m;
  }

  std::map<std::string, std::unique_ptr<Side>> sides;
};

TEST_F(HaSyncStreamTest, HeartbeatAnnouncesTheCapability) {
  Side& p = add("server1");
  auto a = p.registry.execute("ha-heartbeat", {{"server-name", "server2"}}, {});
  EXPECT_EQ(a["arguments"]["tandem-sync"], 1);
  EXPECT_EQ(sync::tandemSyncVersion(a["arguments"]), 1);
  EXPECT_EQ(sync::tandemSyncVersion(json{{"state", "waiting"}}), 0);
}

TEST_F(HaSyncStreamTest, StreamsWithoutDisablingThePartnerAndTakesItsChangesMeanwhile) {
  Side& p = partnerDownPrimary();
  ASSERT_EQ(p.service->state(), HaState::PartnerDown);
  for (std::uint8_t h = 10; h < 20; ++h) commit(p, lease(h, 1000 + h));
  Side& s = startPuller();
  ASSERT_EQ(s.service->state(), HaState::Syncing);
  ASSERT_TRUE(s.service->peerHasTandemSync("server1"));
  Loopback& toP = *s.peers["server1"];
  ASSERT_NE(toP.front(), nullptr);
  EXPECT_EQ((*toP.front())["command"], "tandem-lease4-sync-page");
  EXPECT_FALSE(toP.front()->at("arguments").contains("session"));

  // Page 1 (.10 .11 .12) is snapshotted; then the partner renews .11 and releases .12 before
  // the puller stores the page: the stale copies must not win.
  toP.serveOne();
  commit(p, lease(11, 5000));
  release(p, Ipv4(198, 18, 16, 12));
  EXPECT_TRUE(s.control.expected.empty());
  toP.deliverOne();
  // The first page said how many leases the partner held when it was taken: the puller sized
  // its store for them once (later pages do not say it again).
  EXPECT_EQ(s.control.expected, std::vector<std::size_t>{10});
  // The puller holds the stale page for now; the next page carries the changes.
  EXPECT_EQ(s.control.store.byAddress(Ipv4(198, 18, 16, 11))->cltt, 1011);
  // Page 2 (.13 .14 .15): a lease ahead of the pull is deleted before its page is taken,
  // and one behind it is re-allocated after having been deleted.
  release(p, Ipv4(198, 18, 16, 14));
  toP.deliverOne();
  EXPECT_EQ(s.control.store.byAddress(Ipv4(198, 18, 16, 11))->cltt, 5000);
  EXPECT_FALSE(s.control.store.byAddress(Ipv4(198, 18, 16, 12)));
  EXPECT_FALSE(s.control.store.byAddress(Ipv4(198, 18, 16, 14)));
  commit(p, lease(12, 6000, 99));
  // The rest, with a change between the last page and "done".
  toP.deliverOne();  // page 3 (.17 .18 .19)
  toP.serveOne();    // page 4: empty, last
  commit(p, lease(10, 7000));
  toP.deliverOne();
  ASSERT_NE(toP.front(), nullptr);
  EXPECT_EQ((*toP.front())["command"], "tandem-lease4-sync-done");
  commit(p, lease(30, 7100));  // still before "done" is served: in its final changes
  toP.deliverOne();
  pump();
  EXPECT_EQ(contents(s), contents(p));
  EXPECT_EQ(s.control.store.byAddress(Ipv4(198, 18, 16, 12))->hwAddr, lease(12, 0, 99).hwAddr);
  // The partner never stopped serving during the pull.
  for (const auto& n : toP.names) EXPECT_NE(n, "dhcp-disable");
  EXPECT_EQ(std::count(p.control.disables.begin(), p.control.disables.end(), "ha-partner"), 0);
  ASSERT_TRUE(s.service->lastSync());
  EXPECT_TRUE(s.service->lastSync()->ok);
  EXPECT_EQ(s.service->lastSync()->run.mode, sync::SyncMode::TandemStream);
  EXPECT_EQ(s.service->lastSync()->run.pages, 4u);
  // Page writes are batched (one durability wait per page), not one per lease.
  EXPECT_GE(s.control.batches, 4);
  // "done" acted as ha-sync-complete-notify: the partner-down primary keeps serving (Kea
  // stops until it sees the puller ready), sends the puller what it hands out from now on,
  // and polls soon.
  EXPECT_EQ(s.service->state(), HaState::Ready);
  EXPECT_TRUE(p.control.enabled);
  commit(p, lease(31, 7200));
  pump();
  ASSERT_TRUE(s.control.store.byAddress(Ipv4(198, 18, 16, 31)));
  EXPECT_EQ(contents(s), contents(p));
  ASSERT_TRUE(p.timers.armed.count(ha::TimerId::Heartbeat));
  EXPECT_LE(p.timers.armed[ha::TimerId::Heartbeat].at, p.control.steadyNow() + 100ms);
  // The primary sees the puller ready and returns to load-balancing, still answering the
  // puller's clients until the puller has heard that (its next heartbeat): no gap.
  heartbeat(p);
  EXPECT_EQ(p.service->state(), HaState::LoadBalancing);
  EXPECT_TRUE(p.control.enabled);
  EXPECT_TRUE(p.service->machine().scopeFilter().amServing("server2"));
  heartbeat(s);
  EXPECT_EQ(s.service->state(), HaState::LoadBalancing);
  EXPECT_FALSE(p.service->machine().scopeFilter().amServing("server2"));
  EXPECT_TRUE(s.service->machine().scopeFilter().amServing("server2"));
}

// Pages are stored without waiting for the disk (ServerControl::storeLeases); the pull ends,
// and the puller says it is ready, only once they are durable. A lease file that cannot take
// them fails the pull.
TEST_F(HaSyncStreamTest, ThePullEndsOnlyOnceItsLeasesAreDurable) {
  Side& p = partnerDownPrimary();
  for (std::uint8_t h = 10; h < 20; ++h) commit(p, lease(h, 1000 + h));
  Side& s = startPuller();
  s.control.holdDurable = true;
  pump();
  EXPECT_EQ(contents(s), contents(p));
  EXPECT_EQ(s.service->state(), HaState::Syncing);
  EXPECT_TRUE(s.service->syncRunning());
  ASSERT_EQ(s.control.durableWaiters.size(), 1u);
  auto durable = std::move(s.control.durableWaiters.front());
  s.control.durableWaiters.clear();
  durable({});
  EXPECT_FALSE(s.service->syncRunning());
  ASSERT_TRUE(s.service->lastSync());
  EXPECT_TRUE(s.service->lastSync()->ok);
  EXPECT_EQ(s.service->state(), HaState::Ready);
}

// The partner's pull sessions expire on steady time (sync/pull_session.h): a step of its wall
// clock between two pages (NTP, `date -s`; here two hours, far beyond the idle timeout of
// 2 x sync-timeout + 10 s) leaves the session open, and the pull ends as without the step.
// The puller's wall clock stepping back meanwhile does not make its sync's duration negative.
TEST_F(HaSyncStreamTest, AWallClockStepDoesNotExpireAPullSession) {
  Side& p = partnerDownPrimary();
  for (std::uint8_t h = 10; h < 20; ++h) commit(p, lease(h, 1000 + h));
  Side& s = startPuller();
  Loopback& toP = *s.peers["server1"];
  toP.deliverOne();  // page 1: the session is open; page 2's request is queued
  ASSERT_TRUE(s.service->syncRunning());
  p.control.stepWall(std::chrono::hours(2));
  s.control.stepWall(-std::chrono::hours(1));
  s.control.clock.advance(1500ms);  // wall and steady time both
  pump();
  ASSERT_TRUE(s.service->lastSync());
  EXPECT_TRUE(s.service->lastSync()->ok) << s.service->lastSync()->error;
  EXPECT_EQ(s.service->lastSync()->run.pages, 4u);
  EXPECT_EQ(s.service->lastSync()->duration, 1500ms);
  EXPECT_EQ(contents(s), contents(p));
  EXPECT_EQ(s.service->state(), HaState::Ready);
}

// Steady idle time beyond the timeout does expire it (a puller gone for that long): the next
// page's request is refused and the pull fails (it starts over after the back-off).
TEST_F(HaSyncStreamTest, AnIdlePullSessionExpires) {
  Side& p = partnerDownPrimary();
  for (std::uint8_t h = 10; h < 20; ++h) commit(p, lease(h, 1000 + h));
  Side& s = startPuller();
  Loopback& toP = *s.peers["server1"];
  toP.deliverOne();
  ASSERT_TRUE(s.service->syncRunning());
  p.control.clock.advance(std::chrono::hours(2));  // wall and steady time both
  pump();
  ASSERT_TRUE(s.service->lastSync());
  EXPECT_FALSE(s.service->lastSync()->ok);
  EXPECT_NE(s.service->lastSync()->error.find("unknown or expired sync session"), std::string::npos)
      << s.service->lastSync()->error;
}

TEST_F(HaSyncStreamTest, APullWhoseLeasesCannotBeMadeDurableFails) {
  Side& p = partnerDownPrimary();
  for (std::uint8_t h = 10; h < 20; ++h) commit(p, lease(h, 1000 + h));
  Side& s = startPuller();
  s.control.holdDurable = true;
  pump();
  ASSERT_EQ(s.control.durableWaiters.size(), 1u);
  auto durable = std::move(s.control.durableWaiters.front());
  s.control.durableWaiters.clear();
  durable(makeError("cannot write leases4.csv: No space left on device"));
  EXPECT_FALSE(s.service->syncRunning());
  ASSERT_TRUE(s.service->lastSync());
  EXPECT_FALSE(s.service->lastSync()->ok);
  EXPECT_NE(s.service->lastSync()->error.find("No space left"), std::string::npos);
  EXPECT_EQ(s.service->state(), HaState::Syncing);  // retried after the back-off
}

TEST_F(HaSyncStreamTest, DirectUpdatesDuringThePullAreNotUndoneByAnOlderPage) {
  // Both serving; then server2 is reset and resyncs while server1 stays in load-balancing and
  // keeps sending it lease updates (lease4-update / lease4-del) during the pull.
  bothInLoadBalancing(7);
  Side& p = *sides["server1"];
  Side& s = *sides["server2"];
  EXPECT_EQ(contents(s), contents(p));
  s.registry.execute("ha-reset", nullptr, {});
  ASSERT_EQ(s.service->state(), HaState::Syncing);
  Loopback& toP = *s.peers["server1"];
  Loopback& toS = *p.peers["server2"];
  // Page 1 (.10 .11 .12) snapshotted; the partner then releases .11 and renews .12, and its
  // lease4-del / lease4-update reach the puller BEFORE the stale page does.
  toP.serveOne();
  release(p, Ipv4(198, 18, 16, 11));
  commit(p, lease(12, 9000));
  while (toS.deliverOne()) {
  }
  EXPECT_FALSE(s.control.store.byAddress(Ipv4(198, 18, 16, 11)));
  toP.deliverOne();  // the stale page: .11 comes back for a moment
  pump();
  EXPECT_EQ(contents(s), contents(p));
  EXPECT_FALSE(s.control.store.byAddress(Ipv4(198, 18, 16, 11)));
  EXPECT_EQ(s.control.store.byAddress(Ipv4(198, 18, 16, 12))->cltt, 9000);
  EXPECT_TRUE(p.control.enabled);
  EXPECT_EQ(p.service->state(), HaState::LoadBalancing);
}

TEST_F(HaSyncStreamTest, ResyncAfterAPartitionFetchesOnlyTheLeasesChangedMeanwhile) {
  bothInLoadBalancing(7);
  Side& p = *sides["server1"];
  Side& s = *sides["server2"];
  // Acknowledged updates in load-balancing: server2 holds these, a delta need not carry them.
  for (std::uint8_t h = 20; h < 25; ++h) commit(p, lease(h, 2000 + h));
  pump();
  EXPECT_EQ(contents(s), contents(p));
  // A partition: server1's updates fail (three changes), then it heals and server2 resyncs.
  Loopback& toP = *s.peers["server1"];
  Loopback& toS = *p.peers["server2"];
  toS.down = true;
  toP.down = true;
  commit(p, lease(30, 3000));
  commit(p, lease(11, 3001));
  release(p, Ipv4(198, 18, 16, 20));
  pump();
  EXPECT_NE(contents(s), contents(p));
  toS.down = false;
  toP.down = false;
  const std::size_t sized = s.control.expected.size();
  s.registry.execute("ha-reset", nullptr, {});
  ASSERT_EQ(s.service->state(), HaState::Syncing);
  ASSERT_NE(toP.front(), nullptr);
  EXPECT_EQ((*toP.front())["command"], "tandem-lease4-sync-page");
  EXPECT_EQ(toP.front()->at("arguments").value("delta", false), true);
  pump();
  EXPECT_EQ(contents(s), contents(p));
  ASSERT_TRUE(s.service->lastSync());
  EXPECT_TRUE(s.service->lastSync()->ok);
  EXPECT_EQ(s.service->lastSync()->run.mode, sync::SyncMode::TandemDelta);
  EXPECT_EQ(s.service->lastSync()->run.received, 0u);  // no page
  EXPECT_EQ(s.service->lastSync()->run.changes, 3u);   // just the three
  EXPECT_EQ(s.control.expected.size(), sized);         // a delta sizes nothing
  // The next resync with nothing changed meanwhile is an empty delta.
  for (int i = 0; i < 4; ++i) {
    heartbeat(p);
    heartbeat(s);
  }
  s.registry.execute("ha-reset", nullptr, {});
  pump();
  EXPECT_EQ(s.service->lastSync()->run.mode, sync::SyncMode::TandemDelta);
  EXPECT_EQ(s.service->lastSync()->run.changes, 0u);
  EXPECT_EQ(contents(s), contents(p));
  // An operator's ha-sync pulls everything, as Kea's does.
  for (int i = 0; i < 4; ++i) {
    heartbeat(p);
    heartbeat(s);
  }
  json answer;
  s.registry.executeAsync("ha-sync", {{"server-name", "server1"}}, {}, [&](json a) { answer = std::move(a); });
  ASSERT_NE(toP.front(), nullptr);
  EXPECT_FALSE(toP.front()->at("arguments").contains("delta"));
  pump();
  EXPECT_EQ(answer["result"], 0);
  EXPECT_EQ(s.service->lastSync()->run.mode, sync::SyncMode::TandemStream);
  EXPECT_EQ(s.service->lastSync()->run.received, contents(p).size());
  ASSERT_EQ(s.control.expected.size(), sized + 1);
  EXPECT_EQ(s.control.expected.back(), contents(p).size());
}

// A lease server1 changed, then lost to a pull from server2 (server2 had released the address),
// is no deletion of server1's: server2's delta from server1 must not carry one, or it would
// erase the lease server2 handed out for that address since (an ACKed lease).
TEST_F(HaSyncStreamTest, ADeltaNeverErasesALeaseThePullerHandedOutSince) {
  bothInLoadBalancing(4);
  Side& p = *sides["server1"];
  Side& s = *sides["server2"];
  Loopback& toP = *s.peers["server1"];
  Loopback& toS = *p.peers["server2"];
  const Ipv4 a(198, 18, 16, 30);
  // Cut off (both go to communication-recovery): both hand out .30 (server1 first), and
  // server2's client releases it.
  toS.down = toP.down = true;
  commit(p, lease(30, 3000, 0x11));
  commit(s, lease(30, 3500, 0x22));
  pump();
  release(s, a);
  toS.down = toP.down = false;
  // server1 resynchronises from server2 (server2 gets no heartbeat, so it replays nothing):
  // the release (cltt 3500) removes server1's .30.
  p.registry.execute("ha-reset", nullptr, {});
  heartbeat(p);
  ASSERT_TRUE(p.service->lastSync()->ok);
  ASSERT_EQ(p.service->lastSync()->run.mode, sync::SyncMode::TandemDelta);
  ASSERT_FALSE(p.control.store.byAddress(a));
  // Cut off again, server2 hands .30 to a new client (well after the release), then resyncs.
  toS.down = toP.down = true;
  commit(s, lease(30, 4000, 0x33));
  pump();
  toS.down = toP.down = false;
  s.registry.execute("ha-reset", nullptr, {});
  heartbeat(s);
  ASSERT_TRUE(s.service->lastSync()->ok);
  EXPECT_EQ(s.service->lastSync()->run.mode, sync::SyncMode::TandemDelta);
  auto kept = s.control.store.byAddress(a);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->cltt, 4000);
  EXPECT_EQ(kept->hwAddr, lease(30, 4000, 0x33).hwAddr);
}

// Every way a lease changes here reaches a partner's delta, even when its update is still in
// flight as the delta is computed and fails afterwards: a lease the engine committed, an
// operator's lease4-add / lease4-del, a reclamation; and a change made after the delta was
// computed, before the puller's done.
TEST_F(HaSyncStreamTest, ADeltaCarriesEveryKindOfChangeSinceThePartnerLastHeldAll) {
  bothInLoadBalancing(6);
  Side& p = *sides["server1"];
  Side& s = *sides["server2"];
  Loopback& toP = *s.peers["server1"];
  Loopback& toS = *p.peers["server2"];
  commit(p, lease(40, 4000));
  Lease added = lease(41, 4001);
  ASSERT_EQ(p.registry.execute("lease4-add", api::leaseToJson(added), {})["result"], 0);
  ASSERT_EQ(p.registry.execute("lease4-del", {{"ip-address", "198.18.16.10"}}, {})["result"], 0);
  // A reclamation (the lease expired; Kea's reclaim keeps it as expired-reclaimed).
  Lease reclaimed = *p.control.store.byAddress(Ipv4(198, 18, 16, 11));
  reclaimed.state = LeaseState::ExpiredReclaimed;
  commit(p, reclaimed);
  ASSERT_FALSE(toS.queue.empty());  // none of them delivered yet
  s.registry.execute("ha-reset", nullptr, {});
  ASSERT_EQ(s.service->state(), HaState::Syncing);
  bool served = false;
  for (auto& r : toP.queue) {
    if (r.command["command"] != "tandem-lease4-sync-page") continue;
    EXPECT_EQ(r.command["arguments"].value("delta", false), true);
    r.answer = toP.execute(r.command);  // the delta is computed now
    served = true;
  }
  ASSERT_TRUE(served);
  // The updates in flight then fail: only the delta brings those changes.
  toS.down = true;
  while (toS.deliverOne()) {
  }
  toS.down = false;
  commit(p, lease(42, 4002));  // after the delta, before the puller's done
  pump();
  ASSERT_TRUE(s.service->lastSync()->ok);
  EXPECT_EQ(s.service->lastSync()->run.mode, sync::SyncMode::TandemDelta);
  EXPECT_EQ(contents(s), contents(p));
  ASSERT_TRUE(s.control.store.byAddress(Ipv4(198, 18, 16, 11)));
  EXPECT_EQ(s.control.store.byAddress(Ipv4(198, 18, 16, 11))->state, LeaseState::ExpiredReclaimed);
  EXPECT_FALSE(s.control.store.byAddress(Ipv4(198, 18, 16, 10)));
  EXPECT_TRUE(s.control.store.byAddress(Ipv4(198, 18, 16, 40)));
  EXPECT_TRUE(s.control.store.byAddress(Ipv4(198, 18, 16, 41)));
  EXPECT_TRUE(s.control.store.byAddress(Ipv4(198, 18, 16, 42)));
}

// server1 marks server2 as holding all its leases when it answers server2's done request.
// If that answer never arrives (lost, timed out), server2 lacks the changes it carried, so its
// next pull must be a full one: a delta from server1's record would leave them out.
TEST_F(HaSyncStreamTest, AfterAPullThatFailedAtTheEndTheNextPullIsFull) {
  bothInLoadBalancing(4);
  Side& p = *sides["server1"];
  Side& s = *sides["server2"];
  Loopback& toP = *s.peers["server1"];
  s.registry.execute("ha-reset", nullptr, {});
  ASSERT_NE(toP.front(), nullptr);
  EXPECT_EQ(toP.front()->at("arguments").value("delta", false), true);
  ASSERT_TRUE(toP.deliverOne());  // the (empty) delta
  commit(p, lease(50, 5000));     // recorded for the done answer
  ASSERT_NE(toP.front(), nullptr);
  ASSERT_EQ((*toP.front())["command"], "tandem-lease4-sync-done");
  ASSERT_TRUE(toP.serveOne());                        // server1 hands .50 over and marks server2 synchronised...
  toP.queue.front().answer = makeError("timed out");  // ...but the answer is lost
  ASSERT_TRUE(toP.deliverOne());
  ASSERT_TRUE(s.service->lastSync());
  EXPECT_FALSE(s.service->lastSync()->ok);
  // .50's own update (sent in load-balancing) fails too: server2 does not hold .50.
  Loopback& toS = *p.peers["server2"];
  toS.down = true;
  pump();
  toS.down = false;
  ASSERT_FALSE(s.control.store.byAddress(Ipv4(198, 18, 16, 50)));
  // The retry (after its back-off) asks for everything and gets .50.
  ASSERT_TRUE(s.timers.fireIfArmed(ha::TimerId::SyncRetry, s.control.clock));
  pump();
  ASSERT_TRUE(s.service->lastSync()->ok);
  EXPECT_EQ(s.service->lastSync()->run.mode, sync::SyncMode::TandemStream);
  EXPECT_EQ(s.service->lastSync()->run.received, contents(p).size());
  EXPECT_TRUE(s.control.store.byAddress(Ipv4(198, 18, 16, 50)));
}

TEST_F(HaSyncStreamTest, APullerThatRestartedGetsTheWholeDatabase) {
  bothInLoadBalancing(4);
  Side& p = *sides["server1"];
  // server2 comes back with an empty lease file: it must not ask for a delta (server1 still
  // believes it holds everything).
  sides.erase("server2");
  Side& s = startPuller();
  ASSERT_EQ(s.service->state(), HaState::Syncing);
  Loopback& toP = *s.peers["server1"];
  ASSERT_NE(toP.front(), nullptr);
  EXPECT_FALSE(toP.front()->at("arguments").contains("delta"));
  pump();
  EXPECT_EQ(contents(s), contents(p));
  EXPECT_EQ(s.service->lastSync()->run.mode, sync::SyncMode::TandemStream);
}

TEST_F(HaSyncStreamTest, APartnerThatRestartedAnswersADeltaRequestInFull) {
  bothInLoadBalancing(4);
  Side& p = *sides["server1"];
  Side& s = *sides["server2"];
  // server1 restarts (same leases, no delivery record) and server2 resyncs from it.
  auto leases = p.control.store;
  sides.erase("server1");
  Side& p2 = add("server1");
  p2.control.store = leases;
  wire();
  p2.service->start();
  s.registry.execute("ha-reset", nullptr, {});
  Loopback& toP = *s.peers["server1"];
  ASSERT_NE(toP.front(), nullptr);
  EXPECT_EQ(toP.front()->at("arguments").value("delta", false), true);
  pump();
  ASSERT_TRUE(s.service->lastSync());
  EXPECT_TRUE(s.service->lastSync()->ok);
  EXPECT_EQ(s.service->lastSync()->run.mode, sync::SyncMode::TandemStream);
  EXPECT_EQ(s.service->lastSync()->run.received, 4u);
  EXPECT_EQ(contents(s), contents(p2));
}

TEST_F(HaSyncStreamTest, PartnerRestartHalfWayFailsTheSyncAndItIsRetriedWithBackOff) {
  Side& p = partnerDownPrimary();
  for (std::uint8_t h = 10; h < 20; ++h) commit(p, lease(h, 1000 + h));
  Side& s = startPuller();
  Loopback& toP = *s.peers["server1"];
  toP.deliverOne();  // page 1
  // The partner restarts: its sessions are gone.
  sides["server1"]->service->stop();
  auto cfg = ha::testing::lbConfig("server1");
  p.service.reset();
  HaService::Peers peers;
  for (const ha::PeerConfig* peer : cfg.otherPeers()) {
    auto t = std::make_unique<Loopback>();
    p.peers[peer->name] = t.get();
    peers[peer->name] = std::move(t);
  }
  p.registry = api::CommandRegistry();
  api::registerLeaseCommands(p.registry, p.control);
  p.service = std::make_unique<HaService>(cfg, p.control.cfg, p.control, std::move(peers), p.timers, p.log);
  p.service->registerCommands(p.registry);
  p.control.ha = p.service.get();
  wire();
  toP.deliverOne();  // page 2 with the old session: refused
  pump();
  EXPECT_EQ(s.service->state(), HaState::Syncing);
  ASSERT_TRUE(s.service->lastSync());
  EXPECT_FALSE(s.service->lastSync()->ok);
  EXPECT_NE(s.service->lastSync()->error.find("session"), std::string::npos);
  // Visible in status: failed, retry due in 1 s.
  auto st = s.service->statusSection()[0]["ha-servers"]["local"]["sync"];
  EXPECT_EQ(st["last"]["result"], "failed");
  EXPECT_EQ(st["retry-in-ms"], 1000);
  EXPECT_EQ(st["consecutive-failures"], 1);
  // The retry starts a new session from the start and completes.
  ASSERT_TRUE(s.timers.fireIfArmed(ha::TimerId::SyncRetry, s.control.clock));
  pump();
  EXPECT_EQ(contents(s), contents(p));
  EXPECT_TRUE(s.service->lastSync()->ok);
}

TEST_F(HaSyncStreamTest, AsksForTheNextPageBeforeStoringTheCurrentOne) {
  Side& p = partnerDownPrimary();
  for (std::uint8_t h = 10; h < 17; ++h) commit(p, lease(h, 1000 + h));
  Side& s = startPuller();
  Loopback& toP = *s.peers["server1"];
  // What waits on the wire each time a page's leases are stored.
  std::vector<json> waiting;
  s.control.beforePutLeases = [&](std::span<const Lease> leases) -> Result<void> {
    if (!leases.empty()) waiting.push_back(toP.front() ? *toP.front() : json(nullptr));
    return {};
  };
  pump();
  // Pages .10-.12, .13-.15, .16: the request for the next one left before each was stored.
  ASSERT_EQ(waiting.size(), 3u);
  EXPECT_EQ(waiting[0]["command"], "tandem-lease4-sync-page");
  EXPECT_EQ(waiting[0]["arguments"]["from"], "198.18.16.12");
  EXPECT_EQ(waiting[1]["arguments"]["from"], "198.18.16.15");
  // The last page (fewer leases than asked for) is followed by "done", after it is stored.
  EXPECT_TRUE(waiting[2].is_null()) << waiting[2].dump();
  EXPECT_EQ(contents(s), contents(p));
  ASSERT_TRUE(s.service->lastSync());
  EXPECT_TRUE(s.service->lastSync()->ok);
  EXPECT_EQ(s.service->lastSync()->run.pages, 3u);
  EXPECT_EQ(s.service->lastSync()->run.received, 7u);
}

TEST_F(HaSyncStreamTest, AStoreFailureWithTheNextPageOnTheWayEndsThePullOnce) {
  Side& p = partnerDownPrimary();
  for (std::uint8_t h = 10; h < 20; ++h) commit(p, lease(h, 1000 + h));
  Side& s = startPuller();
  int failures = 0;
  s.control.beforePutLeases = [&](std::span<const Lease> leases) -> Result<void> {
    if (leases.empty()) return {};
    ++failures;
    return makeError("no space left on device");
  };
  pump();  // page 1 fails to store; the answer to the page 2 request already sent is dropped
  EXPECT_EQ(failures, 1);
  EXPECT_EQ(s.service->state(), HaState::Syncing);
  ASSERT_TRUE(s.service->lastSync());
  EXPECT_FALSE(s.service->lastSync()->ok);
  EXPECT_NE(s.service->lastSync()->error.find("no space left"), std::string::npos);
  EXPECT_TRUE(contents(s).empty());
  // The retry pulls everything.
  s.control.beforePutLeases = nullptr;
  ASSERT_TRUE(s.timers.fireIfArmed(ha::TimerId::SyncRetry, s.control.clock));
  pump();
  EXPECT_EQ(contents(s), contents(p));
  EXPECT_TRUE(s.service->lastSync()->ok);
}

TEST_F(HaSyncStreamTest, ProgressIsVisibleWhileSyncing) {
  Side& p = partnerDownPrimary();
  for (std::uint8_t h = 10; h < 20; ++h) commit(p, lease(h, 1000 + h));
  Side& s = startPuller();
  s.peers["server1"]->deliverOne();
  s.control.clock.advance(250ms);
  auto st = s.service->statusSection()[0]["ha-servers"]["local"]["sync"];
  ASSERT_TRUE(st["in-progress"].is_object()) << st.dump();
  EXPECT_EQ(st["in-progress"]["peer"], "server1");
  EXPECT_EQ(st["in-progress"]["mode"], "tandem-stream");
  EXPECT_EQ(st["in-progress"]["pages"], 1);
  EXPECT_EQ(st["in-progress"]["leases-received"], 3);
  EXPECT_EQ(st["in-progress"]["elapsed-ms"], 250);
  pump();
  st = s.service->statusSection()[0]["ha-servers"]["local"]["sync"];
  EXPECT_TRUE(st["in-progress"].is_null());
  EXPECT_EQ(st["last"]["result"], "success");
  EXPECT_EQ(st["last"]["leases"], 10);
  EXPECT_EQ(sync::formatSyncLine(st).rfind("sync: last from server1 (tandem-stream) succeeded, 10 lease(s)", 0), 0u)
      << sync::formatSyncLine(st);
}

TEST_F(HaSyncStreamTest, BackupCatchesUpFromThePrimaryWithoutDisablingIt) {
  Side& p = add("server1");
  for (std::uint8_t h = 10; h < 20; ++h) commit(p, lease(h, 1000 + h));
  Side& b = add("server3");
  wire();
  b.service->start();
  ASSERT_TRUE(b.timers.fireIfArmed(ha::TimerId::SyncRetry, b.control.clock));  // catch-up at start
  Loopback& toP = *b.peers["server1"];
  toP.deliverOne();  // heartbeat
  ASSERT_TRUE(b.service->syncRunning());
  toP.serveOne();  // page 1 snapshot
  release(p, Ipv4(198, 18, 16, 10));
  commit(p, lease(11, 8000));
  pump();
  EXPECT_EQ(contents(b), contents(p));
  for (const auto& n : toP.names) EXPECT_NE(n, "dhcp-disable");
  EXPECT_EQ(b.service->state(), HaState::Backup);
  auto st = b.service->statusSection()[0]["ha-servers"]["local"]["sync"];
  EXPECT_EQ(st["last"]["result"], "success");
  EXPECT_EQ(st["last"]["mode"], "tandem-stream");
  // Nothing of the primary's service was touched.
  EXPECT_TRUE(p.control.disables.empty());
}

TEST_F(HaSyncStreamTest, BackupFallsBackToTheSecondaryThenBacksOff) {
  Side& sec = add("server2");
  for (std::uint8_t h = 10; h < 14; ++h) commit(sec, lease(h, 1000 + h));
  Side& b = add("server3");
  wire();  // server1 does not exist: unreachable
  b.service->start();
  ASSERT_TRUE(b.timers.fireIfArmed(ha::TimerId::SyncRetry, b.control.clock));
  pump();
  EXPECT_EQ(contents(b), contents(sec));
  EXPECT_EQ(b.service->lastSync()->run.peer, "server2");
  // Nobody reachable: back-off 1 s, 2 s.
  Side& b2 = add("server3");  // replaces the old backup
  sides.erase("server2");
  wire();
  b2.service->start();
  ASSERT_TRUE(b2.timers.fireIfArmed(ha::TimerId::SyncRetry, b2.control.clock));
  pump();
  auto st = b2.service->statusSection()[0]["ha-servers"]["local"]["sync"];
  EXPECT_EQ(st["retry-in-ms"], 1000);
  ASSERT_TRUE(b2.timers.fireIfArmed(ha::TimerId::SyncRetry, b2.control.clock));
  pump();
  st = b2.service->statusSection()[0]["ha-servers"]["local"]["sync"];
  EXPECT_EQ(st["retry-in-ms"], 2000);
  EXPECT_EQ(st["consecutive-failures"], 2);
}


TEST_F(HaSyncStreamTest, BackupWithAKeaActivePagesWithoutDisablingAndReconcilesItsUpdates) {
  // A Kea 2.2 active: lease_cmds' lease4-get-page and an ha-heartbeat without "tandem-sync".
  api::testing::FakeServerControl kea;
  api::testing::setUpTwoSubnets(kea);
  api::CommandRegistry keaRegistry;
  api::registerLeaseCommands(keaRegistry, kea);
  std::vector<std::string> keaSeen;
  keaRegistry.add("ha-heartbeat", [&](const json&, const api::CommandContext&) {
    return api::makeAnswer(0, "HA peer status returned.",
                           {{"state", "load-balancing"}, {"date-time", "Tue, 04 Aug 2026 10:15:07 GMT"}});
  });
  keaRegistry.add("dhcp-disable", [&](const json&, const api::CommandContext&) {
    keaSeen.push_back("dhcp-disable");
    return api::makeAnswer(0, "disabled");
  });
  for (std::uint8_t h = 10; h < 20; ++h) ASSERT_TRUE(kea.store.put(lease(h, 1000 + h)));
  Side& b = add("server3");
  wire();
  b.peers["server1"]->remote = &keaRegistry;
  // sync-page-limit is 10000 by default; make Kea's pages small through the config's limit.
  b.service->start();
  ASSERT_TRUE(b.timers.fireIfArmed(ha::TimerId::SyncRetry, b.control.clock));
  Loopback& toKea = *b.peers["server1"];
  toKea.deliverOne();  // heartbeat: a Kea peer
  ASSERT_TRUE(b.service->syncRunning());
  EXPECT_FALSE(b.service->peerHasTandemSync("server1"));
  toKea.serveOne();  // the (only) page is snapshotted
  // Meanwhile the active releases .12 and renews .13 and tells the backup (Kea 2.2 sends no
  // "origin"), before the stale page arrives.
  ASSERT_TRUE(kea.store.erase(Ipv4(198, 18, 16, 12)));
  Lease renewed = lease(13, 9000);
  ASSERT_TRUE(kea.store.put(renewed));
  json del = sync::leaseDelArgs(lease(12, 1012));
  del.erase("origin");
  json upd = sync::leaseUpdateArgs(renewed);
  upd.erase("origin");
  // Not found: the backup does not hold .12 yet (its page is in flight).
  EXPECT_EQ(b.registry.execute("lease4-del", del, {})["result"], 3);
  EXPECT_EQ(b.registry.execute("lease4-update", upd, {})["result"], 0);
  pump();
  std::map<std::uint32_t, std::int64_t> want;
  kea.store.forEach([&](const Lease& l) { want[l.address.value] = l.cltt; });
  EXPECT_EQ(contents(b), want);
  EXPECT_TRUE(keaSeen.empty());  // the active was never disabled
  ASSERT_TRUE(b.service->lastSync());
  EXPECT_TRUE(b.service->lastSync()->ok);
  EXPECT_EQ(b.service->lastSync()->run.mode, sync::SyncMode::KeaPaged);
  for (const auto& n : toKea.names) {
    EXPECT_NE(n, "ha-sync-complete-notify");
    EXPECT_NE(n, "dhcp-enable");
  }
}

// A peer that restarted with its leases pulls the partner's database; when its pages had every
// lease it holds, unchanged, the partner holds all of ours, so the partner's next resync from
// this peer is a delta (before, it was a full pull: bench-delta.sh, 3.7 s for 2 M leases).
TEST_F(HaSyncStreamTest, AfterAPullShowingThePartnerHoldsAllOursItsResyncFromUsIsADelta) {
  bothInLoadBalancing(4);
  Side& p = *sides["server1"];
  Side& s2 = restartServer2With(sides["server2"]->control.store);
  ASSERT_TRUE(s2.service->lastSync() && s2.service->lastSync()->ok);
  ASSERT_EQ(s2.service->lastSync()->run.mode, sync::SyncMode::TandemStream);
  ASSERT_EQ(s2.service->state(), HaState::LoadBalancing);
  // A partition: server2 hands out a lease server1 never hears of; then server1 resyncs.
  s2.peers["server1"]->down = p.peers["server2"]->down = true;
  commit(s2, lease(60, 6000));
  pump();
  s2.peers["server1"]->down = p.peers["server2"]->down = false;
  p.registry.execute("ha-reset", nullptr, {});
  heartbeat(p);
  ASSERT_TRUE(p.service->lastSync() && p.service->lastSync()->ok);
  EXPECT_EQ(p.service->lastSync()->run.mode, sync::SyncMode::TandemDelta);
  EXPECT_EQ(p.service->lastSync()->run.changes, 1u);
  EXPECT_EQ(contents(p), contents(s2));
  // A peer whose pages lacked one of its leases gives no such promise: a full pull.
  auto more = s2.control.store;
  ASSERT_TRUE(more.put(lease(61, 6100)));
  Side& s3 = restartServer2With(more);
  ASSERT_TRUE(s3.service->lastSync() && s3.service->lastSync()->ok);
  p.registry.execute("ha-reset", nullptr, {});
  heartbeat(p);
  ASSERT_TRUE(p.service->lastSync() && p.service->lastSync()->ok);
  EXPECT_EQ(p.service->lastSync()->run.mode, sync::SyncMode::TandemStream);
  EXPECT_EQ(contents(p), contents(s3));
}

// The other way round (bench-delta.sh at 2 M leases): server1 served alone, server2 came up with
// the same leases and pulled from it; server1 never pulled from server2. After a partition,
// server1's resync from server2 is a delta: server2 saw server1's whole store in its pull.
TEST_F(HaSyncStreamTest, APartnerThatPulledOurWholeStoreServesUsADeltaLater) {
  Side& p = partnerDownPrimary();
  for (std::uint8_t h = 10; h < 14; ++h) commit(p, lease(h, 1000 + h));
  pump();
  Side& s = add("server2");
  s.control.clock = p.control.clock;
  s.control.store = p.control.store;
  wire();
  s.service->start();
  for (int i = 0; i < 6; ++i) {
    heartbeat(p);
    heartbeat(s);
  }
  ASSERT_EQ(p.service->state(), HaState::LoadBalancing);
  ASSERT_EQ(s.service->state(), HaState::LoadBalancing);
  ASSERT_TRUE(s.service->lastSync() && s.service->lastSync()->ok);
  ASSERT_FALSE(p.service->lastSync());  // server1 never pulled
  s.peers["server1"]->down = p.peers["server2"]->down = true;
  commit(s, lease(60, 6000));
  pump();
  s.peers["server1"]->down = p.peers["server2"]->down = false;
  p.registry.execute("ha-reset", nullptr, {});
  heartbeat(p);
  ASSERT_TRUE(p.service->lastSync() && p.service->lastSync()->ok);
  EXPECT_EQ(p.service->lastSync()->run.mode, sync::SyncMode::TandemDelta);
  EXPECT_EQ(p.service->lastSync()->run.changes, 1u);
  EXPECT_EQ(contents(p), contents(s));
}

// An update stuck on the wire (a partition) while the partner pulls our database: the pull
// carried its lease, so when the update finally fails, nothing is wrong with the partner. It
// must not count as a failed update (Kea: the partner becomes unavailable, and in
// load-balancing the change would wait in a backlog).
// A batched update stuck on the wire (a partition) must not hold back the changes made after
// the partner pulled our database: the hand-over waits for those (ha_handover_drain.h).
TEST_F(HaSyncStreamTest, AfterThePartnersPullLaterUpdatesDoNotWaitForAStuckBatch) {
  bothInLoadBalancing(3);
  Side& p = *sides["server1"];
  Side& s = *sides["server2"];
  ASSERT_TRUE(p.service->peerHasBulkApply("server2"));
  Loopback& toS = *p.peers["server2"];
  Loopback& toP = *s.peers["server1"];
  commit(p, lease(30, 3000));  // its batch leaves and sticks
  commit(p, lease(31, 3001));  // waits for it (one batch on the wire, fewer than minBatch waiting)
  ASSERT_EQ(toS.queue.size(), 1u);
  s.registry.execute("ha-reset", nullptr, {});
  for (int guard = 0; guard < 100 && toP.deliverOne(); ++guard) {
  }
  ASSERT_TRUE(s.service->lastSync() && s.service->lastSync()->ok);
  // The pull carried both; a change made since leaves at once, beside the stuck batch.
  commit(p, lease(32, 3002));
  EXPECT_EQ(toS.queue.size(), 2u);
}

TEST_F(HaSyncStreamTest, AFailedUpdateThePartnersPullCoveredIsOldNews) {
  bothInLoadBalancing(3);
  Side& p = *sides["server1"];
  Side& s = *sides["server2"];
  Loopback& toS = *p.peers["server2"];
  Loopback& toP = *s.peers["server1"];
  commit(p, lease(30, 3000));
  ASSERT_EQ(toS.queue.size(), 1u);
  // server2 pulls from server1 (a delta): only its own requests are served.
  s.registry.execute("ha-reset", nullptr, {});
  ASSERT_EQ(s.service->state(), HaState::Syncing);
  for (int guard = 0; guard < 100 && toP.deliverOne(); ++guard) {
  }
  EXPECT_NE(s.service->state(), HaState::Syncing);
  ASSERT_TRUE(s.service->lastSync() && s.service->lastSync()->ok);
  EXPECT_TRUE(s.control.store.byAddress(Ipv4(198, 18, 16, 30)));
  // The stuck update times out at last.
  ASSERT_EQ(toS.queue.size(), 1u);
  auto stuck = std::move(toS.queue.front());
  toS.queue.pop_front();
  stuck.cb(makeError("peer https://198.18.0.2:8001/: no answer in time"));
  EXPECT_NE(p.service->machine().partnerState(), HaState::Unavailable);
  EXPECT_EQ(p.service->backlogSize(), 0u);
  // A later change that fails is no old news.
  commit(p, lease(31, 3001));
  ASSERT_EQ(toS.queue.size(), 1u);
  auto failed = std::move(toS.queue.front());
  toS.queue.pop_front();
  failed.cb(makeError("peer https://198.18.0.2:8001/: no answer in time"));
  EXPECT_EQ(p.service->machine().partnerState(), HaState::Unavailable);
}

// bench-delta.sh found the two stores different after a partition both ways: server1 handed
// .40 to client A (its update failed), server2 in partner-down handed .40 to client B later;
// at the heal server1 pulled server2's delta (B wins: newer), then server2 pulled server1's
// delta and stored A's older lease over B's. Both must end with B's (the newer cltt wins, as
// in a full sync), and the lease each store holds for A and B must be the same.
TEST_F(HaSyncStreamTest, ResyncsBothWaysAfterAPartitionAgreeOnTheNewerLease) {
  bothInLoadBalancing(4);
  Side& p = *sides["server1"];
  Side& s = *sides["server2"];
  Loopback& toP = *s.peers["server1"];
  Loopback& toS = *p.peers["server2"];
  toS.down = toP.down = true;
  commit(p, lease(40, 5000, 0xa1));  // A at server1
  commit(p, lease(41, 5001, 0xb1));  // B at server1 (another address)
  commit(s, lease(40, 5005, 0xb1));  // B at server2, later, on the same address as A
  pump();
  toS.down = toP.down = false;
  p.registry.execute("ha-reset", nullptr, {});
  heartbeat(p);
  ASSERT_TRUE(p.service->lastSync() && p.service->lastSync()->ok);
  EXPECT_EQ(p.service->lastSync()->run.mode, sync::SyncMode::TandemDelta);
  s.registry.execute("ha-reset", nullptr, {});
  heartbeat(s);
  ASSERT_TRUE(s.service->lastSync() && s.service->lastSync()->ok);
  EXPECT_EQ(s.service->lastSync()->run.mode, sync::SyncMode::TandemDelta);
  const Ipv4 a(198, 18, 16, 40);
  auto atP = p.control.store.byAddress(a);
  auto atS = s.control.store.byAddress(a);
  ASSERT_TRUE(atP);
  ASSERT_TRUE(atS);
  EXPECT_EQ(atP->cltt, 5005);
  EXPECT_EQ(atS->cltt, 5005);
  EXPECT_EQ(atS->hwAddr, atP->hwAddr);
  EXPECT_EQ(contents(s), contents(p));
}

}  // namespace
}  // namespace tandem::daemon
