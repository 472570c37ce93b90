#include "dhcpd/ddns/ncr_planner.h"

namespace tandem::ddns {

namespace {

// Whether two leases are the same client's (the renewal case of Kea's allocation engine).
bool sameClient(const Lease& a, const Lease& b) {
  if (!a.clientId.empty() || !b.clientId.empty()) return a.clientId == b.clientId;
  return a.hwAddr.htype == b.hwAddr.htype && a.hwAddr.length == b.hwAddr.length && a.hwAddr.bytes == b.hwAddr.bytes;
}

// Kea's Lease::hasIdenticalFqdn.
bool identicalFqdn(const Lease& a, const Lease& b) {
  return a.hostname == b.hostname && a.fqdnFwd == b.fqdnFwd && a.fqdnRev == b.fqdnRev;
}

}  // namespace

NcrPlanner::NcrPlanner(bool enableUpdates, std::function<DdnsRules(std::uint32_t)> rulesOf)
    : enabled_(enableUpdates), rulesOf_(std::move(rulesOf)) {}

void NcrPlanner::add(ChangeType type, const Lease& lease, std::vector<NameChangeRequest>& out) const {
  const DdnsRules rules = rulesOf_ ? rulesOf_(lease.subnetId) : DdnsRules{};
  if (auto r = requestFor(type, lease, rules.useConflictResolution)) out.push_back(std::move(*r));
}

void NcrPlanner::upserted(const Lease& lease, const std::optional<Lease>& previous,
                          std::vector<NameChangeRequest>& out) const {
  if (!enabled_) return;
  if (lease.state != LeaseState::Default) {
    // DECLINE (Kea's declineLease) and expiry reclamation remove the name the lease had.
    if (previous && previous->state == LeaseState::Default) add(ChangeType::Remove, *previous, out);
    return;
  }
  const DdnsRules rules = rulesOf_ ? rulesOf_(lease.subnetId) : DdnsRules{};
  // createNameChangeRequests does nothing unless the subnet sends updates.
  if (!rules.sendUpdates) return;
  std::optional<Lease> old;
  if (previous && previous->state == LeaseState::Default) {
    if (sameClient(*previous, lease)) {
      old = previous;
    } else {
      // Another client's expired lease, reclaimed as it is reused.
      add(ChangeType::Remove, *previous, out);
    }
  }
  if (old && !rules.updateOnRenew && identicalFqdn(lease, *old)) return;
  if (old) add(ChangeType::Remove, *old, out);
  add(ChangeType::Add, lease, out);
}

void NcrPlanner::removed(const Lease& lease, std::vector<NameChangeRequest>& out) const {
  if (!enabled_ || lease.state != LeaseState::Default) return;
  add(ChangeType::Remove, lease, out);
}

}  // namespace tandem::ddns
