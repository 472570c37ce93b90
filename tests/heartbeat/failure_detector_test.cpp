#include "heartbeat/failure_detector.h"

#include <gtest/gtest.h>

#include <vector>

namespace tandem::heartbeat {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;

FailureDetectorConfig cfg(std::uint32_t maxUnacked = 10) { return {60000ms, 10000ms, maxUnacked}; }
Bytes mac(std::uint8_t i) { return {0x52, 0x54, 0x00, 0x00, 0x00, i}; }

TEST(FailureDetector, InterruptedStrictlyAfterMaxResponseDelaySinceStartOrLastHeartbeat) {
  FakeClock clock;
  FailureDetector d(cfg(), fakeSteady(clock));
  EXPECT_EQ(d.interruptionAt(), fakeSteady(clock) + 60001ms);
  clock.advance(60s);
  EXPECT_FALSE(d.interrupted(fakeSteady(clock)));
  clock.advance(1ms);
  EXPECT_TRUE(d.interrupted(fakeSteady(clock)));
  EXPECT_EQ(d.ageSeconds(fakeSteady(clock)), 60);
  d.poke(fakeSteady(clock));
  EXPECT_FALSE(d.interrupted(fakeSteady(clock)));
  EXPECT_EQ(d.ageSeconds(fakeSteady(clock)), 0);
}

TEST(FailureDetector, NothingIsAnalysedWhileCommunicationIsFine) {
  FakeClock clock;
  FailureDetector d(cfg(0), fakeSteady(clock));
  EXPECT_EQ(d.analyze(mac(1), {}, 100, fakeSteady(clock)), FailureDetector::Analysis::Ignored);
  EXPECT_EQ(d.analyzedPackets(), 0u);
  EXPECT_EQ(d.connectingClients(), 0u);
  EXPECT_EQ(d.unackedClientsLeft(fakeSteady(clock)), 0u);
  EXPECT_TRUE(d.failureDetected());  // max-unacked-clients 0: no traffic test at all
}

TEST(FailureDetector, SecsThresholdIsStrictlyAboveMaxAckDelay) {
  FakeClock clock;
  FailureDetector d(cfg(), fakeSteady(clock));
  clock.advance(61s);
  // max-ack-delay 10000 ms: secs 10 (10000 ms) is acked, 11 is unacked.
  EXPECT_EQ(d.analyze(mac(1), {}, 10, fakeSteady(clock)), FailureDetector::Analysis::Acked);
  EXPECT_EQ(d.analyze(mac(2), {}, 11, fakeSteady(clock)), FailureDetector::Analysis::Unacked);
  EXPECT_EQ(d.unackedClients(), 1u);
  EXPECT_EQ(d.connectingClients(), 2u);
  EXPECT_EQ(d.analyzedPackets(), 2u);
}

TEST(FailureDetector, ClientsAreKeyedByChaddrAndClientId) {
  FakeClock clock;
  FailureDetector d(cfg(), fakeSteady(clock));
  clock.advance(61s);
  d.analyze(mac(1), {}, 20, fakeSteady(clock));
  d.analyze(mac(1), {}, 30, fakeSteady(clock));              // retransmission
  d.analyze(mac(1), Bytes{1, 2, 3}, 30, fakeSteady(clock));  // same chaddr, other client-id: distinct
  EXPECT_EQ(d.unackedClients(), 2u);
  EXPECT_EQ(d.connectingClients(), 2u);
  EXPECT_EQ(d.analyzedPackets(), 3u);
}

TEST(FailureDetector, AckedClientIsUpgradedButNeverDowngraded) {
  FakeClock clock;
  FailureDetector d(cfg(), fakeSteady(clock));
  clock.advance(61s);
  EXPECT_EQ(d.analyze(mac(1), {}, 0, fakeSteady(clock)), FailureDetector::Analysis::Acked);
  EXPECT_EQ(d.analyze(mac(1), {}, 12, fakeSteady(clock)), FailureDetector::Analysis::Unacked);
  EXPECT_EQ(d.analyze(mac(1), {}, 0, fakeSteady(clock)), FailureDetector::Analysis::Unacked);
  EXPECT_EQ(d.unackedClients(), 1u);
}

TEST(FailureDetector, WindowsByteSwappedSecs) {
  EXPECT_EQ(FailureDetector::correctSecs(0x0b00), 11);  // 2816 with low byte 0: swapped 11
  EXPECT_EQ(FailureDetector::correctSecs(0x0100), 1);
  EXPECT_EQ(FailureDetector::correctSecs(255), 255);        // not > 255
  EXPECT_EQ(FailureDetector::correctSecs(256), 1);          // 0x0100
  EXPECT_EQ(FailureDetector::correctSecs(0x0b01), 0x0b01);  // low byte not zero: genuine
  FakeClock clock;
  FailureDetector d(cfg(), fakeSteady(clock));
  clock.advance(61s);
  EXPECT_EQ(d.analyze(mac(1), {}, 0x0a00, fakeSteady(clock)), FailureDetector::Analysis::Acked);    // 10 s
  EXPECT_EQ(d.analyze(mac(2), {}, 0x0b00, fakeSteady(clock)), FailureDetector::Analysis::Unacked);  // 11 s
}

TEST(FailureDetector, FailureNeedsMoreThanMaxUnackedClients) {
  FakeClock clock;
  FailureDetector d(cfg(3), fakeSteady(clock));
  clock.advance(61s);
  for (std::uint8_t i = 1; i <= 3; ++i) {
    d.analyze(mac(i), {}, 30, fakeSteady(clock));
    EXPECT_FALSE(d.failureDetected()) << int(i);
    EXPECT_EQ(d.unackedClientsLeft(fakeSteady(clock)), 3u - i + 1u);
  }
  d.analyze(mac(4), {}, 30, fakeSteady(clock));
  EXPECT_TRUE(d.failureDetected());
  EXPECT_EQ(d.unackedClientsLeft(fakeSteady(clock)), 0u);
  // A good heartbeat wipes the slate.
  d.poke(fakeSteady(clock));
  EXPECT_FALSE(d.failureDetected());
  EXPECT_EQ(d.unackedClients(), 0u);
  EXPECT_EQ(d.connectingClients(), 0u);
  EXPECT_EQ(d.analyzedPackets(), 0u);
}

}  // namespace
}  // namespace tandem::heartbeat
