#include "ha/ha_machine.h"

#include <algorithm>
#include <cctype>
#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "dhcpd/common/hw_addr.h"

namespace tandem::ha {

namespace {

// Scopes a state serves on entry (reference 2.2).
enum class ScopeRule : std::uint8_t { None, Default, Failover, PartnerDownRule };

struct StateTraits {
  ScopeRule scopes;
  bool dhcpEnabled;     // Kea adjustNetworkState()
  bool clearsRejected;  // entry clears the rejected-lease-update counter
};

// Exhaustive: a new state must say what it serves.
constexpr StateTraits traits(HaState s) noexcept {
  switch (s) {
    case HaState::Waiting: return {ScopeRule::None, false, true};
    case HaState::Syncing: return {ScopeRule::None, false, true};
    case HaState::Ready: return {ScopeRule::None, false, true};
    case HaState::LoadBalancing: return {ScopeRule::Default, true, false};
    case HaState::HotStandby: return {ScopeRule::Default, true, false};
    case HaState::CommunicationRecovery: return {ScopeRule::Default, true, false};
    case HaState::PartnerDown: return {ScopeRule::PartnerDownRule, true, true};
    case HaState::PartnerInMaintenance: return {ScopeRule::Failover, true, false};
    case HaState::InMaintenance: return {ScopeRule::None, false, false};
    case HaState::Terminated: return {ScopeRule::Default, true, true};
    case HaState::Backup: return {ScopeRule::None, false, false};
    case HaState::PassiveBackup: return {ScopeRule::Default, true, false};
    case HaState::Unavailable: return {ScopeRule::None, false, false};
  }
  return {ScopeRule::None, false, false};
}

// Kea isPartnerStateInvalid(): states that cannot exist in our mode.
bool partnerStateInvalid(HaMode mode, std::optional<HaState> p) noexcept {
  if (!p) return false;
  switch (*p) {
    case HaState::CommunicationRecovery:
    case HaState::LoadBalancing: return mode != HaMode::LoadBalancing;
    case HaState::HotStandby: return mode != HaMode::HotStandby;
    default: return false;
  }
}

heartbeat::FailureDetectorConfig detectorConfig(const HaConfig& c) {
  return {c.maxResponseDelay, c.maxAckDelay, c.maxUnackedClients};
}

}  // namespace

HaMachine::HaMachine(HaConfig cfg)
    : cfg_(std::move(cfg)), filter_(cfg_), detector_(detectorConfig(cfg_), SteadyTime{}) {}

std::vector<Action> HaMachine::handle(const HaEvent& event, SteadyTime now) {
  Out out;
  std::visit([&](const auto& e) { on(e, now, out); }, event);
  return out;
}

void HaMachine::log(Out& out, Severity s, std::string id, std::string text) {
  out.push_back(Log{s, std::move(id), std::move(text)});
}

// ---- helpers ------------------------------------------------------------------------------

bool HaMachine::heartbeatsWanted() const noexcept {
  if (!started_ || cfg_.heartbeatDelay.count() == 0 || syncInFlight_) return false;
  if (cfg_.mode == HaMode::PassiveBackup || cfg_.thisServer().role == Role::Backup) return false;
  switch (state_) {
    case HaState::Terminated:
    case HaState::Backup:
    case HaState::PassiveBackup:
    case HaState::Unavailable: return false;
    default: return partner() != nullptr;
  }
}

void HaMachine::scheduleHeartbeat(SteadyTime now, Out& out) {
  if (!heartbeatsWanted()) {
    if (heartbeatArmed_) {
      out.push_back(CancelTimer{TimerId::Heartbeat});
      heartbeatArmed_ = false;
    }
    return;
  }
  if (heartbeatArmed_ || heartbeatInFlight_) return;
  // One-shot, re-armed after each exchange completes (reference 2.5 step 1).
  auto delay = cfg_.heartbeatDelay;
  // Around a hand-over both sides ask soon: the partner-down peer whether the puller is
  // ready, the puller (ready) whether the partner-down peer is back in its normal state.
  const bool handover = (syncCompleteNotified_ && state_ == HaState::PartnerDown) || state_ == HaState::Ready;
  if (handover && handoverPollUntil_ && now < *handoverPollUntil_) {
    delay = std::min<std::chrono::milliseconds>(delay, kHandoverPoll);
  }
  out.push_back(ArmTimer{TimerId::Heartbeat, now + delay});
  heartbeatArmed_ = true;
}

void HaMachine::armCommunicationCheck(SteadyTime now, Out& out) {
  // Re-evaluate exactly when max-response-delay runs out, instead of at the next heartbeat
  // failure (which may be a heartbeat-delay plus a request timeout later).
  if (partnerState_ != HaState::Unavailable || detector_.interrupted(now) || !heartbeatsWanted()) return;
  const SteadyTime at = detector_.interruptionAt();
  if (commCheckArmedAt_ == at) return;
  out.push_back(ArmTimer{TimerId::CommunicationCheck, at});
  commCheckArmedAt_ = at;
}

void HaMachine::setPartnerState(HaState s, SteadyTime now) {
  if (partnerState_ != s) partnerStateSince_ = now;
  partnerState_ = s;
}

void HaMachine::publishScopes(Out& out) {
  auto scopes = filter_.servedScopes();
  if (scopesPublished_ && scopes == publishedScopes_) return;
  publishedScopes_ = scopes;
  scopesPublished_ = true;
  out.push_back(ServeScopes{std::move(scopes)});
}

void HaMachine::adjustNetworkState(Out& out) {
  const bool enable = traits(state_).dhcpEnabled;
  if (!enable && !localDisabled_) {
    localDisabled_ = true;
    out.push_back(DisableDhcp{cfg_.localOrigin()});
    log(out, Severity::Info, "HA_LOCAL_DHCP_DISABLE",
        fmt::format("{}: local DHCP service disabled in state {}", cfg_.thisServerName, toString(state_)));
  } else if (enable && localDisabled_) {
    localDisabled_ = false;
    out.push_back(EnableDhcp{cfg_.localOrigin()});
    log(out, Severity::Info, "HA_LOCAL_DHCP_ENABLE",
        fmt::format("{}: local DHCP service enabled in state {}", cfg_.thisServerName, toString(state_)));
  }
}

void HaMachine::applyScopeRule() {
  switch (traits(state_).scopes) {
    case ScopeRule::None: filter_.serveNoScopes(); break;
    case ScopeRule::Default: filter_.serveDefaultScopes(); break;
    case ScopeRule::Failover: filter_.serveFailoverScopes(); break;
    case ScopeRule::PartnerDownRule:
      // Without auto-failover the operator must hand over the partner's scope with ha-scopes,
      // except when the partner went away through maintenance (reference 2.2).
      if (cfg_.thisServer().autoFailover || viaMaintenance_) {
        filter_.serveFailoverScopes();
      } else {
        filter_.serveDefaultScopes();
      }
      break;
  }
}

void HaMachine::endHandover(const char* why, Out& out) {
  handingOver_ = false;
  applyScopeRule();
  publishScopes(out);
  log(out, Severity::Info, "HA_HANDOVER_DONE",
      fmt::format("{}: the partner serves its own clients again ({}); serving scopes {}", cfg_.thisServerName, why,
                  fmt::join(filter_.servedScopes(), ", ")));
}

void HaMachine::enter(SteadyTime now, Out& out) {
  const StateTraits t = traits(state_);
  applyScopeRule();
  viaMaintenance_ = false;
  publishScopes(out);
  adjustNetworkState(out);
  if (t.clearsRejected) rejected_.clear();

  // Pool split: the partner's free share. Only after takeover-delay in partner-down (the
  // partner may be alive behind a partition, allocating from its own share); at once in
  // partner-in-maintenance, where the partner confirmed it serves nobody.
  if (state_ == HaState::PartnerDown) {
    out.push_back(SetPartnerShare{now + cfg_.takeoverDelay});
  } else if (state_ == HaState::PartnerInMaintenance) {
    out.push_back(SetPartnerShare{now});
  }

  if (state_ == HaState::Terminated) {
    log(out, Severity::Error, "HA_TERMINATED",
        "HA service terminated; heartbeats stopped; restart both servers after fixing the cause");
  }
  if (state_ == HaState::InMaintenance) {
    log(out, Severity::Info, "HA_MAINTENANCE_SAFE_TO_SHUTDOWN",
        fmt::format("{} is in maintenance and may be shut down safely", cfg_.thisServerName));
  }

  const PauseMode pm = cfg_.pauseFor(state_);
  if (pm == PauseMode::Always || (pm == PauseMode::Once && pausedOnce_.insert(state_).second)) {
    paused_ = true;
    log(out, Severity::Info, "HA_STATE_MACHINE_PAUSED",
        fmt::format("HA state machine paused in state {}; send ha-continue to resume", toString(state_)));
  }
  scheduleHeartbeat(now, out);
}

void HaMachine::transition(HaState to, std::string reason, SteadyTime now, Out& out) {
  const HaState from = state_;
  const std::size_t scopesBefore = filter_.servedScopes().size();
  handingOver_ = false;
  // Exit actions.
  if (from == HaState::CommunicationRecovery) {
    out.push_back(ClearBacklog{});
    backlogOverflowed_ = false;
    replayInFlight_ = false;
    resetInFlight_ = false;
  }
  if ((from == HaState::PartnerDown || from == HaState::PartnerInMaintenance) && to != HaState::PartnerDown &&
      to != HaState::PartnerInMaintenance) {
    out.push_back(SetPartnerShare{std::nullopt});
  }
  if (from == HaState::PartnerDown) syncCompleteNotified_ = false;

  if (to == HaState::PartnerDown && from != HaState::PartnerDown) {
    partnerUnsentAtPartnerDown_ = partnerUnsentKnown_ ? std::optional<std::uint64_t>(partnerUnsentLast_) : std::nullopt;
    unsentAtPartnerSync_ = unsentUpdateCount_;
  }
  if (to != HaState::PartnerDown) unsentAtPartnerSync_.reset();
  prevState_ = from;
  state_ = to;
  stateSince_ = now;
  reason_ = std::move(reason);
  // Kea 2.2's text (ha_messages.mes), states in upper case as Kea prints them; the reason
  // follows in a tandemd message of its own.
  auto upper = [](std::string_view v) {
    std::string u(v);
    for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return u;
  };
  log(out, Severity::Info, "HA_STATE_TRANSITION",
      fmt::format("server transitions from {} to {} state, partner state is {}", upper(toString(from)),
                  upper(toString(to)), partnerState_ ? upper(toString(*partnerState_)) : std::string("UNAVAILABLE")));
  log(out, Severity::Info, "HA_STATE_TRANSITION_REASON", fmt::format("{}: {}", cfg_.thisServerName, reason_));
  out.push_back(StateChanged{from, to, reason_});
  enter(now, out);
  // Leaving partner-down because the partner is ready: it starts serving its clients only
  // when it sees our new state in a heartbeat answer. Until we have given it one, its clients
  // stay ours (nobody else answers them: it is in ready), so the hand-over has no gap. We stop
  // at the instant we answer, before it can start, so the two never serve a scope together.
  if (from == HaState::PartnerDown && (to == HaState::LoadBalancing || to == HaState::HotStandby) &&
      scopesBefore > filter_.servedScopes().size()) {
    handingOver_ = true;
    filter_.serveFailoverScopes();
    publishScopes(out);
    log(out, Severity::Info, "HA_HANDOVER_STARTED",
        fmt::format("{}: serving the partner's clients until it has heard that we are in {}", cfg_.thisServerName,
                    toString(to)));
  }
}

bool HaMachine::shouldPartnerDown(SteadyTime now) const {
  if (!detector_.interrupted(now)) return false;
  // Service disabled: no traffic to analyse, and clients are unserved anyway.
  if (localDisabled_ || othersDisabled_) return true;
  // A hot-standby primary receives no partner traffic to judge by.
  if (cfg_.mode == HaMode::HotStandby && cfg_.thisServer().role == Role::Primary) return true;
  return detector_.failureDetected();
}

TransitionInputs HaMachine::inputs(SteadyTime now, Out& out) {
  TransitionInputs in;
  in.state = state_;
  in.partner = partnerState_;
  in.roleBackup = cfg_.thisServer().role == Role::Backup;
  in.modePassiveBackup = cfg_.mode == HaMode::PassiveBackup;
  in.primary = cfg_.thisServer().role == Role::Primary;

  // Terminate checks (2.3 check 2), only where they apply.
  const StateSet checked =
      states({HaState::Waiting, HaState::Syncing, HaState::Ready, HaState::LoadBalancing, HaState::HotStandby,
              HaState::CommunicationRecovery, HaState::PartnerDown, HaState::PartnerInMaintenance});
  if (checked & bit(state_)) {
    if (skew_.shouldTerminate()) {
      in.shouldTerminate = true;
    } else {
      if (skew_.shouldWarn(now)) {
        log(out, Severity::Warn, "HA_HIGH_CLOCK_SKEW",
            fmt::format("clock skew with the partner is {} s; above {} s the HA service terminates", skew_.seconds(),
                        heartbeat::ClockSkew::kTerminateSeconds));
      }
      in.shouldTerminate = cfg_.maxRejectedLeaseUpdates > 0 && rejected_.count(now) >= cfg_.maxRejectedLeaseUpdates;
    }
  }
  in.partnerStateInvalid = partnerStateInvalid(cfg_.mode, partnerState_);
  in.shouldPartnerDown = shouldPartnerDown(now);
  in.commRecoveryAllowed = cfg_.allowsCommunicationRecovery();
  in.commInterrupted = detector_.interrupted(now);
  in.backlogOverflowed = backlogOverflowed_;
  // Kea compares the partner's last two reported counts only. When both sides went
  // partner-down in a partition, the partner's first heartbeats after it comes back show it
  // waiting/syncing with the count it reached serving alone, and by the time it is ready two
  // equal values have hidden the change: we went back to normal without its leases. So we
  // also compare with the count it had when we declared it down.
  const bool changedSinceDown = partnerUnsentAtPartnerDown_ && *partnerUnsentAtPartnerDown_ != partnerUnsentLast_;
  in.partnerHasNewUnsent = partnerUnsentKnown_ && partnerUnsentLast_ > 0 &&
                           (partnerUnsentPrev_ != partnerUnsentLast_ || changedSinceDown);
  in.partnerTerminatedLong = partnerState_ == HaState::Terminated && now - partnerStateSince_ >= kTerminatedPartnerWait;
  in.localChangesUnsynced = state_ == HaState::PartnerDown && unsentAtPartnerSync_ &&
                            *unsentAtPartnerSync_ != unsentUpdateCount_;
  return in;
}

void HaMachine::run(SteadyTime now, Out& out) {
  // A partner that never asks our state (gone again, or its heartbeats cannot reach us) does
  // not keep its clients with us for longer than max-response-delay.
  if (handingOver_ && now - stateSince_ >= cfg_.maxResponseDelay) {
    endHandover("it has not asked for our state within max-response-delay", out);
  }
  // A partner seen serving its own clients already knows our state.
  if (handingOver_ && (partnerState_ == HaState::LoadBalancing || partnerState_ == HaState::HotStandby)) {
    endHandover("it is in its normal state", out);
  }
  // Bounded: every chain in the table ends in a staying state within a few steps.
  for (int step = 0; step < 16 && !paused_; ++step) {
    const TransitionInputs in = inputs(now, out);
    const TransitionRow* row = findTransition(in);
    if (!row) break;
    std::string reason = row->reason;
    if (row->guard == Guard::ShouldTerminate) {
      reason = skew_.shouldTerminate() ? fmt::format("clock skew with the partner is {} s (more than {} s)",
                                                     skew_.seconds(), heartbeat::ClockSkew::kTerminateSeconds)
                                       : fmt::format("{} or more clients had lease updates rejected by the partner",
                                                     cfg_.maxRejectedLeaseUpdates);
      if (skew_.shouldTerminate()) {
        log(out, Severity::Error, "HA_HIGH_CLOCK_SKEW_CAUSED_TERMINATION", reason);
      } else {
        log(out, Severity::Error, "HA_LEASE_UPDATE_REJECTS_CAUSED_TERMINATION", reason);
      }
    }
    switch (row->outcome) {
      case Outcome::Stay: step = 16; break;
      case Outcome::To: transition(row->to, std::move(reason), now, out); break;
      case Outcome::Normal: transition(cfg_.normalState(), std::move(reason), now, out); break;
      case Outcome::SyncOrReady:
        if (cfg_.syncLeases) {
          transition(HaState::Syncing, std::move(reason), now, out);
        } else {
          transition(HaState::Ready, std::move(reason) + " (sync-leases is false: not synchronising)", now, out);
        }
        break;
      case Outcome::StartSync:
        if (!syncInFlight_ && !syncRetryAt_ && partner()) {
          syncInFlight_ = true;
          // Heartbeats pause while a sync runs (Kea stops them so they do not interfere).
          scheduleHeartbeat(now, out);
          const auto secs = std::chrono::duration_cast<std::chrono::seconds>(cfg_.syncTimeout);
          out.push_back(StartSync{partner()->name, std::max(secs, std::chrono::seconds(1))});
          log(out, Severity::Info, "HA_SYNC_START", fmt::format("synchronising leases from {}", partner()->name));
        }
        step = 16;
        break;
      case Outcome::ReplayBacklog:
        if (!replayInFlight_ && !resetInFlight_ && partner()) {
          replayInFlight_ = true;
          out.push_back(ReplayBacklog{partner()->name});
        }
        step = 16;
        break;
      case Outcome::SendHaReset:
        if (!replayInFlight_ && !resetInFlight_ && partner()) {
          resetInFlight_ = true;
          out.push_back(SendHaReset{partner()->name});
        }
        step = 16;
        break;
    }
  }
  armCommunicationCheck(now, out);
}

// ---- events -------------------------------------------------------------------------------

void HaMachine::on(const Start&, SteadyTime now, Out& out) {
  if (started_) return;
  started_ = true;
  detector_ = heartbeat::FailureDetector(detectorConfig(cfg_), now);
  state_ = HaState::Waiting;
  stateSince_ = now;
  reason_ = "service started";
  log(out, Severity::Info, "HA_SERVICE_STARTED",
      fmt::format("{}: HA service started in state waiting ({} mode, role {})", cfg_.thisServerName,
                  toString(cfg_.mode), toString(cfg_.thisServer().role)));
  enter(now, out);
  run(now, out);
}

void HaMachine::on(const HeartbeatAnswered& e, SteadyTime now, Out& out) {
  heartbeatInFlight_ = false;
  setPartnerState(e.partnerState, now);
  skew_.update(e.partnerTime, e.localTime);
  if (e.scopes) partnerScopes_ = *e.scopes;
  if (e.unsentUpdateCount) {
    partnerUnsentPrev_ = partnerUnsentLast_;
    partnerUnsentLast_ = *e.unsentUpdateCount;
    partnerUnsentKnown_ = true;
  }
  detector_.poke(now);
  commCheckArmedAt_.reset();
  scheduleHeartbeat(now, out);
  run(now, out);
}

void HaMachine::on(const HeartbeatFailed& e, SteadyTime now, Out& out) {
  heartbeatInFlight_ = false;
  setPartnerState(HaState::Unavailable, now);
  skew_.reset();
  const std::string peer = partner() ? partner()->name : std::string();
  log(out, Severity::Warn, "HA_HEARTBEAT_FAILED", fmt::format("heartbeat to {} failed: {}", peer, e.reason));
  if (detector_.interrupted(now)) {
    log(out, Severity::Warn, "HA_COMMUNICATION_INTERRUPTED",
        fmt::format("communication with {} is interrupted (no answer for {} s)", peer, detector_.ageSeconds(now)));
  }
  // The partner told us it synchronised from us, then vanished: serve again (reference 4.6
  // step 6). Kea forgets the flag after any heartbeat; we keep it while in partner-down so a
  // partner answering "syncing" once cannot leave us disabled.
  if (syncCompleteNotified_ && state_ == HaState::PartnerDown) {
    syncCompleteNotified_ = false;
    adjustNetworkState(out);
  }
  scheduleHeartbeat(now, out);
  run(now, out);
}

void HaMachine::on(const HeartbeatServed&, SteadyTime, Out& out) {
  if (handingOver_) endHandover("it has heard our state", out);
}

void HaMachine::on(const TimerFired& e, SteadyTime now, Out& out) {
  switch (e.id) {
    case TimerId::Heartbeat:
      heartbeatArmed_ = false;
      if (heartbeatsWanted() && !heartbeatInFlight_) {
        heartbeatInFlight_ = true;
        out.push_back(SendHeartbeat{partner()->name});
      }
      break;
    case TimerId::CommunicationCheck:
      commCheckArmedAt_.reset();
      run(now, out);
      break;
    case TimerId::SyncRetry:
      if (!syncRetryAt_) break;
      syncRetryAt_.reset();
      run(now, out);
      break;
    case TimerId::HandoverDrain: break;  // the service's own
  }
}

void HaMachine::on(const SyncFinished& e, SteadyTime now, Out& out) {
  if (!syncInFlight_) return;
  syncInFlight_ = false;
  if (state_ != HaState::Syncing) {
    scheduleHeartbeat(now, out);
    return;
  }
  if (e.ok) {
    backoff_.succeeded();
    log(out, Severity::Info, "HA_SYNC_SUCCESSFUL", fmt::format("lease database synchronised: {}", e.text));
    // A partner in partner-down serves our clients until we have heard it is back in its
    // normal state: ask soon (kHandoverPoll) instead of a heartbeat-delay from now.
    handoverPollUntil_ = now + kHandoverPollFor;
    transition(HaState::Ready, "lease database synchronised with the partner", now, out);
    scheduleHeartbeat(now, out);
    run(now, out);
  } else {
    // The shell already gave the partner its service back (dhcp-enable); its max-period
    // bounds the disable even if that did not arrive. Retry after a growing pause, not at
    // every heartbeat (ha/sync_backoff.h).
    const auto wait = backoff_.failed();
    syncRetryAt_ = now + wait;
    out.push_back(ArmTimer{TimerId::SyncRetry, *syncRetryAt_});
    const double secs = std::chrono::duration<double>(wait).count();
    log(out, Severity::Error, "HA_SYNC_FAILED",
        fmt::format("lease database synchronisation failed (attempt {}): {}; retrying in {:g} s", backoff_.failures(),
                    e.text, secs));
    reason_ =
        fmt::format("lease synchronisation failed ({}); retry {} in {:g} s", e.text, backoff_.failures() + 1, secs);
    scheduleHeartbeat(now, out);
  }
}

void HaMachine::on(const LeaseUpdateResult& e, SteadyTime now, Out& out) {
  const PeerConfig* peer = cfg_.find(e.peer);
  // Backup results never change our state (fire-and-forget, reference 6.2).
  if (!peer || peer->role == Role::Backup || peer->name == cfg_.thisServerName) return;
  // In partner-down after the partner synchronised from us, it must get every lease we hand
  // out; one it did not store counts as unsent (see on(SyncCompleteNotified)).
  if (state_ == HaState::PartnerDown && syncCompleteNotified_ && e.outcome != LeaseUpdateResult::Outcome::Ok) {
    noteSkippedUpdate();
  }
  switch (e.outcome) {
    case LeaseUpdateResult::Outcome::Ok: rejected_.reportSuccessful(e.client); return;
    case LeaseUpdateResult::Outcome::Conflict:
      rejected_.reportRejected(e.client, now);
      log(out, Severity::Warn, "HA_LEASE_UPDATE_CONFLICT",
          fmt::format("{} rejected a lease update (conflict): {}", e.peer, e.text));
      break;
    case LeaseUpdateResult::Outcome::Failed:
      // Kea marks the partner unavailable at once; the next good heartbeat restores it.
      setPartnerState(HaState::Unavailable, now);
      log(out, Severity::Warn, "HA_LEASE_UPDATE_FAILED", fmt::format("lease update to {} failed: {}", e.peer, e.text));
      break;
  }
  run(now, out);
}

void HaMachine::on(const PartnerQuerySeen& e, SteadyTime now, Out& out) {
  using A = heartbeat::FailureDetector::Analysis;
  const A a = detector_.analyze(e.hwAddr, e.clientId, e.secs, now);
  if (a == A::Ignored) return;
  if (a == A::Unacked) {
    log(out, Severity::Debug, "HA_COMMUNICATION_INTERRUPTED_CLIENT4_UNACKED",
        fmt::format("partner's client {} unanswered for {} s; {} unacked client(s), failover after more than {}",
                    toHexColon(e.hwAddr), heartbeat::FailureDetector::correctSecs(e.secs), detector_.unackedClients(),
                    cfg_.maxUnackedClients));
  }
  run(now, out);
}

void HaMachine::on(const BacklogOverflowed&, SteadyTime now, Out& out) {
  if (state_ != HaState::CommunicationRecovery || backlogOverflowed_) return;
  backlogOverflowed_ = true;
  log(out, Severity::Warn, "HA_LEASES_BACKLOG_OVERFLOWN",
      fmt::format("more than {} lease updates queued for the partner; a full resynchronisation will follow",
                  cfg_.delayedUpdatesLimit));
  run(now, out);
}

void HaMachine::on(const BacklogReplayFinished& e, SteadyTime now, Out& out) {
  if (!replayInFlight_) return;
  replayInFlight_ = false;
  if (state_ != HaState::CommunicationRecovery) return;
  if (e.ok) {
    log(out, Severity::Info, "HA_LEASES_BACKLOG_SUCCESS", "queued lease updates delivered to the partner");
    transition(cfg_.normalState(), "communication restored; queued lease updates delivered", now, out);
    run(now, out);
    return;
  }
  log(out, Severity::Warn, "HA_LEASES_BACKLOG_FAILED",
      fmt::format("replaying queued lease updates failed: {}", e.text));
  if (partner()) {
    resetInFlight_ = true;
    out.push_back(SendHaReset{partner()->name});
  }
}

void HaMachine::on(const HaResetFinished& e, SteadyTime now, Out& out) {
  if (!resetInFlight_) return;
  resetInFlight_ = false;
  if (state_ == HaState::PartnerDown) {
    // Still serving alone: the partner goes waiting and pulls our leases, then tells us with
    // ha-sync-complete-notify; a failure is retried at the next heartbeat.
    if (e.ok) {
      log(out, Severity::Info, "HA_RESET_SENT", "the partner accepted ha-reset and resynchronises from us");
    } else {
      log(out, Severity::Warn, "HA_RESET_FAILED", fmt::format("ha-reset to the partner failed: {}", e.text));
    }
    return;
  }
  if (state_ != HaState::CommunicationRecovery) return;
  if (e.ok) {
    transition(HaState::Waiting, "partner accepted ha-reset; both servers resynchronise", now, out);
    run(now, out);
  } else {
    log(out, Severity::Warn, "HA_RESET_FAILED", fmt::format("ha-reset to the partner failed: {}", e.text));
  }
}

void HaMachine::on(const MaintenanceNotifyFinished& e, SteadyTime now, Out& out) {
  const Maintenance op = maintenance_;
  maintenance_ = Maintenance::None;
  if (op == Maintenance::Starting) {
    if (e.transportError || e.result == 1) {
      // The partner is presumably already down (reference 2.6).
      viaMaintenance_ = true;
      transition(HaState::PartnerDown, "maintenance start: partner did not answer, assuming it is down", now, out);
      out.push_back(CommandAnswer{0,
                                  "Server is now in the partner-down state as its partner appears to be offline "
                                  "for maintenance.",
                                  nullptr});
      run(now, out);
    } else if (e.result == 0) {
      transition(HaState::PartnerInMaintenance, "maintenance started by the operator; partner is in-maintenance", now,
                 out);
      out.push_back(CommandAnswer{0,
                                  "Server is now in the partner-in-maintenance state and its partner is in "
                                  "in-maintenance state. The partner can be now safely shut down.",
                                  nullptr});
      run(now, out);
    } else {
      out.push_back(CommandAnswer{1,
                                  fmt::format("Unable to transition to the partner-in-maintenance state. The "
                                              "partner server responded with the following message to the "
                                              "ha-maintenance-notify command: {}.",
                                              e.text),
                                  nullptr});
    }
    return;
  }
  if (op == Maintenance::Canceling) {
    if (e.transportError || e.result != 0) {
      out.push_back(CommandAnswer{1,
                                  fmt::format("Unable to cancel maintenance. The partner server responded with "
                                              "the following message to the ha-maintenance-notify command: {}.",
                                              e.transportError ? "no answer (" + e.text + ")" : e.text),
                                  nullptr});
      return;
    }
    if (e.partnerState) setPartnerState(*e.partnerState, now);
    const HaState back = prevState_ == HaState::PartnerInMaintenance ? HaState::Waiting : prevState_;
    // Kea skips the model run right after a cancel so the reverted state is judged on the
    // next heartbeat, not on the partner state recorded before maintenance.
    transition(back, "maintenance canceled by the operator", now, out);
    out.push_back(CommandAnswer{0, "Server maintenance successfully canceled.", nullptr});
  }
}

void HaMachine::on(const SyncCompleteNotified& e, SteadyTime now, Out& out) {
  // Kea (reference 4.6 step 6) stops serving in partner-down until the next heartbeat shows
  // the partner ready, because it would not send the partner the leases it hands out
  // meanwhile. tandemd keeps serving and sends them (updatePolicy: the partner holds all our
  // leases up to now and accepts updates while ready), so the clients see no gap; a failed
  // update counts as unsent, which makes us ask the partner to resynchronise before it joins
  // (Guard::LocalChangesUnsynced). We ask for the partner's state soon.
  if (state_ == HaState::PartnerDown) {
    syncCompleteNotified_ = true;
    // The partner now holds every lease we changed so far (the pull session handed over the
    // last ones).
    unsentAtPartnerSync_ = unsentUpdateCount_;
    handoverPollUntil_ = now + kHandoverPollFor;
    if (heartbeatsWanted() && !heartbeatInFlight_) {
      heartbeatArmed_ = false;
      scheduleHeartbeat(now, out);
    }
  }
  out.push_back(EnableDhcp{e.originId});
  out.push_back(CommandAnswer{0, "Server successfully notified about the synchronization completion.", nullptr});
}

void HaMachine::on(const DhcpServiceState& e, SteadyTime now, Out& out) {
  othersDisabled_ = e.disabledByOthers;
  run(now, out);
}

void HaMachine::on(const HaResetCommand&, SteadyTime now, Out& out) {
  if (state_ == HaState::Waiting) {
    out.push_back(CommandAnswer{0, "HA state machine already in WAITING state.", nullptr});
    return;
  }
  // Kea applies no state guard here, so this also leaves `terminated` (reference 2.4).
  transition(HaState::Waiting, "ha-reset received", now, out);
  out.push_back(CommandAnswer{0, "HA state machine reset.", nullptr});
  run(now, out);
}

void HaMachine::on(const HaContinueCommand&, SteadyTime now, Out& out) {
  if (!paused_) {
    out.push_back(CommandAnswer{0, "HA state machine is not paused.", nullptr});
    return;
  }
  paused_ = false;
  log(out, Severity::Info, "HA_STATE_MACHINE_CONTINUED", "HA state machine continues");
  out.push_back(CommandAnswer{0, "HA state machine continues.", nullptr});
  run(now, out);
}

void HaMachine::on(const MaintenanceStartCommand&, SteadyTime, Out& out) {
  switch (state_) {
    case HaState::Backup:
    case HaState::InMaintenance:
    case HaState::PartnerInMaintenance:
    case HaState::Terminated:
      out.push_back(CommandAnswer{1,
                                  fmt::format("Unable to transition the server from the {} to "
                                              "partner-in-maintenance state.",
                                              toString(state_)),
                                  nullptr});
      return;
    default: break;
  }
  if (!partner() || cfg_.mode == HaMode::PassiveBackup) {
    out.push_back(CommandAnswer{1, "Maintenance needs an active partner; this server has none.", nullptr});
    return;
  }
  if (maintenance_ != Maintenance::None) {
    out.push_back(CommandAnswer{1, "A maintenance request is already in progress.", nullptr});
    return;
  }
  maintenance_ = Maintenance::Starting;
  out.push_back(SendMaintenanceNotify{partner()->name, false, state_});
}

void HaMachine::on(const MaintenanceCancelCommand&, SteadyTime, Out& out) {
  if (state_ != HaState::PartnerInMaintenance) {
    out.push_back(CommandAnswer{1,
                                "Unable to cancel the maintenance for the server not in the "
                                "partner-in-maintenance state.",
                                nullptr});
    return;
  }
  if (maintenance_ != Maintenance::None) {
    out.push_back(CommandAnswer{1, "A maintenance request is already in progress.", nullptr});
    return;
  }
  maintenance_ = Maintenance::Canceling;
  out.push_back(SendMaintenanceNotify{partner()->name, true, prevState_});
}

void HaMachine::on(const MaintenanceNotifyCommand& e, SteadyTime now, Out& out) {
  if (e.cancel) {
    if (state_ != HaState::InMaintenance) {
      out.push_back(CommandAnswer{1,
                                  "Unable to cancel maintenance request because the server is not in the "
                                  "in-maintenance state.",
                                  nullptr});
      return;
    }
    if (e.senderState) setPartnerState(*e.senderState, now);
    const HaState back = prevState_ == HaState::InMaintenance ? HaState::Waiting : prevState_;
    transition(back, "partner canceled the maintenance", now, out);
    out.push_back(CommandAnswer{0, "Server maintenance canceled.", {{"state", toString(state_)}}});
    return;
  }
  switch (state_) {
    case HaState::Backup:
    case HaState::PartnerInMaintenance:
    case HaState::Terminated:
      // 1001, not 1: lets the partner tell "refused" from "unreachable" (reference 2.6).
      out.push_back(CommandAnswer{1001,
                                  fmt::format("Unable to transition the server from the {} to in-maintenance "
                                              "state.",
                                              toString(state_)),
                                  nullptr});
      return;
    default: break;
  }
  if (e.senderState) setPartnerState(*e.senderState, now);
  transition(HaState::InMaintenance, "partner started maintenance (ha-maintenance-notify)", now, out);
  out.push_back(CommandAnswer{0, "Server is in-maintenance state.", nullptr});
}

void HaMachine::on(const ScopesCommand& e, SteadyTime, Out& out) {
  if (auto r = filter_.serveScopes(e.scopes); !r) {
    out.push_back(CommandAnswer{1, r.error().message, nullptr});
    return;
  }
  handingOver_ = false;  // the operator's scopes stand until the next state change
  publishScopes(out);
  adjustNetworkState(out);
  log(out, Severity::Warn, "HA_SCOPES_SET",
      fmt::format("operator set served scopes to [{}] in state {}", fmt::join(e.scopes, ", "), toString(state_)));
  out.push_back(CommandAnswer{0, "New HA scopes configured.", nullptr});
}

// ---- queries ------------------------------------------------------------------------------

UpdatePolicy HaMachine::updatePolicy(const PeerConfig& peer) const noexcept {
  if (!cfg_.sendLeaseUpdates) return UpdatePolicy::Skip;
  if (peer.role == Role::Backup) return cfg_.waitBackupAck ? UpdatePolicy::SendAndWait : UpdatePolicy::SendNoWait;
  if (cfg_.thisServer().role == Role::Backup) return UpdatePolicy::Skip;
  switch (state_) {
    case HaState::CommunicationRecovery: return UpdatePolicy::Queue;
    case HaState::LoadBalancing:
    case HaState::HotStandby:
    case HaState::PartnerInMaintenance: return UpdatePolicy::SendAndWait;
    // The partner synchronised from us and waits in ready (on(SyncCompleteNotified)).
    case HaState::PartnerDown: return syncCompleteNotified_ ? UpdatePolicy::SendAndWait : UpdatePolicy::SkipCounted;
    default: return UpdatePolicy::SkipCounted;
  }
}

void HaMachine::noteSkippedUpdate() noexcept {
  // 0 is reserved for "just started": wrap to 1 (reference 6.4).
  unsentUpdateCount_ = unsentUpdateCount_ == std::numeric_limits<std::uint64_t>::max() ? 1 : unsentUpdateCount_ + 1;
}

HeartbeatReply HaMachine::heartbeatReply() const {
  return HeartbeatReply{state_, filter_.servedScopes(), unsentUpdateCount_};
}

HaStatus HaMachine::status(SteadyTime now) const {
  HaStatus s;
  s.mode = cfg_.mode;
  s.localName = cfg_.thisServerName;
  s.localRole = cfg_.thisServer().role;
  s.state = state_;
  s.stateReason = reason_;
  s.stateSince = stateSince_;
  s.scopes = filter_.servedScopes();
  s.unsentUpdateCount = unsentUpdateCount_;
  s.paused = paused_;
  s.syncFailures = backoff_.failures();
  s.syncRetryAt = syncRetryAt_;
  const PeerConfig* p = partner();
  s.hasRemote = p && cfg_.mode != HaMode::PassiveBackup && cfg_.thisServer().role != Role::Backup;
  if (!s.hasRemote) return s;
  s.remoteName = p->name;
  s.remoteRole = p->role;
  s.inTouch = partnerState_.has_value();
  s.age = detector_.ageSeconds(now);
  s.lastState = partnerState_;
  s.lastScopes = partnerScopes_;
  s.communicationInterrupted = detector_.interrupted(now);
  s.connectingClients = detector_.connectingClients();
  s.unackedClients = detector_.unackedClients();
  s.unackedClientsLeft = detector_.unackedClientsLeft(now);
  s.analyzedPackets = detector_.analyzedPackets();
  s.systemTime = skew_.localTimeAtSkew();
  if (skew_.known()) s.clockSkew = skew_.seconds();
  if (partnerUnsentKnown_) s.partnerUnsentUpdateCount = partnerUnsentLast_;
  return s;
}

}  // namespace tandem::ha
