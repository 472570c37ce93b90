#include "ha/sync_backoff.h"

#include <gtest/gtest.h>

namespace tandem::ha {
namespace {

using std::chrono::milliseconds;

TEST(SyncBackoff, DoublesFromOneSecondToTheCap) {
  SyncBackoff b;
  EXPECT_EQ(b.next(), milliseconds(1000));
  std::vector<milliseconds> waits;
  for (int i = 0; i < 10; ++i) waits.push_back(b.failed());
  EXPECT_EQ(waits,
            (std::vector<milliseconds>{milliseconds(1000), milliseconds(2000), milliseconds(4000), milliseconds(8000),
                                       milliseconds(16000), milliseconds(32000), milliseconds(60000),
                                       milliseconds(60000), milliseconds(60000), milliseconds(60000)}));
  EXPECT_EQ(b.failures(), 10u);
}

TEST(SyncBackoff, SuccessStartsOver) {
  SyncBackoff b;
  (void)b.failed();
  (void)b.failed();
  EXPECT_EQ(b.next(), milliseconds(4000));
  b.succeeded();
  EXPECT_EQ(b.failures(), 0u);
  EXPECT_EQ(b.failed(), milliseconds(1000));
}

TEST(SyncBackoff, CustomBoundsAndManyFailuresDoNotOverflow) {
  SyncBackoff b(milliseconds(250), milliseconds(1000));
  EXPECT_EQ(b.failed(), milliseconds(250));
  EXPECT_EQ(b.failed(), milliseconds(500));
  EXPECT_EQ(b.failed(), milliseconds(1000));
  for (int i = 0; i < 100000; ++i) (void)b.failed();
  EXPECT_EQ(b.next(), milliseconds(1000));
  // A cap below the first wait is raised to it.
  SyncBackoff odd(milliseconds(5000), milliseconds(10));
  EXPECT_EQ(odd.failed(), milliseconds(5000));
  EXPECT_EQ(odd.failed(), milliseconds(5000));
}

}  // namespace
}  // namespace tandem::ha
