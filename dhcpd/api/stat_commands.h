#pragma once
// Kea's statistics commands (statistic-get, -get-all, -reset, -reset-all, -remove,
// -remove-all, -sample-count-set[-all], -sample-age-set[-all]) over the daemon's
// StatsRegistry, with Kea 2.2's arguments, answer texts and sample lists (newest first).
#include "dhcpd/api/command_registry.h"
#include "dhcpd/api/server_control.h"

namespace tandem::api {

void registerStatCommands(CommandRegistry& registry, ServerControl& control);

}  // namespace tandem::api
