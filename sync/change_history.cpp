#include "sync/change_history.h"

#include <algorithm>
#include <unordered_set>

namespace tandem::sync {

ChangeHistory::ChangeHistory(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

std::uint64_t ChangeHistory::record(Ipv4 address, std::optional<std::int64_t> deletedCltt) {
  if (ring_.empty()) ring_.resize(capacity_);
  ++last_;
  Slot& s = ring_[(last_ - 1) % ring_.size()];
  s.address = address.value;
  s.deleted = deletedCltt.has_value();
  s.deletedCltt = deletedCltt.value_or(0);
  return last_;
}

std::uint64_t ChangeHistory::oldest() const noexcept { return last_ > capacity_ ? last_ - capacity_ + 1 : 1; }

ChangeHistory::Since ChangeHistory::since(std::uint64_t after, std::size_t maxAddresses) const {
  Since out;
  if (after >= last_) return out;
  if (after + 1 < oldest()) {
    out.refused = Refusal::TooOld;
    return out;
  }
  std::unordered_set<std::uint32_t> seen;
  seen.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(last_ - after, maxAddresses + 1)));
  // Newest first: the first sighting of an address is its latest change.
  for (std::uint64_t n = last_; n > after; --n) {
    const Slot& s = ring_[(n - 1) % ring_.size()];
    if (!seen.insert(s.address).second) continue;
    if (seen.size() > maxAddresses) {
      out.changes.clear();
      out.refused = Refusal::TooMany;
      return out;
    }
    out.changes.push_back(Change{Ipv4(s.address), s.deleted, s.deletedCltt});
  }
  return out;
}

}  // namespace tandem::sync
