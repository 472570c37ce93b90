#pragma once
// tandemctl's progress display for commands that take a while in the daemon (ha-sync,
// lease4-wipe, a big reservation-get-all): the command goes on one connection and, until it
// answers, status-get is polled on a second one every 0.5 s; what `lineOf` finds in its
// arguments is shown on `out`: redrawn in place on a terminal (`tty`), otherwise a plain line
// when the first one is known, then one every 5 s.
#include <functional>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "dhcpd/common/result.h"
#include "dhcpd/ctl/ctl_transport.h"

namespace tandem::ctl {

// The line to show for status-get's arguments ("" = nothing yet), told whether it is for a
// terminal (where a bar can be drawn).
using ProgressLine = std::function<std::string(const nlohmann::json& statusArgs, bool tty)>;

[[nodiscard]] Result<nlohmann::json> sendWithProgress(const Endpoint& endpoint, const nlohmann::json& request,
                                                      const ProgressLine& lineOf, bool tty, std::ostream& out);

// The line for status-get's "operations" entry of `command` (api/operation_progress.h): a bar
// on a terminal, "lease4-wipe: 400000 of 2000000 leases (20%), 2.0 s" otherwise.
ProgressLine operationProgressLine(std::string command);

}  // namespace tandem::ctl
