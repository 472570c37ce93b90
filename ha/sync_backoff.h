#pragma once
// Retry delays for a failed lease synchronisation (issue 4: "a sync that fails half-way is
// retried with back-off"). Kea retries a failed sync on its next state-machine run, i.e.
// after every heartbeat, forever at the same pace: against a partner that keeps timing out
// on a huge page, or that restarts in a loop, that hammers it with dhcp-disable + page
// requests every heartbeat-delay. We wait 1 s, then double the wait after each further
// failure up to a cap, and start over after a success.
//
// In tandem_ha, not tandem_sync: the HA state machine owns the retry timer, and tandem_sync
// builds on tandem_ha (heartbeat <- ha <- sync, scripts/check-layering.sh), never the reverse.
#include <algorithm>
#include <chrono>
#include <cstdint>

namespace tandem::ha {

class SyncBackoff {
 public:
  static constexpr std::chrono::milliseconds kInitial{1000};
  static constexpr std::chrono::milliseconds kCap{60000};

  constexpr SyncBackoff() noexcept = default;
  constexpr SyncBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds cap) noexcept
      : initial_(std::max(initial, std::chrono::milliseconds(1))), cap_(std::max(cap, initial_)) {}

  // The wait before the next attempt if the current one fails.
  constexpr std::chrono::milliseconds next() const noexcept {
    std::chrono::milliseconds d = initial_;
    for (std::uint32_t i = 0; i < failures_ && d < cap_; ++i) d *= 2;
    return std::min(d, cap_);
  }
  // Records a failed attempt and returns how long to wait before the next one.
  constexpr std::chrono::milliseconds failed() noexcept {
    const auto d = next();
    if (failures_ < UINT32_MAX) ++failures_;
    return d;
  }
  constexpr void succeeded() noexcept { failures_ = 0; }
  // Consecutive failures since the last success.
  constexpr std::uint32_t failures() const noexcept { return failures_; }

 private:
  std::chrono::milliseconds initial_ = kInitial;
  std::chrono::milliseconds cap_ = kCap;
  std::uint32_t failures_ = 0;
};

}  // namespace tandem::ha
