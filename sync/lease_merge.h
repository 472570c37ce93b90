#pragma once
// Which copy of a lease wins when a peer's copy arrives (reference/ha-protocol.md 4.5, 4.6).
//
//  - Bulk sync (lease4-get-page pages): a lease absent locally is inserted; one present
//    locally is overwritten only when the local cltt is older than the received cltt;
//    otherwise the local copy is kept. Leases the peer does not have are kept too (the sync is
//    additive and one-directional). Kea compares only cltt; so do we, for interoperability.
//  - lease4-update from a peer (force-create): the peer's copy always replaces ours, because
//    the sender just committed it for a client it served; the receiver's only checks are the
//    subnet ones (result 4 "conflict" when the subnet is not ours or does not hold the address).
//  - lease4-del from a peer: delete by address; "not found" is success for the sender.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "dhcpd/lease/lease.h"

namespace tandem::sync {

enum class MergeAction : std::uint8_t { Insert, Overwrite, KeepLocal };

// Bulk-sync rule.
MergeAction mergeForSync(const std::optional<Lease>& local, const Lease& received) noexcept;

// lease4-update rule: Insert when absent, Overwrite when present (never KeepLocal).
MergeAction mergeForUpdate(const std::optional<Lease>& local) noexcept;

// Kea lease_cmds answer codes the receiver uses.
enum class UpdateCheck : std::uint8_t { Ok, Conflict };
struct UpdateVerdict {
  UpdateCheck check = UpdateCheck::Ok;
  std::string text;            // for the result-4 answer
  std::uint32_t subnetId = 0;  // resolved subnet (received id, or selected by address)
};

// The receiver's subnet checks for a lease4-update: `subnetContains(id, address)` says whether
// a configured subnet `id` exists and holds the address; `subnetFor(address)` selects a subnet
// when the update carries no subnet-id (0 = none).
UpdateVerdict checkUpdateSubnet(const Lease& received, const std::function<bool(std::uint32_t, Ipv4)>& subnetContains,
                                const std::function<std::uint32_t(Ipv4)>& subnetFor);

}  // namespace tandem::sync
