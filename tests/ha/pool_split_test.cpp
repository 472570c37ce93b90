#include "ha/pool_split.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "ha/ha_machine.h"
#include "tests/ha/ha_test_util.h"

namespace tandem::ha {
namespace {

using namespace std::chrono_literals;
using namespace testing;
using nlohmann::json;

config::Dhcp4Config sharedPool(Ipv4 first, Ipv4 last, std::string cls = "") {
  config::Dhcp4Config d;
  config::Subnet4 s;
  s.id = 1;
  s.prefix = *Prefix4::parse("198.18.0.0/15");
  config::Pool p;
  p.first = first;
  p.last = last;
  p.clientClass = std::move(cls);
  s.pools.push_back(p);
  d.subnets.push_back(s);
  return d;
}

const Ipv4 kFirst(198, 18, 16, 0), kLast(198, 18, 16, 99);

TEST(PoolSplit, PrimaryEvenSecondaryOddDisjointAndComplete) {
  const auto dhcp = sharedPool(kFirst, kLast);
  const HaConfig c1 = lbConfig("server1"), c2 = lbConfig("server2");
  PoolSplit p(c1, dhcp), s(c2, dhcp);
  ASSERT_TRUE(p.enabled());
  ASSERT_TRUE(s.enabled());
  EXPECT_EQ(p.ownShare(), PoolSplit::Share::Even);
  EXPECT_EQ(s.ownShare(), PoolSplit::Share::Odd);
  FakeClock clock;
  int primary = 0, secondary = 0;
  for (std::uint32_t v = kFirst.value; v <= kLast.value; ++v) {
    const bool a = p.allows(Ipv4(v), fakeSteady(clock)), b = s.allows(Ipv4(v), fakeSteady(clock));
    EXPECT_NE(a, b) << Ipv4(v).toString();  // exactly one owner for every pool address
    primary += a;
    secondary += b;
  }
  EXPECT_EQ(primary, 50);
  EXPECT_EQ(secondary, 50);
  // Outside the pools (e.g. reservations) nothing is filtered.
  EXPECT_TRUE(s.allows(Ipv4(198, 18, 0, 10), fakeSteady(clock)));
  EXPECT_TRUE(p.allows(Ipv4(198, 18, 0, 11), fakeSteady(clock)));
}

TEST(PoolSplit, DisjointEvenWhenPoolListsDiffer) {
  // The peers' configs drifted (different pool starts): parity still never overlaps.
  const HaConfig c1 = lbConfig("server1"), c2 = lbConfig("server2");
  PoolSplit p(c1, sharedPool(Ipv4(198, 18, 16, 0), Ipv4(198, 18, 16, 99)));
  PoolSplit s(c2, sharedPool(Ipv4(198, 18, 16, 3), Ipv4(198, 18, 16, 120)));
  FakeClock clock;
  for (std::uint32_t v = Ipv4(198, 18, 16, 0).value; v <= Ipv4(198, 18, 16, 120).value; ++v) {
    const Ipv4 a(v);
    if (p.inSplitPool(a) && s.inSplitPool(a)) {
      EXPECT_FALSE(p.allows(a, fakeSteady(clock)) && s.allows(a, fakeSteady(clock)));
    }
  }
}

TEST(PoolSplit, PoolsBoundToHaClassesAreNotSplit) {
  auto dhcp = sharedPool(Ipv4(198, 18, 16, 0), Ipv4(198, 18, 255, 254), "HA_server1");
  dhcp.subnets[0].pools.push_back(
      sharedPool(Ipv4(198, 19, 0, 0), Ipv4(198, 19, 255, 254), "HA_server2").subnets[0].pools[0]);
  dhcp.subnets[0].pools.push_back(sharedPool(Ipv4(198, 18, 1, 0), Ipv4(198, 18, 1, 9), "voip").subnets[0].pools[0]);
  const HaConfig c2 = lbConfig("server2");
  PoolSplit s(c2, dhcp);
  FakeClock clock;
  EXPECT_TRUE(s.allows(Ipv4(198, 19, 0, 2), fakeSteady(clock)));
  EXPECT_TRUE(s.allows(Ipv4(198, 18, 16, 2), fakeSteady(clock)));  // the class check is the engine's
  ASSERT_EQ(s.splitPools().size(), 1u);                            // only the "voip" pool is split
  EXPECT_FALSE(s.allows(Ipv4(198, 18, 1, 2), fakeSteady(clock)));
  EXPECT_TRUE(s.allows(Ipv4(198, 18, 1, 3), fakeSteady(clock)));
}

TEST(PoolSplit, DisabledOutsideLoadBalancingOrWhenConfiguredOff) {
  const auto dhcp = sharedPool(kFirst, kLast);
  const HaConfig off = lbConfig("server2", fastTimers({{"pool-split", false}}));
  const HaConfig hs = hsConfig("server2");
  const HaConfig backup = lbConfig("server3");
  FakeClock clock;
  for (const HaConfig* c : {&off, &hs, &backup}) {
    PoolSplit s(*c, dhcp);
    EXPECT_FALSE(s.enabled());
    for (std::uint32_t v = kFirst.value; v <= kLast.value; ++v) EXPECT_TRUE(s.allows(Ipv4(v), fakeSteady(clock)));
  }
}

TEST(PoolSplit, OverlappingAndAdjacentPoolsMerge) {
  PoolSplit s(true, PoolSplit::Share::Odd,
              {{Ipv4(10, 0, 0, 50), Ipv4(10, 0, 0, 60)},
               {Ipv4(10, 0, 0, 10), Ipv4(10, 0, 0, 20)},
               {Ipv4(10, 0, 0, 21), Ipv4(10, 0, 0, 30)},
               {Ipv4(10, 0, 0, 55), Ipv4(10, 0, 0, 70)}});
  ASSERT_EQ(s.splitPools().size(), 2u);
  EXPECT_EQ(s.splitPools()[0].last, Ipv4(10, 0, 0, 30));
  EXPECT_EQ(s.splitPools()[1].last, Ipv4(10, 0, 0, 70));
  EXPECT_TRUE(s.inSplitPool(Ipv4(10, 0, 0, 10)));
  EXPECT_TRUE(s.inSplitPool(Ipv4(10, 0, 0, 70)));
  EXPECT_FALSE(s.inSplitPool(Ipv4(10, 0, 0, 9)));
  EXPECT_FALSE(s.inSplitPool(Ipv4(10, 0, 0, 40)));
  EXPECT_FALSE(s.inSplitPool(Ipv4(10, 0, 0, 71)));
}

TEST(PoolSplit, PartnerShareOnlyFromTheGivenInstant) {
  PoolSplit s(true, PoolSplit::Share::Even, {{kFirst, kLast}});
  FakeClock clock;
  const Ipv4 odd(198, 18, 16, 1);
  EXPECT_FALSE(s.allows(odd, fakeSteady(clock)));
  s.setPartnerShareUsableFrom(fakeSteady(clock) + 3600s);
  EXPECT_EQ(s.partnerShareUsableFrom(), fakeSteady(clock) + 3600s);
  clock.advance(3599s);
  EXPECT_FALSE(s.allows(odd, fakeSteady(clock)));
  clock.advance(1s);
  EXPECT_TRUE(s.allows(odd, fakeSteady(clock)));
  s.setPartnerShareUsableFrom(std::nullopt);
  EXPECT_FALSE(s.allows(odd, fakeSteady(clock)));
  EXPECT_FALSE(s.partnerShareUsableFrom().has_value());
  auto f = s.allocFilter([&] { return fakeSteady(clock); });
  EXPECT_TRUE(f(Ipv4(198, 18, 16, 2)));
  EXPECT_FALSE(f(odd));
}

// Issue 11: a one-address pool (or any range under kSmallPool addresses) owned by the partner
// is the survivor's as soon as it is in partner-down, not after takeover-delay; larger
// pools keep the delay.
TEST(PoolSplit, SmallPoolsAreTakenOverWithoutTheDelay) {
  const Ipv4 single(198, 18, 20, 7), trioFirst(198, 18, 21, 1), trioLast(198, 18, 21, 3);
  PoolSplit s(true, PoolSplit::Share::Even, {{kFirst, kLast}, {single, single}, {trioFirst, trioLast}});
  ASSERT_NE(s.splitRange(single), nullptr);
  EXPECT_TRUE(s.splitRange(single)->small);
  EXPECT_TRUE(s.splitRange(trioFirst)->small);
  EXPECT_FALSE(s.splitRange(kFirst)->small);
  FakeClock clock;
  // Normal load-balancing: the odd one-address pool is the partner's alone.
  EXPECT_FALSE(s.allows(single, fakeSteady(clock)));
  EXPECT_TRUE(s.allows(Ipv4(198, 18, 21, 2), fakeSteady(clock)));   // our even address of the trio
  EXPECT_FALSE(s.allows(Ipv4(198, 18, 21, 3), fakeSteady(clock)));  // the partner's
  // Partner-down: usable at once in the small ranges, after the delay elsewhere.
  s.setPartnerShareUsableFrom(fakeSteady(clock) + 3600s);
  EXPECT_TRUE(s.allows(single, fakeSteady(clock)));
  EXPECT_TRUE(s.allows(Ipv4(198, 18, 21, 3), fakeSteady(clock)));
  EXPECT_FALSE(s.allows(Ipv4(198, 18, 16, 1), fakeSteady(clock)));
  clock.advance(3600s);
  EXPECT_TRUE(s.allows(Ipv4(198, 18, 16, 1), fakeSteady(clock)));
  // Back to load-balancing: the partner's share is off limits again, small ranges included.
  s.setPartnerShareUsableFrom(std::nullopt);
  EXPECT_FALSE(s.allows(single, fakeSteady(clock)));
  // Adjacent one-address pools merge into a range that splits like any other.
  PoolSplit pair(true, PoolSplit::Share::Odd,
                 {{Ipv4(198, 18, 22, 0), Ipv4(198, 18, 22, 0)},
                  {Ipv4(198, 18, 22, 1), Ipv4(198, 18, 22, 3)},
                  {Ipv4(198, 18, 22, 4), Ipv4(198, 18, 22, 9)}});
  ASSERT_EQ(pair.splitPools().size(), 1u);
  EXPECT_FALSE(pair.splitPools()[0].small);
}

// Lowest free address the peer may allocate, like a first-fit allocator.
std::optional<Ipv4> allocate(const PoolSplit& split, std::set<std::uint32_t>& used, SteadyTime now) {
  for (std::uint32_t v = kFirst.value; v <= kLast.value; ++v) {
    if (!used.count(v) && split.allows(Ipv4(v), now)) {
      used.insert(v);
      return Ipv4(v);
    }
  }
  return std::nullopt;
}

void applyShare(const std::vector<Action>& actions, PoolSplit& split) {
  for (const auto& a : actions) {
    if (const auto* s = std::get_if<SetPartnerShare>(&a)) split.setPartnerShareUsableFrom(s->usableFrom);
  }
}

// Both peers alive, the link between them cut: both go partner-down (max-unacked-clients 0,
// so no traffic test) and keep allocating to new clients. For a partition shorter than the
// takeover delay no address is ever handed out by both.
TEST(PoolSplit, PartitionShorterThanTakeoverDelayNeverAllocatesThePartnersShare) {
  const auto dhcp = sharedPool(kFirst, kLast);
  const json timers = fastTimers({{"max-unacked-clients", 0}, {"delayed-updates-limit", 0}, {"takeover-delay", 600}});
  HaMachine m1(lbConfig("server1", timers)), m2(lbConfig("server2", timers));
  PoolSplit s1(m1.config(), dhcp), s2(m2.config(), dhcp);
  FakeClock clock;
  auto hb = [&](HaMachine& m, HaState partner) {
    HeartbeatAnswered a;
    a.partnerState = partner;
    a.partnerTime = clock.now();
    a.localTime = clock.now();
    return m.handle(a, fakeSteady(clock));
  };
  // Bring the pair to load-balancing.
  applyShare(m1.handle(Start{}, fakeSteady(clock)), s1);
  applyShare(m2.handle(Start{}, fakeSteady(clock)), s2);
  applyShare(hb(m1, HaState::Waiting), s1);
  applyShare(m1.handle(SyncFinished{true, ""}, fakeSteady(clock)), s1);
  applyShare(hb(m2, HaState::Ready), s2);
  applyShare(m2.handle(SyncFinished{true, ""}, fakeSteady(clock)), s2);
  applyShare(hb(m1, HaState::Ready), s1);
  applyShare(hb(m2, HaState::LoadBalancing), s2);
  ASSERT_EQ(m1.state(), HaState::LoadBalancing);
  ASSERT_EQ(m2.state(), HaState::LoadBalancing);

  std::set<std::uint32_t> used1, used2;
  const SteadyTime cut = fakeSteady(clock);
  for (int second = 1; second < 600 + 60; ++second) {
    clock.advance(1s);
    applyShare(m1.handle(HeartbeatFailed{"partition"}, fakeSteady(clock)), s1);
    applyShare(m2.handle(HeartbeatFailed{"partition"}, fakeSteady(clock)), s2);
    if (fakeSteady(clock) - cut > 3s) {
      ASSERT_EQ(m1.state(), HaState::PartnerDown);
      ASSERT_EQ(m2.state(), HaState::PartnerDown);
    }
    allocate(s1, used1, fakeSteady(clock));
    allocate(s2, used2, fakeSteady(clock));
    // Partner-down began at cut + 3.001 s or so; the takeover delay is 600 s.
    if (fakeSteady(clock) - cut < 600s) {
      for (std::uint32_t v : used1) ASSERT_EQ(used2.count(v), 0u) << Ipv4(v).toString();
    }
  }
  // Each peer ran out of its own 50 addresses and, only after the delay, moved on to the other half.
  EXPECT_EQ(used1.size(), 100u);
  EXPECT_EQ(used2.size(), 100u);

  // Partition heals: the partner's share is withdrawn again.
  applyShare(hb(m1, HaState::Ready), s1);
  EXPECT_EQ(m1.state(), HaState::LoadBalancing);
  EXPECT_FALSE(s1.allows(Ipv4(198, 18, 16, 1), fakeSteady(clock)));
}

TEST(PoolSplit, SurvivorServesPartnerClientsFromItsOwnShareBeforeTakeover) {
  const auto dhcp = sharedPool(kFirst, kLast);
  HaMachine m(lbConfig("server2", fastTimers({{"max-unacked-clients", 0}})));
  PoolSplit s(m.config(), dhcp);
  FakeClock clock;
  applyShare(m.handle(Start{}, fakeSteady(clock)), s);
  clock.advance(4s);
  applyShare(m.handle(HeartbeatFailed{"refused"}, fakeSteady(clock)), s);
  ASSERT_EQ(m.state(), HaState::PartnerDown);
  // Both scopes are served, but new addresses still come from the odd share.
  EXPECT_EQ(m.scopeFilter().servedScopes(), (std::vector<std::string>{"server1", "server2"}));
  std::set<std::uint32_t> used;
  for (int i = 0; i < 50; ++i) EXPECT_EQ(allocate(s, used, fakeSteady(clock))->value & 1u, 1u);
  EXPECT_FALSE(allocate(s, used, fakeSteady(clock)).has_value());  // own share exhausted
  clock.advance(3600s);
  EXPECT_EQ(allocate(s, used, fakeSteady(clock))->value & 1u, 0u);  // takeover
}

}  // namespace
}  // namespace tandem::ha
