#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "dhcpd/common/clock.h"

namespace tandem {

// Named integer statistics with Kea's names ("pkt4-received", "subnet[1].assigned-addresses")
// and Kea's observation semantics (src/lib/stats/observation.cc): each statistic keeps a
// history of samples, newest first, bounded either by a sample count (default 20) or by a
// sample age (the span between the newest and the oldest sample kept), never both;
// add() on a missing statistic creates it with the added value; reset() leaves one sample of 0.
// Owned by the composition root and passed by reference; thread-safe because the lease
// journal thread and the control API may read while the packet loop writes.
class StatsRegistry {
 public:
  struct Sample {
    std::int64_t value = 0;
    TimePoint when{};
  };
  using Duration = std::chrono::seconds;
  static constexpr std::uint32_t kDefaultMaxSamples = 20;  // Kea's statistic-default-sample-count

  // A resolved name for the hot path: updates through a handle skip the name lookup. Stays
  // valid across remove() (the next update re-creates the statistic, as Kea's addValue does).
  class Handle {
   public:
    struct Entry;  // defined below; opaque to users
    Handle() = default;
    const std::string& name() const noexcept;
    explicit operator bool() const noexcept { return entry_ != nullptr; }

   private:
    friend class StatsRegistry;
    explicit Handle(std::shared_ptr<Entry> e) : entry_(std::move(e)) {}
    mutable std::shared_ptr<Entry> entry_;  // re-pointed under the registry lock after remove()
  };

  Handle handle(std::string_view name);
  void add(const Handle& h, std::int64_t delta, TimePoint now);
  void set(const Handle& h, std::int64_t value, TimePoint now);

  void add(std::string_view name, std::int64_t delta, TimePoint now);
  void set(std::string_view name, std::int64_t value, TimePoint now);
  // `count` updates of +1 each, as if made one by one (a counter accumulated over a batch of
  // packets keeps Kea's one-sample-per-packet history; only the samples that fit are made).
  void addEach(std::string_view name, std::uint64_t count, TimePoint now);

  // Missing statistics read as nullopt-like: found=false. `out` is the newest sample.
  bool get(std::string_view name, Sample& out) const;
  std::int64_t value(std::string_view name) const;
  bool exists(std::string_view name) const;
  // Newest first; empty when missing.
  std::vector<Sample> samples(std::string_view name) const;
  // Every statistic with its newest sample / with all its samples, sorted by name.
  std::vector<std::pair<std::string, Sample>> all() const;
  std::vector<std::pair<std::string, std::vector<Sample>>> allSamples() const;
  // Calls f(name, newest sample) for every statistic, sorted by name, under the registry's
  // lock and without copying (GET /metrics: 13,000 statistics of a big server would otherwise
  // be 13,000 string copies per scrape). f must not call back into the registry.
  template <class F>
  void forEachNewest(F&& f) const;

  bool reset(std::string_view name, TimePoint now);
  void resetAll(TimePoint now);
  bool remove(std::string_view name);
  void removeAll();

  // Kea's statistic-sample-count-set / -age-set: switch one statistic (or all, and the
  // default for statistics created later) to a count limit or an age limit.
  bool setMaxSampleCount(std::string_view name, std::uint32_t max);
  bool setMaxSampleAge(std::string_view name, Duration age);
  void setMaxSampleCountAll(std::uint32_t max);
  void setMaxSampleAgeAll(Duration age);
  // Defaults for statistics created from now on (statistic-default-sample-count/-age).
  // A count of 0 switches the default to the age limit (Kea's Observation::setMaxSampleCountDefault).
  void setMaxSampleCountDefault(std::uint32_t max);
  void setMaxSampleAgeDefault(Duration age);
  std::uint32_t maxSampleCountDefault() const;
  Duration maxSampleAgeDefault() const;

 private:
  using Entry = Handle::Entry;
  std::shared_ptr<Entry> createLocked(std::string_view name);
  std::shared_ptr<Entry> liveLocked(const Handle& h);
  void pushLocked(Entry& e, std::int64_t value, TimePoint now);
  void publishLocked(const std::shared_ptr<Entry>& e);

  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Entry>, std::less<>> values_;
  bool defaultCountMode_ = true;
  std::uint32_t defaultMaxCount_ = kDefaultMaxSamples;
  Duration defaultMaxAge_{0};
};

struct StatsRegistry::Handle::Entry {
  std::string name;
  std::deque<Sample> samples;  // newest first, never empty while live
  bool live = false;           // false once removed (a handle then re-creates it)
  bool countMode = true;
  std::uint32_t maxCount = kDefaultMaxSamples;
  Duration maxAge{0};
};

// Defined after Entry: clang checks the body at its definition, where Entry must be complete.
template <class F>
void StatsRegistry::forEachNewest(F&& f) const {
  std::lock_guard lock(mutex_);
  for (const auto& [k, e] : values_) f(std::string_view(k), e->samples.front());
}

}  // namespace tandem
