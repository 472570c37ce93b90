#pragma once
// Date formats of the HA wire protocol, computed without the C library's time zone or locale
// state so they are pure and thread-safe:
//  - RFC 1123 (RFC 7231 section 7.1.1.1 IMF-fixdate) for the heartbeat `date-time`,
//    e.g. "Sun, 22 Nov 2026 08:07:35 GMT";
//  - "%Y-%m-%d %H:%M:%S" UTC for status-get `system-time`.
#include <optional>
#include <string>
#include <string_view>

#include "dhcpd/common/clock.h"

namespace tandem::heartbeat {

std::string formatRfc1123(TimePoint t);
// Strict IMF-fixdate parse. The weekday must be a valid name but is not cross-checked with
// the date (Kea's boost facet does not check it either). Seconds resolution.
std::optional<TimePoint> parseRfc1123(std::string_view text) noexcept;
std::string formatSystemTime(TimePoint t);

}  // namespace tandem::heartbeat
