#pragma once
// The HA state machine's transition rules as data (reference/ha-protocol.md 2.3, 2.4),
// evaluated "first matching row wins". HaMachine computes the inputs (partner state, timers,
// failure detection) and performs the outcome; this table is the whole policy, so each row is
// unit-tested on its own (tests/ha/ha_transitions_test.cpp).
#include <cstdint>
#include <optional>
#include <span>

#include "ha/ha_state.h"

namespace tandem::ha {

using StateSet = std::uint32_t;
constexpr StateSet bit(HaState s) noexcept { return StateSet(1) << static_cast<unsigned>(s); }
// The partner has never been heard of (no heartbeat outcome yet).
inline constexpr StateSet kPartnerUnknown = StateSet(1) << 31;
constexpr StateSet states(std::initializer_list<HaState> list) noexcept {
  StateSet s = 0;
  for (HaState x : list) s |= bit(x);
  return s;
}
inline constexpr StateSet kAnyPartner = ~StateSet(0);

enum class Guard : std::uint8_t {
  Always,
  RoleBackup,           // this server is a backup
  ModePassiveBackup,    // relationship is passive-backup
  ShouldTerminate,      // clock skew > 60 s or too many rejected lease updates (2.3 check 2)
  PartnerStateInvalid,  // partner reports a state that does not exist in our mode (check 3)
  IsPrimary,            // tie-break: the primary goes first
  ShouldPartnerDown,    // Kea's shouldPartnerDown() (2.3)
  CommRecoveryAllowed,  // load-balancing with delayed-updates-limit > 0
  CommOkAndOverflowed,  // communication fine and the backlog overflowed
  CommInterrupted,
  BacklogOverflowed,
  PartnerHasNewUnsent,    // partner's unsent-update-count changed and is non-zero (6.4)
  PartnerTerminatedLong,  // partner seen `terminated` continuously for >= 10 minutes
  LocalChangesUnsynced,   // partner-down: we changed leases the partner has not got since
                          // its last sync from us (tandemd; Kea goes back to normal at once)
};

enum class Outcome : std::uint8_t {
  Stay,
  To,             // go to Row::to
  Normal,         // load-balancing or hot-standby, by mode
  SyncOrReady,    // syncing, or ready when sync-leases is false
  StartSync,      // stay in syncing and pull the partner's leases (if not already)
  ReplayBacklog,  // stay in communication-recovery and replay the backlog
  SendHaReset,    // stay (communication-recovery, partner-down) and ask the partner to reset
};

struct TransitionRow {
  StateSet from;     // states this row applies to
  StateSet partner;  // partner states it matches (kPartnerUnknown included or not)
  Guard guard;
  Outcome outcome;
  HaState to;          // for Outcome::To
  const char* reason;  // why, for logs and status
};

struct TransitionInputs {
  HaState state = HaState::Waiting;
  std::optional<HaState> partner;  // nullopt: never heard
  bool roleBackup = false;
  bool modePassiveBackup = false;
  bool shouldTerminate = false;
  bool partnerStateInvalid = false;
  bool primary = false;
  bool shouldPartnerDown = false;
  bool commRecoveryAllowed = false;
  bool commInterrupted = false;
  bool backlogOverflowed = false;
  bool partnerHasNewUnsent = false;
  bool partnerTerminatedLong = false;
  bool localChangesUnsynced = false;
};

std::span<const TransitionRow> transitionTable() noexcept;
// The first matching row, or nullptr (= stay).
const TransitionRow* findTransition(const TransitionInputs& in) noexcept;
bool guardHolds(Guard g, const TransitionInputs& in) noexcept;

}  // namespace tandem::ha
