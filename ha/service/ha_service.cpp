#include "ha/service/ha_service.h"

#include <algorithm>
#include <span>
#include <utility>

#include <fmt/format.h>

#include "ha/query_peek.h"
#include "ha/service/ha_sync_run.h"
#include "sync/bulk_apply_json.h"
#include "sync/tandem_sync_json.h"

namespace tandem::daemon {

namespace {

using nlohmann::json;

std::string originName(int origin) {
  // The daemon's dhcp-disable origins: 1000+ HA local (state machine), 2000+ HA remote. On a
  // hub each relationship's state machine has its own (1000 + index, as Kea's origin ids), so
  // one relationship leaving waiting does not enable what another still holds disabled.
  if (origin >= 2000) return "ha-partner";
  return origin <= 1000 ? std::string("ha-local") : fmt::format("ha-local-{}", origin - 1000);
}

}  // namespace

HaService::HaService(ha::HaConfig cfg, const config::Dhcp4Config& dhcp, api::ServerControl& control, Peers peers,
                     HaTimers& timers, Logger& log, const std::function<bool(std::uint32_t)>& inRelationship)
    : cfg_(cfg),
      control_(control),
      peers_(std::move(peers)),
      timers_(timers),
      log_(log),
      machine_(std::move(cfg)),
      split_(std::make_unique<ha::PoolSplit>(cfg_, dhcp, inRelationship)),
      alive_(std::make_shared<bool>(true)),
      // A puller that went silent for twice the page timeout is gone: drop its change log.
      pullSessions_(2 * cfg_.syncTimeout + std::chrono::seconds(10)),
      updates_(links(), machine_, delivered_, bulkApplyPeers_,
               [this](const std::string& peer, const json& args) { recordCapability(peer, args); }),
      requests_(links(), [this](const std::string& peer, const json& args) { recordCapability(peer, args); }),
      bulkApplyServer_(cfg_, control_, log_) {
  updates_.onPartnerAnswered([this] { checkHandoverDrain(); });
  for (const ha::PeerConfig& p : cfg_.peers) {
    if (p.name == cfg_.thisServerName) continue;
    if (p.role == ha::Role::Primary) backupSources_.insert(backupSources_.begin(), p.name);
    if (p.role == ha::Role::Secondary || p.role == ha::Role::Standby) backupSources_.push_back(p.name);
  }
}

HaService::~HaService() {
  *shortcutAlive_ = false;
  stop();
}

void HaService::start() {
  if (started_) return;
  started_ = true;
  if (split_->enabled()) {
    log_.info("HA_POOL_SPLIT", "{}: allocating new addresses only from the {} addresses of {} split pool range(s)",
              cfg_.thisServerName, split_->ownShare() == ha::PoolSplit::Share::Even ? "even" : "odd",
              split_->splitPools().size());
  }
  dispatch(ha::Start{});
  // Kea's backups never catch up; ours pull the database once at start (issue 4).
  if (cfg_.thisServer().role == ha::Role::Backup && cfg_.syncLeases && !backupSources_.empty()) {
    std::weak_ptr<bool> guard = alive_;
    timers_.arm(ha::TimerId::SyncRetry, control_.steadyNow(), [this, guard] {
      if (auto g = guard.lock(); g && *g) backupCatchUp(0);
    });
  }
}

void HaService::stop() {
  if (!started_) return;
  started_ = false;
  timers_.cancel(ha::TimerId::Heartbeat);
  timers_.cancel(ha::TimerId::CommunicationCheck);
  timers_.cancel(ha::TimerId::SyncRetry);
  timers_.cancel(ha::TimerId::HandoverDrain);
  for (auto& answer : drain_.takeAll()) answer();
  // Callbacks of cancelled requests run now; they must not drive the machine any more.
  *alive_ = false;
  alive_ = std::make_shared<bool>(true);
  for (auto& [name, t] : peers_) t->cancelAll();
  updates_.stop();
  if (run_ && run_->operatorRun && run_->done) run_->done(false, "HA service stopped");
  run_.reset();
  incoming_.reset();
  requests_.stop();
}

api::json HaService::heartbeatAnswer() {
  json answer = sync::heartbeatAnswerArgs(machine_.heartbeatReply(), control_.now());
  // Tandem's bulk sync (sync/tandem_sync_json.h); Kea ignores keys it does not know.
  answer[std::string(sync::kTandemSyncKey)] = sync::kTandemSyncVersion;
  answer[std::string(sync::kBulkApplyKey)] = sync::kBulkApplyVersion;
  return api::makeAnswer(api::kResultSuccess, sync::kHeartbeatText, std::move(answer));
}

const sync::DeliveryTracker* HaService::partnerDelivery() const {
  const ha::PeerConfig* partner = cfg_.partner();
  if (!partner) return nullptr;
  auto it = delivered_.find(partner->name);
  return it == delivered_.end() ? nullptr : &it->second;
}

void HaService::checkHandoverDrain() {
  if (!drain_.active()) return;
  std::vector<HaHandoverDrain::Answer> release;
  const auto outcome = drain_.poll(partnerDelivery(), control_.steadyNow(), release);
  if (outcome == HaHandoverDrain::Outcome::Waiting) return;
  timers_.cancel(ha::TimerId::HandoverDrain);
  if (outcome == HaHandoverDrain::Outcome::TimedOut) {
    log_.warn("HA_HANDOVER_DRAIN_TIMEOUT",
              "{}: lease updates to the partner still unanswered; answering its heartbeat anyway, before it takes "
              "us for dead",
              cfg_.thisServerName);
  }
  for (auto& answer : release) answer();
}

PeerTransport* HaService::transport(const std::string& peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? nullptr : it->second.get();
}

HaServiceLinks HaService::links() {
  return HaServiceLinks{cfg_,
                        control_,
                        log_,
                        [this](const std::string& peer) { return transport(peer); },
                        [this](const ha::HaEvent& event) { return dispatch(event); },
                        alive_};
}

// ---- machine plumbing -------------------------------------------------------------------

std::optional<ha::CommandAnswer> HaService::dispatch(const ha::HaEvent& event) {
  std::optional<ha::CommandAnswer> answer;
  const std::vector<ha::Action> actions = machine_.handle(event, control_.steadyNow());
  for (const ha::Action& a : actions) perform(a, answer);
  return answer;
}

void HaService::perform(const ha::Action& action, std::optional<ha::CommandAnswer>& answer) {
  std::visit(
      [&](const auto& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, ha::SendHeartbeat>) {
          requests_.sendHeartbeat(a.peer);
        } else if constexpr (std::is_same_v<A, ha::ArmTimer>) {
          std::weak_ptr<bool> guard = alive_;
          const ha::TimerId id = a.id;
          timers_.arm(id, a.at, [this, guard, id] {
            if (auto g = guard.lock(); g && *g) dispatch(ha::TimerFired{id});
          });
        } else if constexpr (std::is_same_v<A, ha::CancelTimer>) {
          timers_.cancel(a.id);
        } else if constexpr (std::is_same_v<A, ha::StartSync>) {
          std::weak_ptr<bool> guard = alive_;
          SyncDone toMachine = [this, guard](bool ok, const std::string& summary) {
            if (auto g = guard.lock(); g && *g) dispatch(ha::SyncFinished{ok, summary});
          };
          if (run_ && run_->operatorRun && run_->progress.peer == a.peer) {
            // An operator's ha-sync from the partner is already pulling: its outcome is ours.
            log_.info("HA_SYNC_JOINED", "{}: the state machine's sync joins the ha-sync from {} in progress",
                      cfg_.thisServerName, a.peer);
            run_->followers.push_back(std::move(toMachine));
          } else if (run_) {
            toMachine(false, "another lease database synchronisation is running (" + run_->progress.why + ")");
          } else {
            SyncOptions options{a.maxPeriod, "HA state machine in syncing: " + machine_.stateReason(), true, true};
            startSync(a.peer, std::move(options), std::move(toMachine));
          }
        } else if constexpr (std::is_same_v<A, ha::ServeScopes>) {
          log_.info("HA_LOCAL_SCOPES", "{}: serving scopes [{}]", cfg_.thisServerName, fmt::join(a.scopes, ", "));
        } else if constexpr (std::is_same_v<A, ha::DisableDhcp>) {
          setDhcp(a.origin, false);
        } else if constexpr (std::is_same_v<A, ha::EnableDhcp>) {
          setDhcp(a.origin, true);
        } else if constexpr (std::is_same_v<A, ha::SendHaReset>) {
          requests_.sendHaReset(a.peer);
        } else if constexpr (std::is_same_v<A, ha::ReplayBacklog>) {
          updates_.replayBacklog(a.peer);
        } else if constexpr (std::is_same_v<A, ha::ClearBacklog>) {
          updates_.clearBacklog();
        } else if constexpr (std::is_same_v<A, ha::SendMaintenanceNotify>) {
          if (auto nested = requests_.maintenanceNotify(a)) answer = std::move(nested);
        } else if constexpr (std::is_same_v<A, ha::SetPartnerShare>) {
          split_->setPartnerShareUsableFrom(a.usableFrom);
        } else if constexpr (std::is_same_v<A, ha::StateChanged>) {
          history_.record(control_.now(), a);
          if (stateObserver_) stateObserver_(a);
        } else if constexpr (std::is_same_v<A, ha::Log>) {
          if (log_.enabled(LogSource::HaHooks, a.severity, kDbgTraceBasic))
            log_.write(LogSource::HaHooks, a.severity, a.id, a.text);
        } else if constexpr (std::is_same_v<A, ha::CommandAnswer>) {
          answer = a;
        }
      },
      action);
}

void HaService::setDhcp(int origin, bool enable) {
  if (enable) {
    control_.enableDhcp(originName(origin));
  } else {
    control_.disableDhcp(originName(origin), std::nullopt);
  }
}

// ---- scopes and lease updates ---------------------------------------------------------------

bool HaService::shouldServe(const proto::Packet4& query, engine::RecvMeta& meta) {
  return shouldServe(query, meta.classes);
}

bool HaService::shouldServe(const proto::Packet4& query, std::vector<std::string>& classes) {
  const auto type = query.messageType();
  const auto clientId = query.clientId();
  ha::QueryView view;
  view.messageType = type ? static_cast<std::uint8_t>(*type) : 0;
  if (clientId) view.clientId = *clientId;
  view.hwAddr = std::span<const std::uint8_t>(query.chaddr.data(), std::min<std::size_t>(query.hlen, 16));
  const ha::ScopeDecision d = machine_.scopeFilter().classify(view);
  if (!d.scopeClass.empty()) classes.push_back(d.scopeClass);
  if (d.inScope) return true;
  // Kea analyses only the partner's clients, and only while communication is interrupted
  // (reference 3.3); the detector ignores the rest, so skip building the event.
  if (ha::ScopeFilter::isHaType(view.messageType) && !d.scope.empty() &&
      machine_.communicationInterrupted(control_.steadyNow())) {
    ha::PartnerQuerySeen seen;
    seen.hwAddr.assign(view.hwAddr.begin(), view.hwAddr.end());
    if (clientId) seen.clientId = *clientId;
    seen.secs = query.secs;
    dispatch(seen);
  }
  return false;
}

std::uint8_t HaService::partnerQueryType(std::span<const std::uint8_t> wire) const {
  const auto view = ha::peekQuery(wire);
  if (!view || !machine_.scopeFilter().isPartnerQuery(*view)) return 0;
  if (machine_.communicationInterrupted(control_.steadyNow())) return 0;
  return view->messageType;
}

bool HaService::servesScopeOf(const Lease& lease) const {
  const std::string scope = machine_.scopeFilter().scopeOf(lease.clientId, lease.hwAddr.view());
  return !scope.empty() && machine_.scopeFilter().amServing(scope);
}

void HaService::onLeasesCommitted(const std::vector<engine::LeaseChange>& changes, Done done) {
  // Numbered for a partner's delta resync; which ones reach each partner HaLeaseUpdates tracks.
  std::vector<std::uint64_t> seqs;
  seqs.reserve(changes.size());
  for (const auto& c : changes) {
    seqs.push_back(c.kind == engine::LeaseChange::Kind::Upsert ? changeHistory_.record(c.lease.address)
                                                               : changeHistory_.record(c.lease.address, c.lease.cltt));
  }
  // Peers pulling our database while we keep serving get these with their next page.
  if (!pullSessions_.empty()) {
    const SteadyTime now = control_.steadyNow();
    for (const auto& c : changes) {
      if (c.kind == engine::LeaseChange::Kind::Upsert) {
        pullSessions_.recordUpsert(c.lease, now);
      } else {
        pullSessions_.recordDelete(c.lease, now);
      }
    }
  }
  updates_.send(changes, seqs, std::move(done));
}

void HaService::onLeaseWrittenByCommand(const Lease& stored) {
  if (applyingSync_) return;
  // From the partner (it holds it) or an operator (replicated through onLeasesCommitted,
  // which numbers and tracks it again).
  changeHistory_.record(stored.address);
  if (incoming_) incoming_->upsert(stored);
  pullSessions_.recordUpsert(stored, control_.steadyNow());
}

void HaService::onLeaseDeletedByCommand(Ipv4 address, const std::optional<Lease>& existing) {
  if (applyingSync_) return;
  const TimePoint now = control_.now();
  if (existing) {
    changeHistory_.record(address, existing->cltt);
    if (incoming_) incoming_->erase(*existing);
    pullSessions_.recordDelete(*existing, control_.steadyNow());
    return;
  }
  // Not here (yet): remember "deleted now", so a page copy older than this instant is
  // removed again after the pages. (Only a re-allocation within the same second would be
  // taken for the deleted lease; the partner's next update for it restores it.)
  if (!incoming_) return;
  Lease tombstone;
  tombstone.address = address;
  tombstone.cltt = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  incoming_->erase(tombstone);
}

bool HaService::peerHasBulkApply(const std::string& peer) const {
  auto it = bulkApplyPeers_.find(peer);
  return it != bulkApplyPeers_.end() && it->second;
}

// ---- commands and status --------------------------------------------------------------------

std::optional<api::json> HaService::checkServerName(const api::json& args) const {
  if (!args.is_object()) return std::nullopt;
  auto it = args.find("server-name");
  if (it == args.end()) return std::nullopt;
  if (!it->is_string()) return api::makeAnswer(api::kResultError, "'server-name' must be a string");
  if (!cfg_.find(it->get<std::string>())) {
    return api::makeAnswer(api::kResultError,
                           "server name '" + it->get<std::string>() + "' not found in the HA configuration");
  }
  return std::nullopt;
}

void HaService::registerCommands(api::CommandRegistry& registry) {
  using api::CommandContext;
  registry.addAsync("ha-heartbeat", [this](const api::json& args, const CommandContext&, api::CommandReply reply) {
    if (auto err = checkServerName(args)) return reply(*err);
    if (auto why = localFailure_ ? localFailure_() : std::nullopt) {
      if (!localFailing_) {
        log_.error("HA_LOCAL_LEASE_DATABASE_FAILING",
                   "{}: leases cannot be made durable ({}): answering the partner's heartbeats with an error so it "
                   "takes over our clients",
                   cfg_.thisServerName, *why);
        localFailing_ = true;
      }
      return reply(
          api::makeAnswer(api::kResultError, fmt::format("{} cannot store leases: {}", cfg_.thisServerName, *why)));
    }
    if (localFailing_) {
      log_.info("HA_LOCAL_LEASE_DATABASE_RECOVERED", "{}: leases are durable again: answering heartbeats",
                cfg_.thisServerName);
      localFailing_ = false;
    }
    // The partner learns our state from this answer: a hand-over ends now (ha_machine.h), so
    // the answer already shows the scopes we keep, and we stop serving the partner's clients
    // before it can start. Kea 2.2 sends no server-name; a backup's probe (tandemd) names
    // itself and does not count.
    const auto name = args.find("server-name");  // end() when args is not an object
    const ha::PeerConfig* from =
        name != args.end() && name->is_string() ? cfg_.find(name->get_ref<const std::string&>()) : nullptr;
    if (from && from->role == ha::Role::Backup) return reply(heartbeatAnswer());
    const bool endsHandover = machine_.handingOver();
    dispatch(ha::HeartbeatServed{});
    const sync::DeliveryTracker* track = partnerDelivery();
    if (endsHandover && track) {
      // The partner must hold what we gave its clients before it serves them (ha_handover_drain.h).
      const auto cap = std::min<std::chrono::milliseconds>(kHandoverDrainCap, cfg_.maxResponseDelay / 2);
      drain_.begin(track->newestInFlight(), control_.steadyNow() + cap);
      if (drain_.active()) {
        log_.info("HA_HANDOVER_DRAIN",
                  "{}: answering the partner's heartbeat once it has answered the {} lease update(s) in flight "
                  "(at most {} ms): it must hold the leases we gave its clients before it serves them",
                  cfg_.thisServerName, track->inFlight(), cap.count());
        std::weak_ptr<bool> guard = alive_;
        timers_.arm(ha::TimerId::HandoverDrain, drain_.deadline(), [this, guard] {
          if (auto g = guard.lock(); g && *g) checkHandoverDrain();
        });
      }
    }
    if (drain_.active()) {
      drain_.park([this, reply = std::move(reply)] { reply(heartbeatAnswer()); });
      return checkHandoverDrain();
    }
    reply(heartbeatAnswer());
  });
  registry.add("ha-scopes", [this](const api::json& args, const CommandContext&) {
    auto scopes = sync::parseScopesArgs(args);
    if (!scopes) return api::makeAnswer(api::kResultError, scopes.error().message);
    return commandAnswerJson(dispatch(*scopes));
  });
  registry.add("ha-continue", [this](const api::json&, const CommandContext&) {
    return commandAnswerJson(dispatch(ha::HaContinueCommand{}));
  });
  registry.add("ha-reset", [this](const api::json& args, const CommandContext&) {
    if (auto err = checkServerName(args)) return *err;
    return commandAnswerJson(dispatch(ha::HaResetCommand{}));
  });
  registry.addAsync("ha-maintenance-start", [this](const api::json&, const CommandContext&, api::CommandReply reply) {
    requests_.maintenanceCommand(ha::MaintenanceStartCommand{}, std::move(reply));
  });
  registry.addAsync("ha-maintenance-cancel", [this](const api::json&, const CommandContext&, api::CommandReply reply) {
    requests_.maintenanceCommand(ha::MaintenanceCancelCommand{}, std::move(reply));
  });
  registry.add("ha-maintenance-notify", [this](const api::json& args, const CommandContext&) {
    if (auto err = checkServerName(args)) return *err;
    auto cmd = sync::parseMaintenanceNotify(args);
    if (!cmd) return api::makeAnswer(api::kResultError, cmd.error().message);
    return commandAnswerJson(dispatch(*cmd));
  });
  registry.add("ha-sync-complete-notify", [this](const api::json& args, const CommandContext&) {
    if (auto err = checkServerName(args)) return *err;
    auto origin = sync::parseOrigin(args, cfg_.remoteOrigin());
    if (!origin) return api::makeAnswer(api::kResultError, origin.error().message);
    return commandAnswerJson(dispatch(ha::SyncCompleteNotified{*origin}));
  });
  registry.addAsync("ha-sync", [this](const api::json& args, const CommandContext&, api::CommandReply reply) {
    if (!args.is_object()) return reply(api::makeAnswer(api::kResultError, "arguments missing or not a map"));
    auto name = args.find("server-name");
    if (name == args.end() || !name->is_string()) {
      return reply(api::makeAnswer(api::kResultError, "'server-name' is mandatory for the 'ha-sync' command"));
    }
    const std::string peer = name->get<std::string>();
    if (peer == cfg_.thisServerName) {
      return reply(api::makeAnswer(api::kResultError, "'server-name' must name another server than this one"));
    }
    if (!cfg_.find(peer)) return reply(api::makeAnswer(api::kResultError, "server name '" + peer + "' not found"));
    std::optional<std::uint32_t> maxPeriod;
    if (auto mp = args.find("max-period"); mp != args.end()) {
      if (!mp->is_number_integer() || mp->get<std::int64_t>() <= 0 || mp->get<std::int64_t>() > INT64_C(0xffffffff)) {
        return reply(api::makeAnswer(api::kResultError, "'max-period' must be a positive integer"));
      }
      maxPeriod = mp->get<std::uint32_t>();
    }
    startOperatorSync(peer, maxPeriod, std::move(reply));
  });
  registry.add(std::string(sync::kSyncPageCommand),
               [this](const api::json& args, const CommandContext&) { return servePage(args); });
  registry.add(std::string(sync::kBulkApplyCommand),
               [this](const api::json& args, const CommandContext&) { return bulkApplyServer_.serve(args); });
  // The same command read straight from its body text (no JSON tree of the batch). The
  // registry outlives this service (the daemon's): once we are gone the shortcut declines.
  registry.setTextShortcut([this, &registry, alive = shortcutAlive_](std::string_view body, const CommandContext&,
                                                                     std::function<void(std::string)>& done) {
    return *alive && bulkApplyServer_.serveText(body, registry, done);
  });
  registry.add(std::string(sync::kSyncDoneCommand),
               [this](const api::json& args, const CommandContext&) { return serveDone(args); });
}

nlohmann::json HaService::statusSection() const {
  const TimePoint now = control_.now();
  const SteadyTime steadyNow = control_.steadyNow();
  const ha::HaStatus st = machine_.status(steadyNow);
  json section = sync::statusHaSection(st, now);
  const bool backup = cfg_.thisServer().role == ha::Role::Backup;
  std::optional<sync::SyncProgress> running;
  if (run_) running = run_->progress;
  // The retry deadline and the sync's start are steady time (sync/sync_status.h).
  section["ha-servers"]["local"]["sync"] = sync::syncStatusJson(running, syncLast_,
                                                                backup ? backupBackoff_.failures() : st.syncFailures,
                                                                backup ? backupRetryAt_ : st.syncRetryAt, steadyNow);
  // Tandem's batched lease updates (only to tandemd peers that announced them).
  json batched = json::object();
  for (const auto& [peer, on] : bulkApplyPeers_) batched[peer] = on;
  section["ha-servers"]["local"]["bulk-apply"] = {{"peers", std::move(batched)},
                                                  {"requests", updates_.bulkRequests()},
                                                  {"leases", updates_.bulkLeases()}};
  section["ha-servers"]["local"]["state-history"] = history_.toJson(now);
  return json::array({std::move(section)});
}

std::optional<sync::SyncProgress> HaService::syncProgress() const {
  if (!run_) return std::nullopt;
  return run_->progress;
}

std::uint32_t HaService::syncFailures() const noexcept {
  return cfg_.thisServer().role == ha::Role::Backup ? backupBackoff_.failures() : machine_.syncFailures();
}

engine::Engine::AllocFilter HaService::allocFilter() const {
  return split_->allocFilter([this] { return control_.steadyNow(); });
}

}  // namespace tandem::daemon
