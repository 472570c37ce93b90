#include "ha/service/ha_service.h"

#include <algorithm>
#include <span>
#include <utility>

#include <fmt/format.h>

#include "ha/service/ha_sync_run.h"
#include "heartbeat/client_key.h"
#include "heartbeat/http_date.h"
#include "dhcpd/api/lease_json.h"
#include "sync/bulk_apply_json.h"
#include "sync/bulk_apply_reader.h"
#include "sync/lease_merge.h"
#include "sync/tandem_sync_json.h"

namespace tandem::daemon {

namespace {

using nlohmann::json;

// Kea's HA client uses 10 s for every peer command but the page fetch (reference 3.1).
constexpr std::chrono::milliseconds kRequestTimeout{10000};

Result<sync::PeerAnswer> toPeerAnswer(const Result<json>& r) {
  if (!r) return r.error();
  // The transport hands over the answer map; the HA rules are written for Kea's list.
  return sync::parsePeerAnswer(json::array({*r}));
}

// Kea's form of one lease change: lease4-update (upsert) or lease4-del (reference 6.1).
json singleUpdateCommand(const Lease& lease, bool upsert) {
  return sync::makeCommand(upsert ? "lease4-update" : "lease4-del",
                           upsert ? sync::leaseUpdateArgs(lease) : sync::leaseDelArgs(lease));
}

// Sends one change as Kea does; `done` gets its outcome.
void sendSingleUpdate(PeerTransport& t, const Lease& lease, bool upsert, sync::UpdateBatcher::Callback done) {
  t.send(singleUpdateCommand(lease, upsert), kRequestTimeout, [done = std::move(done), lease](Result<json> r) {
    auto answer = toPeerAnswer(r);
    done(sync::classifyLeaseUpdateAnswer(answer), answer ? answer->text : answer.error().message, lease);
  });
}

heartbeat::ClientKey keyOf(const Lease& l) { return heartbeat::ClientKey::of(l.hwAddr.view(), l.clientId); }

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
      backlog_(cfg_.delayedUpdatesLimit),
      alive_(std::make_shared<bool>(true)),
      // A puller that went silent for twice the page timeout is gone: drop its change log.
      pullSessions_(2 * cfg_.syncTimeout + std::chrono::seconds(10)) {
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
  // Callbacks of cancelled requests run now; they must not drive the machine any more.
  *alive_ = false;
  alive_ = std::make_shared<bool>(true);
  for (auto& [name, t] : peers_) t->cancelAll();
  probes_.clear();
  // Batched changes not sent yet: their parked replies are released (and dropped).
  for (auto& [name, b] : batchers_) {
    for (auto& item : b.takePending()) {
      if (item.done) item.done(ha::LeaseUpdateResult::Outcome::Failed, "HA service stopped", item.lease);
    }
  }
  if (run_ && run_->operatorRun && run_->done) run_->done(false, "HA service stopped");
  run_.reset();
  incoming_.reset();
  if (auto reply = std::exchange(maintenanceReply_, nullptr)) {
    reply(api::makeAnswer(api::kResultError, "HA service stopped before the partner answered"));
  }
}

PeerTransport* HaService::transport(const std::string& peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? nullptr : it->second.get();
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
          sendHeartbeat(a.peer);
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
          sendHaReset(a.peer);
        } else if constexpr (std::is_same_v<A, ha::ReplayBacklog>) {
          replayBacklog(a.peer);
        } else if constexpr (std::is_same_v<A, ha::ClearBacklog>) {
          backlog_.clear();
        } else if constexpr (std::is_same_v<A, ha::SendMaintenanceNotify>) {
          if (auto nested = maintenanceNotify(a)) answer = std::move(nested);
        } else if constexpr (std::is_same_v<A, ha::SetPartnerShare>) {
          split_->setPartnerShareUsableFrom(a.usableFrom);
        } else if constexpr (std::is_same_v<A, ha::StateChanged>) {
          history_.push_back({control_.now(), a});
          if (history_.size() > kHistoryLength) history_.pop_front();
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

// ---- heartbeats, reset, backlog, maintenance -----------------------------------------------

void HaService::sendHeartbeat(const std::string& peer) {
  PeerTransport* t = transport(peer);
  if (!t) return;
  // Never wait longer than max-response-delay for one answer: a partner that hangs (rather
  // than refusing connections) is then detected on time instead of after Kea's fixed 10 s.
  const auto timeout = std::min(kRequestTimeout, std::max(cfg_.maxResponseDelay, std::chrono::milliseconds(1000)));
  std::weak_ptr<bool> guard = alive_;
  t->send(sync::makeCommand("ha-heartbeat", sync::heartbeatArgs(cfg_.thisServerName)), timeout,
          [this, guard, peer](Result<json> r) {
            if (auto g = guard.lock(); !g || !*g) return;
            auto answer = toPeerAnswer(r);
            if (answer && answer->result == sync::kResultSuccess) recordCapability(peer, answer->arguments);
            if (!answer) {
              dispatch(ha::HeartbeatFailed{answer.error().message});
              return;
            }
            if (answer->result != sync::kResultSuccess) {
              dispatch(ha::HeartbeatFailed{fmt::format("result {}: {}", answer->result, answer->text)});
              return;
            }
            auto hb = sync::parseHeartbeatAnswer(*answer);
            if (!hb) {
              dispatch(ha::HeartbeatFailed{hb.error().message});
              return;
            }
            hb->localTime = control_.now();
            dispatch(*hb);
          });
}

void HaService::sendHaReset(const std::string& peer) {
  PeerTransport* t = transport(peer);
  if (!t) return;
  std::weak_ptr<bool> guard = alive_;
  t->send(sync::makeCommand("ha-reset", sync::haResetArgs(cfg_.thisServerName)), kRequestTimeout,
          [this, guard](Result<json> r) {
            if (auto g = guard.lock(); !g || !*g) return;
            auto answer = toPeerAnswer(r);
            const bool ok = answer && answer->result == sync::kResultSuccess;
            dispatch(ha::HaResetFinished{ok, answer ? answer->text : answer.error().message});
          });
}

void HaService::replayBacklog(const std::string& peer) {
  log_.info("HA_LEASES_BACKLOG_START", "sending {} queued lease update(s) to {}", backlog_.size(), peer);
  replayNext(peer);
}

void HaService::replayNext(const std::string& peer) {
  // In order, one at a time, stopping at the first failure (reference 6.3).
  PeerTransport* t = transport(peer);
  const sync::LeaseUpdateBacklog::Entry* e = backlog_.front();
  if (!e || !t) {
    dispatch(ha::BacklogReplayFinished{t != nullptr, t ? "" : "no transport"});
    return;
  }
  const bool add = e->op == sync::LeaseUpdateBacklog::Op::Add;
  std::weak_ptr<bool> guard = alive_;
  t->send(singleUpdateCommand(e->lease, add), kRequestTimeout, [this, guard, peer](Result<json> r) {
    if (auto g = guard.lock(); !g || !*g) return;
    const auto outcome = sync::classifyLeaseUpdateAnswer(toPeerAnswer(r));
    if (outcome != ha::LeaseUpdateResult::Outcome::Ok) {
      dispatch(ha::BacklogReplayFinished{false, r ? r->dump() : r.error().message});
      return;
    }
    (void)backlog_.pop();
    replayNext(peer);
  });
}

std::optional<ha::CommandAnswer> HaService::maintenanceNotify(const ha::SendMaintenanceNotify& a) {
  PeerTransport* t = transport(a.peer);
  if (!t) return dispatch(sync::maintenanceNotifyFinished(toPeerAnswer(makeError("no transport to " + a.peer))));
  std::weak_ptr<bool> guard = alive_;
  t->send(sync::makeCommand("ha-maintenance-notify",
                            sync::maintenanceNotifyArgs(cfg_.thisServerName, a.cancel, a.state)),
          kRequestTimeout, [this, guard](Result<json> r) {
            if (auto g = guard.lock(); !g || !*g) return;
            auto answer = dispatch(sync::maintenanceNotifyFinished(toPeerAnswer(r)));
            if (auto reply = std::exchange(maintenanceReply_, nullptr)) reply(answerOf(answer));
          });
  return std::nullopt;
}

void HaService::maintenanceCommand(const ha::HaEvent& command, api::CommandReply reply) {
  // The machine refuses a second request while one is in flight ("already in progress"),
  // so at most one reply is ever pending. The partner's answer comes on a later turn of
  // the event loop (PeerTransport::send never calls back from inside send()).
  auto answer = dispatch(command);
  if (answer || maintenanceReply_) return reply(answerOf(answer));
  maintenanceReply_ = std::move(reply);
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

bool HaService::servesScopeOf(const Lease& lease) const {
  const std::string scope = machine_.scopeFilter().scopeOf(lease.clientId, lease.hwAddr.view());
  return !scope.empty() && machine_.scopeFilter().amServing(scope);
}

void HaService::onLeasesCommitted(const std::vector<engine::LeaseChange>& changes, Done done) {
  // Numbered for a partner's delta resync; which ones reach each partner is tracked below.
  std::vector<std::uint64_t> seqs;
  seqs.reserve(changes.size());
  for (const auto& c : changes) {
    seqs.push_back(c.kind == engine::LeaseChange::Kind::Upsert ? changeHistory_.record(c.lease.address)
                                                               : changeHistory_.record(c.lease.address, c.lease.cltt));
  }
  // Peers pulling our database while we keep serving get these with their next page.
  if (!pullSessions_.empty()) {
    const TimePoint now = control_.now();
    for (const auto& c : changes) {
      if (c.kind == engine::LeaseChange::Kind::Upsert) {
        pullSessions_.recordUpsert(c.lease, now);
      } else {
        pullSessions_.recordDelete(c.lease, now);
      }
    }
  }
  struct Pending {
    std::size_t outstanding = 1;  // this call's own reference, released at the end
    bool ok = true;
    Done done;
  };
  auto pending = std::make_shared<Pending>();
  pending->done = std::move(done);
  auto release = [](const std::shared_ptr<Pending>& p, bool ok) {
    if (!ok) p->ok = false;
    if (--p->outstanding == 0 && p->done) {
      Done d = std::move(p->done);
      d(p->ok);
    }
  };

  bool skipped = false, overflow = false;
  if (!changes.empty()) {
    for (const ha::PeerConfig* peer : cfg_.otherPeers()) {
      const ha::UpdatePolicy policy = machine_.updatePolicy(*peer);
      // Backups catch up in full at start and never ask for a delta.
      sync::DeliveryTracker* track = peer->role != ha::Role::Backup ? &delivered_[peer->name] : nullptr;
      auto missAll = [&] {
        if (track)
          for (std::uint64_t seq : seqs) track->missed(seq);
      };
      switch (policy) {
        case ha::UpdatePolicy::Skip: missAll(); continue;
        case ha::UpdatePolicy::SkipCounted:
          skipped = true;
          missAll();
          continue;
        case ha::UpdatePolicy::Queue:
          // The replay may deliver them, but a delta must not count on it.
          missAll();
          for (const auto& c : changes) {
            const auto op = c.kind == engine::LeaseChange::Kind::Upsert ? sync::LeaseUpdateBacklog::Op::Add
                                                                        : sync::LeaseUpdateBacklog::Op::Delete;
            if (!backlog_.push(op, c.lease)) overflow = true;
          }
          continue;
        case ha::UpdatePolicy::SendAndWait:
        case ha::UpdatePolicy::SendNoWait: break;
      }
      PeerTransport* t = transport(peer->name);
      const bool wait = policy == ha::UpdatePolicy::SendAndWait;
      if (!t) {
        if (wait) pending->ok = false;
        missAll();
        continue;
      }
      const bool partner = peer->role != ha::Role::Backup;
      const bool bulk = peerHasBulkApply(peer->name);
      // Backups get no heartbeats (Kea sends none), so ask them now and then what they take.
      if (!bulk && !partner) probeCapability(peer->name);
      for (std::size_t i = 0; i < changes.size(); ++i) {
        const auto& c = changes[i];
        const bool upsert = c.kind == engine::LeaseChange::Kind::Upsert;
        if (wait) ++pending->outstanding;
        if (track) track->sent(seqs[i]);
        std::weak_ptr<bool> guard = alive_;
        // Small capture (one heap block per change, no copy of the changes): the peer's config
        // and tracker are the service's (they live as long as `guard` does), the lease comes
        // back with the outcome, and the client key is derived only when the state machine
        // needs it.
        sync::UpdateBatcher::Callback onOutcome = [this, guard, pending, wait, release, upsert, seq = seqs[i], track,
                                                   peer](ha::LeaseUpdateResult::Outcome outcome,
                                                         const std::string& text, const Lease& lease) {
          using O = ha::LeaseUpdateResult::Outcome;
          // A backup's results never change our state (reference 6.2: the machine ignores
          // them), so only the partner's (track set) are looked at.
          if (auto g = guard.lock(); g && *g && track) {
            if (outcome == O::Ok) {
              track->acknowledged(seq);
            } else {
              track->missed(seq);
            }
            // An acknowledged update only clears the client's rejected-update record:
            // with none recorded the machine has nothing to do (HaMachine::on).
            if (outcome != O::Ok || machine_.hasRejectedUpdates()) {
              ha::LeaseUpdateResult ev;
              ev.peer = peer->name;
              ev.outcome = outcome;
              ev.client = keyOf(lease);
              ev.text = text;
              dispatch(ev);
            }
            if (outcome == O::Failed) {
              engine::LeaseChange failed;
              failed.kind = upsert ? engine::LeaseChange::Kind::Upsert : engine::LeaseChange::Kind::Delete;
              failed.lease = lease;
              queueFailedUpdate(peer->name, failed);
            }
          }
          // Kea drops the reply on any failed required update, conflicts included.
          if (wait) release(pending, outcome == ha::LeaseUpdateResult::Outcome::Ok);
        };
        if (bulk) {
          batcher(peer->name).add(c.lease, upsert, std::move(onOutcome));
          continue;
        }
        sendSingleUpdate(*t, c.lease, upsert, std::move(onOutcome));
      }
      if (bulk) flushBatches(peer->name);
    }
  }
  if (skipped) machine_.noteSkippedUpdate();
  if (overflow) dispatch(ha::BacklogOverflowed{});
  release(pending, true);
}

void HaService::onLeaseWrittenByCommand(const Lease& stored) {
  if (applyingSync_) return;
  // From the partner (it holds it) or an operator (replicated through onLeasesCommitted,
  // which numbers and tracks it again).
  changeHistory_.record(stored.address);
  if (incoming_) incoming_->upsert(stored);
  pullSessions_.recordUpsert(stored, control_.now());
}

void HaService::onLeaseDeletedByCommand(Ipv4 address, const std::optional<Lease>& existing) {
  if (applyingSync_) return;
  const TimePoint now = control_.now();
  if (existing) {
    changeHistory_.record(address, existing->cltt);
    if (incoming_) incoming_->erase(*existing);
    pullSessions_.recordDelete(*existing, now);
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

void HaService::queueFailedUpdate(const std::string& peer, const engine::LeaseChange& change) {
  // Kea forgets an update whose sending failed: the reply is dropped, but the lease stays
  // committed here, and when communication-recovery ends with a successful backlog replay the
  // pair returns to load-balancing WITHOUT a resync, so the partner would never learn it
  // (seen with a Kea 2.2 partner: each side missed its first lease after a partition). The
  // failure just moved the machine to communication-recovery, so the change joins the backlog.
  // Only if nothing newer for the address is queued already (a late failure must not replay
  // an older lease over a newer one), and only while the machine queues (if it went anywhere
  // else, the partner resynchronises from us before serving again).
  const ha::PeerConfig* p = cfg_.find(peer);
  if (!p || machine_.updatePolicy(*p) != ha::UpdatePolicy::Queue || backlog_.holds(change.lease.address)) return;
  const auto op = change.kind == engine::LeaseChange::Kind::Upsert ? sync::LeaseUpdateBacklog::Op::Add
                                                                   : sync::LeaseUpdateBacklog::Op::Delete;
  if (!backlog_.push(op, change.lease)) dispatch(ha::BacklogOverflowed{});
}

// ---- batched lease updates (tandemd peers) ------------------------------------------------

bool HaService::peerHasBulkApply(const std::string& peer) const {
  auto it = bulkApplyPeers_.find(peer);
  return it != bulkApplyPeers_.end() && it->second;
}

void HaService::probeCapability(const std::string& peer) {
  // A tandemd backup announces tandem-lease4-bulk-apply in its ha-heartbeat answer; a Kea
  // backup's answer (or error) carries no tandem key, so it keeps getting single updates.
  // One probe at a time per backup, at most one per kCapabilityProbeInterval, so a backup
  // that starts after the active is found.
  const SteadyTime now = control_.steadyNow();
  CapabilityProbe& p = probes_[peer];
  if (p.inFlight || (p.last && now - *p.last < kCapabilityProbeInterval)) return;
  PeerTransport* t = transport(peer);
  if (!t) return;
  p.inFlight = true;
  p.last = now;
  std::weak_ptr<bool> guard = alive_;
  t->send(sync::makeCommand("ha-heartbeat", sync::heartbeatArgs(cfg_.thisServerName)), kRequestTimeout,
          [this, guard, peer](Result<json> r) {
            if (auto g = guard.lock(); !g || !*g) return;
            probes_[peer].inFlight = false;
            auto answer = toPeerAnswer(r);
            if (answer && answer->result == sync::kResultSuccess) recordCapability(peer, answer->arguments);
          });
}

sync::UpdateBatcher& HaService::batcher(const std::string& peer) {
  auto it = batchers_.find(peer);
  if (it == batchers_.end()) it = batchers_.emplace(peer, sync::UpdateBatcher(batchOptions_)).first;
  return it->second;
}

void HaService::flushBatches(const std::string& peer) {
  PeerTransport* t = transport(peer);
  sync::UpdateBatcher& b = batcher(peer);
  while (auto next = b.next()) {
    auto batch = std::make_shared<sync::UpdateBatcher::Batch>(std::move(*next));
    ++bulkRequests_;
    bulkLeases_ += batch->items.size();
    if (!t) {
      finishBatch(peer, batch, Result<json>(makeError("no transport to " + peer)));
      continue;
    }
    std::weak_ptr<bool> guard = alive_;
    t->sendText(sync::bulkApplyBody(cfg_.thisServerName, batch->items), kRequestTimeout,
                [this, guard, peer, batch](Result<json> r) {
                  // Runs for cancelled requests too (stop()): the items' waiters must hear.
                  finishBatch(peer, batch, r);
                  if (auto g = guard.lock(); g && *g) flushBatches(peer);
                });
  }
}

void HaService::finishBatch(const std::string& peer, const std::shared_ptr<sync::UpdateBatcher::Batch>& batch,
                            const Result<json>& r) {
  batcher(peer).finished(*batch);
  auto answer = toPeerAnswer(r);
  if (answer && answer->result == sync::kResultUnsupported) {
    // A partner that stopped knowing the command (downgraded to Kea or an older tandemd since
    // its last heartbeat): send these one by one, and everything after them too.
    log_.warn("HA_BULK_APPLY_UNSUPPORTED", "{} does not support {}: sending lease updates one by one", peer,
              sync::kBulkApplyCommand);
    bulkApplyPeers_[peer] = false;
    PeerTransport* t = transport(peer);
    std::vector<sync::UpdateBatcher::Item> items = std::move(batch->items);
    for (auto& p : batcher(peer).takePending()) items.push_back(std::move(p));
    for (auto& item : items) {
      if (!t) {
        item.done(ha::LeaseUpdateResult::Outcome::Failed, "no transport to " + peer, item.lease);
        continue;
      }
      sendSingleUpdate(*t, item.lease, item.upsert, std::move(item.done));
    }
    return;
  }
  const auto outcomes = sync::bulkApplyOutcomes(answer, batch->items);
  for (std::size_t i = 0; i < batch->items.size(); ++i) {
    if (batch->items[i].done) batch->items[i].done(outcomes[i].outcome, outcomes[i].text, batch->items[i].lease);
  }
  if (!r) {
    // The partner is unreachable: what waits behind this request fails with it (the state
    // machine has just been told, and queues or resyncs as the reference says) instead of
    // waiting for its own timeout.
    for (auto& item : batcher(peer).takePending()) {
      if (item.done) item.done(ha::LeaseUpdateResult::Outcome::Failed, r.error().message, item.lease);
    }
  }
}

api::json HaService::serveBulkApply(const api::json& args) {
  auto req = sync::parseBulkApplyRequest(args);
  if (!req) {
    log_.limited(Severity::Warn, "HA_BULK_APPLY_REFUSED", "{} refused: {}", sync::kBulkApplyCommand,
                 req.error().message);
    return api::makeAnswer(api::kResultError, req.error().message);
  }
  return applyBulk(*req);
}

bool HaService::serveBulkApplyText(std::string_view body, const api::CommandRegistry& registry,
                                   std::function<void(std::string)>& done) {
  // The partner's batches come in their ordinary form; anything else (and every error) goes
  // the registry's way, whose answers are the reference (sync/bulk_apply_reader.h).
  auto cmd = sync::readBulkApplyCommand(body);
  if (!cmd) return false;
  api::json answer;
  // As CommandRegistry::executeAsync: a handler that throws answers result 1, and the observer
  // (the forensic log) sees the command before the answer leaves.
  try {
    answer = applyBulk(cmd->request);
    if (const api::CommandObserver* observer = registry.observerOf(sync::kBulkApplyCommand)) {
      (*observer)(std::string(sync::kBulkApplyCommand), cmd->observedArguments(), answer);
    }
  } catch (const std::exception& e) {
    if (answer.is_null())
      answer = api::makeAnswer(api::kResultError, std::string("Error during command processing: ") + e.what());
  }
  auto reply = std::move(done);
  reply(api::toKeaText(cmd->listAnswer ? api::json::array({std::move(answer)}) : answer));
  return true;
}

api::json HaService::applyBulk(sync::BulkApplyRequest& req) {
  if (!req.serverName.empty() && !cfg_.find(req.serverName)) {
    return api::makeAnswer(api::kResultError, "server name '" + req.serverName + "' not found in the HA configuration");
  }
  // Each lease as lease4-del / lease4-update (force-create) would handle it.
  std::vector<sync::BulkFailure> failed;
  for (const Lease& l : req.deleted) {
    if (!control_.leases().clttAt(l.address)) {  // present? (without copying the lease out)
      control_.leaseDeleteMissed(l.address, Origin::Partner);
      failed.push_back({l.address, api::kResultEmpty, "IPv4 lease not found."});
      continue;
    }
    if (auto d = control_.deleteLease(l.address, Origin::Partner); !d) {
      failed.push_back({l.address, api::kResultError, d.error().message});
    }
  }
  for (Lease& l : req.leases) {  // the request's own: adjusted in place, never copied
    auto subnet = api::subnetOfLease(control_.config(), l.address, l.subnetId);
    if (!subnet) {
      failed.push_back({l.address, api::kResultConflict, subnet.error().message});
      continue;
    }
    l.subnetId = (*subnet)->id;
    if (auto p = control_.putLease(l, Origin::Partner); !p) {
      failed.push_back({l.address, api::kResultError, p.error().message});
    }
  }
  const std::size_t applied = req.leases.size() + req.deleted.size() - failed.size();
  return api::makeAnswer(api::kResultSuccess, sync::bulkApplyText(applied), sync::bulkApplyAnswerArgs(failed));
}

// ---- commands and status --------------------------------------------------------------------

api::json HaService::answerOf(const std::optional<ha::CommandAnswer>& a) const {
  if (!a) return api::makeAnswer(api::kResultError, "internal error: the HA state machine gave no answer");
  return api::makeAnswer(a->result, a->text, a->arguments);
}

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
  registry.add("ha-heartbeat", [this](const api::json& args, const CommandContext&) {
    if (auto err = checkServerName(args)) return *err;
    if (auto why = localFailure_ ? localFailure_() : std::nullopt) {
      if (!localFailing_) {
        log_.error("HA_LOCAL_LEASE_DATABASE_FAILING",
                   "{}: leases cannot be made durable ({}): answering the partner's heartbeats with an error so it "
                   "takes over our clients",
                   cfg_.thisServerName, *why);
        localFailing_ = true;
      }
      return api::makeAnswer(api::kResultError, fmt::format("{} cannot store leases: {}", cfg_.thisServerName, *why));
    }
    if (localFailing_) {
      log_.info("HA_LOCAL_LEASE_DATABASE_RECOVERED", "{}: leases are durable again: answering heartbeats",
                cfg_.thisServerName);
      localFailing_ = false;
    }
    json answer = sync::heartbeatAnswerArgs(machine_.heartbeatReply(), control_.now());
    // Tandem's bulk sync (sync/tandem_sync_json.h); Kea ignores keys it does not know.
    answer[std::string(sync::kTandemSyncKey)] = sync::kTandemSyncVersion;
    answer[std::string(sync::kBulkApplyKey)] = sync::kBulkApplyVersion;
    return api::makeAnswer(api::kResultSuccess, sync::kHeartbeatText, std::move(answer));
  });
  registry.add("ha-scopes", [this](const api::json& args, const CommandContext&) {
    auto scopes = sync::parseScopesArgs(args);
    if (!scopes) return api::makeAnswer(api::kResultError, scopes.error().message);
    return answerOf(dispatch(*scopes));
  });
  registry.add("ha-continue",
               [this](const api::json&, const CommandContext&) { return answerOf(dispatch(ha::HaContinueCommand{})); });
  registry.add("ha-reset", [this](const api::json& args, const CommandContext&) {
    if (auto err = checkServerName(args)) return *err;
    return answerOf(dispatch(ha::HaResetCommand{}));
  });
  registry.addAsync("ha-maintenance-start", [this](const api::json&, const CommandContext&, api::CommandReply reply) {
    maintenanceCommand(ha::MaintenanceStartCommand{}, std::move(reply));
  });
  registry.addAsync("ha-maintenance-cancel", [this](const api::json&, const CommandContext&, api::CommandReply reply) {
    maintenanceCommand(ha::MaintenanceCancelCommand{}, std::move(reply));
  });
  registry.add("ha-maintenance-notify", [this](const api::json& args, const CommandContext&) {
    if (auto err = checkServerName(args)) return *err;
    auto cmd = sync::parseMaintenanceNotify(args);
    if (!cmd) return api::makeAnswer(api::kResultError, cmd.error().message);
    return answerOf(dispatch(*cmd));
  });
  registry.add("ha-sync-complete-notify", [this](const api::json& args, const CommandContext&) {
    if (auto err = checkServerName(args)) return *err;
    auto origin = sync::parseOrigin(args, cfg_.remoteOrigin());
    if (!origin) return api::makeAnswer(api::kResultError, origin.error().message);
    return answerOf(dispatch(ha::SyncCompleteNotified{*origin}));
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
               [this](const api::json& args, const CommandContext&) { return serveBulkApply(args); });
  // The same command read straight from its body text (no JSON tree of the batch). The
  // registry outlives this service (the daemon's): once we are gone the shortcut declines.
  registry.setTextShortcut([this, &registry, alive = shortcutAlive_](std::string_view body, const CommandContext&,
                                                                     std::function<void(std::string)>& done) {
    return *alive && serveBulkApplyText(body, registry, done);
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
  // The retry deadline is steady time; status shows it as a delay from the wall clock's now.
  std::optional<TimePoint> retryAt;
  if (const auto at = backup ? backupRetryAt_ : st.syncRetryAt)
    retryAt = now + std::chrono::duration_cast<Clock::duration>(*at - steadyNow);
  section["ha-servers"]["local"]["sync"] =
      sync::syncStatusJson(running, syncLast_, backup ? backupBackoff_.failures() : st.syncFailures, retryAt, now);
  // Tandem's batched lease updates (only to tandemd peers that announced them).
  json batched = json::object();
  for (const auto& [peer, on] : bulkApplyPeers_) batched[peer] = on;
  section["ha-servers"]["local"]["bulk-apply"] = {{"peers", std::move(batched)},
                                                  {"requests", bulkRequests_},
                                                  {"leases", bulkLeases_}};
  json history = json::array();
  for (const auto& t : history_) {
    history.push_back({{"time", heartbeat::formatSystemTime(t.at)},
                       {"age", std::chrono::duration_cast<std::chrono::seconds>(now - t.at).count()},
                       {"from", ha::toString(t.change.from)},
                       {"to", ha::toString(t.change.to)},
                       {"reason", t.change.reason}});
  }
  section["ha-servers"]["local"]["state-history"] = std::move(history);
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
