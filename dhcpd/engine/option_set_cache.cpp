#include "dhcpd/engine/option_set_cache.h"

#include <cstdint>

namespace tandem::engine {

std::size_t OptionSetCache::KeyHash::operator()(const std::vector<const void*>& k) const noexcept {
  std::uint64_t h = k.size();
  for (const void* p : k) {
    h ^= std::uint64_t(reinterpret_cast<std::uintptr_t>(p));
    h *= 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;
  }
  return std::size_t(h);
}

const OptionSet* OptionSetCache::find(const OptionSources& src) {
  if (src.reservation && !src.reservation->empty()) return nullptr;
  key_.clear();
  key_.insert(key_.end(), {src.pool, src.subnet, src.network, src.global});
  for (const auto* c : src.classes) key_.push_back(c);
  if (auto it = sets_.find(key_); it != sets_.end()) return &it->second;
  if (sets_.size() >= kMaxSets) return nullptr;
  OptionSources resolved = src;
  resolved.reservation = nullptr;  // empty: contributes nothing
  return &sets_.emplace(key_, OptionSet(resolved)).first->second;
}

}  // namespace tandem::engine
