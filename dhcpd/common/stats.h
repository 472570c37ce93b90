#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "dhcpd/common/clock.h"

namespace tandem {

// Named integer statistics with Kea's names ("pkt4-received", "subnet[1].assigned-addresses").
// Owned by the composition root and passed by reference; thread-safe because the lease
// journal thread and the control API may read while the packet loop writes.
class StatsRegistry {
 public:
  struct Sample {
    std::int64_t value = 0;
    TimePoint when{};
  };

  void add(std::string_view name, std::int64_t delta, TimePoint now);
  void set(std::string_view name, std::int64_t value, TimePoint now);
  // Missing statistics read as nullopt-like: found=false.
  bool get(std::string_view name, Sample& out) const;
  std::int64_t value(std::string_view name) const;
  std::vector<std::pair<std::string, Sample>> all() const;
  bool reset(std::string_view name, TimePoint now);
  void resetAll(TimePoint now);
  bool remove(std::string_view name);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Sample, std::less<>> values_;
};

}  // namespace tandem
