#include "sync/address_set.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_set>

namespace tandem::sync {
namespace {

// Random inserts and erases, checked against std::unordered_set after every step: clustered
// addresses (a pool handed out in order) and wrap-around probe runs included.
TEST(AddressSet, BehavesAsASet) {
  for (std::uint32_t seed = 1; seed <= 5; ++seed) {
    std::mt19937 rng(seed);
    AddressSet set;
    std::unordered_set<std::uint32_t> ref;
    for (int step = 0; step < 20000; ++step) {
      // Few distinct values so erases hit; 0 and the top address included.
      const std::uint32_t pick = rng() % 600;
      const std::uint32_t a = pick == 0 ? 0u : pick == 1 ? 0xffffffffu : 0xc6121000u + pick;
      if (rng() % 3 == 0) {
        EXPECT_EQ(set.erase(a), ref.erase(a) == 1) << step;
      } else {
        EXPECT_EQ(set.insert(a), ref.insert(a).second) << step;
      }
      ASSERT_EQ(set.size(), ref.size());
      if (step % 97 == 0) {
        for (std::uint32_t p = 0; p < 600; ++p) {
          const std::uint32_t q = p == 0 ? 0u : p == 1 ? 0xffffffffu : 0xc6121000u + p;
          ASSERT_EQ(set.contains(q), ref.count(q) == 1) << "seed " << seed << " step " << step << " addr " << q;
        }
      }
    }
  }
}

TEST(AddressSet, EmptiesAndRefills) {
  AddressSet set;
  EXPECT_TRUE(set.empty());
  EXPECT_FALSE(set.contains(5));
  EXPECT_FALSE(set.erase(5));
  for (std::uint32_t a = 0; a < 5000; ++a) EXPECT_TRUE(set.insert(a * 7));
  for (std::uint32_t a = 0; a < 5000; ++a) EXPECT_FALSE(set.insert(a * 7));
  for (std::uint32_t a = 0; a < 5000; ++a) EXPECT_TRUE(set.erase(a * 7));
  EXPECT_TRUE(set.empty());
  for (std::uint32_t a = 0; a < 5000; ++a) EXPECT_FALSE(set.contains(a * 7));
  EXPECT_TRUE(set.insert(3));
  EXPECT_TRUE(set.contains(3));
}

}  // namespace
}  // namespace tandem::sync
