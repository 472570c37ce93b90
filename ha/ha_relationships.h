#pragma once
// The HA relationships one server runs and which of them serves each subnet: Kea's
// hub-and-spoke model (libdhcp_ha in Kea 2.6, reference/ha-protocol.md section 10). A hub lists
// several relationships in `high-availability`, each with its own this-server-name, peers,
// listener and state machine; a subnet (or its shared network) says which relationship serves
// it with `"user-context": {"ha-server-name": "<a peer name of that relationship>"}`.
//
// With ONE relationship nothing of this applies (Kea 2.2's behaviour, kept byte for byte): every
// subnet is the relationship's and user contexts are not read.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dhcpd/common/result.h"
#include "dhcpd/config/dhcp4_config.h"
#include "ha/ha_config.h"

namespace tandem::ha {

struct HaRelationships {
  std::vector<HaConfig> relationships;  // list order (HaConfig::index); never empty
  // Hub only: (subnet id, relationship index), sorted by subnet id, one entry per subnet.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> subnets;

  bool hub() const noexcept { return relationships.size() > 1; }
  const HaConfig& first() const { return relationships.front(); }
  // The relationship holding a peer of that name (this server's own names included): how a
  // command's "server-name" selects one (peer names are unique across relationships).
  std::optional<std::size_t> byPeerName(std::string_view name) const noexcept;
  // The relationship serving a subnet: always 0 with one relationship; nullopt on a hub for a
  // subnet tied to none (subnet id 0 = no subnet selected). A binary search, no allocation.
  std::optional<std::size_t> bySubnet(std::uint32_t subnetId) const noexcept;

  bool operator==(const HaRelationships&) const = default;
};

// describeHaChanges / listenerChanged (ha_config.h) over every relationship: one relationship
// reads as before; a hub's phrases name the relationship ("server3: heartbeat-delay ...").
std::vector<std::string> describeHaChanges(const HaRelationships& before, const HaRelationships& after);
bool listenerChanged(const HaRelationships& before, const HaRelationships& after);

// Ties the subnets of `dhcp` to the relationships, from "ha-server-name" in the user context
// of the subnet, else of its shared network (Kea's HAConfig::getSubnetServerName order). With
// one relationship: nothing read, nothing refused. With more, refused (errors name the JSON
// path of the subnet):
//   - a subnet tied to no relationship: Kea drops its clients' queries at run time
//     (HA_SUBNET4_SELECT_NO_RELATIONSHIP_SELECTOR_FOR_SUBNET); tandemd says so at configuration;
//   - a name that is no peer of any relationship, or not a string;
//   - subnets of one shared network tied to different relationships (allocation may move a
//     client between the network's subnets, so the network has one relationship).
// `relationships` must be the parsed list (parseHaConfig).
[[nodiscard]] Result<HaRelationships> tieSubnets(std::vector<HaConfig> relationships, const config::Dhcp4Config& dhcp);

}  // namespace tandem::ha
