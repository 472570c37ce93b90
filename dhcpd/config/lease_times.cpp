#include "dhcpd/config/lease_times.h"

#include <algorithm>
#include <cmath>

namespace tandem::config {
namespace {
std::uint32_t fraction(double percent, std::uint32_t valid) noexcept {
  return static_cast<std::uint32_t>(std::lround(percent * static_cast<double>(valid)));
}
}  // namespace

LeaseTimes leaseTimes(const Subnet4& s, std::optional<std::uint32_t> requested) noexcept {
  LeaseTimes out;
  const std::uint32_t configured = s.validLifetime.value_or(7200);
  out.valid = configured;
  // Kea 2.2 takes a requested lease time of 0 as no request at all.
  if (requested && *requested != 0) {
    const std::uint32_t lo = s.minValidLifetime.value_or(configured);
    const std::uint32_t hi = s.maxValidLifetime.value_or(configured);
    out.valid = std::clamp(*requested, std::min(lo, hi), std::max(lo, hi));
  }

  // Kea 2.2 (Dhcpv4Srv::setTeeTimes): a timer is sent when configured, or computed from the
  // granted lifetime when calculate-tee-times is on; otherwise not at all (no RFC 2131 4.4.5
  // defaults: the client applies those itself).
  std::uint32_t t2 = 0;
  if (s.rebindTimer) t2 = *s.rebindTimer;
  else if (s.calculateTeeTimes) t2 = fraction(s.t2Percent, out.valid);
  std::uint32_t ceiling = out.valid;
  if (t2 > 0 && t2 < ceiling) {
    out.t2 = t2;
    ceiling = t2;
  }
  std::uint32_t t1 = 0;
  if (s.renewTimer) t1 = *s.renewTimer;
  else if (s.calculateTeeTimes) t1 = fraction(s.t1Percent, out.valid);
  if (t1 > 0 && t1 < ceiling) out.t1 = t1;
  return out;
}

}  // namespace tandem::config
