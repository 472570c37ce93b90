#include "sync/lease_merge.h"

#include <fmt/format.h>

namespace tandem::sync {

MergeAction mergeForSync(const std::optional<Lease>& local, const Lease& received) noexcept {
  if (!local) return MergeAction::Insert;
  return local->cltt < received.cltt ? MergeAction::Overwrite : MergeAction::KeepLocal;
}

bool partnerUpdateIsStale(std::optional<std::int64_t> localCltt, const Lease& received) noexcept {
  return localCltt && *localCltt > received.cltt;
}

MergeAction mergeForUpdate(const std::optional<Lease>& local) noexcept {
  return local ? MergeAction::Overwrite : MergeAction::Insert;
}

UpdateVerdict checkUpdateSubnet(const Lease& received, const std::function<bool(std::uint32_t, Ipv4)>& subnetContains,
                                const std::function<std::uint32_t(Ipv4)>& subnetFor) {
  UpdateVerdict v;
  if (received.subnetId == 0) {
    v.subnetId = subnetFor(received.address);
    if (v.subnetId == 0) {
      v.check = UpdateCheck::Conflict;
      v.text = fmt::format("subnet-id not specified and no subnet found for address {}", received.address.toString());
    }
    return v;
  }
  v.subnetId = received.subnetId;
  if (!subnetContains(received.subnetId, received.address)) {
    v.check = UpdateCheck::Conflict;
    v.text = fmt::format("the address {} does not belong to the subnet {} or the subnet is not configured",
                         received.address.toString(), received.subnetId);
  }
  return v;
}

}  // namespace tandem::sync
