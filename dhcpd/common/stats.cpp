#include "dhcpd/common/stats.h"

namespace tandem {

void StatsRegistry::add(std::string_view name, std::int64_t delta, TimePoint now) {
  std::lock_guard lock(mutex_);
  auto it = values_.find(name);
  if (it == values_.end()) it = values_.emplace(std::string(name), Sample{}).first;
  it->second.value += delta;
  it->second.when = now;
}

void StatsRegistry::set(std::string_view name, std::int64_t value, TimePoint now) {
  std::lock_guard lock(mutex_);
  auto it = values_.find(name);
  if (it == values_.end()) it = values_.emplace(std::string(name), Sample{}).first;
  it->second.value = value;
  it->second.when = now;
}

bool StatsRegistry::get(std::string_view name, Sample& out) const {
  std::lock_guard lock(mutex_);
  auto it = values_.find(name);
  if (it == values_.end()) return false;
  out = it->second;
  return true;
}

std::int64_t StatsRegistry::value(std::string_view name) const {
  Sample s;
  return get(name, s) ? s.value : 0;
}

std::vector<std::pair<std::string, StatsRegistry::Sample>> StatsRegistry::all() const {
  std::lock_guard lock(mutex_);
  return {values_.begin(), values_.end()};
}

bool StatsRegistry::reset(std::string_view name, TimePoint now) {
  std::lock_guard lock(mutex_);
  auto it = values_.find(name);
  if (it == values_.end()) return false;
  it->second = Sample{0, now};
  return true;
}

void StatsRegistry::resetAll(TimePoint now) {
  std::lock_guard lock(mutex_);
  for (auto& [k, v] : values_) v = Sample{0, now};
}

bool StatsRegistry::remove(std::string_view name) {
  std::lock_guard lock(mutex_);
  auto it = values_.find(name);
  if (it == values_.end()) return false;
  values_.erase(it);
  return true;
}

}  // namespace tandem
