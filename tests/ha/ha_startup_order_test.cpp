// Start-up ordering of a pair (reference/ha-protocol.md 2.5, issue 4 "Start-up ordering"):
// two real HaMachines wired to each other through a tiny simulated network with one fake
// clock. Heartbeats are answered with the other machine's current heartbeatReply(), timers
// fire in time order and a sync takes a fixed time, so whole start-ups run in microseconds
// and the interleaving is exactly reproducible.
#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "dhcpd/common/clock.h"
#include "ha/ha_machine.h"
#include "tests/ha/ha_test_util.h"

namespace tandem::ha {
namespace {

using namespace std::chrono_literals;
using namespace testing;
using S = HaState;

struct Node {
  explicit Node(HaConfig c) : m(std::move(c)) {}
  HaMachine m;
  bool up = true;  // answers heartbeats
  bool started = false;
  std::map<TimerId, SteadyTime> timers;
  std::optional<SteadyTime> syncDoneAt;
  int syncs = 0;
  int failSyncs = 0;  // this many syncs fail before one succeeds
  std::vector<SteadyTime> syncStarts;
};

struct Entry {
  SteadyTime at;
  std::string node;
  S state;
  S partnerState;  // the other machine's state at that instant
};

class PairSim {
 public:
  PairSim(HaConfig a, HaConfig b) : a_(std::move(a)), b_(std::move(b)) {}

  Node& a() { return a_; }
  Node& b() { return b_; }
  FakeClock clock;
  std::chrono::milliseconds syncTime{1500};
  bool linkUp = true;  // false: a partition between the two (both keep running)
  std::vector<Entry> log;

  void start(Node& n) {
    n.started = true;
    n.up = true;
    apply(n, n.m.handle(Start{}, fakeSteady(clock)));
  }

  // Runs events in time order until `until` (simulated).
  void runFor(std::chrono::milliseconds span) {
    const SteadyTime end = fakeSteady(clock) + span;
    for (int guard = 0; guard < 100000; ++guard) {
      if (!pending_.empty()) {
        auto [from, hb] = pending_.front();
        pending_.pop_front();
        deliverHeartbeat(*from, hb);
        continue;
      }
      Node* who = nullptr;
      std::optional<TimerId> timer;
      SteadyTime next = end;
      for (Node* n : {&a_, &b_}) {
        if (!n->started) continue;
        for (const auto& [id, at] : n->timers) {
          if (at < next) {
            next = at;
            who = n;
            timer = id;
          }
        }
        if (n->syncDoneAt && *n->syncDoneAt < next) {
          next = *n->syncDoneAt;
          who = n;
          timer.reset();
        }
      }
      if (!who) {
        if (fakeSteady(clock) < end) clock.advance(end - fakeSteady(clock));
        return;
      }
      if (next > fakeSteady(clock)) clock.advance(next - fakeSteady(clock));
      if (timer) {
        who->timers.erase(*timer);
        apply(*who, who->m.handle(TimerFired{*timer}, fakeSteady(clock)));
      } else {
        who->syncDoneAt.reset();
        const bool ok = who->failSyncs == 0;
        if (!ok) --who->failSyncs;
        apply(*who, who->m.handle(SyncFinished{ok, ok ? "0 leases" : "partner restarted"}, fakeSteady(clock)));
      }
    }
    FAIL() << "simulation did not settle";
  }

  // First time `node` entered `state`, if it did.
  std::optional<SteadyTime> firstEntry(const std::string& node, S state) const {
    for (const auto& e : log) {
      if (e.node == node && e.state == state) return e.at;
    }
    return std::nullopt;
  }

 private:
  Node& other(Node& n) { return &n == &a_ ? b_ : a_; }
  const char* name(const Node& n) const { return &n == &a_ ? "a" : "b"; }

 public:
  // Feeds actions a machine returned back into the simulation.
  void apply(Node& n, const std::vector<Action>& actions) {
    for (const Action& act : actions) {
      if (const auto* t = std::get_if<ArmTimer>(&act)) n.timers[t->id] = t->at;
      if (const auto* c = std::get_if<CancelTimer>(&act)) n.timers.erase(c->id);
      if (std::get_if<SendHeartbeat>(&act)) pending_.emplace_back(&n, true);
      if (std::get_if<StartSync>(&act)) {
        ++n.syncs;
        n.syncStarts.push_back(fakeSteady(clock));
        n.syncDoneAt = fakeSteady(clock) + syncTime;
      }
      if (std::get_if<SendHaReset>(&act)) {
        Node& o = other(n);
        const bool ok = linkUp && o.started && o.up;
        if (ok) apply(o, o.m.handle(HaResetCommand{}, fakeSteady(clock)));
        apply(n, n.m.handle(HaResetFinished{ok, ok ? "" : "unreachable"}, fakeSteady(clock)));
      }
      if (std::get_if<ReplayBacklog>(&act)) {
        apply(n, n.m.handle(BacklogReplayFinished{linkUp, ""}, fakeSteady(clock)));
      }
      if (const auto* c = std::get_if<StateChanged>(&act)) {
        log.push_back({fakeSteady(clock), name(n), c->to, other(n).m.state()});
      }
    }
  }

 private:
  void deliverHeartbeat(Node& from, bool) {
    Node& to = other(from);
    if (!to.started || !to.up || !linkUp) {
      apply(from, from.m.handle(HeartbeatFailed{"connection refused"}, fakeSteady(clock)));
      return;
    }
    const HeartbeatReply r = to.m.heartbeatReply();
    HeartbeatAnswered ans;
    ans.partnerState = r.state;
    ans.partnerTime = clock.now();
    ans.localTime = clock.now();
    ans.scopes = r.scopes;
    ans.unsentUpdateCount = r.unsentUpdateCount;
    apply(from, from.m.handle(ans, fakeSteady(clock)));
  }

  Node a_, b_;
  std::deque<std::pair<Node*, bool>> pending_;
};

bool isNormal(S s) { return s == S::LoadBalancing || s == S::HotStandby; }

TEST(HaStartupOrder, BothStartTogetherPrimarySyncsFirstSecondaryWaitsForIt) {
  PairSim sim(lbConfig("server1"), lbConfig("server2"));  // a = primary, b = secondary
  sim.start(sim.b());                                     // the secondary even starts first, at the same instant
  sim.start(sim.a());
  sim.runFor(30s);
  EXPECT_EQ(sim.a().m.state(), S::LoadBalancing);
  EXPECT_EQ(sim.b().m.state(), S::LoadBalancing);
  const auto pSync = sim.firstEntry("a", S::Syncing), sSync = sim.firstEntry("b", S::Syncing);
  const auto pReady = sim.firstEntry("a", S::Ready);
  ASSERT_TRUE(pSync && sSync && pReady);
  EXPECT_LT(*pSync, *sSync);
  EXPECT_LE(*pReady, *sSync);
  // The secondary synced only while the primary was ready or already serving.
  for (const auto& e : sim.log) {
    if (e.node == "b" && e.state == S::Syncing) {
      EXPECT_TRUE(e.partnerState == S::Ready || isNormal(e.partnerState)) << toString(e.partnerState);
    }
  }
  // The primary moved to its normal state first.
  EXPECT_LE(*sim.firstEntry("a", S::LoadBalancing), *sim.firstEntry("b", S::LoadBalancing));
  EXPECT_EQ(sim.a().syncs, 1);
  EXPECT_EQ(sim.b().syncs, 1);
}

TEST(HaStartupOrder, HotStandbyStandbyAlsoWaitsForThePrimary) {
  PairSim sim(hsConfig("server1"), hsConfig("server2"));
  sim.start(sim.a());
  sim.start(sim.b());
  sim.runFor(30s);
  EXPECT_EQ(sim.a().m.state(), S::HotStandby);
  EXPECT_EQ(sim.b().m.state(), S::HotStandby);
  EXPECT_LT(*sim.firstEntry("a", S::Syncing), *sim.firstEntry("b", S::Syncing));
}

TEST(HaStartupOrder, PrimaryWithUnreachablePartnerGoesPartnerDownAfterMaxResponseDelay) {
  PairSim sim(lbConfig("server1"), lbConfig("server2"));
  const SteadyTime t0 = fakeSteady(sim.clock);
  sim.start(sim.a());
  sim.runFor(10s);
  EXPECT_EQ(sim.a().m.state(), S::PartnerDown);
  // max-response-delay is 3 s in these configs: not before, and not much after.
  const auto pd = sim.firstEntry("a", S::PartnerDown);
  ASSERT_TRUE(pd);
  EXPECT_GT(*pd - t0, 3s);
  EXPECT_LE(*pd - t0, 4s);
  EXPECT_EQ(sim.a().syncs, 0);
}

TEST(HaStartupOrder, SecondaryWithUnreachablePrimaryDoesNotWaitForever) {
  PairSim sim(lbConfig("server1"), lbConfig("server2"));
  sim.start(sim.b());
  sim.runFor(10s);
  EXPECT_EQ(sim.b().m.state(), S::PartnerDown);
  EXPECT_EQ(sim.b().syncs, 0);
}

TEST(HaStartupOrder, LateSecondarySyncsFromThePrimaryInPartnerDownThenBothServe) {
  PairSim sim(lbConfig("server1"), lbConfig("server2"));
  sim.start(sim.a());
  sim.runFor(10s);
  ASSERT_EQ(sim.a().m.state(), S::PartnerDown);
  sim.start(sim.b());
  sim.runFor(30s);
  EXPECT_EQ(sim.b().syncs, 1);
  EXPECT_EQ(sim.a().syncs, 0);  // the survivor has nothing to fetch
  EXPECT_EQ(sim.a().m.state(), S::LoadBalancing);
  EXPECT_EQ(sim.b().m.state(), S::LoadBalancing);
}

TEST(HaStartupOrder, PrimaryBackOffHoldsTheSecondaryUntilItIsReady) {
  PairSim sim(lbConfig("server1"), lbConfig("server2"));
  sim.a().failSyncs = 3;  // e.g. the secondary's listener is not up yet
  sim.start(sim.a());
  sim.start(sim.b());
  sim.runFor(60s);
  ASSERT_EQ(sim.a().syncStarts.size(), 4u);
  // Retries after 1, 2 and 4 s of back-off (each sync takes 1.5 s).
  using ms = std::chrono::milliseconds;
  std::vector<ms> gaps;
  for (std::size_t i = 1; i < sim.a().syncStarts.size(); ++i) {
    gaps.push_back(std::chrono::duration_cast<ms>(sim.a().syncStarts[i] - sim.a().syncStarts[i - 1]) - sim.syncTime);
  }
  EXPECT_EQ(gaps, (std::vector<ms>{ms(1000), ms(2000), ms(4000)}));
  // The secondary never started before the primary finished.
  EXPECT_GE(*sim.firstEntry("b", S::Syncing), *sim.firstEntry("a", S::Ready));
  EXPECT_EQ(sim.a().m.state(), S::LoadBalancing);
  EXPECT_EQ(sim.b().m.state(), S::LoadBalancing);
}

TEST(HaResync, PartitionWithOverflowedBacklogEndsInAFullResyncPrimaryFirst) {
  PairSim sim(lbConfig("server1"), lbConfig("server2"));
  sim.start(sim.a());
  sim.start(sim.b());
  sim.runFor(30s);
  ASSERT_EQ(sim.a().m.state(), S::LoadBalancing);
  // The link breaks; no unacked clients pile up, so both keep their halves and queue updates.
  sim.linkUp = false;
  sim.runFor(10s);
  EXPECT_EQ(sim.a().m.state(), S::CommunicationRecovery);
  EXPECT_EQ(sim.b().m.state(), S::CommunicationRecovery);
  // The secondary's backlog overflows: it cannot replay, the pair must resync.
  sim.apply(sim.b(), sim.b().m.handle(BacklogOverflowed{}, fakeSteady(sim.clock)));
  const int syncsA = sim.a().syncs, syncsB = sim.b().syncs;
  const auto t = fakeSteady(sim.clock);
  sim.linkUp = true;
  sim.runFor(60s);
  // ha-reset sent both to waiting; both fetched the other's leases. (The reset partner judges
  // by the state it last saw, as Kea does, so both may start pulling at the same instant;
  // neither serves meanwhile, so the pulls do not race with new leases.)
  EXPECT_EQ(sim.a().syncs, syncsA + 1);
  EXPECT_EQ(sim.b().syncs, syncsB + 1);
  std::optional<SteadyTime> aSync, bSync;
  for (const auto& e : sim.log) {
    if (e.at < t || e.state != S::Syncing) continue;
    if (e.node == "a" && !aSync) aSync = e.at;
    if (e.node == "b" && !bSync) bSync = e.at;
  }
  ASSERT_TRUE(aSync && bSync);
  EXPECT_LE(*aSync, *bSync);
  EXPECT_EQ(sim.a().m.state(), S::LoadBalancing);
  EXPECT_EQ(sim.b().m.state(), S::LoadBalancing);
}

TEST(HaResync, PartnerDownSurvivorResyncsWhenTheReturningPeerAlsoServedAlone) {
  // Both went partner-down during a partition (max-unacked-clients 0): each served alone and
  // counted the updates it could not send.
  PairSim sim(lbConfig("server1", fastTimers({{"max-unacked-clients", 0}})),
              lbConfig("server2", fastTimers({{"max-unacked-clients", 0}})));
  sim.start(sim.a());
  sim.start(sim.b());
  sim.runFor(30s);
  sim.linkUp = false;
  sim.runFor(10s);
  ASSERT_EQ(sim.a().m.state(), S::PartnerDown);
  ASSERT_EQ(sim.b().m.state(), S::PartnerDown);
  sim.a().m.noteSkippedUpdate();
  sim.b().m.noteSkippedUpdate();
  sim.linkUp = true;
  sim.runFor(60s);
  EXPECT_EQ(sim.a().syncs, 2);  // start-up + the resync
  EXPECT_EQ(sim.b().syncs, 2);
  EXPECT_EQ(sim.a().m.state(), S::LoadBalancing);
  EXPECT_EQ(sim.b().m.state(), S::LoadBalancing);
}

}  // namespace
}  // namespace tandem::ha
