#pragma once
// Up to which change (sync/change_history.h numbering) a partner is known to hold every
// lease change this server made: the point a delta resync starts from. Known only once the
// partner has pulled our database since we started (before that, we cannot tell what it
// holds); afterwards every change is either acknowledged by the partner (its lease update
// was stored there: a tandemd or Kea peer acknowledges only what it committed) or missed
// (not sent because of the state, failed, refused, queued for a replay). The watermark stops
// below the first missed change and below every update still in flight, so a delta from it
// can only fetch too much, never too little. Pure; one per partner.
#include <cstdint>
#include <optional>
#include <set>

namespace tandem::sync {

class DeliveryTracker {
 public:
  // The update carrying change `seq` is on its way to the partner.
  void sent(std::uint64_t seq);
  // The partner stored it.
  void acknowledged(std::uint64_t seq);
  // The partner may lack change `seq`: not sent, failed, refused.
  void missed(std::uint64_t seq);
  // The partner has just pulled our database: it holds everything up to `last`, the latest
  // change recorded (this instant's; nothing after it has been reported yet).
  void synchronised(std::uint64_t last);
  // Nothing known any more (the partner lost its leases, or we cannot tell).
  void forget();

  // Every change numbered up to the answer is held by the partner; nullopt when unknown.
  // `last`: the latest change recorded.
  std::optional<std::uint64_t> watermark(std::uint64_t last) const;
  std::size_t inFlight() const noexcept { return outstanding_.size(); }

 private:
  std::optional<std::uint64_t> floor_;        // synchronised up to here
  std::optional<std::uint64_t> firstMissed_;  // above floor_
  std::set<std::uint64_t> outstanding_;       // above floor_
};

}  // namespace tandem::sync
