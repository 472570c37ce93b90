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

// A partner's lease update or deletion is stale when the lease held for its address is newer
// (larger cltt): the partner committed it before we, or a sync, stored a later lease for the
// address. Kea 2.2 applies every lease4-update (force-create), but an update can arrive late:
// TCP keeps retransmitting a request across a partition, and delivers it after the heal and
// after both peers resynchronised, when a newer lease for another client (handed out by the
// partner-down peer) holds the address. Applied, it would roll that lease back on one peer
// only (bench-delta.sh: the stores differed after every partition both ways). Kept out, both
// peers end with the newer lease, which is the bulk-sync rule above. A live update carries the
// sender's current cltt, newer than anything it replaces, so only stale ones are kept out.
bool partnerUpdateIsStale(std::optional<std::int64_t> localCltt, const Lease& received) noexcept;

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
