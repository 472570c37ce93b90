#include "heartbeat/clock_skew.h"

#include <gtest/gtest.h>

#include "heartbeat/rejected_lease_updates.h"

namespace tandem::heartbeat {
namespace {

using namespace std::chrono_literals;

TEST(ClockSkew, UnknownUntilFirstUpdate) {
  ClockSkew s;
  EXPECT_FALSE(s.known());
  EXPECT_EQ(s.seconds(), 0);
  EXPECT_FALSE(s.localTimeAtSkew().has_value());
  EXPECT_FALSE(s.shouldTerminate());
}

TEST(ClockSkew, ThresholdsAreStrict) {
  FakeClock clock;
  ClockSkew s;
  struct Case {
    std::chrono::milliseconds skew;
    std::int64_t seconds;
    bool warn;
    bool terminate;
  };
  for (const Case c : {Case{0ms, 0, false, false}, Case{30s, 30, false, false}, Case{30999ms, 30, false, false},
                       Case{31s, 31, true, false}, Case{-31s, -31, true, false}, Case{60s, 60, true, false},
                       Case{60999ms, 60, true, false}, Case{61s, 61, true, true}, Case{-61s, -61, true, true},
                       Case{-60999ms, -60, true, false}}) {
    ClockSkew fresh;
    fresh.update(clock.now() + c.skew, clock.now());
    EXPECT_EQ(fresh.seconds(), c.seconds) << c.skew.count();
    EXPECT_EQ(fresh.shouldWarn(fakeSteady(clock)), c.warn) << c.skew.count();
    EXPECT_EQ(fresh.shouldTerminate(), c.terminate) << c.skew.count();
  }
  s.update(clock.now() + 45s, clock.now());
  EXPECT_EQ(s.localTimeAtSkew(), clock.now());
}

TEST(ClockSkew, WarningIsRateLimitedToOncePerMinute) {
  FakeClock clock;
  ClockSkew s;
  s.update(clock.now() + 40s, clock.now());
  EXPECT_TRUE(s.shouldWarn(fakeSteady(clock)));
  clock.advance(60s);
  EXPECT_FALSE(s.shouldWarn(fakeSteady(clock)));
  clock.advance(1s);
  EXPECT_TRUE(s.shouldWarn(fakeSteady(clock)));
}

TEST(ClockSkew, ResetForgetsTheValue) {
  FakeClock clock;
  ClockSkew s;
  s.update(clock.now() - 90s, clock.now());
  EXPECT_TRUE(s.shouldTerminate());
  s.reset();
  EXPECT_FALSE(s.shouldTerminate());
  EXPECT_EQ(s.seconds(), 0);
}

TEST(RejectedLeaseUpdates, CountsDistinctClientsUntilExpiryOrSuccess) {
  FakeClock clock;
  RejectedLeaseUpdates r;
  const ClientKey a{{1, 2, 3}, {}}, b{{1, 2, 3}, {9}}, c{{4}, {}};
  EXPECT_TRUE(r.reportRejected(a, fakeSteady(clock)));
  EXPECT_FALSE(r.reportRejected(a, fakeSteady(clock)));  // refresh only
  EXPECT_TRUE(r.reportRejected(b, fakeSteady(clock)));
  EXPECT_EQ(r.count(fakeSteady(clock)), 2u);
  EXPECT_TRUE(r.reportSuccessful(b));
  EXPECT_FALSE(r.reportSuccessful(c));
  EXPECT_EQ(r.count(fakeSteady(clock)), 1u);
  clock.advance(12h);
  r.reportRejected(c, fakeSteady(clock));
  clock.advance(12h);  // a expires now (24 h), c does not
  EXPECT_EQ(r.count(fakeSteady(clock)), 1u);
  clock.advance(12h);  // every entry expired: all pruned (Kea would keep them, weakness 12)
  EXPECT_EQ(r.count(fakeSteady(clock)), 0u);
  r.reportRejected(a, fakeSteady(clock));
  r.clear();
  EXPECT_EQ(r.count(fakeSteady(clock)), 0u);
}

}  // namespace
}  // namespace tandem::heartbeat
