#pragma once
// Which NameChangeRequests Kea 2.2 sends for a lease change (Dhcpv4Srv::createNameChangeRequests
// for a DHCPACK, queueNCR(CHG_REMOVE) for RELEASE, DECLINE and expiry reclamation). Pure: the
// caller gives each change with the lease it replaced and the settings of the lease's subnet.
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "dhcpd/ddns/name_change_request.h"
#include "dhcpd/lease/lease.h"

namespace tandem::ddns {

struct DdnsRules {
  bool sendUpdates = true;            // the subnet's ddns-send-updates
  bool updateOnRenew = false;         // ddns-update-on-renew
  bool useConflictResolution = true;  // ddns-use-conflict-resolution
};

class NcrPlanner {
 public:
  // enableUpdates: dhcp-ddns enable-updates (nothing is planned without it). rulesOf gives
  // the rules of a subnet id (Kea uses true/false defaults for a subnet no longer configured).
  NcrPlanner(bool enableUpdates, std::function<DdnsRules(std::uint32_t subnetId)> rulesOf);

  // A lease written (upsert: `lease` replaces `previous`, if any) or removed (`removed`).
  // - a bound lease (state default): the DHCPACK's add, after removing the previous name when
  //   the lease is the same client's with another name (or always with ddns-update-on-renew);
  //   a previous lease of another client (an expired one being reused) loses its name first;
  // - a declined or reclaimed lease: the previous lease's name is removed;
  // - a removed lease (RELEASE, a client moving to another address, expiry): its name removed.
  void upserted(const Lease& lease, const std::optional<Lease>& previous, std::vector<NameChangeRequest>& out) const;
  void removed(const Lease& lease, std::vector<NameChangeRequest>& out) const;

  // An operator's request (lease4-resend-ddns, lease4-del with update-ddns): the lease's
  // name added or removed as Kea's queueNCR does, whatever the subnet's ddns-send-updates.
  void requested(ChangeType type, const Lease& lease, std::vector<NameChangeRequest>& out) const {
    if (enabled_) add(type, lease, out);
  }

  bool enabled() const noexcept { return enabled_; }

 private:
  void add(ChangeType type, const Lease& lease, std::vector<NameChangeRequest>& out) const;

  bool enabled_ = false;
  std::function<DdnsRules(std::uint32_t)> rulesOf_;
};

}  // namespace tandem::ddns
