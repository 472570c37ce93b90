#pragma once
// What a hosts database backend does (PostgreSQL: dhcpd/pgsql/pgsql_host_backend.h, MySQL:
// dhcpd/mysql/mysql_host_backend.h): read every host, write one, delete by Kea's selectors,
// reconnect. Everything around it (the refresh thread, its diff against the last read, the
// write queue, readonly, counters) is the same for both and lives once in
// dhcpd/daemon/host_source.h. The calls block; they run on the source's own thread only.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dhcpd/common/result.h"
#include "dhcpd/config/host_row.h"

namespace tandem::config {

// reservation-del's selectors (Kea 2.2's DEL_HOST_ADDR4 / DEL_HOST_SUBID4_ID): by subnet and
// address, or by subnet and identifier.
struct HostRowSelector {
  std::uint32_t subnetId = 0;
  std::optional<std::uint32_t> address;
  std::uint8_t identifierType = 0;
  std::vector<std::uint8_t> identifier;
};

class HostDatabaseBackend {
 public:
  virtual ~HostDatabaseBackend() = default;
  // "PostgreSQL" / "MySQL": Kea's wording names the backend ("... host database backend is
  // configured to operate in read only mode").
  virtual const char* product() const noexcept = 0;
  // Every IPv4 host with its options (config/host_row_decoder.h), in host_id order.
  virtual Result<std::vector<HostRow>> readHosts() = 0;
  // Inserts the host and its options in one transaction; the new host_id.
  virtual Result<std::int64_t> insertHost(const HostRow& row) = 0;
  // Deletes the hosts the selector matches (their options go with them); their keys (hostKeyOf).
  virtual Result<std::vector<std::string>> deleteHosts(const HostRowSelector& selector) = 0;
  // True when the connection is usable, reconnecting first when it was lost.
  virtual bool ensureConnected() = 0;
  virtual bool connected() const = 0;
  virtual std::string lastMessage() const = 0;
};

}  // namespace tandem::config
