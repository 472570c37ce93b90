#pragma once
// `tandemctl ha status`: this server and its HA partner at a glance, with an exit code that
// monitoring can use (healthy / degraded / HA not configured).
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "dhcpd/ctl/ctl_transport.h"

namespace tandem::ctl {

// Exit codes of `ha status`, after tandemctl's common ones (0 ok ... 4 cannot connect).
inline constexpr int kExitHaDegraded = 5;
inline constexpr int kExitHaNotConfigured = 6;

// Queries status-get (and, for the human view, stat-lease4-get and config-get: the local lease
// count and the backup peers) and prints the view, or with json=true status-get's raw
// "high-availability" section. Returns 0 healthy, kExitHaDegraded, kExitHaNotConfigured, or
// tandemctl's 1 (error) / 4 (cannot connect).
int runHaStatus(const Endpoint& endpoint, bool json, std::ostream& out, std::ostream& err);

// `tandemctl ha sync PEER [--max-period S]`: runs ha-sync (the daemon keeps serving while it
// pulls) and meanwhile polls status-get on a second connection to show its progress: one
// line redrawn in place on a terminal (`tty`), a plain line every few seconds otherwise.
// Returns 0 when the sync succeeded, 1 on failure, 4 when the daemon cannot be reached.
int runHaSync(const Endpoint& endpoint, const std::string& peer, std::optional<std::uint32_t> maxPeriod, bool json,
              bool tty, std::ostream& out, std::ostream& err);

}  // namespace tandem::ctl
