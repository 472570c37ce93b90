#pragma once
// The HA state machine's one-shot timers (heartbeat, communication check), behind an
// interface so HaService's tests fire them by hand with a fake clock, without sleeping.
#include <functional>
#include <map>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "dhcpd/common/steady_time.h"
#include "ha/ha_machine.h"

namespace tandem::daemon {

class HaTimers {
 public:
  virtual ~HaTimers() = default;
  // (Re)arms timer `id` to call `fire` at `at`; an earlier arming of the same id is dropped.
  virtual void arm(ha::TimerId id, SteadyTime at, std::function<void()> fire) = 0;
  virtual void cancel(ha::TimerId id) = 0;
};

// Asio implementation. The machine speaks steady time points from the injected clock; the
// wait is converted to a steady_timer delay from `now()`, so tests may inject a fake clock.
class AsioHaTimers final : public HaTimers {
 public:
  AsioHaTimers(boost::asio::io_context& io, std::function<SteadyTime()> now) : io_(io), now_(std::move(now)) {}
  ~AsioHaTimers() override;

  void arm(ha::TimerId id, SteadyTime at, std::function<void()> fire) override;
  void cancel(ha::TimerId id) override;

 private:
  boost::asio::io_context& io_;
  std::function<SteadyTime()> now_;
  std::map<ha::TimerId, std::unique_ptr<boost::asio::steady_timer>> timers_;
};

}  // namespace tandem::daemon
