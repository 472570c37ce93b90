#pragma once
// A DHCPv4 client as Kea's HA failure detection and rejected-update accounting key it:
// the chaddr bytes plus the option 61 payload (reference/ha-protocol.md sections 3.3, 3.5).
#include <compare>
#include <cstdint>
#include <span>
#include <vector>

namespace tandem::heartbeat {

struct ClientKey {
  std::vector<std::uint8_t> hwAddr;    // chaddr[0..hlen), htype not included
  std::vector<std::uint8_t> clientId;  // option 61 payload, empty when absent

  static ClientKey of(std::span<const std::uint8_t> hw, std::span<const std::uint8_t> id) {
    return ClientKey{{hw.begin(), hw.end()}, {id.begin(), id.end()}};
  }
  auto operator<=>(const ClientKey&) const = default;
};

}  // namespace tandem::heartbeat
