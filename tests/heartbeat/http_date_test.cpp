#include "heartbeat/http_date.h"

#include <gtest/gtest.h>

namespace tandem::heartbeat {
namespace {

TEST(HttpDate, FormatsLikeKeaHeartbeats) {
  // From reference/kea-wire/ha-heartbeat.response.json: "Sun, 22 Nov 2026 08:07:35 GMT".
  // 2026-11-22T08:07:35Z = 1795334855 (20779 days * 86400 + 29255 s).
  EXPECT_EQ(formatRfc1123(fromEpochSeconds(1795334855)), "Sun, 22 Nov 2026 08:07:35 GMT");
  EXPECT_EQ(formatRfc1123(fromEpochSeconds(0)), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(formatRfc1123(fromEpochSeconds(951782400)), "Tue, 29 Feb 2000 00:00:00 GMT");
  EXPECT_EQ(formatSystemTime(fromEpochSeconds(1795334855)), "2026-11-22 08:07:35");
  // Sub-second parts are dropped, not rounded.
  EXPECT_EQ(formatRfc1123(fromEpochSeconds(1795334855) + std::chrono::milliseconds(999)),
            "Sun, 22 Nov 2026 08:07:35 GMT");
}

TEST(HttpDate, ParsesWhatItFormats) {
  for (std::int64_t t : {0LL, 951782400LL, 1795334855LL, 1785838507LL, 4102444799LL}) {
    const auto p = parseRfc1123(formatRfc1123(fromEpochSeconds(t)));
    ASSERT_TRUE(p.has_value()) << t;
    EXPECT_EQ(toEpochSeconds(*p), t);
  }
  EXPECT_EQ(toEpochSeconds(*parseRfc1123("Sun, 22 Nov 2026 08:08:01 GMT")), 1795334881);
}

TEST(HttpDate, RejectsAnythingElse) {
  for (const char* bad :
       {"", "Sun, 22 Nov 2026 08:07:35 UTC", "Sun, 22 Nov 2026 08:07:35", "Sunday, 22 Nov 2026 08:07:35 GMT",
        "Sun 22 Nov 2026 08:07:35 GMT ", "Xyz, 22 Nov 2026 08:07:35 GMT", "Sun, 22 Foo 2026 08:07:35 GMT",
        "Sun, 31 Nov 2026 08:07:35 GMT", "Sun, 29 Feb 2026 08:07:35 GMT", "Sun, 00 Nov 2026 08:07:35 GMT",
        "Sun, 22 Nov 2026 24:07:35 GMT", "Sun, 22 Nov 2026 08:60:35 GMT", "Sun, 22 Nov 2026 08:07:61 GMT",
        "Sun, 2x Nov 2026 08:07:35 GMT", "Sun, 22 Nov 2026 08-07-35 GMT", "2026-11-22T08:07:35Z"}) {
    EXPECT_FALSE(parseRfc1123(bad).has_value()) << bad;
  }
  EXPECT_TRUE(parseRfc1123("Mon, 29 Feb 2027 08:07:35 GMT") == std::nullopt);  // 2027 is not leap
  EXPECT_TRUE(parseRfc1123("Sat, 29 Feb 2028 08:07:35 GMT").has_value());
}

// A partner's date beyond what TimePoint holds (64-bit nanoseconds: 1677..2262) is refused;
// converting it overflowed (UBSan, found by tests/fuzz/peer_messages_fuzz).
TEST(HttpDate, RejectsDatesOutsideTimePoint) {
  EXPECT_FALSE(parseRfc1123("Sun, 22 Nov 2645 08:07:35 GMT").has_value());
  EXPECT_FALSE(parseRfc1123("Fri, 31 Dec 9999 23:59:59 GMT").has_value());
  EXPECT_FALSE(parseRfc1123("Mon, 01 Jan 0001 00:00:00 GMT").has_value());
  EXPECT_FALSE(parseRfc1123("Mon, 01 Jan 1600 00:00:00 GMT").has_value());
  auto late = parseRfc1123("Wed, 01 Jan 2262 00:00:00 GMT");
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(formatRfc1123(*late), "Wed, 01 Jan 2262 00:00:00 GMT");
  auto early = parseRfc1123("Thu, 01 Jan 1970 00:00:00 GMT");
  ASSERT_TRUE(early.has_value());
  EXPECT_EQ(toEpochSeconds(*early), 0);
}

}  // namespace
}  // namespace tandem::heartbeat
