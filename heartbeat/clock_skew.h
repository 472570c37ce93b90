#pragma once
// Clock skew between the peers, from the partner's heartbeat `date-time`
// (reference/ha-protocol.md 3.4): skew = partner time - local time, in whole seconds
// truncated toward zero (Kea: boost time_duration::total_seconds()). Above 30 s a warning at
// most once a minute; above 60 s the HA service terminates. Strict ">" in both cases.
#include <chrono>
#include <cstdint>
#include <optional>

#include "dhcpd/common/steady_time.h"

namespace tandem::heartbeat {

class ClockSkew {
 public:
  static constexpr std::int64_t kWarnSeconds = 30;
  static constexpr std::int64_t kTerminateSeconds = 60;
  static constexpr std::chrono::seconds kWarnInterval{60};

  void update(TimePoint partnerTime, TimePoint localNow) noexcept;
  // A failed heartbeat forgets the skew (Kea >= 2.3.7), so a stale value cannot terminate.
  void reset() noexcept { skew_ = 0; }

  std::int64_t seconds() const noexcept { return skew_; }
  bool known() const noexcept { return localAtSkew_.has_value(); }
  // Local time of the last computation (status-get "system-time"), nullopt before the first.
  std::optional<TimePoint> localTimeAtSkew() const noexcept { return localAtSkew_; }

  bool shouldTerminate() const noexcept { return skew_ > kTerminateSeconds || skew_ < -kTerminateSeconds; }
  // True when a warning is due now; records it so the next one waits kWarnInterval.
  bool shouldWarn(SteadyTime now) noexcept;

 private:
  std::int64_t skew_ = 0;
  std::optional<TimePoint> localAtSkew_;
  std::optional<SteadyTime> lastWarn_;
};

}  // namespace tandem::heartbeat
