#pragma once
// Composition helpers for the HA hook: finds the libdhcp_ha.so entry of hooks-libraries,
// validates its parameters (so `tandemd -t` checks them too), and builds the peer
// transports and the peer listener's socket settings from the HA configuration.
#include <memory>
#include <optional>

#include <boost/asio/io_context.hpp>

#include "dhcpd/common/logger.h"
#include "dhcpd/common/result.h"
#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/daemon/ha_service.h"
#include "ha/ha_config.h"

namespace tandem::daemon {

// nullopt when no libdhcp_ha.so entry is configured. Errors carry the JSON path. Reads the
// basic-auth user/password files (first line, as Kea) and checks the TLS files are readable.
// tandemd runs one relationship; hub-and-spoke lists are refused.
[[nodiscard]] Result<std::optional<ha::HaConfig>> haConfigFrom(const config::Dhcp4Config& cfg);

// One PeerClientTransport per other peer. Throws std::invalid_argument on bad TLS material.
HaService::Peers makePeerTransports(boost::asio::io_context& io, const ha::HaConfig& cfg, Logger& log);

// The peer listener (Kea's http-dedicated-listener) on this server's own URL, with its TLS
// material, client-certificate requirement and basic-auth credentials.
config::ControlSocket peerListenerSocket(const ha::HaConfig& cfg);

}  // namespace tandem::daemon
