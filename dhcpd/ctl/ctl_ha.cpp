#include "dhcpd/ctl/ctl_ha.h"

#include <nlohmann/json.hpp>

#include "dhcpd/api/ha_status_view.h"
#include "sync/sync_status.h"

namespace tandem::ctl {
namespace {

using nlohmann::json;

constexpr int kExitError = 1;

// The "arguments" of a successful answer, or nothing (the extras are best effort: an older
// daemon or a Kea without lease_cmds still gets its HA view).
std::optional<json> argumentsOf(const Endpoint& endpoint, const char* command) {
  auto answer = sendCommand(endpoint, json{{"command", command}});
  if (!answer || answer->value("result", 1) != 0) return std::nullopt;
  auto it = answer->find("arguments");
  if (it == answer->end()) return std::nullopt;
  return *it;
}

}  // namespace

int runHaStatus(const Endpoint& endpoint, bool asJson, std::ostream& out, std::ostream& err) {
  auto answer = sendCommand(endpoint, json{{"command", "status-get"}});
  if (!answer) {
    err << "tandemctl: " << answer.error().message << "\n";
    return answer.error().code == kCannotConnect ? kCannotConnect : kExitError;
  }
  const auto res = answer->find("result");
  if (res == answer->end() || !res->is_number_integer() || res->get<int>() != 0) {
    err << "tandemctl: status-get failed: " << answer->value("text", answer->dump()) << "\n";
    return kExitError;
  }
  const json args = answer->value("arguments", json::object());
  const api::HaAssessment verdict = api::assessHaStatus(args);
  if (asJson) {
    out << args.value("high-availability", json(nullptr)).dump(2) << "\n";
  } else if (verdict.health == api::HaHealth::NotConfigured) {
    out << "HA not configured\n";
  } else {
    api::HaStatusExtras extras;
    if (auto stats = argumentsOf(endpoint, "stat-lease4-get")) extras.leasesHeld = api::assignedAddresses(*stats);
    if (auto config = argumentsOf(endpoint, "config-get")) extras.backups = api::haBackupPeers(*config);
    out << api::formatHaStatus(args, extras, verdict);
    // Lease synchronisation: in progress, or how the last one ended (sync/sync_status.h).
    const json ha = args.value("high-availability", json::array());
    for (const json& rel : ha.is_array() ? ha : json::array()) {
      const json local = rel.value("ha-servers", json::object()).value("local", json::object());
      const std::string line = sync::formatSyncLine(local.value("sync", json(nullptr)));
      if (!line.empty()) out << line << "\n";
    }
  }
  switch (verdict.health) {
    case api::HaHealth::Healthy: return 0;
    case api::HaHealth::Degraded: return kExitHaDegraded;
    case api::HaHealth::NotConfigured: return kExitHaNotConfigured;
  }
  return kExitError;
}

}  // namespace tandem::ctl
