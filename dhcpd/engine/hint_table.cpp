#include "dhcpd/engine/hint_table.h"

namespace tandem::engine {

void HintTable::remember(const std::string& clientKey, Ipv4 address, std::uint32_t subnetId) {
  if (capacity_ == 0) return;
  if (auto it = index_.find(clientKey); it != index_.end()) {
    it->second->address = address;
    it->second->subnetId = subnetId;
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.push_front(Entry{clientKey, address, subnetId});
  index_.emplace(clientKey, lru_.begin());
  if (index_.size() > capacity_) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

std::optional<Ipv4> HintTable::lookup(const std::string& clientKey, std::uint32_t subnetId) const {
  auto it = index_.find(clientKey);
  if (it == index_.end() || it->second->subnetId != subnetId) return std::nullopt;
  return it->second->address;
}

void HintTable::forget(const std::string& clientKey) {
  auto it = index_.find(clientKey);
  if (it == index_.end()) return;
  lru_.erase(it->second);
  index_.erase(it);
}

}  // namespace tandem::engine
