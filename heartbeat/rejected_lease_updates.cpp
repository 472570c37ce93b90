#include "heartbeat/rejected_lease_updates.h"

namespace tandem::heartbeat {

bool RejectedLeaseUpdates::reportRejected(const ClientKey& client, SteadyTime now) {
  auto [it, inserted] = clients_.insert_or_assign(client, now + lifetime_);
  (void)it;
  return inserted;
}

bool RejectedLeaseUpdates::reportSuccessful(const ClientKey& client) { return clients_.erase(client) > 0; }

std::size_t RejectedLeaseUpdates::count(SteadyTime now) {
  std::erase_if(clients_, [now](const auto& e) { return e.second <= now; });
  return clients_.size();
}

}  // namespace tandem::heartbeat
