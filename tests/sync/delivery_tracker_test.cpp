#include "sync/delivery_tracker.h"

#include <gtest/gtest.h>

namespace tandem::sync {
namespace {

TEST(DeliveryTrackerTest, UnknownUntilThePartnerPulledFromUs) {
  DeliveryTracker t;
  t.sent(1);
  t.acknowledged(1);
  EXPECT_FALSE(t.watermark(1));
  t.synchronised(1);
  EXPECT_EQ(t.watermark(1), 1u);
}

TEST(DeliveryTrackerTest, AdvancesWithAcknowledgementsAndStopsBelowUpdatesInFlight) {
  DeliveryTracker t;
  t.synchronised(10);
  t.sent(11);
  t.sent(12);
  t.sent(13);
  EXPECT_EQ(t.watermark(13), 10u);
  t.acknowledged(12);  // out of order: 11 still in flight
  EXPECT_EQ(t.watermark(13), 10u);
  t.acknowledged(11);
  EXPECT_EQ(t.watermark(13), 12u);
  t.acknowledged(13);
  EXPECT_EQ(t.watermark(13), 13u);
  EXPECT_EQ(t.inFlight(), 0u);
  // Changes nobody needed to send (the partner's own, written here by its update) count as held.
  EXPECT_EQ(t.watermark(20), 20u);
}

TEST(DeliveryTrackerTest, AMissedChangeHoldsTheWatermarkUntilTheNextPull) {
  DeliveryTracker t;
  t.synchronised(5);
  t.sent(6);
  t.missed(6);  // failed
  t.sent(7);
  t.acknowledged(7);
  t.missed(8);  // not sent (partner-down)
  EXPECT_EQ(t.watermark(9), 5u);
  t.synchronised(9);
  EXPECT_EQ(t.watermark(9), 9u);
  // A late outcome of an update the pull already covered changes nothing.
  t.missed(7);
  EXPECT_EQ(t.watermark(9), 9u);
}

TEST(DeliveryTrackerTest, ForgetMakesItUnknown) {
  DeliveryTracker t;
  t.synchronised(3);
  t.forget();
  EXPECT_FALSE(t.watermark(3));
}

}  // namespace
}  // namespace tandem::sync
