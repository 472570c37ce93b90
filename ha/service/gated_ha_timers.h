#pragma once
// The HA state machine's timers used from the packet thread too (issue 11,
// ha/service/ha_io_gate.h): an arming or cancelling by the packet thread (the machine reacts
// to a query it filters) is queued on the gate and done by the io thread after the round, in
// order with the io thread's own; every timer fires on the io thread with the daemon's state
// lock held.
#include <memory>

#include "ha/service/ha_io_gate.h"
#include "ha/service/ha_timers.h"

namespace tandem::daemon {

class GatedHaTimers final : public HaTimers {
 public:
  GatedHaTimers(HaIoGate& gate, std::unique_ptr<HaTimers> inner);
  ~GatedHaTimers() override;

  void arm(ha::TimerId id, SteadyTime at, std::function<void()> fire) override;
  void cancel(ha::TimerId id) override;

 private:
  HaIoGate& gate_;
  std::unique_ptr<HaTimers> inner_;
};

}  // namespace tandem::daemon
