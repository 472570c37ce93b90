#pragma once
// Kea's DHCPv4 lease JSON (lease_cmds: Lease4::toElement / Lease4Parser), shared by the
// lease commands and, through the same field names, by HA lease updates and bulk sync.
#include <cstdint>

#include <nlohmann/json.hpp>

#include "dhcpd/common/result.h"
#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/lease/lease.h"

namespace tandem::api {

// Fields in Kea 2.2's order-independent form: client-id (only when set), cltt, fqdn-fwd,
// fqdn-rev, hostname, hw-address, ip-address, state, subnet-id, valid-lft, user-context
// (only when set), pool-id (only when non-zero).
nlohmann::json leaseToJson(const Lease& lease);

// Error.code of leaseFromJson() errors that are about the receiver's configuration (unknown
// subnet, address outside it): lease4-update answers those with result 4 (conflict), which an
// HA sender counts toward max-rejected-lease-updates instead of treating the peer as broken.
inline constexpr int kLeaseConfigConflict = 4;

// Parses a lease as lease4-add/lease4-update do: ip-address and hw-address are required;
// subnet-id is checked against the configuration or, when absent or 0, selected by address;
// valid-lft defaults to the subnet's lifetime; cltt = expire - valid-lft when "expire" is
// given (HA updates), else now. "cltt" in the input is ignored, as Kea does.
[[nodiscard]] Result<Lease> leaseFromJson(const nlohmann::json& args, const config::Dhcp4Config& cfg, std::int64_t now);

const config::Subnet4* findSubnet(const config::Dhcp4Config& cfg, std::uint32_t id);
const config::Subnet4* subnetForAddress(const config::Dhcp4Config& cfg, Ipv4 address);
// The subnet a lease belongs to, as lease4-add/lease4-update check it: `subnetId` must exist
// and hold the address, or (0) the subnet is selected by address. Errors carry
// kLeaseConfigConflict.
[[nodiscard]] Result<const config::Subnet4*> subnetOfLease(const config::Dhcp4Config& cfg, Ipv4 address,
                                                           std::uint32_t subnetId);

}  // namespace tandem::api
