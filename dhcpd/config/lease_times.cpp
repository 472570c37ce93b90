#include "dhcpd/config/lease_times.h"

#include <algorithm>
#include <cmath>

namespace tandem::config {
namespace {
// RFC 2131 section 4.4.5: T1 defaults to 0.5 * duration_of_lease, T2 to 0.875 * duration_of_lease.
constexpr double kRfcT1 = 0.5;
constexpr double kRfcT2 = 0.875;

std::uint32_t fraction(double percent, std::uint32_t valid) noexcept {
  return static_cast<std::uint32_t>(std::lround(percent * static_cast<double>(valid)));
}
}  // namespace

LeaseTimes leaseTimes(const Subnet4& s, std::optional<std::uint32_t> requested) noexcept {
  LeaseTimes out;
  const std::uint32_t configured = s.validLifetime.value_or(7200);
  out.valid = configured;
  if (requested) {
    const std::uint32_t lo = s.minValidLifetime.value_or(configured);
    const std::uint32_t hi = s.maxValidLifetime.value_or(configured);
    out.valid = std::clamp(*requested, std::min(lo, hi), std::max(lo, hi));
  }

  const double t1Percent = s.calculateTeeTimes ? s.t1Percent : kRfcT1;
  const double t2Percent = s.calculateTeeTimes ? s.t2Percent : kRfcT2;
  const std::uint32_t t2 = s.rebindTimer ? *s.rebindTimer : fraction(t2Percent, out.valid);
  std::uint32_t ceiling = out.valid;
  if (t2 > 0 && t2 < ceiling) {
    out.t2 = t2;
    ceiling = t2;
  }
  const std::uint32_t t1 = s.renewTimer ? *s.renewTimer : fraction(t1Percent, out.valid);
  if (t1 > 0 && t1 < ceiling) out.t1 = t1;
  return out;
}

}  // namespace tandem::config
