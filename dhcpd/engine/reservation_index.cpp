#include "dhcpd/engine/reservation_index.h"

#include <algorithm>

namespace tandem::engine {

ReservationIndex::ReservationIndex(const std::vector<config::Reservation>& reservations) {
  for (const auto& r : reservations) {
    // First definition wins, as duplicates are a config error Kea reports at load time.
    if (r.hwAddr && !r.hwAddr->empty()) byHw_.emplace(*r.hwAddr, &r);
    if (!r.clientId.empty()) byClientId_.emplace(std::string(r.clientId.begin(), r.clientId.end()), &r);
    if (r.address) byAddress_.emplace(*r.address, &r);
  }
}

const config::Reservation* ReservationIndex::forClient(const ClientIdentity& client) const {
  if (!client.hwAddr.empty()) {
    if (auto it = byHw_.find(client.hwAddr); it != byHw_.end()) return it->second;
  }
  // Reservations by client-id apply whenever the client sends one; match-client-id only
  // concerns lease ownership (Kea looks hosts up by every identifier it has).
  if (!client.clientId.empty() && !byClientId_.empty()) {
    auto it = byClientId_.find(std::string(client.clientId.begin(), client.clientId.end()));
    if (it != byClientId_.end()) return it->second;
  }
  return nullptr;
}

const config::Reservation* ReservationIndex::forAddress(Ipv4 address) const {
  if (byAddress_.empty()) return nullptr;
  auto it = byAddress_.find(address);
  return it == byAddress_.end() ? nullptr : it->second;
}

bool reservationMatches(const config::Reservation& r, const ClientIdentity& client) {
  if (r.hwAddr && !r.hwAddr->empty() && !client.hwAddr.empty() && *r.hwAddr == client.hwAddr) return true;
  return !r.clientId.empty() && !client.clientId.empty() &&
         std::equal(r.clientId.begin(), r.clientId.end(), client.clientId.begin(), client.clientId.end());
}

}  // namespace tandem::engine
