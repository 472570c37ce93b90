#pragma once
// Who a DHCP client is, and whether a lease or an offer is theirs (Kea's
// Lease4::belongsToClient rules).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dhcpd/common/hw_addr.h"
#include "dhcpd/lease/lease.h"

namespace tandem::engine {

struct ClientIdentity {
  HwAddr hwAddr;
  // Option 61 (RFC 2132 9.14) as sent; empty when absent.
  std::vector<std::uint8_t> clientId;
  // Kea "match-client-id": when false the client-id is stored in leases but ignored when
  // deciding whose a lease is, so clients are told apart by hardware address only.
  bool matchClientId = true;

  bool usesClientId() const noexcept { return matchClientId && !clientId.empty(); }

  // A record (lease, offer) owned by (hw, id) is this client's when both sides carry a
  // client-id and they are equal; when either side has none, the hardware addresses decide.
  bool owns(const HwAddr& hw, std::span<const std::uint8_t> id) const noexcept;
  bool owns(const Lease& lease) const noexcept { return owns(lease.hwAddr, lease.clientId); }

  // A stable key for per-client tables (offers, address hints).
  std::string key() const;
};

}  // namespace tandem::engine
