#include "sync/delivery_tracker.h"

#include <algorithm>

namespace tandem::sync {

void DeliveryTracker::sent(std::uint64_t seq) {
  if (floor_ && seq <= *floor_) return;
  if (seqs_.empty() || seq > seqs_.back()) {
    seqs_.push_back(seq);
    answered_.push_back(false);
    ++inFlight_;
    return;
  }
  // Out of order (never on the update path, whose numbers only grow): keep the order.
  const auto it = std::lower_bound(seqs_.begin(), seqs_.end(), seq);
  const auto i = static_cast<std::size_t>(it - seqs_.begin());
  if (it != seqs_.end() && *it == seq) {
    if (answered_[i]) {
      answered_[i] = false;
      ++inFlight_;
    }
    return;
  }
  seqs_.insert(it, seq);
  answered_.insert(answered_.begin() + static_cast<std::ptrdiff_t>(i), false);
  ++inFlight_;
}

void DeliveryTracker::acknowledged(std::uint64_t seq) {
  const auto it = std::lower_bound(seqs_.begin(), seqs_.end(), seq);
  if (it == seqs_.end() || *it != seq) return;
  const auto i = static_cast<std::size_t>(it - seqs_.begin());
  if (!answered_[i]) {
    answered_[i] = true;
    --inFlight_;
  }
  trim();
}

void DeliveryTracker::missed(std::uint64_t seq) {
  acknowledged(seq);  // no longer in flight
  // A change the partner's last pull already carried cannot be missing from it.
  if (floor_ && seq <= *floor_) return;
  firstMissed_ = firstMissed_ ? std::min(*firstMissed_, seq) : seq;
}

void DeliveryTracker::synchronised(std::uint64_t last) {
  floor_ = last;
  // Everything reported so far is numbered up to `last`, so all of it is covered.
  firstMissed_.reset();
  while (!seqs_.empty() && seqs_.front() <= last) {
    if (!answered_.front()) --inFlight_;
    seqs_.pop_front();
    answered_.pop_front();
  }
  trim();
}

void DeliveryTracker::heldUpTo(std::uint64_t seq) {
  if (floor_ && *floor_ >= seq) return;
  floor_ = seq;
  // Only the first miss is kept: one at or below `seq` is covered, but one after it may stand
  // behind it, so the watermark stays at `seq` until the partner's next pull (a delta from
  // there can only fetch too much).
  if (firstMissed_ && *firstMissed_ <= seq) firstMissed_ = seq + 1;
  while (!seqs_.empty() && seqs_.front() <= seq) {
    if (!answered_.front()) --inFlight_;
    seqs_.pop_front();
    answered_.pop_front();
  }
  trim();
}

void DeliveryTracker::forget() {
  floor_.reset();
  firstMissed_.reset();
  seqs_.clear();
  answered_.clear();
  inFlight_ = 0;
}

void DeliveryTracker::trim() noexcept {
  while (!answered_.empty() && answered_.front()) {
    seqs_.pop_front();
    answered_.pop_front();
  }
}

std::optional<std::uint64_t> DeliveryTracker::newestInFlight() const noexcept {
  for (std::size_t i = seqs_.size(); i > 0; --i) {
    if (!answered_[i - 1]) return seqs_[i - 1];
  }
  return std::nullopt;
}

std::optional<std::uint64_t> DeliveryTracker::watermark(std::uint64_t last) const {
  if (!floor_) return std::nullopt;
  std::uint64_t w = std::max(last, *floor_);
  if (firstMissed_) w = std::min(w, *firstMissed_ - 1);
  if (!seqs_.empty()) w = std::min(w, seqs_.front() - 1);  // trimmed: the oldest in flight
  return std::max(w, *floor_);
}

}  // namespace tandem::sync
