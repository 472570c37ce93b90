#pragma once
// Kea lease_cmds (lease4-*) and stat_cmds (stat-lease4-get) over ServerControl, with Kea
// 2.2's argument shapes, result codes and texts.
#include "dhcpd/api/command_registry.h"
#include "dhcpd/api/server_control.h"

namespace tandem::api {

// lease4-add, lease4-get, lease4-get-all, lease4-get-page, lease4-get-by-hw-address,
// lease4-get-by-client-id, lease4-get-by-hostname, lease4-update, lease4-del, lease4-wipe,
// lease4-write, stat-lease4-get. `control` must outlive the registry entries.
void registerLeaseCommands(CommandRegistry& registry, ServerControl& control);

}  // namespace tandem::api
