#pragma once
// The state machine's requests to its partner (reference 3.1, 5): ha-heartbeat, ha-reset and
// ha-maintenance-notify, sent when the machine asks for them (ha::SendHeartbeat, SendHaReset,
// SendMaintenanceNotify) and their answers fed back as events. Also the operator's
// ha-maintenance-start/-cancel, whose answer waits for the partner's answer to the notify.
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "dhcpd/api/command_registry.h"
#include "ha/ha_machine.h"
#include "ha/service/ha_service_links.h"

namespace tandem::daemon {

// The answer of a command the machine handled (`nullopt`: it gave none, an internal error).
api::json commandAnswerJson(const std::optional<ha::CommandAnswer>& a);

class HaPeerRequests {
 public:
  // `recordCapability`: what a partner's heartbeat answer announces (tandem's bulk sync and
  // batched updates), kept by HaService.
  using CapabilityFn = std::function<void(const std::string& peer, const nlohmann::json& heartbeatArgs)>;
  HaPeerRequests(HaServiceLinks links, CapabilityFn recordCapability)
      : links_(std::move(links)), recordCapability_(std::move(recordCapability)) {}

  // ha-heartbeat; the answer (or its failure) goes to the machine.
  void sendHeartbeat(const std::string& peer);
  // ha-reset; ha::HaResetFinished with its outcome.
  void sendHaReset(const std::string& peer);
  // ha-maintenance-notify, asynchronous: the answer feeds the machine and answers the pending
  // ha-maintenance-start/-cancel. Returns the answer at once only when there is no transport
  // to send with.
  std::optional<ha::CommandAnswer> maintenanceNotify(const ha::SendMaintenanceNotify& a);
  // Runs a maintenance command (ha-maintenance-start/-cancel); answers now, or when the
  // partner's answer comes.
  void maintenanceCommand(const ha::HaEvent& command, api::CommandReply reply);
  // Answers a maintenance command still waiting for the partner with an error.
  void stop();

 private:
  HaServiceLinks links_;
  CapabilityFn recordCapability_;
  api::CommandReply maintenanceReply_;  // ha-maintenance-start/-cancel waiting for the partner
};

}  // namespace tandem::daemon
