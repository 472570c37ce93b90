#include "dhcpd/engine/reservation_index.h"

#include <algorithm>

namespace tandem::engine {
namespace {

std::string keyOf(config::HostIdType t, const std::vector<std::uint8_t>& v) {
  std::string k;
  k.reserve(v.size() + 1);
  k.push_back(char(t));
  k.append(v.begin(), v.end());
  return k;
}

}  // namespace

ReservationIndex::ReservationIndex(const std::vector<config::Reservation>& reservations) {
  for (const auto& r : reservations) {
    auto id = r.identifier();
    // First definition wins, as duplicates are a config error Kea reports at load time.
    if (!id.empty()) byId_.emplace(keyOf(r.identifierType(), id), &r);
    if (r.address) byAddress_[*r.address].push_back(&r);
  }
}

void ReservationIndex::add(const config::Reservation* r) {
  auto id = r->identifier();
  if (!id.empty()) byId_.emplace(keyOf(r->identifierType(), id), r);
  if (r->address) byAddress_[*r->address].push_back(r);
}

void ReservationIndex::remove(const config::Reservation* r) {
  auto id = r->identifier();
  if (!id.empty()) {
    if (auto it = byId_.find(keyOf(r->identifierType(), id)); it != byId_.end() && it->second == r) byId_.erase(it);
  }
  if (r->address) {
    if (auto it = byAddress_.find(*r->address); it != byAddress_.end()) {
      std::erase(it->second, r);
      if (it->second.empty()) byAddress_.erase(it);
    }
  }
}

const config::Reservation* ReservationIndex::forClient(const HostIds& ids, bool lastMatch) const {
  if (byId_.empty()) return nullptr;
  const config::Reservation* found = nullptr;
  for (const auto& id : ids) {
    if (auto it = byId_.find(keyOf(id.type, id.value)); it != byId_.end()) {
      found = it->second;
      if (!lastMatch) break;
    }
  }
  return found;
}

const std::vector<const config::Reservation*>* ReservationIndex::forAddress(Ipv4 address) const {
  if (byAddress_.empty()) return nullptr;
  auto it = byAddress_.find(address);
  return it == byAddress_.end() ? nullptr : &it->second;
}

bool reservationMatches(const config::Reservation& r, const HostIds& ids) {
  const config::HostIdType t = r.identifierType();
  const auto value = r.identifier();
  return std::any_of(ids.begin(), ids.end(), [&](const HostId& id) { return id.type == t && id.value == value; });
}

}  // namespace tandem::engine
