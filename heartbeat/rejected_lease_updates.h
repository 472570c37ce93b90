#pragma once
// Kea's rejected-lease-update accounting (reference/ha-protocol.md 3.5): a lease update the
// partner answered with result 4 (conflict) records its client for 24 h; a later successful
// update for that client removes it; max-rejected-lease-updates distinct clients terminate
// the HA service.
//
// Unlike Kea (reference weakness 12, whose range erase skips the prune when every entry has
// expired), count() always drops every expired entry.
#include <chrono>
#include <map>

#include "dhcpd/common/steady_time.h"
#include "heartbeat/client_key.h"

namespace tandem::heartbeat {

class RejectedLeaseUpdates {
 public:
  explicit RejectedLeaseUpdates(std::chrono::seconds lifetime = std::chrono::seconds(86400)) : lifetime_(lifetime) {}

  // Returns true when the client was not recorded yet (a repeat only refreshes its expiry).
  bool reportRejected(const ClientKey& client, SteadyTime now);
  // Returns true when the client was recorded.
  bool reportSuccessful(const ClientKey& client);
  std::size_t count(SteadyTime now);
  void clear() noexcept { clients_.clear(); }
  bool empty() const noexcept { return clients_.empty(); }

 private:
  std::chrono::seconds lifetime_;
  std::map<ClientKey, SteadyTime> clients_;  // value: expiry
};

}  // namespace tandem::heartbeat
