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
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dhcpd/api/command_registry.h"
#include "dhcpd/api/server_control.h"
#include "dhcpd/common/logger.h"
#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/daemon/ha_peer_transport.h"
#include "dhcpd/daemon/ha_timers.h"
#include "dhcpd/engine/engine.h"
#include "dhcpd/proto/packet4.h"
#include "ha/ha_config.h"
#include "ha/ha_machine.h"
#include "ha/pool_split.h"
#include "sync/ha_json.h"
#include "sync/lease_update_backlog.h"

namespace tandem::daemon {

class HaService {
 public:
  using Peers = std::map<std::string, std::unique_ptr<PeerTransport>>;  // by peer name
  using Done = std::function<void(bool ok)>;

  // `peers` must hold a transport for every peer but this server.
  HaService(ha::HaConfig cfg, const config::Dhcp4Config& dhcp, api::ServerControl& control, Peers peers,
            HaTimers& timers, Logger& log);
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

  // After a query's lease changes were committed: sends lease4-update / lease4-del to the
  // partner and backups as the state requires (reference 6.1, 6.2). `done(true)` once every
  // required acknowledgement arrived, or at once (inside this call) when nothing must be
  // waited for; `done(false)` when a required update failed: the reply must be dropped.
  void onLeasesCommitted(const std::vector<engine::LeaseChange>& changes, Done done);

  // HA commands: ha-heartbeat, ha-scopes, ha-continue, ha-maintenance-start/-cancel/-notify,
  // ha-reset, ha-sync-complete-notify, ha-sync.
  void registerCommands(api::CommandRegistry& registry);
  // status-get's "high-availability" list (one element: tandemd runs one relationship).
  nlohmann::json statusSection() const;

  // Pool split for Engine::setAllocFilter.
  engine::Engine::AllocFilter allocFilter() const;

  ha::HaState state() const noexcept { return machine_.state(); }
  const ha::HaMachine& machine() const noexcept { return machine_; }
  const ha::PoolSplit& poolSplit() const noexcept { return *split_; }
  std::size_t backlogSize() const noexcept { return backlog_.size(); }
  // Every state change, for the daemon's logs/metrics and for tests.
  void onStateChange(std::function<void(const ha::StateChanged&)> fn) { stateObserver_ = std::move(fn); }

 private:
  struct SyncRun;

  // Runs an event through the machine and performs the actions. Returns the command answer
  // the event produced, if any (also from events fed back while performing actions).
  std::optional<ha::CommandAnswer> dispatch(const ha::HaEvent& event);
  void perform(const ha::Action& action, std::optional<ha::CommandAnswer>& answer);

  void sendHeartbeat(const std::string& peer);
  void sendHaReset(const std::string& peer);
  void replayBacklog(const std::string& peer);
  void replayNext(const std::string& peer);
  // A lease update to the active partner failed: keep it for the communication-recovery replay.
  void queueFailedUpdate(const std::string& peer, const engine::LeaseChange& change);
  std::optional<ha::CommandAnswer> maintenanceNotify(const ha::SendMaintenanceNotify& a);
  void setDhcp(int origin, bool enable);

  // Lease synchronisation (reference 4.6), asynchronous for the `syncing` state.
  void startSync(const std::string& peer, std::chrono::seconds maxPeriod);
  void syncStep(std::shared_ptr<SyncRun> run);
  void syncFinish(std::shared_ptr<SyncRun> run, bool ok, std::string text);
  // ha-sync: the same protocol, blocking (Kea runs it synchronously too).
  api::json syncBlocking(const std::string& peer, std::optional<std::uint32_t> maxPeriod);
  // Applies one page with the bulk-sync merge rule; returns how many leases were written.
  std::size_t mergePage(const std::vector<Lease>& leases);

  PeerTransport* transport(const std::string& peer) const;
  api::json answerOf(const std::optional<ha::CommandAnswer>& a) const;
  // Checks a peer command's optional "server-name" (Kea: an unknown name is an error).
  std::optional<api::json> checkServerName(const api::json& args) const;

  ha::HaConfig cfg_;
  api::ServerControl& control_;
  Peers peers_;
  HaTimers& timers_;
  Logger& log_;
  ha::HaMachine machine_;
  std::unique_ptr<ha::PoolSplit> split_;
  sync::LeaseUpdateBacklog backlog_;
  std::function<void(const ha::StateChanged&)> stateObserver_;
  std::shared_ptr<bool> alive_;  // guards callbacks that outlive the service
  bool started_ = false;
};

}  // namespace tandem::daemon
