#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "dhcpd/common/hw_addr.h"
#include "dhcpd/common/ipv4.h"

namespace tandem {

// Kea's lease states (lease4 CSV column `state`).
enum class LeaseState : std::uint8_t { Default = 0, Declined = 1, ExpiredReclaimed = 2 };

struct Lease {
  Ipv4 address;
  HwAddr hwAddr;
  std::vector<std::uint8_t> clientId;  // empty = none
  std::uint32_t validLifetime = 0;     // seconds
  std::int64_t cltt = 0;               // client last transmission time, epoch seconds
  std::uint32_t subnetId = 0;
  bool fqdnFwd = false;
  bool fqdnRev = false;
  std::string hostname;
  LeaseState state = LeaseState::Default;
  std::string userContext;   // JSON text, empty = none
  std::uint32_t poolId = 0;  // newer Kea CSV column, read but not written in Kea 2.2 format

  // Kea stores `expire` = cltt + valid_lifetime in the CSV.
  std::int64_t expire() const noexcept { return cltt + validLifetime; }
  bool expired(std::int64_t now) const noexcept { return expire() <= now; }
  bool operator==(const Lease&) const = default;
};

}  // namespace tandem
