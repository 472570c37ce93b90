#pragma once
// Host reservations of one scope (a subnet, or the global list) indexed by identifier type and
// value, as Kea's host manager looks them up, and by reserved address.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dhcpd/common/ipv4.h"
#include "dhcpd/config/dhcp4_config.h"

namespace tandem::engine {

// One identifier of the client asking: its type and the bytes Kea matches on.
struct HostId {
  config::HostIdType type;
  std::vector<std::uint8_t> value;
};
// The client's identifiers in host-reservation-identifiers order (only those it has).
using HostIds = std::vector<HostId>;

class ReservationIndex {
 public:
  ReservationIndex() = default;
  // The reservations must outlive the index (they live in the engine's config copy).
  explicit ReservationIndex(const std::vector<config::Reservation>& reservations);

  // The client's reservation: the first identifier (in ids' order) with a host. With
  // lastMatch the last one wins instead (Kea's single-query lookup in shared networks).
  const config::Reservation* forClient(const HostIds& ids, bool lastMatch = false) const;
  // The reservations holding address (several when ip-reservations-unique is false).
  const std::vector<const config::Reservation*>* forAddress(Ipv4 address) const;
  bool empty() const noexcept { return byId_.empty(); }

  // A hosts database's reservation (Engine::putDatabaseHost), after the config file's: a host
  // with the same identifier already indexed keeps its place, as Kea's HostMgr asks the
  // configuration before the databases. r must outlive its removal.
  void add(const config::Reservation* r);
  // Takes out what add(r) put in (nothing of another reservation with the same identifier).
  void remove(const config::Reservation* r);

 private:
  std::unordered_map<std::string, const config::Reservation*> byId_;  // type byte + identifier
  std::unordered_map<Ipv4, std::vector<const config::Reservation*>> byAddress_;
};

// Whether reservation r is the client's (one of its identifiers is r's).
bool reservationMatches(const config::Reservation& r, const HostIds& ids);

}  // namespace tandem::engine
