// HaStateHistory: status-get's "state-history", the last state changes oldest first.
#include <gtest/gtest.h>

#include <chrono>

#include "ha/service/ha_state_history.h"
#include "heartbeat/http_date.h"

namespace tandem::daemon {
namespace {

using namespace std::chrono_literals;

ha::StateChanged change(ha::HaState from, ha::HaState to, std::string why) { return {from, to, std::move(why)}; }

TEST(HaStateHistoryTest, ListsChangesOldestFirstWithTheirAge) {
  HaStateHistory h;
  EXPECT_EQ(h.toJson(TimePoint{}), nlohmann::json::array());
  const TimePoint t0 = TimePoint{} + std::chrono::seconds(1'750'000'000);
  h.record(t0, change(ha::HaState::Waiting, ha::HaState::Syncing, "partner waiting"));
  h.record(t0 + 5s, change(ha::HaState::Syncing, ha::HaState::Ready, "sync done"));
  const auto j = h.toJson(t0 + 65s);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["from"], "waiting");
  EXPECT_EQ(j[0]["to"], "syncing");
  EXPECT_EQ(j[0]["reason"], "partner waiting");
  EXPECT_EQ(j[0]["age"], 65);
  EXPECT_EQ(j[0]["time"], heartbeat::formatSystemTime(t0));
  EXPECT_EQ(j[1]["to"], "ready");
  EXPECT_EQ(j[1]["age"], 60);
}

TEST(HaStateHistoryTest, KeepsOnlyTheLastChanges) {
  HaStateHistory h;
  const TimePoint t0 = TimePoint{} + std::chrono::seconds(1'750'000'000);
  for (std::size_t i = 0; i < HaStateHistory::kLength + 5; ++i) {
    h.record(t0 + std::chrono::seconds(i), change(ha::HaState::Waiting, ha::HaState::Ready, std::to_string(i)));
  }
  EXPECT_EQ(h.size(), HaStateHistory::kLength);
  const auto j = h.toJson(t0 + 100s);
  ASSERT_EQ(j.size(), HaStateHistory::kLength);
  EXPECT_EQ(j.front()["reason"], "5");  // the five oldest are gone
  EXPECT_EQ(j.back()["reason"], std::to_string(HaStateHistory::kLength + 4));
}

}  // namespace
}  // namespace tandem::daemon
