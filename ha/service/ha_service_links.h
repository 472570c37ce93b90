#pragma once
// What each part of HaService (ha_lease_updates.h, ha_peer_requests.h, ...) reaches the rest
// of the service through: the relationship's configuration, the server, the log, the peer
// transports, the state machine's event entry, and the service's liveness flag. The parts
// live inside one HaService, on its one io_context thread, so nothing here locks.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "dhcpd/api/server_control.h"
#include "dhcpd/common/logger.h"
#include "dhcpd/common/result.h"
#include "ha/ha_config.h"
#include "ha/ha_machine.h"
#include "ha/service/ha_peer_transport.h"
#include "sync/ha_json.h"

namespace tandem::daemon {

struct HaServiceLinks {
  const ha::HaConfig& cfg;
  api::ServerControl& control;
  Logger& log;
  // The transport to the named peer, nullptr for an unknown one.
  std::function<PeerTransport*(const std::string&)> transport;
  // Runs an event through the state machine and performs its actions (HaService::dispatch);
  // returns the command answer the event produced, if any.
  std::function<std::optional<ha::CommandAnswer>(const ha::HaEvent&)> dispatch;
  // HaService's liveness flag, replaced at every stop(): an answer that arrives for a request
  // of an earlier start (cancelled requests answer during stop()) finds it false and is dropped.
  const std::shared_ptr<bool>& alive;
};

// Kea's HA client uses 10 s for every peer command but the page fetch (reference 3.1).
inline constexpr std::chrono::milliseconds kPeerRequestTimeout{10000};

// The transport hands over the answer map; the HA rules are written for Kea's list.
inline Result<sync::PeerAnswer> toPeerAnswer(const Result<nlohmann::json>& r) {
  if (!r) return r.error();
  return sync::parsePeerAnswer(nlohmann::json::array({*r}));
}

}  // namespace tandem::daemon
