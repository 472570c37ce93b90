#pragma once
#include <chrono>
#include <cstdint>

namespace tandem {

// Time is always passed in; the pure core never reads the wall clock itself.
using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

inline std::int64_t toEpochSeconds(TimePoint t) noexcept {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
inline TimePoint fromEpochSeconds(std::int64_t s) noexcept { return TimePoint(std::chrono::seconds(s)); }

// Test clock: starts at a fixed instant and moves only when told.
class FakeClock {
 public:
  explicit FakeClock(std::int64_t epochSeconds = 1'750'000'000) : now_(fromEpochSeconds(epochSeconds)) {}
  TimePoint now() const noexcept { return now_; }
  void advance(Clock::duration d) noexcept { now_ += d; }

 private:
  TimePoint now_;
};

}  // namespace tandem
