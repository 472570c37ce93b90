#include "ha/service/ha_handover_drain.h"

#include <utility>

namespace tandem::daemon {

HaHandoverDrain::Outcome HaHandoverDrain::poll(const sync::DeliveryTracker* tracker, SteadyTime now,
                                               std::vector<Answer>& release) {
  if (!upTo_) return Outcome::Drained;
  Outcome o = Outcome::Waiting;
  if (!tracker || tracker->answeredUpTo(*upTo_)) {
    o = Outcome::Drained;
  } else if (now >= deadline_) {
    o = Outcome::TimedOut;
  }
  if (o != Outcome::Waiting) {
    upTo_.reset();
    for (auto& a : parked_) release.push_back(std::move(a));
    parked_.clear();
  }
  return o;
}

std::vector<HaHandoverDrain::Answer> HaHandoverDrain::takeAll() {
  upTo_.reset();
  return std::exchange(parked_, {});
}

}  // namespace tandem::daemon
