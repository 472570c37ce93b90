#pragma once
// The last state changes of one HA relationship, for status-get's "state-history" (a tandem
// addition to Kea's "high-availability" section): enough for a flapping pair to show its
// pattern; the full record is the log. Pure: the time of each change is given.
#include <cstddef>
#include <deque>

#include <nlohmann/json.hpp>

#include "dhcpd/common/clock.h"
#include "ha/ha_machine.h"

namespace tandem::daemon {

class HaStateHistory {
 public:
  static constexpr std::size_t kLength = 20;

  // Keeps the change; the oldest goes once kLength are kept.
  void record(TimePoint at, const ha::StateChanged& change);
  // Oldest first: {"time" (RFC 1123), "age" (s before `now`), "from", "to", "reason"}.
  nlohmann::json toJson(TimePoint now) const;
  std::size_t size() const noexcept { return entries_.size(); }

 private:
  struct Transition {
    TimePoint at;
    ha::StateChanged change;
  };
  std::deque<Transition> entries_;  // newest last
};

}  // namespace tandem::daemon
