#pragma once
// The end of a hand-over (ha/ha_machine.h): a peer leaving partner-down for load-balancing
// keeps serving its partner's clients until it answers the partner's ha-heartbeat with its new
// state, and stops at that instant; the partner starts serving them as soon as it reads the
// answer. The partner must by then hold every lease we gave its clients, or it may hand one of
// those addresses to another client (seen in ha_chaos_partition_test: after a one-way partition
// healed, our updates sat behind requests stuck on connections opened during the partition,
// and the partner allocated three addresses we had just given out). So the answers wait until
// every lease update sent before the hand-over ended has been answered, stored or failed (a
// failed one makes the machine resynchronise the partner), at most a bound below the
// partner's max-response-delay, so that a stuck request cannot make us look dead. Heartbeats
// that come meanwhile wait too. Pure: the service feeds it the partner's delivery record.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "dhcpd/common/steady_time.h"
#include "sync/delivery_tracker.h"

namespace tandem::daemon {

// The longest a heartbeat answer waits (and at most half of max-response-delay): longer than
// a lease update takes on a working connection, well below any failure detection.
inline constexpr std::chrono::milliseconds kHandoverDrainCap{2000};

class HaHandoverDrain {
 public:
  using Answer = std::function<void()>;
  enum class Outcome : std::uint8_t { Waiting, Drained, TimedOut };

  // The hand-over ended now: the updates up to `upTo` must be answered before the partner
  // hears our state; nullopt = none is in flight, nothing to wait for.
  void begin(std::optional<std::uint64_t> upTo, SteadyTime deadline) {
    upTo_ = upTo;
    deadline_ = deadline;
  }
  bool active() const noexcept { return upTo_.has_value(); }
  SteadyTime deadline() const noexcept { return deadline_; }
  std::uint64_t upTo() const noexcept { return upTo_.value_or(0); }
  void park(Answer answer) { parked_.push_back(std::move(answer)); }
  std::size_t parked() const noexcept { return parked_.size(); }

  // Whether the wait is over (`tracker`: the partner's record, nullptr when there is none);
  // when it is, the parked answers are handed back, oldest first, and the drain is idle.
  Outcome poll(const sync::DeliveryTracker* tracker, SteadyTime now, std::vector<Answer>& release);
  // Ends the wait whatever it waits for (the service stops): the parked answers.
  std::vector<Answer> takeAll();

 private:
  std::optional<std::uint64_t> upTo_;
  SteadyTime deadline_{};
  std::vector<Answer> parked_;
};

}  // namespace tandem::daemon
