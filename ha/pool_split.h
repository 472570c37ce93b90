#pragma once
// Tandem's automatic split of free addresses between the two load-balancing peers
// (issue 5; Kea has no equivalent and relies on operators binding pools to HA_<name> classes,
// reference/ha-protocol.md 5.5 and section 12 item 6).
//
// Rule: in every pool that is not already bound to an `HA_<peer>` class, the primary may newly
// allocate only EVEN addresses and the secondary only ODD ones (by the address's last bit).
//
// Why address parity rather than, say, the first half / second half or alternating blocks:
//  - it is decided from the configuration alone (just the server's role), so both peers agree
//    without talking;
//  - it does not depend on pool boundaries: if the peers' pool lists ever differ (one side
//    reloaded first, a typo), the two shares are still disjoint, whereas halves or blocks
//    computed from a pool's start shift with it and can overlap;
//  - every pool of two or more addresses is split evenly (to one address), and a client of
//    either scope can get any address of the serving peer's share: no client class involved,
//    so both halves stay usable by every client;
//  - the check is one bit test on the allocation hot path.
// The cost is that a one-address pool belongs to one peer only.
//
// Small pools (issue 11): a (merged) pool range of fewer than kSmallPool addresses gives a peer
// one address or none, so waiting for takeover-delay in partner-down would leave the survivor
// with nothing to give its partner's clients (test setups and small sites use one-address
// pools). In such ranges the partner's share is usable as soon as the machine makes it usable
// at all (partner-down, partner-in-maintenance), without the delay: the same trade Kea makes
// for every pool. A partition in which both peers go partner-down may then hand one of those
// few addresses to two clients; larger pools keep the delay's protection. In normal
// load-balancing nothing changes: a one-address pool is still the even/odd owner's.
//
// Renewals of a client's own lease are never filtered (the engine applies the filter to new
// allocations only), so the split never moves a client. The partner's share becomes usable
// when the HA machine says so (SetPartnerShare): after takeover-delay in partner-down, at once
// in partner-in-maintenance; a partition shorter than takeover-delay therefore never gives one
// address to two clients even when both peers believe the other is down.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "dhcpd/common/steady_time.h"
#include "dhcpd/common/ipv4.h"
#include "dhcpd/config/dhcp4_config.h"
#include "ha/ha_config.h"

namespace tandem::ha {

class PoolSplit {
 public:
  enum class Share : std::uint8_t { Even, Odd };
  struct Range {
    Ipv4 first, last;    // inclusive
    bool small = false;  // after merging: fewer than kSmallPool addresses
  };
  static constexpr std::uint64_t kSmallPool = 4;

  // Split active in load-balancing with pool-split true, for the primary (even) and the
  // secondary (odd); everything is allowed otherwise (Kea's shared-pool behaviour).
  // `inRelationship`: on an HA hub, the subnets of this relationship (the others' pools are
  // not its to split); empty = every subnet.
  PoolSplit(const HaConfig& ha, const config::Dhcp4Config& dhcp,
            const std::function<bool(std::uint32_t subnetId)>& inRelationship = {});
  PoolSplit(bool enabled, Share own, std::vector<Range> splitPools);
  PoolSplit(const PoolSplit&) = delete;
  PoolSplit& operator=(const PoolSplit&) = delete;

  bool enabled() const noexcept { return enabled_; }
  Share ownShare() const noexcept { return own_; }
  const std::vector<Range>& splitPools() const noexcept { return pools_; }

  bool inOwnShare(Ipv4 a) const noexcept { return (a.value & 1u) == (own_ == Share::Odd ? 1u : 0u); }
  bool inSplitPool(Ipv4 a) const noexcept;
  // The split range holding `a`, if any.
  const Range* splitRange(Ipv4 a) const noexcept;
  // May this server newly allocate `a` at `now`? Thread-safe against setPartnerShareUsableFrom.
  bool allows(Ipv4 a, SteadyTime now) const noexcept;

  // From the HA machine's SetPartnerShare action; nullopt = the partner's share is off limits.
  void setPartnerShareUsableFrom(std::optional<SteadyTime> at) noexcept;
  std::optional<SteadyTime> partnerShareUsableFrom() const noexcept;

  // Adapter for engine::Engine::setAllocFilter, which passes no time.
  std::function<bool(Ipv4)> allocFilter(std::function<SteadyTime()> now) const;

 private:
  static constexpr std::int64_t kNever = INT64_MAX;
  bool enabled_ = false;
  Share own_ = Share::Even;
  std::vector<Range> pools_;  // sorted by first, non-overlapping after merge
  std::atomic<std::int64_t> partnerFromNs_{kNever};
  std::atomic<bool> partnerShareGranted_{false};  // any usableFrom set: small ranges usable now
};

}  // namespace tandem::ha
