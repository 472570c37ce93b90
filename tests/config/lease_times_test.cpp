// T1/T2 and lease time as Kea 2.2 computes them.
#include <gtest/gtest.h>

#include "dhcpd/config/lease_times.h"

namespace tandem::config {
namespace {

Subnet4 subnet(std::uint32_t valid) {
  Subnet4 s;
  s.validLifetime = valid;
  return s;
}

TEST(LeaseTimes, ExplicitTimersWin) {
  Subnet4 s = subnet(4000);
  s.renewTimer = 1000;
  s.rebindTimer = 2000;
  s.calculateTeeTimes = true;  // explicit values still win, as in Kea
  auto t = leaseTimes(s, std::nullopt);
  EXPECT_EQ(t.valid, 4000u);
  EXPECT_EQ(t.t1, 1000u);
  EXPECT_EQ(t.t2, 2000u);
}

TEST(LeaseTimes, UnsetTimersAreNotSentWithoutCalculateTeeTimes) {
  // Kea 2.2 sends no option 58/59 then (difftest tee-times-none).
  auto t = leaseTimes(subnet(4000), std::nullopt);
  EXPECT_FALSE(t.t1);
  EXPECT_FALSE(t.t2);
}

TEST(LeaseTimes, OnlyTheConfiguredTimerIsSent) {
  Subnet4 s = subnet(3000);
  s.renewTimer = 1000;  // difftest tee-times-t1-only: Kea sends T1 alone
  auto t = leaseTimes(s, std::nullopt);
  EXPECT_EQ(t.t1, 1000u);
  EXPECT_FALSE(t.t2);
}

TEST(LeaseTimes, CalculateTeeTimesUsesConfiguredPercents) {
  Subnet4 s = subnet(1000);
  s.calculateTeeTimes = true;
  s.t1Percent = 0.25;
  s.t2Percent = 0.6;
  auto t = leaseTimes(s, std::nullopt);
  EXPECT_EQ(t.t1, 250u);
  EXPECT_EQ(t.t2, 600u);
}

TEST(LeaseTimes, PercentsWithoutCalculateTeeTimesAreNotUsed) {
  Subnet4 s = subnet(1000);
  s.t1Percent = 0.25;
  s.t2Percent = 0.6;
  auto t = leaseTimes(s, std::nullopt);
  EXPECT_FALSE(t.t1);
  EXPECT_FALSE(t.t2);
}

TEST(LeaseTimes, CalculatedValuesAreRounded) {
  Subnet4 s = subnet(7);
  s.calculateTeeTimes = true;
  auto t = leaseTimes(s, std::nullopt);
  EXPECT_EQ(t.t1, 4u);  // 3.5 rounds up
  EXPECT_EQ(t.t2, 6u);  // 6.125
}

TEST(LeaseTimes, T2NotBelowLeaseTimeIsNotSent) {
  Subnet4 s = subnet(3000);
  s.renewTimer = 2000;
  s.rebindTimer = 4000;
  auto t = leaseTimes(s, std::nullopt);
  EXPECT_FALSE(t.t2);
  EXPECT_EQ(t.t1, 2000u);
}

TEST(LeaseTimes, T1NotBelowT2IsNotSent) {
  Subnet4 s = subnet(3000);
  s.renewTimer = 2000;
  s.rebindTimer = 2000;
  auto t = leaseTimes(s, std::nullopt);
  EXPECT_EQ(t.t2, 2000u);
  EXPECT_FALSE(t.t1);
}

TEST(LeaseTimes, ZeroTimersAreNotSent) {
  Subnet4 s = subnet(3000);
  s.renewTimer = 0;
  s.rebindTimer = 0;
  auto t = leaseTimes(s, std::nullopt);
  EXPECT_FALSE(t.t1);
  EXPECT_FALSE(t.t2);
}

TEST(LeaseTimes, RequestedLifetimeIsIgnoredWithoutBounds) {
  auto t = leaseTimes(subnet(3600), 60u);
  EXPECT_EQ(t.valid, 3600u);
}

TEST(LeaseTimes, RequestedLifetimeIsClampedToMinMax) {
  Subnet4 s = subnet(3600);
  s.minValidLifetime = 600;
  s.maxValidLifetime = 7200;
  EXPECT_EQ(leaseTimes(s, 60u).valid, 600u);
  EXPECT_EQ(leaseTimes(s, 1000u).valid, 1000u);
  EXPECT_EQ(leaseTimes(s, 100000u).valid, 7200u);
  EXPECT_EQ(leaseTimes(s, std::nullopt).valid, 3600u);
  s.calculateTeeTimes = true;
  auto t = leaseTimes(s, 1000u);
  EXPECT_EQ(t.t1, 500u);  // computed from the granted lifetime
  EXPECT_EQ(t.t2, 875u);
}

TEST(LeaseTimes, OnlyMinBoundLetsClientsAskForLonger) {
  Subnet4 s = subnet(3600);
  s.minValidLifetime = 600;
  EXPECT_EQ(leaseTimes(s, 100000u).valid, 3600u);  // max defaults to valid-lifetime
  EXPECT_EQ(leaseTimes(s, 1000u).valid, 1000u);
}

TEST(LeaseTimes, RequestedZeroIsNoRequest) {
  // difftest lifetime-min-max/lease-time-0: Kea grants valid-lifetime, not the minimum.
  Subnet4 s = subnet(4000);
  s.minValidLifetime = 2000;
  s.maxValidLifetime = 6000;
  EXPECT_EQ(leaseTimes(s, 0u).valid, 4000u);
  EXPECT_EQ(leaseTimes(s, 1u).valid, 2000u);
}

TEST(LeaseTimes, InfiniteLease) {
  Subnet4 s = subnet(0xffffffffu);
  s.calculateTeeTimes = true;
  auto t = leaseTimes(s, std::nullopt);
  EXPECT_EQ(t.valid, 0xffffffffu);
  EXPECT_EQ(t.t1, 2147483648u);
  EXPECT_EQ(t.t2, 3758096383u);
}

}  // namespace
}  // namespace tandem::config
