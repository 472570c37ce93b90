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

// Which form of Kea's lease JSON is read. The one lease decoder in the tree (issue 11): what
// lease4-add/lease4-update take (Kea's Lease4Parser) and what an HA peer sends in a lease
// update or a lease4-get-page entry (Kea's Lease4::fromElement) share their fields, checks and
// error texts, and differ only in these.
struct LeaseJsonForm {
  // Set: a lease command's lease, checked against this server's subnets: subnet-id must exist
  // and hold the address, or (absent or 0) the subnet is selected by address; valid-lft
  // defaults to the subnet's; state is 0, 1 or 2 (Kea 2.2).
  // Null: an HA peer's lease, read as sent: subnet-id 0 when absent (the receiver selects
  // it), valid-lft required, an empty hw-address allowed, and state 3 (Kea >= 2.7's
  // "released", kept for affinity) read as expired-reclaimed, the closest meaning our lease
  // model has (address free, client's binding remembered), instead of refused.
  const config::Dhcp4Config* subnets = nullptr;
  // lease4-get-page entries carry "cltt" (required, positive, and cltt + valid-lft within 64
  // bits: Lease::expire() computes it everywhere). The other forms carry "expire" (HA updates:
  // cltt = expire - valid-lft) or nothing (cltt = now); a "cltt" there is ignored, as Kea does.
  bool cltt = false;
};

// Reads one lease in the given form; `now` (epoch seconds) is its cltt when neither "cltt" nor
// "expire" applies. Errors are Kea's texts (lease_cmds); those about this server's subnets carry
// kLeaseConfigConflict.
[[nodiscard]] Result<Lease> leaseFromJson(const nlohmann::json& args, const LeaseJsonForm& form, std::int64_t now);

// lease4-add/lease4-update's form (above, with `cfg`'s subnets): ip-address and hw-address are
// required; cltt = expire - valid-lft when "expire" is given (HA updates), else now.
[[nodiscard]] Result<Lease> leaseFromJson(const nlohmann::json& args, const config::Dhcp4Config& cfg, std::int64_t now);

const config::Subnet4* findSubnet(const config::Dhcp4Config& cfg, std::uint32_t id);
const config::Subnet4* subnetForAddress(const config::Dhcp4Config& cfg, Ipv4 address);
// The subnet a lease belongs to, as lease4-add/lease4-update check it: `subnetId` must exist
// and hold the address, or (0) the subnet is selected by address. Errors carry
// kLeaseConfigConflict.
[[nodiscard]] Result<const config::Subnet4*> subnetOfLease(const config::Dhcp4Config& cfg, Ipv4 address,
                                                           std::uint32_t subnetId);

}  // namespace tandem::api
