#include "sync/lease_update_backlog.h"

namespace tandem::sync {

bool LeaseUpdateBacklog::push(Op op, const Lease& lease) {
  if (entries_.size() >= limit_) {
    overflown_ = true;
    return false;
  }
  entries_.push_back(Entry{op, lease});
  return true;
}

std::optional<LeaseUpdateBacklog::Entry> LeaseUpdateBacklog::pop() {
  if (entries_.empty()) return std::nullopt;
  Entry e = std::move(entries_.front());
  entries_.pop_front();
  return e;
}

bool LeaseUpdateBacklog::holds(Ipv4 address) const noexcept {
  for (const Entry& e : entries_) {
    if (e.lease.address == address) return true;
  }
  return false;
}

void LeaseUpdateBacklog::clear() noexcept {
  entries_.clear();
  overflown_ = false;
}

}  // namespace tandem::sync
