#include "heartbeat/clock_skew.h"

namespace tandem::heartbeat {

void ClockSkew::update(TimePoint partnerTime, TimePoint localNow) noexcept {
  skew_ = std::chrono::duration_cast<std::chrono::seconds>(partnerTime - localNow).count();
  localAtSkew_ = localNow;
}

bool ClockSkew::shouldWarn(SteadyTime now) noexcept {
  if (skew_ <= kWarnSeconds && skew_ >= -kWarnSeconds) return false;
  if (lastWarn_ && now - *lastWarn_ <= kWarnInterval) return false;
  lastWarn_ = now;
  return true;
}

}  // namespace tandem::heartbeat
