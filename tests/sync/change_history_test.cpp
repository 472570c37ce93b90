#include "sync/change_history.h"

#include <gtest/gtest.h>

namespace tandem::sync {
namespace {

Ipv4 a(std::uint8_t host) { return Ipv4(198, 18, 0, host); }

TEST(ChangeHistoryTest, NumbersChangesFromOne) {
  ChangeHistory h(8);
  EXPECT_EQ(h.last(), 0u);
  EXPECT_EQ(h.record(a(1)), 1u);
  EXPECT_EQ(h.record(a(2)), 2u);
  EXPECT_EQ(h.last(), 2u);
  EXPECT_EQ(h.oldest(), 1u);
}

TEST(ChangeHistoryTest, GivesTheLatestChangePerAddressAfterANumber) {
  ChangeHistory h(8);
  h.record(a(1));        // 1
  h.record(a(2));        // 2
  h.record(a(3));        // 3
  h.record(a(2), 1234);  // 4: .2 deleted
  h.record(a(4));        // 5
  auto s = h.since(2, 100);
  ASSERT_FALSE(s.refused);
  ASSERT_EQ(s.changes.size(), 3u);  // .4, .2 (deleted), .3 — newest first
  EXPECT_EQ(s.changes[0].address, a(4));
  EXPECT_EQ(s.changes[1].address, a(2));
  EXPECT_TRUE(s.changes[1].deleted);
  EXPECT_EQ(s.changes[1].deletedCltt, 1234);
  EXPECT_EQ(s.changes[2].address, a(3));
  EXPECT_FALSE(s.changes[2].deleted);
  // A later upsert of a deleted address wins.
  h.record(a(2));
  s = h.since(2, 100);
  ASSERT_EQ(s.changes.size(), 3u);
  EXPECT_EQ(s.changes[0].address, a(2));
  EXPECT_FALSE(s.changes[0].deleted);
  // Nothing after the last change.
  EXPECT_TRUE(h.since(h.last(), 100).changes.empty());
  EXPECT_FALSE(h.since(h.last(), 100).refused);
}

TEST(ChangeHistoryTest, RefusesWhatTheRingNoLongerHolds) {
  ChangeHistory h(4);
  for (int i = 1; i <= 10; ++i) h.record(a(static_cast<std::uint8_t>(i)));
  EXPECT_EQ(h.oldest(), 7u);
  // Changes 7..10 are held: a start after 6 works, after 5 needs change 6 (gone).
  auto ok = h.since(6, 100);
  ASSERT_FALSE(ok.refused);
  EXPECT_EQ(ok.changes.size(), 4u);
  auto old = h.since(5, 100);
  ASSERT_TRUE(old.refused);
  EXPECT_EQ(*old.refused, ChangeHistory::Refusal::TooOld);
  EXPECT_TRUE(old.changes.empty());
}

TEST(ChangeHistoryTest, RefusesMoreAddressesThanAsked) {
  ChangeHistory h(16);
  for (int i = 1; i <= 5; ++i) h.record(a(static_cast<std::uint8_t>(i)));
  for (int i = 0; i < 5; ++i) h.record(a(1));  // repeats count once
  EXPECT_FALSE(h.since(0, 5).refused);
  auto s = h.since(0, 4);
  ASSERT_TRUE(s.refused);
  EXPECT_EQ(*s.refused, ChangeHistory::Refusal::TooMany);
  EXPECT_TRUE(s.changes.empty());
}

}  // namespace
}  // namespace tandem::sync
