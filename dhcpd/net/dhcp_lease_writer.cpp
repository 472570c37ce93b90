#include "dhcpd/net/dhcp_lease_writer.h"

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <utility>

#include <fmt/format.h>

namespace tandem::net {

LeaseWriter::LeaseWriter(LeaseStore& store, LeaseJournal* journal, StatsRegistry& stats, NowFn now)
    : store_(store),
      journal_(journal),
      stats_(stats),
      now_(std::move(now)),
      cumulative_(stats.handle("cumulative-assigned-addresses")),
      declined_(stats.handle("declined-addresses")),
      reclaimed_(stats.handle("reclaimed-leases")),
      reclaimedDeclined_(stats.handle("reclaimed-declined-addresses")) {}

LeaseWriter::Scope LeaseWriter::makeScope(const std::string& prefix) {
  Scope s;
  s.total = stats_.handle(prefix + ".total-addresses");
  s.assigned = stats_.handle(prefix + ".assigned-addresses");
  s.cumulative = stats_.handle(prefix + ".cumulative-assigned-addresses");
  s.declined = stats_.handle(prefix + ".declined-addresses");
  s.reclaimedDeclined = stats_.handle(prefix + ".reclaimed-declined-addresses");
  s.reclaimed = stats_.handle(prefix + ".reclaimed-leases");
  return s;
}

LeaseWriter::Scopes LeaseWriter::scopesOf(const Lease& l) {
  Scopes out;
  auto it = subnets_.find(l.subnetId);
  if (it == subnets_.end()) return out;  // a subnet no longer configured: Kea has no statistics for it
  out.push(&it->second.stats);
  for (auto& p : it->second.pools) {
    if (p.first.value <= l.address.value && l.address.value <= p.last.value) {
      out.push(&p.stats);
      break;
    }
  }
  return out;
}

void LeaseWriter::account(const engine::LeaseChange& change, Kind kind) {
  const Lease* before = change.previous ? &*change.previous : nullptr;
  const Lease* after = &change.lease;
  if (change.kind == engine::LeaseChange::Kind::Delete) {
    if (!before) before = &change.lease;
    after = nullptr;
  }
  account(before, after, kind);
}

void LeaseWriter::account(const Lease* before, const Lease* after, Kind kind) {
  const TimePoint now = now_();
  // Net change per scope, so a renewal (same subnet, same state) touches no statistic and a
  // decline moves only declined-addresses, as in Kea. At most four scopes (subnet and pool,
  // before and after): a small array, no allocation on the packet path.
  struct Delta {
    Scope* scope = nullptr;
    std::int64_t assigned = 0, declined = 0;
  };
  std::array<Delta, 4> deltas{};
  std::size_t nDeltas = 0;
  std::int64_t globalDeclined = 0;
  auto count = [&](const Lease& l, int sign) {
    if (!countsAsAssigned(l)) return;
    const bool declined = l.state == LeaseState::Declined;
    if (declined) globalDeclined += sign;
    for (Scope* s : scopesOf(l)) {
      std::size_t i = 0;
      while (i < nDeltas && deltas[i].scope != s) ++i;
      if (i == nDeltas) deltas[nDeltas++].scope = s;
      deltas[i].assigned += sign;
      if (declined) deltas[i].declined += sign;
    }
  };
  if (before) count(*before, -1);
  if (after) count(*after, +1);
  for (std::size_t i = 0; i < nDeltas; ++i) {
    const Delta& d = deltas[i];
    if (d.assigned) stats_.add(d.scope->assigned, d.assigned, now);
    if (d.declined) stats_.add(d.scope->declined, d.declined, now);
  }
  if (globalDeclined) stats_.add(declined_, globalDeclined, now);

  // Kea's allocation engine counts a lease handed to a client that did not hold it
  // (new, or an expired/declined address coming back), never a renewal.
  if (kind == Kind::Allocation && after && after->state == LeaseState::Default) {
    const bool fresh = !before || before->state != LeaseState::Default ||
                       !(before->hwAddr == after->hwAddr && before->clientId == after->clientId);
    if (fresh) {
      for (Scope* s : scopesOf(*after)) stats_.add(s->cumulative, 1, now);
      stats_.add(cumulative_, 1, now);
    }
  }
  if (kind == Kind::Reclaim && before) {
    const Scopes scopes = scopesOf(*before);
    for (Scope* s : scopes) stats_.add(s->reclaimed, 1, now);
    stats_.add(reclaimed_, 1, now);
    if (before->state == LeaseState::Declined) {
      for (Scope* s : scopes) stats_.add(s->reclaimedDeclined, 1, now);
      stats_.add(reclaimedDeclined_, 1, now);
    }
  }
}

Result<std::uint64_t> LeaseWriter::applyAs(const engine::LeaseChange& change, Kind kind) {
  const bool remove = change.kind == engine::LeaseChange::Kind::Delete;
  return applyTo(change.lease, remove, change.previous ? &*change.previous : nullptr, kind);
}

Result<std::uint64_t> LeaseWriter::applyTo(const Lease& lease, bool remove, const Lease* previous, Kind kind) {
  // What a shared database must check (LeaseJournal::appendGuarded): a client's lease may only
  // replace a free row or the same client's; a reclamation only a row still expired.
  const WriteGuard guard = kind == Kind::Allocation ? WriteGuard::SameClientOrFree
                           : kind == Kind::Reclaim  ? WriteGuard::StillExpired
                                                    : WriteGuard::None;
  if (remove) {
    if (auto r = store_.erase(lease.address); !r) return r.error();
    account(previous ? previous : &lease, nullptr, kind);
    return journal_ ? journal_->appendGuarded(lease, true, guard) : 0;
  }
  if (auto r = store_.put(lease); !r) return r.error();
  account(previous, &lease, kind);
  return journal_ ? journal_->appendGuarded(lease, false, guard) : 0;
}

void LeaseWriter::adopt(Ipv4 address, const std::optional<Lease>& current) {
  engine::LeaseChange c;
  c.previous = store_.byAddress(address);
  if (current) {
    c.kind = engine::LeaseChange::Kind::Upsert;
    c.lease = *current;
    if (!store_.put(*current)) return;
  } else {
    if (!c.previous) return;
    c.kind = engine::LeaseChange::Kind::Delete;
    c.lease = *c.previous;
    (void)store_.erase(address);
  }
  account(c, Kind::Command);
}

bool LeaseWriter::adoptFound(const Lease& found) {
  if (auto mine = store_.byAddress(found.address); mine && (*mine == found || mine->expire() >= found.expire())) {
    return false;
  }
  adopt(found.address, found);
  return true;
}

std::size_t LeaseWriter::addRefusalReader() {
  for (std::size_t i = 0; i < refusalReaders_.size(); ++i) {
    if (!refusalReaders_[i]) {
      refusalReaders_[i].emplace();
      return i;
    }
  }
  refusalReaders_.emplace_back(std::in_place);
  return refusalReaders_.size() - 1;
}

void LeaseWriter::removeRefusalReader(std::size_t reader) {
  if (reader < refusalReaders_.size()) refusalReaders_[reader].reset();
}

LeaseWriter::Refused LeaseWriter::takeRefused(std::size_t reader) {
  Refused out;
  if (!journal_) return out;
  for (const LostWrite& lost : journal_->takeLost()) {
    adopt(lost.address, lost.current);
    out.adopted.push_back(lost.address);
    // Every reader hears of it: the reply may be parked at any of them.
    for (auto& r : refusalReaders_) {
      if (r) r->push_back(lost.seq);
    }
  }
  if (reader < refusalReaders_.size() && refusalReaders_[reader])
    out.seqs = std::exchange(*refusalReaders_[reader], {});
  return out;
}

Result<std::uint64_t> LeaseWriter::apply(const engine::LeaseChange& change) {
  return applyAs(change, Kind::Allocation);
}

Result<std::uint64_t> LeaseWriter::reclaim(const engine::LeaseChange& change) { return applyAs(change, Kind::Reclaim); }

// Lease commands and the HA partner's updates, one call per lease: the lease is neither copied
// nor is the one it replaces copied out into fresh buffers (previous_ keeps its own).
Result<std::uint64_t> LeaseWriter::putLease(const Lease& lease) {
  const bool replaces = store_.fetch(lease.address, previous_);
  return applyTo(lease, false, replaces ? &previous_ : nullptr, Kind::Command);
}

Result<std::uint64_t> LeaseWriter::deleteLease(Ipv4 address) {
  if (!store_.fetch(address, previous_)) return makeError(fmt::format("no lease for {}", address.toString()));
  return applyTo(previous_, true, &previous_, Kind::Command);
}

Result<std::uint64_t> LeaseWriter::putLeases(std::span<const Lease> leases) {
  // account() for every lease, summed: a sync of 2 million leases made 2 million samples of
  // the same few statistics (each a registry lock), for values nobody reads in between.
  pageDeltas_.clear();
  std::int64_t globalDeclined = 0;
  auto count = [&](const Lease& l, std::int64_t sign) {
    if (!countsAsAssigned(l)) return;
    const bool declined = l.state == LeaseState::Declined;
    if (declined) globalDeclined += sign;
    for (Scope* s : scopesOf(l)) {
      PageDelta& d = pageDeltas_[s];
      d.assigned += sign;
      if (declined) d.declined += sign;
    }
  };
  std::size_t stored = 0;
  std::optional<Error> refused;
  // The store's index entries for a lease a few ahead are loaded while this one is stored.
  constexpr std::size_t kAhead = 8;
  for (std::size_t i = 0; i < std::min(kAhead, leases.size()); ++i) store_.prefetch(leases[i]);
  for (const Lease& l : leases) {
    if (stored + kAhead < leases.size()) store_.prefetch(leases[stored + kAhead]);
    const bool replaces = store_.fetch(l.address, previous_);
    if (auto r = store_.put(l); !r) {
      refused = r.error();
      break;
    }
    if (replaces) count(previous_, -1);
    count(l, +1);
    ++stored;
  }
  const TimePoint now = now_();
  for (const auto& [scope, d] : pageDeltas_) {
    if (d.assigned) stats_.add(scope->assigned, d.assigned, now);
    if (d.declined) stats_.add(scope->declined, d.declined, now);
  }
  if (globalDeclined) stats_.add(declined_, globalDeclined, now);
  // Kind::Command: written as given (WriteGuard::None), i.e. plain appends.
  const std::uint64_t seq = journal_ && stored ? journal_->appendAll(leases.first(stored)) : 0;
  if (refused) return *refused;
  return seq;
}

std::uint64_t LeaseWriter::durableSeq() const noexcept {
  return journal_ ? journal_->durableSeq() : std::numeric_limits<std::uint64_t>::max();
}

std::string LeaseWriter::subnetText(std::uint32_t id) const {
  auto it = subnets_.find(id);
  return it == subnets_.end() ? std::string() : it->second.text;
}

void LeaseWriter::forgetScopes(TimePoint) {
  // Kea's CfgSubnets4::removeStatistics: the old configuration's subnet statistics go (the
  // v4-allocation-fail* ones stay), so a removed subnet leaves nothing behind and the kept
  // ones start afresh (cumulative-assigned-addresses included).
  for (auto& [id, sub] : subnets_) {
    auto drop = [this](const Scope& s) {
      for (const Handle* h : {&s.total, &s.assigned, &s.cumulative, &s.declined, &s.reclaimedDeclined, &s.reclaimed}) {
        stats_.remove(h->name());
      }
    };
    drop(sub.stats);
    stats_.remove(sub.reservationConflicts.name());
    for (auto& p : sub.pools) drop(p.stats);
  }
  subnets_.clear();
}

void LeaseWriter::recount(const config::Dhcp4Config& cfg, TimePoint now) {
  forgetScopes(now);
  for (const auto& s : cfg.subnets) {
    SubnetScope sub;
    sub.text = s.prefix.toString();
    const std::string prefix = fmt::format("subnet[{}]", s.id);
    sub.stats = makeScope(prefix);
    sub.reservationConflicts = stats_.handle(prefix + ".v4-reservation-conflicts");
    std::int64_t size = 0;
    for (std::size_t i = 0; i < s.pools.size(); ++i) {
      const auto& p = s.pools[i];
      PoolScope ps{p.first, p.last, makeScope(fmt::format("{}.pool[{}]", prefix, i))};
      stats_.set(ps.stats.total, std::int64_t(p.size()), now);
      size += std::int64_t(p.size());
      sub.pools.push_back(std::move(ps));
    }
    stats_.set(sub.stats.total, size, now);
    stats_.set(sub.reservationConflicts, 0, now);
    for (Scope* sc : [&] {
           std::vector<Scope*> v{&sub.stats};
           for (auto& p : sub.pools) v.push_back(&p.stats);
           return v;
         }()) {
      stats_.set(sc->cumulative, 0, now);
      stats_.set(sc->reclaimed, 0, now);
      stats_.set(sc->reclaimedDeclined, 0, now);
    }
    subnets_.emplace(s.id, std::move(sub));
  }
  // The global forms live as long as the process (Kea creates them once).
  for (const Handle* h : {&cumulative_, &reclaimed_, &reclaimedDeclined_}) {
    if (!stats_.exists(h->name())) stats_.set(*h, 0, now);
  }

  // Kea's recountLeaseStats4: every address statistic to 0, then one addValue per
  // (scope, lease state) row with its count.
  struct Counts {
    std::int64_t assigned = 0, declined = 0;
  };
  std::map<Scope*, Counts> counts;
  store_.forEach([&](const Lease& l) {
    if (!countsAsAssigned(l)) return;
    for (Scope* s : scopesOf(l)) {
      if (l.state == LeaseState::Declined) ++counts[s].declined;
      else ++counts[s].assigned;
    }
  });
  stats_.set(declined_, 0, now);
  for (const auto& s : cfg.subnets) {
    auto& sub = subnets_.at(s.id);
    std::vector<Scope*> all{&sub.stats};
    for (auto& p : sub.pools) all.push_back(&p.stats);
    for (Scope* sc : all) {
      const Counts c = counts.count(sc) ? counts[sc] : Counts{};
      stats_.set(sc->assigned, 0, now);
      stats_.set(sc->declined, 0, now);
      if (c.assigned) stats_.add(sc->assigned, c.assigned, now);
      if (c.declined) {
        stats_.add(sc->assigned, c.declined, now);
        stats_.add(sc->declined, c.declined, now);
      }
    }
    const std::int64_t d = counts.count(&sub.stats) ? counts[&sub.stats].declined : 0;
    if (d) stats_.add(declined_, d, now);
  }
}

}  // namespace tandem::net
