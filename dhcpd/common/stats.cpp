#include "dhcpd/common/stats.h"

#include <algorithm>

namespace tandem {

namespace {

using Entry = StatsRegistry::Handle::Entry;

// Kea trims after each new sample: by count, or by the age span newest..oldest. A count of 0
// empties Kea's history until the next sample (statistic-get then fails there); the newest
// sample is always kept here.
void trim(Entry& e) {
  if (e.countMode) {
    const std::size_t max = std::max<std::uint32_t>(e.maxCount, 1);
    while (e.samples.size() > max) e.samples.pop_back();
    return;
  }
  while (e.samples.size() > 1 && e.samples.front().when - e.samples.back().when > e.maxAge) e.samples.pop_back();
}

}  // namespace

const std::string& StatsRegistry::Handle::name() const noexcept {
  static const std::string kEmpty;
  return entry_ ? entry_->name : kEmpty;
}

std::shared_ptr<Entry> StatsRegistry::createLocked(std::string_view name) {
  auto it = values_.find(name);
  if (it != values_.end()) return it->second;
  auto e = std::make_shared<Entry>();
  e->name = std::string(name);
  e->countMode = defaultCountMode_;
  e->maxCount = defaultMaxCount_;
  e->maxAge = defaultMaxAge_;
  return e;  // not yet in the map: it becomes live with its first sample
}

std::shared_ptr<Entry> StatsRegistry::liveLocked(const Handle& h) {
  if (h.entry_->live) return h.entry_;
  // Removed since the handle was made (or never created): the statistic by that name now,
  // which the handle adopts so that later updates are direct again.
  auto e = createLocked(h.entry_->name);
  h.entry_ = e;
  return e;
}

void StatsRegistry::pushLocked(Entry& e, std::int64_t value, TimePoint now) {
  e.samples.push_front(Sample{value, now});
  trim(e);
}

void StatsRegistry::publishLocked(const std::shared_ptr<Entry>& e) {
  if (e->live) return;
  e->live = true;
  values_[e->name] = e;
}

StatsRegistry::Handle StatsRegistry::handle(std::string_view name) {
  std::lock_guard lock(mutex_);
  return Handle(createLocked(name));
}

void StatsRegistry::add(const Handle& h, std::int64_t delta, TimePoint now) {
  if (!h) return;
  std::lock_guard lock(mutex_);
  auto e = liveLocked(h);
  const std::int64_t base = e->samples.empty() ? 0 : e->samples.front().value;
  pushLocked(*e, base + delta, now);
  publishLocked(e);
}

void StatsRegistry::set(const Handle& h, std::int64_t value, TimePoint now) {
  if (!h) return;
  std::lock_guard lock(mutex_);
  auto e = liveLocked(h);
  pushLocked(*e, value, now);
  publishLocked(e);
}

void StatsRegistry::add(std::string_view name, std::int64_t delta, TimePoint now) {
  std::lock_guard lock(mutex_);
  auto e = createLocked(name);
  const std::int64_t base = e->samples.empty() ? 0 : e->samples.front().value;
  pushLocked(*e, base + delta, now);
  publishLocked(e);
}

void StatsRegistry::set(std::string_view name, std::int64_t value, TimePoint now) {
  std::lock_guard lock(mutex_);
  auto e = createLocked(name);
  pushLocked(*e, value, now);
  publishLocked(e);
}

void StatsRegistry::addEach(std::string_view name, std::uint64_t count, TimePoint now) {
  if (count == 0) return;
  std::lock_guard lock(mutex_);
  auto e = createLocked(name);
  std::int64_t base = e->samples.empty() ? 0 : e->samples.front().value;
  // With a count limit only the last maxCount of the intermediate values can survive; with an
  // age limit all of them do (they share one timestamp), as they would in Kea.
  std::uint64_t skip = 0;
  if (e->countMode) {
    const std::uint64_t keep = std::max<std::uint32_t>(e->maxCount, 1);
    if (count > keep) skip = count - keep;
  }
  base += std::int64_t(skip);
  for (std::uint64_t i = skip; i < count; ++i) pushLocked(*e, ++base, now);
  publishLocked(e);
}

bool StatsRegistry::get(std::string_view name, Sample& out) const {
  std::lock_guard lock(mutex_);
  auto it = values_.find(name);
  if (it == values_.end() || it->second->samples.empty()) return false;
  out = it->second->samples.front();
  return true;
}

std::int64_t StatsRegistry::value(std::string_view name) const {
  Sample s;
  return get(name, s) ? s.value : 0;
}

bool StatsRegistry::exists(std::string_view name) const {
  std::lock_guard lock(mutex_);
  return values_.find(name) != values_.end();
}

std::vector<StatsRegistry::Sample> StatsRegistry::samples(std::string_view name) const {
  std::lock_guard lock(mutex_);
  auto it = values_.find(name);
  if (it == values_.end()) return {};
  return {it->second->samples.begin(), it->second->samples.end()};
}

std::vector<std::pair<std::string, StatsRegistry::Sample>> StatsRegistry::all() const {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::string, Sample>> out;
  out.reserve(values_.size());
  for (const auto& [k, e] : values_) out.emplace_back(k, e->samples.front());
  return out;
}

std::vector<std::pair<std::string, std::vector<StatsRegistry::Sample>>> StatsRegistry::allSamples() const {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::string, std::vector<Sample>>> out;
  out.reserve(values_.size());
  for (const auto& [k, e] : values_) out.emplace_back(k, std::vector<Sample>(e->samples.begin(), e->samples.end()));
  return out;
}

bool StatsRegistry::reset(std::string_view name, TimePoint now) {
  std::lock_guard lock(mutex_);
  auto it = values_.find(name);
  if (it == values_.end()) return false;
  it->second->samples.clear();
  pushLocked(*it->second, 0, now);
  return true;
}

void StatsRegistry::resetAll(TimePoint now) {
  std::lock_guard lock(mutex_);
  for (auto& [k, e] : values_) {
    e->samples.clear();
    pushLocked(*e, 0, now);
  }
}

bool StatsRegistry::remove(std::string_view name) {
  std::lock_guard lock(mutex_);
  auto it = values_.find(name);
  if (it == values_.end()) return false;
  it->second->live = false;
  values_.erase(it);
  return true;
}

void StatsRegistry::removeAll() {
  std::lock_guard lock(mutex_);
  for (auto& [k, e] : values_) e->live = false;
  values_.clear();
}

bool StatsRegistry::setMaxSampleCount(std::string_view name, std::uint32_t max) {
  std::lock_guard lock(mutex_);
  auto it = values_.find(name);
  if (it == values_.end()) return false;
  it->second->countMode = true;
  it->second->maxCount = max;
  trim(*it->second);
  return true;
}

bool StatsRegistry::setMaxSampleAge(std::string_view name, Duration age) {
  std::lock_guard lock(mutex_);
  auto it = values_.find(name);
  if (it == values_.end()) return false;
  it->second->countMode = false;
  it->second->maxAge = age;
  trim(*it->second);
  return true;
}

void StatsRegistry::setMaxSampleCountAll(std::uint32_t max) {
  std::lock_guard lock(mutex_);
  for (auto& [k, e] : values_) {
    e->countMode = true;
    e->maxCount = max;
    trim(*e);
  }
}

void StatsRegistry::setMaxSampleAgeAll(Duration age) {
  std::lock_guard lock(mutex_);
  for (auto& [k, e] : values_) {
    e->countMode = false;
    e->maxAge = age;
    trim(*e);
  }
}

void StatsRegistry::setMaxSampleCountDefault(std::uint32_t max) {
  std::lock_guard lock(mutex_);
  if (max == 0) {
    defaultCountMode_ = false;
  } else {
    defaultCountMode_ = true;
    defaultMaxCount_ = max;
  }
}

void StatsRegistry::setMaxSampleAgeDefault(Duration age) {
  std::lock_guard lock(mutex_);
  defaultMaxAge_ = age;
}

std::uint32_t StatsRegistry::maxSampleCountDefault() const {
  std::lock_guard lock(mutex_);
  return defaultCountMode_ ? defaultMaxCount_ : 0;
}

StatsRegistry::Duration StatsRegistry::maxSampleAgeDefault() const {
  std::lock_guard lock(mutex_);
  return defaultMaxAge_;
}

}  // namespace tandem
