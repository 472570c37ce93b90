#pragma once
// Kea's "config-control": configuration backends (Kea 2.2's CB, libdhcp_pgsql_cb.so and
// libdhcp_mysql_cb.so) that hold part of the configuration in database tables, read at
// start-up and every config-fetch-wait-time seconds and merged with the file
// (dhcpd/config/cb_merge.h). Read from the parsed document, as hosts_database.h is, so
// dhcp4_config.h stays as it was.
#include <cstdint>
#include <vector>

#include "dhcpd/config/dhcp4_config.h"

namespace tandem::config {

struct ConfigControl {
  // "config-databases": the connection keys of Kea's DbAccessParser (type postgresql or
  // mysql: dhcpd/pgsql/pgsql_cb_reader.h, dhcpd/mysql/mysql_cb_reader.h). Kea asks the first
  // backend holding an item; tandemd reads the first database (a second one is a warning at
  // parse time).
  std::vector<LeaseDatabase> databases;
  // Seconds between two looks for changes (Kea 2.2's default 30; 0 = only at start-up and reload).
  std::uint32_t fetchWaitTime = 30;
};

// The config-control of a parsed configuration (empty databases: no backend).
ConfigControl configControlOf(const Dhcp4Config& cfg);

}  // namespace tandem::config
