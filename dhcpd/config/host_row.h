#pragma once
// One host of Kea 2.2's hosts schema, PostgreSQL or MySQL (a `hosts` row with its
// `dhcp4_options` rows of scope 3, "host") and its mapping to and from a reservation. Pure:
// the database side (config/host_row_decoder.h, dhcpd/daemon/host_source.h) fills and writes
// these, the configuration parser's reservation rules decide what a row means, so a host reads
// the same whether it comes from the config file or either database.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dhcpd/common/result.h"
#include "dhcpd/config/dhcp4_config.h"

namespace tandem::config {

// dhcp_option_scope.scope_id of a host's options in Kea's schema.
inline constexpr int kHostOptionScope = 3;

struct HostOptionRow {
  std::uint8_t code = 0;
  std::vector<std::uint8_t> value;  // `value` bytea: the option payload (used when formatted is empty)
  std::string formattedValue;       // `formatted_value`: Kea's CSV text ("" = NULL)
  std::string space = "dhcp4";      // `space` (NULL = dhcp4, as Kea reads it)
  bool persistent = false;          // always-send
  std::string userContext;          // JSON text ("" = NULL)
  bool operator==(const HostOptionRow&) const = default;
};

struct HostRow {
  std::int64_t hostId = 0;               // host_id (not part of the host's identity)
  std::vector<std::uint8_t> identifier;  // dhcp_identifier
  std::uint8_t identifierType = 0;  // dhcp_identifier_type: 0 hw-address, 1 duid, 2 circuit-id, 3 client-id, 4 flex-id
  std::uint32_t subnetId = 0;       // dhcp4_subnet_id (0 = global reservations, as Kea)
  std::uint32_t ipv4Address = 0;    // ipv4_address (0 or NULL = no address reserved)
  std::string hostname;             // hostname
  std::string clientClasses;        // dhcp4_client_classes: comma separated
  std::uint32_t nextServer = 0;     // dhcp4_next_server (0 = not set)
  std::string serverHostname, bootFileName;  // dhcp4_server_hostname, dhcp4_boot_file_name
  std::string userContext;                   // user_context JSON text ("" = NULL)
  std::vector<HostOptionRow> options;        // in option_id order
  // The reservation the row stands for, when whoever read it already resolved it
  // (reservationOf), so that applying a large change under the packet path's lock only
  // indexes; or why it cannot be served. Not part of the content.
  std::shared_ptr<const Reservation> resolved;
  std::string resolveError;
  // Content equality (what the refresh compares): host_id is left out, so a row deleted and
  // inserted again with the same content is no change.
  bool sameContent(const HostRow& o) const;
};

// Identity of a host, as Kea's unique index on hosts: subnet, identifier type and identifier.
std::string hostKeyOf(std::uint32_t subnetId, HostIdType type, const std::vector<std::uint8_t>& identifier);
std::string hostKeyOf(const HostRow& row);

// The reservation a row stands for, in Kea's configuration syntax (what reservation-get
// answers, with hostJson's defaults added by the commands).
nlohmann::json reservationJsonOf(const HostRow& row);

// The reservation the engine serves for a row: reservationJsonOf(row) read by the config
// parser's reservation rules with cfg's option definitions and the row's subnet. Errors
// (an unknown subnet, an address outside it, an option Kea could not read either) name the
// host: "hosts database host_id 42: ...".
Result<Reservation> reservationOf(const HostRow& row, const Dhcp4Config& cfg);

// The row reservation-add writes for a host given in Kea's syntax (subnet-id apart), checked
// by the same rules first: options are stored as Kea stores them (csv-format data in
// formatted_value with a NULL value, otherwise the payload in value).
Result<HostRow> hostRowOf(const nlohmann::json& reservation, std::uint32_t subnetId, const Dhcp4Config& cfg);

}  // namespace tandem::config
