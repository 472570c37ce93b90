#include "ha/pool_split.h"

#include <algorithm>

namespace tandem::ha {

namespace {

std::vector<PoolSplit::Range> normalise(std::vector<PoolSplit::Range> r) {
  std::sort(r.begin(), r.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<PoolSplit::Range> out;
  for (const auto& x : r) {
    if (!out.empty() && x.first.value <= out.back().last.value + 1ull) {
      out.back().last = std::max(out.back().last, x.last);
    } else {
      out.push_back(x);
    }
  }
  for (auto& x : out) x.small = std::uint64_t(x.last.value) - x.first.value + 1 < PoolSplit::kSmallPool;
  return out;
}

}  // namespace

PoolSplit::PoolSplit(bool enabled, Share own, std::vector<Range> splitPools)
    : enabled_(enabled), own_(own), pools_(normalise(std::move(splitPools))) {}

PoolSplit::PoolSplit(const HaConfig& ha, const config::Dhcp4Config& dhcp,
                     const std::function<bool(std::uint32_t)>& inRelationship) {
  const Role role = ha.thisServer().role;
  enabled_ = ha.mode == HaMode::LoadBalancing && ha.poolSplit && (role == Role::Primary || role == Role::Secondary);
  own_ = role == Role::Secondary ? Share::Odd : Share::Even;
  std::vector<Range> ranges;
  for (const auto& subnet : dhcp.subnets) {
    if (inRelationship && !inRelationship(subnet.id)) continue;
    for (const auto& pool : subnet.pools) {
      // A pool the operator already bound to one peer's scope is that peer's alone (Kea's
      // manual split); splitting it again would leave half of it unused.
      bool boundToPeer = false;
      for (const auto& p : ha.peers) boundToPeer = boundToPeer || pool.clientClass == "HA_" + p.name;
      if (!boundToPeer) ranges.push_back({pool.first, pool.last});
    }
  }
  pools_ = normalise(std::move(ranges));
}

const PoolSplit::Range* PoolSplit::splitRange(Ipv4 a) const noexcept {
  auto it = std::upper_bound(pools_.begin(), pools_.end(), a, [](Ipv4 v, const Range& r) { return v < r.first; });
  if (it == pools_.begin()) return nullptr;
  --it;
  return a <= it->last ? &*it : nullptr;
}

bool PoolSplit::inSplitPool(Ipv4 a) const noexcept { return splitRange(a) != nullptr; }

bool PoolSplit::allows(Ipv4 a, SteadyTime now) const noexcept {
  if (!enabled_ || inOwnShare(a)) return true;
  const Range* range = splitRange(a);
  if (!range) return true;
  if (range->small && partnerShareGranted_.load(std::memory_order_acquire)) return true;
  const std::int64_t from = partnerFromNs_.load(std::memory_order_acquire);
  return from != kNever && std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count() >= from;
}

void PoolSplit::setPartnerShareUsableFrom(std::optional<SteadyTime> at) noexcept {
  partnerShareGranted_.store(at.has_value(), std::memory_order_release);
  partnerFromNs_.store(at ? std::chrono::duration_cast<std::chrono::nanoseconds>(at->time_since_epoch()).count()
                          : kNever,
                       std::memory_order_release);
}

std::optional<SteadyTime> PoolSplit::partnerShareUsableFrom() const noexcept {
  const std::int64_t v = partnerFromNs_.load(std::memory_order_acquire);
  if (v == kNever) return std::nullopt;
  return SteadyTime(std::chrono::duration_cast<SteadyClock::duration>(std::chrono::nanoseconds(v)));
}

std::function<bool(Ipv4)> PoolSplit::allocFilter(std::function<SteadyTime()> now) const {
  return [this, now = std::move(now)](Ipv4 a) { return allows(a, now()); };
}

}  // namespace tandem::ha
