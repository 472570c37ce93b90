#include "ha/service/ha_timers.h"

#include <boost/asio/error.hpp>

namespace tandem::daemon {

AsioHaTimers::~AsioHaTimers() {
  for (auto& [id, t] : timers_) t->cancel();
}

void AsioHaTimers::arm(ha::TimerId id, SteadyTime at, std::function<void()> fire) {
  auto& slot = timers_[id];
  // A fresh timer per arming: a cancelled wait whose handler is already queued cannot then
  // run the new callback early.
  if (slot) slot->cancel();
  slot = std::make_unique<boost::asio::steady_timer>(io_);
  const auto delay = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::max(at - now_(), SteadyClock::duration::zero()));
  slot->expires_after(delay);
  slot->async_wait([fire = std::move(fire)](const boost::system::error_code& ec) {
    if (ec == boost::asio::error::operation_aborted) return;
    fire();
  });
}

void AsioHaTimers::cancel(ha::TimerId id) {
  auto it = timers_.find(id);
  if (it != timers_.end() && it->second) it->second->cancel();
}

}  // namespace tandem::daemon
