#include "sync/update_batcher.h"

#include <algorithm>
#include <utility>

namespace tandem::sync {

UpdateBatcher::UpdateBatcher(Options options) : options_(options) {
  options_.maxInFlight = std::max<std::size_t>(options_.maxInFlight, 1);
  options_.maxBatch = std::max<std::size_t>(options_.maxBatch, 1);
  options_.minBatch = std::clamp<std::size_t>(options_.minBatch, 1, options_.maxBatch);
}

void UpdateBatcher::add(Lease lease, bool upsert, Callback done) {
  pending_.push_back(Item{std::move(lease), upsert, std::move(done)});
}

std::optional<UpdateBatcher::Batch> UpdateBatcher::next() {
  if (inFlight_ >= options_.maxInFlight || pending_.empty()) return std::nullopt;
  if (inFlight_ > 0 && pending_.size() < options_.minBatch) return std::nullopt;
  Batch batch;
  batch.items.reserve(std::min(pending_.size(), options_.maxBatch));
  // A change whose address is on the wire, already in this batch (inserted below) or held by
  // an earlier change left waiting must not overtake that one: it waits too, in order.
  // Stops at a full batch: the rest keeps its order behind the changes skipped so far.
  while (!pending_.empty() && batch.items.size() < options_.maxBatch) {
    Item& item = pending_.front();
    const std::uint32_t a = item.lease.address.value;
    if (addressesOnWire_.contains(a) || (!skippedList_.empty() && skipped_.contains(a))) {
      if (skipped_.insert(a)) skippedList_.push_back(a);
      kept_.push_back(std::move(item));
    } else {
      addressesOnWire_.insert(a);
      batch.items.push_back(std::move(item));
    }
    pending_.pop_front();
  }
  if (!kept_.empty()) {
    for (Item& rest : pending_) kept_.push_back(std::move(rest));
    pending_.clear();
    pending_.swap(kept_);
  }
  for (std::uint32_t a : skippedList_) skipped_.erase(a);
  skippedList_.clear();
  if (batch.items.empty()) return std::nullopt;
  batch.id = nextId_++;
  batch.generation = generation_;
  ++inFlight_;
  return batch;
}

void UpdateBatcher::finished(const Batch& batch) {
  if (batch.generation != generation_) return;
  for (const Item& i : batch.items) addressesOnWire_.erase(i.lease.address.value);
  if (inFlight_ > 0) --inFlight_;
}

void UpdateBatcher::detachInFlight() noexcept {
  inFlight_ = 0;
  addressesOnWire_.clear();
  ++generation_;
}

std::vector<UpdateBatcher::Item> UpdateBatcher::takePending() {
  std::vector<Item> out(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.end()));
  pending_.clear();
  return out;
}

}  // namespace tandem::sync
