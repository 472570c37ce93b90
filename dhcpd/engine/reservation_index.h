#pragma once
// Host reservations of one scope (a subnet, or the global list) indexed by the identifiers
// Kea matches on, in Kea's default host-reservation-identifiers order (hw-address first,
// then client-id), and by reserved address so nobody else is given it.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "dhcpd/common/ipv4.h"
#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/engine/client_identity.h"

namespace tandem::engine {

class ReservationIndex {
 public:
  ReservationIndex() = default;
  // The reservations must outlive the index (they live in the engine's config copy).
  explicit ReservationIndex(const std::vector<config::Reservation>& reservations);

  // The client's reservation, by hw-address then client-id; nullptr when none.
  const config::Reservation* forClient(const ClientIdentity& client) const;
  // The reservation holding address, nullptr when none.
  const config::Reservation* forAddress(Ipv4 address) const;
  bool empty() const noexcept { return byHw_.empty() && byClientId_.empty(); }

 private:
  std::unordered_map<HwAddr, const config::Reservation*> byHw_;
  std::unordered_map<std::string, const config::Reservation*> byClientId_;
  std::unordered_map<Ipv4, const config::Reservation*> byAddress_;
};

// Whether reservation r is the client's (same identifiers ReservationIndex::forClient uses).
bool reservationMatches(const config::Reservation& r, const ClientIdentity& client);

}  // namespace tandem::engine
