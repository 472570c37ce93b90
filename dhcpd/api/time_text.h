#pragma once
// Timestamps as Kea's statistics print them: "2026-11-25 10:00:00.000000" (local time,
// microseconds), used by statistic-get and stat-lease4-get.
#include <string>

#include "dhcpd/common/clock.h"

namespace tandem::api {

std::string formatKeaTimestamp(TimePoint t);

}  // namespace tandem::api
