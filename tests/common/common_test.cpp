#include <gtest/gtest.h>

#include <chrono>
#include <limits>

#include "dhcpd/common/clock.h"
#include "dhcpd/common/epoch_time.h"
#include "dhcpd/common/hw_addr.h"
#include "dhcpd/common/ipv4.h"
#include "dhcpd/common/result.h"
#include "dhcpd/common/stats.h"

using namespace tandem;

TEST(Ipv4, ParsesAndPrintsDottedQuad) {
  auto a = Ipv4::parse("198.18.0.1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->value, 0xC6120001u);
  EXPECT_EQ(a->toString(), "198.18.0.1");
  EXPECT_EQ(Ipv4(255, 255, 255, 255), Ipv4::broadcast());
}

TEST(Ipv4, RejectsMalformedText) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", " 1.2.3.4", "a.b.c.d", "1..2.3",
                          "01.2.3.4", "1.2.3.", "1234.1.1.1", "-1.2.3.4"}) {
    EXPECT_FALSE(Ipv4::parse(bad)) << bad;
  }
}

TEST(Prefix4, ContainsAndParse) {
  auto p = Prefix4::parse("198.18.0.0/15");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->contains(*Ipv4::parse("198.19.255.254")));
  EXPECT_FALSE(p->contains(*Ipv4::parse("198.20.0.1")));
  EXPECT_EQ(p->mask(), 0xFFFE0000u);
  EXPECT_EQ(p->toString(), "198.18.0.0/15");
  EXPECT_FALSE(Prefix4::parse("198.18.0.0/33"));
  EXPECT_FALSE(Prefix4::parse("198.18.0.0/"));
  EXPECT_FALSE(Prefix4::parse("198.18.0.0"));
  auto all = Prefix4::parse("0.0.0.0/0");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->contains(Ipv4(1, 2, 3, 4)));
}

TEST(HwAddr, ParsesKeaForms) {
  auto h = HwAddr::parse("02:00:C6:12:00:01");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->length, 6);
  EXPECT_EQ(h->toString(), "02:00:c6:12:00:01");
  EXPECT_EQ(HwAddr::parse("02-00-c6-12-00-01"), h);
  EXPECT_EQ(HwAddr::parse("0200c6120001"), h);
  EXPECT_EQ(HwAddr::parse("2:0:c6:12:0:1"), h);
  EXPECT_FALSE(HwAddr::parse("02:00:zz:12:00:01"));
  EXPECT_FALSE(HwAddr::parse("02:00:"));
  EXPECT_FALSE(HwAddr::parse("020"));
  EXPECT_FALSE(HwAddr::parse("00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00"));  // 17 bytes
}

TEST(HexBytes, RoundTrip) {
  auto b = parseHexBytes("01:aa:bb");
  ASSERT_TRUE(b);
  EXPECT_EQ(toHexColon(*b), "01:aa:bb");
  EXPECT_TRUE(parseHexBytes("")->empty());
  EXPECT_FALSE(parseHexBytes("123:4"));
}

TEST(Result, CarriesValueOrError) {
  Result<int> ok(5);
  EXPECT_TRUE(ok);
  EXPECT_EQ(*ok, 5);
  Result<int> bad(makeError("nope", 3));
  EXPECT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "nope");
  EXPECT_EQ(bad.error().code, 3);
  Result<void> v;
  EXPECT_TRUE(v);
  Result<void> e(makeError("x"));
  EXPECT_FALSE(e);
}

TEST(StatsRegistry, AddSetResetRemove) {
  FakeClock clock;
  StatsRegistry s;
  s.add("pkt4-received", 2, clock.now());
  s.add("pkt4-received", 3, clock.now());
  EXPECT_EQ(s.value("pkt4-received"), 5);
  s.set("subnet[1].total-addresses", 100, clock.now());
  EXPECT_EQ(s.all().size(), 2u);
  clock.advance(std::chrono::seconds(5));
  EXPECT_TRUE(s.reset("pkt4-received", clock.now()));
  StatsRegistry::Sample sample;
  ASSERT_TRUE(s.get("pkt4-received", sample));
  EXPECT_EQ(sample.value, 0);
  EXPECT_EQ(sample.when, clock.now());
  EXPECT_FALSE(s.reset("missing", clock.now()));
  EXPECT_TRUE(s.remove("pkt4-received"));
  EXPECT_FALSE(s.get("pkt4-received", sample));
  s.resetAll(clock.now());
  EXPECT_EQ(s.value("subnet[1].total-addresses"), 0);
}

TEST(FakeClock, MovesOnlyWhenTold) {
  FakeClock c(1000);
  EXPECT_EQ(toEpochSeconds(c.now()), 1000);
  c.advance(std::chrono::seconds(61));
  EXPECT_EQ(toEpochSeconds(c.now()), 1061);
}

// Kea keeps lease times as a 64-bit time_t, so a lease file or lease4-add may say a lease
// expires in year 3000; TimePoint (64-bit nanoseconds) ends in 2262. Found by fuzzing: the
// plain conversion overflowed (a wrapped time, UBSan's signed overflow). Such times saturate.
// (fromEpochSeconds stays the plain conversion for times that are known to fit.)
TEST(EpochTime, SaturatesOutsideTimePointRange) {
  EXPECT_EQ(toEpochSeconds(saturatingFromEpochSeconds(1'750'000'000)), 1'750'000'000);
  EXPECT_EQ(toEpochSeconds(saturatingFromEpochSeconds(-86400)), -86400);
  constexpr std::int64_t kYear3000 = 32'503'680'000;
  EXPECT_EQ(saturatingFromEpochSeconds(kYear3000), TimePoint::max());
  EXPECT_EQ(saturatingFromEpochSeconds(std::numeric_limits<std::int64_t>::max()), TimePoint::max());
  EXPECT_EQ(saturatingFromEpochSeconds(-kYear3000), TimePoint::min());
  EXPECT_EQ(saturatingFromEpochSeconds(std::numeric_limits<std::int64_t>::min()), TimePoint::min());
  // The last whole second inside the range still converts exactly.
  const std::int64_t last = toEpochSeconds(TimePoint::max()) - 1;
  EXPECT_EQ(toEpochSeconds(saturatingFromEpochSeconds(last)), last);
  EXPECT_LT(saturatingFromEpochSeconds(last), TimePoint::max());
}
