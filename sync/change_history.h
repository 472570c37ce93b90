#pragma once
// Delta resync (issue 11): after a short interruption a partner lacks only the leases this
// server changed since it last held all of them, not the whole database. ChangeHistory
// numbers every lease change this server makes (1, 2, ...) and keeps the last `capacity`
// of them as (address, deleted cltt) in a ring of fixed size: 16 bytes a change, so the
// default million changes cost 16 MB whatever the lease count, and at 1,000 changes a
// second reach back about 17 minutes. A resync that needs changes older than the ring holds
// falls back to the full pull. DeliveryTracker (sync/delivery_tracker.h) says, per partner,
// up to which number the partner holds everything.
#include <cstdint>
#include <optional>
#include <vector>

#include "dhcpd/lease/lease.h"

namespace tandem::sync {

class ChangeHistory {
 public:
  static constexpr std::size_t kDefaultCapacity = std::size_t{1} << 20;
  explicit ChangeHistory(std::size_t capacity = kDefaultCapacity);

  // Records a change of `address` and returns its number. `deletedCltt`: the change deleted
  // the lease, whose cltt this was (a deletion only beats a copy that is not newer,
  // sync/lease_merge.h).
  std::uint64_t record(Ipv4 address, std::optional<std::int64_t> deletedCltt = std::nullopt);
  // The number of the latest change (0: none yet).
  std::uint64_t last() const noexcept { return last_; }
  // The oldest change still held (last() + 1 when none is).
  std::uint64_t oldest() const noexcept;

  struct Change {
    Ipv4 address;
    bool deleted = false;
    std::int64_t deletedCltt = 0;  // when deleted
  };
  enum class Refusal : std::uint8_t { TooOld, TooMany };
  struct Since {
    std::vector<Change> changes;     // the latest change of each address, newest first
    std::optional<Refusal> refused;  // set when `changes` cannot be given
  };
  // The changes numbered above `after` (exclusive), the latest per address. Refused when the
  // ring no longer holds change after + 1 (TooOld) or when they touch more than
  // `maxAddresses` addresses (TooMany: a full pull is as cheap then).
  Since since(std::uint64_t after, std::size_t maxAddresses) const;

 private:
  struct Slot {
    std::uint32_t address = 0;
    bool deleted = false;
    std::int64_t deletedCltt = 0;
  };
  std::size_t capacity_;
  std::vector<Slot> ring_;  // allocated at the first change
  std::uint64_t last_ = 0;
};

}  // namespace tandem::sync
