#pragma once
// Kea host_cmds (reservation-add/-get/-get-all/-get-page/-get-by-hostname/-get-by-address/
// -del) for host reservations kept in the running configuration: reads come from the
// config document, changes edit a copy and go through ServerControl::applyConfig(), so a
// later config-write persists them and an invalid result leaves the running config alone.
#include "dhcpd/api/command_registry.h"
#include "dhcpd/api/server_control.h"

namespace tandem::api {

void registerReservationCommands(CommandRegistry& registry, ServerControl& control);

}  // namespace tandem::api
