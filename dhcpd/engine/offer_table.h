#pragma once
// Tentative offers (RFC 2131 4.3.1): an OFFERed address is held for offer-lifetime so the
// same client gets it back on REQUEST and nobody else is offered it meanwhile. Offers live
// only in memory: they are never written to the lease file nor replicated.
#include <cstdint>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "dhcpd/common/clock.h"
#include "dhcpd/common/ipv4.h"
#include "dhcpd/engine/client_identity.h"

namespace tandem::engine {

struct Offer {
  Ipv4 address;
  HwAddr hwAddr;
  std::vector<std::uint8_t> clientId;
  std::string clientKey;
  std::uint32_t subnetId = 0;
  TimePoint expires;
};

class OfferTable {
 public:
  // Records (or moves) the client's offer; a client holds at most one offer.
  void add(const ClientIdentity& client, Ipv4 address, std::uint32_t subnetId, TimePoint expires);
  // The unexpired offer at address, if any.
  const Offer* byAddress(Ipv4 address, TimePoint now) const;
  // The client's unexpired offer, if any.
  const Offer* byClient(const ClientIdentity& client, TimePoint now) const;
  // Removes the client's offer; returns the address it held.
  std::optional<Ipv4> removeClient(const ClientIdentity& client);
  void removeAddress(Ipv4 address);
  // Drops offers whose expiry is <= now; returns the addresses freed.
  std::vector<Ipv4> expire(TimePoint now);
  // Keeps only offers for which keep(offer) is true.
  template <class Pred>
  void retain(Pred keep) {
    for (auto it = byAddress_.begin(); it != byAddress_.end();) {
      if (keep(it->second)) {
        ++it;
      } else {
        byClient_.erase(it->second.clientKey);
        it = byAddress_.erase(it);
      }
    }
  }
  std::size_t size() const noexcept { return byAddress_.size(); }

 private:
  struct Deadline {
    TimePoint when;
    std::uint32_t address;
    bool operator>(const Deadline& o) const noexcept { return when > o.when; }
  };
  std::unordered_map<std::uint32_t, Offer> byAddress_;
  std::unordered_map<std::string, std::uint32_t> byClient_;
  // Min-heap of deadlines; entries whose offer was replaced or removed are skipped lazily.
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
};

}  // namespace tandem::engine
