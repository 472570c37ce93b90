#pragma once
// Composition helpers for the HA hook: finds the libdhcp_ha.so entry of hooks-libraries,
// validates its parameters (so `tandemd -t` checks them too), and builds the peer
// transports and the peer listener's socket settings from the HA configuration.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>

#include "dhcpd/api/command_registry.h"
#include "dhcpd/common/clock.h"
#include "dhcpd/common/logger.h"
#include "dhcpd/common/result.h"
#include "dhcpd/config/dhcp4_config.h"
#include "ha/service/ha_io_gate.h"
#include "ha/service/ha_service.h"
#include "dhcpd/engine/engine.h"
#include "ha/ha_config.h"
#include "ha/ha_relationships.h"
#include "ha/pool_split.h"

namespace tandem::daemon {

// nullopt when no libdhcp_ha.so entry is configured. Errors carry the JSON path. Reads the
// basic-auth user/password files (first line, as Kea) and checks the TLS files are readable.
// Several relationships make a hub (ha/ha_relationships.h): its subnets are tied to them here.
// Peer URLs naming a host (a tandemd extension: Kea 2.2 wants addresses) are resolved here
// with getaddrinfo (the first IPv4 address, else the first one); a name that does not resolve
// is an error naming the peer and the URL's JSON path.
[[nodiscard]] Result<std::optional<ha::HaRelationships>> haRelationshipsFrom(const config::Dhcp4Config& cfg);
// The first relationship of haRelationshipsFrom (the only one outside a hub).
[[nodiscard]] Result<std::optional<ha::HaConfig>> haConfigFrom(const config::Dhcp4Config& cfg);

struct ResolvedHost {
  std::string address;  // numeric
  bool ipv6 = false;
};
using HostResolver = std::function<Result<ResolvedHost>(const std::string& name)>;
// getaddrinfo(): the first IPv4 address of name, else its first address.
[[nodiscard]] Result<ResolvedHost> resolveHostName(const std::string& name);
// Same as haConfigFrom(cfg), with another resolver (tests).
[[nodiscard]] Result<std::optional<ha::HaConfig>> haConfigFrom(const config::Dhcp4Config& cfg,
                                                               const HostResolver& resolve);
[[nodiscard]] Result<std::optional<ha::HaRelationships>> haRelationshipsFrom(const config::Dhcp4Config& cfg,
                                                                             const HostResolver& resolve);

// One PeerClientTransport per other peer. Throws std::invalid_argument on bad TLS material.
HaService::Peers makePeerTransports(boost::asio::io_context& io, const ha::HaConfig& cfg, Logger& log);
// The packet thread may use the service too (issue 11): each transport, and the timers, behind
// `gate` (ha/service/gated_peer_transport.h, gated_ha_timers.h).
void gatePeerTransports(HaService::Peers& peers, HaIoGate& gate);
std::unique_ptr<HaTimers> gateTimers(HaIoGate& gate, std::unique_ptr<HaTimers> timers);

// The peer listener (Kea's http-dedicated-listener) on this server's own URL, with its TLS
// material, client-certificate requirement and basic-auth credentials.
config::ControlSocket peerListenerSocket(const ha::HaConfig& cfg);

// The on-disk identity (path, size, mtime) of the TLS files and directories the HA config
// names. Paths alone do not show a certificate renewed in place; a reload compares this too,
// so rotating certificates takes effect by config-reload.
std::string haMaterialStamp(const ha::HaConfig& cfg);
std::string haMaterialStamp(const ha::HaRelationships& rels);  // every relationship's

// Fills the peer listener's registry from the daemon's: one entry per command of `all` that
// `listener` lacks. Entries look the command up in `all` when called (never a handler copy,
// so a rebuilt HaService's commands are the ones that run), and while `restricted` is true
// (restrict-commands) a command outside ha::peerListenerAllows answers result 2 instead.
// Entries are only added, never replaced: one of them may be running (a config-reload sent
// over the peer URL) while this is called. The listener's text shortcut (CommandRegistry::
// setTextShortcut) is `all`'s, so the partner's batched updates skip the JSON tree there too.
void exposePeerCommands(api::CommandRegistry& listener, const api::CommandRegistry& all, const bool& restricted);

// The pool-split allocation filter over `pools` (the ranges of the running DHCP config, rebuilt
// on every reload) with the partner-share timing the HA service's state machine sets
// (HaService::poolSplit()). The service keeps the ranges of the config it was built with, so
// a reload that only changes pools would otherwise leave new pools unsplit.
engine::Engine::AllocFilter haAllocFilter(const HaService& service, std::shared_ptr<const ha::PoolSplit> pools,
                                          std::function<SteadyTime()> now);

}  // namespace tandem::daemon
