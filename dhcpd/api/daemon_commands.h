#pragma once
// Kea's daemon commands (list-commands, version-get, build-report, status-get, shutdown,
// config-get/-test/-set/-reload/-write, config-hash-get, dhcp-disable/-enable,
// leases-reclaim) over ServerControl.
#include "dhcpd/api/command_registry.h"
#include "dhcpd/api/server_control.h"

namespace tandem::api {

// list-commands reads `registry` at call time, so commands registered later (HA) are listed.
// Both references must outlive the registry entries.
void registerDaemonCommands(CommandRegistry& registry, ServerControl& control);

}  // namespace tandem::api
