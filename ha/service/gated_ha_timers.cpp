#include "ha/service/gated_ha_timers.h"

#include <utility>

namespace tandem::daemon {

GatedHaTimers::GatedHaTimers(HaIoGate& gate, std::unique_ptr<HaTimers> inner) : gate_(gate), inner_(std::move(inner)) {}

// Queued armings die with the timers (their callbacks reach a service that is going too).
GatedHaTimers::~GatedHaTimers() { gate_.forget(this); }

void GatedHaTimers::arm(ha::TimerId id, SteadyTime at, std::function<void()> fire) {
  // `at` is a point in time: arming it a round later does not move it.
  auto onIo = [&gate = gate_, fire = std::move(fire)] { gate.withState(fire); };
  gate_.call(this, [inner = inner_.get(), id, at, onIo = std::move(onIo)](bool cancel) mutable {
    if (!cancel) inner->arm(id, at, std::move(onIo));
  });
}

void GatedHaTimers::cancel(ha::TimerId id) {
  gate_.call(this, [inner = inner_.get(), id](bool cancel) {
    if (!cancel) inner->cancel(id);
  });
}

}  // namespace tandem::daemon
