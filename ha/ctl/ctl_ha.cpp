#include "ha/ctl/ctl_ha.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "dhcpd/ctl/ctl_progress.h"
#include "ha/ha_status_view.h"
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
  const ha::HaAssessment verdict = ha::assessHaStatus(args);
  if (asJson) {
    out << args.value("high-availability", json(nullptr)).dump(2) << "\n";
  } else if (verdict.health == ha::HaHealth::NotConfigured) {
    out << "HA not configured\n";
  } else {
    ha::HaStatusExtras extras;
    if (auto stats = argumentsOf(endpoint, "stat-lease4-get")) extras.leasesHeld = ha::assignedAddresses(*stats);
    if (auto config = argumentsOf(endpoint, "config-get")) extras.backups = ha::haBackupPeers(*config);
    out << ha::formatHaStatus(args, extras, verdict);
    // Lease synchronisation: in progress, or how the last one ended (sync/sync_status.h).
    const json ha = args.value("high-availability", json::array());
    for (const json& rel : ha.is_array() ? ha : json::array()) {
      const json local = rel.value("ha-servers", json::object()).value("local", json::object());
      const std::string line = sync::formatSyncLine(local.value("sync", json(nullptr)));
      if (!line.empty()) out << line << "\n";
    }
  }
  switch (verdict.health) {
    case ha::HaHealth::Healthy: return 0;
    case ha::HaHealth::Degraded: return kExitHaDegraded;
    case ha::HaHealth::NotConfigured: return kExitHaNotConfigured;
  }
  return kExitError;
}

int runHaSync(const Endpoint& endpoint, const std::string& peer, std::optional<std::uint32_t> maxPeriod, bool json,
              bool tty, std::ostream& out, std::ostream& err) {
  nlohmann::json args = {{"server-name", peer}};
  if (maxPeriod) args["max-period"] = *maxPeriod;
  const nlohmann::json request = {{"command", "ha-sync"}, {"arguments", args}};
  const auto started = std::chrono::steady_clock::now();
  // The pull in progress, from status-get's HA section (sync/sync_status.h).
  auto syncLine = [json](const nlohmann::json& statusArgs, bool) -> std::string {
    const auto ha = statusArgs.value("high-availability", nlohmann::json());
    if (json || !ha.is_array() || ha.empty()) return {};
    const auto sync = ha[0]
                          .value("ha-servers", nlohmann::json::object())
                          .value("local", nlohmann::json::object())
                          .value("sync", nlohmann::json());
    if (!sync.is_object() || !sync.value("in-progress", nlohmann::json()).is_object()) return {};
    return sync::formatSyncLine(sync);
  };
  auto answer = sendWithProgress(endpoint, request, syncLine, tty, out);
  if (!answer) {
    err << "tandemctl: " << answer.error().message << "\n";
    return answer.error().code == kCannotConnect ? 4 : 1;
  }
  const nlohmann::json& a = *answer;
  if (json) {
    out << a.dump(2) << "\n";
  } else {
    out << a.value("text", std::string()) << " ("
        << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count()
        << " ms)\n";
  }
  return a.value("result", 1) == 0 ? 0 : 1;
}

}  // namespace tandem::ctl
