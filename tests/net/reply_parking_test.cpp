#include "dhcpd/net/reply_parking.h"

#include <string>

#include <gtest/gtest.h>

namespace tandem::net {
namespace {

using namespace std::chrono_literals;

TEST(ReplyParking, ReleasesUpToDurableSequenceInOrder) {
  FakeClock clock;
  ReplyParking<std::string> p(10);
  ASSERT_TRUE(p.park(3, "c", clock.now() + 5s));
  ASSERT_TRUE(p.park(5, "e", clock.now() + 5s));
  ASSERT_TRUE(p.park(7, "g", clock.now() + 5s));
  EXPECT_TRUE(p.release(2).empty());
  EXPECT_EQ(p.release(5), (std::vector<std::string>{"c", "e"}));
  EXPECT_EQ(p.size(), 1u);
  EXPECT_EQ(p.lowestSeq(), 7u);
  EXPECT_EQ(p.release(100), (std::vector<std::string>{"g"}));
  EXPECT_TRUE(p.empty());
  EXPECT_EQ(p.lowestSeq(), 0u);
}

TEST(ReplyParking, SameSequenceReleasesTogether) {
  FakeClock clock;
  ReplyParking<int> p(10);
  ASSERT_TRUE(p.park(4, 1, clock.now() + 1s));
  ASSERT_TRUE(p.park(4, 2, clock.now() + 1s));
  EXPECT_EQ(p.release(4), (std::vector<int>{1, 2}));
}

TEST(ReplyParking, OutOfOrderKeysAreKeptSorted) {
  FakeClock clock;
  ReplyParking<int> p(10);
  ASSERT_TRUE(p.park(9, 9, clock.now() + 1s));
  ASSERT_TRUE(p.park(2, 2, clock.now() + 1s));
  ASSERT_TRUE(p.park(5, 5, clock.now() + 1s));
  EXPECT_EQ(p.release(5), (std::vector<int>{2, 5}));
  EXPECT_EQ(p.release(9), (std::vector<int>{9}));
}

TEST(ReplyParking, FullParkingRefuses) {
  FakeClock clock;
  ReplyParking<int> p(2);
  EXPECT_TRUE(p.park(1, 1, clock.now()));
  EXPECT_TRUE(p.park(2, 2, clock.now()));
  EXPECT_FALSE(p.park(3, 3, clock.now()));
  EXPECT_EQ(p.size(), 2u);
  EXPECT_EQ(p.capacity(), 2u);
  p.release(1);
  EXPECT_TRUE(p.park(3, 3, clock.now()));
}

TEST(ReplyParking, ExpireDropsOnlyOverdueEntries) {
  FakeClock clock;
  ReplyParking<int> p(10);
  ASSERT_TRUE(p.park(1, 1, clock.now() + 1s));
  ASSERT_TRUE(p.park(2, 2, clock.now() + 10s));
  ASSERT_TRUE(p.park(3, 3, clock.now() + 2s));
  EXPECT_TRUE(p.expire(clock.now()).empty());
  clock.advance(2s);
  EXPECT_EQ(p.expire(clock.now()), (std::vector<int>{1, 3}));
  EXPECT_EQ(p.size(), 1u);
  // A durable journal that never advances (disk full): the rest is dropped, never sent.
  clock.advance(8s);
  EXPECT_EQ(p.expire(clock.now()), (std::vector<int>{2}));
  EXPECT_TRUE(p.release(100).empty());
}

}  // namespace
}  // namespace tandem::net
