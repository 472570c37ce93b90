#pragma once
// A std::map-based LeaseStore for engine tests: simple enough to be obviously right.
#include <algorithm>
#include <map>

#include "dhcpd/lease/lease_store.h"

namespace tandem::test {

class FakeLeaseStore final : public LeaseStore {
 public:
  std::optional<Lease> byAddress(Ipv4 a) const override {
    ++addressLookups;
    auto it = leases_.find(a.value);
    if (it == leases_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<Lease> byHwAddr(const HwAddr& hw, std::uint32_t subnetId) const override {
    if (hw.empty()) return std::nullopt;
    for (const auto& [a, l] : leases_) {
      if (l.subnetId == subnetId && l.hwAddr == hw) return l;
    }
    return std::nullopt;
  }
  std::optional<Lease> byClientId(std::span<const std::uint8_t> id, std::uint32_t subnetId) const override {
    if (id.empty()) return std::nullopt;
    for (const auto& [a, l] : leases_) {
      if (l.subnetId == subnetId && std::ranges::equal(l.clientId, id)) return l;
    }
    return std::nullopt;
  }
  std::vector<Lease> allByHwAddr(const HwAddr& hw) const override {
    std::vector<Lease> out;
    for (const auto& [a, l] : leases_) {
      if (!hw.empty() && l.hwAddr == hw) out.push_back(l);
    }
    return out;
  }
  std::vector<Lease> allByClientId(std::span<const std::uint8_t> id) const override {
    std::vector<Lease> out;
    for (const auto& [a, l] : leases_) {
      if (!id.empty() && std::ranges::equal(l.clientId, id)) out.push_back(l);
    }
    return out;
  }
  Result<void> put(const Lease& lease) override {
    leases_[lease.address.value] = lease;
    return {};
  }
  Result<void> erase(Ipv4 a) override {
    if (leases_.erase(a.value) == 0) return makeError("no lease at " + a.toString());
    return {};
  }
  void clear() override { leases_.clear(); }
  std::vector<Lease> page(Ipv4 after, std::size_t limit) const override {
    std::vector<Lease> out;
    for (auto it = leases_.upper_bound(after.value); it != leases_.end() && out.size() < limit; ++it) {
      out.push_back(it->second);
    }
    return out;
  }
  void forEach(const std::function<void(const Lease&)>& fn) const override {
    for (const auto& [a, l] : leases_) fn(l);
  }
  std::vector<Lease> expired(std::int64_t now, std::size_t limit) const override {
    std::vector<Lease> out;
    for (const auto& [a, l] : leases_) {
      if (out.size() >= limit) break;
      if (l.state != LeaseState::ExpiredReclaimed && l.expire() <= now) out.push_back(l);
    }
    return out;
  }
  std::size_t countInRange(Ipv4 first, Ipv4 last) const override {
    return static_cast<std::size_t>(std::distance(leases_.lower_bound(first.value), leases_.upper_bound(last.value)));
  }
  std::size_t size() const override { return leases_.size(); }

  // byAddress() calls so far: lets tests check the allocator does not rescan full pools.
  mutable std::size_t addressLookups = 0;

 private:
  std::map<std::uint32_t, Lease> leases_;
};

}  // namespace tandem::test
