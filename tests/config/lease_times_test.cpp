// T1/T2 and lease time as Kea computes them (RFC 2131 section 4.4.5 defaults).
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

TEST(LeaseTimes, UnsetTimersUseRfc2131Defaults) {
  auto t = leaseTimes(subnet(4000), std::nullopt);
  EXPECT_EQ(t.t1, 2000u);  // 0.5
  EXPECT_EQ(t.t2, 3500u);  // 0.875
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
  EXPECT_EQ(t.t1, 500u);
  EXPECT_EQ(t.t2, 875u);
}

TEST(LeaseTimes, CalculatedValuesAreRounded) {
  auto t = leaseTimes(subnet(7), std::nullopt);
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

TEST(LeaseTimes, InfiniteLease) {
  auto t = leaseTimes(subnet(0xffffffffu), std::nullopt);
  EXPECT_EQ(t.valid, 0xffffffffu);
  EXPECT_EQ(t.t1, 2147483648u);
  EXPECT_EQ(t.t2, 3758096383u);
}

}  // namespace
}  // namespace tandem::config
