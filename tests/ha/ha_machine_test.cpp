#include "ha/ha_machine.h"

#include <gtest/gtest.h>

#include <chrono>

#include "dhcpd/common/clock.h"
#include "tests/ha/ha_test_util.h"

namespace tandem::ha {
namespace {

using namespace std::chrono_literals;
using namespace testing;
using nlohmann::json;
using S = HaState;

template <class T>
std::vector<T> all(const std::vector<Action>& actions) {
  std::vector<T> out;
  for (const auto& a : actions) {
    if (const T* t = std::get_if<T>(&a)) out.push_back(*t);
  }
  return out;
}
template <class T>
bool has(const std::vector<Action>& actions) {
  return !all<T>(actions).empty();
}
template <class T>
T one(const std::vector<Action>& actions) {
  auto v = all<T>(actions);
  EXPECT_EQ(v.size(), 1u);
  return v.empty() ? T{} : v.front();
}
bool logged(const std::vector<Action>& actions, const std::string& id) {
  for (const auto& l : all<Log>(actions)) {
    if (l.id == id) return true;
  }
  return false;
}

// Drives one machine with a fake clock; `partnerTime` defaults to our own time (no skew).
struct Harness {
  explicit Harness(HaConfig cfg) : m(std::move(cfg)) {}
  HaMachine m;
  FakeClock clock;
  std::vector<Action> last;

  // The machine's time: steady, moving with the fake clock but not with stepWall().
  SteadyTime now() const { return fakeSteady(clock) - wallSteps; }
  void stepWall(Clock::duration d) {
    clock.advance(d);
    wallSteps += d;
  }
  Clock::duration wallSteps{};

  std::vector<Action>& send(const HaEvent& e) {
    last = m.handle(e, now());
    return last;
  }
  std::vector<Action>& start() { return send(Start{}); }
  std::vector<Action>& answered(S partner, std::optional<std::uint64_t> unsent = 0, std::chrono::seconds skew = 0s) {
    HeartbeatAnswered a;
    a.partnerState = partner;
    a.partnerTime = clock.now() + skew;
    a.localTime = clock.now();
    a.scopes = std::vector<std::string>{};
    a.unsentUpdateCount = unsent;
    return send(a);
  }
  std::vector<Action>& failed() { return send(HeartbeatFailed{"connection refused"}); }
  std::vector<Action>& unacked(std::uint8_t id, std::uint16_t secs) {
    return send(PartnerQuerySeen{{0x52, 0x54, 0, 0, 0, id}, {}, secs});
  }
  // Walks the pair's normal start-up as this server, ending in the normal state.
  void toNormal(S partnerNormal) {
    start();
    answered(S::Ready);                    // partner ready: we sync
    send(SyncFinished{true, "0 leases"});  // -> ready -> (partner ready, primary) normal, or stay
    answered(partnerNormal);
    ASSERT_EQ(m.state(), m.config().normalState());
  }
  // Load-balancing, then the partner stops answering for longer than max-response-delay
  // (fastTimers: 3 s, max-unacked-clients 0): partner-down.
  void toPartnerDown() {
    toNormal(S::LoadBalancing);
    clock.advance(5s);
    failed();
    ASSERT_EQ(m.state(), S::PartnerDown);
  }
};

TEST(HaMachine, StartsWaitingWithServiceDisabledAndArmsHeartbeat) {
  Harness h(lbConfig());
  auto& a = h.start();
  EXPECT_EQ(h.m.state(), S::Waiting);
  EXPECT_EQ(one<DisableDhcp>(a).origin, 1000);
  EXPECT_TRUE(one<ServeScopes>(a).scopes.empty());
  const auto timer = one<ArmTimer>(a);
  EXPECT_EQ(timer.id, TimerId::Heartbeat);
  EXPECT_EQ(timer.at, h.now() + 1s);
  h.clock.advance(1s);
  EXPECT_EQ(one<SendHeartbeat>(h.send(TimerFired{TimerId::Heartbeat})).peer, "server2");
  // The next heartbeat is armed only when this one completes.
  EXPECT_FALSE(has<ArmTimer>(h.last));
  EXPECT_EQ(one<ArmTimer>(h.answered(S::Waiting)).at, h.now() + 1s);
}

TEST(HaMachine, PrimaryGoesFirstWhenBothWait) {
  Harness p(lbConfig("server1")), s(lbConfig("server2"));
  p.start();
  s.start();
  s.answered(S::Waiting);
  EXPECT_EQ(s.m.state(), S::Waiting);  // secondary waits for the primary
  auto& a = p.answered(S::Waiting);
  EXPECT_EQ(p.m.state(), S::Syncing);
  const auto sync = one<StartSync>(a);
  EXPECT_EQ(sync.peer, "server2");
  EXPECT_EQ(sync.maxPeriod, 60s);                         // sync-timeout 60000 ms
  EXPECT_EQ(one<CancelTimer>(a).id, TimerId::Heartbeat);  // heartbeats pause during the sync
  s.answered(S::Syncing);
  EXPECT_EQ(s.m.state(), S::Waiting);
  auto& done = p.send(SyncFinished{true, "0 leases"});
  EXPECT_EQ(p.m.state(), S::Ready);
  EXPECT_TRUE(has<ArmTimer>(done));
  // Secondary sees the primary ready: it syncs, then is ready too.
  s.answered(S::Ready);
  EXPECT_EQ(s.m.state(), S::Syncing);
  s.send(SyncFinished{true, "0 leases"});
  EXPECT_EQ(s.m.state(), S::Ready);  // partner last seen ready; a non-primary waits
  // Both ready: primary moves first, secondary follows on its next heartbeat.
  auto& lb = p.answered(S::Ready);
  EXPECT_EQ(p.m.state(), S::LoadBalancing);
  EXPECT_EQ(one<EnableDhcp>(lb).origin, 1000);
  EXPECT_EQ(one<ServeScopes>(lb).scopes, std::vector<std::string>{"server1"});
  s.answered(S::Ready);
  EXPECT_EQ(s.m.state(), S::Ready);
  s.answered(S::LoadBalancing);
  EXPECT_EQ(s.m.state(), S::LoadBalancing);
  EXPECT_EQ(s.m.scopeFilter().servedScopes(), std::vector<std::string>{"server2"});
  EXPECT_EQ(s.m.stateReason(), "partner is serving; joining it");
}

TEST(HaMachine, SyncLeasesFalseSkipsSyncing) {
  Harness h(lbConfig("server1", fastTimers({{"sync-leases", false}})));
  h.start();
  auto& a = h.answered(S::Waiting);
  EXPECT_FALSE(has<StartSync>(a));
  EXPECT_EQ(h.m.state(), S::Ready);
}

TEST(HaMachine, FailedSyncIsRetriedWithBackOffNotAtEveryHeartbeat) {
  Harness h(lbConfig("server2"));
  h.start();
  h.answered(S::LoadBalancing);
  ASSERT_EQ(h.m.state(), S::Syncing);
  auto& f = h.send(SyncFinished{false, "timeout"});
  EXPECT_EQ(h.m.state(), S::Syncing);
  EXPECT_FALSE(has<StartSync>(f));
  EXPECT_TRUE(logged(f, "HA_SYNC_FAILED"));
  // Heartbeats resume, and the retry timer is armed 1 s out.
  bool heartbeat = false, retry = false;
  for (const auto& t : all<ArmTimer>(f)) {
    heartbeat |= t.id == TimerId::Heartbeat;
    retry |= t.id == TimerId::SyncRetry && t.at == h.now() + 1s;
  }
  EXPECT_TRUE(heartbeat);
  EXPECT_TRUE(retry);
  EXPECT_EQ(h.m.syncRetryAt(), h.now() + 1s);
  EXPECT_EQ(h.m.syncFailures(), 1u);
  // Neither other events nor heartbeats restart it before the back-off is over.
  EXPECT_FALSE(has<StartSync>(h.send(DhcpServiceState{false})));
  EXPECT_FALSE(has<StartSync>(h.answered(S::LoadBalancing)));
  h.clock.advance(1s);
  EXPECT_TRUE(has<StartSync>(h.send(TimerFired{TimerId::SyncRetry})));
  EXPECT_FALSE(h.m.syncRetryAt());
}

TEST(HaMachine, SyncBackOffDoublesToACapAndResetsOnSuccess) {
  Harness h(lbConfig("server2"));
  h.start();
  h.answered(S::LoadBalancing);
  std::vector<std::chrono::milliseconds> waits;
  for (int i = 0; i < 9; ++i) {
    ASSERT_EQ(h.m.state(), S::Syncing);
    auto& f = h.send(SyncFinished{false, "partner restarted"});
    std::optional<SteadyTime> at;
    for (const auto& t : all<ArmTimer>(f)) {
      if (t.id == TimerId::SyncRetry) at = t.at;
    }
    ASSERT_TRUE(at);
    waits.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(*at - h.now()));
    EXPECT_NE(h.m.stateReason().find("partner restarted"), std::string::npos);
    // The timer fires at its deadline; a sync starts again.
    h.clock.advance(*at - h.now());
    ASSERT_TRUE(has<StartSync>(h.send(TimerFired{TimerId::SyncRetry})));
  }
  using ms = std::chrono::milliseconds;
  EXPECT_EQ(waits, (std::vector<ms>{ms(1000), ms(2000), ms(4000), ms(8000), ms(16000), ms(32000), ms(60000), ms(60000),
                                    ms(60000)}));
  const HaStatus st = h.m.status(h.now());
  EXPECT_EQ(st.syncFailures, 9u);
  h.send(SyncFinished{true, "100 leases"});
  EXPECT_EQ(h.m.state(), S::LoadBalancing);  // through ready: the partner serves
  EXPECT_EQ(h.m.syncFailures(), 0u);
  EXPECT_FALSE(h.m.syncRetryAt());
  // A later failure starts over at 1 s.
  h.send(HaResetCommand{});  // waiting, and at once syncing again (the partner serves)
  ASSERT_EQ(h.m.state(), S::Syncing);
  h.send(SyncFinished{false, "x"});
  EXPECT_EQ(h.m.syncRetryAt(), h.now() + 1s);
}

TEST(HaMachine, StaleSyncRetryTimerIsHarmless) {
  Harness h(lbConfig("server2"));
  h.start();
  h.answered(S::LoadBalancing);
  h.send(SyncFinished{false, "x"});
  h.clock.advance(1s);
  ASSERT_TRUE(has<StartSync>(h.send(TimerFired{TimerId::SyncRetry})));
  // A second firing (e.g. a timer the shell could not cancel) starts nothing while one runs.
  EXPECT_FALSE(has<StartSync>(h.send(TimerFired{TimerId::SyncRetry})));
}

TEST(HaMachine, StartupWithUnreachablePartnerGoesPartnerDownAfterMaxResponseDelay) {
  Harness h(lbConfig());
  const SteadyTime t0 = h.now();
  h.start();
  h.clock.advance(1s);
  h.send(TimerFired{TimerId::Heartbeat});
  auto& f = h.failed();
  EXPECT_EQ(h.m.state(), S::Waiting);
  // The machine asks to be woken exactly when max-response-delay (3 s) has passed since start.
  const auto checks = all<ArmTimer>(f);
  bool armed = false;
  for (const auto& t : checks) armed |= t.id == TimerId::CommunicationCheck && t.at == t0 + 3001ms;
  EXPECT_TRUE(armed);
  h.clock.advance(2s);  // t0 + 3 s: not yet (strictly greater)
  h.send(TimerFired{TimerId::CommunicationCheck});
  EXPECT_EQ(h.m.state(), S::Waiting);
  h.clock.advance(1ms);
  auto& pd = h.send(TimerFired{TimerId::CommunicationCheck});
  EXPECT_EQ(h.m.state(), S::PartnerDown);
  EXPECT_EQ(one<EnableDhcp>(pd).origin, 1000);
  EXPECT_EQ(one<ServeScopes>(pd).scopes, (std::vector<std::string>{"server1", "server2"}));
  EXPECT_EQ(one<StateChanged>(pd).reason, "partner unreachable for longer than max-response-delay");
}

// Deadlines run on steady time: an hour's step of the wall clock (NTP, `date -s`) neither
// interrupts communication nor lets unacked clients fail the partner over; only steady time
// passing does. (With wall-clock deadlines the step alone made communication "interrupted".)
TEST(HaMachine, WallClockStepDoesNotInterruptCommunication) {
  Harness h(lbConfig("server1"));  // max-response-delay 3 s, max-unacked-clients 2
  h.toNormal(S::LoadBalancing);
  h.stepWall(3600s);
  h.send(TimerFired{TimerId::CommunicationCheck});
  EXPECT_FALSE(h.m.communicationInterrupted(h.now()));
  for (std::uint8_t id = 1; id <= 5; ++id) h.unacked(id, 30);
  EXPECT_EQ(h.m.state(), S::LoadBalancing);
  EXPECT_EQ(h.m.status(h.now()).analyzedPackets, 0u);
  EXPECT_EQ(h.m.status(h.now()).age, 0);
  // Skew compares wall clocks: a partner stepped alike shows none.
  h.answered(S::LoadBalancing, 0, 0s);
  EXPECT_EQ(h.m.status(h.now()).clockSkew, 0);
  EXPECT_EQ(h.m.state(), S::LoadBalancing);
  h.clock.advance(3001ms);
  EXPECT_TRUE(h.m.communicationInterrupted(h.now()));
}

TEST(HaMachine, LoadBalancingFailedHeartbeatGoesCommunicationRecoveryThenPartnerDownOnUnackedClients) {
  Harness h(lbConfig("server1"));  // max-unacked-clients 2, max-ack-delay 1000 ms
  h.toNormal(S::LoadBalancing);
  h.clock.advance(1s);
  h.failed();
  EXPECT_EQ(h.m.state(), S::CommunicationRecovery);  // delayed-updates-limit defaults to 100
  EXPECT_EQ(h.m.updatePolicy(h.m.config().peers[1]), UpdatePolicy::Queue);
  EXPECT_EQ(h.m.updatePolicy(h.m.config().peers[2]), UpdatePolicy::SendNoWait);  // backup still fed
  // Partner's clients are not analysed before communication is interrupted.
  h.unacked(1, 30);
  EXPECT_EQ(h.m.status(h.now()).analyzedPackets, 0u);
  h.clock.advance(2001ms);  // 3.001 s since the last good heartbeat
  h.send(TimerFired{TimerId::CommunicationCheck});
  EXPECT_EQ(h.m.state(), S::CommunicationRecovery);  // interrupted, but no failure detected yet
  h.unacked(1, 1);                                   // secs 1: 1000 ms is not > max-ack-delay 1000
  h.unacked(2, 2);
  h.unacked(2, 5);                                   // same client again: not counted twice
  h.unacked(3, 0x0200);                              // byte-swapped 2
  EXPECT_EQ(h.m.state(), S::CommunicationRecovery);  // 2 unacked: not more than 2
  auto st = h.m.status(h.now());
  EXPECT_EQ(st.unackedClients, 2u);
  EXPECT_EQ(st.connectingClients, 3u);
  EXPECT_EQ(st.unackedClientsLeft, 1u);
  EXPECT_EQ(st.analyzedPackets, 4u);
  h.unacked(1, 2);  // client 1 upgraded to unacked: 3 > 2
  EXPECT_EQ(h.m.state(), S::PartnerDown);
  EXPECT_TRUE(has<ClearBacklog>(h.last));
  EXPECT_EQ(one<ServeScopes>(h.last).scopes, (std::vector<std::string>{"server1", "server2"}));
  EXPECT_EQ(h.m.updatePolicy(h.m.config().peers[1]), UpdatePolicy::SkipCounted);
}

TEST(HaMachine, MaxUnackedClientsZeroFailsOverAsSoonAsInterrupted) {
  Harness h(lbConfig("server2", fastTimers({{"max-unacked-clients", 0}, {"delayed-updates-limit", 0}})));
  h.toNormal(S::LoadBalancing);
  h.clock.advance(1s);
  h.failed();
  EXPECT_EQ(h.m.state(), S::LoadBalancing);  // no communication-recovery without a backlog
  h.clock.advance(3001ms);
  h.send(TimerFired{TimerId::CommunicationCheck});
  EXPECT_EQ(h.m.state(), S::PartnerDown);
}

TEST(HaMachine, HotStandbyPrimaryNeedsNoTrafficStandbyDoes) {
  Harness p(hsConfig("server1")), s(hsConfig("server2"));
  p.start();
  p.answered(S::Waiting);
  p.send(SyncFinished{true, ""});
  p.answered(S::Ready);
  ASSERT_EQ(p.m.state(), S::HotStandby);
  EXPECT_EQ(p.m.scopeFilter().servedScopes(), std::vector<std::string>{"server1"});
  s.toNormal(S::HotStandby);
  EXPECT_TRUE(s.m.scopeFilter().servedScopes().empty());  // standby serves nothing
  EXPECT_FALSE(s.m.localDhcpDisabled());                  // but its service is enabled

  for (Harness* h : {&p, &s}) {
    h->clock.advance(1s);
    h->failed();
    h->clock.advance(3s);
    h->send(TimerFired{TimerId::CommunicationCheck});
  }
  EXPECT_EQ(p.m.state(), S::PartnerDown);
  EXPECT_EQ(s.m.state(), S::HotStandby);  // waits for unacked clients
  s.unacked(1, 5);
  s.unacked(2, 5);
  EXPECT_EQ(s.m.state(), S::HotStandby);
  s.unacked(3, 5);
  EXPECT_EQ(s.m.state(), S::PartnerDown);
  EXPECT_EQ(s.m.scopeFilter().servedScopes(), std::vector<std::string>{"server1"});
}

TEST(HaMachine, AutoFailoverOffKeepsDefaultScopesInPartnerDown) {
  auto rel = relationship("server1", "load-balancing", lbPeers(), fastTimers({{"max-unacked-clients", 0}}));
  rel["peers"][0]["auto-failover"] = false;
  Harness h(parseOne(rel));
  h.toPartnerDown();
  EXPECT_EQ(h.m.state(), S::PartnerDown);
  EXPECT_EQ(h.m.scopeFilter().servedScopes(), std::vector<std::string>{"server1"});
}

TEST(HaMachine, ServiceDisabledByOthersMeansNoTrafficTest) {
  Harness h(lbConfig("server1", fastTimers({{"max-unacked-clients", 100}})));
  h.toNormal(S::LoadBalancing);
  h.clock.advance(5s);
  h.failed();
  EXPECT_EQ(h.m.state(), S::CommunicationRecovery);
  h.send(DhcpServiceState{true});  // e.g. the partner's dhcp-disable is still in force
  EXPECT_EQ(h.m.state(), S::PartnerDown);
}

TEST(HaMachine, PartnerDownRecovery) {
  // Partner comes back ready without new unsent updates: back to normal.
  Harness h(lbConfig("server1", fastTimers({{"max-unacked-clients", 0}})));
  h.toNormal(S::LoadBalancing);
  h.clock.advance(5s);
  auto& down = h.failed();
  ASSERT_EQ(h.m.state(), S::PartnerDown);
  const auto share = one<SetPartnerShare>(down);
  ASSERT_TRUE(share.usableFrom.has_value());
  EXPECT_EQ(*share.usableFrom, h.now() + 3600s);
  h.answered(S::Waiting, 0);
  EXPECT_EQ(h.m.state(), S::PartnerDown);
  h.answered(S::Syncing, 0);
  EXPECT_EQ(h.m.state(), S::PartnerDown);
  auto& back = h.answered(S::Ready, 0);
  EXPECT_EQ(h.m.state(), S::LoadBalancing);
  EXPECT_FALSE(one<SetPartnerShare>(back).usableFrom.has_value());
}

TEST(HaMachine, PartnerDownResyncsWhenPartnerHasNewUnsentUpdates) {
  Harness h(lbConfig("server1", fastTimers({{"max-unacked-clients", 0}})));
  h.toPartnerDown();
  h.answered(S::Waiting, 3);
  h.answered(S::Ready, 5);             // changed and non-zero: we missed its updates
  EXPECT_EQ(h.m.state(), S::Syncing);  // waiting, then straight to syncing (partner is ready)
}

TEST(HaMachine, PartnerDownGoesWaitingWhenPartnerAlsoServedAlone) {
  for (S partner : {S::CommunicationRecovery, S::PartnerDown, S::PartnerInMaintenance}) {
    Harness h(lbConfig("server1", fastTimers({{"max-unacked-clients", 0}})));
    h.toNormal(S::LoadBalancing);
    h.clock.advance(5s);
    h.failed();
    ASSERT_EQ(h.m.state(), S::PartnerDown);
    auto& a = h.answered(partner);
    const auto changes = all<StateChanged>(a);
    ASSERT_FALSE(changes.empty()) << toString(partner);
    EXPECT_EQ(changes.front().to, S::Waiting) << toString(partner);
  }
}

TEST(HaMachine, NormalStateResyncsWhenPartnerDeclaredUsDown) {
  Harness h(lbConfig("server2"));
  h.toNormal(S::LoadBalancing);
  auto& a = h.answered(S::PartnerDown);
  EXPECT_EQ(all<StateChanged>(a).front().to, S::Waiting);
  EXPECT_EQ(h.m.state(), S::Syncing);
}

TEST(HaMachine, CommunicationRecoveryReplaysBacklog) {
  Harness h(lbConfig("server1"));
  h.toNormal(S::LoadBalancing);
  // One failed lease update marks the partner unavailable at once (Kea behaviour).
  h.send(LeaseUpdateResult{"server2", LeaseUpdateResult::Outcome::Failed, {}, "timeout"});
  EXPECT_EQ(h.m.state(), S::CommunicationRecovery);
  auto& r = h.answered(S::LoadBalancing);
  EXPECT_EQ(one<ReplayBacklog>(r).peer, "server2");
  EXPECT_FALSE(has<ReplayBacklog>(h.answered(S::LoadBalancing)));  // one replay at a time
  auto& ok = h.send(BacklogReplayFinished{true, "12 updates"});
  EXPECT_EQ(h.m.state(), S::LoadBalancing);
  EXPECT_TRUE(has<ClearBacklog>(ok));
}

TEST(HaMachine, CommunicationRecoveryOverflowAsksPartnerToReset) {
  Harness h(lbConfig("server1"));
  h.toNormal(S::LoadBalancing);
  h.failed();
  ASSERT_EQ(h.m.state(), S::CommunicationRecovery);
  h.send(BacklogOverflowed{});
  EXPECT_TRUE(logged(h.last, "HA_LEASES_BACKLOG_OVERFLOWN"));
  auto& r = h.answered(S::CommunicationRecovery);
  EXPECT_EQ(one<SendHaReset>(r).peer, "server2");
  EXPECT_FALSE(has<ReplayBacklog>(r));
  h.send(HaResetFinished{false, "timeout"});
  EXPECT_EQ(h.m.state(), S::CommunicationRecovery);  // stays, retries on the next run
  EXPECT_TRUE(has<SendHaReset>(h.answered(S::CommunicationRecovery)));
  auto& ok = h.send(HaResetFinished{true, ""});
  EXPECT_EQ(all<StateChanged>(ok).front().to, S::Waiting);
  EXPECT_TRUE(has<ClearBacklog>(ok));
}

TEST(HaMachine, FailedReplaySendsHaReset) {
  Harness h(lbConfig("server1"));
  h.toNormal(S::LoadBalancing);
  h.failed();
  h.answered(S::LoadBalancing);
  auto& f = h.send(BacklogReplayFinished{false, "partner answered 1"});
  EXPECT_EQ(one<SendHaReset>(f).peer, "server2");
  EXPECT_EQ(h.m.state(), S::CommunicationRecovery);
}

TEST(HaMachine, CommunicationRecoveryWithOverflowAndPartnerResyncing) {
  Harness h(lbConfig("server1"));
  h.toNormal(S::LoadBalancing);
  h.failed();
  h.send(BacklogOverflowed{});
  h.answered(S::Syncing);
  EXPECT_EQ(h.m.state(), S::Waiting);  // nothing to send; resync ourselves (partner syncing: stay waiting)
}

TEST(HaMachine, CommunicationRecoveryWithoutOverflowWaitsForPartnerSync) {
  Harness h(lbConfig("server1"));
  h.toNormal(S::LoadBalancing);
  h.failed();
  h.answered(S::Ready);
  EXPECT_EQ(h.m.state(), S::CommunicationRecovery);
}

TEST(HaMachine, ClockSkewWarnsAbove30AndTerminatesAbove60) {
  Harness h(lbConfig("server1"));
  h.toNormal(S::LoadBalancing);
  EXPECT_FALSE(logged(h.answered(S::LoadBalancing, 0, 30s), "HA_HIGH_CLOCK_SKEW"));
  EXPECT_TRUE(logged(h.answered(S::LoadBalancing, 0, 31s), "HA_HIGH_CLOCK_SKEW"));
  h.clock.advance(30s);
  EXPECT_FALSE(logged(h.answered(S::LoadBalancing, 0, -45s), "HA_HIGH_CLOCK_SKEW"));  // rate-limited
  h.clock.advance(31s);
  EXPECT_TRUE(logged(h.answered(S::LoadBalancing, 0, -45s), "HA_HIGH_CLOCK_SKEW"));
  h.answered(S::LoadBalancing, 0, 60s);
  EXPECT_EQ(h.m.state(), S::LoadBalancing);  // 60 s is not more than 60 s
  auto& t = h.answered(S::LoadBalancing, 0, 61s);
  EXPECT_EQ(h.m.state(), S::Terminated);
  EXPECT_TRUE(logged(t, "HA_HIGH_CLOCK_SKEW_CAUSED_TERMINATION"));
  EXPECT_EQ(one<StateChanged>(t).reason, "clock skew with the partner is 61 s (more than 60 s)");
  // Terminated: own scope served, service on, heartbeats stopped.
  EXPECT_EQ(h.m.scopeFilter().servedScopes(), std::vector<std::string>{"server1"});
  EXPECT_FALSE(h.m.localDhcpDisabled());
  EXPECT_FALSE(has<SendHeartbeat>(h.send(TimerFired{TimerId::Heartbeat})));
  EXPECT_EQ(h.m.status(h.now()).clockSkew, 61);
}

TEST(HaMachine, NegativeSkewAlsoTerminatesAndFailedHeartbeatForgetsSkew) {
  Harness h(lbConfig("server2"));
  h.toNormal(S::LoadBalancing);
  h.answered(S::LoadBalancing, 0, 40s);
  h.failed();  // skew reset to 0
  EXPECT_EQ(h.m.status(h.now()).clockSkew, 0);
  h.answered(S::LoadBalancing, 0, -61s);
  EXPECT_EQ(h.m.state(), S::Terminated);
}

TEST(HaMachine, WaitingForTerminatedPartnerGivesUpAfterTenMinutes) {
  Harness h(lbConfig("server1"));
  h.start();
  h.answered(S::Terminated);
  EXPECT_EQ(h.m.state(), S::Waiting);
  h.clock.advance(9min + 59s);
  h.answered(S::Terminated);
  EXPECT_EQ(h.m.state(), S::Waiting);
  h.clock.advance(1s);
  auto& a = h.answered(S::Terminated);
  EXPECT_EQ(h.m.state(), S::Terminated);
  EXPECT_EQ(one<StateChanged>(a).reason, "partner has stayed terminated for 10 minutes and was not restarted");
}

TEST(HaMachine, TerminatedPartnerTerminatesUsFromOtherStates) {
  Harness h(lbConfig("server2"));
  h.toNormal(S::LoadBalancing);
  h.answered(S::Terminated);
  EXPECT_EQ(h.m.state(), S::Terminated);
}

TEST(HaMachine, RejectedLeaseUpdatesTerminate) {
  Harness h(lbConfig("server1", fastTimers({{"max-rejected-lease-updates", 2}})));
  h.toNormal(S::LoadBalancing);
  heartbeat::ClientKey a{{1, 2, 3, 4, 5, 6}, {}}, b{{1, 2, 3, 4, 5, 7}, {}};
  using O = LeaseUpdateResult::Outcome;
  h.send(LeaseUpdateResult{"server2", O::Conflict, a, "conflict"});
  h.send(LeaseUpdateResult{"server2", O::Conflict, a, "conflict"});  // same client
  EXPECT_EQ(h.m.state(), S::LoadBalancing);
  h.send(LeaseUpdateResult{"server2", O::Ok, a, ""});  // a later success clears it
  h.send(LeaseUpdateResult{"server2", O::Conflict, b, "conflict"});
  EXPECT_EQ(h.m.state(), S::LoadBalancing);
  h.send(LeaseUpdateResult{"server3", O::Conflict, a, "conflict"});  // backups never count
  EXPECT_EQ(h.m.state(), S::LoadBalancing);
  auto& t = h.send(LeaseUpdateResult{"server2", O::Conflict, a, "conflict"});
  EXPECT_EQ(h.m.state(), S::Terminated);
  EXPECT_TRUE(logged(t, "HA_LEASE_UPDATE_REJECTS_CAUSED_TERMINATION"));
}

TEST(HaMachine, RejectedLeaseUpdatesExpireAfterADay) {
  Harness h(lbConfig("server1", fastTimers({{"max-rejected-lease-updates", 2}})));
  h.toNormal(S::LoadBalancing);
  using O = LeaseUpdateResult::Outcome;
  h.send(LeaseUpdateResult{"server2", O::Conflict, {{1}, {}}, ""});
  h.clock.advance(24h);
  h.send(LeaseUpdateResult{"server2", O::Conflict, {{2}, {}}, ""});
  EXPECT_EQ(h.m.state(), S::LoadBalancing);
}

TEST(HaMachine, PartnerStateInvalidForModeSendsUsWaiting) {
  Harness h(lbConfig("server2"));
  h.toNormal(S::LoadBalancing);
  auto& a = h.answered(S::HotStandby);
  EXPECT_EQ(all<StateChanged>(a).front().to, S::Waiting);
  EXPECT_EQ(h.m.state(), S::Waiting);  // and stays there while the mismatch lasts
}

TEST(HaMachine, MaintenanceStartAndCancel) {
  Harness h(lbConfig("server1"));
  h.toNormal(S::LoadBalancing);
  auto& n = h.send(MaintenanceStartCommand{});
  const auto notify = one<SendMaintenanceNotify>(n);
  EXPECT_EQ(notify.peer, "server2");
  EXPECT_FALSE(notify.cancel);
  EXPECT_EQ(notify.state, S::LoadBalancing);
  EXPECT_FALSE(has<CommandAnswer>(n));  // answered when the partner answers
  auto& ok = h.send(MaintenanceNotifyFinished{false, 0, "Server is in-maintenance state.", {}});
  EXPECT_EQ(h.m.state(), S::PartnerInMaintenance);
  EXPECT_EQ(one<CommandAnswer>(ok).result, 0);
  EXPECT_EQ(h.m.scopeFilter().servedScopes(), (std::vector<std::string>{"server1", "server2"}));
  EXPECT_EQ(one<SetPartnerShare>(ok).usableFrom, h.now());
  EXPECT_EQ(h.m.updatePolicy(h.m.config().peers[1]), UpdatePolicy::SendAndWait);
  // Heartbeats continue and the partner in-maintenance changes nothing.
  h.answered(S::InMaintenance);
  EXPECT_EQ(h.m.state(), S::PartnerInMaintenance);
  EXPECT_EQ(one<CommandAnswer>(h.send(MaintenanceStartCommand{})).result, 1);

  auto& c = h.send(MaintenanceCancelCommand{});
  const auto cancel = one<SendMaintenanceNotify>(c);
  EXPECT_TRUE(cancel.cancel);
  EXPECT_EQ(cancel.state, S::LoadBalancing);
  auto& back = h.send(MaintenanceNotifyFinished{false, 0, "Server maintenance canceled.", S::LoadBalancing});
  EXPECT_EQ(h.m.state(), S::LoadBalancing);
  EXPECT_EQ(one<CommandAnswer>(back).text, "Server maintenance successfully canceled.");
  EXPECT_FALSE(one<SetPartnerShare>(back).usableFrom.has_value());
}

TEST(HaMachine, MaintenanceStartWithUnreachablePartnerGoesPartnerDownWithAllScopes) {
  auto rel = relationship("server1", "load-balancing", lbPeers(), fastTimers());
  rel["peers"][0]["auto-failover"] = false;  // maintenance overrides it
  Harness h(parseOne(rel));
  h.toNormal(S::LoadBalancing);
  h.send(MaintenanceStartCommand{});
  auto& a = h.send(MaintenanceNotifyFinished{true, 0, "connection refused", {}});
  EXPECT_EQ(h.m.state(), S::PartnerDown);
  EXPECT_EQ(one<CommandAnswer>(a).result, 0);
  EXPECT_EQ(h.m.scopeFilter().servedScopes(), (std::vector<std::string>{"server1", "server2"}));
}

TEST(HaMachine, MaintenanceRefusedByPartnerChangesNothing) {
  Harness h(lbConfig("server1"));
  h.toNormal(S::LoadBalancing);
  h.send(MaintenanceStartCommand{});
  auto& a = h.send(MaintenanceNotifyFinished{false,
                                             1001,
                                             "Unable to transition the server from the terminated to "
                                             "in-maintenance state.",
                                             {}});
  EXPECT_EQ(h.m.state(), S::LoadBalancing);
  const auto answer = one<CommandAnswer>(a);
  EXPECT_EQ(answer.result, 1);
  EXPECT_NE(answer.text.find("terminated to in-maintenance"), std::string::npos);
}

TEST(HaMachine, MaintenanceCancelOnlyFromPartnerInMaintenance) {
  Harness h(lbConfig("server1"));
  h.toNormal(S::LoadBalancing);
  EXPECT_EQ(one<CommandAnswer>(h.send(MaintenanceCancelCommand{})).result, 1);
}

TEST(HaMachine, MaintenanceStartRefusedInTerminalStates) {
  Harness h(lbConfig("server1"));
  h.toNormal(S::LoadBalancing);
  h.answered(S::Terminated);
  const auto a = one<CommandAnswer>(h.send(MaintenanceStartCommand{}));
  EXPECT_EQ(a.result, 1);
  EXPECT_EQ(a.text, "Unable to transition the server from the terminated to partner-in-maintenance state.");
}

TEST(HaMachine, PartnerInMaintenanceLosingPartnerGoesPartnerDownAtOnce) {
  Harness h(lbConfig("server1", fastTimers({{"max-unacked-clients", 100}})));
  h.toNormal(S::LoadBalancing);
  h.send(MaintenanceStartCommand{});
  h.send(MaintenanceNotifyFinished{false, 0, "", {}});
  auto& a = h.failed();  // not even interrupted yet: no failure detection in this state
  EXPECT_EQ(h.m.state(), S::PartnerDown);
  EXPECT_EQ(h.m.scopeFilter().servedScopes(), (std::vector<std::string>{"server1", "server2"}));
  EXPECT_EQ(*one<SetPartnerShare>(a).usableFrom, h.now() + 3600s);
}

TEST(HaMachine, MaintenanceNotifyReceiver) {
  Harness h(lbConfig("server2"));
  h.toNormal(S::LoadBalancing);
  auto& a = h.send(MaintenanceNotifyCommand{false, S::LoadBalancing});
  EXPECT_EQ(h.m.state(), S::InMaintenance);
  EXPECT_EQ(one<CommandAnswer>(a).text, "Server is in-maintenance state.");
  EXPECT_EQ(one<DisableDhcp>(a).origin, 1000);
  EXPECT_TRUE(h.m.scopeFilter().servedScopes().empty());
  // Nothing moves it but the cancel (or ha-reset); heartbeats continue.
  h.failed();
  h.clock.advance(10s);
  h.failed();
  EXPECT_EQ(h.m.state(), S::InMaintenance);
  auto& c = h.send(MaintenanceNotifyCommand{true, S::LoadBalancing});
  EXPECT_EQ(h.m.state(), S::LoadBalancing);
  const auto answer = one<CommandAnswer>(c);
  EXPECT_EQ(answer.text, "Server maintenance canceled.");
  EXPECT_EQ(answer.arguments["state"], "load-balancing");
  EXPECT_EQ(one<CommandAnswer>(h.send(MaintenanceNotifyCommand{true, {}})).result, 1);  // not in maintenance
}

TEST(HaMachine, MaintenanceNotifyRefusedWith1001) {
  Harness h(lbConfig("server2"));
  h.toNormal(S::LoadBalancing);
  h.answered(S::Terminated);
  const auto a = one<CommandAnswer>(h.send(MaintenanceNotifyCommand{false, S::LoadBalancing}));
  EXPECT_EQ(a.result, 1001);
  EXPECT_EQ(a.text, "Unable to transition the server from the terminated to in-maintenance state.");
}

TEST(HaMachine, HaResetCommand) {
  Harness h(lbConfig("server1"));
  h.start();
  EXPECT_EQ(one<CommandAnswer>(h.send(HaResetCommand{})).text, "HA state machine already in WAITING state.");
  h.answered(S::LoadBalancing, 0, 90s);
  ASSERT_EQ(h.m.state(), S::Terminated);
  h.answered(S::LoadBalancing, 0, 0s);  // heartbeats stopped in terminated; skew still recorded
  auto& a = h.send(HaResetCommand{});
  EXPECT_EQ(one<CommandAnswer>(a).text, "HA state machine reset.");
  EXPECT_EQ(all<StateChanged>(a).front().to, S::Waiting);
  EXPECT_TRUE(has<ArmTimer>(a));  // heartbeats resume
}

TEST(HaMachine, PauseAndContinue) {
  Harness h(lbConfig("server1",
                     fastTimers(
                         {{"state-machine", {{"states", json::array({{{"state", "waiting"}, {"pause", "once"}}})}}}})));
  auto& s = h.start();
  EXPECT_TRUE(h.m.paused());
  EXPECT_TRUE(logged(s, "HA_STATE_MACHINE_PAUSED"));
  EXPECT_TRUE(has<ArmTimer>(s));  // heartbeats continue while paused
  h.answered(S::LoadBalancing);
  EXPECT_EQ(h.m.state(), S::Waiting);
  auto& c = h.send(HaContinueCommand{});
  EXPECT_EQ(one<CommandAnswer>(c).text, "HA state machine continues.");
  EXPECT_EQ(h.m.state(), S::Syncing);
  EXPECT_EQ(one<CommandAnswer>(h.send(HaContinueCommand{})).text, "HA state machine is not paused.");
  // "once": a second entry into waiting does not pause.
  h.send(HaResetCommand{});
  EXPECT_FALSE(h.m.paused());
}

TEST(HaMachine, HaScopesCommand) {
  Harness h(lbConfig("server1"));
  h.toNormal(S::LoadBalancing);
  EXPECT_EQ(one<CommandAnswer>(h.send(ScopesCommand{{"bogus"}})).result, 1);
  auto& a = h.send(ScopesCommand{{"server1", "server2"}});
  EXPECT_EQ(one<CommandAnswer>(a).text, "New HA scopes configured.");
  EXPECT_EQ(one<ServeScopes>(a).scopes, (std::vector<std::string>{"server1", "server2"}));
  EXPECT_EQ(h.m.state(), S::LoadBalancing);  // scopes change, state does not
  EXPECT_EQ(h.m.heartbeatReply().scopes, (std::vector<std::string>{"server1", "server2"}));
}

TEST(HaMachine, SyncCompleteNotifiedInPartnerDown) {
  Harness h(lbConfig("server1", fastTimers({{"max-unacked-clients", 0}})));
  h.toPartnerDown();
  const PeerConfig& partner = h.m.config().peers[1];
  EXPECT_EQ(h.m.updatePolicy(partner), UpdatePolicy::SkipCounted);
  // tandemd keeps serving (Kea disables until it sees the partner ready) and from now on
  // sends the synchronised partner every lease it hands out.
  auto& n = h.send(SyncCompleteNotified{2000});
  EXPECT_FALSE(has<DisableDhcp>(n));
  EXPECT_FALSE(h.m.localDhcpDisabled());
  EXPECT_EQ(one<EnableDhcp>(n).origin, 2000);
  EXPECT_EQ(one<CommandAnswer>(n).result, 0);
  EXPECT_EQ(h.m.updatePolicy(partner), UpdatePolicy::SendAndWait);
  // The synced partner vanished before we saw it ready: back to counting unsent updates.
  h.failed();
  EXPECT_EQ(h.m.state(), S::PartnerDown);
  EXPECT_EQ(h.m.updatePolicy(partner), UpdatePolicy::SkipCounted);
  // Second round: the partner shows up ready: normal state.
  h.send(SyncCompleteNotified{2000});
  h.answered(S::Ready, 0);
  EXPECT_EQ(h.m.state(), S::LoadBalancing);
  EXPECT_FALSE(h.m.localDhcpDisabled());
}

// An update the synchronised partner did not store (it went away for a moment) counts as
// unsent: when it shows up ready it must resynchronise before joining.
TEST(HaMachine, AFailedUpdateAfterThePartnersSyncMakesItResync) {
  Harness h(lbConfig("server1", fastTimers({{"max-unacked-clients", 0}})));
  h.toPartnerDown();
  h.send(SyncCompleteNotified{2000});
  LeaseUpdateResult failedUpdate;
  failedUpdate.peer = "server2";
  failedUpdate.outcome = LeaseUpdateResult::Outcome::Failed;
  failedUpdate.text = "timeout";
  h.send(failedUpdate);
  auto& r = h.answered(S::Ready, 0);
  EXPECT_EQ(h.m.state(), S::PartnerDown);
  EXPECT_EQ(one<SendHaReset>(r).peer, "server2");
}

// Back from partner-down, we keep serving the partner's clients until it has heard our new
// state: it starts serving them only then, so no client is without a server in between.
TEST(HaMachine, HandOverLastsUntilThePartnerHearsOurState) {
  Harness h(lbConfig("server1", fastTimers({{"max-unacked-clients", 0}})));
  h.toPartnerDown();
  h.send(SyncCompleteNotified{2000});
  auto& r = h.answered(S::Ready, 0);
  ASSERT_EQ(h.m.state(), S::LoadBalancing);
  EXPECT_TRUE(logged(r, "HA_HANDOVER_STARTED"));
  EXPECT_EQ(all<ServeScopes>(r).back().scopes, (std::vector<std::string>{"server1", "server2"}));
  EXPECT_TRUE(h.m.scopeFilter().amServing("server2"));
  // Our own heartbeats do not end it: the partner has not asked for our state yet.
  h.answered(S::Ready, 0);
  EXPECT_TRUE(h.m.scopeFilter().amServing("server2"));
  auto& served = h.send(HeartbeatServed{});
  EXPECT_TRUE(logged(served, "HA_HANDOVER_DONE"));
  EXPECT_EQ(one<ServeScopes>(served).scopes, std::vector<std::string>{"server1"});
  EXPECT_FALSE(h.m.scopeFilter().amServing("server2"));
  EXPECT_FALSE(has<ServeScopes>(h.send(HeartbeatServed{})));  // once
}

TEST(HaMachine, HandOverEndsAfterMaxResponseDelayWithoutAQuestion) {
  Harness h(lbConfig("server1", fastTimers({{"max-unacked-clients", 0}})));
  h.toPartnerDown();
  h.send(SyncCompleteNotified{2000});
  h.answered(S::Ready, 0);
  ASSERT_TRUE(h.m.scopeFilter().amServing("server2"));
  h.clock.advance(h.m.config().maxResponseDelay);
  auto& a = h.answered(S::Ready, 0);
  EXPECT_TRUE(logged(a, "HA_HANDOVER_DONE"));
  EXPECT_FALSE(h.m.scopeFilter().amServing("server2"));
}

TEST(HaMachine, NoHandOverOutsideAReturnFromPartnerDown) {
  Harness h(lbConfig("server1"));
  h.toNormal(S::LoadBalancing);
  EXPECT_FALSE(h.m.scopeFilter().amServing("server2"));
  EXPECT_FALSE(has<ServeScopes>(h.send(HeartbeatServed{})));
}

// The partner may learn our state some other way (its heartbeat crossed ours): once it is
// seen serving, its clients are its own again.
TEST(HaMachine, HandOverEndsWhenThePartnerIsSeenInItsNormalState) {
  Harness h(lbConfig("server1", fastTimers({{"max-unacked-clients", 0}})));
  h.toPartnerDown();
  h.send(SyncCompleteNotified{2000});
  h.answered(S::Ready, 0);
  ASSERT_TRUE(h.m.scopeFilter().amServing("server2"));
  auto& a = h.answered(S::LoadBalancing, 0);
  EXPECT_TRUE(logged(a, "HA_HANDOVER_DONE"));
  EXPECT_EQ(one<ServeScopes>(a).scopes, std::vector<std::string>{"server1"});
  EXPECT_EQ(h.m.state(), S::LoadBalancing);
}

// Any state change ends a hand-over, and the operator's ha-scopes stands until the next one.
TEST(HaMachine, HandOverEndsWithAStateChangeOrTheOperatorsScopes) {
  Harness h(lbConfig("server1", fastTimers({{"max-unacked-clients", 0}})));
  h.toPartnerDown();
  h.send(SyncCompleteNotified{2000});
  h.answered(S::Ready, 0);
  ASSERT_TRUE(h.m.scopeFilter().amServing("server2"));
  h.send(ScopesCommand{{"server1", "server2"}});
  EXPECT_FALSE(has<ServeScopes>(h.send(HeartbeatServed{})));
  EXPECT_TRUE(h.m.scopeFilter().amServing("server2"));

  Harness g(lbConfig("server1", fastTimers({{"max-unacked-clients", 0}})));
  g.toPartnerDown();
  g.send(SyncCompleteNotified{2000});
  g.answered(S::Ready, 0);
  ASSERT_TRUE(g.m.scopeFilter().amServing("server2"));
  g.send(HaResetCommand{});  // -> waiting: serves nobody, and nothing is left to hand over
  EXPECT_FALSE(g.m.scopeFilter().amServing("server2"));
  EXPECT_FALSE(has<ServeScopes>(g.send(HeartbeatServed{})));
}

// Hot-standby: a standby that served alone hands the primary's clients over the same way.
TEST(HaMachine, HotStandbyStandbyHandsOverToThePrimary) {
  Harness h(hsConfig("server2", fastTimers({{"max-unacked-clients", 0}})));
  h.start();
  h.answered(S::Ready);
  h.send(SyncFinished{true, "0 leases"});
  h.answered(S::HotStandby);
  ASSERT_EQ(h.m.state(), S::HotStandby);
  ASSERT_FALSE(h.m.scopeFilter().amServing("server1"));
  h.clock.advance(5s);
  h.failed();
  ASSERT_EQ(h.m.state(), S::PartnerDown);
  ASSERT_TRUE(h.m.scopeFilter().amServing("server1"));
  h.send(SyncCompleteNotified{2000});
  auto& r = h.answered(S::Ready, 0);
  EXPECT_EQ(h.m.state(), S::HotStandby);
  EXPECT_TRUE(logged(r, "HA_HANDOVER_STARTED"));
  EXPECT_TRUE(h.m.scopeFilter().amServing("server1"));
  EXPECT_TRUE(logged(h.send(HeartbeatServed{}), "HA_HANDOVER_DONE"));
  EXPECT_FALSE(h.m.scopeFilter().amServing("server1"));
}

// The puller, ready after its sync, serves nobody until it hears that the partner-down peer
// is back in its normal state: it asks soon, not a heartbeat-delay later.
TEST(HaMachine, ThePullerAsksSoonAfterItsSync) {
  Harness h(lbConfig("server2", fastTimers({{"heartbeat-delay", 10000}, {"max-response-delay", 30000}})));
  h.start();
  h.answered(S::PartnerDown);
  ASSERT_EQ(h.m.state(), S::Syncing);
  auto& r = h.send(SyncFinished{true, "100 leases"});
  ASSERT_EQ(h.m.state(), S::Ready);
  EXPECT_EQ(all<ArmTimer>(r).back().at, h.now() + 100ms);
  h.clock.advance(100ms);
  EXPECT_TRUE(has<SendHeartbeat>(h.send(TimerFired{TimerId::Heartbeat})));
  // The partner has not seen us ready yet: ask again shortly.
  EXPECT_EQ(one<ArmTimer>(h.answered(S::PartnerDown)).at, h.now() + 100ms);
  EXPECT_EQ(h.m.state(), S::Ready);
  h.send(TimerFired{TimerId::Heartbeat});
  h.answered(S::LoadBalancing);
  EXPECT_EQ(h.m.state(), S::LoadBalancing);
  // Back in the normal state: the normal pace.
  h.send(TimerFired{TimerId::Heartbeat});
  EXPECT_EQ(one<ArmTimer>(h.answered(S::LoadBalancing)).at, h.now() + 10s);
}

// A one-way partition: the partner synchronised from us, then we lost it and served alone
// again. When it shows up ready it misses what we handed out since: it must resynchronise
// (ha-reset) before we go back to normal, or it would hand out those addresses again.
TEST(HaMachine, PartnerDownAsksAStalePartnerToResync) {
  Harness h(lbConfig("server1", fastTimers({{"max-unacked-clients", 0}})));
  h.toPartnerDown();
  h.send(SyncCompleteNotified{2000});
  h.failed();               // the partner vanished after its sync: we serve again...
  h.m.noteSkippedUpdate();  // ...and hand out a lease it never gets
  auto& r = h.answered(S::Ready, 0);
  EXPECT_EQ(h.m.state(), S::PartnerDown);
  EXPECT_EQ(one<SendHaReset>(r).peer, "server2");
  EXPECT_FALSE(has<SendHaReset>(h.answered(S::Ready, 0)));  // one at a time
  auto& ok = h.send(HaResetFinished{true, ""});
  EXPECT_TRUE(logged(ok, "HA_RESET_SENT"));
  EXPECT_EQ(h.m.state(), S::PartnerDown);
  // It resynchronises from us and says so; from then on nothing is missing.
  h.answered(S::Waiting, 0);
  h.answered(S::Syncing, 0);
  h.send(SyncCompleteNotified{2000});
  h.answered(S::Ready, 0);
  EXPECT_EQ(h.m.state(), S::LoadBalancing);
}

TEST(HaMachine, PartnerDownResetFailureIsRetried) {
  Harness h(lbConfig("server1", fastTimers({{"max-unacked-clients", 0}})));
  h.toPartnerDown();
  h.m.noteSkippedUpdate();
  EXPECT_TRUE(has<SendHaReset>(h.answered(S::Ready, 0)));
  EXPECT_TRUE(logged(h.send(HaResetFinished{false, "timeout"}), "HA_RESET_FAILED"));
  EXPECT_EQ(h.m.state(), S::PartnerDown);
  EXPECT_TRUE(has<SendHaReset>(h.answered(S::Ready, 0)));
}

TEST(HaMachine, PartnerDownWithoutChangesReturnsToNormalAtOnce) {
  Harness h(lbConfig("server1", fastTimers({{"max-unacked-clients", 0}})));
  h.toPartnerDown();
  EXPECT_FALSE(has<SendHaReset>(h.answered(S::Ready, 0)));
  EXPECT_EQ(h.m.state(), S::LoadBalancing);
}

TEST(HaMachine, SyncCompleteNotifiedInPartnerDownPollsThePartnerSoon) {
  Harness h(
      lbConfig("server1",
               fastTimers({{"max-unacked-clients", 0}, {"heartbeat-delay", 10000}, {"max-response-delay", 30000}})));
  h.toNormal(S::LoadBalancing);
  h.clock.advance(31s);
  h.failed();
  ASSERT_EQ(h.m.state(), S::PartnerDown);
  // The partner joins once a heartbeat sees it ready: ask in 100 ms, not 10 s.
  auto& n = h.send(SyncCompleteNotified{2000});
  const auto armed = one<ArmTimer>(n);
  EXPECT_EQ(armed.id, TimerId::Heartbeat);
  EXPECT_EQ(armed.at, h.now() + 100ms);
  h.clock.advance(100ms);
  EXPECT_TRUE(has<SendHeartbeat>(h.send(TimerFired{TimerId::Heartbeat})));
  // Still finishing its sync: poll again shortly.
  EXPECT_EQ(one<ArmTimer>(h.answered(S::Syncing)).at, h.now() + 100ms);
  // Not forever: after 5 s the normal heartbeat-delay applies again.
  h.clock.advance(5s);
  h.send(TimerFired{TimerId::Heartbeat});
  EXPECT_EQ(one<ArmTimer>(h.answered(S::Syncing)).at, h.now() + 10s);
  h.send(TimerFired{TimerId::Heartbeat});
  h.answered(S::Ready);
  EXPECT_EQ(h.m.state(), S::LoadBalancing);
}

TEST(HaMachine, SyncCompleteNotifiedOutsidePartnerDownOnlyDropsRemoteOrigin) {
  Harness h(lbConfig("server1"));
  h.toNormal(S::LoadBalancing);
  auto& n = h.send(SyncCompleteNotified{2000});
  EXPECT_FALSE(has<DisableDhcp>(n));
  EXPECT_EQ(one<EnableDhcp>(n).origin, 2000);
}

TEST(HaMachine, BackupAndPassiveBackup) {
  Harness b(lbConfig("server3"));
  auto& a = b.start();
  EXPECT_EQ(b.m.state(), S::Backup);
  EXPECT_FALSE(has<ArmTimer>(a));  // backups never heartbeat
  EXPECT_TRUE(b.m.localDhcpDisabled());
  EXPECT_EQ(b.m.updatePolicy(b.m.config().peers[0]), UpdatePolicy::Skip);
  EXPECT_FALSE(b.m.status(b.now()).hasRemote);

  auto rel = relationship("server1", "passive-backup",
                          json::array({peer("server1", "http://198.18.0.1:8001/", "primary"),
                                       peer("server3", "http://198.18.0.3:8001/", "backup")}),
                          {{"wait-backup-ack", true}});
  Harness p(parseOne(rel));
  auto& pa = p.start();
  EXPECT_EQ(p.m.state(), S::PassiveBackup);
  EXPECT_FALSE(has<ArmTimer>(pa));
  EXPECT_FALSE(p.m.localDhcpDisabled());
  EXPECT_EQ(p.m.scopeFilter().servedScopes(), std::vector<std::string>{"server1"});
  EXPECT_EQ(p.m.updatePolicy(p.m.config().peers[1]), UpdatePolicy::SendAndWait);
  EXPECT_FALSE(p.m.status(p.now()).hasRemote);
}

TEST(HaMachine, UpdatePolicyPerState) {
  Harness h(lbConfig("server1"));
  h.start();
  const PeerConfig& partner = h.m.config().peers[1];
  const PeerConfig& backup = h.m.config().peers[2];
  EXPECT_EQ(h.m.updatePolicy(partner), UpdatePolicy::SkipCounted);  // waiting
  EXPECT_EQ(h.m.updatePolicy(backup), UpdatePolicy::SendNoWait);
  h.answered(S::Ready);
  h.send(SyncFinished{true, ""});
  h.answered(S::LoadBalancing);
  EXPECT_EQ(h.m.updatePolicy(partner), UpdatePolicy::SendAndWait);
  Harness off(lbConfig("server1", fastTimers({{"send-lease-updates", false}})));
  EXPECT_EQ(off.m.updatePolicy(off.m.config().peers[2]), UpdatePolicy::Skip);
}

TEST(HaMachine, UnsentUpdateCountNeverReturnsToZero) {
  Harness h(lbConfig());
  EXPECT_EQ(h.m.unsentUpdateCount(), 0u);
  h.m.noteSkippedUpdate();
  h.m.noteSkippedUpdate();
  EXPECT_EQ(h.m.heartbeatReply().unsentUpdateCount, 2u);
}

TEST(HaMachine, StatusSnapshot) {
  Harness h(lbConfig("server1"));
  h.toNormal(S::LoadBalancing);
  HeartbeatAnswered a;
  a.partnerState = S::LoadBalancing;
  a.partnerTime = h.clock.now() + 2s;
  a.localTime = h.clock.now();
  a.scopes = std::vector<std::string>{"server2"};
  a.unsentUpdateCount = 7;
  h.send(a);
  h.clock.advance(4s);
  const HaStatus s = h.m.status(h.now());
  EXPECT_EQ(s.localName, "server1");
  EXPECT_EQ(s.localRole, Role::Primary);
  EXPECT_EQ(s.state, S::LoadBalancing);
  EXPECT_EQ(s.scopes, std::vector<std::string>{"server1"});
  EXPECT_TRUE(s.hasRemote);
  EXPECT_EQ(s.remoteName, "server2");
  EXPECT_EQ(s.remoteRole, Role::Secondary);
  EXPECT_TRUE(s.inTouch);
  EXPECT_EQ(s.age, 4);
  EXPECT_EQ(s.lastState, S::LoadBalancing);
  EXPECT_EQ(s.lastScopes, std::vector<std::string>{"server2"});
  EXPECT_TRUE(s.communicationInterrupted);  // 4 s > 3 s
  EXPECT_EQ(s.unackedClientsLeft, 3u);      // max 2 - 0 + 1 while interrupted
  EXPECT_EQ(s.clockSkew, 2);
  EXPECT_EQ(s.partnerUnsentUpdateCount, 7u);
  EXPECT_EQ(s.systemTime, h.clock.now() - 4s);
}

TEST(HaMachine, FirstHeartbeatBeforeAnyContactIsNotInTouch) {
  Harness h(lbConfig("server1"));
  h.start();
  const HaStatus s = h.m.status(h.now());
  EXPECT_FALSE(s.inTouch);
  EXPECT_FALSE(s.systemTime.has_value());
  EXPECT_FALSE(s.clockSkew.has_value());
}

}  // namespace
}  // namespace tandem::ha
