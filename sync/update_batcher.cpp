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
  // Addresses taken by this batch or by an earlier change still waiting: a later change of
  // such an address must not overtake it.
  std::unordered_set<std::uint32_t> blocked;
  std::deque<Item> keep;
  // Stops at a full batch: the rest keeps its order behind the changes skipped so far.
  while (!pending_.empty() && batch.items.size() < options_.maxBatch) {
    Item item = std::move(pending_.front());
    pending_.pop_front();
    const std::uint32_t a = item.lease.address.value;
    if (addressesOnWire_.count(a) != 0 || blocked.count(a) != 0) {
      blocked.insert(a);
      keep.push_back(std::move(item));
      continue;
    }
    blocked.insert(a);
    batch.items.push_back(std::move(item));
  }
  for (Item& rest : pending_) keep.push_back(std::move(rest));
  pending_ = std::move(keep);
  if (batch.items.empty()) return std::nullopt;
  for (const Item& i : batch.items) addressesOnWire_.insert(i.lease.address.value);
  batch.id = nextId_++;
  ++inFlight_;
  return batch;
}

void UpdateBatcher::finished(const Batch& batch) {
  for (const Item& i : batch.items) addressesOnWire_.erase(i.lease.address.value);
  if (inFlight_ > 0) --inFlight_;
}

std::vector<UpdateBatcher::Item> UpdateBatcher::takePending() {
  std::vector<Item> out(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.end()));
  pending_.clear();
  return out;
}

}  // namespace tandem::sync
