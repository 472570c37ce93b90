#include "ha/service/ha_hub.h"

#include <utility>

#include <fmt/format.h>

#include "ha/pool_split.h"
#include "ha/service/ha_setup.h"

namespace tandem::daemon {

HaHub::HaHub(const ha::HaRelationships& rels, const config::Dhcp4Config& dhcp, api::ServerControl& control,
             std::vector<HaService::Peers> peers, const TimersFactory& makeTimers, Logger& log)
    : rels_(rels) {
  peers.resize(rels_.relationships.size());
  for (std::size_t i = 0; i < rels_.relationships.size(); ++i) {
    timers_.push_back(makeTimers());
    std::function<bool(std::uint32_t)> mine;
    if (rels_.hub()) mine = [this, i](std::uint32_t id) { return rels_.bySubnet(id) == i; };
    services_.push_back(std::make_unique<HaService>(rels_.relationships[i], dhcp, control, std::move(peers[i]),
                                                    *timers_.back(), log, mine));
    if (rels_.hub()) {
      // Kea's LeaseSyncFilter: a sync with this relationship's partner imports the leases of
      // its own subnets only (the partner may hold other relationships' leases too).
      services_.back()->setSyncFilter([this, i](const Lease& l) { return rels_.bySubnet(l.subnetId) == i; });
    }
  }
}

HaHub::~HaHub() { stop(); }

void HaHub::start() {
  for (auto& s : services_) s->start();
}

void HaHub::stop() {
  for (auto& s : services_) s->stop();
}

bool HaHub::shouldServe(const proto::Packet4& query, engine::RecvMeta& meta) {
  if (hub()) return true;
  return services_.front()->shouldServe(query, meta);
}

std::uint8_t HaHub::partnerQueryType(std::span<const std::uint8_t> wire) const {
  return hub() ? 0 : services_.front()->partnerQueryType(wire);
}

bool HaHub::subnetGate(const proto::Packet4& query, std::uint32_t subnetId, std::vector<std::string>& join) {
  if (subnetId == 0) return false;
  const auto r = rels_.bySubnet(subnetId);
  if (!r) return false;
  return services_[*r]->shouldServe(query, join);
}

std::optional<std::size_t> HaHub::relationshipOf(const Lease& lease) const noexcept {
  return rels_.bySubnet(lease.subnetId);
}

bool HaHub::servesScopeOf(const Lease& lease) const {
  const auto r = relationshipOf(lease);
  // A lease no relationship shares (its subnet is tied to none): nobody else acts on it.
  if (!r) return true;
  return services_[*r]->servesScopeOf(lease);
}

void HaHub::onLeasesCommitted(const std::vector<engine::LeaseChange>& changes, HaService::Done done) {
  if (!hub()) return services_.front()->onLeasesCommitted(changes, std::move(done));
  // The usual query: every change in one subnet, so one relationship and no copy.
  std::optional<std::size_t> only;
  bool mixed = false;
  for (const auto& c : changes) {
    const auto r = relationshipOf(c.lease);
    if (!r || (only && *only != *r)) {
      mixed = true;
      continue;
    }
    only = r;
  }
  if (!mixed) {
    if (!only) return done(true);
    return services_[*only]->onLeasesCommitted(changes, std::move(done));
  }
  std::vector<std::vector<engine::LeaseChange>> parts(services_.size());
  for (const auto& c : changes) {
    if (const auto r = relationshipOf(c.lease)) parts[*r].push_back(c);
  }
  struct Pending {
    std::size_t left = 0;
    bool ok = true;
    HaService::Done done;
  };
  auto pending = std::make_shared<Pending>();
  pending->done = std::move(done);
  for (const auto& p : parts) pending->left += p.empty() ? 0 : 1;
  if (pending->left == 0) return pending->done(true);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty()) continue;
    services_[i]->onLeasesCommitted(parts[i], [pending](bool ok) {
      pending->ok = pending->ok && ok;
      if (--pending->left == 0) pending->done(pending->ok);
    });
  }
}

void HaHub::onLeaseWrittenByCommand(const Lease& stored) {
  if (const auto r = relationshipOf(stored)) services_[*r]->onLeaseWrittenByCommand(stored);
}

void HaHub::onLeaseDeletedByCommand(Ipv4 address, const std::optional<Lease>& existing) {
  if (existing) {
    if (const auto r = relationshipOf(*existing)) services_[*r]->onLeaseDeletedByCommand(address, existing);
    return;
  }
  // Not held here: any relationship's pull may still bring it.
  for (auto& s : services_) s->onLeaseDeletedByCommand(address, existing);
}

Result<std::size_t> HaHub::route(const std::string& command, const api::json& args) const {
  if (!hub() || !args.is_object()) return std::size_t{0};
  auto it = args.find("server-name");
  if (it == args.end()) return std::size_t{0};
  // Kea 2.6's HAImpl::getHAServiceByServerName texts.
  if (!it->is_string()) return makeError(fmt::format("'server-name' must be a string in the '{}' command", command));
  const auto r = rels_.byPeerName(it->get<std::string>());
  if (!r) return makeError(fmt::format("{} matches no configured 'server-name'", it->get<std::string>()));
  return *r;
}

void HaHub::registerCommands(api::CommandRegistry& registry) {
  if (!hub()) return services_.front()->registerCommands(registry);
  if (registries_.empty()) {
    for (auto& s : services_) {
      registries_.push_back(std::make_unique<api::CommandRegistry>());
      s->registerCommands(*registries_.back());
    }
  }
  for (const std::string& name : registries_.front()->names()) {
    registry.addAsync(name,
                      [this, name](const api::json& args, const api::CommandContext& ctx, api::CommandReply reply) {
                        const auto r = route(name, args);
                        if (!r) return reply(api::makeAnswer(api::kResultError, r.error().message));
                        registries_[*r]->executeAsync(name, args, ctx, std::move(reply));
                      });
  }
}

nlohmann::json HaHub::statusSection() const {
  nlohmann::json all = nlohmann::json::array();
  for (const auto& s : services_) {
    for (auto& entry : s->statusSection()) all.push_back(std::move(entry));
  }
  return all;
}

void HaHub::setLocalFailure(const HaService::LocalFailureFn& fn) {
  for (auto& s : services_) s->setLocalFailure(fn);
}

engine::Engine::AllocFilter HaHub::allocFilter(const config::Dhcp4Config& dhcp, std::function<SteadyTime()> now) const {
  if (!hub()) {
    return haAllocFilter(*services_.front(), std::make_shared<const ha::PoolSplit>(rels_.first(), dhcp),
                         std::move(now));
  }
  struct Part {
    std::shared_ptr<const ha::PoolSplit> pools;
    engine::Engine::AllocFilter filter;
  };
  std::vector<Part> parts;
  for (std::size_t i = 0; i < services_.size(); ++i) {
    auto pools = std::make_shared<const ha::PoolSplit>(rels_.relationships[i], dhcp,
                                                       [this, i](std::uint32_t id) { return rels_.bySubnet(id) == i; });
    parts.push_back({pools, haAllocFilter(*services_[i], pools, now)});
  }
  // Each relationship's split pools are its own subnets' (disjoint): the one holding the
  // address decides; an address in no split pool is free to allocate.
  return [parts = std::move(parts)](Ipv4 a) {
    for (const auto& p : parts) {
      if (p.pools->inSplitPool(a)) return p.filter(a);
    }
    return true;
  };
}

}  // namespace tandem::daemon
