#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "dhcpd/common/result.h"
#include "dhcpd/lease/lease.h"

namespace tandem {

// Who made a change: a partner's change is applied but never replicated back (no echo).
enum class Origin : std::uint8_t { Local, Partner, Admin };

// The in-memory lease database, indexed by address, hw-address and client-id.
// Implementations: MemoryLeaseStore (dhcpd/lease/memory_lease_store.h). Persistence is a
// separate LeaseJournal, so the store stays a pure data structure.
class LeaseStore {
 public:
  virtual ~LeaseStore() = default;

  virtual std::optional<Lease> byAddress(Ipv4 a) const = 0;
  // The cltt of the lease at `a` (nullopt: none), and whether the store holds exactly `l`:
  // what a lease synchronisation compares for every lease it receives, without copying the
  // stored lease out (its heap blocks made that the puller's main cost per lease).
  virtual std::optional<std::int64_t> clttAt(Ipv4 a) const {
    auto l = byAddress(a);
    return l ? std::optional<std::int64_t>(l->cltt) : std::nullopt;
  }
  // The lease at `a` copied into `out`, reusing its buffers (no allocation once they are big
  // enough: the partner's apply path looks up every lease it replaces). False: none (`out`
  // untouched).
  virtual bool fetch(Ipv4 a, Lease& out) const {
    auto l = byAddress(a);
    if (!l) return false;
    out = std::move(*l);
    return true;
  }
  virtual bool holds(const Lease& l) const {
    auto mine = byAddress(l.address);
    return mine && *mine == l;
  }
  // One lease per client per subnet, as Kea allows.
  virtual std::optional<Lease> byHwAddr(const HwAddr& hw, std::uint32_t subnetId) const = 0;
  virtual std::optional<Lease> byClientId(std::span<const std::uint8_t> id, std::uint32_t subnetId) const = 0;
  virtual std::vector<Lease> allByHwAddr(const HwAddr& hw) const = 0;
  virtual std::vector<Lease> allByClientId(std::span<const std::uint8_t> id) const = 0;

  // Insert or replace the lease at lease.address (indexes updated).
  virtual Result<void> put(const Lease& lease) = 0;
  // A hint that put(lease) follows soon: an implementation may start loading what that put
  // will touch (a sync page stores leases whose index slots are scattered over tables far
  // bigger than the caches). Default: nothing.
  virtual void prefetch(const Lease& /*lease*/) const noexcept {}
  // Returns an error when there is no lease at that address.
  virtual Result<void> erase(Ipv4 a) = 0;
  virtual void clear() = 0;

  // Leases with address > after, ascending, at most limit (Kea's lease4-get-page order).
  virtual std::vector<Lease> page(Ipv4 after, std::size_t limit) const = 0;
  // Visits every lease (address order not guaranteed).
  virtual void forEach(const std::function<void(const Lease&)>& fn) const = 0;
  // Up to limit leases in state Default or Declined whose expire() <= now.
  virtual std::vector<Lease> expired(std::int64_t now, std::size_t limit) const = 0;
  // Number of leases with address in [first, last] (for pool statistics).
  virtual std::size_t countInRange(Ipv4 first, Ipv4 last) const = 0;
  virtual std::size_t size() const = 0;
};

}  // namespace tandem
