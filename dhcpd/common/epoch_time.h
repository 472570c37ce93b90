#pragma once
// Lease times (epoch seconds, 64-bit as Kea's time_t) as TimePoints.
#include <chrono>
#include <cstdint>

#include "dhcpd/common/clock.h"

namespace tandem {

// TimePoint counts nanoseconds in 64 bits, years 1677..2262; fromEpochSeconds() overflows
// outside that. Kea keeps lease times as a 64-bit time_t, so the lease file and lease4-add
// accept an expire time in year 3000, and the engine's free-address scan converted it with a
// signed overflow (UBSan; found by fuzzing). Such times saturate to TimePoint::max()/min(),
// which the engine already reads as "never".
inline TimePoint saturatingFromEpochSeconds(std::int64_t s) noexcept {
  constexpr std::int64_t kMax = std::chrono::duration_cast<std::chrono::seconds>(TimePoint::duration::max()).count();
  constexpr std::int64_t kMin = std::chrono::duration_cast<std::chrono::seconds>(TimePoint::duration::min()).count();
  if (s >= kMax) return TimePoint::max();
  if (s <= kMin) return TimePoint::min();
  return fromEpochSeconds(s);
}

}  // namespace tandem
