#pragma once
// Lease lifetime and renewal (T1) / rebinding (T2) times for one client, from a subnet's
// effective settings (RFC 2131 section 4.4.5, Kea's valid-lifetime / renew-timer /
// rebind-timer / calculate-tee-times semantics).
#include <cstdint>
#include <optional>

#include "dhcpd/config/dhcp4_config.h"

namespace tandem::config {

struct LeaseTimes {
  std::uint32_t valid = 0;
  std::optional<std::uint32_t> t1, t2;  // nullopt: do not send option 58 / 59
};

// requested: the lease time the client asked for (option 51), if any. As in Kea, it is
// honoured only within [min-valid-lifetime, max-valid-lifetime]; without those bounds
// the configured valid-lifetime is used; 0 counts as no request.
// T1/T2: an explicit renew-timer / rebind-timer wins; otherwise the configured percents when
// calculate-tee-times is on; otherwise none is sent (Kea 2.2). Like Kea, T2 is sent only when
// below the lease time and T1 only when below T2 (or the lease time).
[[nodiscard]] LeaseTimes leaseTimes(const Subnet4& subnet, std::optional<std::uint32_t> requested) noexcept;

}  // namespace tandem::config
