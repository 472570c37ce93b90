#pragma once
// `tandemctl ha status`: the HA pair at a glance, computed from the daemon's answers.
// Pure (no I/O) so the verdict that monitoring relies on is unit-tested: it reads status-get's
// "high-availability" list (Kea's shape plus tandem's "state-reason", "unsent-update-count",
// "clock-skew"), stat-lease4-get's result-set and config-get's HA peers.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace tandem::ha {

enum class HaHealth {
  Healthy,        // every relationship in its normal state, partner in touch
  Degraded,       // anything else: failover, recovery, sync, maintenance, partner unreachable
  NotConfigured,  // no "high-availability" section: the daemon runs without HA
};

struct HaAssessment {
  HaHealth health = HaHealth::NotConfigured;
  std::vector<std::string> problems;  // one line per reason the pair is degraded
};

// A backup peer named in the HA config (status-get does not report backups: they never
// heartbeat, as in Kea, so only their identity is known to the local server).
struct HaBackupPeer {
  std::string name;
  std::string url;
};

struct HaStatusExtras {
  std::optional<std::uint64_t> leasesHeld;  // local store, from stat-lease4-get
  std::vector<HaBackupPeer> backups;
};

// The states in which a server serves its share with a healthy pair around it. Every other
// state (partner-down, communication-recovery, waiting, syncing, ready, in-maintenance,
// partner-in-maintenance, terminated) means the pair is not what the operator configured.
[[nodiscard]] bool isNormalHaState(std::string_view state);

// Clock skew Kea warns about (it terminates above 60 s); reported as a problem above this.
inline constexpr std::int64_t kHaClockSkewWarnSeconds = 30;

// statusArgs: the "arguments" map of a status-get answer.
[[nodiscard]] HaAssessment assessHaStatus(const nlohmann::json& statusArgs);

// Sum of "assigned-addresses" over the rows of stat-lease4-get's "result-set", if present.
[[nodiscard]] std::optional<std::uint64_t> assignedAddresses(const nlohmann::json& statLeaseArgs);

// Backup peers of the relationship this server belongs to, from config-get's arguments
// ({"Dhcp4": {... "hooks-libraries": [{"parameters": {"high-availability": [...]}}]}}).
[[nodiscard]] std::vector<HaBackupPeer> haBackupPeers(const nlohmann::json& configArgs);

// The human text: one block per relationship with this server and its partner side by side,
// then the verdict and its reasons.
[[nodiscard]] std::string formatHaStatus(const nlohmann::json& statusArgs, const HaStatusExtras& extras,
                                         const HaAssessment& assessment);

}  // namespace tandem::ha
