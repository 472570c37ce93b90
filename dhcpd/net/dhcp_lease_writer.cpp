#include "dhcpd/net/dhcp_lease_writer.h"

#include <limits>

#include <fmt/format.h>

namespace tandem::net {

LeaseWriter::LeaseWriter(LeaseStore& store, LeaseJournal* journal, StatsRegistry& stats)
    : store_(store), journal_(journal), stats_(stats) {}

void LeaseWriter::account(const Lease& lease, int sign, bool fresh) {
  if (!countsAsAssigned(lease)) return;
  auto& c = subnets_[lease.subnetId];
  c.assigned += sign;
  global_.assigned += sign;
  if (lease.state == LeaseState::Declined) {
    c.declined += sign;
    global_.declined += sign;
  }
  if (sign > 0 && fresh && lease.state == LeaseState::Default) {
    ++c.cumulativeAssigned;
    ++global_.cumulativeAssigned;
  }
  dirty_.insert(lease.subnetId);
  globalDirty_ = true;
}

Result<std::uint64_t> LeaseWriter::apply(const engine::LeaseChange& change) {
  const Lease& lease = change.lease;
  if (change.kind == engine::LeaseChange::Kind::Delete) {
    if (auto r = store_.erase(lease.address); !r) return r.error();
    account(change.previous ? *change.previous : lease, -1, false);
    return journal_ ? journal_->appendDelete(lease) : 0;
  }
  if (auto r = store_.put(lease); !r) return r.error();
  // A renewal is not a new assignment; a new client on the address, or an address coming
  // back from reclaimed/declined, is (Kea's cumulative-assigned-addresses).
  bool fresh = !change.previous || !countsAsAssigned(*change.previous) ||
               change.previous->state != LeaseState::Default ||
               !(change.previous->hwAddr == lease.hwAddr && change.previous->clientId == lease.clientId);
  if (change.previous) account(*change.previous, -1, false);
  account(lease, +1, fresh);
  return journal_ ? journal_->append(lease) : 0;
}

Result<std::uint64_t> LeaseWriter::putLease(const Lease& lease) {
  engine::LeaseChange c;
  c.kind = engine::LeaseChange::Kind::Upsert;
  c.lease = lease;
  c.previous = store_.byAddress(lease.address);
  return apply(c);
}

Result<std::uint64_t> LeaseWriter::deleteLease(Ipv4 address) {
  auto prev = store_.byAddress(address);
  if (!prev) return makeError(fmt::format("no lease for {}", address.toString()));
  engine::LeaseChange c;
  c.kind = engine::LeaseChange::Kind::Delete;
  c.lease = *prev;
  c.previous = prev;
  return apply(c);
}

std::uint64_t LeaseWriter::durableSeq() const noexcept {
  return journal_ ? journal_->durableSeq() : std::numeric_limits<std::uint64_t>::max();
}

void LeaseWriter::recount(const config::Dhcp4Config& cfg, TimePoint now) {
  // Keep cumulative counters across reconfiguration; they are never recounted.
  for (auto& [id, c] : subnets_) {
    c.assigned = 0;
    c.declined = 0;
  }
  global_.assigned = 0;
  global_.declined = 0;
  store_.forEach([&](const Lease& l) {
    if (!countsAsAssigned(l)) return;
    auto& c = subnets_[l.subnetId];
    ++c.assigned;
    ++global_.assigned;
    if (l.state == LeaseState::Declined) {
      ++c.declined;
      ++global_.declined;
    }
  });
  std::int64_t total = 0;
  for (const auto& s : cfg.subnets) {
    std::int64_t size = 0;
    for (const auto& p : s.pools) size += std::int64_t(p.size());
    total += size;
    stats_.set(fmt::format("subnet[{}].total-addresses", s.id), size, now);
    subnets_[s.id];  // publish zeros for subnets without leases
  }
  stats_.set("total-addresses", total, now);
  for (const auto& [id, c] : subnets_) dirty_.insert(id);
  globalDirty_ = true;
  publish(now);
}

void LeaseWriter::publish(TimePoint now) {
  for (std::uint32_t id : dirty_) {
    const auto& c = subnets_[id];
    stats_.set(fmt::format("subnet[{}].assigned-addresses", id), c.assigned, now);
    stats_.set(fmt::format("subnet[{}].declined-addresses", id), c.declined, now);
    stats_.set(fmt::format("subnet[{}].cumulative-assigned-addresses", id), c.cumulativeAssigned, now);
  }
  dirty_.clear();
  if (globalDirty_) {
    stats_.set("assigned-addresses", global_.assigned, now);
    stats_.set("declined-addresses", global_.declined, now);
    stats_.set("cumulative-assigned-addresses", global_.cumulativeAssigned, now);
    globalDirty_ = false;
  }
}

}  // namespace tandem::net
