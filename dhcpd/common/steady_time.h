#pragma once
// Steady time for deadlines and elapsed times (heartbeats, failure detection, HA timers,
// back-offs): a step of the wall clock (NTP, an operator's `date -s`) neither fires nor
// stretches them. Wall time (leases' cltt and expiry, dates on the wire and in logs, the
// partner's clock skew) stays a TimePoint (clock.h). A header of its own so that the many
// files needing only wall time do not depend on it.
#include <chrono>

#include "dhcpd/common/clock.h"

namespace tandem {

using SteadyClock = std::chrono::steady_clock;
using SteadyTime = SteadyClock::time_point;

// Tests: a FakeClock's instant read as steady time, so that both advance together.
inline SteadyTime fakeSteady(const FakeClock& c) noexcept {
  return SteadyTime(std::chrono::duration_cast<SteadyClock::duration>(c.now().time_since_epoch()));
}

}  // namespace tandem
