#pragma once
// Kea's statistics commands (statistic-get, -get-all, -reset, -reset-all, -remove,
// -remove-all) over the daemon's StatsRegistry. Each statistic holds one sample, so the
// answers carry one [value, timestamp] pair per name where Kea may keep a history.
#include "dhcpd/api/command_registry.h"
#include "dhcpd/api/server_control.h"

namespace tandem::api {

void registerStatCommands(CommandRegistry& registry, ServerControl& control);

}  // namespace tandem::api
