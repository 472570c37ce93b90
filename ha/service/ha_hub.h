#pragma once
// The HA relationships of one server, each an HaService with its own state machine, scope
// filter, pool split, peers, timers and lease-update queue: Kea's hub-and-spoke model
// (ha/ha_relationships.h). What the daemon does with "HA" goes through here:
//   - one relationship (every Kea 2.2 pair): a plain pass-through to its HaService; the scope
//     filter runs before the engine (Kea's buffer4_receive), commands register unchanged,
//     nothing on the wire differs;
//   - a hub: the relationship of a query is the one its selected subnet is tied to, decided at
//     subnet selection (subnetGate, Kea's subnet4_select); committed lease changes go to the
//     relationship of their subnet only; HA commands are routed by their "server-name"
//     argument (any peer name of a relationship; absent = the first relationship, as Kea);
//     status-get's "high-availability" lists every relationship.
// Everything runs on the daemon's io_context thread (as HaService).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dhcpd/api/command_registry.h"
#include "dhcpd/api/server_control.h"
#include "dhcpd/common/logger.h"
#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/engine/engine.h"
#include "ha/ha_relationships.h"
#include "ha/service/ha_service.h"
#include "ha/service/ha_timers.h"

namespace tandem::daemon {

class HaHub {
 public:
  using TimersFactory = std::function<std::unique_ptr<HaTimers>()>;

  // `peers[i]`: the transports of relationship i (makePeerTransports). Each relationship gets
  // its own timers from `makeTimers` (timer ids are per state machine).
  HaHub(const ha::HaRelationships& rels, const config::Dhcp4Config& dhcp, api::ServerControl& control,
        std::vector<HaService::Peers> peers, const TimersFactory& makeTimers, Logger& log);
  ~HaHub();
  HaHub(const HaHub&) = delete;
  HaHub& operator=(const HaHub&) = delete;

  void start();
  void stop();

  bool hub() const noexcept { return rels_.hub(); }
  std::size_t size() const noexcept { return services_.size(); }
  HaService& relationship(std::size_t i) { return *services_.at(i); }
  const HaService& relationship(std::size_t i) const { return *services_.at(i); }
  const ha::HaRelationships& relationships() const noexcept { return rels_; }

  // The pipeline's test before the engine: one relationship = its scope filter; a hub lets
  // everything through here and decides in subnetGate, once the subnet is known.
  bool shouldServe(const proto::Packet4& query, engine::RecvMeta& meta);
  // The early drop before decoding (HaService::partnerQueryType); never on a hub, whose
  // relationship is known only once the subnet is selected.
  std::uint8_t partnerQueryType(std::span<const std::uint8_t> wire) const;
  // engine::Engine::SubnetGate of a hub: the scope filter of the subnet's relationship (it
  // adds its HA_<scope> class). No subnet, or a subnet tied to no relationship: dropped (Kea's
  // HA_SUBNET4_SELECT_NO_SUBNET_SELECTED / _NO_RELATIONSHIP_FOR_SUBNET).
  bool subnetGate(const proto::Packet4& query, std::uint32_t subnetId, std::vector<std::string>& join);
  // The relationship of a lease (by its subnet); nullopt on a hub for an untied subnet.
  std::optional<std::size_t> relationshipOf(const Lease& lease) const noexcept;

  bool servesScopeOf(const Lease& lease) const;
  // Groups the changes by relationship (their subnets); `done(true)` once every relationship
  // acknowledged, `done(false)` if any failed. Changes of an untied subnet replicate nowhere.
  void onLeasesCommitted(const std::vector<engine::LeaseChange>& changes, HaService::Done done);
  void onLeaseWrittenByCommand(const Lease& stored);
  void onLeaseDeletedByCommand(Ipv4 address, const std::optional<Lease>& existing);

  // One relationship: HaService::registerCommands into `registry`. A hub: each service
  // registers into its own registry and `registry` gets one router per command name.
  void registerCommands(api::CommandRegistry& registry);
  // The relationship a command is for: its "server-name" (a peer name of that relationship),
  // else the first. An answer (result 1, Kea's text) when the name is bad.
  Result<std::size_t> route(const std::string& command, const api::json& args) const;

  // status-get's "high-availability": one entry per relationship, in list order.
  nlohmann::json statusSection() const;
  void setLocalFailure(const HaService::LocalFailureFn& fn);

  // The pool-split allocation filter over `dhcp`'s pools (rebuilt on every reload, as
  // haAllocFilter): each relationship splits the pools of its own subnets only.
  engine::Engine::AllocFilter allocFilter(const config::Dhcp4Config& dhcp, std::function<SteadyTime()> now) const;

 private:
  ha::HaRelationships rels_;
  std::vector<std::unique_ptr<HaTimers>> timers_;
  std::vector<std::unique_ptr<HaService>> services_;
  std::vector<std::unique_ptr<api::CommandRegistry>> registries_;  // hub: one per relationship
};

}  // namespace tandem::daemon
