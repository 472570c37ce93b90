#pragma once
// The HA state machine as a pure component (reference/ha-protocol.md sections 2, 3, 6):
// events in, actions out, `now` passed in. No sockets, no timers, no clock: the daemon performs
// the actions (sends the heartbeat, arms the timer, ...) and feeds the outcomes back as
// events. Everything runs on one strand, so nothing here locks. `now` is steady time (every
// deadline: heartbeats, max-response-delay, back-offs, the partner's share); only the clock
// skew compares wall clocks, from the times carried by HeartbeatAnswered.
//
// Kea runs its model on heartbeat completion and on commands; we evaluate the transition
// table after every event (and at the instant communication becomes interrupted, through the
// CommunicationCheck timer), which reaches the same states with less delay.
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "dhcpd/common/steady_time.h"
#include "dhcpd/common/logger.h"
#include "ha/ha_config.h"
#include "ha/ha_state.h"
#include "ha/ha_transitions.h"
#include "ha/scope_filter.h"
#include "heartbeat/client_key.h"
#include "heartbeat/clock_skew.h"
#include "heartbeat/failure_detector.h"
#include "heartbeat/rejected_lease_updates.h"
#include "ha/sync_backoff.h"

namespace tandem::ha {

enum class TimerId : std::uint8_t {
  Heartbeat,           // time to send the next ha-heartbeat
  CommunicationCheck,  // max-response-delay elapses since the last good heartbeat
  SyncRetry,           // the back-off after a failed lease synchronisation is over
  HandoverDrain,       // the service's: a heartbeat answer waited long enough (ha_handover_drain.h)
};

// ---- Events -----------------------------------------------------------------------------
struct Start {};  // the service starts (state waiting)
struct HeartbeatAnswered {
  HaState partnerState = HaState::Waiting;
  TimePoint partnerTime;  // parsed `date-time` (wall clock)
  TimePoint localTime;    // our wall clock when the answer came: the skew is partnerTime - localTime
  std::optional<std::vector<std::string>> scopes;  // absent from very old peers
  std::optional<std::uint64_t> unsentUpdateCount;  // absent: not tracked
};
struct HeartbeatFailed {
  std::string reason;
};
// We answered the partner's ha-heartbeat with our state: from now on it knows it.
struct HeartbeatServed {};
struct TimerFired {
  TimerId id = TimerId::Heartbeat;
};
struct SyncFinished {
  bool ok = false;
  std::string text;
};
struct LeaseUpdateResult {
  enum class Outcome : std::uint8_t { Ok, Conflict, Failed };
  std::string peer;
  Outcome outcome = Outcome::Ok;
  heartbeat::ClientKey client;
  std::string text;
};
// A query that belongs to the partner's scope (ScopeDecision::inScope false, HA type).
struct PartnerQuerySeen {
  std::vector<std::uint8_t> hwAddr;
  std::vector<std::uint8_t> clientId;
  std::uint16_t secs = 0;
};
struct BacklogOverflowed {};
struct BacklogReplayFinished {
  bool ok = false;
  std::string text;
};
struct HaResetFinished {  // our ha-reset sent to the partner
  bool ok = false;
  std::string text;
};
struct MaintenanceNotifyFinished {  // answer to our ha-maintenance-notify
  bool transportError = false;
  int result = 0;  // 0, 1, 1001 (maintenance not allowed)
  std::string text;
  std::optional<HaState> partnerState;  // cancel answer's "state"
};
struct SyncCompleteNotified {  // partner's ha-sync-complete-notify
  int originId = 0;
};
struct DhcpServiceState {  // other origins (user, partner, DB) disabling service changed
  bool disabledByOthers = false;
};
// Commands (from the operator, or peer commands addressed to the machine).
struct HaResetCommand {};
struct HaContinueCommand {};
struct MaintenanceStartCommand {};
struct MaintenanceCancelCommand {};
struct MaintenanceNotifyCommand {
  bool cancel = false;
  std::optional<HaState> senderState;
};
struct ScopesCommand {
  std::vector<std::string> scopes;
};

using HaEvent =
    std::variant<Start, HeartbeatAnswered, HeartbeatFailed, HeartbeatServed, TimerFired, SyncFinished,
                 LeaseUpdateResult, PartnerQuerySeen, BacklogOverflowed, BacklogReplayFinished, HaResetFinished,
                 MaintenanceNotifyFinished, SyncCompleteNotified, DhcpServiceState, HaResetCommand, HaContinueCommand,
                 MaintenanceStartCommand, MaintenanceCancelCommand, MaintenanceNotifyCommand, ScopesCommand>;

// ---- Actions ----------------------------------------------------------------------------
struct SendHeartbeat {
  std::string peer;
};
struct ArmTimer {  // (re)arms the one-shot timer; fire TimerFired{id} at `at`
  TimerId id = TimerId::Heartbeat;
  SteadyTime at;
};
struct CancelTimer {
  TimerId id = TimerId::Heartbeat;
};
struct StartSync {  // dhcp-disable + lease4-get-page loop + ha-sync-complete-notify (4.6)
  std::string peer;
  std::chrono::seconds maxPeriod{60};
};
struct ServeScopes {
  std::vector<std::string> scopes;
};
struct DisableDhcp {
  int origin = 0;
};
struct EnableDhcp {
  int origin = 0;
};
struct SendHaReset {
  std::string peer;
};
struct ReplayBacklog {
  std::string peer;
};
struct ClearBacklog {};
struct SendMaintenanceNotify {
  std::string peer;
  bool cancel = false;
  HaState state = HaState::Waiting;
};
// When the partner's share of free addresses becomes usable (pool split), nullopt = never.
struct SetPartnerShare {
  std::optional<SteadyTime> usableFrom;
};
struct StateChanged {
  HaState from = HaState::Waiting;
  HaState to = HaState::Waiting;
  std::string reason;
};
struct Log {
  Severity severity = Severity::Info;
  std::string id;
  std::string text;
};
struct CommandAnswer {
  int result = 0;
  std::string text;
  nlohmann::json arguments;  // null when none
};

using Action =
    std::variant<SendHeartbeat, ArmTimer, CancelTimer, StartSync, ServeScopes, DisableDhcp, EnableDhcp, SendHaReset,
                 ReplayBacklog, ClearBacklog, SendMaintenanceNotify, SetPartnerShare, StateChanged, Log, CommandAnswer>;

// What to do with one committed lease change for one peer (reference 6.2, Kea's
// shouldQueueLeaseUpdates / shouldSendLeaseUpdates).
enum class UpdatePolicy : std::uint8_t {
  SendAndWait,  // send; the client's reply waits for the ack
  SendNoWait,   // send; do not wait (backups without wait-backup-ack)
  Queue,        // communication-recovery: append to the backlog
  SkipCounted,  // not sent to the active partner: count it in unsent-update-count
  Skip,         // not sent at all
};

struct HeartbeatReply {
  HaState state = HaState::Waiting;
  std::vector<std::string> scopes;
  std::uint64_t unsentUpdateCount = 0;
};

// Everything status-get and `tandemctl ha status` show.
struct HaStatus {
  HaMode mode = HaMode::LoadBalancing;
  std::string localName;
  Role localRole = Role::Primary;
  HaState state = HaState::Waiting;
  std::string stateReason;
  SteadyTime stateSince;
  std::vector<std::string> scopes;
  std::uint64_t unsentUpdateCount = 0;
  bool paused = false;

  bool hasRemote = false;  // false for backups and in passive-backup mode
  std::string remoteName;
  Role remoteRole = Role::Secondary;
  bool inTouch = false;
  std::int64_t age = 0;
  std::optional<HaState> lastState;
  std::vector<std::string> lastScopes;
  bool communicationInterrupted = false;
  std::size_t connectingClients = 0;
  std::size_t unackedClients = 0;
  std::uint64_t unackedClientsLeft = 0;
  std::uint64_t analyzedPackets = 0;
  std::optional<TimePoint> systemTime;  // wall clock of the last skew computation
  std::optional<std::int64_t> clockSkew;
  std::optional<std::uint64_t> partnerUnsentUpdateCount;

  // Lease synchronisation retries (the shell adds the progress of a sync in flight).
  std::uint32_t syncFailures = 0;         // consecutive failed syncs since the last success
  std::optional<SteadyTime> syncRetryAt;  // when the next attempt may start, after a failure
};

class HaMachine {
 public:
  // Kea: a partner seen `terminated` this long while we wait is assumed not restarting.
  static constexpr std::chrono::minutes kTerminatedPartnerWait{10};
  // After ha-sync-complete-notify in partner-down (we keep serving, and send the partner our
  // lease changes) and, on the puller, after its sync (ready, serving nobody yet), each side
  // polls the other at this pace for a while instead of a whole heartbeat-delay (10 s by
  // default): the hand-over then takes a few hundred milliseconds, without a gap (see
  // handingOver_).
  static constexpr std::chrono::milliseconds kHandoverPoll{100};
  static constexpr std::chrono::seconds kHandoverPollFor{5};

  explicit HaMachine(HaConfig cfg);
  HaMachine(const HaMachine&) = delete;
  HaMachine& operator=(const HaMachine&) = delete;

  [[nodiscard]] std::vector<Action> handle(const HaEvent& event, SteadyTime now);

  HaState state() const noexcept { return state_; }
  HaState previousState() const noexcept { return prevState_; }
  const std::string& stateReason() const noexcept { return reason_; }
  SteadyTime stateSince() const noexcept { return stateSince_; }
  std::optional<HaState> partnerState() const noexcept { return partnerState_; }
  bool paused() const noexcept { return paused_; }
  // Back from partner-down, still serving the partner's clients until it hears our state.
  bool handingOver() const noexcept { return handingOver_; }
  const HaConfig& config() const noexcept { return cfg_; }
  const ScopeFilter& scopeFilter() const noexcept { return filter_; }
  bool communicationInterrupted(SteadyTime now) const noexcept { return detector_.interrupted(now); }
  // Whether any client's lease update was rejected (conflict) and not since acknowledged: only
  // then does an acknowledged update change anything here (it clears that client's record).
  bool hasRejectedUpdates() const noexcept { return !rejected_.empty(); }
  bool localDhcpDisabled() const noexcept { return localDisabled_; }
  // After a failed sync: when the back-off ends (nullopt: no retry pending).
  std::optional<SteadyTime> syncRetryAt() const noexcept { return syncRetryAt_; }
  std::uint32_t syncFailures() const noexcept { return backoff_.failures(); }

  // Lease updates (call on the HA strand, per peer, per committed query).
  UpdatePolicy updatePolicy(const PeerConfig& peer) const noexcept;
  // A query's updates for the active partner were skipped (UpdatePolicy::SkipCounted).
  void noteSkippedUpdate() noexcept;
  std::uint64_t unsentUpdateCount() const noexcept { return unsentUpdateCount_; }

  HeartbeatReply heartbeatReply() const;
  HaStatus status(SteadyTime now) const;

 private:
  using Out = std::vector<Action>;

  void on(const Start&, SteadyTime now, Out& out);
  void on(const HeartbeatAnswered& e, SteadyTime now, Out& out);
  void on(const HeartbeatFailed& e, SteadyTime now, Out& out);
  void on(const HeartbeatServed& e, SteadyTime now, Out& out);
  void on(const TimerFired& e, SteadyTime now, Out& out);
  void on(const SyncFinished& e, SteadyTime now, Out& out);
  void on(const LeaseUpdateResult& e, SteadyTime now, Out& out);
  void on(const PartnerQuerySeen& e, SteadyTime now, Out& out);
  void on(const BacklogOverflowed& e, SteadyTime now, Out& out);
  void on(const BacklogReplayFinished& e, SteadyTime now, Out& out);
  void on(const HaResetFinished& e, SteadyTime now, Out& out);
  void on(const MaintenanceNotifyFinished& e, SteadyTime now, Out& out);
  void on(const SyncCompleteNotified& e, SteadyTime now, Out& out);
  void on(const DhcpServiceState& e, SteadyTime now, Out& out);
  void on(const HaResetCommand& e, SteadyTime now, Out& out);
  void on(const HaContinueCommand& e, SteadyTime now, Out& out);
  void on(const MaintenanceStartCommand& e, SteadyTime now, Out& out);
  void on(const MaintenanceCancelCommand& e, SteadyTime now, Out& out);
  void on(const MaintenanceNotifyCommand& e, SteadyTime now, Out& out);
  void on(const ScopesCommand& e, SteadyTime now, Out& out);

  // Evaluates the transition table until a state stays (Kea's runModel loop).
  void run(SteadyTime now, Out& out);
  TransitionInputs inputs(SteadyTime now, Out& out);
  bool shouldPartnerDown(SteadyTime now) const;
  void transition(HaState to, std::string reason, SteadyTime now, Out& out);
  void enter(SteadyTime now, Out& out);  // on-entry actions of state_
  void adjustNetworkState(Out& out);
  void publishScopes(Out& out);
  void scheduleHeartbeat(SteadyTime now, Out& out);
  void armCommunicationCheck(SteadyTime now, Out& out);
  void setPartnerState(HaState s, SteadyTime now);
  bool heartbeatsWanted() const noexcept;
  void log(Out& out, Severity s, std::string id, std::string text);
  const PeerConfig* partner() const noexcept { return cfg_.partner(); }

  HaConfig cfg_;
  ScopeFilter filter_;
  heartbeat::FailureDetector detector_;
  heartbeat::ClockSkew skew_;
  heartbeat::RejectedLeaseUpdates rejected_;

  HaState state_ = HaState::Waiting;
  HaState prevState_ = HaState::Waiting;
  std::string reason_ = "starting";
  SteadyTime stateSince_{};
  bool started_ = false;

  std::optional<HaState> partnerState_;
  SteadyTime partnerStateSince_{};
  std::vector<std::string> partnerScopes_;
  std::uint64_t partnerUnsentPrev_ = 0, partnerUnsentLast_ = 0;
  bool partnerUnsentKnown_ = false;
  // The partner's unsent-update-count when we entered partner-down (see inputs()).
  std::optional<std::uint64_t> partnerUnsentAtPartnerDown_;
  // Our own unsent-update-count when the partner last had all our leases in this partner-down
  // episode: at entry, and each time it tells us it finished synchronising from us. Any lease
  // we changed since then (the count moved) must reach it before we go back to normal.
  std::optional<std::uint64_t> unsentAtPartnerSync_;
  std::uint64_t unsentUpdateCount_ = 0;

  bool paused_ = false;
  std::set<HaState> pausedOnce_;
  bool heartbeatArmed_ = false;
  bool heartbeatInFlight_ = false;
  std::optional<SteadyTime> commCheckArmedAt_;
  bool syncInFlight_ = false;
  SyncBackoff backoff_;
  std::optional<SteadyTime> syncRetryAt_;  // a failed sync waits for the SyncRetry timer
  bool replayInFlight_ = false;
  bool resetInFlight_ = false;
  bool backlogOverflowed_ = false;
  enum class Maintenance : std::uint8_t { None, Starting, Canceling } maintenance_ = Maintenance::None;
  bool viaMaintenance_ = false;  // next partner-down entry serves failover scopes regardless
  bool localDisabled_ = false;   // we hold the local HA origin disable
  bool othersDisabled_ = false;  // user / partner / DB origins disable service
  bool syncCompleteNotified_ = false;
  std::optional<SteadyTime> handoverPollUntil_;
  // Back from partner-down to a normal state, still serving the partner's scope until the
  // partner has heard our new state (a heartbeat of its answered), so its clients are never
  // left without a server in between (tandemd; Kea leaves a gap of up to a heartbeat-delay).
  bool handingOver_ = false;
  void applyScopeRule();
  void endHandover(const char* why, Out& out);
  std::vector<std::string> publishedScopes_;
  bool scopesPublished_ = false;
};

}  // namespace tandem::ha
