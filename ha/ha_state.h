#pragma once
// HA states with the exact wire strings Kea uses in heartbeat answers, ha-maintenance-notify
// and status-get (reference/ha-protocol.md section 2.1).
#include <cstdint>
#include <optional>
#include <string_view>

namespace tandem::ha {

enum class HaState : std::uint8_t {
  Waiting,
  Syncing,
  Ready,
  LoadBalancing,
  HotStandby,
  PartnerDown,
  PartnerInMaintenance,
  InMaintenance,
  CommunicationRecovery,
  PassiveBackup,
  Backup,
  Terminated,
  // Not a state this server is ever in: what we record for the partner when it could not be
  // contacted. Kea's parser accepts it in heartbeat answers too.
  Unavailable,
};

inline constexpr HaState kAllStates[] = {
    HaState::Waiting,
    HaState::Syncing,
    HaState::Ready,
    HaState::LoadBalancing,
    HaState::HotStandby,
    HaState::PartnerDown,
    HaState::PartnerInMaintenance,
    HaState::InMaintenance,
    HaState::CommunicationRecovery,
    HaState::PassiveBackup,
    HaState::Backup,
    HaState::Terminated,
    HaState::Unavailable,
};

// No default branch: -Wswitch flags a state added without a wire name.
constexpr std::string_view toString(HaState s) noexcept {
  switch (s) {
    case HaState::Waiting: return "waiting";
    case HaState::Syncing: return "syncing";
    case HaState::Ready: return "ready";
    case HaState::LoadBalancing: return "load-balancing";
    case HaState::HotStandby: return "hot-standby";
    case HaState::PartnerDown: return "partner-down";
    case HaState::PartnerInMaintenance: return "partner-in-maintenance";
    case HaState::InMaintenance: return "in-maintenance";
    case HaState::CommunicationRecovery: return "communication-recovery";
    case HaState::PassiveBackup: return "passive-backup";
    case HaState::Backup: return "backup";
    case HaState::Terminated: return "terminated";
    case HaState::Unavailable: return "unavailable";
  }
  return "unknown";
}

// Exact, case-sensitive match of the wire strings; anything else is nullopt (a heartbeat
// answer carrying it counts as a failed heartbeat, as in Kea).
constexpr std::optional<HaState> parseHaState(std::string_view text) noexcept {
  for (HaState s : kAllStates) {
    if (toString(s) == text) return s;
  }
  return std::nullopt;
}

}  // namespace tandem::ha
