#include "sync/delivery_tracker.h"

#include <algorithm>

namespace tandem::sync {

void DeliveryTracker::sent(std::uint64_t seq) {
  if (floor_ && seq <= *floor_) return;
  outstanding_.insert(seq);
}

void DeliveryTracker::acknowledged(std::uint64_t seq) { outstanding_.erase(seq); }

void DeliveryTracker::missed(std::uint64_t seq) {
  outstanding_.erase(seq);
  // A change the partner's last pull already carried cannot be missing from it.
  if (floor_ && seq <= *floor_) return;
  firstMissed_ = firstMissed_ ? std::min(*firstMissed_, seq) : seq;
}

void DeliveryTracker::synchronised(std::uint64_t last) {
  floor_ = last;
  // Everything reported so far is numbered up to `last`, so all of it is covered.
  firstMissed_.reset();
  outstanding_.erase(outstanding_.begin(), outstanding_.upper_bound(last));
}

void DeliveryTracker::forget() {
  floor_.reset();
  firstMissed_.reset();
  outstanding_.clear();
}

std::optional<std::uint64_t> DeliveryTracker::watermark(std::uint64_t last) const {
  if (!floor_) return std::nullopt;
  std::uint64_t w = std::max(last, *floor_);
  if (firstMissed_) w = std::min(w, *firstMissed_ - 1);
  if (!outstanding_.empty()) w = std::min(w, *outstanding_.begin() - 1);
  return std::max(w, *floor_);
}

}  // namespace tandem::sync
