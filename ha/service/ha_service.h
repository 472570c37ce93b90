#pragma once
// The Asio-facing shell around the pure HA core (ha/, heartbeat/, sync/): it performs the
// HaMachine's actions (heartbeats, timers, lease synchronisation, DHCP service switching,
// ha-reset, maintenance notifications) and feeds their outcomes back as events; it filters
// queries by scope, replicates committed lease changes to the partner and backups, and
// serves the HA commands. Everything runs on the daemon's single io_context thread, so
// nothing here locks (design.md: all HA state on one strand).
//
// Its collaborators are interfaces so unit tests drive it with fakes and a fake clock:
// api::ServerControl (clock, lease store, dhcp-disable/enable), PeerTransport (one per
// peer) and HaTimers.
//
// It is the composition of parts with one job each (issue 11), reaching the rest through
// HaServiceLinks (ha_service_links.h):
//  - HaLeaseUpdates (ha_lease_updates.h): lease updates to the partner and backups, their
//    batching, the parked replies, the communication-recovery backlog;
//  - HaPeerRequests (ha_peer_requests.h): the machine's ha-heartbeat, ha-reset and
//    ha-maintenance-notify, and the maintenance commands waiting for them;
//  - HaBulkApplyServer (ha_bulk_apply_server.h): the partner's batched updates received;
//  - HaStateHistory (ha_state_history.h): status-get's state-history;
//  - the lease synchronisation (ha_sync_run.cpp, HaService's own: pulls, serving pulls,
//    backups' catch-up, delta resync).
// What stays here: the machine and its actions (dispatch/perform), the scope filter, the
// change numbering of committed leases, the HA commands and status-get.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dhcpd/api/command_registry.h"
#include "dhcpd/api/server_control.h"
#include "dhcpd/common/logger.h"
#include "dhcpd/config/dhcp4_config.h"
#include "ha/service/ha_bulk_apply_server.h"
#include "ha/service/ha_handover_drain.h"
#include "ha/service/ha_lease_updates.h"
#include "ha/service/ha_peer_requests.h"
#include "ha/service/ha_peer_transport.h"
#include "ha/service/ha_service_links.h"
#include "ha/service/ha_state_history.h"
#include "ha/service/ha_timers.h"
#include "dhcpd/engine/engine.h"
#include "dhcpd/proto/packet4.h"
#include "ha/ha_config.h"
#include "ha/ha_machine.h"
#include "ha/pool_split.h"
#include "sync/bulk_apply_json.h"
#include "sync/ha_json.h"
#include "sync/change_history.h"
#include "sync/delivery_tracker.h"
#include "sync/lease_update_backlog.h"
#include "sync/pull_session.h"
#include "ha/sync_backoff.h"
#include "sync/sync_status.h"
#include "sync/update_batcher.h"

namespace tandem::daemon {

class HaService {
 public:
  using Peers = std::map<std::string, std::unique_ptr<PeerTransport>>;  // by peer name
  using Done = std::function<void(bool ok)>;

  // `peers` must hold a transport for every peer but this server. `inRelationship`: on an HA
  // hub, the subnets this relationship serves (its pool split covers only their pools); empty
  // = every subnet (one relationship).
  HaService(ha::HaConfig cfg, const config::Dhcp4Config& dhcp, api::ServerControl& control, Peers peers,
            HaTimers& timers, Logger& log, const std::function<bool(std::uint32_t)>& inRelationship = {});
  ~HaService();
  HaService(const HaService&) = delete;
  HaService& operator=(const HaService&) = delete;

  // Enters `waiting` and schedules the first heartbeat.
  void start();
  // Cancels timers and requests in flight (shutdown / reconfiguration).
  void stop();

  // Before the engine: false when the query belongs to a scope this server does not serve
  // now. Tags meta.classes with HA_<scope>; while communication with the partner is
  // interrupted, partner-scope queries feed the unacked-clients test (reference 3.3).
  bool shouldServe(const proto::Packet4& query, engine::RecvMeta& meta);
  // The same test, pushing the scope class onto `classes` (the HA hub's subnet gate).
  bool shouldServe(const proto::Packet4& query, std::vector<std::string>& classes);
  // The early drop, before the query is decoded (ha/query_peek.h): the message type of a query
  // of a client another peer serves and this server does not (ScopeFilter::isPartnerQuery),
  // else 0, and the query takes the ordinary path (decode, shouldServe). Never while
  // communication with the partner is interrupted: its clients' queries then feed the
  // unacked-clients test (reference 3.3), which needs them decoded.
  std::uint8_t partnerQueryType(std::span<const std::uint8_t> wire) const;
  // Whether this server serves the scope of the lease's client right now (client-id, else
  // hardware address, hashed as for its queries): the one peer that sends the DNS removal of
  // a lease both peers reclaim (load-balancing: the owner of the client's scope; hot-standby:
  // the primary; partner-down: the survivor; waiting/syncing: nobody here).
  bool servesScopeOf(const Lease& lease) const;

  // After a query's lease changes were committed: sends lease4-update / lease4-del to the
  // partner and backups as the state requires (reference 6.1, 6.2). `done(true)` once every
  // required acknowledgement arrived, or at once (inside this call) when nothing must be
  // waited for; `done(false)` when a required update failed: the reply must be dropped.
  void onLeasesCommitted(const std::vector<engine::LeaseChange>& changes, Done done);

  // A lease written or deleted by a lease command (a peer's lease4-update / lease4-del, or
  // an operator's): recorded for a pull in flight here (so an older page copy cannot undo
  // it, sync/pull_session.h) and for the peers pulling from us.
  void onLeaseWrittenByCommand(const Lease& stored);
  // Called BEFORE the delete is attempted: a lease4-del for an address we do not hold yet
  // (its page has not arrived) must still beat that page. `existing`: what we hold, if any.
  void onLeaseDeletedByCommand(Ipv4 address, const std::optional<Lease>& existing);

  // HA commands: ha-heartbeat, ha-scopes, ha-continue, ha-maintenance-start/-cancel/-notify,
  // ha-reset, ha-sync-complete-notify, ha-sync.
  void registerCommands(api::CommandRegistry& registry);
  // status-get's "high-availability" list (one element: tandemd runs one relationship); the
  // local section carries a "sync" object (sync/sync_status.h) and "state-history", the last
  // kHistoryLength state changes, oldest first: {"time", "age" (s), "from", "to", "reason"}.
  nlohmann::json statusSection() const;
  // Enough for a flapping pair to show its pattern; the full record is the log.
  static constexpr std::size_t kHistoryLength = HaStateHistory::kLength;

  // Pool split for Engine::setAllocFilter.
  engine::Engine::AllocFilter allocFilter() const;

  ha::HaState state() const noexcept { return machine_.state(); }
  const ha::HaMachine& machine() const noexcept { return machine_; }
  const ha::PoolSplit& poolSplit() const noexcept { return *split_; }
  std::size_t backlogSize() const noexcept { return updates_.backlogSize(); }
  // Whether the named peer announced the tandem bulk sync in its last heartbeat answer.
  bool peerHasTandemSync(const std::string& peer) const;
  // Whether lease updates to the named peer travel batched (tandem-lease4-bulk-apply): it
  // announced the command in its last heartbeat answer.
  bool peerHasBulkApply(const std::string& peer) const;
  // Batching limits (tests use small ones); applies to batchers created afterwards.
  void setBatchOptions(sync::UpdateBatcher::Options o) noexcept { updates_.setBatchOptions(o); }
  // Batched requests sent and the lease changes they carried (status, benchmarks).
  std::uint64_t bulkRequests() const noexcept { return updates_.bulkRequests(); }
  std::uint64_t bulkLeases() const noexcept { return updates_.bulkLeases(); }
  const std::optional<sync::SyncOutcome>& lastSync() const noexcept { return syncLast_; }
  // Leases per tandem-stream page this server asks for (default kStreamPageLimit).
  void setStreamPageLimit(std::uint32_t n) noexcept { streamPageLimit_ = n == 0 ? 1 : n; }
  // ~5 MB of CSV and ~100 ms of the partner's time per page (its clients wait that long at
  // most); 40 round trips for 2 million leases.
  static constexpr std::uint32_t kStreamPageLimit = 50'000;
  bool syncRunning() const noexcept { return run_ != nullptr; }
  // The pull in flight (pages and leases so far), for /metrics; nullopt when none runs.
  std::optional<sync::SyncProgress> syncProgress() const;
  // Consecutive failed syncs and when the next may start (a backup's catch-up counts its own).
  std::uint32_t syncFailures() const noexcept;
  // Every state change, for the daemon's logs/metrics and for tests.
  void onStateChange(std::function<void(const ha::StateChanged&)> fn) { stateObserver_ = std::move(fn); }
  // Why this server cannot make a lease durable right now (full disk...), nullopt when it can.
  // While it cannot, ha-heartbeat answers an error naming the cause: the partner (Kea too)
  // counts a failed heartbeat and takes over our clients, which we no longer acknowledge.
  using LocalFailureFn = std::function<std::optional<std::string>()>;
  void setLocalFailure(LocalFailureFn fn) { localFailure_ = std::move(fn); }
  // On an HA hub: the leases a sync with this relationship's partner may import (Kea's
  // LeaseSyncFilter: only those of the relationship's own subnets). Empty = all of them.
  using SyncFilter = std::function<bool(const Lease&)>;
  void setSyncFilter(SyncFilter fn) { syncFilter_ = std::move(fn); }

 private:
  struct SyncRun;

  // Runs an event through the machine and performs the actions. Returns the command answer
  // the event produced, if any (also from events fed back while performing actions).
  std::optional<ha::CommandAnswer> dispatch(const ha::HaEvent& event);
  void perform(const ha::Action& action, std::optional<ha::CommandAnswer>& answer);

  void setDhcp(int origin, bool enable);
  // What the parts reach the service through.
  HaServiceLinks links();

  // Lease synchronisation (reference 4.6 and sync/pull_session.h), asynchronous, in
  // ha/service/ha_sync_run.cpp. One pull at a time; `done` gets the outcome and a summary.
  using SyncDone = std::function<void(bool ok, const std::string& summary)>;
  struct SyncOptions {
    std::chrono::seconds maxPeriod{60};
    std::string why;
    bool disablePartner = true;  // Kea protocol: dhcp-disable before every page (not for backups)
    bool notifyPartner = true;   // ha-sync-complete-notify at the end (not for backups)
    // A tandemd partner may answer with a delta (sync/change_history.h); an operator's
    // ha-sync always pulls everything, as Kea's does.
    bool allowDelta = true;
  };
  void startSync(const std::string& peer, SyncOptions options, SyncDone done);
  void keaStep(std::shared_ptr<SyncRun> run);
  void keaPage(std::shared_ptr<SyncRun> run);
  void keaFinish(std::shared_ptr<SyncRun> run, bool ok, std::string text);
  void streamStep(std::shared_ptr<SyncRun> run);
  void streamDone(std::shared_ptr<SyncRun> run);
  void finishRun(std::shared_ptr<SyncRun> run, bool ok, std::string text);
  // After finishRun (and, on success, once the stored leases are durable): the outcome.
  void completeRun(std::shared_ptr<SyncRun> run, bool ok, std::string text);
  // ha-sync: the asynchronous pull above, answering the command when it ends.
  void startOperatorSync(const std::string& peer, std::optional<std::uint32_t> maxPeriod, api::CommandReply reply);
  // Page data with the bulk-sync rule; returns how many leases were written.
  Result<std::size_t> mergePage(std::vector<Lease>& leases);
  // Changes made meanwhile, after page data (sync/pull_session.h rules).
  Result<std::size_t> applyChanges(sync::ChangeLog::Changes& changes);
  // Serving side of the tandem bulk sync.
  api::json servePage(const api::json& args);
  api::json serveDone(const api::json& args);
  // Backups: pull the whole database from an active peer at start, then follow its updates.
  void backupCatchUp(std::size_t candidate);
  void backupFinished(bool ok, const std::string& summary);
  void recordCapability(const std::string& peer, const nlohmann::json& heartbeatArgs);

  PeerTransport* transport(const std::string& peer) const;
  // ha-heartbeat's answer: our state as the partner learns it.
  api::json heartbeatAnswer();
  // What the active partner holds of our changes; nullptr before any update or pull.
  const sync::DeliveryTracker* partnerDelivery() const;
  // Answers the heartbeats parked by the hand-over's drain once it is over.
  void checkHandoverDrain();
  // Checks a peer command's optional "server-name" (Kea: an unknown name is an error).
  std::optional<api::json> checkServerName(const api::json& args) const;

  ha::HaConfig cfg_;
  api::ServerControl& control_;
  Peers peers_;
  HaTimers& timers_;
  Logger& log_;
  ha::HaMachine machine_;
  std::unique_ptr<ha::PoolSplit> split_;
  std::function<void(const ha::StateChanged&)> stateObserver_;
  LocalFailureFn localFailure_;
  SyncFilter syncFilter_;
  bool localFailing_ = false;  // the last ha-heartbeat answered an error for it (logged once)
  HaHandoverDrain drain_;
  HaStateHistory history_;
  std::shared_ptr<bool> alive_;  // guards callbacks that outlive the service
  // False once this service is gone: the text shortcut it left in a registry then declines.
  std::shared_ptr<bool> shortcutAlive_ = std::make_shared<bool>(true);

  // Lease synchronisation.
  std::map<std::string, bool> tandemSyncPeers_;  // capability from the last heartbeat answer
  std::map<std::string, bool> bulkApplyPeers_;   // likewise, tandem-lease4-bulk-apply
  std::shared_ptr<SyncRun> run_;                 // the pull in flight
  std::optional<sync::ChangeLog> incoming_;      // lease commands received during it
  std::optional<sync::SyncOutcome> syncLast_;
  sync::PullSessions pullSessions_;         // peers pulling from us (tandem-stream)
  bool applyingSync_ = false;               // our own sync writes are not "incoming"
  std::vector<std::string> backupSources_;  // backups: active peers, primary first
  ha::SyncBackoff backupBackoff_;
  std::optional<SteadyTime> backupRetryAt_;
  std::uint32_t streamPageLimit_ = kStreamPageLimit;
  bool started_ = false;

  // Delta resync (sync/change_history.h): our lease changes, numbered; per partner, up to
  // which of them it holds everything; the partners our last pull from succeeded, since we
  // started (only those may be asked for a delta: after a restart we cannot vouch for our own
  // store, and after a failed pull the partner's record of us may be ahead of it).
  sync::ChangeHistory changeHistory_;
  std::map<std::string, sync::DeliveryTracker> delivered_;
  std::set<std::string> deltaSources_;
  // Sessions of full pulls partners are making from us (servePage), until their done request:
  // a partner that saw our whole store knows whether it holds all of ours (sync/page_merge.h
  // PullCoverage) and refuses a delta if not, so we may ask it for one (serveDone).
  std::set<std::string> fullPullSessions_;
  // Partners our last pull from failed (see completeRun).
  std::set<std::string> failedPulls_;
  // The leases a partner lacks since it last held all of ours, as a page answer's changes;
  // nullopt (and the reason logged) when a full pull is needed.
  std::optional<sync::ChangeLog::Changes> deltaFor(const std::string& peer);

  // The parts (declared last: they refer to the members above).
  HaLeaseUpdates updates_;
  HaPeerRequests requests_;
  HaBulkApplyServer bulkApplyServer_;
};

}  // namespace tandem::daemon
