#pragma once
// Iterative allocation state of one pool (Kea's iterative allocator): a cursor that moves
// forward through the pool so consecutive allocations touch one address each instead of
// scanning the pool from its start, plus a memo of a failed full scan so that an exhausted
// pool is not rescanned for every DISCOVER.
#include <cstddef>
#include <cstdint>

#include "dhcpd/common/clock.h"
#include "dhcpd/common/ipv4.h"

namespace tandem::engine {

struct PoolCursor {
  Ipv4 first, last;
  std::uint32_t next = 0;
  // Set after a full scan found nothing. The scan stays valid until the earliest time an
  // address seen busy could free (lease expiry, offer expiry), until the store's lease count
  // in the pool changes (someone else deleted or added leases), or until the engine itself
  // frees an address in the pool.
  bool exhausted = false;
  TimePoint retryAt{};
  std::size_t leaseCount = 0;

  PoolCursor() = default;
  PoolCursor(Ipv4 f, Ipv4 l) : first(f), last(l), next(f.value) {}
  bool contains(Ipv4 a) const noexcept { return a >= first && a <= last; }
  std::uint64_t size() const noexcept { return std::uint64_t(last.value) - first.value + 1; }
  // Returns the candidate under the cursor and advances it, wrapping at the end.
  Ipv4 take() noexcept {
    Ipv4 a(next);
    next = (next == last.value) ? first.value : next + 1;
    return a;
  }
};

}  // namespace tandem::engine
