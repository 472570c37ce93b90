#include "ha/service/ha_state_history.h"

#include <chrono>

#include "heartbeat/http_date.h"

namespace tandem::daemon {

void HaStateHistory::record(TimePoint at, const ha::StateChanged& change) {
  entries_.push_back({at, change});
  if (entries_.size() > kLength) entries_.pop_front();
}

nlohmann::json HaStateHistory::toJson(TimePoint now) const {
  nlohmann::json history = nlohmann::json::array();
  for (const auto& t : entries_) {
    history.push_back({{"time", heartbeat::formatSystemTime(t.at)},
                       {"age", std::chrono::duration_cast<std::chrono::seconds>(now - t.at).count()},
                       {"from", ha::toString(t.change.from)},
                       {"to", ha::toString(t.change.to)},
                       {"reason", t.change.reason}});
  }
  return history;
}

}  // namespace tandem::daemon
