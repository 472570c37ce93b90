#include "sync/delivery_tracker.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <set>

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

// Our own pull showed the partner held all our leases as of change 4, while changes 3 and 5-7
// were reported: a miss after 4 may stand behind the one covered (only the first is kept), so
// the watermark stays at 4 until a point covers them all.
TEST(DeliveryTrackerTest, HeldUpToAnEarlierChangeKeepsTheReportsAfterIt) {
  DeliveryTracker t;
  t.sent(3);
  t.missed(3);
  t.sent(5);
  t.acknowledged(5);
  t.sent(6);
  t.missed(6);
  t.sent(7);
  EXPECT_FALSE(t.watermark(7));
  t.heldUpTo(4);
  EXPECT_EQ(t.watermark(7), 4u);
  EXPECT_EQ(t.inFlight(), 1u);  // 7
  // An older point changes nothing; a later one covers the misses.
  t.heldUpTo(2);
  EXPECT_EQ(t.watermark(7), 4u);
  t.acknowledged(7);
  t.heldUpTo(7);
  EXPECT_EQ(t.watermark(7), 7u);
  // Without a miss at or below the point, the reports after it stand as they are.
  DeliveryTracker u;
  u.sent(5);
  u.acknowledged(5);
  u.sent(6);
  u.missed(6);
  u.heldUpTo(4);
  EXPECT_EQ(u.watermark(7), 5u);
}

// The hand-over's drain (ha/service/ha_handover_drain.h) waits for the updates in flight when
// it began, not for later ones.
TEST(DeliveryTrackerTest, TellsWhetherEveryUpdateUpToAChangeWasAnswered) {
  DeliveryTracker t;
  EXPECT_FALSE(t.newestInFlight());
  EXPECT_TRUE(t.answeredUpTo(5));
  t.sent(3);
  t.sent(4);
  t.sent(5);
  EXPECT_EQ(t.newestInFlight(), 5u);
  t.acknowledged(5);
  EXPECT_EQ(t.newestInFlight(), 4u);
  EXPECT_FALSE(t.answeredUpTo(4));
  t.missed(3);
  EXPECT_FALSE(t.answeredUpTo(4));
  EXPECT_TRUE(t.answeredUpTo(2));
  t.sent(6);
  t.acknowledged(4);
  EXPECT_TRUE(t.answeredUpTo(5));
  EXPECT_FALSE(t.answeredUpTo(6));
  // A pull by the partner covers what was in flight.
  t.synchronised(6);
  EXPECT_TRUE(t.answeredUpTo(6));
  EXPECT_FALSE(t.newestInFlight());
}

TEST(DeliveryTrackerTest, ForgetMakesItUnknown) {
  DeliveryTracker t;
  t.synchronised(3);
  t.forget();
  EXPECT_FALSE(t.watermark(3));
}

// The same watermark as a model with an ordered set of the changes in flight, over random
// sequences of sent / acknowledged / missed / synchronised (numbers mostly growing, as on the
// update path, with out-of-order answers and repeats).
TEST(DeliveryTrackerTest, MatchesASetModel) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    DeliveryTracker t;
    std::set<std::uint64_t> out;
    std::optional<std::uint64_t> floor;
    std::uint64_t firstMissed = 0;  // 0: none (numbers start at 1)
    std::uint64_t last = 0;
    for (int step = 0; step < 3000; ++step) {
      const unsigned op = rng() % 10;
      if (op < 4) {
        const std::uint64_t seq = rng() % 8 == 0 && last > 3 ? last - rng() % 3 : ++last;
        t.sent(seq);
        if (!floor || seq > *floor) out.insert(seq);
      } else if (op < 9 && last > 0) {
        const std::uint64_t seq = last - std::min<std::uint64_t>(last - 1, rng() % 20);
        if (op < 7) {
          t.acknowledged(seq);
          out.erase(seq);
        } else {
          t.missed(seq);
          out.erase(seq);
          if (!floor || seq > *floor) firstMissed = firstMissed ? std::min(firstMissed, seq) : seq;
        }
      } else if (rng() % 4 == 0) {
        t.synchronised(last);
        floor = last;
        firstMissed = 0;
        out.erase(out.begin(), out.upper_bound(last));
      }
      ASSERT_EQ(t.inFlight(), out.size()) << "seed " << seed << " step " << step;
      std::optional<std::uint64_t> want;
      if (floor) {
        std::uint64_t w = std::max(last, *floor);
        if (firstMissed) w = std::min(w, firstMissed - 1);
        if (!out.empty()) w = std::min(w, *out.begin() - 1);
        want = std::max(w, *floor);
      }
      ASSERT_EQ(t.watermark(last), want) << "seed " << seed << " step " << step;
    }
  }
}

}  // namespace
}  // namespace tandem::sync
